"""harness - run a real mintline node and its CLI for the integration tests.

    from harness import Node, TAP
    t = TAP("api")
    node = Node(clock_manual=True).start()
    c = node.client("alice")            # an mlclient.Client signing as alice
    r = node.cli("status", "--json")    # r.rc, r.out, r.err, r.json()
    node.stop()                         # SIGTERM, wait, check the exit code
    t.done()                            # prints the plan, exits 1 if a check failed

Binary: $MINTLINE_BIN, else build/asan/mintline when it exists, else
build/mintline. Each Node gets a fresh temporary directory holding the data
dir and a MINTLINE_HOME with the demo keys (mode 0600); it is removed at exit
unless MINTLINE_KEEP=1. The node listens on 127.0.0.1 on a free port; its
stderr goes to a log file that sanitizer reports are looked for in.

TAP: every check prints "ok N - name" or "not ok N - name" (details as
"# " lines). `t.run(name, fn)` runs one test function and turns an
exception into a "not ok" line, so one crash does not hide the others.
"""
import atexit
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from mlclient import Client, load_key  # noqa: E402

# The ledger tests' genesis: the demo one with single-approval unpause
# (tests/support/genesis.yaml says why); DEMO_GENESIS keeps SPEC 4's defaults.
GENESIS = os.path.join(REPO, "tests", "support", "genesis.yaml")
DEMO_GENESIS = os.path.join(REPO, "examples", "genesis.yaml")
KEYS_DIR = os.path.join(REPO, "examples", "keys")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "SUMMARY: UndefinedBehaviorSanitizer", "AddressSanitizer:DEADLYSIGNAL")

# The node and the CLI run with the sanitizer options tests/run.sh sets.
os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")


def default_binary():
    env = os.environ.get("MINTLINE_BIN")
    if env:
        return os.path.abspath(env)
    asan = os.path.join(REPO, "build", "asan", "mintline")
    if os.path.exists(asan):
        return asan
    return os.path.join(REPO, "build", "mintline")


def release_binary():
    """The release build when present (fast streams), else the default."""
    env = os.environ.get("MINTLINE_BIN")
    if env:
        return os.path.abspath(env)
    rel = os.path.join(REPO, "build", "mintline")
    return rel if os.path.exists(rel) else default_binary()


def _die_with_parent():
    """preexec_fn: the node gets SIGKILL if the test process dies (Linux), so
    a killed test run leaves no node behind."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort on other systems
        pass


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def sanitizer_report(text):
    """The first sanitizer line in text, or None."""
    for line in text.splitlines():
        if any(m in line for m in SANITIZER_MARKS):
            return line
    return None


# ---------------------------------------------------------------- TAP ----

class TAP:
    def __init__(self, suite):
        self.suite = suite
        self.n = 0
        self.failed = 0
        self.started = time.time()
        self.prefix = ""
        print("# %s: binary %s, python %s" % (suite, default_binary(), sys.version.split()[0]))
        sys.stdout.flush()

    def diag(self, text):
        for line in str(text).splitlines() or [""]:
            print("# " + line)
        sys.stdout.flush()

    def ok(self, cond, name, detail=None):
        self.n += 1
        if not name.startswith(self.prefix):
            name = self.prefix + name
        name = name.replace("\n", " ")
        if cond:
            print("ok %d - %s" % (self.n, name))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, name))
            if detail is not None:
                self.diag(detail)
        sys.stdout.flush()
        return bool(cond)

    def eq(self, got, want, name):
        return self.ok(got == want, name, "got:  %s\nwant: %s" % (_short(got), _short(want)))

    def run(self, name, fn, *args, **kw):
        """Run one test function; an exception is one "not ok" line."""
        old = self.prefix
        self.prefix = name + ": "
        try:
            return fn(*args, **kw)
        except Exception as e:  # noqa: BLE001 - a crash must not hide the other tests
            self.prefix = old
            self.ok(False, "%s: raised %s: %s" % (name, type(e).__name__, _short(str(e), 200)),
                    traceback.format_exc())
        finally:
            self.prefix = old
        return None

    def cli_ok(self, node, name, *args, operator="alice", rc=0):
        """node.cli(*args) as operator, checked to exit rc: one check named
        "NAME (exit RC)". Returns the Run."""
        r = node.cli(*args, operator=operator)
        self.ok(r.rc == rc, "%s (exit %d)" % (name, rc), r)
        return r

    def done(self):
        print("1..%d" % self.n)
        print("# %s: %d checks, %d failed, %.1fs" % (self.suite, self.n, self.failed,
                                                    time.time() - self.started))
        sys.stdout.flush()
        sys.exit(1 if self.failed else 0)


def _short(v, n=600):
    if isinstance(v, str):
        s = v
    else:
        try:
            s = json.dumps(v, sort_keys=True, default=str) if isinstance(v, (dict, list)) else repr(v)
        except (TypeError, ValueError):
            s = repr(v)
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


# ------------------------------------------------------------ files ----

def genesis_file(text, tag="genesis"):
    """A genesis YAML text in a file of its own (its directory removed at
    exit), for Node(genesis=)."""
    work = tempfile.mkdtemp(prefix="mintline-%s-" % tag)
    atexit.register(shutil.rmtree, work, True)
    return write_file(work, "genesis.yaml", text)


def write_file(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


# -------------------------------------------------- the CLI's tables ----

def cli_table(out):
    """Rows of the CLI's aligned table (the first non-blank line is the
    header; columns are separated by two spaces or more), as dicts."""
    lines = [ln for ln in out.splitlines() if ln.strip()]
    if not lines:
        return []
    cols = re.split(r"\s{2,}", lines[0].strip())
    return [dict(zip(cols, re.split(r"\s{2,}", ln.strip(), maxsplit=len(cols) - 1))) for ln in lines[1:]]


def cli_pairs(out):
    """{key: value} of the CLI's `key  value` lines (two spaces or more apart)."""
    d = {}
    for ln in out.splitlines():
        p = re.split(r"\s{2,}", ln.strip(), maxsplit=1)
        if len(p) == 2:
            d[p[0]] = p[1]
    return d


# ---------------------------------------------------------------- CLI ----

class Run:
    """A finished CLI command: rc, out, err."""

    def __init__(self, argv, rc, out, err):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return "Run(%s) rc=%s\nstdout: %s\nstderr: %s" % (
            " ".join(self.argv[1:]), self.rc, _short(self.out, 1500), _short(self.err, 1500))


def run_cli(binary, args, env=None, timeout=60, cwd=None, stdin=subprocess.DEVNULL):
    argv = [binary] + [str(a) for a in args]
    p = subprocess.run(argv, env=env, cwd=cwd or REPO, stdin=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return Run(argv, p.returncode, p.stdout.decode(errors="replace"),
               p.stderr.decode(errors="replace"))


# --------------------------------------------------------------- Node ----

_ALL_NODES = []


def _cleanup_all():
    for n in list(_ALL_NODES):
        try:
            n.cleanup()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


atexit.register(_cleanup_all)


class Node:
    """A mintline ledger in a temporary directory, and the node serving it."""

    def __init__(self, genesis=GENESIS, clock_manual=False, binary=None, init=True, keys=True,
                 serve_args=()):
        self.binary = binary or default_binary()
        self.clock_manual = clock_manual
        self.serve_args = list(serve_args)  # more `serve` flags (--alert-rules FILE, ...)
        self.root = tempfile.mkdtemp(prefix="mintline-it-")
        self.data = os.path.join(self.root, "data")
        self.home = os.path.join(self.root, "home")
        os.makedirs(os.path.join(self.home, "keys"))
        if keys:
            for name in sorted(os.listdir(KEYS_DIR)):
                if name.endswith(".key"):
                    dest = os.path.join(self.home, "keys", name)
                    shutil.copyfile(os.path.join(KEYS_DIR, name), dest)
                    os.chmod(dest, 0o600)
        self.proc = None
        self.port = None
        self.logs = []
        self.starts = 0
        self.init_run = None
        _ALL_NODES.append(self)
        if init:
            clock = ["--clock", "manual"] if clock_manual else []
            self.init_run = self.cli("init", "--data", self.data, "--genesis", genesis, *clock)
            if self.init_run.rc != 0:
                raise RuntimeError("mintline init failed: %r" % self.init_run)

    # -- environment --------------------------------------------------------
    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def db(self):
        return os.path.join(self.data, "mintline.db")

    def env(self, operator="alice", node=True, **extra):
        env = dict(os.environ)
        for k in ("MINTLINE_NODE", "MINTLINE_OPERATOR", "MINTLINE_HOME", "MINTLINE_BIN"):
            env.pop(k, None)
        env["MINTLINE_HOME"] = self.home
        env["NO_COLOR"] = "1"
        if node and self.port:
            env["MINTLINE_NODE"] = self.url
        if operator:
            env["MINTLINE_OPERATOR"] = operator
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    def cli(self, *args, operator="alice", env=None, timeout=60, **kw):
        """Run `mintline ARGS` with MINTLINE_HOME, MINTLINE_NODE (when running)
        and MINTLINE_OPERATOR set; env replaces the whole environment."""
        return run_cli(self.binary, args, env=env if env is not None else self.env(operator),
                       timeout=timeout, **kw)

    def key(self, operator):
        return load_key(os.path.join(self.home, "keys", operator + ".key"))

    def client(self, operator="alice"):
        return Client("127.0.0.1", self.port, operator, self.key(operator))

    # -- lifecycle ----------------------------------------------------------
    def start(self, timeout=60, port=None, args=()):
        """Serve on a free port (or port); args are more `serve` arguments
        (e.g. "--config", FILE)."""
        assert self.proc is None, "node already running"
        self.port = port or free_port()
        argv = [self.binary, "serve", "--data", self.data, "--listen", "127.0.0.1:%d" % self.port]
        if self.clock_manual:
            argv += ["--clock", "manual"]
        argv += self.serve_args
        argv += [str(a) for a in args]
        self._launch(argv)
        if self._wait_for("/readyz", timeout, "during start-up"):
            return self
        self.kill()
        raise RuntimeError("node not ready after %ss:\n%s" % (timeout, self.log_text()))

    def serve_store(self, store_url, timeout=60):
        """Serve the ledger at store_url (serve --store URL: a PostgreSQL
        node, leader or follower) on a free port, or on a restart the same
        one, and wait for /healthz (a follower is alive, not ready)."""
        assert self.proc is None
        self.port = self.port or free_port()
        self._launch([self.binary, "serve", "--data", self.data, "--store", store_url, "--listen",
                      "127.0.0.1:%d" % self.port])
        if self._wait_for("/healthz", timeout, ""):
            return self
        raise RuntimeError("node not alive after %ss:\n%s" % (timeout, self.log_text()))

    def _launch(self, argv):
        """Start `serve` (argv) with its output in a new node-N.log."""
        self.starts += 1
        log = os.path.join(self.root, "node-%d.log" % self.starts)
        self.logs.append(log)
        with open(log, "wb") as f:
            self.proc = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=self.root,
                                         env=self.env(node=False, operator=None),
                                         preexec_fn=_die_with_parent)

    def _wait_for(self, path, timeout, when):
        """True once GET path answers 200 within timeout; raises if the node exits first."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                rc, self.proc = self.proc.returncode, None
                raise RuntimeError("node exited with %s%s:\n%s" % (rc, " " + when if when else "",
                                                                    self.log_text()))
            try:
                if self.http("GET", path, timeout=2)[0] == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=60):
        """SIGTERM and wait; returns the exit code (None when not running)."""
        if self.proc is None:
            return None
        p, self.proc = self.proc, None
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            return p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            return "timeout"

    def kill(self):
        """SIGKILL and reap: a crash."""
        if self.proc is None:
            return None
        p, self.proc = self.proc, None
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        return p.wait()

    def log_text(self, which=-1):
        if not self.logs:
            return ""
        try:
            with open(self.logs[which], "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def sanitizer(self):
        """The first sanitizer line in any of this node's logs, or None."""
        for i in range(len(self.logs)):
            r = sanitizer_report(self.log_text(i))
            if r:
                return r
        return None

    def cleanup(self):
        self.kill()
        if self in _ALL_NODES:
            _ALL_NODES.remove(self)
        if os.environ.get("MINTLINE_KEEP") == "1":
            print("# kept %s" % self.root)
        else:
            shutil.rmtree(self.root, ignore_errors=True)

    # -- HTTP ---------------------------------------------------------------
    def http(self, method, path, body=b"", headers=None, timeout=30):
        """An unsigned request: (status, JSON document or text)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
        finally:
            conn.close()
        try:
            return r.status, json.loads(data)
        except ValueError:
            return r.status, data.decode(errors="replace")

    def status(self, client=None):
        c = client or self.client("carol")
        st, doc = c.get("/api/system/status")
        if st != 200:
            raise RuntimeError("status: HTTP %s %s" % (st, doc))
        return doc

    def metrics(self):
        """{(name, frozenset(labels)): value} from /metrics."""
        st, text = self.http("GET", "/metrics")
        if st != 200:
            raise RuntimeError("metrics: HTTP %s" % st)
        return parse_metrics(text)


def parse_metrics(text):
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name_labels, _, value = line.rpartition(" ")
        labels = ()
        name = name_labels
        if "{" in name_labels:
            name, _, rest = name_labels.partition("{")
            items = []
            for part in rest.rstrip("}").split(","):
                if "=" in part:
                    k, _, v = part.partition("=")
                    items.append((k, v.strip('"')))
            labels = tuple(sorted(items))
        try:
            out[(name, labels)] = float(value)
        except ValueError:
            pass
    return out


def metric(metrics, name, **labels):
    return metrics.get((name, tuple(sorted(labels.items()))), 0.0)


# ------------------------------------------------------------ helpers ----

def addr(i, tag=0xa0):
    """A deterministic test address: 0x + tag + zero padding + index."""
    return "0x%02x%038x" % (tag, i)


def to_units(amount, decimals):
    """Exact base units of a canonical decimal string."""
    whole, _, frac = amount.partition(".")
    assert len(frac) <= decimals, amount
    return int(whole) * 10 ** decimals + (int(frac.ljust(decimals, "0")) if decimals else 0)


def fmt_units(units, decimals):
    """Canonical decimal string of base units (no trailing zeros, no dot)."""
    if decimals == 0:
        return str(units)
    whole, frac = divmod(units, 10 ** decimals)
    frac_s = str(frac).rjust(decimals, "0").rstrip("0")
    return "%d.%s" % (whole, frac_s) if frac_s else str(whole)


def sha256_hex(b):
    return hashlib.sha256(b).hexdigest()


def err_codes():
    """[name, ...] in src/base/err.h order: index = the journaled code."""
    names = []
    with open(os.path.join(REPO, "src", "base", "err.h")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("X(") and "," in line:
                names.append("ERR_" + line[2:line.index(",")].strip())
    return ["ok"] + names[1:] if names and names[0] == "ERR_OK" else names
