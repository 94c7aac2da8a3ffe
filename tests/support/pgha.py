"""pgha - nodes serving one PostgreSQL ledger, and leader kills under load
(issue 15), shared by tests/integration/test_pg_ha.py and bench/pg_failover.py.

    from pgha import Cluster
    c = Cluster(url, [A, B, C], query)   # harness Nodes (init=False); query(sql) -> text
    c.serve(A)                           # `serve --store URL`, waits for /healthz
    c.role(A)                            # "leader" | "follower" (signed status)
    run = c.kill_leaders(10)             # SIGKILL the leader 10 times under load
    run.times, run.acked, run.failures, run.missing(), run.wrong_seq()

query(sql) runs SQL on the ledger's database and returns psql's unaligned,
tuples-only text (pg.Postgres.psql for the tests, psql_url for a URL).
"""
import http.client
import json
import os
import subprocess
import threading
import time

from mlclient import Client
from pg import BIN


def psql_url(url, sql):
    """Run sql on the database at url (its role and password): the
    unaligned, tuples-only output."""
    r = subprocess.run([os.path.join(BIN, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                        "-d", url, "-c", sql], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if r.returncode != 0:
        raise RuntimeError("psql failed: %s\n%s" % (sql, r.stdout))
    return r.stdout.strip()


def signed(n, method, path, doc=None, operator="alice"):
    """(status, headers, document, nonce) of a signed request to node n."""
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
    """The "node" object of n's signed status."""
    st, _, doc, _ = signed(n, "GET", "/api/system/status", operator="carol")
    if st != 200:
        raise RuntimeError("status: HTTP %s %s" % (st, doc))
    return doc["node"]


def role(n):
    return node_status(n).get("role")


def wait_until(fn, timeout=10.0):
    """fn()'s first true value within timeout (errors count as false), else
    None; returns (value, last value or error)."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = fn()
            if last:
                return last, last
        except (OSError, RuntimeError, KeyError) as e:
            last = e
        time.sleep(0.05)
    return None, last


class KillRun:
    """What kill_leaders saw: the failover times (s), every acknowledged
    write (time, nonce, seq, node), and what went wrong (sentences)."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.times = []
        self.acked = []
        self.failures = []
        self.old_roles = []  # the restarted old leader's role, per kill

    def journal(self):
        return self.cluster.journal_nonces()

    def missing(self, journal=None):
        """Nonces acknowledged but not in the journal."""
        j = self.journal() if journal is None else journal
        return [a[1] for a in self.acked if a[1] not in j]

    def wrong_seq(self, journal=None):
        """Nonces journaled under another seq than the one acknowledged."""
        j = self.journal() if journal is None else journal
        return [a[1] for a in self.acked if a[1] in j and j[a[1]] != a[2]]


class Cluster:
    """Nodes (harness.Node, init=False, each with a copy of one data dir)
    serving the PostgreSQL ledger at url."""

    def __init__(self, url, nodes, query, addrs):
        self.url = url
        self.nodes = nodes
        self.query = query
        self.addrs = addrs  # the addresses the load mints to

    def serve(self, n, timeout=60):
        """Start n on a fresh port (on a restart, the same one) against the
        URL and wait for /healthz (a follower is alive, not ready)."""
        return n.serve_store(self.url, timeout)

    def journal_nonces(self):
        """{nonce: first_seq} of every journaled request."""
        out = {}
        for line in self.query("SELECT encode(nonce, 'escape'), first_seq FROM requests").splitlines():
            nonce, seq = line.split("|")
            out[nonce] = int(seq)
        return out

    def leader_of(self, nodes=None):
        for n in self.nodes if nodes is None else nodes:
            if n.proc is None:
                continue
            try:
                if role(n) == "leader":
                    return n
            except (OSError, RuntimeError):
                pass
        return None

    def load_client(self, k, stop, out):
        """Send mints round the nodes; on no answer or ERR_NOT_LEADER try the
        next node (a fresh signature: a new request). Records acknowledged
        requests with their seq."""
        i = 0
        target = k
        while not stop.is_set():
            i += 1
            n = self.nodes[target % len(self.nodes)]
            if n.proc is None:
                target += 1
                continue
            doc = {"op": "mint", "asset": "USDC", "to": self.addrs[(k * 5 + i) % len(self.addrs)],
                   "amount": "0.01"}
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

    def _kill_once(self, run, acked, round_):
        """One kill: the leader's SIGKILL to the first write a new leader
        acknowledged; the old leader restarted. False when it went wrong."""
        old = self.leader_of()
        if old is None:
            run.failures.append("no leader before kill %d" % (round_ + 1))
            return False
        killed_at = time.time()
        old.kill()
        new, last = wait_until(lambda: self.leader_of([n for n in self.nodes if n is not old]), 15)
        if new is None:
            run.failures.append("no new leader within 15 s of kill %d (last: %r)" % (round_ + 1, last))
            return False
        first, last = wait_until(lambda: min((a[0] for s in acked for a in s
                                              if a[3] is new and a[0] > killed_at), default=None), 15)
        if first is None:
            run.failures.append("no write on the new leader within 15 s of kill %d" % (round_ + 1))
            return False
        run.times.append(first - killed_at)
        self.serve(old)  # the old leader comes back as a follower
        run.old_roles.append(role(old))
        return True

    def kill_leaders(self, kills, clients=3, settle_s=1.0):
        """Under a bounded load (clients threads, one single mint at a time
        each), SIGKILL the leader kills times, settle_s after the previous
        failover; returns a KillRun."""
        run = KillRun(self)
        stop = threading.Event()
        acked = [[] for _ in range(clients)]
        threads = [threading.Thread(target=self.load_client, args=(k, stop, acked[k]))
                   for k in range(clients)]
        for th in threads:
            th.start()
        try:
            for round_ in range(kills):
                time.sleep(settle_s)
                if not self._kill_once(run, acked, round_):
                    break
        finally:
            time.sleep(0.5)
            stop.set()
            for th in threads:
                th.join()
        run.acked = [a for s in acked for a in s]
        return run
