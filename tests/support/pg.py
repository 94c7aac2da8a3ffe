"""pg - a real PostgreSQL 15 for the tests, in a temporary directory.

    from pg import Postgres
    pg = Postgres().start()              # initdb + pg_ctl on a free loopback port
    url = pg.create_db("ledger1")        # postgres://mintline:...@127.0.0.1:PORT/ledger1
    pg.psql("ledger1", "SELECT 1")       # as the superuser, over the socket
    pg.stop()                            # pg_ctl stop -m immediate, directory removed

    python3 tests/support/pg.py run -- CMD ARGS...
        starts one, runs CMD with MINTLINE_TEST_PG_URL set to a database on it
        (the maintenance URL the C fixture tests/support/pg_fixture.c makes its
        own databases from), stops it and exits with CMD's code.

Debian's binaries are in /usr/lib/postgresql/15/bin. Run as root, the
server runs as the `postgres` user (runuser -u postgres --), which owns the
directory. The superuser connects over a Unix socket in the directory
(trust); the ledger role `mintline` over TCP on 127.0.0.1 with a password
(scram-sha-256), as an operator's set-up would have it
(docs/operators/high-availability.md). fsync and synchronous_commit stay at
PostgreSQL's durable defaults: the benchmarks measure real commits.
"""
import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("MINTLINE_PG_BIN", "/usr/lib/postgresql/15/bin")
ROLE = "mintline"
PASSWORD = "mintline-test-pw"


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Postgres:
    def __init__(self):
        self.dir = None
        self.port = None
        self.running = False

    def _as_owner(self, argv, **kw):
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, **kw)

    def start(self, detached=False):
        self.dir = tempfile.mkdtemp(prefix="mintline-pg-")
        os.chmod(self.dir, 0o700)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        data = os.path.join(self.dir, "data")
        r = self._as_owner([os.path.join(BIN, "initdb"), "-D", data, "-U", "postgres",
                            "--auth-local=trust", "--auth-host=scram-sha-256",
                            "--encoding=UTF8", "--no-locale"])
        if r.returncode != 0:
            raise RuntimeError("initdb failed:\n" + r.stdout)
        self.port = _free_port()
        opts = "-c listen_addresses=127.0.0.1 -p %d -k %s -c max_connections=200" % (
            self.port, self.dir)
        r = self._as_owner([os.path.join(BIN, "pg_ctl"), "-D", data, "-l",
                            os.path.join(self.dir, "log"), "-o", opts, "-w", "-t", "60",
                            "start"])
        if r.returncode != 0:
            log = ""
            try:
                log = open(os.path.join(self.dir, "log")).read()[-3000:]
            except OSError:
                pass
            raise RuntimeError("pg_ctl start failed:\n" + r.stdout + log)
        self.running = True
        if not detached:
            atexit.register(self.stop)
        self.psql("postgres", "CREATE ROLE %s LOGIN CREATEDB PASSWORD '%s'" % (ROLE, PASSWORD))
        return self

    def psql(self, db, sql):
        """Run sql as the superuser; returns the unaligned, tuples-only output."""
        r = self._as_owner([os.path.join(BIN, "psql"), "-X", "-q", "-A", "-t", "-v",
                            "ON_ERROR_STOP=1", "-h", self.dir, "-p", str(self.port),
                            "-U", "postgres", "-d", db, "-c", sql])
        if r.returncode != 0:
            raise RuntimeError("psql failed: %s\n%s" % (sql, r.stdout))
        return r.stdout.strip()

    def url(self, db, password=True):
        auth = "%s:%s" % (ROLE, PASSWORD) if password else ROLE
        return "postgres://%s@127.0.0.1:%d/%s" % (auth, self.port, db)

    def create_db(self, name):
        self.psql("postgres", "CREATE DATABASE %s OWNER %s" % (name, ROLE))
        return self.url(name)

    def stop(self):
        if self.running:
            self._as_owner([os.path.join(BIN, "pg_ctl"), "-D", os.path.join(self.dir, "data"),
                            "-m", "immediate", "-w", "stop"])
            self.running = False
        if self.dir and os.environ.get("MINTLINE_KEEP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


def start_detached(names):
    """`pg.py start NAME...`: a server left running, one database per name."""
    pg = Postgres()
    try:
        pg.start(detached=True)
        urls = [(name, pg.create_db(name)) for name in names]
    except (RuntimeError, OSError) as e:
        print("pg.py: cannot start PostgreSQL: %s" % e, file=sys.stderr)
        pg.stop()
        return 3
    for name, url in urls:
        print(name, url)
    print("dir", pg.dir)
    return 0


def stop_detached(directory):
    """`pg.py stop DIR`: the server `start` left in DIR, stopped and removed."""
    if not os.path.isdir(os.path.join(directory, "data")):
        print("pg.py: no PostgreSQL data in %s" % directory, file=sys.stderr)
        return 2
    pg = Postgres()
    pg.dir = directory
    pg.running = True
    pg.stop()
    return 0


def main(argv):
    if len(argv) >= 1 and argv[0] == "start":
        return start_detached(argv[1:])
    if len(argv) == 2 and argv[0] == "stop":
        return stop_detached(argv[1])
    if len(argv) < 3 or argv[0] != "run" or argv[1] != "--":
        print("usage: pg.py run -- CMD ARGS... | start NAME... | stop DIR", file=sys.stderr)
        return 2
    pg = Postgres()
    try:
        pg.start()
        url = pg.create_db("mintline_tests")
    except (RuntimeError, OSError) as e:
        print("pg.py: cannot start PostgreSQL: %s" % e, file=sys.stderr)
        pg.stop()
        return 3
    env = dict(os.environ, MINTLINE_TEST_PG_URL=url)
    started = time.time()
    try:
        rc = subprocess.call(argv[2:], env=env)
    finally:
        pg.stop()
    if os.environ.get("MINTLINE_PG_VERBOSE"):
        print("pg.py: PostgreSQL ran %.0f s" % (time.time() - started), file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
