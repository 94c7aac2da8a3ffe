"""test_pg_ha - leader, followers and failover on one PostgreSQL (issue 15 items 2-4).

A PostgreSQL 15 in a temporary directory (tests/support/pg.py); one ledger
made by `init --store URL`; nodes A, B (and C) serve it on loopback ports,
each with a copy of DATA (the system key). A starts first and leads; B
follows: status role/leader, /readyz 503 ERR_NOT_LEADER naming A, writes
refused with ERR_NOT_LEADER and error.leader (nothing journaled), dry runs
and signed reads answered at its height, which follows A's within a second
(the same balances and state hash); Mintline-Height on every answer; the
CLI with --node listing several URLs (a dead one first; a follower first:
ERR_NOT_LEADER followed once). The fence: an append under a stale term is
refused by the database itself. A stale leader: A's lock session killed
with pg_terminate_backend while A runs: A writes nothing more, steps down
(follower, /readyz 503), B takes over and A follows B. Failover: three
nodes under a bounded load from clients that retry on the other nodes,
the leader killed with SIGKILL several times: every acknowledged command
is in the journal with the seq it was acknowledged with, and the time
from the kill to the first write accepted by the new leader is measured.
PostgreSQL restarted under the nodes: a leader takes writes again and the
others follow. audit verify --store URL at the end; sanitizer reports looked
for. MINTLINE_HA_KILLS=N sets the number of kills (3).
"""
import http.client
import json
import os
import shutil
import signal
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import GENESIS, TAP, Node, addr, err_codes, free_port  # noqa: E402
from mlclient import Client  # noqa: E402
from pg import BIN, Postgres  # noqa: E402

t = TAP("pg_ha")
CODES = err_codes()
ADDRS = [addr(i, 0xe4) for i in range(16)]

pg = Postgres().start()
URL = pg.create_db("ledger")
A = Node(init=False)
B = Node(init=False)
C = Node(init=False)
NODES = [A, B, C]


def serve(n, timeout=60):
    """Start n against URL (on a restart, on the same port) and wait for /healthz."""
    return n.serve_store(URL, timeout)


def signed(n, method, path, doc=None, operator="alice"):
    """(status, headers, document) of a signed request to n."""
    c = Client("127.0.0.1", n.port, operator, n.key(operator))
    body = b"" if doc is None else json.dumps(doc).encode()
    hdr = c.headers(method, path, body)
    conn = http.client.HTTPConnection("127.0.0.1", n.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=hdr)
        r = conn.getresponse()
        data = r.read()
        headers = {k.lower(): v for k, v in r.getheaders()}
    finally:
        conn.close()
    try:
        out = json.loads(data)
    except ValueError:
        out = data.decode(errors="replace")
    return r.status, headers, out, hdr["Mintline-Nonce"]


def node_status(n):
    st, _, doc, _ = signed(n, "GET", "/api/system/status", operator="carol")
    if st != 200:
        raise RuntimeError("status: HTTP %s %s" % (st, doc))
    return doc["node"]


def wait_for(what, fn, timeout=10.0):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = fn()
            if last:
                return last
        except (OSError, RuntimeError, KeyError) as e:
            last = e
        time.sleep(0.05)
    t.ok(False, "%s within %.0f s (last: %r)" % (what, timeout, last))
    return None


def journal_nonces():
    rows = pg.psql("ledger", "SELECT encode(nonce, 'escape'), first_seq FROM requests")
    out = {}
    for line in rows.splitlines():
        nonce, seq = line.split("|")
        out[nonce] = int(seq)
    return out


def role(n):
    return node_status(n).get("role")


def test_setup():
    r = A.cli("init", "--data", A.data, "--store", URL, "--genesis", GENESIS)
    t.eq(r.rc, 0, "init --store URL (%s)" % r.err.strip()[:200])
    for n in (B, C):
        shutil.copytree(A.data, n.data)
    serve(A)
    wait_for("A leads", lambda: role(A) == "leader")
    serve(B)
    t.eq(A.http("GET", "/readyz")[0], 200, "the leader is ready")


def test_roles():
    a, b = node_status(A), node_status(B)
    t.eq((a["role"], a["leader"]), ("leader", A.url), "A: role leader, leader its own URL")
    t.eq((b["role"], b["leader"]), ("follower", A.url), "B: role follower, leader A's URL")
    t.ok(a["writable"] and not b["writable"], "writable on the leader only")
    t.ok(a["term"] >= 1 and b["term"] == a["term"], "the same term on both (%s)" % a["term"])
    st, doc = B.http("GET", "/readyz")
    t.eq(st, 503, "a follower's /readyz is 503")
    t.eq((doc["error"]["code"], doc["error"].get("leader")), ("ERR_NOT_LEADER", A.url),
         "ERR_NOT_LEADER naming the leader")
    t.eq(B.http("GET", "/healthz")[0], 200, "and its /healthz 200 (alive)")
    ma, mb = A.metrics(), B.metrics()
    t.eq((ma[("mintline_leader", ())], mb[("mintline_leader", ())]), (1.0, 0.0),
         "mintline_leader 1 on the leader, 0 on the follower")
    t.ok(("mintline_follower_lag_blocks", ()) in mb and ("mintline_follower_lag_seconds", ()) in mb,
         "the follower's lag metrics are there")


def test_writes_and_follow():
    st, hdr, doc, nonce = signed(B, "POST", "/api/commands",
                                 {"op": "mint", "asset": "USDC", "to": ADDRS[0], "amount": "5"})
    t.eq(st, 503, "a write to the follower: 503")
    err = doc.get("error", {}) if isinstance(doc, dict) else {}
    t.eq((err.get("code"), err.get("leader")), ("ERR_NOT_LEADER", A.url),
         "ERR_NOT_LEADER with error.leader = A's URL")
    t.ok(A.url in err.get("message", ""), "the message names the leader: %s" % err.get("message"))
    t.ok(nonce not in journal_nonces(), "the refused write is not journaled")
    t.ok("mintline-height" in hdr, "Mintline-Height on the refusal too")
    st, _, doc, _ = signed(B, "POST", "/api/commands",
                           {"op": "mint", "asset": "USDC", "to": ADDRS[0], "amount": "5",
                            "dry_run": True})
    t.eq(st, 200, "a dry run is answered by the follower (%s)" % str(doc)[:200])
    acked = []
    for i in range(20):
        st, hdr, doc, _ = signed(A, "POST", "/api/commands",
                                 {"op": "mint", "asset": "USDC", "to": ADDRS[i % 4], "amount": "%d" % (i + 1)})
        if st == 200:
            acked.append((doc.get("block"), int(hdr.get("mintline-height", "0"))))
    t.eq(len(acked), 20, "20 mints on the leader")
    t.ok(all(h >= b for b, h in acked if b is not None),
         "a write's Mintline-Height is at least its block")
    ha = node_status(A)["height"]
    got = wait_for("B follows A to height %d" % ha, lambda: node_status(B)["height"] >= ha, 5)
    t.ok(got, "B reaches A's height")
    sa, sb = node_status(A), node_status(B)
    t.eq(sb["state_hash"], sa["state_hash"], "the same state hash at height %d" % sa["height"])
    st_a, ha_hdr, bal_a, _ = signed(A, "GET", "/api/assets/USDC/balances/%s" % ADDRS[1])
    st_b, hb_hdr, bal_b, _ = signed(B, "GET", "/api/assets/USDC/balances/%s" % ADDRS[1])
    t.eq((st_a, st_b), (200, 200), "a signed read on both")
    t.eq(bal_b, bal_a, "the follower's balance is the leader's")
    t.eq(int(hb_hdr.get("mintline-height", -1)), sb["height"], "Mintline-Height on the follower's read")
    t.eq(int(ha_hdr.get("mintline-height", -1)), sa["height"], "and on the leader's")
    for path in ("/healthz", "/metrics", "/readyz", "/api/nope"):
        conn = http.client.HTTPConnection("127.0.0.1", B.port, timeout=10)
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        conn.close()
        t.ok(r.getheader("Mintline-Height") is not None, "Mintline-Height on %s (%s)" % (path, r.status))
    mb = B.metrics()
    t.eq(mb[("mintline_follower_lag_blocks", ())], 0.0, "caught up: lag 0 blocks")


def test_cli():
    dead = "http://127.0.0.1:%d" % free_port()
    r = B.cli("--node", "%s,%s" % (B.url, A.url), "mint", "USDW", "--to", ADDRS[5], "--amount", "3", "--json")
    t.eq(r.rc, 0, "CLI --node FOLLOWER,LEADER: the write lands (%s)" % r.err.strip()[:200])
    r = B.cli("--node", B.url, "mint", "USDW", "--to", ADDRS[5], "--amount", "4", "--json")
    t.eq(r.rc, 0, "CLI --node FOLLOWER alone: ERR_NOT_LEADER followed to the leader (%s)" % r.err.strip()[:200])
    r = B.cli("--node", "%s,%s" % (dead, A.url), "mint", "USDW", "--to", ADDRS[5], "--amount", "5", "--json")
    t.eq(r.rc, 0, "CLI --node DEAD,LEADER: the next URL is tried (%s)" % r.err.strip()[:200])
    r = B.cli("--node", dead, "mint", "USDW", "--to", ADDRS[5], "--amount", "5")
    t.ok(r.rc == 3 and "ERR_NODE_UNREACHABLE" in r.err, "a lone dead URL: unreachable, exit 3")
    wait_for("B at A's height", lambda: node_status(B)["height"] >= node_status(A)["height"], 5)
    r = B.cli("--node", B.url, "balance", "USDW", ADDRS[5], "--json")
    t.eq(r.rc, 0, "a read through the CLI on the follower")
    if r.rc == 0:
        t.eq(r.json().get("balance"), "12", "it sees the three writes (3 + 4 + 5)")
    r = B.cli("--node", B.url, "status")
    t.ok("follower" in r.out and A.url in r.out, "human status: follower of A (%s)" % r.out[:300])


def test_fence_sql():
    term = int(pg.psql("ledger", "SELECT term FROM leader"))
    head = int(pg.psql("ledger", "SELECT max(height) FROM blocks"))
    try:
        pg.psql("ledger", "SET mintline.term = '%d'; INSERT INTO blocks SELECT height + 1, time_ns, "
                          "hash, hash, state_hash, first_seq, 0, 0, first_event_seq, 0, ''::bytea "
                          "FROM blocks WHERE height = %d" % (term - 1 if term > 1 else term + 7, head))
        t.ok(False, "an append under a stale term is refused")
    except RuntimeError as e:
        t.ok("no longer leads" in str(e), "an append under a stale term is refused by the database: %s"
             % str(e).strip().splitlines()[-1][:200])
    t.eq(int(pg.psql("ledger", "SELECT max(height) FROM blocks")), head, "nothing was appended")


def test_stale_leader():
    pid = pg.psql("ledger", "SELECT pid FROM leader")
    term = node_status(A)["term"]
    pg.psql("ledger", "SELECT pg_terminate_backend(%s)" % pid)
    before = journal_nonces()
    st, _, doc, nonce = signed(A, "POST", "/api/commands",
                               {"op": "mint", "asset": "USDC", "to": ADDRS[9], "amount": "1"})
    code = doc.get("error", {}).get("code") if isinstance(doc, dict) else None
    t.ok(st != 200 and code in ("ERR_NOT_LEADER", "ERR_STORE_IO"),
         "A's next write is refused (%s %s)" % (st, code))
    t.ok(nonce not in journal_nonces(), "and not journaled")
    t.ok(wait_for("A steps down", lambda: role(A) == "follower", 5), "A says follower")
    t.eq(A.http("GET", "/readyz")[0], 503, "A's /readyz is 503")
    t.ok(wait_for("B leads", lambda: role(B) == "leader", 10), "B takes over")
    b = node_status(B)
    t.ok(b["term"] > term, "with a new term (%d > %d)" % (b["term"], term))
    t.eq(pg.psql("ledger", "SELECT url FROM leader"), B.url, "the leader's row names B")
    st, _, doc, _ = signed(B, "POST", "/api/commands",
                           {"op": "mint", "asset": "USDC", "to": ADDRS[9], "amount": "2"})
    t.eq(st, 200, "B accepts writes (%s)" % str(doc)[:200])
    hb = node_status(B)["height"]
    t.ok(wait_for("A follows B", lambda: node_status(A)["height"] >= hb, 5), "A follows B")
    t.eq(node_status(A)["state_hash"], node_status(B)["state_hash"], "with B's state")
    st, _, doc, _ = signed(A, "POST", "/api/commands",
                           {"op": "mint", "asset": "USDC", "to": ADDRS[9], "amount": "2"})
    t.eq((st, doc.get("error", {}).get("leader")), (503, B.url), "A now names B as the leader")
    t.ok(len(journal_nonces()) == len(before) + 1, "exactly one write journaled meanwhile")


def load_client(k, stop, out):
    """Send mints round the nodes; on no answer or ERR_NOT_LEADER try the
    next node (a fresh signature: a new request). Records acknowledged
    requests with their seq."""
    i = 0
    target = k
    while not stop.is_set():
        i += 1
        n = NODES[target % len(NODES)]
        if n.proc is None:
            target += 1
            continue
        doc = {"op": "mint", "asset": "USDC", "to": ADDRS[(k * 5 + i) % len(ADDRS)], "amount": "0.01"}
        try:
            st, _, rdoc, nonce = signed(n, "POST", "/api/commands", doc)
        except OSError:
            target += 1
            time.sleep(0.02)
            continue
        if st == 200 and isinstance(rdoc, dict) and isinstance(rdoc.get("seq"), int):
            out.append((time.time(), nonce, rdoc["seq"], n))
        else:
            target += 1
            time.sleep(0.02)


def leader_of(nodes):
    for n in nodes:
        if n.proc is None:
            continue
        try:
            if role(n) == "leader":
                return n
        except (OSError, RuntimeError):
            pass
    return None


def test_failover(kills=3):
    serve(C)
    wait_for("C caught up", lambda: node_status(C)["height"] >= node_status(B)["height"], 10)
    stop = threading.Event()
    acked = [[] for _ in range(3)]
    threads = [threading.Thread(target=load_client, args=(k, stop, acked[k])) for k in range(3)]
    for th in threads:
        th.start()
    times = []
    try:
        for round_ in range(kills):
            time.sleep(1.0)
            old = leader_of(NODES)
            if old is None:
                t.ok(False, "a leader before kill %d" % (round_ + 1))
                break
            killed_at = time.time()
            old.kill()
            new = wait_for("a new leader", lambda: leader_of([n for n in NODES if n is not old]), 15)
            if new is None:
                break
            first = wait_for("a write on the new leader",
                             lambda: min((a[0] for s in acked for a in s
                                          if a[3] is new and a[0] > killed_at), default=None), 15)
            if first is None:
                break
            times.append(first - killed_at)
            serve(old)  # the old leader comes back as a follower
            t.eq(role(old), "follower", "kill %d: the restarted old leader follows" % (round_ + 1))
    finally:
        time.sleep(0.5)
        stop.set()
        for th in threads:
            th.join()
    t.eq(len(times), kills, "%d leader kills, each followed by writes on a new leader" % kills)
    if times:
        print("# failover (kill -9 to the first write accepted by the new leader): median %.3f s, "
              "max %.3f s over %d kills: %s" % (statistics.median(times), max(times), len(times),
                                                ", ".join("%.3f" % x for x in times)))
        t.ok(max(times) < 5.0, "every failover under 5 s (max %.3f s)" % max(times))
    j = journal_nonces()
    all_acked = [a for s in acked for a in s]
    missing = [a[1] for a in all_acked if a[1] not in j]
    wrong = [a[1] for a in all_acked if a[1] in j and j[a[1]] != a[2]]
    t.ok(len(all_acked) > 50, "%d writes acknowledged under the kills" % len(all_acked))
    t.eq(missing, [], "every acknowledged write is in the journal")
    t.eq(wrong, [], "with the seq it was acknowledged with")
    leader = leader_of(NODES)
    hl = node_status(leader)["height"]
    for n in NODES:
        if n is not leader and n.proc is not None:
            ok = wait_for("follower at the leader's height",
                          lambda: node_status(n)["height"] >= hl, 10)
            t.ok(ok and node_status(n)["state_hash"] == node_status(leader)["state_hash"],
                 "a follower has the leader's state at the end")


def test_pg_restart():
    """PostgreSQL itself restarted under the nodes: every session is cut;
    the nodes reconnect, one leads again and takes writes, the others
    follow it."""
    before = node_status(leader_of(NODES))["height"]
    # -l: the server's output to its log, not to this pipe (run() would wait for it).
    r = pg._as_owner([os.path.join(BIN, "pg_ctl"), "-D", os.path.join(pg.dir, "data"), "-l",
                      os.path.join(pg.dir, "log"), "-m", "fast", "-w", "-t", "60", "restart"],
                     timeout=90)
    t.eq(r.returncode, 0, "PostgreSQL restarted (%s)" % r.stdout.strip()[-200:])
    started = time.time()
    st = None
    while time.time() - started < 20:
        n = leader_of(NODES)
        if n is not None:
            try:
                st = signed(n, "POST", "/api/commands",
                            {"op": "mint", "asset": "USDC", "to": ADDRS[3], "amount": "1"})[0]
            except OSError:
                st = None
            if st == 200:
                break
        time.sleep(0.1)
    t.eq(st, 200, "a leader takes writes again %.1f s after the restart" % (time.time() - started))
    leader = leader_of(NODES)
    hl = node_status(leader)["height"]
    t.ok(hl > before, "the journal grew past %d" % before)
    for n in NODES:
        if n is not leader:
            t.ok(wait_for("a follower catches up", lambda: node_status(n)["height"] >= hl, 10),
                 "a follower is back at the leader's height")


def test_audit():
    r = A.cli("audit", "verify", "--data", A.data, "--store", URL, "--json")
    t.eq(r.rc, 0, "audit verify --store URL passes (%s)" % r.err.strip()[:200])


def main():
    t.run("setup", test_setup)
    t.run("roles", test_roles)
    t.run("writes and following", test_writes_and_follow)
    t.run("the CLI's several URLs", test_cli)
    t.run("the fence in the database", test_fence_sql)
    t.run("a stale leader", test_stale_leader)
    t.run("failover under load",
          lambda: test_failover(int(os.environ.get("MINTLINE_HA_KILLS", "3"))))
    t.run("PostgreSQL restarted", test_pg_restart)
    t.run("audit", test_audit)
    for n in NODES:
        n.stop()
    for n in NODES:
        rep = n.sanitizer()
        t.ok(rep is None, "no sanitizer report in %s's logs%s" % (
            "ABC"[NODES.index(n)], "" if rep is None else ": " + rep))
        n.cleanup()
    pg.stop()
    t.done()


main()
