"""test_metrics - /metrics checked by a real peer of the format.

Prometheus's own `promtool check metrics` lints the exposition (names,
types, HELP/TYPE placement, grouping, histogram buckets); then the figures
are read back and compared with what the commands did.
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import TAP, Node, addr, metric  # noqa: E402

t = TAP("metrics")


def promtool_check(text):
    p = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True,
                       timeout=60)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


def test_promtool(node):
    if not shutil.which("promtool"):
        t.ok(False, "promtool is installed (make test installs Debian's prometheus)")
        return
    st, text = node.http("GET", "/metrics")
    t.eq(st, 200, "GET /metrics unsigned: 200")
    rc, out = promtool_check(text)
    t.ok(rc == 0, "promtool check metrics: no problem on a fresh node", out)
    alice = node.client("alice")
    a, b = addr(1), addr(2)
    alice.command({"op": "mint", "asset": "USDW", "to": a, "amount": "2500"})
    alice.command({"op": "transfer", "asset": "USDW", "from": a, "to": b, "amount": "500"})
    alice.command({"op": "burn", "asset": "USDW", "from": b, "amount": "9999"})  # rejected
    node.client("bob").command({"op": "mint", "asset": "AAXJF", "to": a, "amount": "1"})  # 403
    bad = alice.headers("POST", "/api/commands", b"{}")
    bad["Mintline-Signature"] = "AAAA" + bad["Mintline-Signature"][4:]
    node.http("POST", "/api/commands", b"{}", bad)
    st, text = node.http("GET", "/metrics")
    rc, out = promtool_check(text)
    t.ok(rc == 0, "promtool check metrics: no problem after commands and refusals", out)
    m = node.metrics()
    t.eq(metric(m, "mintline_supply_base_units", asset="USDW"), 2500 * 10**6, "supply in base units")
    t.eq(metric(m, "mintline_holders", asset="USDW"), 2.0, "holders")
    t.eq(metric(m, "mintline_commands_total", op="mint", result="ok"), 1.0, "commands_total mint ok")
    t.eq(metric(m, "mintline_commands_total", op="burn", result="ERR_INSUFFICIENT_BALANCE"), 1.0,
         "commands_total burn rejected")
    t.eq(metric(m, "mintline_commands_total", op="mint", result="ERR_UNAUTHORIZED"), 1.0,
         "commands_total mint unauthorized")
    t.ok(abs(metric(m, "mintline_failed_commands_ratio") - 0.5) < 1e-6, "failed ratio 2 of 4")
    t.eq(metric(m, "mintline_signature_failures_total", reason="signature"), 1.0,
         "signature failures counted")
    t.ok(metric(m, "mintline_block_commit_seconds_count") >= 4, "commit histogram counts blocks")
    t.ok(abs(metric(m, "mintline_daily_mint_usage_ratio", asset="USDW") - 2500 / 5000000) < 1e-6,
         "daily mint usage ratio")


node = Node()
try:
    node.start()
    t.run("promtool", test_promtool, node)
finally:
    node.stop()
    node.cleanup()
t.done()
