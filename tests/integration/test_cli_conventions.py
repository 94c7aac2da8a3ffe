"""test_cli_conventions - issue 13, items 8-10: the CLI's conventions on a real node.

--version; "did you mean" for commands, group words and flags; `help X` and
`X --help` for every command and every group (one line per subcommand, the
role, an example); `completion bash|zsh` (bash runs it); `man` (groff renders
it, every command in it) and `make man`; `-` for stdin (por verify, alerts
rules --check, init --genesis, api, batch); `api METHOD PATH [BODY]` with its
exit codes; `batch FILE` (per-line results, --atomic, --dry-run, --compact);
`--config` with node, operator, key and profiles, flags > environment > file,
nav_sources still read.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import REPO, TAP, Node, Run, addr, sanitizer_report  # noqa: E402

t = TAP("cli_conventions")
TREASURY = addr(1, 0x7c)
OTHER = addr(2, 0x7c)


class Ctx:
    node = None


X = Ctx()


def cli(*args, input=None, env=None, **kw):
    if input is None:
        r = X.node.cli(*args, env=env, **kw)
    else:  # the harness's runner reads no stdin: run it here with the same environment
        argv = [X.node.binary] + [str(a) for a in args]
        p = subprocess.run(argv, env=env if env is not None else X.node.env(), cwd=REPO, input=input,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        r = Run(argv, p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"))
    rep = sanitizer_report(r.err)
    if rep:
        t.ok(False, "sanitizer report from `mintline %s`" % " ".join(map(str, args)), r.err[-3000:])
    return r


def balance(sym, a):
    st, doc = X.node.client("carol").get("/api/assets/%s/balances/%s" % (sym, a))
    return doc.get("balance") if st == 200 else None


def rows_from_help():
    """The commands of the overview: their words (lower-case words before the metavars)."""
    r = cli("--help")
    rows = []
    for line in r.out.splitlines():
        m = re.match(r"^  ([a-z][a-z0-9-]*(?: [a-z][a-z0-9-]*)*)(?: |$)", line)
        if m and not line.startswith("  --"):
            rows.append(m.group(1))
    return rows


def test_version_and_suggestions():
    r = cli("--version")
    t.ok(r.rc == 0 and re.match(r"^mintline \d+\.\d+\.\d+\n", r.out) and "libsodium" in r.out,
         "--version: exit 0, version line, build info", r)
    t.eq(cli("version").rc, 2, "`version` is not a command (the flag is)")
    r = cli("tranfer", "USDW")
    t.ok(r.rc == 2 and "did you mean 'transfer'?" in r.err, "mistyped command: exit 2, did you mean", r)
    r = cli("mnit", "USDW")
    t.ok(r.rc == 2 and "'init' or 'mint'" in r.err, "two as close: both offered", r)
    r = cli("nav", "fetc", "AAXJF")
    t.ok(r.rc == 2 and "did you mean 'nav fetch'?" in r.err, "mistyped subcommand of a group", r)
    r = cli("mint", "USDW", "--to", TREASURY, "--amout", "1")
    t.ok(r.rc == 2 and "did you mean '--amount'?" in r.err, "mistyped flag: the row's flag offered", r)
    r = cli("--dryrun", "mint", "USDW")
    t.ok(r.rc == 2 and "did you mean '--dry-run'?" in r.err, "mistyped global flag before the command", r)
    r = cli("frobnicate")
    t.ok(r.rc == 2 and "did you mean" not in r.err, "nothing close: no suggestion", r)


def test_help_everywhere():
    rows = rows_from_help()
    t.ok(len(rows) > 100 and "mint" in rows and "bridge route set" in rows, "overview lists the table", rows[:5])
    groups = sorted({" ".join(w.split()[:k]) for w in rows for k in range(1, len(w.split()))
                     if not any(r == " ".join(w.split()[:k]) for r in rows)})
    t.ok({"nav", "caps", "por", "vault", "bridge", "bridge route", "incident"} <= set(groups),
         "the groups include nav, caps, por, vault, bridge, bridge route, incident", groups)
    bad = []
    for g in groups:
        members = [w for w in rows if w.startswith(g + " ")]
        for argv in (["help"] + g.split(), g.split() + ["--help"]):
            r = cli(*argv)
            lines_ok = all(re.search(r"^%s\b" % re.escape(w), r.out, re.M) for w in members)
            examples_ok = all(("mintline " + w) in r.out for w in members)
            if r.rc != 0 or not lines_ok or not examples_ok or "examples:" not in r.out:
                bad.append((argv, r.rc, r.out[:300], r.err[:200]))
    t.ok(not bad, "every group (%d): help G and G --help, one line and an example per command" % len(groups),
         bad[:3])
    r = cli("caps", "--help")
    t.ok("role: treasury_manager" in r.out or re.search(r"role: [a-z_]+", r.out),
         "group help names the role a command needs", r.out)
    bad = []
    for w in rows:
        r = cli(*(w.split() + ["--help"]))
        if r.rc != 0 or "usage: mintline " + w not in r.out or "Example: mintline " + w not in r.out:
            bad.append((w, r.rc, r.out[:200], r.err[:200]))
    t.ok(not bad, "every command (%d): CMD --help exit 0 with usage and an example" % len(rows), bad[:3])
    r = cli("help", "mint")
    t.ok(r.rc == 0 and "Role: minter, globally or for the asset" in r.out, "help mint: its role", r)
    r = cli("timelock", "--help")
    t.ok(r.rc == 0 and "under `timelock`:" in r.out and "timelock execute ID" in r.out,
         "a command that is also a group lists the commands under it", r)


def test_completion():
    r = cli("completion", "bash")
    t.ok(r.rc == 0 and "complete -F _mintline mintline" in r.out, "completion bash: a bash script", r.err)
    d = tempfile.mkdtemp(prefix="ml-comp-")
    try:
        script = os.path.join(d, "c.bash")
        with open(script, "w") as f:
            f.write(r.out)
        probe = ("source %s\n"
                 "comp() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=(); "
                 "_mintline; echo \"${COMPREPLY[*]}\"; }\n"
                 "comp mintline na\ncomp mintline nav ''\ncomp mintline --json mint USDW --am\n"
                 "comp mintline bridge route ''\ncomp mintline help por ''\ncomp mintline completion ''\n") % script
        p = subprocess.run(["bash", "-c", probe], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        got = p.stdout.decode().splitlines()
        want = ["nav", "update force show fetch check-cache", "--amount", "set disable enable",
                "publish show proof verify", "bash zsh"]
        t.eq(got, want, "bash completes commands, group words and flags from the table")
    finally:
        shutil.rmtree(d)
    r = cli("completion", "zsh")
    t.ok(r.rc == 0 and r.out.startswith("#compdef mintline") and "compdef _mintline mintline" in r.out
         and "_mintline_next" in r.out, "completion zsh: a zsh completion function", r.err)
    if shutil.which("zsh"):
        p = subprocess.run(["zsh", "-n"], input=r.out.encode(), stderr=subprocess.PIPE, timeout=30)
        t.eq(p.returncode, 0, "zsh -n accepts it")
    r = cli("completion", "fish")
    t.ok(r.rc == 2 and "bash or zsh" in r.err, "completion fish: exit 2", r)


def test_man():
    r = cli("man")
    rows = rows_from_help()
    t.ok(r.rc == 0 and r.out.startswith(".\\\"") and "\n.TH MINTLINE 1 " in r.out and "\n.SH NAME\n" in r.out
         and "\n.SH SYNOPSIS\n" in r.out and "\n.SH COMMANDS\n" in r.out and "\n.SH EXIT STATUS\n" in r.out,
         "man: roff with TH, NAME, SYNOPSIS, COMMANDS, EXIT STATUS", r.err)
    tp = r.out.count("\n.TP\n.B ")
    t.ok(tp >= len(rows), "one .TP entry per command (%d for %d)" % (tp, len(rows)))
    if shutil.which("groff"):
        p = subprocess.run(["groff", "-man", "-Tutf8", "-ww"], input=r.out.encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        text = re.sub(r".\x08", "", p.stdout.decode(errors="replace"))
        missing = [w for w in rows if w not in text]
        t.ok(p.returncode == 0 and not p.stderr and not missing,
             "groff renders it without a warning, every command in the text", (p.stderr[:500], missing[:5]))
    p = subprocess.run(["make", "-s", "man"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    page = os.path.join(REPO, "build", "mintline.1")
    t.ok(p.returncode == 0 and os.path.exists(page) and "\n.SH COMMANDS\n" in open(page).read(),
         "make man writes build/mintline.1", p.stderr[-500:])


def test_stdin():
    r = cli("por", "verify", "-", "--offline", input=b"{}")
    t.ok(r.rc == 1 and "ERR_PROOF_INVALID" in r.err, "por verify - reads the proof from stdin (judged, not ERR_IO)", r)
    r = cli("por", "verify", "-", "--offline", input=b"not json")
    t.ok(r.rc == 1 and "is not a JSON proof" in r.err, "por verify -: a non-JSON stdin is a bad proof", r)
    rules = (b"groups:\n  - name: mine\n    rules:\n"
             b"      - {alert: MyRule, expr: 'mintline_node_writable == 0', labels: {severity: warning}}\n")
    r = cli("alerts", "rules", "--check", "-", input=rules)
    t.ok(r.rc == 0 and "1 new" in r.out, "alerts rules --check - checks the rule file on stdin", r)
    r = cli("alerts", "rules", "--check", "-", input=b"rules: [[[")
    t.ok(r.rc == 2 and "ERR_INVALID_CONFIG" in r.err, "alerts rules --check -: a bad file on stdin, exit 2", r)
    d = tempfile.mkdtemp(prefix="ml-stdin-")
    try:
        with open(os.path.join(REPO, "tests", "support", "genesis.yaml"), "rb") as f:
            genesis = f.read()
        r = cli("init", "--data", os.path.join(d, "data"), "--genesis", "-", input=genesis)
        t.ok(r.rc == 0 and os.path.exists(os.path.join(d, "data", "mintline.db")),
             "init --genesis - reads the genesis from stdin", r)
    finally:
        shutil.rmtree(d)


def test_api():
    r = cli("api", "GET", "/api/system/status")
    t.ok(r.rc == 0 and json.loads(r.out).get("assets") is not None, "api GET /api/system/status: exit 0, the document", r)
    r = cli("api", "get", "api/system/status")
    t.ok(r.rc == 0, "api: method case-insensitive, leading slash optional (as gh api)", r)
    r = cli("api", "GET", "/api/assets/NOPE/balances/%s" % TREASURY)
    t.ok(r.rc == 1 and "ERR_" in r.err and json.loads(r.out).get("error"), "api: a 4xx answer exits 1, printed", r)
    body = json.dumps({"op": "mint", "asset": "USDW", "to": TREASURY, "amount": "5"})
    r = cli("api", "POST", "/api/commands", body)
    t.ok(r.rc == 0 and json.loads(r.out).get("ok") is True and balance("USDW", TREASURY) == "5",
         "api POST /api/commands BODY: the mint is signed and done", r)
    r = cli("api", "POST", "/api/commands", "-", input=body.encode())
    t.ok(r.rc == 0 and balance("USDW", TREASURY) == "10", "api POST ... - : the body from stdin", r)
    r = cli("api", "POST", "/api/commands", '{"op": "mint"')
    t.ok(r.rc == 2 and "BODY is not JSON" in r.err and balance("USDW", TREASURY) == "10",
         "api: a body that is not JSON is a usage error, nothing sent", r)
    r = cli("api", "FETCH", "/api/system/status")
    t.ok(r.rc == 2 and "unknown METHOD" in r.err, "api: unknown method exit 2", r)
    r = cli("api", "GET", "/metrics")
    t.ok(r.rc == 0 and "mintline_" in r.out, "api GET /metrics: a text answer printed, exit 0", r.err)
    pend = json.dumps({"op": "caps.set", "asset": "USDW", "supply_cap": "2000000000"})
    r = cli("api", "POST", "/api/commands", pend)
    t.ok(r.rc == 4 and json.loads(r.out).get("pending"), "api: a 202 (timelocked) answer exits 4", r)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def test_batch():
    d = tempfile.mkdtemp(prefix="ml-batch-")
    try:
        lines = [{"op": "mint", "asset": "USDW", "to": OTHER, "amount": "7"},
                 {"op": "burn", "asset": "USDW", "from": addr(9, 0x7c), "amount": "1"},
                 {"op": "transfer", "asset": "USDW", "from": OTHER, "to": TREASURY, "amount": "2"}]
        text = "# a comment\n" + "\n".join(json.dumps(x) for x in lines) + "\n\n"
        f = write(os.path.join(d, "b.jsonl"), text)
        before = balance("USDW", OTHER)
        r = cli("batch", f, "--dry-run")
        t.ok(r.rc == 1 and balance("USDW", OTHER) == before and "dry run" in r.out,
             "batch --dry-run: per-line results, nothing changed", r)
        r = cli("batch", f, "--atomic")
        t.ok(r.rc == 1 and balance("USDW", OTHER) == before, "batch --atomic with a bad line: none applied, exit 1", r)
        r = cli("batch", f)
        out = r.out.splitlines()
        t.ok(r.rc == 1 and len(out) == 4 and re.match(r"^INDEX\s+LINE\s+RESULT$", out[0])
             and re.match(r"^0\s+2\s+ok seq \d+ block \d+$", out[1]) and re.match(r"^1\s+3\s+ERR_\w+: ", out[2])
             and re.match(r"^2\s+4\s+ok seq", out[3]), "batch: INDEX, LINE, RESULT per command; exit 1 (one failed)", r)
        t.eq(balance("USDW", OTHER), "5", "the two good commands applied")
        r = cli("batch", f, "--json")
        doc = json.loads(r.out)
        t.ok(r.rc == 1 and len(doc.get("results", [])) == 3, "batch --json: the node's document, exit 1", r)
        r = cli("batch", "-", input=(json.dumps(lines[0]) + "\n").encode())
        t.ok(r.rc == 0 and re.search(r"^0\s+1\s+ok seq", r.out, re.M), "batch -: the file on stdin", r)
        r = cli("batch", f, "--compact")
        compact = re.search(r"^3 commands in block \d+ from seq \d+: 2 ok, 1 failed$", r.out, re.M)
        full = re.match(r"^INDEX\s+LINE\s+RESULT$", r.out, re.M)
        t.ok(r.rc == 1 and (compact and re.search(r"^  1 \(line 3\) ERR_", r.out, re.M) or
                            full and "compact answers" in r.err),
             "batch --compact: the compact answer, or the full one from a node without it", r)
        t.eq(balance("USDW", OTHER), "22", "batch --compact applied the batch once (5, --json 5, stdin 7, 5)")
        bad = write(os.path.join(d, "bad.jsonl"), json.dumps(lines[0]) + "\n{\"op\": \n")
        r = cli("batch", bad)
        t.ok(r.rc == 2 and "line 2" in r.err, "batch: a malformed line is a usage error naming the line", r)
        r = cli("batch", write(os.path.join(d, "noop.jsonl"), '{"asset": "USDW"}\n'))
        t.ok(r.rc == 2 and "needs \"op\"" in r.err, "batch: a line without op, exit 2", r)
        r = cli("batch", os.path.join(d, "missing.jsonl"))
        t.ok(r.rc == 3 and "ERR_IO" in r.err, "batch: an unreadable file is I/O (3)", r)
    finally:
        shutil.rmtree(d)


def test_config():
    node = X.node
    cfg = os.path.join(node.home, "config.yaml")
    write(cfg, "node: %s\noperator: carol\nprofiles:\n  treasury: {operator: alice}\n"
               "  broken: {node: 'http://127.0.0.1:1'}\n" % node.url)
    bare = node.env(operator=None, node=False)
    try:
        r = cli("status", env=bare)
        t.ok(r.rc == 0, "the default config supplies node and operator (no flags, no environment)", r)
        mint = ["mint", "USDW", "--to", TREASURY, "--amount", "1"]
        r = cli(*mint, env=bare)
        t.ok(r.rc == 1 and "ERR_UNAUTHORIZED" in r.err, "the file's operator (carol, a viewer) signs", r)
        r = cli("--profile", "treasury", *mint, env=bare)
        t.ok(r.rc == 0, "--profile treasury: alice signs", r)
        r = cli(*mint, env=dict(bare, MINTLINE_PROFILE="treasury"))
        t.ok(r.rc == 0, "MINTLINE_PROFILE selects the profile too", r)
        r = cli(*mint, env=dict(bare, MINTLINE_OPERATOR="alice"))
        t.ok(r.rc == 0, "environment beats the file (MINTLINE_OPERATOR=alice)", r)
        r = cli("--operator", "carol", *mint, env=dict(bare, MINTLINE_OPERATOR="alice"))
        t.ok(r.rc == 1 and "ERR_UNAUTHORIZED" in r.err, "the flag beats the environment", r)
        r = cli("--profile", "broken", "status", env=bare)
        t.ok(r.rc == 3, "profile node (unreachable) beats the top-level node", r)
        r = cli("--profile", "broken", "status", env=dict(bare, MINTLINE_NODE=node.url))
        t.ok(r.rc == 0, "the environment's node beats the profile's", r)
        r = cli("--profile", "broken", "--node", node.url, "status", env=dict(bare, MINTLINE_NODE="http://127.0.0.1:1"))
        t.ok(r.rc == 0, "the flag's node beats the environment's", r)
        r = cli("--profile", "drlil", "status", env=bare)
        t.ok(r.rc == 2 and "no profile 'drlil' (profiles: treasury, broken)" in r.err,
             "an unknown profile: exit 2, the profiles listed", r)
        # key: relative to the file, used for the file's operator
        keys = os.path.join(node.root, "elsewhere")
        os.makedirs(keys, exist_ok=True)
        shutil.copyfile(os.path.join(node.home, "keys", "alice.key"), os.path.join(keys, "treasury.key"))
        os.chmod(os.path.join(keys, "treasury.key"), 0o600)
        other = write(os.path.join(node.root, "other.yaml"),
                      "node: %s\noperator: alice\nkey: elsewhere/treasury.key\n" % node.url)
        r = cli("--config", other, *mint, env=dict(bare, MINTLINE_HOME=os.path.join(node.root, "nohome")))
        t.ok(r.rc == 0, "--config FILE: node, operator and a key path relative to the file", r)
        r = cli("--config", os.path.join(node.root, "nope.yaml"), "status", env=bare)
        t.ok(r.rc == 3 and "ERR_IO" in r.err, "--config naming no file: a file that cannot be read, exit 3", r)
        write(cfg, "node: [\n")
        r = cli("status", env=bare)
        t.ok(r.rc == 2 and "ERR_INVALID_CONFIG" in r.err and "config.yaml" in r.err,
             "a config file that is not YAML: exit 2, named", r)
        # nav_sources still read from the same file (nav fetch's error names its section)
        write(cfg, "node: %s\noperator: alice\nnav_sources: {}\n" % node.url)
        r = cli("nav", "fetch", "AAXJF", env=bare)
        t.ok(r.rc == 2 and "config.yaml: nav_sources.AAXJF: not configured" in r.err,
             "nav fetch still reads nav_sources from the same file", r)
    finally:
        if os.path.exists(cfg):
            os.remove(cfg)


def main():
    X.node = Node(clock_manual=True)
    X.node.start()
    try:
        for name, fn in [("version", test_version_and_suggestions), ("help", test_help_everywhere),
                         ("completion", test_completion), ("man", test_man), ("stdin", test_stdin),
                         ("api", test_api), ("batch", test_batch), ("config", test_config)]:
            t.run(name, fn)
        t.ok(X.node.sanitizer() is None, "no sanitizer report from the node", X.node.sanitizer())
    finally:
        t.eq(X.node.stop(), 0, "node stops cleanly")
        X.node.cleanup()


main()
t.done()
