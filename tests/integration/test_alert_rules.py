"""test_alert_rules - `mintline alerts rules` and its rule files, checked by
Prometheus' own promtool (Debian's prometheus package, scripts/deps.sh).

- the built-ins: listed, as JSON, and exported as a rule file that
  `promtool check rules` accepts with every rule;
- `--check FILE`: a good file merged over the built-ins (summary, export
  accepted by promtool, disabled rules left out), every bad case refused
  with exit 2, ERR_INVALID_CONFIG and FILE:LINE:COL plus the rule's name,
  an unreadable file exit 3;
- the same alerts as Prometheus: `alerts rules --eval` on a series set
  (the built-ins at and past every threshold, and a file of rules using
  every construct of the rule language and every template form) gives
  alerts that `promtool test rules` - Prometheus' own engine and
  templates over the same series and the exported rules - confirms label
  for label and annotation for annotation, for every rule, including the
  ones that must not fire;
- a real Prometheus scraping a real node with the exported rules fires
  the alerts `--eval` gives on the node's /metrics (labels without the
  target's job and instance, annotations);
- docs/operators/alerts.md names every built-in rule.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import REPO, TAP, Node, addr, default_binary, free_port, run_cli, write_file  # noqa: E402

t = TAP("alert_rules")
BIN = default_binary()
WORK = tempfile.mkdtemp(prefix="mintline-rules-")
ENV = dict(os.environ, MINTLINE_HOME=os.path.join(WORK, "home"), NO_COLOR="1")
for k in ("MINTLINE_NODE", "MINTLINE_OPERATOR"):
    ENV.pop(k, None)

BUILTINS = 33


def cli(*args):
    return run_cli(BIN, args, env=ENV)


def write(name, text):
    return write_file(WORK, name, text)


def promtool_check(text):
    path = write("export-%d.yml" % len(os.listdir(WORK)), text)
    p = subprocess.run(["promtool", "check", "rules", path], capture_output=True, timeout=60)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


GOOD = """\
groups:
  - name: treasury
    interval: 30s
    rules:
      - alert: ReserveRatioCritical          # replaces the built-in: pause instead of halt
        expr: mintline_reserve_ratio < 1 and mintline_reserve_quorum_met == 1
        for: 5m
        labels: {severity: critical, team: treasury}
        annotations:
          summary: "{{ $labels.asset }} reserve ratio {{ $value }}"
        action: emergency_pause
      - alert: BigMint
        expr: sum by (asset) (mintline_supply_base_units) > 1e15
        labels: {severity: warning}
      - alert: NavStaleWarning
        enabled: false
"""


def test_builtins():
    r = cli("alerts", "rules")
    t.ok(r.rc == 0 and r.err == "", "alerts rules: exit 0, nothing on stderr", r)
    lines = r.out.strip().splitlines()
    t.eq(len(lines), BUILTINS + 1, "a header and one line per built-in rule")
    t.ok(lines[0].split()[:5] == ["NAME", "SEVERITY", "ACTION", "FOR", "STATE"], "the header", lines[0])
    halt = [l for l in lines if l.startswith("ReserveRatioCritical ")]
    t.ok(len(halt) == 1 and " halt_minting " in halt[0] and " critical " in halt[0],
         "reserve ratio below 100% halts minting", halt)
    r = cli("alerts", "rules", "--json")
    t.ok(r.rc == 0, "alerts rules --json: exit 0", r)
    doc = r.json()
    names = [x["name"] for x in doc["rules"]]
    t.eq(len(names), BUILTINS, "--json lists every built-in")
    t.ok(all(x["builtin"] and x["enabled"] for x in doc["rules"]), "all built-in and enabled")
    t.ok(all(x["severity"] in ("warning", "critical") for x in doc["rules"]), "severities")
    return names


def test_export(names):
    if not shutil.which("promtool"):
        t.ok(False, "promtool is installed (make test installs Debian's prometheus)")
        return
    r = cli("alerts", "rules", "--export", "prometheus")
    t.ok(r.rc == 0 and r.out.startswith("# mintline alert rules"), "--export prometheus: exit 0", r)
    rc, out = promtool_check(r.out)
    t.ok(rc == 0 and ("SUCCESS: %d rules found" % BUILTINS) in out,
         "promtool check rules accepts the built-ins' export", out)
    for n in names:
        if ('- alert: "%s"' % n) not in r.out:
            t.ok(False, "export holds %s" % n)
            return
    t.ok(True, "the export holds every built-in by name")
    t.ok('"action": "halt_minting"' in r.out and "enabled" not in r.out,
         "action becomes a label; no mintline-only key in the export")
    r = cli("alerts", "rules", "--export", "yaml")
    t.ok(r.rc == 2 and "ERR_USAGE" in r.err and r.out == "", "--export yaml: usage error, exit 2", r)


def test_check_good():
    path = write("good.yml", GOOD)
    r = cli("alerts", "rules", "--check", path)
    t.eq((r.rc, r.out.strip()),
         (0, "%s: ok: 3 rules (1 new, 1 replacing built-ins, 1 disabling built-ins); %d rules in force"
          % (path, BUILTINS)),
         "--check good.yml: exit 0 and the summary")
    r = cli("alerts", "rules", "--check", path, "--json")
    rules = {x["name"]: x for x in r.json()["rules"]}
    t.ok(rules["ReserveRatioCritical"]["action"] == "emergency_pause"
         and rules["ReserveRatioCritical"]["for"] == "5m" and not rules["ReserveRatioCritical"]["builtin"]
         and rules["ReserveRatioCritical"]["source"] == path, "the file's rule replaced the built-in",
         rules.get("ReserveRatioCritical"))
    t.ok(rules["NavStaleWarning"]["enabled"] is False and rules["NavStaleWarning"]["builtin"],
         "enabled: false disabled the built-in")
    if not shutil.which("promtool"):
        return
    r = cli("alerts", "rules", "--check", path, "--export", "prometheus")
    rc, out = promtool_check(r.out)
    t.ok(r.rc == 0 and rc == 0 and ("SUCCESS: %d rules found" % BUILTINS) in out,
         "promtool accepts the merged export (the disabled rule left out)", out)
    t.ok("NavStaleWarning" not in r.out and '"emergency_pause"' in r.out and "interval: 30s" in r.out,
         "the merged export: disabled rule absent, replacement and interval present")


BAD = [
    # (name, text, line, rule, part)
    ("syntax", "groups:\n  - name: g\n    rules: [\n", 4, None, ""),
    ("expr syntax", "groups:\n  - name: g\n    rules:\n      - alert: Low\n        expr: mintline_reserve_ratio <\n"
     "        labels: {severity: warning}\n", 5, "Low", "expr 1:25: unexpected end of expression"),
    ("unknown function", "groups:\n  - name: g\n    rules:\n      - alert: Rate\n        expr: rate(x[5m]) > 1\n"
     "        labels: {severity: warning}\n", 5, "Rate", "the function rate() is not in mintline's rule language"),
    ("unknown action", "groups:\n  - name: g\n    rules:\n      - alert: Act\n        expr: x > 1\n"
     "        labels: {severity: warning}\n        action: page_everyone\n", 7, "Act", "unknown action"),
    ("for not a duration", "groups:\n  - name: g\n    rules:\n      - alert: For\n        expr: x > 1\n"
     "        for: soon\n        labels: {severity: warning}\n", 6, "For", "is not a duration"),
    ("severity missing", "groups:\n  - name: g\n    rules:\n      - alert: Sev\n        expr: x > 1\n", 4, "Sev",
     "labels.severity is required"),
    ("duplicate name", "groups:\n  - name: g\n    rules:\n      - {alert: Dup, expr: x, labels: {severity: warning}}\n"
     "      - {alert: Dup, expr: y, labels: {severity: warning}}\n", 5, "Dup", "duplicate alert name"),
    ("recording rule", "groups:\n  - name: g\n    rules:\n      - record: job:x:sum\n        expr: sum(x)\n", 4,
     "job:x:sum", "recording rules (record:) are not supported"),
    ("disables nothing", "groups:\n  - name: g\n    rules:\n      - alert: NoSuchRule\n        enabled: false\n", 4,
     "NoSuchRule", "there is none of that name"),
]


def test_check_bad():
    for name, text, line, rule, part in BAD:
        path = write("bad-%s.yml" % re.sub(r"\W+", "-", name), text)
        r = cli("alerts", "rules", "--check", path)
        ok = r.rc == 2 and r.out == "" and "error: ERR_INVALID_CONFIG: %s:%d:" % (path, line) in r.err
        ok = ok and part in r.err and (rule is None or ('rule "%s"' % rule) in r.err)
        t.ok(ok, "--check refuses %s: exit 2, file:line, rule, reason" % name, r)
    r = cli("alerts", "rules", "--check", os.path.join(WORK, "missing.yml"))
    t.ok(r.rc == 3 and "ERR_IO" in r.err and "missing.yml" in r.err, "--check a missing file: exit 3, ERR_IO", r)


# The built-ins at and just past every threshold (as the node prints them).
NODE_SERIES = """\
mintline_nav_age_seconds{asset="FA"} 7200
mintline_nav_age_seconds{asset="FB"} 7201
mintline_nav_age_seconds{asset="FC"} 14401
mintline_nav_age_seconds{asset="FD"} 14401
mintline_nav_present{asset="FD"} 0
mintline_nav_deviation_ratio{asset="FA"} 0.050000
mintline_nav_deviation_ratio{asset="FB"} 0.100001
mintline_daily_mint_usage_ratio{asset="USDW"} 0.950000
mintline_daily_mint_usage_ratio{asset="EURW"} 0.950001
mintline_daily_inflow_usage_ratio{asset="USDW"} 0.800000
mintline_daily_inflow_usage_ratio{asset="EURW"} 0.800001
mintline_supply_cap_usage_ratio{asset="USDW"} 0.980000
mintline_supply_cap_usage_ratio{asset="EURW"} 0.980001
mintline_reserve_ratio{asset="USDW"} 1.000000
mintline_reserve_ratio{asset="EURW"} 0.999999
mintline_reserve_ratio{asset="JPYW"} 0.000000
mintline_reserve_ratio{asset="CADW"} 1.050000
mintline_reserve_quorum_met{asset="USDW"} 1
mintline_reserve_quorum_met{asset="EURW"} 1
mintline_reserve_quorum_met{asset="GBPW"} 0
mintline_reserve_quorum_met{asset="JPYW"} 1
mintline_reserve_quorum_met{asset="CADW"} 1
mintline_supply_base_units{asset="USDW"} 1000000
mintline_supply_base_units{asset="EURW"} 1000000
mintline_supply_base_units{asset="GBPW"} 5
mintline_supply_base_units{asset="JPYW"} 0
mintline_supply_base_units{asset="CADW"} 1000000
mintline_reserve_reports_stale{asset="USDW"} 0
mintline_reserve_reports_stale{asset="GBPW"} 2
mintline_reserve_deviation_ratio{asset="USDW"} 0.030000
mintline_reserve_deviation_ratio{asset="EURW"} 0.050001
mintline_vault_health_min_ratio{vault_type="XAU-A"} 1.100000
mintline_vault_health_min_ratio{vault_type="XAU-B"} 1.099999
mintline_vault_debt_ceiling_usage_ratio{vault_type="XAU-A"} 0.900001
mintline_price_age_seconds{feed="XAU"} 3600
mintline_price_age_seconds{feed="OLD"} 3601
mintline_bridge_success_ratio{asset="USDW",chain="651940"} 0.900000
mintline_bridge_success_ratio{asset="EURW",chain="1"} 0.899999
mintline_bridge_settlement_p95_seconds{asset="USDW",chain="651940"} 3601
mintline_bridge_buffer_balance_base_units{asset="USDW",chain="651940"} 99
mintline_bridge_buffer_required_base_units{asset="USDW",chain="651940"} 100
mintline_bridge_buffer_minimum_base_units{asset="USDW",chain="651940"} 99
mintline_bridge_buffer_projected_base_units{asset="USDW",chain="651940"} 98
mintline_holder_limit_usage_ratio{asset="SA"} 0.700000
mintline_holder_limit_usage_ratio{asset="SB"} 0.900000
mintline_holder_limit_usage_ratio{asset="SC"} 0.699999
mintline_failed_commands_ratio 0.100001
mintline_commands_total{op="mint",result="ok"} 90
mintline_commands_total{op="mint",result="ERR_PAUSED"} 10
mintline_commands_recent 20
mintline_operator_key_age_seconds{operator="alice"} 7776000
mintline_operator_key_age_seconds{operator="bob"} 7776001
"""

# Rules using every construct of the rule language and every template form.
FEATURES = """\
groups:
  - name: features
    rules:
      - {alert: FRegex, expr: 'm{v=~"a.c|[xy]+"}', labels: {severity: warning}, annotations: {v: "{{ $value }}"}}
      - {alert: FRegexCase, expr: 'm{v=~"(?i)usd.*"}', labels: {severity: warning}}
      - {alert: FNotRegex, expr: 'm{v!~"a.*|x.*"}', labels: {severity: warning}}
      - {alert: FNotEqual, expr: 'm{v!="abc"} >= 3', labels: {severity: warning}}
      - {alert: FBool, expr: '(m > bool 2) == 0', labels: {severity: warning}, annotations: {v: "{{ $value }}"}}
      - {alert: FScalarLeft, expr: '2.5 < m', labels: {severity: warning}, annotations: {v: "{{ $value }}"}}
      - {alert: FArith, expr: 'm * 2 + 1 > 6', labels: {severity: warning}, annotations: {v: "{{ $value }}"}}
      - {alert: FOn, expr: 'used / on(asset) limit > 0.5', labels: {severity: critical}, annotations: {v: "{{ $value }}"}}
      - {alert: FIgnoring, expr: 'used >= ignoring(kind, unit) limit', labels: {severity: warning}}
      - {alert: FAnd, expr: 'used and on(asset) limit > 5', labels: {severity: warning}}
      - {alert: FOr, expr: 'used > 5 or limit < 5', labels: {severity: warning}}
      - {alert: FUnless, expr: 'used unless on(asset) limit > 5', labels: {severity: warning}}
      - {alert: FSumBy, expr: 'sum by (asset) (x) > 2', labels: {severity: warning}, annotations: {v: "{{ $value }}"}}
      - {alert: FSumWithout, expr: 'sum without (n) (x)', labels: {severity: warning}}
      - {alert: FCount, expr: 'count(m) > 1', labels: {severity: warning}, annotations: {v: "{{ $value }}"}}
      - {alert: FMinMax, expr: 'max(m) - min(m) > 0', labels: {severity: warning}, annotations: {v: "{{ $value }}"}}
      - {alert: FAbsent, expr: 'absent(nope{job="a", env="x", env="y", team=~"t.*"})', labels: {severity: warning}}
      - {alert: FAbsentPresent, expr: 'absent(m)', labels: {severity: warning}}
      - {alert: FNeg, expr: '-m < -2', labels: {severity: warning}, annotations: {v: "{{ $value }}"}}
      - {alert: FDivZero, expr: 'm{v="zz"} / 0', labels: {severity: warning}, annotations: {v: "{{ $value }}"}}
      - {alert: FScalar, expr: '1 + 0x1F - 010', labels: {severity: warning}, annotations: {v: "{{ $value }}"}}
      - {alert: FNumbers, expr: 'd{k="ratio"} < 1.5e-1 and d{k="ratio"} > .1', labels: {severity: warning}}
      - {alert: FCmpOn, expr: 'used >= on(asset) limit', labels: {severity: warning}, annotations: {v: "{{ $value }}"}}
      - {alert: FBoolVec, expr: 'used > bool on(asset) limit', labels: {severity: warning}, annotations: {v: "{{ $value }}"}}
      - {alert: FIgnArith, expr: 'limit - ignoring(unit, kind) used', labels: {severity: warning}, annotations: {v: "{{ $value }}"}}
      - {alert: FPlusParen, expr: '+(m) > (2)', labels: {severity: warning}}
      - {alert: FKeywordCase, expr: 'SUM BY (asset) (x) > 2 AND ON(asset) limit', labels: {severity: warning}}
      - {alert: FMaxBy, expr: 'max by (asset) (x) >= 2', labels: {severity: warning}, annotations: {v: "{{ $value }}"}}
      - {alert: FCountWithout, expr: 'count without (n) (x)', labels: {severity: warning}, annotations: {v: "{{ $value }}"}}
      - {alert: FNameRegex, expr: '{__name__=~"used|limit", asset="B"}', labels: {severity: warning}}
      - alert: FComment
        expr: |
          # the sum of two metrics, per asset
          used + on(asset) limit  # matched on asset
            > 10
        labels: {severity: warning}
        annotations: {v: "{{ $value }}"}
      - alert: FTemplates
        expr: d
        labels:
          severity: warning
          copy: "{{ $labels.k }}"
          gone: "{{ $labels.nothere }}"
        annotations:
          value: "{{ $value }}"
          pct: "{{ $value | humanizePercentage }}"
          dur: "{{ $value | humanizeDuration }}"
          call: "{{ humanizeDuration $value }} / {{ humanizePercentage $value }}"
          text: "k={{ $labels.k }} missing=[{{ $labels.nothere }}] name={{ $labels.__name__ }} }} done"
        action: halt_minting
"""

FEATURE_SERIES = """\
m{v="abc"} 2
m{v="xy"} 3
m{v="USDW"} 4
m{v="zz"} 1
used{asset="A",kind="k1"} 3
used{asset="B",kind="k2"} 8
limit{asset="A",unit="u"} 4
limit{asset="B",unit="u"} 8
x{asset="A",n="1"} 1
x{asset="A",n="2"} 2
x{asset="B",n="1"} 5
d{k="age"} 14401
d{k="big"} 1234567
d{k="ratio"} 0.1234567
d{k="tiny"} 0.00001
d{k="third"} 0.3333333333333333
d{k="neg"} -90061.5
d{k="sub"} 0.0123
"""


def promtool_parity(name, rules_file, series):
    """Our alerts (--eval) against Prometheus' (promtool test rules) for
    every rule in force."""
    metrics = write("%s.prom" % name, series)
    args = ["alerts", "rules"] + (["--check", rules_file] if rules_file else [])
    r = cli(*(args + ["--eval", metrics, "--json"]))
    if not t.ok(r.rc == 0, "%s: alerts rules --eval: exit 0" % name, r):
        return None
    ours = r.json()["alerts"]
    export = cli(*(args + ["--export", "prometheus"]))
    names = [x["name"] for x in cli(*(args + ["--json"])).json()["rules"] if x["enabled"]]
    write("%s-rules.yml" % name, export.out)
    tests = []
    for n in names:
        exp = []
        for a in ours:
            if a["name"] != n:
                continue
            labels = {k: v for k, v in a["labels"].items() if k != "alertname"}
            exp.append({"exp_labels": labels, "exp_annotations": a["annotations"]})
        tests.append({"eval_time": "0m", "alertname": n, "exp_alerts": exp})
    inputs = []
    for line in series.strip().splitlines():
        sel, value = line.rsplit(" ", 1)
        inputs.append({"series": sel, "values": value})
    doc = {"rule_files": ["%s-rules.yml" % name], "evaluation_interval": "1m",
           "tests": [{"interval": "1m", "input_series": inputs, "alert_rule_test": tests}]}
    path = write("%s-test.yml" % name, json.dumps(doc, indent=1))
    p = subprocess.run(["promtool", "test", "rules", path], capture_output=True, timeout=120, cwd=WORK)
    out = (p.stdout + p.stderr).decode(errors="replace")
    t.ok(p.returncode == 0 and "SUCCESS" in out,
         "%s: promtool test rules: Prometheus gives exactly our %d alerts over %d rules"
         % (name, len(ours), len(names)), out[-3000:])
    return ours


def test_parity_builtins():
    if not shutil.which("promtool"):
        t.ok(False, "promtool is installed")
        return
    ours = promtool_parity("builtins", None, NODE_SERIES) or []
    fired = sorted("%s %s" % (a["name"], a["labels"].get("asset", a["labels"].get("vault_type", "")))
                   for a in ours)
    t.ok("ReserveRatioCritical EURW" in fired and "ReserveRatioCritical USDW" not in fired,
         "a reserve ratio of exactly 1 is not a shortfall; 0.999999 is", fired)
    t.ok("DailyMintUsageCritical EURW" in fired and "DailyMintUsageCritical USDW" not in fired,
         "exactly 95% is not above 0.95; 95.0001% is", fired)
    t.ok(not [f for f in fired if f.endswith(" JPYW")], "no reserve alert without supply", fired)
    t.ok("NavStaleCritical FD" in fired, "a fund that never had a NAV (age from the genesis) is stale", fired)
    t.eq(len(ours), 40, "the built-ins give 40 alerts on this node (counted by hand; FD never had a NAV: 2)")


def test_parity_features():
    if not shutil.which("promtool"):
        return
    path = write("features.yml", FEATURES)
    ours = promtool_parity("features", path, FEATURE_SERIES) or []
    got = {a["name"] for a in ours}
    t.ok({"FRegex", "FOn", "FAbsent", "FScalar", "FTemplates", "FDivZero"} <= got
         and "FAbsentPresent" not in got, "the feature rules fire as expected", sorted(got))
    tpl = [a for a in ours if a["name"] == "FTemplates" and a["labels"].get("k") == "age"]
    t.ok(len(tpl) == 1 and tpl[0]["annotations"]["dur"] == "4h 0m 1s"
         and tpl[0]["labels"].get("copy") == "age" and "gone" not in tpl[0]["labels"]
         and tpl[0]["labels"].get("action") == "halt_minting", "templates in labels and annotations", tpl)


def prometheus_alerts(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/alerts" % port, timeout=5) as r:
        doc = json.loads(r.read().decode())
    got = set()
    for a in doc["data"]["alerts"]:
        if a["state"] != "firing":
            continue
        labels = {k: v for k, v in a["labels"].items() if k not in ("job", "instance")}
        got.add(json.dumps([labels, a["annotations"]], sort_keys=True))
    return got


def test_parity_live():
    """A node past its daily inflow threshold, scraped by Prometheus."""
    if not shutil.which("prometheus"):
        t.ok(False, "prometheus is installed (make test installs Debian's prometheus)")
        return
    node = Node()
    prom = None
    try:
        node.start()
        a = addr(7)
        res = node.client("alice").command({"op": "mint", "asset": "USDW", "to": a, "amount": "3900000"})
        t.ok(res[0] == 200, "mint 3,900,000 USDW of a 4,000,000 daily inflow limit", res)
        st, text = node.http("GET", "/metrics")
        metrics = write("live.prom", text if isinstance(text, str) else text.decode())
        r = cli("alerts", "rules", "--eval", metrics, "--json")
        t.ok(r.rc == 0, "--eval on the node's /metrics: exit 0", r)
        ours = {json.dumps([a["labels"], a["annotations"]], sort_keys=True) for a in r.json()["alerts"]}
        names = sorted(json.loads(x)[0]["alertname"] for x in ours)
        t.ok("DailyInflowUsageCritical" in names, "our evaluation fires DailyInflowUsageCritical", names)
        write("live-rules.yml", cli("alerts", "rules", "--export", "prometheus").out)
        port = free_port()
        write("prometheus.yml", json.dumps({
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [os.path.join(WORK, "live-rules.yml")],
            "scrape_configs": [{"job_name": "mintline",
                                "static_configs": [{"targets": ["127.0.0.1:%d" % node.port]}]}]}))
        log = open(os.path.join(WORK, "prometheus.log"), "wb")
        prom = subprocess.Popen(["prometheus", "--config.file=" + os.path.join(WORK, "prometheus.yml"),
                                 "--storage.tsdb.path=" + os.path.join(WORK, "tsdb"),
                                 "--web.listen-address=127.0.0.1:%d" % port, "--log.level=warn"],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=WORK)
        got = set()
        deadline = time.time() + 60
        while time.time() < deadline and got != ours:
            time.sleep(1)
            try:
                got = prometheus_alerts(port)
            except OSError:
                got = set()
        t.ok(got == ours, "Prometheus scraping the node fires exactly our %d alerts (labels, annotations)"
             % len(ours), {"only ours": sorted(ours - got), "only Prometheus": sorted(got - ours)})
    finally:
        if prom is not None:
            prom.terminate()
            try:
                prom.wait(timeout=20)
            except subprocess.TimeoutExpired:
                prom.kill()
                prom.wait()
        node.stop()
        node.cleanup()


def test_docs_name_every_rule(names):
    path = os.path.join(REPO, "docs", "operators", "alerts.md")
    text = open(path).read() if os.path.exists(path) else ""
    missing = [n for n in names if n not in text]
    t.ok(not missing, "docs/operators/alerts.md names every built-in rule", missing)


try:
    names = t.run("builtins", test_builtins) or []
    t.run("export", test_export, names)
    t.run("check good", test_check_good)
    t.run("check bad", test_check_bad)
    t.run("parity builtins", test_parity_builtins)
    t.run("parity features", test_parity_features)
    t.run("parity live", test_parity_live)
    t.run("docs", test_docs_name_every_rule, names)
finally:
    shutil.rmtree(WORK, ignore_errors=True)
t.done()
