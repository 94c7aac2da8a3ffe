"""test_alerting - the node's alert evaluation loop (issue 10 items 3-4) on
manual-clock nodes, where rules are evaluated after every block and before
the block's answer:

- NAV staleness: NavStaleWarning exactly past 2h, NavStaleCritical past 4h,
  as `dev advance` passes them (status counts, /metrics, `alerts`);
- a reserve report below supply: ReserveRatioCritical fires and minting of
  the asset is halted by the operator `system` before the report's answer
  (status shows the halt, history shows mint_halt by system, a mint is
  refused ERR_MINT_HALTED, `audit verify` passes, a restart replays to the
  same state and journals nothing more); resolved when the reserve is back,
  `alerts --all` shows it resolved;
- a rule file given to `serve --alert-rules` with `for: 30m` honoured over
  dev advance (pending, then firing at exactly 30m), its halt_minting
  action "unavailable" on a ledger without system.key (warned once); a bad
  rule file refused at start with exit 2;
- GET /api/alerts unsigned -> 401, a bad ?all -> 400.

The operator `system`: its key is made by `init` in DATA/system.key, its
public key written into the genesis; it holds no role, and the engine lets
it run only the alert actions and incident.open/note.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import TAP, Node, addr, default_binary, metric, run_cli, write_file  # noqa: E402

t = TAP("alerting")
WORK = tempfile.mkdtemp(prefix="mintline-alerting-")

GENESIS = """\
operators:
  - name: alice
    pubkey: a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800
    roles: [admin, minter, burner, transfer_agent, pauser, treasury_manager, oracle_manager, reserve_reporter]
  - name: bob
    pubkey: ca9c298168ea53bf5a3e9b60aa2b14af289314f532a809f492207ded1abc7264
    roles: [pauser, minter@USDW, oracle_updater, reserve_reporter]
  - name: carol
    pubkey: a4e964a18edba8351736a2dee6073a15b6b91e6bc253200dd3f2e268e292b673
    roles: [viewer]
%(system)s
controller: alice
assets:
  - symbol: AAXJF
    kind: fund
    decimals: 18
    supply_cap: "10000000"
    nav_max_age: 3650d
    nav_max_deviation: 10%%
    nav: "1"
  - symbol: USDW
    kind: fiat
    currency: USD
    decimals: 6
    supply_cap: "1000000000"
    reserve_quorum: 2
  - symbol: USDC
    kind: plain
    decimals: 6
policies:
  - {op: unpause, approvals: 1}
  - {op: mint_resume, approvals: 1}
"""


def write(name, text):
    return write_file(WORK, name, text)


def system_node(clock_manual=True, **kw):
    """A node whose ledger has the operator system and DATA/system.key,
    both made by `init`."""
    node = Node(genesis=write("plain.yaml", GENESIS % {"system": ""}), clock_manual=clock_manual, **kw)
    assert os.path.exists(os.path.join(node.data, "system.key")), "init makes DATA/system.key"
    return node


def plain_node(**kw):
    """A manual-clock node whose alert actions cannot run (no system.key)."""
    node = Node(genesis=write("plain.yaml", GENESIS % {"system": ""}), clock_manual=True, **kw)
    key = os.path.join(node.data, "system.key")
    if os.path.exists(key):
        os.remove(key)
    return node


def alerts(node, all_=False):
    st, doc = node.client("carol").get("/api/alerts" + ("?all=1" if all_ else ""))
    assert st == 200, (st, doc)
    return doc


def find(doc, name, **labels):
    got = [a for a in doc["alerts"] if a["name"] == name
           and all(a["labels"].get(k) == v for k, v in labels.items())]
    return got[0] if len(got) == 1 else None


def advance(node, d):
    r = node.cli("dev", "advance", d)
    assert r.rc == 0, r
    return r


def cmd(node, who, doc):
    return node.client(who).command(doc)


def test_nav_staleness():
    node = plain_node()
    try:
        node.start()
        doc = alerts(node)
        t.eq((doc["alerts"], doc["rules"]), ([], 33), "no alert at start; the 33 built-in rules")
        t.ok(doc["evaluated_at"] is not None and doc["evaluation_ms"] >= 0, "evaluated at start", doc)
        advance(node, "2h")
        t.eq(alerts(node)["alerts"], [], "NAV exactly 2h old: not past the threshold")
        advance(node, "1s")
        a = find(alerts(node), "NavStaleWarning", asset="AAXJF")
        t.ok(a is not None and a["state"] == "firing" and a["value"] == "7201" and a["severity"] == "warning",
             "2h 1s: NavStaleWarning firing for AAXJF, value 7201", alerts(node))
        t.ok(a and len(a["fingerprint"]) == 16 and a["since"] == a["fired_at"] and a["resolved_at"] is None
             and a["silenced"] is False and a["action"] == "none" and a["action_result"] is None,
             "fields: fingerprint, since = fired_at (no for), no action", a)
        st = node.status()["alerts"]
        t.eq((st["firing"], st["pending"], st["rules"]), ({"warning": 1, "critical": 0}, 0, 33),
             "status: one warning firing")
        advance(node, "2h")
        doc = alerts(node)
        c = find(doc, "NavStaleCritical", asset="AAXJF")
        t.ok(c is not None and c["state"] == "firing" and c["action"] == "alert_team",
             "4h 1s: NavStaleCritical firing too", doc)
        t.eq(find(doc, "NavStaleWarning", asset="AAXJF")["since"], a["since"],
             "the warning keeps its since")
        m = node.metrics()
        t.eq((metric(m, "mintline_alerts_firing", severity="warning"),
              metric(m, "mintline_alerts_firing", severity="critical")), (1.0, 1.0),
             "metrics: mintline_alerts_firing by severity")
        t.ok(metric(m, "mintline_alert_evaluations_total") >= 4, "metrics: evaluations counted")
        t.ok(("mintline_alert_evaluation_seconds", ()) in m, "metrics: evaluation seconds")
        t.eq(metric(m, "mintline_rule_evaluation_failures_total", rule="NavStaleCritical"), 0.0,
             "metrics: no rule failed")
        r = node.cli("status", operator="carol")
        t.ok(r.rc == 0 and "alerts firing 1 critical, 1 warning, 0 pending" in r.out, "mintline status", r)
        r = node.cli("alerts", operator="carol")
        t.ok(r.rc == 0 and "NavStaleCritical" in r.out and "NavStaleWarning" in r.out
             and "asset=AAXJF" in r.out and "NAME" in r.out and "SINCE" in r.out, "mintline alerts", r)
        r = node.cli("alerts", "--json", operator="carol")
        t.ok(r.rc == 0 and len(r.json()["alerts"]) == 2, "mintline alerts --json is the API's document", r)
        # a new NAV clears both: resolved, listed with --all only
        res = cmd(node, "bob", {"op": "nav.update", "asset": "AAXJF", "value": "1.01"})
        t.ok(res[0] == 200, "nav update", res)
        t.eq(alerts(node)["alerts"], [], "a fresh NAV: nothing active")
        doc = alerts(node, all_=True)
        t.ok(len(doc["alerts"]) == 2 and all(x["state"] == "resolved" and x["resolved_at"] for x in doc["alerts"]),
             "?all=1: both resolved", doc)
        r = node.cli("alerts", "--all", operator="carol")
        t.ok(r.rc == 0 and r.out.count("resolved") == 2, "alerts --all shows them resolved", r)
        st, doc = node.http("GET", "/api/alerts")
        t.eq(st, 401, "GET /api/alerts unsigned: 401")
        st, doc = node.client("carol").get("/api/alerts?all=maybe")
        t.eq((st, doc["error"]["code"]), (400, "ERR_INVALID_ARGUMENT"), "?all=maybe: 400")
        t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
    finally:
        t.eq(node.stop(), 0, "node stops cleanly")
        node.cleanup()


def test_reserve_halt():
    node = system_node()
    try:
        node.start()
        cmd(node, "alice", {"op": "reserve.report", "asset": "USDW", "amount": "1000"})
        cmd(node, "bob", {"op": "reserve.report", "asset": "USDW", "amount": "1200"})
        res = cmd(node, "alice", {"op": "mint", "asset": "USDW", "to": addr(1), "amount": "1000"})
        t.ok(res[0] == 200, "mint 1000 USDW against a verified reserve of 1000", res)
        doc = alerts(node)
        t.ok(find(doc, "ReserveRatioWarning", asset="USDW") is not None
             and find(doc, "ReserveRatioCritical", asset="USDW") is None,
             "ratio exactly 1.0: the warning (< 1.05), not the critical (< 1)", doc)
        res = cmd(node, "alice", {"op": "reserve.report", "asset": "USDW", "amount": "900"})
        t.ok(res[0] == 200, "alice reports 900: verified reserve 900 under a supply of 1000", res)
        # the answer came after the evaluation of its block and the halt's block
        st = node.status()
        usdw = [a for a in st["assets"] if a["symbol"] == "USDW"][0]
        t.ok(usdw.get("mint_halted") is True, "status shows USDW's minting halted", usdw)
        t.eq(st["alerts"]["firing"]["critical"], 2,
             "status: two criticals firing (the ratio; the reporters 33% apart)")
        doc = alerts(node)
        dev = find(doc, "ReserveDeviationCritical", asset="USDW")
        t.ok(dev is not None and dev["action_result"] is None, "ReserveDeviationCritical: alert_team, no action", dev)
        crit = find(doc, "ReserveRatioCritical", asset="USDW")
        t.ok(crit is not None and crit["state"] == "firing" and crit["action"] == "halt_minting"
             and crit["value"] == "0.9" and (crit["action_result"] or "").startswith("done seq "),
             "ReserveRatioCritical firing, its halt done", crit)
        st, h = node.client("carol").get("/api/history?op=mint_halt")
        rows = h["history"] if st == 200 else []
        t.ok(len(rows) == 1 and rows[0]["operator"] == "system" and rows[0]["result"] == "ok"
             and "seq %d" % rows[0]["seq"] in crit["action_result"],
             "history: mint_halt by system, the seq the alert names", h)
        res = cmd(node, "bob", {"op": "mint", "asset": "USDW", "to": addr(2), "amount": "1"})
        t.ok(res[0] == 409 and res[1]["error"]["code"] == "ERR_MINT_HALTED", "a mint is refused", res)
        advance(node, "1s")
        st, h = node.client("carol").get("/api/history?op=mint_halt")
        t.eq(len(h["history"]), 1, "still firing: the action ran once per firing")
        r = node.cli("audit", "verify", "--data", node.data)
        t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify passes with system's command", r)
        before = node.status()["node"]
        t.eq(node.stop(), 0, "stop")
        node.start()
        after = node.status()["node"]
        t.eq((after["height"], after["state_hash"]), (before["height"], before["state_hash"]),
             "restart: the same height and state (the halt is not journaled again)")
        crit = find(alerts(node), "ReserveRatioCritical", asset="USDW")
        t.ok(crit is not None and crit["state"] == "firing"
             and crit["action_result"] == "not needed: minting already halted",
             "after restart: firing again, nothing to do", crit)
        # the reserve is back: resolved
        cmd(node, "alice", {"op": "reserve.report", "asset": "USDW", "amount": "1300"})
        doc = alerts(node)
        t.ok(find(doc, "ReserveRatioCritical", asset="USDW") is None, "reserve back: not active", doc)
        doc = alerts(node, all_=True)
        crit = find(doc, "ReserveRatioCritical", asset="USDW")
        t.ok(crit is not None and crit["state"] == "resolved", "?all=1: resolved", doc)
        r = node.cli("alerts", "--all", operator="carol")
        t.ok(r.rc == 0 and "ReserveRatioCritical" in r.out and "resolved" in r.out, "alerts --all", r)
        usdw = [a for a in node.status()["assets"] if a["symbol"] == "USDW"][0]
        t.ok(usdw.get("mint_halted") is True, "the halt stays until people resume minting", usdw)
        t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
    finally:
        t.eq(node.stop(), 0, "node stops cleanly")
        node.cleanup()


RULES = """\
groups:
  - name: drill
    rules:
      - alert: NavSlow
        expr: mintline_nav_age_seconds > 3600
        for: 30m
        labels: {severity: critical}
        annotations: {summary: "{{ $labels.asset }} NAV {{ $value | humanizeDuration }} old"}
        action: halt_minting
"""


def test_rule_file_for():
    node = plain_node(serve_args=["--alert-rules", write("rules.yml", RULES)])
    try:
        node.start()
        t.eq(alerts(node)["rules"], 34, "33 built-ins and the file's rule")
        advance(node, "3601s")
        a = find(alerts(node), "NavSlow", asset="AAXJF")
        t.ok(a is not None and a["state"] == "pending" and a["fired_at"] is None,
             "past the threshold: pending (for: 30m)", a)
        t.eq(node.status()["alerts"]["pending"], 1, "status counts it pending")
        since = a["since"]
        advance(node, "1799s")
        a = find(alerts(node), "NavSlow", asset="AAXJF")
        t.ok(a["state"] == "pending" and a["since"] == since, "29m 59s later: still pending", a)
        advance(node, "1s")
        a = find(alerts(node), "NavSlow", asset="AAXJF")
        t.ok(a["state"] == "firing" and a["since"] == since and a["fired_at"] != since,
             "exactly 30m later: firing", a)
        t.eq(a["annotations"].get("summary"), "AAXJF NAV 1h 30m 1s old", "annotation rendered")
        t.ok((a["action_result"] or "").startswith("unavailable: "),
             "no system.key: the action is unavailable, said on the alert", a)
        log = node.log_text()
        t.eq(log.count("warning: alert actions"), 1, "and warned once at start")
    finally:
        t.eq(node.stop(), 0, "node stops cleanly")
        node.cleanup()
    bad = write("bad.yml", RULES.replace("for: 30m", "for: soon"))
    node = plain_node()
    try:
        r = run_cli(default_binary(), ["serve", "--data", node.data, "--clock", "manual",
                                       "--listen", "127.0.0.1:1", "--alert-rules", bad],
                    env=node.env(node=False))
        t.ok(r.rc == 2 and "ERR_INVALID_CONFIG" in r.err and "bad.yml:" in r.err and "NavSlow" in r.err,
             "a bad rule file: serve refuses to start, exit 2, file, line and rule", r)
        r = run_cli(default_binary(), ["serve", "--data", node.data, "--eval-interval", "0s"],
                    env=node.env(node=False))
        t.eq(r.rc, 2, "--eval-interval 0s: usage error")
    finally:
        node.cleanup()


def test_wall_clock():
    """On a wall clock a thread evaluates every --eval-interval and its
    actions go through the sequencer's queue like a client's."""
    node = system_node(clock_manual=False, serve_args=["--eval-interval", "1s"])
    try:
        node.start()
        n0 = metric(node.metrics(), "mintline_alert_evaluations_total")
        time.sleep(2.5)
        n1 = metric(node.metrics(), "mintline_alert_evaluations_total")
        t.ok(n0 >= 1 and n1 >= n0 + 2, "evaluated at start and every second", (n0, n1))
        cmd(node, "alice", {"op": "reserve.report", "asset": "USDW", "amount": "1000"})
        cmd(node, "bob", {"op": "reserve.report", "asset": "USDW", "amount": "1200"})
        cmd(node, "alice", {"op": "mint", "asset": "USDW", "to": addr(1), "amount": "1000"})
        cmd(node, "alice", {"op": "reserve.report", "asset": "USDW", "amount": "900"})
        deadline = time.time() + 10
        halted = False
        while time.time() < deadline and not halted:
            usdw = [a for a in node.status()["assets"] if a["symbol"] == "USDW"][0]
            halted = usdw.get("mint_halted") is True
            time.sleep(0.1)
        t.ok(halted, "the next round halts USDW's minting")
        crit = find(alerts(node), "ReserveRatioCritical", asset="USDW")
        t.ok(crit is not None and (crit["action_result"] or "").startswith("done seq "),
             "its action result", crit)
        r = node.cli("audit", "verify", "--data", node.data)
        t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify passes", r)
        t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
    finally:
        t.eq(node.stop(), 0, "node stops cleanly")
        node.cleanup()


t.run("nav staleness", test_nav_staleness)
t.run("reserve halt", test_reserve_halt)
t.run("rule file for", test_rule_file_for)
t.run("wall clock", test_wall_clock)
t.done()
