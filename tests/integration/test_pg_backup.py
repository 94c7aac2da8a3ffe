"""test_pg_backup - the journal stream and backups of a PostgreSQL ledger
(issue 15 item 5; SPEC 1 "Store", SPEC 9 "Backups").

On a real PostgreSQL 15 (tests/support/pg.py), a leader A (serve --store URL
--backup-dir DIR) and a follower B on the same database:

- roles: bob (minter) and carol (viewer) get 403 ERR_UNAUTHORIZED on
  GET /api/journal and GET /api/backup, on the leader and the follower;
- `audit verify` through the leader and through the follower (the journal
  streamed from PostgreSQL) passes with the head hash `audit verify --store
  URL` prints;
- `backup create FILE` through the leader while a client commits: the image
  is the chain up to one block boundary (each block in it equals
  PostgreSQL's, every request of those blocks and no other, nothing after its
  head) holding every block acknowledged before the backup began; through
  the follower; and `backup create FILE --store URL` directly, whose image
  holds the newest snapshot; `backup verify` passes on each;
- restore: `backup restore FILE --data DIR` then `serve --data DIR` (SQLite)
  starts at the backup's height with the leader's state hash and balances,
  and takes commands; EXTENSION `backup restore FILE --store URL` into an
  empty database (the same blocks and requests; a node on it at the same
  height, state hash and balances), refused (ERR_DATA_EXISTS) once it holds
  a ledger;
- scheduled backups on PostgreSQL: one is made at start
  (mintline_backup_present 1) and verifies;
- a block hash changed in PostgreSQL: the audit through the node fails
  (ERR_AUDIT_FAILED at that block), and a backup of it fails `backup verify`.
Sanitizer reports are looked for in every node log.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from backups import ADDR, GENESIS, Committer, get_raw, serve_restored, split_backup  # noqa: E402
from harness import TAP, Node, free_port, genesis_file, metric  # noqa: E402
from pg import PASSWORD, Postgres  # noqa: E402

t = TAP("pg_backup")

OTHER = "0x" + "22" * 20

pg = Postgres().start()
URL = pg.create_db("ledger")
A = Node(init=False)
B = Node(init=False)
BDIR = os.path.join(A.root, "scheduled")


def serve_follower(n, timeout=60):
    """n against URL, waited for on /healthz (a follower is alive, not ready)."""
    n.port = n.port or free_port()
    n.starts += 1
    log = os.path.join(n.root, "node-%d.log" % n.starts)
    n.logs.append(log)
    argv = [n.binary, "serve", "--data", n.data, "--store", URL, "--listen", "127.0.0.1:%d" % n.port]
    with open(log, "wb") as f:
        n.proc = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  cwd=n.root, env=n.env(node=False, operator=None))
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if n.http("GET", "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("follower not alive:\n%s" % n.log_text())


def image_of(path, root, name):
    """The SQLite image of a backup file, written to root/name."""
    with open(path, "rb") as f:
        _, fields, image = split_backup(f.read())
    out = os.path.join(root, name)
    with open(out, "wb") as f:
        f.write(image)
    return fields, out


def sqlite_rows(db, sql):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def pg_blocks():
    rows = pg.psql("ledger", "SELECT height, encode(hash, 'hex') FROM blocks ORDER BY height")
    return {int(h): x for h, x in (line.split("|") for line in rows.splitlines())}


def height_of(n):
    return n.status(n.client("carol"))["node"]["height"]


def state_of(n):
    st = n.status(n.client("carol"))["node"]
    return st["height"], st["state_hash"]


def wait_for(what, fn, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if fn():
                return True
        except (OSError, RuntimeError, KeyError):
            pass
        time.sleep(0.05)
    t.ok(False, "%s within %.0f s" % (what, timeout))
    return False


def test_setup():
    g = genesis_file(GENESIS, "pgbackup")
    r = A.cli("init", "--data", A.data, "--store", URL, "--genesis", g)
    t.eq(r.rc, 0, "init --store URL (%s)" % r.err.strip()[:200])
    shutil.copytree(A.data, B.data)
    A.start(args=("--store", URL, "--backup-dir", BDIR, "--backup-every", "1h", "--backup-keep", "2"))
    serve_follower(B)
    for i in range(6):
        r = A.cli("mint", "USDC", "--to", ADDR, "--amount", "10")
        t.eq(r.rc, 0, "mint %d on the leader" % i)
    r = A.cli("mint", "USDC", "--to", OTHER, "--amount", "2.5")
    t.eq(r.rc, 0, "a second holder")
    h = height_of(A)
    wait_for("the follower at the leader's height", lambda: height_of(B) >= h)


def test_roles():
    for n, name in ((A, "leader"), (B, "follower")):
        for who in ("bob", "carol"):
            for path in ("/api/backup", "/api/journal?from=0"):
                st, data = get_raw(n, who, path)
                t.ok(st == 403 and b"ERR_UNAUTHORIZED" in data,
                     "%s may not GET %s on the %s (403)" % (who, path, n is A and "leader" or "follower"),
                     (st, data[:200]))
        st, data = get_raw(n, "dave", "/api/journal?from=0")
        t.ok(st == 200 and data.startswith(b"mintline-journal-v1\n"),
             "the auditor downloads the journal from the %s" % name, (st, data[:60]))
        st, data = get_raw(n, "dave", "/api/journal?from=999999")
        t.ok(st == 404 and b"ERR_NOT_FOUND" in data, "from past the head: 404 on the %s" % name, (st, data[:200]))


def test_audit_through_nodes():
    direct = A.cli("audit", "verify", "--data", A.data, "--store", URL, "--json")
    t.eq(direct.rc, 0, "audit verify --store URL (%s)" % direct.err.strip()[:200])
    want = direct.json()["head_hash"] if direct.rc == 0 else None
    for n, name in ((A, "leader"), (B, "follower")):
        r = n.cli("audit", "verify", "--json", operator="dave")
        t.eq(r.rc, 0, "audit verify through the %s (PostgreSQL journal streamed) (%s)" % (name, r.err.strip()[:200]))
        if r.rc == 0:
            doc = r.json()
            t.eq(doc["head_hash"], want, "the %s's stream audits to the head hash of the direct audit" % name)
            t.eq(doc["blocks"], direct.json()["blocks"], "every block (%d)" % doc["blocks"])
        assert PASSWORD not in r.out + r.err


def check_image(db, fields, acked_before, live):
    height = int(fields["height"])
    blocks = {h: bytes(x).hex() for h, x in sqlite_rows(db, "SELECT height, hash FROM blocks ORDER BY height")}
    t.eq(sorted(blocks), list(range(height + 1)), "the image holds blocks 0..%d, nothing after its head" % height)
    t.eq(blocks.get(height), fields["head_hash"], "its head is the header's")
    same = [h for h in blocks if live.get(h) == blocks[h]]
    t.eq(len(same), len(blocks), "every block in it equals PostgreSQL's")
    (nreq, maxh), = sqlite_rows(db, "SELECT count(*), coalesce(max(height), 0) FROM requests")
    (inblocks,), = sqlite_rows(db, "SELECT coalesce(sum(requests), 0) FROM blocks")
    pgreq = int(pg.psql("ledger", "SELECT count(*) FROM requests WHERE height <= %d" % height))
    t.ok(nreq == inblocks == pgreq and maxh <= height,
         "every request of those blocks and no other (%d, %d, %d)" % (nreq, inblocks, pgreq))
    t.ok(all(b <= height for b in acked_before), "it holds every block acknowledged before it began")


def test_backup_through_leader(root):
    c = Committer(A)
    c.start()
    time.sleep(0.5)
    path = os.path.join(root, "leader.backup")
    began = time.time()
    r = A.cli("backup", "create", path, "--json", operator="dave")
    time.sleep(0.3)
    c.stop.set()
    c.join()
    t.eq(r.rc, 0, "backup create through the leader while a client commits (%s)" % r.err.strip()[:200])
    acked_before = [b for ts, b in c.acked if ts < began]
    t.ok(len(c.acked) > 0 and os.path.exists(path), "%d commits acknowledged meanwhile" % len(c.acked))
    fields, db = image_of(path, root, "leader.db")
    check_image(db, fields, acked_before, pg_blocks())
    v = A.cli("backup", "verify", path, "--json")
    t.eq(v.rc, 0, "backup verify passes (%s)" % v.err.strip()[:200])
    r2 = A.cli("backup", "create", path)
    t.ok(r2.rc != 0 and "ERR_ALREADY_EXISTS" in r2.err, "an existing FILE is refused")
    return path


def test_backup_through_follower(root):
    h = height_of(A)
    wait_for("the follower caught up", lambda: height_of(B) >= h)
    path = os.path.join(root, "follower.backup")
    r = B.cli("backup", "create", path, operator="dave")
    t.eq(r.rc, 0, "backup create through the follower (%s)" % r.err.strip()[:200])
    v = B.cli("backup", "verify", path, "--json")
    t.ok(v.rc == 0 and v.json()["height"] >= h, "it verifies, at height >= %d" % h, v)


def test_backup_direct_and_restore(root):
    # A stop writes a snapshot: the direct backup's image carries it.
    t.eq(A.stop(), 0, "the leader stops cleanly (a snapshot)")
    nsnap = int(pg.psql("ledger", "SELECT count(*) FROM snapshots"))
    snap_h = int(pg.psql("ledger", "SELECT coalesce(max(height), 0) FROM snapshots"))
    path = os.path.join(root, "direct.backup")
    r = A.cli("backup", "create", path, "--store", URL, "--json", operator=None)
    t.eq(r.rc, 0, "backup create FILE --store URL (%s)" % r.err.strip()[:200])
    t.ok(PASSWORD not in r.out + r.err, "the password is printed nowhere")
    fields, db = image_of(path, root, "direct.db")
    snaps = sqlite_rows(db, "SELECT height FROM snapshots ORDER BY height DESC")
    t.ok(nsnap >= 1 and snaps and snaps[0][0] == snap_h,
         "the image holds PostgreSQL's newest snapshot (block %d): %r" % (snap_h, snaps[:2]))
    (yaml,), = sqlite_rows(db, "SELECT length(value) FROM meta WHERE key = 'genesis_yaml'")
    t.ok(yaml > 0, "and the genesis as written at init")
    v = A.cli("backup", "verify", path, "--json")
    t.eq(v.rc, 0, "backup verify passes (%s)" % v.err.strip()[:200])
    A.start(args=("--store", URL))
    want = state_of(A)
    t.eq(want[0], int(fields["height"]), "the backup is at the ledger's height")
    bal_want = A.cli("balance", "USDC", ADDR, "--json").out
    bal_other = A.cli("balance", "USDC", OTHER, "--json").out
    target = os.path.join(root, "restored")
    r = A.cli("backup", "restore", path, "--data", target)
    t.ok(r.rc == 0 and "backup verified" in r.out and os.listdir(target) == ["mintline.db"],
         "backup restore FILE --data DIR: verified, one SQLite store file", r)
    back = serve_restored(A, target)
    try:
        st = back.status()["node"]
        t.eq(st["store"], "sqlite", "the restored node serves a SQLite store")
        t.eq((st["height"], st["state_hash"]), want, "at the PostgreSQL ledger's height and state hash")
        t.eq(back.cli("balance", "USDC", ADDR, "--json").out, bal_want, "with its balances")
        t.eq(back.cli("balance", "USDC", OTHER, "--json").out, bal_other, "every holder's")
        r = back.cli("audit", "verify", "--json", operator="dave")
        t.ok(r.rc == 0 and r.json()["head_hash"] == fields["head_hash"], "its audit ends at the backup's head", r)
        r = back.cli("mint", "USDC", "--to", ADDR, "--amount", "1")
        t.eq(r.rc, 0, "the restored node takes commands")
    finally:
        t.eq(back.stop(), 0, "the restored node stops cleanly")
        t.ok(back.sanitizer() is None, "no sanitizer report in the restored node's log")
        back.cleanup()
    restore_into_postgres(path, fields, want, bal_want)


def restore_into_postgres(path, fields, want, bal_want):
    """EXTENSION: backup restore FILE --store URL into an empty database."""
    url2 = pg.create_db("restored")
    r = A.cli("backup", "restore", path, "--store", url2, operator=None)
    t.ok(r.rc == 0 and "backup verified" in r.out, "backup restore FILE --store URL into an empty database", r)
    t.ok(PASSWORD not in r.out + r.err, "the password is printed nowhere")
    rows = "SELECT height, encode(hash, 'hex') FROM blocks ORDER BY height"
    t.eq(pg.psql("restored", rows),
         pg.psql("ledger", "SELECT height, encode(hash, 'hex') FROM blocks WHERE height <= %s ORDER BY height"
                 % fields["height"]), "its blocks are the ledger's")
    t.eq(pg.psql("restored", "SELECT count(*) FROM requests"),
         pg.psql("ledger", "SELECT count(*) FROM requests WHERE height <= %s" % fields["height"]), "and its requests")
    again = A.cli("backup", "restore", path, "--store", url2, operator=None)
    t.ok(again.rc != 0 and "ERR_DATA_EXISTS" in again.err, "a database holding a ledger is refused", again)
    none = A.cli("backup", "restore", path, operator=None)
    t.ok(none.rc == 2 and "ERR_USAGE" in none.err, "neither --data nor --store: ERR_USAGE", none)
    n = serve_restored(A, os.path.join(A.root, "keys-only"), args=("--store", url2))
    try:
        st = n.status()["node"]
        t.eq((st["store"], st["height"], st["state_hash"]), ("postgres",) + want,
             "a node on the restored database: same height and state hash")
        t.eq(n.cli("balance", "USDC", ADDR, "--json").out, bal_want, "and balances")
        r = n.cli("audit", "verify", "--json", operator="dave")
        t.ok(r.rc == 0 and r.json()["head_hash"] == fields["head_hash"], "its audit through the node", r)
    finally:
        t.eq(n.stop(), 0, "it stops cleanly")
        t.ok(n.sanitizer() is None, "no sanitizer report in its log")
        n.cleanup()


def test_scheduled():
    # A was started first with --backup-dir: one at start (none there).
    files = sorted(os.listdir(BDIR)) if os.path.isdir(BDIR) else []
    t.eq(len(files), 1, "serve --backup-dir on PostgreSQL made a backup at start: %r" % files)
    if files:
        v = A.cli("backup", "verify", os.path.join(BDIR, files[0]), "--json")
        t.eq(v.rc, 0, "it verifies (%s)" % v.err.strip()[:200])
    A.stop()
    A.start(args=("--store", URL, "--backup-dir", BDIR, "--backup-every", "1h", "--backup-keep", "2"))
    t.eq(metric(A.metrics(), "mintline_backup_present"), 1, "mintline_backup_present 1 on a PostgreSQL node")


def test_tamper(root):
    pg.psql("ledger", "UPDATE blocks SET hash = sha256(hash) WHERE height = 2")
    r = A.cli("audit", "verify", operator="dave")
    t.ok(r.rc != 0 and "ERR_AUDIT_FAILED" in r.err and ("block 2" in r.err or "block 3" in r.err),
         "a block hash changed in PostgreSQL: the audit through the node fails at it (%s)" % r.err.strip()[:200])
    path = os.path.join(root, "tampered.backup")
    r = A.cli("backup", "create", path, operator="dave")
    t.eq(r.rc, 0, "a backup of it is made (a copy, not a check)")
    v = A.cli("backup", "verify", path)
    t.ok(v.rc != 0 and "ERR_AUDIT_FAILED" in v.err, "and fails backup verify (%s)" % v.err.strip()[:200])


def main():
    root = A.root
    t.run("setup", test_setup)
    t.run("roles", test_roles)
    t.run("audit through the leader and the follower", test_audit_through_nodes)
    t.run("backup through the leader under load", lambda: test_backup_through_leader(root))
    t.run("backup through the follower", lambda: test_backup_through_follower(root))
    # Without the follower from here: a restarted A must lead again.
    t.eq(B.stop(), 0, "the follower stops cleanly")
    t.run("scheduled backup on PostgreSQL", test_scheduled)
    t.run("backup --store URL, restore, serve", lambda: test_backup_direct_and_restore(root))
    t.run("a tampered block", lambda: test_tamper(root))
    for n in (A, B):
        n.stop()
    for n in (A, B):
        rep = n.sanitizer()
        t.ok(rep is None, "no sanitizer report in the logs%s" % ("" if rep is None else ": " + rep))
    A.cleanup()
    B.cleanup()
    pg.stop()
    t.done()


main()
