"""test_human_output - the human output of the CLI (issue 13 items 11 and 12)
against a real node on a manual clock:

- a fund whose NAV is 29h 10m old reads "29h 10m" in `status` and `nav show`,
  marked critical; key ages and timelock "due in" are durations;
- usage as percentages with the runbooks' markers (daily limits 80/95 %,
  supply cap 90/98 %): "warn 80%", "critical 95%", "critical 98%";
- thousands separators in table cells ("1,984,567.5"), never in key=value
  text, so an amount copied from history or events parses again;
- a mint typed as "1234567.50": history and events both show
  amount=1234567.5 (one canonical spelling), which parses back as --amount;
- roles as text ("pauser,viewer", "minter@USDC"), no JSON in any table;
  a value with a space quoted (title="morning check");
- `status` as the morning read: ledger (short genesis hash), node URL, store,
  clock, now and the last block, writable, proposals waiting and timelock
  entries due; `status --json` keeps its fields and adds genesis_hash, now,
  governance;
- colour only on a terminal: a pty without NO_COLOR gets escapes, NO_COLOR or
  a pipe gets none.
"""
import os
import pty
import re
import select
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import Node, TAP, genesis_file  # noqa: E402

t = TAP("human_output")

HOLDER = "0x" + "ab" * 20
OTHER = "0x" + "cd" * 20

GENESIS = """\
operators:
  - name: alice
    pubkey: a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800
    roles: [admin, minter, burner, pauser, treasury_manager, oracle_manager, oracle_updater, incident_manager]
  - name: bob
    pubkey: ca9c298168ea53bf5a3e9b60aa2b14af289314f532a809f492207ded1abc7264
    roles: [pauser, minter@USDC, oracle_updater]
  - name: carol
    pubkey: a4e964a18edba8351736a2dee6073a15b6b91e6bc253200dd3f2e268e292b673
    roles: [viewer]
controller: alice
assets:
  - symbol: FUND
    kind: fund
    decimals: 18
    supply_cap: "10000000"
    daily_mint_limit: "1000000"
    daily_inflow_limit: "800000"
    nav_max_age: 4h
    nav_max_deviation: 10%
  - symbol: USDC
    kind: plain
    decimals: 6
    supply_cap: "2000000"
    daily_mint_limit: "2000000"
    daily_inflow_limit: "2000000"
  - symbol: TOKA
    kind: plain
    decimals: 6
    daily_mint_limit: "1000"
  - symbol: GOLD
    kind: plain
    decimals: 6
policies:
  - {op: mint, asset: GOLD, approvals: 2}
"""

ESC = "\x1b"


def on_pty(node, args, env):
    """Run the CLI with stdout on a pseudo-terminal; (rc, output)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([node.binary] + list(args), stdin=subprocess.DEVNULL, stdout=slave,
                         stderr=subprocess.PIPE, env=env)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    rc = p.wait(timeout=30)
    return rc, b"".join(chunks).decode(errors="replace")


def table(out, head):
    """Rows of the aligned table whose header starts with head, split on
    runs of two spaces or more: {first cell: {column: cell}}."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(head))
    cols = re.split(r"\s{2,}", lines[start].strip())
    rows = {}
    for line in lines[start + 1:]:
        if not line.strip():
            break
        cells = re.split(r"\s{2,}", line.strip())
        rows[cells[0]] = dict(zip(cols, cells))
    return rows


def main():
    node = Node(genesis=genesis_file(GENESIS, "human"), clock_manual=True).start()

    def ok(name, *args, **kw):
        return t.cli_ok(node, name, *args, **kw)

    block0 = re.search(r"block 0\s+([0-9a-f]{64})", node.init_run.out)
    t.ok(block0 is not None, "init prints block 0's hash", node.init_run)
    genesis_hash = block0.group(1) if block0 else "?"

    try:
        ok("NAV 10", "nav", "update", "FUND", "10")
        ok("caps set TOKA: timelocked", "caps", "set", "TOKA", "--supply-cap", "5000", rc=4)
        ok("advance 29h", "dev", "advance", "29h")
        ok("advance 10m", "dev", "advance", "10m")
        ok("mint GOLD: a proposal", "mint", "GOLD", "--to", HOLDER, "--amount", "5", rc=4)
        # The node takes amounts in their canonical spelling only (the API
        # refuses "1234567.50"); the CLI writes what was typed canonically.
        st, doc = node.client("alice").command({"op": "mint", "asset": "USDC", "to": HOLDER,
                                                "amount": "1234567.50"})
        t.ok(st == 400 and doc["error"]["code"] == "ERR_INVALID_AMOUNT", "the API refuses 1234567.50", doc)
        ok("mint 1234567.50 USDC as typed", "mint", "USDC", "--to", HOLDER, "--amount", "1234567.50")
        ok("mint 750000 USDC", "mint", "USDC", "--to", OTHER, "--amount", "750000")
        ok("mint 850 TOKA", "mint", "TOKA", "--to", HOLDER, "--amount", "850")
        ok("incident with a spaced title", "incident", "open", "--severity", "P3", "--title", "morning check")

        t.run("status", check_status, node, genesis_hash)
        t.run("status --json", check_status_json, node, genesis_hash)
        t.run("nav show", check_nav_show, node)
        t.run("history and events", check_history_events, node)
        t.run("roles and lists", check_lists, node)
        t.run("colour", check_colour, node)
        t.run("alerts", check_alerts, node)
    finally:
        node.stop()
        t.ok(not node.sanitizer(), "no sanitizer report from the node", node.sanitizer())


def check_status(node, genesis_hash):
    r = node.cli("status", operator="carol")
    t.ok(r.rc == 0, "status exits 0", r)
    out = r.out
    t.ok(re.search(r"^ledger\s+%s\s+node %s\s+store sqlite\s+clock manual\s+version \S+$"
                   % (genesis_hash[:12], re.escape(node.url)), out, re.M),
         "which ledger and node: short genesis hash, URL, store, clock", out)
    t.ok(re.search(r"^now\s+\S+Z\s+last block height \d+ at \S+Z \(\d+s ago\)$", out, re.M),
         "now and the last block's time", out)
    t.ok(re.search(r"^writable\s+yes\s+paused no\s+controller alice$", out, re.M), "writable yes", out)
    t.ok(re.search(r"^waiting\s+proposals 1 \(mintline proposals\)\s+timelock due 1 \(mintline timelock\), "
                   r"not yet due 0$", out, re.M),
         "proposals waiting and timelock entries due", out)
    rows = table(out, "ASSET")
    usdc, toka, fund = rows.get("USDC", {}), rows.get("TOKA", {}), rows.get("FUND", {})
    t.eq(usdc.get("SUPPLY"), "1,984,567.5", "supply with thousands separators")
    t.eq(usdc.get("CAP USED"), "99.23% critical 98%", "cap usage: a percentage, critical past 98%")
    t.eq(usdc.get("MINTED TODAY"), "1,984,567.5/2,000,000 (99.23%) critical 95%",
         "daily mint: used/limit, percentage, critical past 95%")
    t.eq(toka.get("MINTED TODAY"), "850/1,000 (85%) warn 80%", "daily mint 85%: warn 80%")
    t.eq(toka.get("CAP USED"), "-", "no supply cap: -")
    t.eq(fund.get("CAP USED"), "0% ok", "an idle cap: 0% ok")
    t.ok(re.search(r"^FUND  NAV 10, 29h 10m old, STALE: mints and burns are refused  critical 4h, stale$",
                   out, re.M), "a NAV 29h 10m old, in words and marked", out)
    t.ok(ESC not in out, "a pipe gets no escape codes", out)
    r = node.cli("status", "TOKA", operator="carol")
    t.ok(r.rc == 0 and "850/1,000 (85%) warn 80%" in r.out and "ledger" not in r.out,
         "status SYM: the asset's row only", r)


def check_alerts(node):
    """An alert's value reads as its summary renders it: a ratio as a
    percentage, an age as a duration (value_text); JSON keeps the number."""
    r = node.cli("alerts", operator="carol")
    t.ok(r.rc == 0, "alerts exits 0", r)
    rows = [line.split() for line in r.out.splitlines()]
    nav = [x for x in rows if x and x[0] == "NavStaleCritical"]
    mint = [x for x in rows if x and x[0] == "DailyMintUsageCritical" and "asset=USDC" in " ".join(x)]
    t.ok(nav and "29h" in nav[0] and "10m" in nav[0], "the stale NAV alert's value: 29h 10m", r.out)
    t.ok(mint and "99.23%" in mint[0], "the daily mint alert's value: 99.23%", r.out)
    doc = node.cli("alerts", "--json", operator="carol").json()
    a = [x for x in doc["alerts"] if x["name"] == "NavStaleCritical"]
    t.ok(a and a[0]["value"] == "105000" and a[0]["value_text"] == "29h 10m",
         "--json: value as Prometheus renders it, value_text beside it", a)


def check_status_json(node, genesis_hash):
    r = node.cli("status", "--json", operator="carol")
    doc = r.json()
    n = doc.get("node", {})
    for k in ("version", "height", "time", "store", "clock", "state_hash", "paused", "controller",
              "writable", "snapshots_failed"):
        t.ok(k in n, "status --json keeps node.%s" % k, n)
    t.eq(n.get("genesis_hash"), genesis_hash, "node.genesis_hash is block 0's hash")
    t.eq(n.get("now"), n.get("time"), "node.now: on a manual clock, the last block's time")
    gov = doc.get("governance", {})
    t.eq((gov.get("proposals_pending"), gov.get("timelock_due"), gov.get("timelock_waiting")), (1, 1, 0),
         "governance: one proposal pending, one timelock entry due")
    usdc = next(a for a in doc["assets"] if a["symbol"] == "USDC")
    t.eq(usdc.get("supply"), "1984567.5", "JSON amounts unchanged: no separators")
    t.ok(isinstance(usdc.get("supply_cap_usage"), float), "JSON ratios unchanged: a number", usdc)


def check_nav_show(node):
    r = node.cli("nav", "show", "FUND", operator="carol")
    t.ok(r.rc == 0 and re.search(r"^age\s+29h 10m$", r.out, re.M), "nav show: age 29h 10m", r)
    doc = node.cli("nav", "show", "FUND", "--json", operator="carol").json()
    t.eq(doc.get("age_s"), 29 * 3600 + 600, "nav show --json: age_s in seconds, as before")


def check_history_events(node):
    r = node.cli("history", "--limit", "20", operator="carol")
    mint = [line for line in r.out.splitlines() if " mint " in line and "asset=USDC to=" + HOLDER in line]
    t.ok(len(mint) == 1 and "amount=1234567.5" in mint[0] and "1234567.50" not in mint[0],
         "history: 1234567.50 as typed shows as amount=1234567.5", r.out)
    t.ok(any('title="morning check"' in line for line in r.out.splitlines()),
         "history: a value with a space is quoted", r.out)
    t.ok("," not in "".join(line.split("ARGS")[0] for line in mint), "history: no separators in text", mint)
    r = node.cli("events", "--recent", "50", operator="carol")
    ev = [line for line in r.out.splitlines() if "Mint" in line and "USDC" in line and "to=" + HOLDER in line]
    t.ok(len(ev) == 1 and "amount=1234567.5" in ev[0] and not re.search(r"amount=1234567\.5\d", ev[0]),
         "events: the same mint, the same amount=1234567.5", r.out)
    # copied back from the text, the amount parses
    amount = re.search(r"amount=(\S+)", ev[0]).group(1) if ev else "?"
    r = node.cli("--dry-run", "burn", "USDC", "--from", HOLDER, "--amount", amount)
    t.ok(r.rc == 0, "an amount copied from events is a valid --amount", r)
    r = node.cli("--dry-run", "burn", "USDC", "--from", HOLDER, "--amount", "1,234,567.5")
    t.ok(r.rc == 2 and "ERR_INVALID_AMOUNT" in r.err,
         "a grouped amount is refused as a usage error (SPEC 2's grammar has no separators)", r)


def check_lists(node):
    r = node.cli("operator", "list", operator="carol")
    rows = table(r.out, "NAME")
    t.eq(rows.get("bob", {}).get("ROLES"), "pauser,oracle_updater", "roles as text")
    t.eq(rows.get("bob", {}).get("ASSET ROLES"), "minter@USDC", "asset roles as ROLE@SYM")
    t.eq(rows.get("carol", {}).get("KEY AGE"), "29h 10m", "key age as a duration")
    t.ok(not re.search(r'[\[\]{}"]', r.out), "operator list: no JSON", r.out)
    r = node.cli("proposals", operator="carol")
    rows = table(r.out, "ID")
    p = next(iter(rows.values()), {})
    t.eq(p.get("ARGS"), "asset=GOLD to=%s amount=5" % HOLDER, "proposals: args as key=value")
    t.eq(p.get("APPROVALS"), "alice", "proposals: approvals as text")
    t.ok(re.fullmatch(r"\d+h \d+m", p.get("EXPIRES IN", "")), "proposals: expires in, a duration", p)
    r = node.cli("timelock", operator="carol")
    rows = table(r.out, "ID")
    e = next(iter(rows.values()), {})
    t.eq(e.get("ARGS"), "asset=TOKA supply_cap=5000", "timelock: args as key=value")
    t.eq(e.get("DUE IN"), "due", "timelock: an entry past its eta reads due")
    t.eq(e.get("STATUS"), "ready", "timelock: ready")


def check_colour(node):
    env = node.env("carol", NO_COLOR=None, TERM="xterm")
    rc, out = on_pty(node, ["status"], env)
    t.ok(rc == 0 and ESC + "[31m" in out and "critical 98%" in out,
         "on a terminal the markers are coloured (critical in red)", out)
    t.ok(ESC + "[33m" in out, "warn in yellow", out)
    rc, out = on_pty(node, ["status"], dict(env, NO_COLOR="1"))
    t.ok(rc == 0 and ESC not in out and "critical 98%" in out, "NO_COLOR on a terminal: words, no escapes", out)
    r = node.cli("status", env=env)
    t.ok(r.rc == 0 and ESC not in r.out and "warn 80%" in r.out, "a pipe without NO_COLOR: no escapes", r)
    rows = {}
    rc, out = on_pty(node, ["status"], env)
    plain = re.sub(ESC + r"\[[0-9;]*m", "", out.replace("\r\n", "\n"))
    rows = table(plain, "ASSET")
    t.eq(rows.get("USDC", {}).get("CAP USED"), "99.23% critical 98%",
         "coloured cells stay aligned (escapes do not count in the width)")


main()
t.done()
