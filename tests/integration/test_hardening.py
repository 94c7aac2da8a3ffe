"""test_hardening - the ledger-of-record defects of issue 8, each reproduced.

1. A key rotated (or an operator removed) while a request waits: under load,
   threads sign mints as bob with either of two keys while alice rotates
   bob's key back and forth; every acknowledged mint must be in the journal,
   and `audit verify` must pass (before the fix: "bad signature by bob").
   (The deterministic form is tests/unit/test_sequencer.c.)
3. A block the store cannot journal (a second writer appended a block) is
   rolled back before anyone reads: height and balances unchanged, /readyz
   503, mintline_node_writable 0, `status` says so; a restart is clean.
4. Two nodes on one data directory: the second is refused, naming the first;
   after the first is killed (-9) a new node starts.
5. The clock mode is the ledger's: `serve --clock manual` on a wall-clock
   ledger is refused (ERR_CLOCK_MODE), and the reverse; a drill ledger is
   served on its manual clock without the flag; audit refuses a dev.advance
   smuggled into a wall-clock ledger's journal.
6. A journal cut at its end (last blocks deleted) is refused at start-up
   with ERR_STORE_CORRUPT naming the missing blocks.
"""
import json
import os
import random
import shutil
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # noqa: E402

from harness import GENESIS, TAP, Node, addr, metric, run_cli  # noqa: E402

t = TAP("hardening")


def pub_hex(key):
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def refusal(node):
    """Start node; None when it serves, else the refusal (exit and log)."""
    try:
        node.start(timeout=15)
        return None
    except RuntimeError as e:
        return str(e)


def genesis_with(node_root, extra):
    path = os.path.join(node_root, "genesis.yaml")
    with open(GENESIS) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text + extra)
    return path


# ---------------------------------------------------------------- 1 ----

def storm(n, keys, seconds, kill_at=None):
    """Threads mint as bob with either key while alice rotates bob's key;
    with kill_at, the node is SIGKILLed that many seconds in. Returns
    (rotations, [(status, doc)])."""
    alice = n.client("alice")
    stop = threading.Event()
    sent = []
    lock = threading.Lock()

    def minter(seed):
        rng = random.Random(seed)
        c = n.client("bob")
        i = 0
        while not stop.is_set():
            k = keys[rng.randrange(2)]
            body = {"op": "mint", "asset": "USDW", "to": addr(seed * 100000 + i, 0xb1), "amount": "1"}
            i += 1
            try:
                st, doc = c.command(body, key=k)
            except OSError as e:  # the node was killed: no answer
                st, doc = None, str(e)
            with lock:
                sent.append((st, doc))

    threads = [threading.Thread(target=minter, args=(random.randrange(1 << 20),)) for _ in range(4)]
    for th in threads:
        th.start()
    rotations = 0
    start = time.time()
    which = 0
    while time.time() < start + seconds:
        if kill_at is not None and time.time() >= start + kill_at:
            n.kill()
            break
        which ^= 1
        try:
            st, doc = alice.command({"op": "operator.rotate_key", "name": "bob",
                                     "pubkey": pub_hex(keys[which])})
            rotations += st == 200 and doc.get("ok") is True
        except OSError:
            break
        time.sleep(0.05)
    stop.set()
    for th in threads:
        th.join()
    return rotations, sent


def journaled_seqs(n):
    db = sqlite3.connect("file:%s?mode=ro" % n.db, uri=True)
    seqs = {row[0] for row in db.execute("SELECT first_seq FROM requests WHERE operator='bob'")}
    db.close()
    return seqs


def test_rotation_under_load():
    probe = Node(init=False)
    g = genesis_with(probe.root, "  - {op: operator.rotate_key, approvals: 1, timelock: 0}\n"
                                 "  - {op: operator.add, approvals: 1, timelock: 0}\n"
                                 "  - {op: operator.remove, approvals: 1, timelock: 0}\n")
    n = Node(genesis=g, clock_manual=True).start()
    try:
        keys = [n.key("bob"), Ed25519PrivateKey.generate()]
        rotations, sent = storm(n, keys, 4)
        ok = [d for s, d in sent if s == 200 and isinstance(d, dict) and d.get("ok")]
        refused = [d for s, d in sent if s == 401]
        other = [(s, d) for s, d in sent if s not in (200, 401)]
        t.ok(rotations >= 20, "alice rotated bob's key %d times under load" % rotations)
        t.ok(len(ok) > 50 and len(refused) > 50,
             "mints with the key in force were applied, the others refused 401 (%d ok, %d refused)"
             % (len(ok), len(refused)))
        t.ok(not other, "no answer but 200 or 401", other[:3])
        missing = [d["seq"] for d in ok if d["seq"] not in journaled_seqs(n)]
        t.ok(not missing, "every acknowledged mint is journaled", missing[:5])
        t.diag("refused at apply (key replaced while waiting): %d"
               % metric(n.metrics(), "mintline_stale_signer_refused_total"))
        r = n.cli("audit", "verify", "--data", n.data)
        t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify passes after the storm", r)
        # the same storm, killed -9 in the middle: nothing acknowledged is lost
        rotations, sent = storm(n, keys, 6, kill_at=1.5 + random.random() * 2)
        ok = [d for s, d in sent if s == 200 and isinstance(d, dict) and d.get("ok")]
        n.start()
        missing = [d["seq"] for d in ok if d["seq"] not in journaled_seqs(n)]
        t.ok(len(ok) > 10 and not missing,
             "killed -9 mid-storm: every one of %d acknowledged mints survives the restart" % len(ok),
             missing[:5])
        r = n.cli("audit", "verify", "--data", n.data)
        t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify passes after the crash", r)
        # removal: a request by a removed operator is refused, not journaled
        bob_key = keys[1] if n.client("alice").get("/api/operators")[1]["operators"][1]["pubkey"] == pub_hex(keys[1]) else keys[0]
        st, doc = n.client("alice").command({"op": "operator.remove", "name": "bob"})
        t.ok(st == 200 and doc.get("ok"), "bob removed", doc)
        st, doc = n.client("bob").command({"op": "mint", "asset": "USDW", "to": addr(1), "amount": "1"},
                                          key=bob_key)
        t.ok(st == 401 and doc["error"]["code"] == "ERR_AUTH_OPERATOR",
             "a removed operator's request is 401 ERR_AUTH_OPERATOR", (st, doc))
        r = n.cli("audit", "verify", "--data", n.data)
        t.ok(r.rc == 0, "audit verify still passes", r)
        t.eq(n.stop(), 0, "node stops cleanly")
        t.ok(n.sanitizer() is None, "no sanitizer report", n.sanitizer())
    finally:
        n.kill()
        n.cleanup()
        probe.cleanup()


# ---------------------------------------------------------------- 3 ----

def foreign_block(db_path, height):
    """A second writer: a copy of the head block appended at `height`."""
    db = sqlite3.connect(db_path, timeout=10)
    db.execute("INSERT INTO blocks SELECT ?, time_ns, prev_hash, hash, state_hash, first_seq, "
               "commands, 0, first_event_seq, 0, x'' FROM blocks WHERE height = ?",
               (height, height - 1))
    db.commit()
    db.close()


def test_failed_commit_is_rolled_back():
    n = Node(clock_manual=True).start()
    try:
        alice = n.client("alice")
        st, doc = alice.command({"op": "mint", "asset": "USDW", "to": addr(7), "amount": "100"})
        t.ok(st == 200, "a mint before the fault", doc)
        before = n.status()["node"]
        foreign_block(n.db, before["height"] + 1)
        st, doc = alice.command({"op": "mint", "asset": "USDW", "to": addr(7), "amount": "23"})
        t.ok(st == 503 and doc["error"]["code"] == "ERR_STORE_IO",
             "the mint whose block cannot be journaled is answered 503 ERR_STORE_IO", (st, doc))
        after = n.status()["node"]
        t.eq(after["height"], before["height"], "status: the height did not move")
        t.eq(after["state_hash"], before["state_hash"], "status: the state hash is the saved one")
        t.eq(after["writable"], False, "status: node.writable is false")
        st, bal = n.client("carol").get("/api/assets/USDW/balances/%s" % addr(7))
        t.ok(st == 200 and bal["balance"] == "100", "the unsaved mint is not visible", bal)
        st, _ = n.http("GET", "/readyz")
        t.eq(st, 503, "/readyz answers 503")
        t.eq(metric(n.metrics(), "mintline_node_writable"), 0.0, "mintline_node_writable 0")
        t.eq(metric(n.metrics(), "mintline_blocks_aborted_total"), 1.0, "mintline_blocks_aborted_total 1")
        r = n.cli("status")
        t.ok(r.rc == 0 and "NOT WRITABLE" in r.out, "the human status says the node is not writable", r)
        st, doc = alice.command({"op": "pause"})
        t.ok(st == 503 and doc["error"]["code"] == "ERR_STORE_IO", "later writes are refused", (st, doc))
        n.stop()
        db = sqlite3.connect(n.db)
        db.execute("DELETE FROM blocks WHERE height = ?", (before["height"] + 1,))
        db.commit()
        db.close()
        n.start()
        st, bal = n.client("carol").get("/api/assets/USDW/balances/%s" % addr(7))
        t.ok(st == 200 and bal["balance"] == "100" and n.status()["node"]["height"] == before["height"],
             "after a restart the ledger is what was journaled", bal)
        alice = n.client("alice")  # the restarted node listens on another port
        st, doc = alice.command({"op": "mint", "asset": "USDW", "to": addr(7), "amount": "23"})
        t.ok(st == 200 and doc.get("ok"), "and takes writes again", doc)
        r = n.cli("audit", "verify", "--data", n.data)
        t.ok(r.rc == 0, "audit verify passes", r)
        t.eq(n.stop(), 0, "node stops cleanly")
        t.ok(n.sanitizer() is None, "no sanitizer report", n.sanitizer())
    finally:
        n.kill()
        n.cleanup()


# ---------------------------------------------------------------- 4 ----

def test_single_writer():
    n = Node(clock_manual=True).start()
    try:
        n.client("alice").command({"op": "mint", "asset": "USDW", "to": addr(8), "amount": "1"})
        # a reader on an older snapshot (a long audit, a backup) while the
        # node writes on: the second node must not wait on it or touch the store
        reader = sqlite3.connect(n.db, timeout=10)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM blocks").fetchone()
        n.client("alice").command({"op": "mint", "asset": "USDW", "to": addr(8), "amount": "1"})
        second = Node(init=False)
        second.data = n.data
        second.clock_manual = True
        t0 = time.time()
        text = refusal(second)
        started = text is None
        took = time.time() - t0
        reader.rollback()
        reader.close()
        t.ok(not started, "a second node on the same data directory does not start")
        t.ok(took < 5, "it stops at once, before recovery (%.1f s)" % took)
        if not started:
            t.ok("ERR_LEDGER_LOCKED" in text and ("pid %d" % n.proc.pid) in text,
                 "its refusal is ERR_LEDGER_LOCKED naming the first node's pid", text[-400:])
        st, doc = n.client("alice").command({"op": "mint", "asset": "USDW", "to": addr(8), "amount": "1"})
        t.ok(st == 200, "the first node still writes", doc)
        n.kill()
        n.start()
        t.ok(n.running(), "after kill -9 the lock is gone: a new node starts")
        r = n.cli("audit", "verify", "--data", n.data)
        t.ok(r.rc == 0, "audit verify reads while the node runs (readers take no lock)", r)
        n.stop()
        second.cleanup()
    finally:
        n.kill()
        n.cleanup()


# ---------------------------------------------------------------- 5 ----



def test_clock_mode():
    wall = Node(clock_manual=False)
    try:
        r = run_cli(wall.binary, ["serve", "--data", wall.data, "--listen", "127.0.0.1:1",
                                  "--clock", "manual"], env=wall.env(node=False), timeout=30)
        t.ok(r.rc == 1 and "ERR_CLOCK_MODE" in r.err and "wall clock" in r.err,
             "serve --clock manual on a wall-clock ledger: ERR_CLOCK_MODE, exit 1", r)
        wall.start()
        st, doc = wall.client("alice").command({"op": "dev.advance", "duration": "1d"})
        t.ok(st == 409 and doc["error"]["code"] == "ERR_CLOCK_NOT_MANUAL",
             "wall-clock ledger: dev advance refused", doc)
        wall.stop()
        # Smuggle a dev.advance into the wall-clock journal: audit refuses it.
        drill = Node(clock_manual=True).start()
        st, doc = drill.client("alice").command({"op": "dev.advance", "duration": "1d"})
        t.ok(st == 200, "drill ledger: dev advance works", doc)
        st, doc = drill.client("alice").command({"op": "mint", "asset": "USDC", "to": addr(3),
                                                  "amount": "1"})
        drill.stop()
        db = sqlite3.connect(drill.db)
        genesis = db.execute("SELECT value FROM meta WHERE key='genesis_json'").fetchone()[0]
        db.close()
        text = genesis.decode() if isinstance(genesis, bytes) else genesis
        t.ok('"clock":"manual"' in text, "the drill ledger's genesis records clock manual", text[:200])
        copy = Node(init=False)
        os.makedirs(copy.data)
        shutil.copyfile(drill.db, copy.db)
        db = sqlite3.connect(copy.db)
        db.execute("UPDATE meta SET value = CAST(replace(CAST(value AS TEXT), ',\"clock\":\"manual\"', '') AS BLOB)"
                   " WHERE key = 'genesis_json'")
        db.commit()
        db.close()
        r = copy.cli("audit", "verify", "--data", copy.data)
        t.ok(r.rc == 1 and "ERR_AUDIT_FAILED" in r.err, "a drill ledger passed off as wall-clock fails audit (block 0 covers the clock mode)", r)
        copy.cleanup()
        r = run_cli(drill.binary, ["serve", "--data", drill.data, "--listen", "127.0.0.1:1",
                                   "--clock", "wall"], env=drill.env(node=False), timeout=30)
        t.ok(r.rc == 1 and "ERR_CLOCK_MODE" in r.err, "serve --clock wall on a drill ledger: ERR_CLOCK_MODE", r)
        drill.clock_manual = False  # no flag: the ledger's own mode
        drill.start()
        t.eq(drill.status()["node"]["clock"], "manual", "a drill ledger served without --clock runs on its manual clock")
        drill.stop()
        drill.cleanup()
    finally:
        wall.kill()
        wall.cleanup()


# ---------------------------------------------------------------- 6 ----

def test_cut_journal():
    n = Node(clock_manual=True).start()
    try:
        alice = n.client("alice")
        for i in range(5):
            alice.command({"op": "mint", "asset": "USDC", "to": addr(i), "amount": "1"})
        head = n.status()["node"]["height"]
        n.stop()
        db = sqlite3.connect(n.db)
        db.execute("DELETE FROM blocks WHERE height > ?", (head - 2,))
        db.execute("DELETE FROM snapshots WHERE height > ?", (head - 2,))
        db.commit()
        db.close()
        text = refusal(n)
        started = text is None
        t.ok(not started, "a journal cut at its end does not start")
        if not started:
            want = "blocks %d..%d are missing" % (head - 1, head)
            t.ok("ERR_STORE_CORRUPT" in text and want in text,
                 "ERR_STORE_CORRUPT naming the missing blocks (%s)" % want, text[-400:])
        r = n.cli("audit", "verify", "--data", n.data)
        t.ok(r.rc == 1 and "ERR_AUDIT_FAILED" in r.err, "audit verify refuses it too", r)
    finally:
        n.kill()
        n.cleanup()


def test_settle_waits_for_a_reader():
    """After a crash start-up settles the WAL; a reader holding the journal
    (a long audit) makes it wait, saying so, then it serves."""
    n = Node(clock_manual=True).start()
    try:
        for i in range(3):
            n.client("alice").command({"op": "mint", "asset": "USDC", "to": addr(i), "amount": "1"})
        n.kill()
        reader = sqlite3.connect(n.db, timeout=10, check_same_thread=False)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM blocks").fetchone()
        # The node starts from this thread (it dies with the thread that
        # started it); a timer lets the reader go after three seconds.
        released = threading.Event()

        def release():
            reader.rollback()
            reader.close()
            released.set()

        timer = threading.Timer(3.0, release)
        timer.start()
        n.start(timeout=60)
        timer.join()
        # Whether the reader's snapshot pins the WAL depends on where the
        # kill left it; when it does, start-up must say it waits.
        t.diag("start-up waited for the reader: %s" % ("waiting for a reader" in n.log_text()))
        t.ok(released.is_set(), "the reader was released", n.log_text()[-300:])
        t.ok(n.status()["node"]["height"] >= 3, "and serves once the reader is done")
        n.stop()
    finally:
        n.kill()
        n.cleanup()


def test_echo_cut_at_a_character():
    """Text echoed in an error is cut at LIMIT_ECHO_BYTES, never inside a
    UTF-8 character: the answer stays valid JSON text."""
    import socket
    n = Node(clock_manual=True).start()
    try:
        for pad in range(2):
            # signed: an unknown /api/ path echoes it (other paths are the console's plain 404)
            path = "/api/x" + "a" * pad + "\u00e9" * 100
            signed = "".join("%s: %s\r\n" % kv for kv in n.client("carol").headers("GET", path, b"").items())
            s = socket.create_connection(("127.0.0.1", n.port), timeout=10)
            s.sendall(b"GET " + path.encode("utf-8") + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
                      signed.encode() + b"\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            s.close()
            body = data.split(b"\r\n\r\n", 1)[1]
            try:
                doc = json.loads(body.decode("utf-8"))
                good = doc["error"]["code"] == "ERR_NOT_FOUND"
            except (UnicodeDecodeError, ValueError, KeyError):
                good = False
            t.ok(good, "a 404 echoing %d bytes of path is valid UTF-8 JSON (offset %d)" % (len(path.encode()), pad), body[:200])
        n.stop()
    finally:
        n.kill()
        n.cleanup()


def test_pause_through_a_held_budget():
    """Forged headers naming alice, each declaring a 16 MiB body sent a byte
    at a time, hold the whole unverified-body budget; alice's signed pause
    (a small body) still gets in."""
    import base64
    import socket
    n = Node(clock_manual=True).start()
    socks = []
    try:
        for i in range(4):
            s = socket.create_connection(("127.0.0.1", n.port), timeout=10)
            head = ("POST /api/commands HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: 16777216\r\nMintline-Operator: alice\r\n"
                    "Mintline-Time: %d\r\nMintline-Nonce: forged%d\r\nMintline-Signature: %s\r\n\r\n"
                    % (int(time.time() * 1000), i, base64.b64encode(b"\0" * 64).decode()))
            s.sendall(head.encode() + b"{")
            socks.append(s)
        time.sleep(0.5)
        st, doc = n.client("alice").command({"op": "pause"})
        t.ok(st == 200 and doc.get("ok"), "alice's pause gets in while forged bodies hold the budget", (st, doc))
        st, doc = n.client("alice").command({"commands": [{"op": "mint", "asset": "USDC", "to": addr(i), "amount": "1"}
                                                          for i in range(1500)]})
        t.ok(st == 503 and doc["error"]["code"] == "ERR_OVERLOADED",
             "a large batch (over 64 KiB) waits for room: 503 ERR_OVERLOADED", (st, str(doc)[:200]))
        for s in socks:
            s.close()
        n.stop()
    finally:
        for s in socks:
            s.close()
        n.kill()
        n.cleanup()


t.run("pause through a held body budget", test_pause_through_a_held_budget)
t.run("error echo cut at a character", test_echo_cut_at_a_character)
t.run("start-up settles the store, waiting for a reader", test_settle_waits_for_a_reader)
t.run("rotation under load (defect 1)", test_rotation_under_load)
t.run("failed commit rolled back (defect 3)", test_failed_commit_is_rolled_back)
t.run("single writer (defect 4)", test_single_writer)
t.run("clock mode (defect 5)", test_clock_mode)
t.run("cut journal (defect 6)", test_cut_journal)
t.done()
