"""test_pg_retry - a retry after a failover is answered from the journal (issue 15 item 4).

A PostgreSQL 15 in a temporary directory (tests/support/pg.py); nodes A and
B serve one ledger. Several rounds: a mint is written to the leader over a
raw socket and the leader is killed with SIGKILL right after (a few
milliseconds, varied; the answer is never read), so the command may or may
not have been committed. The other node takes over; the IDENTICAL signed
request (same nonce, time, signature) is sent to it (503 ERR_NOT_LEADER
while it still follows, then its answer). The killed node is started again
and follows. Checked every round: the request is in the journal exactly
once; the answer's seq and block are the journal's; an answer marked
Mintline-Replayed is for a request the dead leader had committed, and the
same retry again gets the same document. At the end every address holds
exactly its one mint, the two nodes agree on the state hash, and
audit verify --store URL passes. MINTLINE_RETRY_KILLS=N sets the rounds (4).
"""
import json
import os
import shutil
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import GENESIS, TAP, Node, addr  # noqa: E402
from pg import Postgres  # noqa: E402

t = TAP("pg_retry")
ADDRS = [addr(i, 0xe7) for i in range(32)]
KILLS = int(os.environ.get("MINTLINE_RETRY_KILLS", "4"))

pg = Postgres().start()
URL = pg.create_db("ledger")
A = Node(init=False)
B = Node(init=False)


def serve(n, timeout=60):
    """Start n against URL (on a restart, on the same port) and wait for /healthz."""
    return n.serve_store(URL, timeout)


def role(n):
    try:
        st, doc = n.client("carol").get("/api/system/status")
    except OSError:
        return None
    return doc["node"].get("role") if st == 200 else None


def wait_for(what, fn, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if fn():
            return True
        time.sleep(0.05)
    t.ok(False, "%s within %.0f s" % (what, timeout))
    return False


def raw_request(hdr, body):
    head = "POST /api/commands HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n" % len(body)
    head += "".join("%s: %s\r\n" % kv for kv in hdr.items())
    return head.encode() + b"\r\n" + body


def post(n, hdr, body):
    """(status, headers lowercased, document) of one POST to n."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", n.port, timeout=30)
    try:
        conn.request("POST", "/api/commands", body=body, headers=hdr)
        r = conn.getresponse()
        data = r.read()
        headers = {k.lower(): v for k, v in r.getheaders()}
    finally:
        conn.close()
    return r.status, headers, json.loads(data)


def journal_rows(nonce):
    out = pg.psql("ledger", "SELECT height, first_seq FROM requests "
                            "WHERE encode(nonce, 'escape') = '%s'" % nonce)
    return [tuple(int(v) for v in line.split("|")) for line in out.splitlines() if line]


def test_setup():
    r = A.cli("init", "--data", A.data, "--store", URL, "--genesis", GENESIS)
    t.eq(r.rc, 0, "init --store URL (%s)" % r.err.strip()[:200])
    shutil.copytree(A.data, B.data)
    serve(A)
    wait_for("A leads", lambda: role(A) == "leader")
    serve(B)
    wait_for("B follows", lambda: role(B) == "follower")


def one_round(i, leader, other, stats):
    body = json.dumps({"op": "mint", "asset": "USDC", "to": ADDRS[i], "amount": str(i + 1)}).encode()
    hdr = leader.client("alice").headers("POST", "/api/commands", body)
    nonce = hdr["Mintline-Nonce"]
    s = socket.create_connection(("127.0.0.1", leader.port))
    s.sendall(raw_request(hdr, body))
    time.sleep((i % 4) * 0.015)  # 0..45 ms: committed or not, the answer unread
    leader.kill()
    s.close()
    wait_for("round %d: the other node leads" % i, lambda: role(other) == "leader")
    deadline = time.time() + 30
    st, h, doc = 0, {}, {}
    while time.time() < deadline:
        st, h, doc = post(other, dict(hdr), body)
        if st != 503:
            break
        time.sleep(0.1)
    t.ok(st in (200, 202), "round %d: the retry is answered (%s %s)" % (i, st, str(doc)[:200]))
    rows = journal_rows(nonce)
    t.eq(len(rows), 1, "round %d: the request is journaled exactly once" % i)
    if rows:
        t.eq((doc.get("block"), doc.get("seq")), rows[0],
             "round %d: the answer's block and seq are the journal's" % i)
    replayed = h.get("mintline-replayed") == "1"
    stats["replayed" if replayed else "fresh"] += 1
    if replayed:
        st2, h2, doc2 = post(other, dict(hdr), body)
        t.eq((st2, h2.get("mintline-replayed"), doc2), (st, "1", doc),
             "round %d: the same retry again, the same answer" % i)
    serve(leader)
    wait_for("round %d: the old leader follows" % i, lambda: role(leader) == "follower")


def test_kills():
    stats = {"replayed": 0, "fresh": 0}
    nodes = [A, B]
    for i in range(KILLS):
        leader = nodes[0] if role(nodes[0]) == "leader" else nodes[1]
        other = nodes[1] if leader is nodes[0] else nodes[0]
        one_round(i, leader, other, stats)
    t.diag("retries answered from the journal: %(replayed)d, run at the new leader: %(fresh)d"
           % stats)
    leader = A if role(A) == "leader" else B
    for i in range(KILLS):
        st, doc = leader.client("carol").get("/api/assets/USDC/balances/%s" % ADDRS[i])
        t.eq((st, doc.get("balance")), (200, str(i + 1)), "address %d minted exactly once" % i)
    follower = B if leader is A else A
    height = leader.status()["node"]["height"]
    wait_for("the follower catches up", lambda: follower.status()["node"]["height"] >= height)
    t.eq(follower.status()["node"]["state_hash"], leader.status()["node"]["state_hash"],
         "the same state hash on both")


def test_audit():
    for n in (A, B):
        n.stop()
    r = A.cli("audit", "verify", "--store", URL)
    t.eq(r.rc, 0, "audit verify --store URL (%s)" % (r.err.strip() or r.out.strip())[:300])
    for n in (A, B):
        t.ok(n.sanitizer() is None, "no sanitizer report (%s)" % n.sanitizer())


t.run("setup", test_setup)
t.run("kills", test_kills)
t.run("audit", test_audit)
for n in (A, B):
    n.cleanup()
pg.stop()
t.done()
