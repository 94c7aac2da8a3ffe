"""pg_failover - failover time on PostgreSQL (issue 15), a `make bench` step.

Three nodes (release build) serve one ledger in the PostgreSQL at
MINTLINE_TEST_PG_URL (bench/run.sh's shared server, a database of its own):
`init --store URL` with the tests' genesis, each node a copy of the data
dir. Three clients send single mints round the nodes, moving to the next
node on no answer or ERR_NOT_LEADER (a bounded load: one request in flight
each). The leader is killed with SIGKILL KILLS times, a second after the
previous failover, and restarted (it comes back as a follower). The
machinery is test_pg_ha's (tests/support/pgha.py). Per kill: the time from
the kill to the first write the new leader acknowledged. At the end every
acknowledged write is looked for in the journal, under the seq it was
acknowledged with.

    MINTLINE_TEST_PG_URL=postgres://... python3 bench/pg_failover.py [--kills 10]
Output: a human line on stderr; RESULT pg_failover_{median_s,max_s,kills,
acked,lost} on stdout. Exit 1 when a kill went wrong or a write was lost.
"""
import os
import shutil
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))

from harness import GENESIS, Node, addr, release_binary  # noqa: E402
from pgha import Cluster, node_status, psql_url, role, wait_until  # noqa: E402


def main(argv):
    kills = 10
    if len(argv) == 2 and argv[0] == "--kills":
        kills = int(argv[1])
    url = os.environ.get("MINTLINE_TEST_PG_URL")
    if not url:
        print("pg_failover: set MINTLINE_TEST_PG_URL (bench/run.sh does)", file=sys.stderr)
        return 2
    binary = release_binary()
    nodes = [Node(init=False, binary=binary) for _ in range(3)]
    cluster = Cluster(url, nodes, lambda sql: psql_url(url, sql),
                      [addr(i, 0xe5) for i in range(16)])
    a = nodes[0]
    r = a.cli("init", "--data", a.data, "--store", url, "--genesis", GENESIS)
    if r.rc != 0:
        print("pg_failover: init --store failed: %s" % r.err.strip()[:300], file=sys.stderr)
        return 1
    for n in nodes[1:]:
        shutil.copytree(a.data, n.data)
    try:
        cluster.serve(a)
        if not wait_until(lambda: role(a) == "leader", 30)[0]:
            print("pg_failover: the first node did not lead", file=sys.stderr)
            return 1
        for n in nodes[1:]:
            cluster.serve(n)
        head = node_status(a)["height"]
        for n in nodes[1:]:
            wait_until(lambda: node_status(n)["height"] >= head, 30)
        run = cluster.kill_leaders(kills)
        lost = len(run.missing()) + len(run.wrong_seq())
    finally:
        for n in nodes:
            n.stop()
            n.cleanup()
    for f in run.failures:
        print("pg_failover: %s" % f, file=sys.stderr)
    if run.times:
        print("failover (kill -9 to the first write accepted by the new leader) over %d kills: "
              "median %.3f s, max %.3f s (%s); %d writes acknowledged, %d lost" % (
                  len(run.times), statistics.median(run.times), max(run.times),
                  ", ".join("%.3f" % x for x in run.times), len(run.acked), lost),
              file=sys.stderr)
        print("RESULT pg_failover_median_s %.3f" % statistics.median(run.times))
        print("RESULT pg_failover_max_s %.3f" % max(run.times))
    print("RESULT pg_failover_kills %d" % len(run.times))
    print("RESULT pg_failover_acked %d" % len(run.acked))
    print("RESULT pg_failover_lost %d" % lost)
    return 0 if not run.failures and len(run.times) == kills and lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
