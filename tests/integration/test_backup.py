"""test_backup - backups and restore (issue 12 item 3, SPEC 9 "Backups"):

- the role auditor: dave (auditor in the genesis) downloads GET /api/backup
  and /api/journal; bob (a minter) and carol (a viewer) get 403
  ERR_UNAUTHORIZED; alice grants carol auditor and she can;
- `backup create FILE` through the node while a client commits: the copy
  is the chain up to one block boundary (every block in it equals the
  live one, nothing after its head, every request of those blocks and no
  other) and holds every block acknowledged before the backup began;
  `backup verify` passes; `backup create --data DIR` too; an existing FILE
  is refused (ERR_ALREADY_EXISTS);
- a byte changed: ERR_BACKUP_CORRUPT; a cut file: ERR_BACKUP_TRUNCATED; a
  block changed inside the image with the hash recomputed: the audit
  fails (ERR_AUDIT_FAILED); a header that lies about the height with the
  hash recomputed: ERR_BACKUP_CORRUPT;
- restore: refused into a non-empty directory (ERR_DIR_NOT_EMPTY) and
  into one holding another ledger (ERR_BACKUP_OTHER_LEDGER), leaving it as
  it was; into a new directory: `serve --data DIR` starts at the backup's
  height with its head hash and takes commands;
- scheduled backups: serve --backup-dir makes one at start (none there),
  mintline_backup_present, mintline_backup_age_seconds; with only a 27h-old backup in the
  directory and --backup-every 30h none is made, the age says 27h and the
  built-in BackupTooOld fires; --backup-keep prunes the oldest.
"""
import hashlib
import os
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from backups import ADDR, GENESIS, Committer, get_raw, serve_restored, split_backup  # noqa: E402
from harness import TAP, Node, metric  # noqa: E402

t = TAP("backup")

OTHER_GENESIS = GENESIS.replace("decimals: 6", "decimals: 2")


def repack(header, image, **changes):
    """A backup file with header fields changed and the SHA-256 recomputed
    as store_backup.h says: over the header's lines before sha256, then the
    image."""
    lines = header.decode().split("\n")
    out = []
    for line in lines:
        if " " in line:
            k, v = line.split(" ", 1)
            if k in changes:
                v = str(changes[k])
            if k == "size":
                v = str(len(image))
            if k == "sha256":
                break
            out.append("%s %s" % (k, v))
        elif line:
            out.append(line)
    facts = ("\n".join(out) + "\n").encode()
    sha = hashlib.sha256(facts + image).hexdigest()
    return facts + ("sha256 %s\n\n" % sha).encode() + image


def blocks_of(db_path):
    con = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    try:
        rows = con.execute("SELECT height, hash FROM blocks ORDER BY height").fetchall()
        reqs = con.execute("SELECT count(*), coalesce(max(height), 0) FROM requests").fetchone()
        in_blocks = con.execute("SELECT coalesce(sum(requests), 0) FROM blocks").fetchone()[0]
    finally:
        con.close()
    return {h: bytes(x).hex() for h, x in rows}, reqs, in_blocks


def test_roles(node):
    for who in ("bob", "carol"):
        for path in ("/api/backup", "/api/journal?from=0"):
            st, data = get_raw(node, who, path)
            t.ok(st == 403 and b"ERR_UNAUTHORIZED" in data, "%s may not GET %s (403)" % (who, path), (st, data[:200]))
    st, data = get_raw(node, "dave", "/api/backup")
    t.ok(st == 200 and data.startswith(b"mintline-backup-v1\n"), "the auditor dave downloads a backup", (st, data[:80]))
    st, data = get_raw(node, "dave", "/api/journal?from=0")
    t.ok(st == 200 and data.startswith(b"mintline-journal-v1\n"), "the auditor dave downloads the journal", (st, data[:40]))
    st, data = get_raw(node, "dave", "/api/journal?from=x")
    t.ok(st == 400 and b"ERR_INVALID_ARGUMENT" in data, "from=x: 400 ERR_INVALID_ARGUMENT", (st, data[:200]))
    r = node.cli("role", "grant", "carol", "auditor")
    t.eq(r.rc, 0, "alice grants carol the role auditor")
    st, data = get_raw(node, "carol", "/api/backup")
    t.ok(st == 200 and data.startswith(b"mintline-backup-v1\n"), "carol, now auditor, downloads a backup", st)
    r = node.cli("role", "revoke", "carol", "auditor")
    st, data = get_raw(node, "carol", "/api/backup")
    t.ok(r.rc == 0 and st == 403, "revoked: carol is refused again", (r, st))


def test_online(node, root):
    c = Committer(node)
    c.start()
    time.sleep(1.0)
    began = time.time()
    before = [b for (at, b) in c.acked if at < began]
    path = os.path.join(root, "online.backup")
    r = node.cli("backup", "create", path, operator="dave")
    time.sleep(0.5)
    c.stop.set()
    c.join(30)
    t.ok(r.rc == 0 and "backup ok" in r.out, "backup create through the node while a client commits", r)
    t.ok(not c.errors and len(c.acked) > 10, "the client committed meanwhile (%d blocks)" % len(c.acked), c.errors[:3])
    with open(path, "rb") as f:
        header, fields, image = split_backup(f.read())
    height = int(fields["height"])
    t.ok(before and max(before) <= height, "the backup holds every block acknowledged before it began "
         "(last %s, backup height %d)" % (max(before) if before else None, height))
    t.ok(any(b > height for (_, b) in c.acked), "blocks were committed after the copy's head (it is online)")
    img = os.path.join(root, "online.db")
    with open(img, "wb") as f:
        f.write(image)
    copy, (reqs, req_max), in_blocks = blocks_of(img)
    live, _, _ = blocks_of(node.db)
    t.ok(sorted(copy) == list(range(height + 1)), "the copy holds blocks 0..%d, none after" % height)
    t.ok(all(copy[h] == live[h] for h in copy), "every block of the copy is the live chain's block")
    t.eq(copy[height], fields["head_hash"], "the header's head hash is block %d's" % height)
    t.ok(reqs == in_blocks and req_max <= height, "the copy's requests are exactly its blocks' (a block boundary)",
         (reqs, in_blocks, req_max))
    r = node.cli("backup", "verify", path)
    t.ok(r.rc == 0 and "backup verified" in r.out and fields["head_hash"] in r.out,
         "backup verify: SHA-256 and a full audit of the copy", r)
    r = node.cli("backup", "create", path, operator="dave")
    t.ok(r.rc == 1 and "ERR_ALREADY_EXISTS" in r.err, "an existing FILE is refused", r)
    return path, header, image, height


def test_bad_files(node, root, path, header, image, height):
    with open(path, "rb") as f:
        whole = f.read()
    bad = bytearray(whole)
    bad[len(header) + len(image) // 2] ^= 0x01
    p = os.path.join(root, "flipped.backup")
    with open(p, "wb") as f:
        f.write(bad)
    r = node.cli("backup", "verify", p)
    t.ok(r.rc == 1 and "ERR_BACKUP_CORRUPT" in r.err, "one byte changed: ERR_BACKUP_CORRUPT, exit 1", r)
    p = os.path.join(root, "cut.backup")
    with open(p, "wb") as f:
        f.write(whole[:len(whole) - 4096])
    r = node.cli("backup", "verify", p)
    t.ok(r.rc == 1 and "ERR_BACKUP_TRUNCATED" in r.err, "a cut file: ERR_BACKUP_TRUNCATED", r)
    with open(p, "wb") as f:
        f.write(whole[:40])
    r = node.cli("backup", "verify", p)
    t.ok(r.rc == 1 and "ERR_BACKUP_TRUNCATED" in r.err, "a file cut inside its header: ERR_BACKUP_TRUNCATED", r)
    with open(p, "wb") as f:
        f.write(b"SQLite format 3\x00" + image[16:])
    r = node.cli("backup", "verify", p)
    t.ok(r.rc == 1 and "ERR_BACKUP_CORRUPT" in r.err, "a bare SQLite file is not a backup", r)
    # a block changed inside the image, the hash recomputed: only the audit can tell
    img = os.path.join(root, "tamper.db")
    with open(img, "wb") as f:
        f.write(image)
    con = sqlite3.connect(img)
    con.execute("UPDATE blocks SET time_ns = time_ns + 1 WHERE height = ?", (height // 2 or 1,))
    con.commit()
    con.close()
    with open(img, "rb") as f:
        tampered = f.read()
    p = os.path.join(root, "tampered.backup")
    with open(p, "wb") as f:
        f.write(repack(header, tampered))
    r = node.cli("backup", "verify", p)
    t.ok(r.rc == 1 and "ERR_AUDIT_FAILED" in r.err, "a changed block with a recomputed hash: the audit fails", r)
    p = os.path.join(root, "lying.backup")
    with open(p, "wb") as f:
        f.write(repack(header, image, height=height + 5))
    r = node.cli("backup", "verify", p)
    t.ok(r.rc == 1 and "ERR_BACKUP_CORRUPT" in r.err, "a header that lies about the height: ERR_BACKUP_CORRUPT", r)
    return os.path.join(root, "lying.backup")


def test_restore(node, root, path, height, head_hash):
    r = node.cli("backup", "restore", path, "--data", node.data)
    t.ok(r.rc == 1 and "ERR_DIR_NOT_EMPTY" in r.err, "restore over the live ledger: ERR_DIR_NOT_EMPTY", r)
    junk = os.path.join(root, "junk")
    os.makedirs(junk)
    with open(os.path.join(junk, "notes.txt"), "w") as f:
        f.write("keep me\n")
    r = node.cli("backup", "restore", path, "--data", junk)
    t.ok(r.rc == 1 and "ERR_DIR_NOT_EMPTY" in r.err and os.listdir(junk) == ["notes.txt"],
         "restore into a non-empty directory: refused, the directory untouched", r)
    other = Node(genesis=write(root, "other.yaml", OTHER_GENESIS))
    before = sorted(os.listdir(other.data))
    r = node.cli("backup", "restore", path, "--data", other.data)
    t.ok(r.rc == 1 and "ERR_BACKUP_OTHER_LEDGER" in r.err and sorted(os.listdir(other.data)) == before,
         "restore over another ledger: ERR_BACKUP_OTHER_LEDGER, nothing changed", r)
    other.cleanup()
    r = node.cli("backup", "restore", os.path.join(root, "lying.backup"), "--data", os.path.join(root, "never"))
    t.ok(r.rc == 1 and not os.path.exists(os.path.join(root, "never")),
         "a restore whose verification fails leaves no directory behind", r)
    target = os.path.join(root, "restored")
    r = node.cli("backup", "restore", path, "--data", target)
    t.ok(r.rc == 0 and "backup verified" in r.out and os.listdir(target) == ["mintline.db"],
         "restore into a new directory: verified, one store file", r)
    back = serve_restored(node, target)
    try:
        st = back.status()
        t.eq(st["node"]["height"], height, "the restored node serves at the backup's height")
        r = back.cli("audit", "verify", operator="dave")
        t.ok(r.rc == 0 and head_hash in r.out, "audit through the restored node: the backup's head hash", r)
        r = back.cli("mint", "USDC", "--to", ADDR, "--amount", "1")
        t.eq(r.rc, 0, "the restored node takes commands")
    finally:
        t.eq(back.stop(), 0, "the restored node stops cleanly")


def write(root, name, text):
    p = os.path.join(root, name)
    with open(p, "w") as f:
        f.write(text)
    return p


def test_scheduled(node, root, path, header, image):
    bdir = os.path.join(root, "scheduled")
    node.stop()
    node.start(args=["--backup-dir", bdir, "--backup-every", "1h", "--backup-keep", "2"])
    deadline = time.time() + 20
    age = None
    present = None
    ages = []
    while time.time() < deadline:
        m = node.metrics()
        present = metric(m, "mintline_backup_present")
        if present == 1:
            break
        ages.append(metric(m, "mintline_backup_age_seconds"))
        time.sleep(0.2)
    t.ok(all(a >= 0 for a in ages), "none yet: the age counts from the start (never -1)", ages)
    age = metric(node.metrics(), "mintline_backup_age_seconds")
    files = sorted(os.listdir(bdir))
    t.ok(present == 1 and 0 <= age < 60 and len(files) == 1, "serve --backup-dir: a backup at start, "
         "mintline_backup_present 1, mintline_backup_age_seconds %s" % age, files)
    r = node.cli("backup", "verify", os.path.join(bdir, files[0]))
    t.eq(r.rc, 0, "the scheduled backup verifies")
    node.stop()
    # three old backups (40h) and --backup-every 1h: a new one, pruned to 2
    for f in files:
        os.unlink(os.path.join(bdir, f))
    old_ms = int(time.time() * 1000) - 40 * 3600 * 1000
    for i in range(3):
        with open(os.path.join(bdir, "mintline-2000010%dT000000.000Z.backup" % (i + 1)), "wb") as f:
            f.write(repack(header, image, created_ms=old_ms + i))
    node.start(args=["--backup-dir", bdir, "--backup-every", "1h", "--backup-keep", "2"])
    deadline = time.time() + 20
    while time.time() < deadline and (metric(node.metrics(), "mintline_backups_total", result="ok") or 0) < 1:
        time.sleep(0.2)
    time.sleep(0.5)
    files = sorted(os.listdir(bdir))
    t.ok(len(files) == 2 and not any(f.startswith("mintline-2000") and f.endswith("1T000000.000Z.backup") for f in files),
         "--backup-keep 2: the oldest removed", files)
    node.stop()
    # only a 27h-old backup and --backup-every 30h: no new one; the alert fires
    old = os.path.join(root, "old")
    os.makedirs(old)
    with open(os.path.join(old, "mintline-20000101T000000.000Z.backup"), "wb") as f:
        f.write(repack(header, image, created_ms=int(time.time() * 1000) - 27 * 3600 * 1000))
    node.start(args=["--backup-dir", old, "--backup-every", "30h", "--eval-interval", "1s"])
    deadline = time.time() + 20
    names = []
    while time.time() < deadline:
        st, al = node.client("carol").get("/api/alerts")
        names = [a["name"] for a in al.get("alerts", [])] if st == 200 else []
        if "BackupTooOld" in names:
            break
        time.sleep(0.3)
    age = metric(node.metrics(), "mintline_backup_age_seconds")
    t.ok(age is not None and 27 * 3600 - 60 < age < 27 * 3600 + 120, "the age of the 27h-old backup", age)
    t.ok("BackupTooOld" in names, "the built-in BackupTooOld fires past 26h", names)
    t.eq(len(os.listdir(old)), 1, "no backup made before --backup-every has passed")


def main():
    node = Node(genesis=None, init=False)
    g = write(node.root, "genesis.yaml", GENESIS)
    r = node.cli("init", "--data", node.data, "--genesis", g)
    if r.rc != 0:
        raise RuntimeError("init: %r" % r)
    node.start()
    root = node.root
    try:
        test_roles(node)
        path, header, image, height = test_online(node, root)
        head_hash = split_backup(header + image)[1]["head_hash"]
        p2 = os.path.join(root, "direct.backup")
        r = node.cli("backup", "create", p2, "--data", node.data)
        t.ok(r.rc == 0 and re.search(r"height\s+\d+", r.out), "backup create --data DIR beside the running node", r)
        r = node.cli("backup", "verify", p2, "--json")
        t.ok(r.rc == 0 and r.json().get("verified") is True, "backup verify --json of it", r)
        test_bad_files(node, root, path, header, image, height)
        test_restore(node, root, path, height, head_hash)
        test_scheduled(node, root, path, header, image)
        t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
    finally:
        t.eq(node.stop(), 0, "node stops cleanly")
        node.cleanup()


main()
t.done()
