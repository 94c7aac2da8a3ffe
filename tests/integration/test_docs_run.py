#!/usr/bin/python3
"""test_docs_run - the docs that run (issue 13 item 15; docs/DEVELOPING.md "Docs that run").

Every fenced block marked runnable in README.md and docs/operators/*.md is
executed, page by page and in order, by one bash per page, against a demo
ledger; the output a page shows (```console runnable blocks) is compared.

    /usr/bin/python3 tests/integration/test_docs_run.py            # every page
    /usr/bin/python3 tests/integration/test_docs_run.py pause.md   # pages whose path ends so
    MINTLINE_DOCS_VERBOSE=1 ...                                     # print every command

The conventions (the markers, `(exit N)`, the placeholders, the addresses the
runner moves to free ports) are documented in docs/DEVELOPING.md; this file
is their one implementation.
"""
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import DEMO_GENESIS, KEYS_DIR, REPO, TAP, Node, default_binary, free_port  # noqa: E402

PAGES = ["README.md"] + sorted("docs/operators/" + f for f in os.listdir(os.path.join(REPO, "docs", "operators"))
                               if f.endswith(".md"))
# The documented loopback addresses and what they are; each gets a free port.
DOC_PORTS = {8645: "the node", 9645: "the drill node", 9646: "a third node", 8646: "the demo price source"}
COMMAND_TIMEOUT_S = 30
VERBOSE = os.environ.get("MINTLINE_DOCS_VERBOSE") == "1"

FENCE = re.compile(r"^(\s*)```+\s*([A-Za-z0-9_-]*)\s*(.*)$")
PAGE_OWN = "<!-- runnable: own-ledger -->"
EXIT_NOTE = re.compile(r"#.*\(exit (\d+)\)")

# ------------------------------------------------------------ extraction --


class Command:
    def __init__(self, page, line, text, expected=None):
        self.page, self.line, self.text = page, line, text
        self.expected = expected  # list of lines (console blocks) or None
        m = EXIT_NOTE.search(text)
        self.rc = int(m.group(1)) if m else 0

    def __repr__(self):
        return "%s:%d: %s" % (self.page, self.line, self.text.splitlines()[0])


def _blocks(page, text):
    """(kind, first line number, [lines]) of each runnable fenced block."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        lang, info = m.group(2), m.group(3).split()
        start = i + 1
        j = start
        while j < len(lines) and not lines[j].strip().startswith("```"):
            j += 1
        if "runnable" in info:
            if lang not in ("sh", "console"):
                raise ValueError("%s:%d: runnable blocks are sh or console, not %r" % (page, i + 1, lang))
            body = [ln[len(m.group(1)):] if ln.startswith(m.group(1)) else ln for ln in lines[start:j]]
            yield lang, start + 1, body
        i = j + 1


HEREDOC = re.compile(r"<<-?\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)['\"]?")


def _logical(body, first_line, console):
    """Split a block's lines into (line number, command text, output lines)."""
    out = []
    i = 0
    while i < len(body):
        ln = body[i]
        if console:
            if not ln.startswith("$ "):
                if ln.strip():
                    raise ValueError("line %d: output before any `$ ` command" % (first_line + i))
                i += 1
                continue
            ln = ln[2:]
        if not ln.strip() or ln.lstrip().startswith("#"):
            i += 1
            continue
        start = i
        cmd = [ln]
        while cmd[-1].rstrip().endswith("\\") and i + 1 < len(body):
            i += 1
            cmd.append(body[i])
        h = HEREDOC.search(cmd[0])
        if h:
            while i + 1 < len(body):
                i += 1
                cmd.append(body[i])
                if body[i].strip() == h.group(1):
                    break
        i += 1
        expected = None
        if console:
            expected = []
            while i < len(body) and not body[i].startswith("$ "):
                expected.append(body[i])
                i += 1
            while expected and not expected[-1].strip():
                expected.pop()
        out.append((first_line + start, "\n".join(cmd), expected))
    return out


def page_commands(page):
    with open(os.path.join(REPO, page), encoding="utf-8") as f:
        text = f.read()
    cmds = []
    for lang, first, body in _blocks(page, text):
        for line, cmd, expected in _logical(body, first, lang == "console"):
            cmds.append(Command(page, line, cmd, expected))
    return PAGE_OWN in text, cmds


# ------------------------------------------------------------ comparison --

# {{name}}: what the program may legitimately print differently on each run.
PLACEHOLDERS = {
    "hex": r"[0-9a-f]+",
    "int": r"[0-9]+",
    "num": r"[0-9][0-9,]*(?:\.[0-9]+)?",
    "time": r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?Z",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "dur": r"(?:[0-9]+[dhms] ?)+|[0-9]+ms",
    "word": r"\S+",
    "rest": r".*",  # the rest of a message the page does not pin (an error's figures)
}
PLACEHOLDER = re.compile(r"\{\{([a-z]+)\}\}")
ANY_LINES = "{{...}}"


def _line_regex(expected):
    parts = []
    pos = 0
    for m in PLACEHOLDER.finditer(expected):
        if m.group(1) not in PLACEHOLDERS:
            raise ValueError("unknown placeholder {{%s}} (known: %s)" % (m.group(1), ", ".join(PLACEHOLDERS)))
        parts.append(re.escape(expected[pos:m.start()]))
        parts.append("(?:%s)" % PLACEHOLDERS[m.group(1)])
        pos = m.end()
    parts.append(re.escape(expected[pos:]))
    return re.compile("".join(parts))


def output_matches(expected, got):
    """expected: the page's lines; got: the printed lines. Lines compare whole,
    trailing blanks ignored; {{...}} alone on a line stands for any lines."""
    exp = [e.rstrip() for e in expected]
    act = [g.rstrip() for g in got]
    while act and not act[-1]:
        act.pop()

    def match(i, j):
        if i == len(exp):
            return j == len(act)
        if exp[i].strip() == ANY_LINES:
            return any(match(i + 1, k) for k in range(j, len(act) + 1))
        return j < len(act) and _line_regex(exp[i]).fullmatch(act[j]) is not None and match(i + 1, j + 1)

    return match(0, 0)


# ------------------------------------------------------ the price source --

class PriceSource:
    """The demo price source examples/config.yaml names: GET /aaxj answers
    {"symbol": "AAXJ", "price": "12.51"}."""

    PRICE = "12.51"

    def __init__(self, port):
        price = self.PRICE

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server interface
                if self.path.split("?")[0] != "/aaxj":
                    self.send_error(404)
                    return
                body = ('{"symbol": "AAXJ", "price": "%s"}' % price).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------ the runner --

def _ready(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                return True
        except OSError:
            pass
        finally:
            c.close()
        time.sleep(0.05)
    return False


class PageRun:
    """One page: a temporary directory (the page's working directory, with
    examples/ copied in and its addresses moved), HOME inside it, one bash."""

    def __init__(self, page, own_ledger):
        self.page = page
        self.root = tempfile.mkdtemp(prefix="mintline-docs-")
        self.ports = {doc: free_port() for doc in DOC_PORTS}
        self.work = os.path.join(self.root, "work")
        self.home = os.path.join(self.root, "home")
        self.bin = os.path.join(self.root, "bin")
        for d in (self.work, self.home, self.bin):
            os.makedirs(d)
        os.symlink(default_binary(), os.path.join(self.bin, "mintline"))
        shutil.copytree(os.path.join(REPO, "examples"), os.path.join(self.work, "examples"))
        for dirpath, _, files in os.walk(os.path.join(self.work, "examples")):
            for name in files:
                if name.endswith((".yaml", ".jsonl", ".json")):
                    p = os.path.join(dirpath, name)
                    with open(p, encoding="utf-8") as f:
                        text = f.read()
                    with open(p, "w", encoding="utf-8") as f:
                        f.write(self.move(text))
        for name in os.listdir(os.path.join(self.work, "examples", "keys")):
            os.chmod(os.path.join(self.work, "examples", "keys", name), 0o600)
        self.price = PriceSource(self.ports[8646])
        self.node = None
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINTLINE_")}
        env.update(HOME=self.home, PATH=self.bin + os.pathsep + env.get("PATH", ""), NO_COLOR="1",
                   LC_ALL="C.UTF-8", MINTLINE_LISTEN="127.0.0.1:%d" % self.ports[8645])
        if not own_ledger:
            # The demo ledger: examples/genesis.yaml, a manual clock, the demo
            # keys, as first-steps leaves an operator's shell.
            self.node = Node(genesis=DEMO_GENESIS, clock_manual=True).start(port=self.ports[8645])
            env.update(MINTLINE_HOME=self.node.home, MINTLINE_NODE="http://127.0.0.1:%d" % self.ports[8645],
                       MINTLINE_OPERATOR="alice")
        self.bash = subprocess.Popen(["bash", "--noprofile", "--norc"], stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.work,
                                     env=env, start_new_session=True)
        self.send("set -o pipefail; trap '[ \"$__fail\" -eq 0 ] && __fail=$?' ERR")
        self.n = 0

    def move(self, text):
        """The documented addresses to this run's ports."""
        for doc, port in self.ports.items():
            text = text.replace("127.0.0.1:%d" % doc, "127.0.0.1:%d" % port)
        return text

    def unmove(self, text):
        for doc, port in self.ports.items():
            text = text.replace("127.0.0.1:%d" % port, "127.0.0.1:%d" % doc)
        return text.replace(self.home, "~").replace(self.work + "/", "").replace(self.work, ".")

    def send(self, line):
        self.bash.stdin.write((line + "\n").encode())
        self.bash.stdin.flush()

    def run(self, cmd):
        """(rc, stdout, stderr) of one command in the page's shell."""
        self.n += 1
        base = os.path.join(self.root, "c%d" % self.n)
        with open(base + ".sh", "w", encoding="utf-8") as f:
            f.write(self.move(cmd.text) + "\n")
        self.send("__fail=0; source %s.sh </dev/null >%s.out 2>%s.err; __rc=$?; [ $__rc -eq 0 ] && __rc=$__fail; "
                  "echo $__rc >%s.tmp; mv %s.tmp %s.rc" % ((base,) * 6))
        deadline = time.time() + COMMAND_TIMEOUT_S
        while not os.path.exists(base + ".rc"):
            if time.time() > deadline or self.bash.poll() is not None:
                return None, "", "timed out after %ds (or the page's shell exited)" % COMMAND_TIMEOUT_S
            time.sleep(0.005)
        with open(base + ".rc") as f:
            rc = int(f.read().strip() or "-1")
        with open(base + ".out", encoding="utf-8", errors="replace") as f:
            out = f.read()
        with open(base + ".err", encoding="utf-8", errors="replace") as f:
            err = f.read()
        # A node started in the background: wait until it answers, as an
        # operator waits for its "serving" line.
        first = self.move(cmd.text.split("#")[0])
        if re.search(r"\bmintline\b.*\bserve\b.*&\s*$", first.strip()) or re.search(r"\bserve\b[^;]*&", first):
            m = re.search(r"--listen\s+127\.0\.0\.1:(\d+)", first)
            port = int(m.group(1)) if m else self.ports[8645]
            if not _ready(port):
                return 99, out, err + "\n(the runner: the node did not become ready on port %d)" % port
        return rc, self.unmove(out), self.unmove(err)

    def close(self):
        try:
            self.bash.stdin.close()
        except OSError:
            pass
        try:
            os.killpg(self.bash.pid, signal.SIGTERM)  # the page's background nodes
        except OSError:
            pass
        try:
            self.bash.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.bash.pid, signal.SIGKILL)
            self.bash.wait()
        # the nodes the page started are in the shell's process group
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                os.killpg(self.bash.pid, 0)
            except OSError:
                break
            time.sleep(0.05)
        self.price.close()
        if self.node is not None:
            self.node.cleanup()
        if os.environ.get("MINTLINE_KEEP") == "1":
            print("# kept %s" % self.root)
        else:
            shutil.rmtree(self.root, ignore_errors=True)


def run_page(t, page):
    own, cmds = page_commands(page)
    if not cmds:
        return 0
    started = time.time()
    pr = PageRun(page, own)
    try:
        for cmd in cmds:
            rc, out, err = pr.run(cmd)
            if VERBOSE:
                t.diag("%r -> %s\n%s%s" % (cmd, rc, out, err))
            ok = t.ok(rc == cmd.rc, "%r: exit %s" % (cmd, cmd.rc),
                      "exit %s\nstdout:\n%s\nstderr:\n%s" % (rc, out[-3000:], err[-3000:]))
            if cmd.expected is not None:
                got = (out + err).split("\n")
                t.ok(output_matches(cmd.expected, got), "%r: prints what the page shows" % cmd,
                     "page:\n%s\nprinted:\n%s" % ("\n".join(cmd.expected), out + err))
            if not ok and rc is None:
                break  # the shell is stuck: the rest of the page cannot run
    finally:
        pr.close()
    t.diag("%s: %d commands, %.1fs" % (page, len(cmds), time.time() - started))
    return len(cmds)


def self_test(t):
    """The runner's own rules, on made-up pages."""
    t.ok(output_matches(["pending: proposal {{int}} (x)"], ["pending: proposal 12 (x)"]), "int placeholder")
    t.ok(not output_matches(["pending: proposal {{int}}"], ["pending: proposal 1a"]), "int refuses letters")
    t.ok(output_matches(["a", "{{...}}", "z"], ["a", "b", "c", "z"]), "{{...}} spans lines")
    t.ok(output_matches(["a", "{{...}}"], ["a"]), "{{...}} spans zero lines")
    t.ok(not output_matches(["a"], ["a", "b"]), "an extra printed line fails")
    t.ok(output_matches(["at {{time}}"], ["at 2026-11-23T09:00:00.000Z"]), "time placeholder")
    t.ok(not output_matches(["x.y"], ["xzy"]), "text outside placeholders is literal")
    t.ok(output_matches(["error: E: a {{rest}}"], ["error: E: a b; c (d)"]), "{{rest}}")
    t.ok(not output_matches(["error: E: a {{rest}}"], ["error: F: a b"]), "{{rest}} keeps what precedes")
    body = ["$ mintline unpause USDW   # (exit 4)", "pending: proposal {{int}}", "", "$ mintline b \\",
            "  --x 1", "$ cat > f <<EOF", "a", "EOF"]
    got = _logical(body, 10, True)
    t.eq([(n, c, e) for n, c, e in got],
         [(10, "mintline unpause USDW   # (exit 4)", ["pending: proposal {{int}}"]),
          (13, "mintline b \\\n  --x 1", []), (15, "cat > f <<EOF\na\nEOF", [])],
         "console blocks: commands, continuations, outputs")
    sh = _logical(["cat > g <<EOF", "x: 1", "EOF", "# comment", "echo hi  # (exit 0)"], 1, False)
    t.eq([c for _, c, _ in sh], ["cat > g <<EOF\nx: 1\nEOF", "echo hi  # (exit 0)"], "sh blocks: heredocs")
    t.eq(Command("p", 1, "mintline unpause USDW  # pending (exit 4)").rc, 4, "(exit N) in the comment")


def main():
    t = TAP("docs_run")
    want = sys.argv[1:]
    t.run("runner", self_test, t)
    total = 0
    marked = []
    for page in PAGES:
        if want and not any(page.endswith(w) for w in want):
            continue
        _, cmds = page_commands(page)
        if cmds:
            marked.append(page)
        total += t.run(page, run_page, t, page) or 0
    if not want:
        # The pages issue 13 names must stay runnable (the Done-when sentence).
        for page in ("README.md", "docs/operators/first-steps.md", "docs/operators/pause.md",
                     "docs/operators/rotation.md", "docs/operators/nav.md"):
            t.ok(page in marked, "%s has runnable blocks" % page)
    t.diag("%d commands on %d pages" % (total, len(marked)))
    t.done()


if __name__ == "__main__":
    main()
