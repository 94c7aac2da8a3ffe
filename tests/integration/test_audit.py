"""test_audit - `mintline audit verify` fails loudly on any tampering.

A ledger is filled through the API (single commands, a batch, an atomic
batch that fails, a rejected command, a pause), then the node is stopped
and, on a fresh copy of the store each time, one thing is changed with
SQLite: a body, a signature, a nonce, a result code, the binary commands,
the events, a block's time, state hash or link, a missing request, a
missing last block, the genesis. Every change must make audit exit 1 with
ERR_AUDIT_FAILED naming a block, and start-up must refuse the changes it
can see (derived data that disagrees with replay).
"""
import os
import shutil
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import TAP, Node, addr  # noqa: E402

t = TAP("audit")


def fill(node):
    alice = node.client("alice")
    a, b = addr(1), addr(2)
    alice.command({"op": "mint", "asset": "USDW", "to": a, "amount": "1000"})
    alice.command({"op": "transfer", "asset": "USDW", "from": a, "to": b, "amount": "250.5"})
    alice.command({"commands": [{"op": "mint", "asset": "USDC", "to": a, "amount": "7"},
                                {"op": "mint", "asset": "USDC", "to": b, "amount": "8"}]})
    alice.command({"commands": [{"op": "mint", "asset": "USDC", "to": a, "amount": "1"},
                                {"op": "burn", "asset": "USDC", "from": b, "amount": "999"}],
                   "atomic": True})
    alice.command({"op": "burn", "asset": "USDW", "from": b, "amount": "5000"})  # rejected
    alice.command({"op": "pause", "asset": "USDC"})
    alice.command({"op": "burn", "asset": "USDW", "from": a, "amount": "100"})


TAMPERS = [
    ("a request body", "UPDATE requests SET body = CAST(replace(CAST(body AS TEXT), '1000', '1001') AS BLOB) WHERE id = 1"),
    ("a signature", "UPDATE requests SET signature = (CASE WHEN substr(signature, 1, 1) = 'A' THEN 'B' ELSE 'A' END) || substr(signature, 2) WHERE id = 2"),
    ("a nonce", "UPDATE requests SET nonce = nonce || 'x' WHERE id = 2"),
    ("the operator of a request", "UPDATE requests SET operator = 'bob' WHERE id = 1"),
    ("a result code", "UPDATE requests SET results = x'0000' WHERE id = 5"),
    ("the binary commands", "UPDATE requests SET cmds = substr(cmds, 1, 40) || x'ff' || substr(cmds, 42) WHERE id = 1"),
    ("the events of a block", "UPDATE blocks SET events = substr(events, 1, 100) || x'07' || substr(events, 102) WHERE height = 1"),
    ("a block's time", "UPDATE blocks SET time_ns = time_ns + 1 WHERE height = 3"),
    ("a block's state hash", "UPDATE blocks SET state_hash = zeroblob(32) WHERE height = 2"),
    ("a block's link", "UPDATE blocks SET prev_hash = zeroblob(32) WHERE height = 4"),
    ("a deleted request", "DELETE FROM requests WHERE id = 3"),
    ("the deleted last block", "DELETE FROM blocks WHERE height = (SELECT max(height) FROM blocks)"),
    ("the genesis", "UPDATE meta SET value = CAST(replace(CAST(value AS TEXT), '1000000000', '1000000001') AS BLOB) WHERE key = 'genesis_json'"),
]

# What start-up itself refuses when it replays (no snapshot): derived data
# that replay contradicts. Signatures, bodies and the events' bytes are
# audit's business (start-up checks only how many events each block has).
STARTUP_REFUSES = {"a result code", "the binary commands", "a block's state hash", "the deleted last block",
                   "a deleted request", "the genesis"}


def test_tampering(node):
    r = node.cli("audit", "verify", "--data", node.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "untouched ledger: audit ok", r)
    for what, sql in TAMPERS:
        copy = Node(init=False)
        os.makedirs(copy.data)
        shutil.copyfile(node.db, copy.db)
        db = sqlite3.connect(copy.db)
        changed = db.execute(sql).rowcount
        db.commit()
        db.close()
        t.ok(changed == 1, "%s: the tamper changed one row" % what, changed)
        r = copy.cli("audit", "verify", "--data", copy.data)
        t.ok(r.rc == 1 and "ERR_AUDIT_FAILED" in r.err and "block" in r.err,
             "%s: audit verify exits 1 with ERR_AUDIT_FAILED naming the block" % what, r)
        if what in STARTUP_REFUSES:
            # Start-up trusts a snapshot whose state hash matches its block;
            # without snapshots it must replay, and replay checks everything
            # derived.
            db = sqlite3.connect(copy.db)
            db.execute("DELETE FROM snapshots")
            db.commit()
            db.close()
            try:
                copy.start(timeout=10)
                started = True
            except Exception:  # noqa: BLE001 - a refused start is the expected outcome
                started = False
            t.ok(not started, "%s: the node refuses to start on it" % what)
            if started:
                copy.stop()
        copy.cleanup()


def test_damaged_snapshot(node, state_hash):
    """A damaged snapshot is never loaded: start-up falls back and gets the same state."""
    copy = Node(init=False)
    os.makedirs(copy.data)
    shutil.copyfile(node.db, copy.db)
    db = sqlite3.connect(copy.db)
    n = db.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    t.ok(n >= 1, "a clean stop left a snapshot", n)
    changed = db.execute("UPDATE snapshot_chunks SET data = x'00' || substr(data, 2)").rowcount
    db.commit()
    db.close()
    t.ok(changed >= 1, "snapshot chunks damaged", changed)
    copy.start()
    got = copy.status()["node"]
    t.eq(got["state_hash"], state_hash, "start-up ignored the damaged snapshot and replayed to the same state")
    t.ok("snapshot at block" in copy.log_text() and "damaged" in copy.log_text(),
         "start-up said on stderr that it skipped the damaged snapshot", copy.log_text()[-400:])
    copy.stop()
    copy.cleanup()


node = Node()
try:
    node.start()
    fill(node)
    state_hash = node.status()["node"]["state_hash"]
    node.stop()
    t.run("tampering", test_tampering, node)
    t.run("damaged snapshot", test_damaged_snapshot, node, state_hash)
finally:
    node.cleanup()
t.done()
