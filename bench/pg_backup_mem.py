"""pg_backup_mem.py - by hand (docs/PERFORMANCE.md, issue 15 item 5), not in
`make bench`: N_REQ=300 PER=2000 /usr/bin/python3 bench/pg_backup_mem.py

Memory of a PostgreSQL backup: a ledger of many blocks, then
`backup create --store URL` and `audit verify` through the node under
/usr/bin/time -v (max RSS) against the image size."""
import json, os, re, subprocess, sys, time
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from harness import Node, genesis_file
from backups import GENESIS
from pg import Postgres

N_REQ = int(os.environ.get("N_REQ", "300"))
PER = int(os.environ.get("PER", "2000"))
pg = Postgres().start()
URL = pg.create_db("ledger")
A = Node(init=False, binary=os.environ.get("MINTLINE_BIN", os.path.join(ROOT, "build", "mintline")))
r = A.cli("init", "--data", A.data, "--store", URL, "--genesis", genesis_file(GENESIS))
assert r.rc == 0, r
A.start(args=("--store", URL))
c = A.client("alice")
t0 = time.time()
for i in range(N_REQ):
    cmds = [{"op": "mint", "asset": "USDC", "to": "0x%040x" % (1 + (i * PER + k) % 200000), "amount": "1"} for k in range(PER)]
    body = json.dumps({"commands": cmds}).encode()
    st, doc = c.raw("POST", "/api/commands", body, c.headers("POST", "/api/commands", body), timeout=120)
    assert st == 200, (st, str(doc)[:200])
print("# loaded %d requests x %d commands in %.1fs" % (N_REQ, PER, time.time() - t0))
print("# pg database size:", pg.psql("ledger", "SELECT pg_size_pretty(pg_database_size('ledger'))"))
def timed(args, env=None):
    p = subprocess.run(["/usr/bin/time", "-v"] + args, capture_output=True, text=True, env=env)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", p.stderr).group(1)
    return p.returncode, rss, wall, p
out = os.path.join(A.root, "m.backup")
rc, rss, wall, p = timed([A.binary, "backup", "create", out, "--store", URL, "--json"], env=A.env(operator=None))
print("# backup create --store: rc %d, max RSS %d KiB, wall %s, file %d bytes" % (rc, rss, wall, os.path.getsize(out)))
print("#", p.stdout.strip()[:300])
out2 = os.path.join(A.root, "n.backup")
rc, rss2, wall2, p = timed([A.binary, "backup", "create", out2], env=A.env(operator="dave"))
print("# backup create through the node: rc %d, CLI max RSS %d KiB, wall %s" % (rc, rss2, wall2))
rc, rss3, wall3, p = timed([A.binary, "audit", "verify"], env=A.env(operator="dave"))
print("# audit verify through the node: rc %d, CLI max RSS %d KiB, wall %s" % (rc, rss3, wall3))
status = open("/proc/%d/status" % A.proc.pid).read()
print("# node:", re.search(r"VmHWM:\s+(\d+ kB)", status).group(1), "peak RSS over the whole run (load included)")
A.stop(); A.cleanup(); pg.stop()
