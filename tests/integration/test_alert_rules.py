"""test_alert_rules - `mintline alerts rules` and its rule files, checked by
Prometheus' own promtool (Debian's prometheus package, scripts/deps.sh).

- the built-ins: listed, as JSON, and exported as a rule file that
  `promtool check rules` accepts with every rule;
- `--check FILE`: a good file merged over the built-ins (summary, export
  accepted by promtool, disabled rules left out), every bad case refused
  with exit 2, ERR_INVALID_CONFIG and FILE:LINE:COL plus the rule's name,
  an unreadable file exit 3;
- docs/operators/alerts.md names every built-in rule.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import REPO, TAP, default_binary, run_cli  # noqa: E402

t = TAP("alert_rules")
BIN = default_binary()
WORK = tempfile.mkdtemp(prefix="mintline-rules-")
ENV = dict(os.environ, MINTLINE_HOME=os.path.join(WORK, "home"), NO_COLOR="1")
for k in ("MINTLINE_NODE", "MINTLINE_OPERATOR"):
    ENV.pop(k, None)

BUILTINS = 31


def cli(*args):
    return run_cli(BIN, args, env=ENV)


def write(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(text)
    return path


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
    t.run("docs", test_docs_name_every_rule, names)
finally:
    shutil.rmtree(WORK, ignore_errors=True)
t.done()
