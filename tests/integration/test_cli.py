"""test_cli - the mintline CLI against a real node.

The morning routine (status, dry-run mint, mint, transfer, burn, balance,
account, history, events, pause/unpause, dev advance) on a manual-clock
node, checking exit codes, the short human output and that --json prints
exactly the API's document; then global flags and environment, keys, usage
and connection errors, init and genesis refusals, `events --follow`.
"""
import json
import os
import pty
import re
import select
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: E402
    Ed25519PrivateKey, Ed25519PublicKey)

from harness import GENESIS, TAP, Node, addr, free_port, run_cli, sanitizer_report  # noqa: E402
from mlclient import Client  # noqa: E402

t = TAP("cli")
TREASURY = addr(1, 0x7a)
CLIENT = addr(2, 0x7a)
OTHER = addr(3, 0x7a)
HEX64 = re.compile(r"^[0-9a-f]{64}$")


class Ctx:
    node = None
    carol = None


X = Ctx()


def cli(*args, **kw):
    r = X.node.cli(*args, **kw)
    rep = sanitizer_report(r.err)
    if rep:
        t.ok(False, "sanitizer report from `mintline %s`" % " ".join(map(str, args)), r.err[-3000:])
    return r


def api(path):
    st, doc = X.carol.get(path)
    assert st == 200, (path, st, doc)
    return doc


def one_json(r, name):
    """--json: exactly one JSON document on stdout."""
    try:
        doc = json.loads(r.out)
        ok = isinstance(doc, (dict, list)) and r.out.strip().count("\n") == 0
    except ValueError:
        doc, ok = None, False
    t.ok(ok, "%s: --json prints exactly one JSON document" % name, r)
    return doc


def shape(v):
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [shape(v[0])] if v else []
    return type(v).__name__


def cells(line):
    """Start offsets of the cells of a table line (cells are 2+ spaces apart)."""
    return [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", line)]


def aligned(lines):
    head = cells(lines[0])
    return len(lines) > 1 and all(cells(l)[:len(head)] == head[:len(cells(l))] and len(cells(l)) == len(head)
                                  for l in lines[1:])


def done_ok(r, name, words=()):
    t.ok(r.rc == 0 and all(w in r.out for w in words) and r.err == "",
         "%s: exit 0%s, nothing on stderr" % (name, (", says " + " / ".join(words)) if words else ""), r)


def rejected(r, code, name, rc=1):
    t.ok(r.rc == rc and re.search(r"^error: %s: \S" % code, r.err, re.M) is not None,
         "%s: exit %d, stderr 'error: %s: ...'" % (name, rc, code), r)


def no_escapes(r, name):
    t.ok("\x1b[" not in r.out and "\x1b[" not in r.err, "%s: no colour codes when not on a terminal" % name, r)


# ------------------------------------------------------------------ tests --

def test_help():
    r = cli("--help")
    t.ok(r.rc == 0 and r.out.startswith("usage: mintline") and r.err == "", "--help: exit 0, usage on stdout", r)
    for w in ("init", "serve", "status", "mint SYM", "burn SYM", "transfer SYM", "pause [SYM]", "balance SYM ADDR",
              "account show ADDR", "history", "events", "dev advance DURATION", "audit verify", "key new NAME",
              "--node URL", "--operator NAME", "--json", "--dry-run", "exit codes"):
        t.ok(w in r.out, "--help lists %r" % w, r.out)
    r2 = cli("-h")
    t.eq(r2.out, r.out, "-h is --help")
    r = cli("mint", "--help")
    t.ok(r.rc == 0 and "usage: mintline mint SYM --to ADDR --amount A" in r.out and "--dry-run" in r.out and
         r.err == "", "mint --help: exit 0, the usage line and the global flags", r)
    r2 = cli("help", "mint")
    t.eq(r2.out, r.out, "`help mint` is `mint --help`")
    r = cli("dev", "advance", "--help")
    t.ok(r.rc == 0 and "usage: mintline dev advance DURATION" in r.out, "dev advance --help", r)


def test_usage_errors():
    cases = [
        ("no command", []),
        ("unknown command", ["frobnicate"]),
        ("missing --amount", ["mint", "USDW", "--to", TREASURY]),
        ("missing SYM", ["mint", "--to", TREASURY, "--amount", "1"]),
        ("unknown flag", ["mint", "USDW", "--to", TREASURY, "--amount", "1", "--memo", "x"]),
        ("unexpected argument", ["status", "USDW", "EXTRA"]),
        ("flag without its value", ["mint", "USDW", "--amount", "1", "--to"]),
        ("flag value that looks like a flag", ["mint", "USDW", "--to", "--amount", "1"]),
        ("--json with a value", ["--json=1", "status"]),
        ("--operator twice", ["--operator", "alice", "--operator", "bob", "status"]),
        ("first word only of a two-word command", ["key"]),
        ("single-dash flag", ["status", "-x"]),
        ("serve --clock with a bad value", ["serve", "--data", "/nonexistent", "--clock", "sundial"]),
        ("--node that is not a URL", ["--node", "ftp://x", "status"]),
    ]
    for name, args in cases:
        r = cli(*args)
        t.ok(r.rc == 2 and "error: ERR_USAGE" in r.err and r.out == "", "usage error (%s): exit 2, ERR_USAGE" % name, r)
    r = cli("status", env=X.node.env(operator=None))
    t.ok(r.rc == 2 and "MINTLINE_OPERATOR" in r.err and r.out == "",
         "no operator anywhere: exit 2 and says how to give one", r)
    r = cli("key", "new", "Bad Name")
    t.ok(r.rc == 2 and "ERR_INVALID_NAME" in r.err, "key new with an invalid name: exit 2", r)
    r = cli("--operator", "Bad!", "status")
    t.ok(r.rc == 2 and "ERR_INVALID_NAME" in r.err, "an invalid operator name: exit 2", r)


def test_node_down():
    port = free_port()
    url = "http://127.0.0.1:%d" % port
    for args in (["status"], ["mint", "USDW", "--to", TREASURY, "--amount", "1"], ["balance", "USDW", TREASURY],
                 ["history"], ["events"]):
        r = cli("--node", url, *args)
        t.ok(r.rc == 3 and re.search(r"^error: ERR_\w+: ", r.err, re.M) and r.out == "",
             "node down: `%s` exits 3 with an error line" % args[0], r)
    r = cli("--node", url, "--json", "status")
    t.ok(r.rc == 3 and r.out == "", "node down with --json: exit 3, nothing on stdout", r)


def test_status():
    r = cli("status")
    done_ok(r, "status", ("height", "clock manual", "ASSET", "AAXJF", "USDW", "USDC"))
    lines = r.out.splitlines()
    t.ok(len(lines) > 1 and lines[0].startswith("ledger ") and "height 0" in lines[1],
         "status: first the ledger and node, then now and the last block", lines[:2])
    start = next((i for i, l in enumerate(lines) if l.startswith("ASSET")), len(lines))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    table = lines[start:end]
    t.ok(len(table) == 4 and aligned(table), "status: the asset table is aligned", "\n".join(table))
    t.ok(lines[end + 1:] == ["AAXJF  NAV 1, 0s old (fresh)  ok"], "status: then the fund's NAV in words",
         "\n".join(lines[end:]))
    t.ok(any(re.search(r"^USDW\s+plain\s+0\s+0% ok\s+0/5,000,000 \(0%\) ok\s+0/4,000,000 \(0%\) ok\s+0\s+no$", l)
             for l in table), "status: the USDW row shows kind, supply, cap use, limits, holders, pause", table)
    t.ok(len(lines) < 16 and all(len(l) < 120 for l in lines), "status: short output", r.out)
    no_escapes(r, "status")
    r = cli("status", "--json")
    doc = one_json(r, "status")
    t.eq(doc, api("/api/system/status"), "status --json equals GET /api/system/status")
    r = cli("status", "USDW")
    done_ok(r, "status USDW", ("USDW", "plain"))
    t.ok(len(r.out.splitlines()) == 2 and aligned(r.out.splitlines()), "status USDW: header and one aligned row", r.out)
    r = cli("--json", "status", "USDW")
    t.eq(one_json(r, "status USDW"), api("/api/assets/USDW"), "status USDW --json equals GET /api/assets/USDW")
    r = cli("status", "NOPE")
    rejected(r, "ERR_UNKNOWN_ASSET", "status NOPE")


def test_morning_routine():
    h0 = api("/api/system/status")["node"]["height"]
    r = cli("mint", "USDW", "--to", TREASURY, "--amount", "250000", "--dry-run")
    done_ok(r, "mint --dry-run", ("dry run: would mint 250000 USDW to " + TREASURY,
                                  "event Mint USDW to=%s amount=250000" % TREASURY))
    t.eq(api("/api/system/status")["node"]["height"], h0, "mint --dry-run: nothing applied (height unchanged)")
    t.eq(api("/api/assets/USDW")["supply"], "0", "mint --dry-run: supply unchanged")
    r = cli("--dry-run", "--json", "mint", "USDW", "--to", TREASURY, "--amount", "250000")
    doc = one_json(r, "mint --dry-run --json")
    st, want = X.node.client("alice").command({"op": "mint", "asset": "USDW", "to": TREASURY, "amount": "250000",
                                               "dry_run": True})
    t.ok(doc == want, "mint --dry-run --json equals the API's dry-run answer", (doc, want))

    r = cli("mint", "USDW", "--to", TREASURY, "--amount", "250000")
    done_ok(r, "mint", ("minted 250000 USDW to " + TREASURY,))
    m = re.search(r"\(seq (\d+), block (\d+)\)", r.out)
    hist = api("/api/history?limit=1")["history"]
    t.ok(m and hist and int(m.group(1)) == hist[0]["seq"] and int(m.group(2)) == hist[0]["block"],
         "mint: the seq and block printed are the journal's", (r.out, hist))
    t.ok(len(r.out.splitlines()) == 1, "mint: one line of output", r.out)
    r = cli("--json", "mint", "USDW", "--to", TREASURY, "--amount", "2.5")
    doc = one_json(r, "mint")
    ev = (doc or {}).get("events", [{}])[0]
    t.ok(doc and doc.get("ok") is True and isinstance(doc.get("seq"), int) and ev.get("type") == "Mint" and
         ev.get("data") == {"to": TREASURY, "amount": "2.5"}, "mint --json: the API result with its event", doc)
    st, want = X.node.client("alice").command({"op": "mint", "asset": "USDC", "to": OTHER, "amount": "1"})
    t.eq(shape(doc), shape(want), "mint --json has the shape of the API's answer")

    # The API reads SPEC 2's canonical form only; the CLI writes what was typed canonically.
    r = cli("transfer", "USDW", "--from", TREASURY, "--to", CLIENT, "--amount", "1200.50")
    done_ok(r, "transfer", ("transferred 1200.5 USDW", "from " + TREASURY, "to " + CLIENT))
    hist = api("/api/history?limit=1")["history"]
    t.ok(hist and hist[0]["args"].get("amount") == "1200.5",
         "transfer --amount 1200.50: the signed command carries 1200.5", hist)
    r = cli("burn", "USDW", "--from", TREASURY, "--amount", "10000")
    done_ok(r, "burn", ("burned 10000 USDW from " + TREASURY,))
    r = cli("--json", "burn", "USDW", "--from", TREASURY, "--amount", "0.5")
    doc = one_json(r, "burn")
    t.ok(doc and doc.get("events", [{}])[0].get("type") == "Burn", "burn --json: Burn event", doc)

    r = cli("balance", "USDW", CLIENT)
    done_ok(r, "balance", ("1,200.5", "USDW"))
    lines = r.out.splitlines()
    t.ok(len(lines) == 2 and lines[0].split() == ["balance", "1,200.5", "USDW"] and
         lines[1].split() == ["frozen", "0", "USDW"] and lines[0].index("1,200.5") == lines[1].index("0 USDW"),
         "balance: two aligned lines, balance and frozen", r.out)
    r = cli("balance", "USDW", CLIENT, "--json")
    t.eq(one_json(r, "balance"), api("/api/assets/USDW/balances/" + CLIENT),
         "balance --json equals GET /api/assets/USDW/balances/ADDR")
    r = cli("balance", "USDW", CLIENT.upper().replace("0X", "0x"), "--json")
    t.eq((one_json(r, "balance with upper-case address") or {}).get("address"), CLIENT,
         "balance of an upper-case address answers lower-case")
    r = cli("balance", "USDW", "0x1234")
    rejected(r, "ERR_INVALID_ADDRESS", "balance of a bad address (found by the CLI: usage)", rc=2)

    r = cli("account", "show", TREASURY)
    done_ok(r, "account show", (TREASURY, "blacklisted", "USDW", "238,801.5"))
    lines = [l for l in r.out.splitlines() if l]
    head = [l for l in lines if l.split()[0] in ("address", "blacklisted", "frozen", "identity")]
    t.ok(len(head) == 4 and len(set(cells(l)[1] if len(cells(l)) == 2 else -1 for l in head)) == 1,
         "account show: key/value lines aligned", r.out)
    tab = [l for l in lines if l.startswith(("ASSET", "USDW"))]
    t.ok(len(tab) == 2 and aligned(tab), "account show: balance table aligned", r.out)
    r = cli("--json", "account", "show", TREASURY)
    t.eq(one_json(r, "account show"), api("/api/accounts/" + TREASURY), "account show --json equals GET /api/accounts/ADDR")

    r = cli("history", "--limit", "4")
    done_ok(r, "history", ("SEQ", "OPERATOR", "RESULT", "burn", "transfer", "mint"))
    lines = r.out.splitlines()
    t.ok(len(lines) == 5 and lines[0].split()[:6] == ["SEQ", "BLOCK", "TIME", "OPERATOR", "OP", "RESULT"] and
         aligned(lines), "history: header and 4 aligned rows", r.out)
    r = cli("history", "--limit", "3", "--json")
    t.eq(one_json(r, "history"), api("/api/history?limit=3"), "history --json equals GET /api/history?limit=3")
    r = cli("--json", "history", "--op", "burn", "--limit", "50")
    doc = one_json(r, "history --op burn") or {}
    t.ok(doc.get("history") and all(e["op"] == "burn" for e in doc["history"]), "history --op burn: only burns", doc)

    r = cli("events", "--recent", "3")
    done_ok(r, "events", ("SEQ", "OPERATOR", "TYPE", "Burn", "Transfer", "alice"))
    lines = r.out.splitlines()
    t.ok(len(lines) == 4 and aligned(lines), "events: header and 3 aligned rows", r.out)
    r = cli("events", "--recent", "3", "--json")
    t.eq(one_json(r, "events"), api("/api/events/recent?limit=3"), "events --json equals GET /api/events/recent?limit=3")
    r = cli("--json", "events", "--type", "Mint", "--asset", "USDW", "--recent", "100")
    doc = one_json(r, "events --type --asset") or {}
    t.ok(doc.get("events") and all(e["type"] == "Mint" and e["asset"] == "USDW" for e in doc["events"]),
         "events --type Mint --asset USDW: filtered", doc)
    r = cli("events", "--type", "Nope")
    rejected(r, "ERR_INVALID_ARGUMENT", "events --type Nope (checked before the node is asked)", rc=2)


def test_pause():
    r = cli("pause")
    done_ok(r, "pause", ("paused everything",))
    r = cli("pause")
    done_ok(r, "pause again", ("already paused",))
    r = cli("mint", "USDW", "--to", TREASURY, "--amount", "1")
    rejected(r, "ERR_PAUSED", "mint while paused")
    t.eq(r.out, "", "a rejection prints nothing on stdout")
    r = cli("--json", "mint", "USDW", "--to", TREASURY, "--amount", "1")
    doc = one_json(r, "rejected mint")
    t.ok(r.rc == 1 and doc and doc.get("ok") is False and doc.get("error", {}).get("code") == "ERR_PAUSED",
         "rejected mint --json: exit 1 and the API's error document", r)
    r = cli("unpause")
    done_ok(r, "unpause", ("unpaused everything",))
    r = cli("pause", "USDW", "--operator", "bob")
    done_ok(r, "bob pauses USDW (flag after the subcommand)", ("paused USDW",))
    t.eq(api("/api/history?limit=1")["history"][0]["operator"], "bob", "pause USDW was signed by bob")
    r = cli("transfer", "USDW", "--from", TREASURY, "--to", CLIENT, "--amount", "1")
    rejected(r, "ERR_PAUSED", "transfer of a paused asset")
    r = cli("mint", "USDC", "--to", TREASURY, "--amount", "1")
    done_ok(r, "USDC mints while USDW is paused", ("minted 1 USDC",))
    r = cli("--dry-run", "unpause", "USDW")
    done_ok(r, "unpause USDW --dry-run", ("dry run: would unpause USDW",))
    t.ok(api("/api/assets/USDW")["paused"] is True, "the dry run left USDW paused", api("/api/assets/USDW"))
    r = cli("unpause", "USDW")
    done_ok(r, "unpause USDW", ("unpaused USDW",))


def test_dev_advance():
    t0 = api("/api/system/status")["node"]["time"]
    r = cli("dev", "advance", "1d")
    done_ok(r, "dev advance 1d", ("advanced the ledger clock by 1d",))
    t1 = api("/api/system/status")["node"]["time"]
    t.ok(_ms(t1) - _ms(t0) == 86400000, "dev advance 1d: the node's time moved one day", (t0, t1))
    r = cli("--json", "dev", "advance", "90s")
    doc = one_json(r, "dev advance")
    t.ok(doc and doc.get("events", [{}])[0].get("data") == {"duration": "90s"}, "dev advance --json: ClockAdvanced", doc)
    r = cli("dev", "advance", "soon")
    rejected(r, "ERR_INVALID_DURATION", "dev advance soon (found by the CLI: usage)", rc=2)
    r = cli("--operator", "bob", "dev", "advance", "1h")
    rejected(r, "ERR_UNAUTHORIZED", "bob advances the clock")


def _ms(iso):
    import calendar
    return calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S")) * 1000 + int(iso[20:23])


def test_rejections():
    r = cli("--operator", "carol", "mint", "USDW", "--to", TREASURY, "--amount", "1")
    rejected(r, "ERR_UNAUTHORIZED", "carol mints")
    r = cli("burn", "USDC", "--from", CLIENT, "--amount", "1000000")
    rejected(r, "ERR_INSUFFICIENT_BALANCE", "burn more than the balance")
    r = cli("mint", "USDW", "--to", TREASURY, "--amount", "1e3")
    rejected(r, "ERR_INVALID_AMOUNT", "mint 1e3 (found by the CLI: usage)", rc=2)
    r = cli("mint", "USDW", "--to", TREASURY, "--amount", "-5")
    rejected(r, "ERR_INVALID_AMOUNT", "mint -5 (found by the CLI: usage)", rc=2)
    r = cli("mint", "NOPE", "--to", TREASURY, "--amount", "1")
    rejected(r, "ERR_UNKNOWN_ASSET", "mint NOPE")
    r = cli("mint", "USDW", "--to", "0xnothex", "--amount", "1")
    rejected(r, "ERR_INVALID_ADDRESS", "mint to a bad address (found by the CLI: usage)", rc=2)
    r = cli("mint", "USDW", "--to", TREASURY, "--amount", "1000000001")
    rejected(r, "ERR_SUPPLY_CAP", "mint over the cap")
    r = cli("--operator", "alice", "--key", os.path.join(X.node.home, "keys", "bob.key"), "status")
    rejected(r, "ERR_AUTH_SIGNATURE", "--key of another operator")
    r = cli("--operator", "mallory", "--key", os.path.join(X.node.home, "keys", "bob.key"), "status")
    rejected(r, "ERR_AUTH_OPERATOR", "an operator the node does not know")
    r = cli("--operator", "zoe", "status")
    t.ok(r.rc == 3 and "key new zoe" in r.err, "operator without a key file: exit 3, says `key new`", r)


def test_flags_and_env():
    url = X.node.url
    base = X.node.env(operator=None, node=False)
    r = cli("--node", url, "--operator", "alice", "--json", "status", env=base)
    t.ok(r.rc == 0 and one_json(r, "global flags before"), "global flags before the subcommand", r)
    r = cli("status", "--json", "--operator", "alice", "--node", url, env=base)
    t.ok(r.rc == 0 and one_json(r, "global flags after"), "global flags after the subcommand", r)
    r = cli("mint", "USDC", "--node", url, "--to", OTHER, "--operator", "bob", "--amount", "1", env=base)
    rejected(r, "ERR_UNAUTHORIZED", "global flags between command flags (bob mints USDC)")
    t.eq(api("/api/history?limit=1")["history"][0]["operator"], "bob", "--operator after the subcommand signs as bob")
    r = cli("--dry-run", "mint", "USDW", "--to", OTHER, "--amount", "1", "--node", url, "--operator", "bob", env=base)
    done_ok(r, "--dry-run before and --node/--operator after", ("dry run: would mint 1 USDW",))
    env = X.node.env(operator="alice")
    r = cli("mint", "USDC", "--to", OTHER, "--amount", "2", env=env)
    done_ok(r, "MINTLINE_NODE and MINTLINE_OPERATOR from the environment", ("minted 2 USDC",))
    env = X.node.env(operator="carol")
    r = cli("--operator", "alice", "mint", "USDC", "--to", OTHER, "--amount", "3", env=env)
    done_ok(r, "--operator beats MINTLINE_OPERATOR", ("minted 3 USDC",))
    env = dict(env, MINTLINE_NODE="http://127.0.0.1:%d" % free_port())
    r = cli("--node", url, "status", env=env)
    t.ok(r.rc == 0, "--node beats MINTLINE_NODE", r)
    r = cli("--operator", "alice", "status", env=env)
    t.ok(r.rc == 3, "MINTLINE_NODE is used when --node is absent (a dead node: exit 3)", r)
    r = cli("history", "--operator", "bob", "--limit", "5", "--json", env=X.node.env(operator="carol"))
    doc = one_json(r, "history --operator filter") or {}
    t.ok(r.rc == 0 and doc.get("history") and all(e["operator"] == "bob" for e in doc["history"]),
         "`history --operator bob` filters (signed by MINTLINE_OPERATOR carol)", r)
    r = cli("--operator", "carol", "history", "--limit", "2")
    t.ok(r.rc == 0, "`--operator carol history` signs as carol", r)
    loose = os.path.join(X.node.root, "loose.key")
    with open(os.path.join(X.node.home, "keys", "alice.key")) as f, open(loose, "w") as g:
        g.write(f.read())
    os.chmod(loose, 0o644)
    r = cli("--operator", "alice", "--key", loose, "status")
    t.ok(r.rc == 0 and "warning:" in r.err and "chmod 600" in r.err and "ERR_" not in r.err,
         "a key readable by others works with a warning on stderr", r)
    r = cli("--node", url + "/", "--operator", "alice", "status", env=base)
    t.ok(r.rc == 0 and "height" in r.out, "--node with a trailing slash works", r)
    r = cli("--node", url.replace("127.0.0.1", "localhost"), "--operator", "alice", "status", env=base)
    t.ok(r.rc == 0, "--node with localhost works", r)
    nonl = os.path.join(X.node.root, "nonl.key")
    with open(os.path.join(X.node.home, "keys", "alice.key")) as f, open(nonl, "w") as g:
        g.write(f.read().strip())
    os.chmod(nonl, 0o600)
    r = cli("--operator", "alice", "--key", nonl, "status")
    t.ok(r.rc == 0 and r.err == "", "a key file without a final newline works", r)
    r = cli("--config", "/nonexistent/config.yaml", "status")
    t.ok(r.rc == 3 and "ERR_IO" in r.err, "--config naming a missing file: I/O, exit 3", r)
    r = cli("status", env=X.node.env(NO_COLOR=None))
    no_escapes(r, "status without NO_COLOR, piped")
    r = cli("mint", "USDW", "--to", TREASURY, "--amount", "-1", env=X.node.env(NO_COLOR=None))
    no_escapes(r, "an error without NO_COLOR, piped")
    _tty_colour()


def _tty_colour():
    """On a terminal the error label is coloured, unless NO_COLOR is set."""
    try:
        os.close(os.open("/dev/ptmx", os.O_RDWR))
    except OSError:
        t.ok(True, "stderr on a terminal: coloured # SKIP no pseudo-terminal here")
        return

    def run_on_pty(env):
        master, slave = pty.openpty()
        p = subprocess.Popen([X.node.binary, "frobnicate"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=slave, env=env)
        os.close(slave)
        out = b""
        deadline = time.time() + 20
        while time.time() < deadline:
            rl, _, _ = select.select([master], [], [], 0.2)
            if rl:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            elif p.poll() is not None:
                break
        p.wait(timeout=20)
        os.close(master)
        return out.decode(errors="replace")
    coloured = run_on_pty(X.node.env(NO_COLOR=None))
    plain = run_on_pty(X.node.env(NO_COLOR="1"))
    t.ok("\x1b[" in coloured and "ERR_USAGE" in coloured, "stderr on a terminal: the error label is coloured",
         repr(coloured))
    t.ok("\x1b[" not in plain and "ERR_USAGE" in plain, "stderr on a terminal with NO_COLOR: no colour", repr(plain))


def test_keys():
    home = os.path.join(X.node.root, "keyhome")
    os.makedirs(home)
    env = dict(X.node.env(), MINTLINE_HOME=home)
    r = run_cli(X.node.binary, ["key", "new", "dave"], env=env)
    path = os.path.join(home, "keys", "dave.key")
    pub = r.out.strip()
    t.ok(r.rc == 0 and HEX64.match(pub) and r.out == pub + "\n", "key new dave: exit 0, prints 64 hex digits", r)
    mode = stat.S_IMODE(os.stat(path).st_mode) if os.path.exists(path) else None
    t.eq(mode, 0o600, "key new: the key file has mode 0600")
    with open(path) as f:
        text = f.read()
    t.ok(re.match(r"^[0-9a-f]{64}\n?$", text) is not None, "key new: the file is one line of 64 hex digits", repr(text))
    seed = bytes.fromhex(text.strip())
    sk = Ed25519PrivateKey.from_private_bytes(seed)
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    py_pub = sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    t.eq(py_pub, pub, "key new: Python's cryptography derives the same public key from the seed")
    msg = b"mintline-v1\nGET\n/api/system/status\n1\nn\n" + b"0" * 64
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(pub)).verify(sk.sign(msg), msg)
        verified = True
    except Exception:  # noqa: BLE001 - InvalidSignature
        verified = False
    t.ok(verified, "a signature made in Python with the seed verifies against the printed public key")
    r = run_cli(X.node.binary, ["key", "new", "dave"], env=env)
    with open(path) as f:
        same = f.read() == text
    t.ok(r.rc == 1 and "ERR_KEY_EXISTS" in r.err and same and r.out == "",
         "key new over an existing key: exit 1, ERR_KEY_EXISTS, file untouched", r)
    r = run_cli(X.node.binary, ["key", "show", "dave"], env=env)
    t.ok(r.rc == 0 and r.out == pub + "\n", "key show dave prints the same public key", r)
    r = run_cli(X.node.binary, ["--json", "key", "show", "dave"], env=env)
    doc = one_json(r, "key show")
    t.ok(doc and doc.get("pubkey") == pub and doc.get("name") == "dave", "key show --json: name and pubkey", doc)
    r = run_cli(X.node.binary, ["key", "show", "nobody"], env=env)
    t.ok(r.rc != 0 and "ERR_" in r.err and r.out == "", "key show of a missing key fails", r)

    # End to end: a ledger whose operator is the new key, used by the CLI and by Python.
    genesis = os.path.join(home, "genesis.yaml")
    with open(genesis, "w") as f:
        f.write("operators:\n  - name: dave\n    pubkey: %s\n    roles: [admin, minter]\n"
                "assets:\n  - symbol: USDC\n    kind: plain\n    decimals: 6\n" % pub)
    n2 = Node(genesis=genesis)
    try:
        shutil_copy(path, os.path.join(n2.home, "keys", "dave.key"))
        n2.start()
        r = n2.cli("mint", "USDC", "--to", OTHER, "--amount", "5", operator="dave")
        t.ok(r.rc == 0 and "minted 5 USDC" in r.out, "a ledger keyed by `key new`: the CLI signs as dave", r)
        c = Client("127.0.0.1", n2.port, "dave", sk)
        st, doc = c.command({"op": "mint", "asset": "USDC", "to": OTHER, "amount": "7"})
        t.ok(st == 200 and doc.get("ok") is True, "the same key from Python's cryptography: the node accepts it", doc)
        st, doc = c.get("/api/assets/USDC/balances/" + OTHER)
        t.eq(doc.get("balance"), "12", "both mints applied")
        t.eq(n2.stop(), 0, "second node stops cleanly")
        t.ok(n2.sanitizer() is None, "second node: no sanitizer report", n2.sanitizer())
    finally:
        n2.cleanup()


def shutil_copy(src, dst):
    with open(src, "rb") as f, open(dst, "wb") as g:
        g.write(f.read())
    os.chmod(dst, 0o600)


BAD_GENESIS = {
    "YAML syntax error": "operators: [\n",
    "empty file": "",
    "not a mapping": "- a\n- b\n",
    "no operators": "operators: []\nassets: []\n",
    "short pubkey": "operators:\n  - name: alice\n    pubkey: %s\n    roles: [admin]\n" % ("ab" * 31 + "a"),
    "unknown role": "operators:\n  - name: alice\n    pubkey: %s\n    roles: [admin, wizard]\n" % ("ab" * 32),
    "role for an unknown asset": "operators:\n  - name: alice\n    pubkey: %s\n    roles: [admin, minter@NOPE]\n" % ("ab" * 32),
    "bad operator name": "operators:\n  - name: Alice\n    pubkey: %s\n    roles: [admin]\n" % ("ab" * 32),
    "lower-case symbol": "operators:\n  - name: alice\n    pubkey: %s\n    roles: [admin]\n"
                         "assets:\n  - symbol: usdw\n    kind: fiat\n    decimals: 6\n" % ("ab" * 32),
    "decimals 19": "operators:\n  - name: alice\n    pubkey: %s\n    roles: [admin]\n"
                   "assets:\n  - symbol: USDW\n    kind: fiat\n    decimals: 19\n" % ("ab" * 32),
    "unknown kind": "operators:\n  - name: alice\n    pubkey: %s\n    roles: [admin]\n"
                    "assets:\n  - symbol: USDW\n    kind: coin\n    decimals: 6\n" % ("ab" * 32),
    "duplicate asset": "operators:\n  - name: alice\n    pubkey: %s\n    roles: [admin]\n"
                       "assets:\n  - {symbol: USDW, kind: fiat, decimals: 6}\n  - {symbol: USDW, kind: plain, decimals: 6}\n"
                       % ("ab" * 32),
    "supply cap with an exponent": "operators:\n  - name: alice\n    pubkey: %s\n    roles: [admin]\n"
                                   "assets:\n  - {symbol: USDW, kind: fiat, decimals: 6, supply_cap: \"1e9\"}\n" % ("ab" * 32),
    "unknown top-level key": "operators:\n  - name: alice\n    pubkey: %s\n    roles: [admin]\nfrobs: 1\n" % ("ab" * 32),
    "unknown controller": "operators:\n  - name: alice\n    pubkey: %s\n    roles: [admin]\ncontroller: zed\n" % ("ab" * 32),
    "a list": "- operators\n- assets\n",
    # found by fuzz_genesis: a document that is one scalar was ERR_INTERNAL (exit 3);
    # a second document or garbage after the first was ignored; a long key cut
    # inside a UTF-8 character was dropped, so an unknown key passed
    "a lone scalar": "hello\n",
    "a second document": "operators:\n  - name: alice\n    pubkey: %s\n    roles: [admin]\nassets: []\n"
                         "---\nassets: [{symbol: X, kind: nope}]\n" % ("ab" * 32),
    "garbage after the document": "{operators: [{name: alice, pubkey: %s, roles: [admin]}], assets: []}"
                                  " ]]] x\n" % ("ab" * 32),
    "a long unknown key": "operators:\n  - name: alice\n    pubkey: %s\n    roles: [admin]\nassets: []\n"
                          "\"%s\\u00e9\": 1\n" % ("ab" * 32, "x" * 126),
}


def test_init():
    r = cli("init", "--data", X.node.data, "--genesis", GENESIS)
    rejected(r, "ERR_DATA_EXISTS", "init over an existing ledger")
    r = cli("audit", "verify", "--data", X.node.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "the refused init left the ledger intact (audit ok)", r)
    for name, text in sorted(BAD_GENESIS.items()):
        d = os.path.join(X.node.root, "g-" + re.sub(r"\W+", "-", name))
        os.makedirs(d)
        g = os.path.join(d, "genesis.yaml")
        with open(g, "w") as f:
            f.write(text)
        data = os.path.join(d, "data")
        r = cli("init", "--data", data, "--genesis", g)
        t.ok(r.rc in (1, 2) and "ERR_INVALID_GENESIS" in r.err and r.out == "",
             "malformed genesis (%s): ERR_INVALID_GENESIS" % name, r)
        r2 = cli("init", "--data", data, "--genesis", GENESIS)
        t.ok(r2.rc == 0, "malformed genesis (%s): no ledger left behind (a good init then works)" % name, r2)
    r = cli("init", "--data", os.path.join(X.node.root, "g-missing"), "--genesis", "/nonexistent/genesis.yaml")
    t.ok(r.rc == 3 and "ERR_IO" in r.err, "init with a missing genesis file: exit 3, ERR_IO", r)
    r = cli("init", "--data", os.path.join(X.node.root, "g-none"))
    t.ok(r.rc == 2, "init without --genesis: exit 2", r)
    home = os.path.join(X.node.root, "home-default")
    os.makedirs(home)
    env = dict(X.node.env(), MINTLINE_HOME=home)
    r = run_cli(X.node.binary, ["init", "--genesis", GENESIS], env=env)
    t.ok(r.rc == 0 and os.path.exists(os.path.join(home, "data", "mintline.db")),
         "init without --data creates $MINTLINE_HOME/data", r)
    r = run_cli(X.node.binary, ["audit", "verify", "--data", os.path.join(home, "data")], env=env)
    t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify --data $MINTLINE_HOME/data", r)
    empty = os.path.join(X.node.root, "empty")
    os.makedirs(empty)
    r = cli("serve", "--data", empty, "--listen", "127.0.0.1:%d" % free_port(), timeout=30)
    t.ok(r.rc != 0 and "ERR_" in r.err, "serve on a directory without a ledger fails with an error", r)
    r = cli("audit", "verify", "--data", empty)
    t.ok(r.rc != 0 and "ERR_" in r.err, "audit verify on a directory without a ledger fails", r)


def test_follow():
    p = subprocess.Popen([X.node.binary, "events", "--follow", "--json", "--recent", "2"], env=X.node.env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        lines = _read_lines(p, 2, 15)
        t.ok(len(lines) == 2 and all(json.loads(l).get("type") for l in lines),
             "events --follow --json: the recent events, one JSON object per line", lines)
        old = [json.loads(l)["seq"] for l in lines]
        t.ok(len(old) == 2 and old[0] < old[1], "events --follow: oldest first", old)
        r = cli("mint", "USDC", "--to", CLIENT, "--amount", "4.25")
        new = _read_lines(p, 1, 15)
        ev = json.loads(new[0]) if new else {}
        t.ok(ev.get("type") == "Mint" and ev.get("data") == {"to": CLIENT, "amount": "4.25"},
             "events --follow: a new mint arrives as a line", new)
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = "timeout"
    t.eq(rc, 0, "events --follow: SIGTERM ends it with exit 0")


def test_follow_fresh():
    """--follow started before the ledger's first event must print it."""
    n = Node()
    try:
        n.start()
        p = subprocess.Popen([n.binary, "events", "--follow", "--json"], env=n.env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        try:
            time.sleep(1.2)  # the first poll finds no event
            for amount in ("1", "2"):
                r = n.cli("mint", "USDC", "--to", CLIENT, "--amount", amount)
                t.ok(r.rc == 0, "fresh ledger: mint %s USDC" % amount, r)
            lines = _read_lines(p, 2, 3.5)
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        got = [json.loads(l).get("data", {}).get("amount") for l in lines]
        t.eq(got, ["1", "2"], "events --follow on a ledger without events: the first event (seq 0) is printed")
        n.stop()
    finally:
        n.cleanup()


def _read_lines(p, n, timeout):
    out = []
    deadline = time.time() + timeout
    fd = p.stdout.fileno()
    buf = b""
    while len(out) < n and time.time() < deadline:
        rl, _, _ = select.select([fd], [], [], 0.2)
        if rl:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf and len(out) < n:
                line, buf = buf.split(b"\n", 1)
                out.append(line.decode())
    return out


def test_wall_clock():
    w = Node(clock_manual=False).start()
    try:
        r = w.cli("dev", "advance", "1d")
        rejected(r, "ERR_CLOCK_NOT_MANUAL", "dev advance on a wall-clock node")
        r = w.cli("status")
        t.ok(r.rc == 0 and "clock wall" in r.out, "status on a wall-clock node says clock wall", r)
    finally:
        t.eq(w.stop(), 0, "wall-clock node stops cleanly")
        w.cleanup()


def test_audit():
    r = cli("audit", "verify", "--data", X.node.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify while the node runs", r)
    t.eq(X.node.stop(), 0, "node stops on SIGTERM with exit 0")
    t.ok(X.node.sanitizer() is None, "node log: no sanitizer report", X.node.sanitizer())
    r = cli("audit", "verify", "--data", X.node.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify with the node stopped", r)
    r = cli("status")
    t.ok(r.rc == 3, "status with the node stopped: exit 3", r)


def main():
    X.node = Node(clock_manual=True).start()
    X.carol = X.node.client("carol")
    tests = [test_help, test_usage_errors, test_node_down, test_status, test_morning_routine, test_pause,
             test_dev_advance, test_rejections, test_flags_and_env, test_keys, test_init, test_follow, test_follow_fresh,
             test_wall_clock, test_audit]
    for fn in tests:
        t.run(fn.__name__[5:], fn)
    X.node.cleanup()
    t.done()


if __name__ == "__main__":
    main()
