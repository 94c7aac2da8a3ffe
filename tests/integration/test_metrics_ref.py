"""test_metrics_ref - the metrics reference, the Grafana dashboard and the
metrics of issue 13 item 14, on a live node.

1. docs/operators/metrics.md lists exactly the families /metrics exports
   (both ways), with their type and labels, on a node whose genesis has
   every kind of thing (fiat, fund, security, plain; a vault type, a bridge
   route, a stabilizer, feeds; scheduled backups); promtool accepts it.
2. contrib/grafana/mintline.json is a Grafana dashboard model whose every
   query parses (promtool check rules) and uses only metrics the node
   exports, and which covers the runbook's figures.
3. No -1 for "never": a fund that never had a NAV is 0 s old at the genesis
   (mintline_nav_present 0, no mintline_nav), and the built-in
   NavStaleCritical fires for it 4h later under the manual clock; the
   daily checklist says "never"; a NAV then gives mintline_nav exactly.
4. The new series: build_info, writable, last block time, decimals, limits
   in base units, minting halted, blacklisted/frozen counts, verified
   reserve.
5. The failed-command ratio is over the last 5 minutes of the ledger's
   clock: 3 refusals in 20 commands fire FailedCommandsCritical; 6 minutes
   later the window is empty, the alert resolves, the counters stay.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import TAP, Node, addr, metric  # noqa: E402

t = TAP("metrics_ref")
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DOC = os.path.join(ROOT, "docs", "operators", "metrics.md")
DASHBOARD = os.path.join(ROOT, "contrib", "grafana", "mintline.json")
WORK = tempfile.mkdtemp(prefix="mintline-metrics-ref-")

# smom.yaml (fiat USDW, plain GOLD, vault type, bridge route, stabilizer,
# two feeds) plus a fund that never had a NAV and a security asset; alice
# also holds compliance (blacklist, freeze).
EXTRA_ASSETS = """\
  - symbol: FUNDX
    kind: fund
    currency: USD
    decimals: 6
    nav_max_age: 1d
  - symbol: SEC
    kind: security
    decimals: 0
    max_holders: 100
vault_types:
"""


def genesis():
    text = open(os.path.join(ROOT, "examples", "smom.yaml")).read()
    assert "vault_types:\n" in text
    path = os.path.join(WORK, "genesis.yaml")
    assert "bridge_operator, incident_manager]" in text
    text = text.replace("bridge_operator, incident_manager]", "bridge_operator, incident_manager, compliance]", 1)
    text = text.replace("vault_types:\n", EXTRA_ASSETS, 1)
    text += "policies:\n  - {op: blacklist.add, approvals: 1}\n  - {op: freeze, approvals: 1}\n"
    with open(path, "w") as f:
        f.write(text)
    return path


def families(text):
    """{name: type} from the # TYPE lines, and {name: set(label names)} from the samples."""
    types = {}
    labels = {}
    for line in text.splitlines():
        m = re.match(r"# TYPE (\S+) (\S+)$", line)
        if m:
            types[m.group(1)] = m.group(2)
            continue
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s", line)
        if not m:
            continue
        name = m.group(1)
        fam = name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and types.get(name[: -len(suffix)]) == "histogram":
                fam = name[: -len(suffix)]
        labels.setdefault(fam, set()).update(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', m.group(2) or ""))
    return types, labels


def documented():
    """{name: (type, set(labels))} from the reference tables."""
    out = {}
    for line in open(DOC):
        if not line.startswith("| `mintline_"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        name = cells[0].strip("`")
        labels = set(re.findall(r"`([a-z_]+)`", cells[2]))
        if name in out:
            out[name] = None  # listed twice
        else:
            out[name] = (cells[1], labels)
    return out


def alerts(node):
    st, doc = node.client("carol").get("/api/alerts")
    assert st == 200, (st, doc)
    return doc["alerts"]


def find(items, name, **labels):
    for a in items:
        if a["name"] == name and all(a["labels"].get(k) == v for k, v in labels.items()):
            return a
    return None


def cmd(node, who, doc):
    return node.client(who).command(doc)


def check_item(node, period, item, subject):
    r = node.cli("check", period, "--json")
    for x in r.json()["items"]:
        if x["item"] == item and x["subject"] == subject:
            return x
    return None


def test_reference(node):
    st, text = node.http("GET", "/metrics")
    t.eq(st, 200, "GET /metrics: 200")
    types, labels = families(text)
    doc = documented()
    t.ok(len(doc) >= 90 and None not in doc.values(), "the reference lists %d names, each once" % len(doc),
         [k for k, v in doc.items() if v is None])
    t.eq(sorted(set(types) - set(doc)), [], "every name /metrics exports is on the reference page")
    t.eq(sorted(set(doc) - set(types)), [], "every name on the reference page is exported by /metrics")
    wrong_type = {n: (types[n], doc[n][0]) for n in types if n in doc and doc[n] and doc[n][0] != types[n]}
    t.eq(wrong_type, {}, "the page gives each name the type /metrics gives it")
    wrong_labels = {n: (sorted(labels[n]), sorted(doc[n][1])) for n in labels
                    if n in doc and doc[n] and not labels[n] <= doc[n][1]}
    t.eq(wrong_labels, {}, "every label /metrics uses is on the page")
    missing_labels = {n: (sorted(labels.get(n, ())), sorted(doc[n][1])) for n in labels
                      if n in doc and doc[n] and labels[n] != doc[n][1]}
    t.eq(missing_labels, {}, "and the page lists no label the series do not carry")
    sample_families = set(labels)
    t.eq(sorted(sample_families - set(types)), [], "every sample belongs to a family with # TYPE")
    t.ok(not re.search(r"^mintline_\S+ -1(\.0+)?$", text, re.M), "no series is -1",
         re.findall(r"^mintline_\S+ -1.*$", text, re.M))
    if shutil.which("promtool"):
        p = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True, timeout=60)
        t.ok(p.returncode == 0, "promtool check metrics: no problem", (p.stdout + p.stderr).decode())
    else:
        t.ok(False, "promtool is installed (make test installs Debian's prometheus)")


def dashboard_exprs(dash):
    out = []

    def walk(panels):
        for p in panels:
            if p.get("type") == "row":
                walk(p.get("panels", []))
                continue
            for target in p.get("targets", []):
                out.append((p.get("title"), target.get("expr")))
    walk(dash.get("panels", []))
    return out


def test_dashboard(node):
    dash = json.load(open(DASHBOARD))
    t.ok(isinstance(dash.get("panels"), list) and dash.get("schemaVersion", 0) >= 30 and dash.get("uid")
         and dash.get("title"), "the dashboard has panels, schemaVersion, uid and title",
         {k: dash.get(k) for k in ("schemaVersion", "uid", "title")})
    ids = []
    bad = []

    def walk(panels):
        for p in panels:
            ids.append(p.get("id"))
            g = p.get("gridPos", {})
            if not (isinstance(g.get("w"), int) and isinstance(g.get("h"), int)
                    and 0 <= g.get("x", -1) and g.get("x", 0) + g.get("w", 0) <= 24):
                bad.append((p.get("title"), "gridPos", g))
            if p.get("type") == "row":
                walk(p.get("panels", []))
                continue
            if p.get("type") not in ("timeseries", "stat", "gauge", "bargauge", "table"):
                bad.append((p.get("title"), "type", p.get("type")))
            if (p.get("datasource") or {}).get("uid") != "${DS_PROMETHEUS}":
                bad.append((p.get("title"), "datasource", p.get("datasource")))
            targets = p.get("targets") or []
            if not targets or any(not x.get("expr") or not x.get("refId") for x in targets):
                bad.append((p.get("title"), "targets", targets))
    walk(dash["panels"])
    t.eq(bad, [], "every panel has a known type, a grid position, the Prometheus input and queries")
    t.eq(len(ids), len(set(ids)), "panel ids are unique")
    t.ok([i for i in dash.get("__inputs", []) if i.get("name") == "DS_PROMETHEUS" and i.get("pluginId") == "prometheus"],
         "the data source is an import input (DS_PROMETHEUS)", dash.get("__inputs"))
    var = [v for v in dash.get("templating", {}).get("list", []) if v.get("name") == "asset"]
    t.ok(var and "mintline_supply_base_units" in json.dumps(var[0].get("query")), "variable asset from the node's assets",
         var)

    exprs = dashboard_exprs(dash)
    st, text = node.http("GET", "/metrics")
    types, _ = families(text)
    used = {}
    for title, expr in exprs:
        for name in re.findall(r"\bmintline_[a-z0-9_]+", expr):
            fam = name
            for suffix in ("_bucket", "_sum", "_count"):
                if name.endswith(suffix) and types.get(name[: -len(suffix)]) == "histogram":
                    fam = name[: -len(suffix)]
            used.setdefault(fam, []).append(title)
    t.ok(len(exprs) >= 30 and len(used) >= 30, "%d queries over %d metrics" % (len(exprs), len(used)))
    t.eq({n: v for n, v in used.items() if n not in types}, {},
         "every metric the dashboard's queries use is on the live node's /metrics")
    for need in ("mintline_supply_base_units", "mintline_reserve_ratio", "mintline_nav_age_seconds",
                 "mintline_daily_mint_usage_ratio", "mintline_daily_inflow_usage_ratio", "mintline_supply_cap_usage_ratio",
                 "mintline_commands_total", "mintline_failed_commands_ratio", "mintline_block_commit_seconds",
                 "mintline_alerts_firing", "mintline_backup_age_seconds", "mintline_node_writable"):
        t.ok(need in used, "the dashboard shows %s" % need)
    # Prometheus parses every query (as a recording rule; Grafana's variables
    # replaced by what they expand to).
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": "dashboard:q%d" % i,
         "expr": e.replace("$__rate_interval", "5m").replace("$asset", ".*")}
        for i, (_, e) in enumerate(exprs)]}]}
    path = os.path.join(WORK, "dashboard-rules.json")
    with open(path, "w") as f:
        json.dump(rules, f)  # JSON is YAML
    if shutil.which("promtool"):
        p = subprocess.run(["promtool", "check", "rules", path], capture_output=True, timeout=60)
        t.ok(p.returncode == 0, "promtool parses every dashboard query", (p.stdout + p.stderr).decode())
    else:
        t.ok(False, "promtool is installed")


def test_series(node):
    m = node.metrics()
    build = [k for k in m if k[0] == "mintline_build_info"]
    t.ok(len(build) == 1 and dict(build[0][1]).get("clock") == "manual" and dict(build[0][1]).get("store") == "sqlite"
         and re.match(r"\d+\.\d+\.\d+", dict(build[0][1]).get("version", "")) and m[build[0]] == 1,
         "mintline_build_info{version,store,clock} 1", build)
    t.eq(metric(m, "mintline_node_writable"), 1.0, "mintline_node_writable 1")
    status = node.status()
    t.ok(abs(metric(m, "mintline_last_block_timestamp_seconds") - 0) > 1e9, "last block timestamp is a Unix time",
         metric(m, "mintline_last_block_timestamp_seconds"))
    t.eq(metric(m, "mintline_asset_decimals", asset="USDW"), 6.0, "USDW decimals 6")
    t.eq(metric(m, "mintline_asset_decimals", asset="SEC"), 0.0, "SEC decimals 0")
    t.ok(("mintline_asset_decimals", (("asset", "SEC"),)) in m, "SEC's decimals series is there (0 is a value)")
    t.eq(metric(m, "mintline_supply_cap_base_units", asset="USDW"), 1000000000 * 10**6, "USDW cap in base units")
    t.ok(("mintline_supply_cap_base_units", (("asset", "GOLD"),)) not in m, "no cap series for GOLD (no cap)")
    alice = node.client("alice")
    a1, a2, a3 = addr(1), addr(2), addr(3)
    t.eq(metric(m, "mintline_minting_halted", asset="USDW"), 0.0, "USDW minting not halted")
    st, doc = cmd(node, "alice", {"op": "mint_halt", "asset": "SEC"})
    t.ok(st == 200 and doc.get("ok"), "mint_halt SEC", doc)
    t.eq(metric(node.metrics(), "mintline_minting_halted", asset="SEC"), 1.0, "mintline_minting_halted{SEC} 1")
    st, doc = alice.command({"op": "blacklist.add", "address": a1})
    t.ok(st == 200 and doc.get("ok"), "blacklist a1", doc)
    st, doc = alice.command({"op": "freeze", "address": a2})
    t.ok(st == 200 and doc.get("ok"), "freeze a2 (every asset)", doc)
    st, doc = alice.command({"op": "freeze", "address": a3, "asset": "USDW"})
    t.ok(st == 200 and doc.get("ok"), "freeze a3 for USDW", doc)
    st, doc = alice.command({"op": "freeze", "address": a2, "asset": "USDW"})
    t.ok(st == 200 and doc.get("ok"), "freeze a2 for USDW too (counted once)", doc)
    m = node.metrics()
    t.eq(metric(m, "mintline_blacklisted_addresses"), 1.0, "one blacklisted address")
    t.eq((metric(m, "mintline_frozen_addresses", asset="USDW"), metric(m, "mintline_frozen_addresses", asset="GOLD")),
         (2.0, 1.0), "frozen: USDW counts the address-wide freeze and its own, GOLD the address-wide one")
    # a verified reserve with quorum (2 reporters)
    t.ok(("mintline_reserve_ratio", (("asset", "USDW"),)) not in m
         and ("mintline_reserve_verified_base_units", (("asset", "USDW"),)) not in m,
         "without quorum: no reserve ratio, no verified reserve (not -1)")
    cmd(node, "alice", {"op": "reserve.report", "asset": "USDW", "amount": "1000"})
    cmd(node, "bob", {"op": "reserve.report", "asset": "USDW", "amount": "1200"})
    m = node.metrics()
    t.eq(metric(m, "mintline_reserve_verified_base_units", asset="USDW"), 1000 * 10**6,
         "verified reserve: the lower median, in base units")
    t.eq(metric(m, "mintline_reserve_report_present", asset="USDW"), 1.0, "reserve reports present")
    t.ok(status["node"]["height"] >= 0, "status answers")


def test_never(node):
    m = node.metrics()
    t.eq(metric(m, "mintline_nav_present", asset="FUNDX"), 0.0, "FUNDX never had a NAV: mintline_nav_present 0")
    t.ok(not [k for k in m if k[0] == "mintline_nav"], "and no mintline_nav series (not -1, not 0)")
    t.eq(metric(m, "mintline_por_present", asset="USDW"), 0.0, "no PoR yet: mintline_por_present 0")
    t.ok(find(alerts(node), "NavStaleCritical", asset="FUNDX") is None, "at the genesis: no NAV alert")
    item = check_item(node, "daily", "nav_age", "asset=FUNDX")
    t.ok(item and item["status"] == "fail" and item["value"] == "never" and "none yet" in item["detail"],
         "check daily: NAV freshness of FUNDX says never, fails", item)
    item = check_item(node, "weekly", "por_age", "asset=USDW")
    t.ok(item and item["status"] == "fail" and item["value"] == "never", "check weekly: PoR never", item)
    st, doc = cmd(node, "alice", {"op": "dev.advance", "duration": "7201s"})
    t.ok(st == 200, "dev advance 2h 1s", doc)
    got = alerts(node)
    t.ok(find(got, "NavStaleWarning", asset="FUNDX") and find(got, "NavStaleCritical", asset="FUNDX") is None,
         "2h 1s after the genesis: NavStaleWarning for the fund without a NAV, not yet critical", got)
    st, doc = cmd(node, "alice", {"op": "dev.advance", "duration": "7200s"})
    m = node.metrics()
    t.eq(metric(m, "mintline_nav_age_seconds", asset="FUNDX"), 14401.0, "its age counts from the genesis: 14401 s")
    crit = find(alerts(node), "NavStaleCritical", asset="FUNDX")
    t.ok(crit is not None and crit["state"] == "firing", "nav_age_seconds > 14400 fires for a fund that never had a NAV",
         crit)
    item = check_item(node, "daily", "nav_age", "asset=FUNDX")
    t.ok(item and item["value"] == "never" and item["detail"] == "none yet (4h 0m 1s since the genesis)",
         "the checklist still says never, with the time since the genesis", item)
    st, doc = cmd(node, "alice", {"op": "nav.update", "asset": "FUNDX", "value": "1.23456789"})
    t.ok(st == 200 and doc.get("ok"), "nav.update FUNDX 1.23456789", doc)
    st, text = node.http("GET", "/metrics")
    t.ok('mintline_nav{asset="FUNDX",currency="USD"} 1.23456789\n' in text, "mintline_nav written exactly",
         [line for line in text.splitlines() if line.startswith("mintline_nav{")])
    m = node.metrics()
    t.eq((metric(m, "mintline_nav_present", asset="FUNDX"), metric(m, "mintline_nav_age_seconds", asset="FUNDX")),
         (1.0, 0.0), "a NAV: present 1, age 0")
    crit = find(alerts(node), "NavStaleCritical", asset="FUNDX")
    t.ok(crit is None or crit["state"] != "firing", "and the alert resolves", crit)
    item = check_item(node, "daily", "nav_age", "asset=FUNDX")
    t.ok(item and item["status"] == "pass" and item["value"] != "never", "the checklist passes", item)


def test_window(node):
    before = node.metrics()
    mints_before = metric(before, "mintline_commands_total", op="mint", result="ok")
    st, doc = cmd(node, "alice", {"op": "dev.advance", "duration": "6m"})  # an empty window to start from
    m = node.metrics()
    t.eq((metric(m, "mintline_commands_recent"), metric(m, "mintline_failed_commands_ratio")), (0.0, 0.0),
         "6 minutes later the window is empty (the advance counts at its block's time, before it)")
    holder = addr(9)
    for i in range(17):
        st, doc = cmd(node, "alice", {"op": "mint", "asset": "GOLD", "to": holder, "amount": "1"})
    refuse = {"op": "transfer", "asset": "GOLD", "from": holder, "to": addr(10), "amount": "1000"}
    for i in range(2):
        st, doc = cmd(node, "alice", refuse)
        t.ok(st != 200 or not doc.get("ok"), "transfer beyond the balance is refused (journaled)", doc)
    m = node.metrics()
    t.eq((metric(m, "mintline_commands_recent"), metric(m, "mintline_failed_commands_recent")), (19.0, 2.0),
         "19 commands in the window, 2 refused")
    t.ok(find(alerts(node), "FailedCommandsCritical") is None, "2 refusals in 19 commands: under 20, no alert")
    st, doc = cmd(node, "alice", refuse)
    m = node.metrics()
    # the alert round after the 20th command sees 3 of 20 (15%); its critical
    # alert then opens an incident (a 21st command, by the system operator)
    t.eq((metric(m, "mintline_commands_recent"), metric(m, "mintline_failed_commands_recent")), (21.0, 3.0),
         "20 commands in the window, 3 refused, and the incident the critical alert opened")
    crit = find(alerts(node), "FailedCommandsCritical")
    t.ok(crit is not None and crit["state"] == "firing" and float(crit["value"]) > 0.1,
         "FailedCommandsCritical fires (15% of 20; 3 of 21 once the incident is counted)", crit)
    t.ok(abs(metric(m, "mintline_failed_commands_ratio") - 3 / 21) < 1e-6, "ratio 3/21",
         metric(m, "mintline_failed_commands_ratio"))
    item = check_item(node, "daily", "failed_commands", "")
    t.ok(item and item["status"] == "fail" and item["value"] == "14.29%", "check daily: failed-command ratio fails",
         item)
    cmd(node, "alice", {"op": "dev.advance", "duration": "6m"})
    m = node.metrics()
    t.ok(metric(m, "mintline_failed_commands_recent") == 0 and metric(m, "mintline_failed_commands_ratio") == 0
         and metric(m, "mintline_commands_recent") <= 1,
         "6 minutes later the refusals have left the window (at most the alert's own resolution line is new)",
         {k: v for k, v in m.items() if "recent" in k[0] or "ratio" in k[0] and "failed" in k[0]})
    t.eq(metric(m, "mintline_commands_total", op="mint", result="ok"), mints_before + 17,
         "mintline_commands_total is still a counter since start")
    t.eq(metric(m, "mintline_commands_total", op="transfer", result="ERR_INSUFFICIENT_BALANCE"), 3.0,
         "the refusals stay counted")
    crit = find(alerts(node), "FailedCommandsCritical")
    t.ok(crit is None or crit["state"] != "firing", "and the alert resolves", crit)


node = Node(genesis=genesis(), clock_manual=True, serve_args=["--backup-dir", os.path.join(WORK, "backups")])
try:
    node.start()
    t.run("reference", test_reference, node)
    t.run("dashboard", test_dashboard, node)
    t.run("series", test_series, node)
    t.run("never", test_never, node)
    t.run("window", test_window, node)
finally:
    node.stop()
    node.cleanup()
    shutil.rmtree(WORK, ignore_errors=True)
t.done()
