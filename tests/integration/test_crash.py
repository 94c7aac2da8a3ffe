"""test_crash - SIGKILL the node mid-stream and prove nothing acknowledged is lost.

Two rounds. In each: several client threads stream signed mints and
transfers (single commands and small batches, some atomic) over a few dozen
addresses; after 2-3 seconds the node is SIGKILLed. It is restarted on the
same data dir and must hold every acknowledged command with the same op,
args and result (checked in /api/history for the newest 1000 entries and
in the SQLite journal for all of them), and balances equal to what the
journal implies, replayed by an independent Python model of the rules
(which also re-derives every journaled result). Commands that got no answer
may or may not be there; when present they must be exactly what was sent.
Then the recovered state hash must equal a fresh replay from genesis (the
snapshots deleted), and `mintline audit verify` must pass.

A third round stops the node with SIGTERM under the same load (ASan build):
it must drain and exit 0, and every request it committed must have been
answered (a graceful stop, unlike a crash, owes every client its answer).
The streaming node is the release build (a fast stream); recovery and the
replays run the default build (ASan when built). MINTLINE_SEED repeats a run.
"""
import json
import os
import random
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import TAP, Node, addr, default_binary, err_codes, release_binary, to_units  # noqa: E402
from mlclient import Client  # noqa: E402
from model import DEC, Model  # noqa: E402

SEED = int(os.environ.get("MINTLINE_SEED", str(int(time.time()) % 100000)))
t = TAP("crash")
t.diag("seed %d (MINTLINE_SEED=%d to repeat)" % (SEED, SEED))
rng = random.Random(SEED)
ADDRS = [addr(i, 0xc7) for i in range(40)]
THREADS = 4
CODES = err_codes()


# ------------------------------------------------------------ the stream --

class Sent:
    """One request: what was sent and what (if anything) came back."""

    def __init__(self, operator, cmds, batch, atomic, body, headers):
        self.operator, self.cmds, self.batch, self.atomic = operator, cmds, batch, atomic
        self.body, self.headers = body, headers
        self.nonce = headers["Mintline-Nonce"]
        self.status, self.doc, self.exc = None, None, None

    def results(self):
        """[(seq, result)] when acknowledged, else None."""
        if self.exc is not None or not isinstance(self.doc, dict):
            return None
        if self.batch:
            res = self.doc.get("results")
            if self.status != 200 or not isinstance(res, list) or len(res) != len(self.cmds):
                return None
            out = [(r.get("seq"), "ok" if r.get("ok") else r.get("error", {}).get("code")) for r in res]
        else:
            d = self.doc
            out = [(d.get("seq"), "ok" if d.get("ok") else d.get("error", {}).get("code"))]
        return out if all(isinstance(s, int) for s, _ in out) else None


def random_amount(r, sym):
    # SPEC 2's canonical form (the fraction is never zero, so no dot is left bare).
    if sym == "AAXJF":
        return ("%d.%03d" % (r.randint(0, 9), r.randint(1, 999))).rstrip("0")
    return ("%d.%02d" % (r.randint(0, 99), r.randint(1, 99))).rstrip("0")


def random_command(r, operator):
    if operator == "bob":
        return {"op": "mint", "asset": "USDW", "to": r.choice(ADDRS), "amount": random_amount(r, "USDW")}
    sym = r.choice(["USDC", "USDC", "AAXJF", "USDW"])
    k = r.random()
    if k < 0.45:
        return {"op": "mint", "asset": sym, "to": r.choice(ADDRS), "amount": random_amount(r, sym)}
    if k < 0.9:
        a, b = r.sample(ADDRS, 2)
        return {"op": "transfer", "asset": sym, "from": a, "to": b, "amount": random_amount(r, sym)}
    return {"op": "burn", "asset": sym, "from": r.choice(ADDRS), "amount": random_amount(r, sym)}


def worker(node, seed, stop, out):
    r = random.Random(seed)
    clients = {op: Client("127.0.0.1", node.port, op, node.key(op)) for op in ("alice", "bob")}
    while not stop.is_set():
        operator = "bob" if r.random() < 0.15 else "alice"
        c = clients[operator]
        if r.random() < 0.55:
            cmds, batch, atomic = [random_command(r, operator)], False, False
            doc = dict(cmds[0])
        else:
            cmds = [random_command(r, operator) for _ in range(r.randint(2, 6))]
            batch, atomic = True, r.random() < 0.3
            doc = {"commands": cmds}
            if atomic:
                doc["atomic"] = True
        body = json.dumps(doc).encode()
        hdr = c.headers("POST", "/api/commands", body)
        s = Sent(operator, cmds, batch, atomic, body, hdr)
        out.append(s)
        try:
            s.status, s.doc = c.raw("POST", "/api/commands", body, hdr, timeout=20)
        except Exception as e:  # noqa: BLE001 - the node was killed under us
            s.exc = e
            if stop.is_set():
                break
            time.sleep(0.01)


def stream(node, seconds, how="kill"):
    stop = threading.Event()
    outs = [[] for _ in range(THREADS)]
    threads = [threading.Thread(target=worker, args=(node, rng.randrange(1 << 30), stop, outs[i]))
               for i in range(THREADS)]
    for th in threads:
        th.start()
    time.sleep(seconds)
    if how == "kill":
        node.kill()
    else:
        STOPPED.append(node.stop())
    stop.set()
    for th in threads:
        th.join(timeout=60)
    return [s for o in outs for s in o]


# ------------------------------------------------------------- the journal --

def read_journal(db):
    """[(seq, operator, nonce, atomic, height, cmd, result)] in seq order, and
    {height: time_ns}."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        blocks = dict(con.execute("SELECT height, time_ns FROM blocks"))
        rows = con.execute("SELECT first_seq, commands, flags, operator, nonce, height, body, results "
                           "FROM requests ORDER BY first_seq").fetchall()
    finally:
        con.close()
    out = []
    for first_seq, count, flags, operator, nonce, height, body, results in rows:
        doc = json.loads(bytes(body))
        cmds = doc["commands"] if "commands" in doc else [{k: v for k, v in doc.items() if k != "dry_run"}]
        assert len(cmds) == count, (first_seq, count, doc)
        res = bytes(results)
        for i, cmd in enumerate(cmds):
            code = res[2 * i] | (res[2 * i + 1] << 8)
            out.append((first_seq + i, operator, nonce, bool(flags & 1), height, cmd,
                        CODES[code] if code < len(CODES) else "code %d" % code))
    return out, blocks


def replay(journal, blocks):
    """Re-derive every result; returns (model, [(seq, journaled, modelled)] mismatches)."""
    m = Model(0)
    bad = []
    i = 0
    while i < len(journal):
        seq, operator, nonce, atomic, height, cmd, result = journal[i]
        group = [journal[i]]
        while i + len(group) < len(journal) and journal[i + len(group)][2] == nonce and \
                journal[i + len(group)][1] == operator:
            group.append(journal[i + len(group)])
        m.time_ns = blocks[height]
        got, m = m.apply_request(operator, [c for (_, _, _, _, _, c, _) in group], atomic)
        for (s, _, _, _, _, _, res), g in zip(group, got):
            if res != g:
                bad.append((s, res, g))
        i += len(group)
    return m, bad


# ---------------------------------------------------------------- a round --

def api_balances(c):
    bal = {}
    for a in ADDRS:
        st, doc = c.get("/api/accounts/" + a)
        assert st == 200, (st, doc)
        for sym, h in doc["balances"].items():
            bal[(sym, a)] = to_units(h["balance"], DEC[sym])
    st, doc = c.get("/api/assets")
    assert st == 200, (st, doc)
    return bal, {x["symbol"]: to_units(x["supply"], x["decimals"]) for x in doc["assets"]}


STOPPED = []


def one_round(node, k, sent_all, how="kill"):
    name = "round %d" % k
    node.binary = STREAM_BIN if how == "kill" else RECOVER_BIN
    node.start()
    h_start = node.status()["node"]["height"]
    secs = 2.0 + rng.random() if how == "kill" else 1.5
    sent = stream(node, secs, how)
    if how != "kill":
        t.eq(STOPPED[-1:], [0], "%s: SIGTERM under load: the node drains and exits 0" % name)
        t.ok(node.sanitizer() is None, "%s: SIGTERM under load: no sanitizer report" % name, node.sanitizer())
    sent_all.extend(sent)
    acked = [s for s in sent if s.results() is not None]
    lost = [s for s in sent if s.results() is None]
    ncmd = sum(len(s.cmds) for s in acked)
    t.diag("%s: %d requests in %.1fs before %s: %d acknowledged (%d commands), %d without an answer" % (
        name, len(sent), secs, "SIGKILL" if how == "kill" else "SIGTERM", len(acked), ncmd, len(lost)))
    t.ok(ncmd > 100, "%s: the stream was acknowledged before the kill (%d commands)" % (name, ncmd))
    # A stopping node refuses new requests with 503 ERR_NOT_READY: an answer
    # that says "not applied", which the journal must confirm (checked below
    # with the other unanswered requests: none of them may be journaled).
    refused = [s for s in lost if s.exc is None and s.status == 503 and isinstance(s.doc, dict)
               and s.doc.get("error", {}).get("code") == "ERR_NOT_READY"]
    odd = [s for s in lost if s.exc is None and s not in refused]
    t.ok(not odd, "%s: every answered request was acknowledged with seqs or refused as stopping" % name,
         [(s.status, s.doc) for s in odd[:5]])
    if how == "kill":
        t.ok(not refused, "%s: a killed node never answered 'stopping'" % name)

    node.binary = RECOVER_BIN
    node.start()
    st = node.status()
    c = node.client("carol")
    c.keepalive = True
    t.ok(st["node"]["height"] > h_start, "%s: restarted after %s at height %d" % (
        name, "SIGKILL" if how == "kill" else "SIGTERM", st["node"]["height"]))

    # Every acknowledged command, in /api/history (the newest 1000 entries).
    stc, doc = c.get("/api/history?limit=1000")
    hist = {e["seq"]: e for e in doc.get("history", [])} if stc == 200 else {}
    low = min(hist) if hist else None
    checked, wrong = 0, []
    for s in acked:
        for (seq, res), cmd in zip(s.results(), s.cmds):
            if low is None or seq < low:
                continue
            checked += 1
            e = hist.get(seq)
            want = {"op": cmd["op"], "args": {x: v for x, v in cmd.items() if x != "op"}, "result": res,
                    "operator": s.operator}
            if e is None or {x: e[x] for x in want} != want:
                wrong.append((seq, want, e))
    t.ok(checked > 0 and not wrong,
         "%s: %d acknowledged commands in the newest 1000 of /api/history, same op/args/result" % (name, checked),
         wrong[:5])

    # Balances: what the node holds equals the Python model of the journal.
    bal, supply = api_balances(c)
    c.close()
    recovered = (st["node"]["height"], st["node"]["state_hash"])
    t.eq(node.stop(), 0, "%s: recovered node stops cleanly" % name)

    journal, blocks = read_journal(node.db)
    by_seq = {j[0]: j for j in journal}
    wrong = []
    total = 0
    for s in [x for x in sent_all if x.results() is not None]:
        for (seq, res), cmd in zip(s.results(), s.cmds):
            total += 1
            j = by_seq.get(seq)
            if j is None or (j[1], j[2], j[5], j[6]) != (s.operator, s.nonce, cmd, res):
                wrong.append((seq, s.operator, cmd, res, j))
    t.ok(total > 0 and not wrong, "%s: all %d acknowledged commands (all rounds) are in the journal with the "
         "same operator, nonce, op, args and result" % (name, total), wrong[:5])
    by_nonce = {}
    for j in journal:
        by_nonce.setdefault((j[1], j[2]), []).append(j)
    present = bad = 0
    for s in lost:
        js = by_nonce.get((s.operator, s.nonce))
        if js is None:
            continue
        present += 1
        if [j[5] for j in js] != s.cmds or any(j[3] != s.atomic for j in js):
            bad += 1
    t.diag("%s: %d of %d unanswered requests made it into the journal" % (name, present, len(lost)))
    if how != "kill":
        t.ok(present == 0, "graceful drain: on SIGTERM every request the node committed was answered "
             "(%d committed requests got no response: the connection was closed)" % present,
             [(type(x.exc).__name__, str(x.exc)) for x in lost if (x.operator, x.nonce) in by_nonce][:5])
    t.ok(bad == 0, "%s: unanswered requests present in the journal are exactly what was sent" % name, bad)
    ours = {(s.operator, s.nonce) for s in sent_all}
    foreign = [k2 for k2 in by_nonce if k2 not in ours]
    t.ok(not foreign, "%s: the journal holds no request that was not sent" % name, foreign[:5])
    seqs = [j[0] for j in journal]
    t.ok(seqs == list(range(len(seqs))), "%s: journal seqs are 0..%d without a gap" % (name, len(seqs) - 1),
         seqs[:3])
    model, mismatches = replay(journal, blocks)
    t.ok(not mismatches, "%s: the Python model re-derives every journaled result (%d commands)" % (name, len(journal)),
         mismatches[:5])
    want_bal = {k2: v for k2, v in model.bal.items() if v}
    t.eq(bal, want_bal, "%s: every balance equals the model of the journal" % name)
    t.eq(supply, model.supply, "%s: every supply equals the model" % name)
    for sym in DEC:
        t.eq(sum(v for (s2, _), v in bal.items() if s2 == sym), supply[sym],
             "%s: %s supply = sum of balances" % (name, sym))

    r = node.cli("audit", "verify", "--data", node.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "%s: audit verify passes" % name, r)

    # A fresh replay from genesis gives the same state.
    con = sqlite3.connect(node.db)
    nsnap = con.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0]
    con.execute("DELETE FROM snapshots")
    con.commit()
    con.close()
    node.start()
    st2 = node.status()["node"]
    t.diag("%s: %d snapshots deleted; replayed %d blocks from genesis" % (name, nsnap, st2["height"]))
    t.eq((st2["height"], st2["state_hash"]), recovered,
         "%s: replay from genesis gives the recovered height and state hash" % name)
    last = acked[-1] if acked else None
    if last is not None:
        cc = node.client("alice")
        st_, doc_ = cc.raw("POST", "/api/commands", last.body, last.headers)
        again = Sent(last.operator, last.cmds, last.batch, last.atomic, last.body, last.headers)
        again.status, again.doc = st_, doc_
        t.ok(st_ == last.status and again.results() == last.results() and
             doc_.get("block") == last.doc.get("block"),
             "%s: an acknowledged request replayed after the crash gets its original answer "
             "(block, seqs, results) from the journal" % name, (st_, doc_))
        t.eq(node.status()["node"]["height"], st2["height"], "%s: the replay changed nothing" % name)
    t.eq(node.stop(), 0, "%s: replayed node stops cleanly" % name)
    t.ok(node.sanitizer() is None, "%s: no sanitizer report in the node logs" % name, node.sanitizer())


def drain_big_batches():
    """SIGTERM while four 16000-command batches are in flight: a graceful stop
    must answer every request it committed."""
    node = Node(binary=RECOVER_BIN)
    try:
        node.start()
        answers = {}

        def go(i):
            c = node.client("alice")
            body = json.dumps({"commands": [{"op": "mint", "asset": "USDC", "to": ADDRS[i], "amount": "1"}] * 16000})
            body = body.encode()
            try:
                st, d = c.raw("POST", "/api/commands", body, c.headers("POST", "/api/commands", body), timeout=120)
                answers[i] = (st, len(d.get("results", [])) if isinstance(d, dict) else d)
            except Exception as e:  # noqa: BLE001 - what the client saw
                answers[i] = type(e).__name__
        threads = [threading.Thread(target=go, args=(i,)) for i in range(4)]
        for th in threads:
            th.start()
        time.sleep(0.15)
        rc = node.stop()
        for th in threads:
            th.join(timeout=120)
        t.eq(rc, 0, "SIGTERM with 4 large batches in flight: exit 0")
        con = sqlite3.connect("file:%s?mode=ro" % node.db, uri=True)
        committed = con.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
        con.close()
        answered = sum(1 for a in answers.values() if isinstance(a, tuple) and a[0] == 200)
        t.diag("large batches: %d committed, answers %s" % (committed, answers))
        t.ok(committed == answered,
             "graceful drain: SIGTERM with 4 x 16000-command batches in flight: each committed batch "
             "is answered (%d committed, %d answered)" % (committed, answered), answers)
        t.ok(node.sanitizer() is None, "SIGTERM with large batches in flight: no sanitizer report", node.sanitizer())
    finally:
        node.cleanup()


STREAM_BIN = release_binary()
RECOVER_BIN = default_binary()


def main():
    node = Node(binary=STREAM_BIN)
    t.diag("streaming node: %s; recovering and replaying nodes: %s" % (STREAM_BIN, RECOVER_BIN))
    sent_all = []
    for k, how in ((1, "kill"), (2, "kill"), (3, "term")):
        if node.running():
            node.stop()
        t.run("round %d" % k, one_round, node, k, sent_all, how)
    t.run("drain", drain_big_batches)
    node.cleanup()
    t.done()


if __name__ == "__main__":
    main()
