"""test_console_smom - the console's vault, bridge and stabilizer views
(issue 14; seed 001 smom-dbis-138, SPEC 6) driven in headless Chromium.

The node runs examples/smom.yaml as test_smom_walk.py sets it up (alice
also holds refund_signer, so the four-eyes rule, ERR_SAME_SIGNER, is what
refuses her own refund, not a missing role); demo keys.

  serving      the three new files with their content type
  dashboard    the status "vaults" and "bridge" blocks equal the API's
  vaults       the type card's figures equal /api/vaults; a vault opened,
               deposited into and borrowed against through the page, each
               with its dry run first (which changes nothing); the vault's
               page equals /api/vaults/ID; a borrow past the min ratio shows
               ERR_VAULT_UNSAFE with Submit disabled and changes nothing;
               the list's filters (owner, below, a bad one refused)
  liquidation  the price falls: the vault is listed below the liquidation
               ratio; bob (liquidator) liquidates it in a second browser
  bridge       the route's figures equal /api/bridge/routes; a send and a
               confirm through the page (settled); a second send, a refund
               asked too early (ERR_TIMEOUT_NOT_REACHED), then requested by
               alice, executed by alice (ERR_SAME_SIGNER, its message shown,
               nothing changed) and by bob in his browser (refunded, the
               escrow back); the transfer filter; the route disabled, and
               its enable shown as a timelock entry
  stabilizers  the figures equal /api/stabilizers; the reserve rule for a
               peak outflow equals the API's; a malformed one is refused;
               Set stabilizer's dry run (timelocked) and a refused one
  layout       a refresh of the vaults and bridge views moves nothing (CLS)
  narrow       no horizontal scroll at 400 px on the views
  no key sent, no errors (besides the refusals asked for), audit verify,
  no sanitizer report.

CONSOLE_SHOTS=DIR saves screenshots (vaults, bridge) there.
"""
import atexit
import http.client
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import REPO, TAP, Node  # noqa: E402
import browser as B  # noqa: E402
from browser import (api, browser, close_action, css, dry_run_and_submit, fill, go, grouped, pct, shot,  # noqa: E402
                     sign_in, text_of, wait, waited)

B.reexec_under_debian_python()

t = TAP("console_smom")

OWNER = "0x" + "0a" * 20     # the vault's owner
LIQ = "0x" + "1c" * 20       # the liquidator's address
SENDER = "0x" + "a1" * 20    # the bridge sender
DEST = "0x" + "d1" * 20      # the destination on chain 138
BUFFER = "0x" + "bf" * 20    # smom.yaml's bridge buffer account
RESERVE = "0x" + "5e" * 20   # smom.yaml's stabilization reserve account
TX1 = "0x" + "ab" * 32
DEC = 6


class X:
    node = None
    b1 = None
    b2 = None


def genesis_copy(root):
    with open(os.path.join(REPO, "examples", "smom.yaml")) as f:
        text = f.read()
    old = "bridge_operator, incident_manager]"
    assert text.count(old) == 1, "examples/smom.yaml: alice's roles changed"
    path = os.path.join(root, "smom-console.yaml")
    with open(path, "w") as f:
        f.write(text.replace(old, "bridge_operator, incident_manager, refund_signer]"))
    return path


def cmd(c, who="alice"):
    st, doc = X.node.client(who).command(c)
    if st != 200:
        raise RuntimeError("%s: %s %s" % (c, st, doc))
    return doc


def height():
    return api("/api/system/status")["node"]["height"]


def balance(sym, address):
    return api("/api/accounts/" + address).get("balances", {}).get(sym, {}).get("balance", "0")


def ratio(r):
    """vaults.js's ratio(): pct() without a ".0"."""
    return pct(r).replace(".0 %", " %")


def ppm_pct(ppm):
    whole, frac = divmod(ppm, 10000)
    frac = ("%04d" % frac).rstrip("0")
    return str(whole) + ("." + frac if frac else "") + " %"


def fig(d, scope, key):
    return text_of(d, "%s [data-figure='%s']" % (scope, key))


def refused(d, code, what):
    """Dry run the open form, expecting the refusal code; Submit stays off."""
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok(code in dry and "Nothing was changed" in dry, "%s: %s shown" % (what, code), dry)
    t.eq(css(d, "#action-submit").get_attribute("disabled") is not None, True, "%s: Submit stays disabled" % what)
    return dry


def setup():
    for who in ("alice", "bob"):
        cmd({"op": "reserve.report", "asset": "USDW", "amount": "1000000"}, who)
    cmd({"op": "price.update", "feed": "XAU", "value": "2000"})
    cmd({"op": "price.update", "feed": "USDWMKT", "value": "1"})
    for sym, to, amt in (("GOLD", OWNER, "10"), ("USDW", LIQ, "5000"), ("USDW", SENDER, "5000"),
                         ("USDW", BUFFER, "1000"), ("USDW", RESERVE, "50000")):
        cmd({"op": "mint", "asset": sym, "to": to, "amount": amt})


# ---- serving ------------------------------------------------------------------

def test_serving():
    for path in ("/vaults.js", "/bridge.js", "/stabilizer.js"):
        c = http.client.HTTPConnection("127.0.0.1", X.node.port, timeout=30)
        try:
            c.request("GET", path)
            r = c.getresponse()
            body = r.read()
            ctype, csp = r.getheader("Content-Type"), r.getheader("Content-Security-Policy") or ""
        finally:
            c.close()
        t.ok(r.status == 200 and ctype == "text/javascript; charset=utf-8" and b"export function" in body
             and "default-src 'self'" in csp, "GET %s: 200 text/javascript under the CSP" % path, (r.status, ctype))


# ---- dashboard ----------------------------------------------------------------

def check_dashboard(d):
    go(d, "#/", "[data-status-vault='GOLD-A']")
    st = api("/api/system/status")
    v = st["vaults"][0]
    scope = "[data-status-vault='GOLD-A']"
    t.ok(waited(d, lambda d: fig(d, scope, "vaults") == grouped(str(v["vaults"])), "vault count"),
         "dashboard: the GOLD-A vault count is the status's", fig(d, scope, "vaults"))
    t.eq(fig(d, scope, "total_collateral"), grouped(v["total_collateral"], "GOLD"), "dashboard: GOLD-A collateral")
    t.eq(fig(d, scope, "ceiling"), grouped(v["total_debt"]) + " / " + grouped(v["debt_ceiling"], "USDW") + " \u00b7 " +
         pct(v["debt_ceiling_usage"]), "dashboard: the debt ceiling bar's figure")
    rules = api("/api/alerts/rules")["thresholds"]["vault_debt_ceiling"]
    marks = [(m.get_attribute("class"), m.get_attribute("data-threshold"), m.get_attribute("data-rule"))
             for m in d.find_elements("css selector", scope + " [data-key=ceiling] .mark")]
    t.eq(marks, [("mark warn", repr(rules["warning"]["value"]), rules["warning"]["rule"])],
         "dashboard: the debt ceiling bar's mark is the node's rule (VaultDebtCeilingWarning at 90 %; no critical rule)")
    t.eq(fig(d, scope, "health_min"), "\u2014" if v["health_min"] is None else pct(v["health_min"]),
         "dashboard: GOLD-A lowest health")
    r = st["bridge"][0]
    scope = "[data-status-route='138-USDW']"
    t.eq((fig(d, scope, "escrow"), fig(d, scope, "success"), fig(d, scope, "buffer")),
         (grouped(r["escrow"], "USDW"), pct(r["success_rate_24h"]), "ok" if r["buffer_ok"] else "SHORT"),
         "dashboard: the bridge route's escrow, 24h success and buffer are the status's")


def test_dashboard():
    check_dashboard(X.b1)


# ---- vaults -------------------------------------------------------------------

def type_card_matches(d):
    ty = api("/api/vaults")["types"][0]
    scope = "[data-vault-type='GOLD-A']"
    want = (grouped(ty["total_collateral"], "GOLD"), grouped(ty["total_debt"], "USDW"), grouped(str(ty["vaults"])),
            ratio(ty["min_ratio"]), ratio(ty["liquidation_ratio"]), ratio(ty["penalty"]))
    return waited(d, lambda d: tuple(fig(d, scope, k) for k in ("total_collateral", "total_debt", "vaults", "min_ratio",
                                                                 "liquidation_ratio", "penalty")) == want, "type card"), ty


def test_vaults():
    d = X.b1
    go(d, "#/vaults", "[data-vault-type='GOLD-A']")
    ok, ty = type_card_matches(d)
    t.ok(ok and ty["vaults"] == 0, "GOLD-A: collateral, debt, vaults, min and liquidation ratios, penalty are the API's",
         text_of(d, "[data-vault-type='GOLD-A']"))
    # open: dry run, then Submit
    h0 = height()
    css(d, "[data-open-vault='GOLD-A']").click()
    fill(d, "owner", OWNER)
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("Dry run passed" in dry and "VaultOpened" in dry and OWNER in dry, "Open a vault: the dry run shows VaultOpened", dry)
    t.eq((api("/api/vaults")["vaults"], height()), ([], h0), "the dry run opened nothing")
    css(d, "#action-submit").click()
    res = wait(d, lambda d: text_of(d, "#action .outcome"), "the answer")
    t.ok(res.startswith("Done.") and "VaultOpened" in res and '"id":1' in res, "Submit: vault 1 opened", res)
    close_action(d)
    t.ok(waited(d, lambda d: d.find_elements("css selector", "#vault-list [data-vault='1']"), "row"),
         "the vault list shows vault 1")
    css(d, "#vault-list [data-vault='1'] a").click()
    wait(d, lambda d: css(d, "#btn-vault-deposit"), "the vault's page")
    # deposit 1 GOLD, borrow 1200 USDW (health 2000/1200), each dry run first
    for btn, amt, event, field in (("#btn-vault-deposit", "1", "VaultDeposited", "collateral"),
                                   ("#btn-vault-borrow", "1200", "VaultBorrowed", "debt")):
        before = api("/api/vaults/1")
        css(d, btn).click()
        fill(d, "amount", amt)
        fill(d, "owner", OWNER)
        dry, _ = dry_run_and_submit(d, submit=False)
        t.ok("Dry run passed" in dry and event in dry, "%s %s: the dry run shows %s" % (btn, amt, event), dry)
        t.eq(api("/api/vaults/1"), before, "%s: the dry run changed nothing" % btn)
        css(d, "#action-submit").click()
        res = wait(d, lambda d: text_of(d, "#action [data-result]"), "the answer")
        t.ok(res.startswith("Done."), "%s: done" % btn, res)
        close_action(d)
        t.eq(api("/api/vaults/1")[field], amt, "the vault's %s is %s" % (field, amt))
    v = api("/api/vaults/1")
    t.ok(waited(d, lambda d: (fig(d, "#view", "collateral"), fig(d, "#view", "debt"), fig(d, "#view", "health")) ==
                (grouped(v["collateral"], "GOLD"), grouped(v["debt"], "USDW"), pct(v["health"])), "vault figures"),
         "the vault's page: collateral, debt and health are /api/vaults/1's",
         (text_of(d, "#view"), v))
    t.eq(text_of(d, "#vault-state"), "Safe", "the vault is Safe")
    # refused: past the min ratio (2000 / 1.5 = 1333.33 at most)
    h0 = height()
    css(d, "#btn-vault-borrow").click()
    fill(d, "amount", "200")
    dry = refused(d, "ERR_VAULT_UNSAFE", "a borrow of 200 more (past 150 %)")
    t.ok("min_ratio" in dry, "the refusal's message says why (min_ratio)", dry)
    close_action(d)
    t.eq((api("/api/vaults/1"), height()), (v, h0), "the refused borrow changed nothing, made no block")
    # the list, its totals and filters
    go(d, "#/vaults", "[data-vault-type='GOLD-A']")
    ok, ty = type_card_matches(d)
    t.ok(ok and ty["total_debt"] == "1200" and ty["vaults"] == 1, "the type card follows: debt 1200, one vault",
         text_of(d, "[data-vault-type='GOLD-A']"))
    t.eq(text_of(d, "#vault-list [data-health='1']"), pct(v["health"]), "the list's health is the API's")
    css(d, "#vault-filter-below").send_keys("120%")
    css(d, "#vault-filter-below").submit()
    t.ok(waited(d, lambda d: "No vault matches" in text_of(d, "#vault-list"), "filtered"),
         "below 120%%: no vault (as /api/vaults?below=120%% says: %s)" % api("/api/vaults?below=120%25")["vaults"])
    css(d, "#vault-filter-below").clear()
    css(d, "#vault-filter-below").send_keys("lots")
    css(d, "#vault-filter-below").submit()
    t.ok(waited(d, lambda d: "ERR_INVALID_ARGUMENT" in text_of(d, "#view"), "refusal"),
         "a malformed below: ERR_INVALID_ARGUMENT shown")
    css(d, "#vault-filter-below").clear()
    css(d, "#vault-filter-owner").send_keys(OWNER)
    css(d, "#vault-filter-owner").submit()
    t.ok(waited(d, lambda d: [r.get_attribute("data-vault") for r in
                              d.find_elements("css selector", "#vault-list tr[data-vault]")] == ["1"], "owner"),
         "owner filter: vault 1")
    css(d, "[data-type-set='GOLD-A']").click()
    fill(d, "debt_ceiling", "20000000")
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("VaultTypeSet" in dry and "timelock" in dry, "Set type (debt ceiling): the dry run says it would wait in the timelock", dry)
    close_action(d)
    d.execute_script("window.scrollTo(0, 0)")
    shot(d, "vaults")


def test_liquidation():
    d = X.b1
    go(d, "#/vaults", "[data-vault-type='GOLD-A']")
    cmd({"op": "price.update", "feed": "XAU", "value": "1300"})
    t.ok(waited(d, lambda d: d.find_elements("css selector", "#vaults-below [data-vault='1']"), "below", timeout=12),
         "after XAU falls to 1300 the page lists vault 1 below the liquidation ratio (refreshed)")
    t.ok("1 below liquidation" in text_of(d, "[data-vault-type='GOLD-A'] header"), "the type card's badge says 1 below",
         text_of(d, "[data-vault-type='GOLD-A'] header"))
    b = X.b2
    sign_in(b, "bob")
    go(b, "#/vault/1", "#btn-vault-liquidate")
    t.ok(waited(b, lambda b: text_of(b, "#vault-state") == "Liquidatable", "state"), "bob sees it Liquidatable")
    css(b, "#btn-vault-liquidate").click()
    fill(b, "by", LIQ)
    dry, res = dry_run_and_submit(b)
    t.ok("Liquidated" in dry and res.startswith("Done."), "bob liquidates vault 1 through the page", (dry, res))
    close_action(b)
    v = api("/api/vaults/1")
    t.ok(v["debt"] == "0" and v["liquidatable"] is False, "the vault's debt is repaid", v)
    t.ok(waited(b, lambda b: fig(b, "#view", "debt") == "0 USDW", "debt 0"), "bob's page shows no debt")


# ---- bridge -------------------------------------------------------------------

def route_matches(d):
    r = api("/api/bridge/routes")["routes"][0]
    b = r["buffer"]
    scope = "[data-route='138-USDW']"
    want = (grouped(r["escrow"], "USDW"), grouped(b["required"], "USDW"), grouped(b["actual"], "USDW"),
            "ok" if b["ok"] else "SHORT", grouped(b["projected"], "USDW"), grouped(b["minimum"], "USDW"),
            pct(r["success_rate_24h"]) + " (%d settled, %d refunded)" % (r["settled_24h"], r["refunded_24h"]),
            grouped(r["peak_hourly_outflow"], "USDW"))
    keys = ("escrow", "buffer_required", "buffer_actual", "buffer_ok", "buffer_projected", "buffer_minimum", "success", "peak")
    got = lambda d: tuple(fig(d, scope, k) for k in keys)  # noqa: E731
    return waited(d, lambda d: got(d) == want, "route figures"), (got(d), want), r


def transfer_action(d, who, tid, label):
    go(d, "#/bridge", "[data-transfer='%s']" % tid)
    css(d, "[data-%s='%s']" % (who, tid)).click()
    wait(d, lambda d: css(d, "#action").is_displayed(), label)


def test_bridge():
    d = X.b1
    go(d, "#/bridge", "[data-route='138-USDW']")
    ok, detail, r = route_matches(d)
    t.ok(ok and r["enabled"], "route 138: escrow, buffer (required, actual, rule, projected, minimum), success and "
         "peak hourly outflow are /api/bridge/routes'", detail)
    # send 1000, then confirm it
    h0 = height()
    css(d, "[data-send='138']").click()
    fill(d, "from", SENDER)
    fill(d, "to", DEST)
    fill(d, "amount", "1000")
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("BridgeSent" in dry, "Send: the dry run shows BridgeSent", dry)
    t.eq((api("/api/bridge/transfers")["transfers"], height()), ([], h0), "the dry run sent nothing")
    css(d, "#action-submit").click()
    res = wait(d, lambda d: text_of(d, "#action [data-result]"), "the answer")
    t.ok(res.startswith("Done."), "Send: done", res)
    close_action(d)
    t.eq(balance("USDW", SENDER), "4000", "the sender's 1000 is in escrow")
    cmd({"op": "dev.advance", "duration": "10m"})
    transfer_action(d, "confirm", 1, "Confirm")
    fill(d, "tx", TX1)
    dry, res = dry_run_and_submit(d)
    t.ok("BridgeConfirmed" in dry or "Bridge" in dry, "Confirm: the dry run shows the settlement", dry)
    t.ok(res.startswith("Done."), "Confirm: done", res)
    close_action(d)
    t.eq(api("/api/bridge/transfers/1")["status"], "settled", "transfer 1 settled")
    t.ok(waited(d, lambda d: text_of(d, "[data-status='1']") == "settled", "settled"), "the page shows it settled")
    # a second send that never arrives: the refund procedure
    css(d, "[data-send='138']").click()
    fill(d, "from", SENDER)
    fill(d, "to", DEST)
    fill(d, "amount", "500")
    dry, res = dry_run_and_submit(d)
    t.ok(res.startswith("Done."), "a second send of 500: done", res)
    close_action(d)
    transfer_action(d, "refund", 2, "Request refund")
    refused(d, "ERR_TIMEOUT_NOT_REACHED", "a refund before the route's 2h timeout")
    close_action(d)
    t.eq(api("/api/bridge/transfers/2")["status"], "initiated", "still initiated")
    cmd({"op": "dev.advance", "duration": "2h"})
    transfer_action(d, "refund", 2, "Request refund")
    dry, res = dry_run_and_submit(d)
    t.ok(res.startswith("Done."), "alice requests the refund", (dry, res))
    close_action(d)
    t.eq(api("/api/bridge/transfers/2")["status"], "refund_requested", "refund_requested")
    h0 = height()
    transfer_action(d, "refund-execute", 2, "Execute refund")
    t.ok("ERR_SAME_SIGNER" in text_of(d, "#action"), "the form states the four-eyes rule", text_of(d, "#action"))
    dry = refused(d, "ERR_SAME_SIGNER", "alice executes her own refund request")
    st, doc = X.node.client("alice").command({"op": "bridge.refund_execute", "id": 2, "dry_run": True})
    t.ok(doc.get("error", {}).get("message", "\0") in dry, "the refusal's message is the node's", (dry, doc))
    close_action(d)
    t.eq((api("/api/bridge/transfers/2")["status"], height()), ("refund_requested", h0), "the refusal changed nothing")
    d.execute_script("window.scrollTo(0, 0)")
    shot(d, "bridge")
    b = X.b2
    transfer_action(b, "refund-execute", 2, "Execute refund")
    dry, res = dry_run_and_submit(b)
    t.ok("Dry run passed" in dry and res.startswith("Done."), "bob, another refund signer, executes it", (dry, res))
    close_action(b)
    tr = api("/api/bridge/transfers/2")
    t.ok(tr["status"] == "refunded" and tr["requested_by"] == "alice" and tr["finished_by"] == "bob",
         "transfer 2: refunded, requested by alice, executed by bob", tr)
    t.eq(balance("USDW", SENDER), "4000", "the escrow came back to the sender")
    t.ok(waited(d, lambda d: text_of(d, "[data-status='2']") == "refunded", "refunded", timeout=12),
         "alice's page shows it refunded without a reload")
    ok, detail, r = route_matches(d)
    t.ok(ok and r["success_rate_24h"] == 0.5, "the route's figures follow: success 50 %, escrow 0", detail)
    # filter
    from selenium.webdriver.support.ui import Select
    Select(css(d, "#bridge-filter-status")).select_by_value("refunded")
    css(d, "#bridge-filter-chain").send_keys("138")
    css(d, "#bridge-filter-chain").submit()
    want = [str(x["id"]) for x in api("/api/bridge/transfers?status=refunded&chain=138")["transfers"]]
    t.ok(waited(d, lambda d: [e.get_attribute("data-transfer") for e in
                              d.find_elements("css selector", "#transfers tr[data-transfer]")] == want, "filter"),
         "status refunded, chain 138: the API's list (%s)" % want)
    # the route: disable at once, enable through the timelock
    css(d, "[data-disable='138']").click()
    dry, res = dry_run_and_submit(d)
    t.ok("BridgeRouteDisabled" in dry and res.startswith("Done."), "Disable route: done", (dry, res))
    close_action(d)
    t.eq(api("/api/bridge/routes")["routes"][0]["enabled"], False, "the route is disabled")
    t.ok(waited(d, lambda d: text_of(d, "[data-enabled='138']") == "DISABLED", "disabled"), "the page says DISABLED")
    css(d, "[data-enable='138']").click()
    dry, res = dry_run_and_submit(d)
    t.ok("timelock" in dry and "Timelock entry #" in res, "Enable route: it waits in the timelock", (dry, res))
    close_action(d)
    t.eq(api("/api/bridge/routes")["routes"][0]["enabled"], False, "still disabled until the timelock runs")


# ---- stabilizers --------------------------------------------------------------

def test_stabilizers():
    d = X.b1
    go(d, "#/stabilizers", "[data-stabilizer='USDW']")
    # USDW's market price holds at 1.02 for a whole window (10 observations):
    # the TWAP and the run are off the peg past sustain (3): sell orders
    for i in range(11):
        cmd({"op": "dev.advance", "duration": "30s"})
        cmd({"op": "price.update", "feed": "USDWMKT", "value": "1.02"})
    s = api("/api/stabilizers")["stabilizers"][0]
    t.ok(s["orders"] > 0 and s["deviation_ppm"] > s["threshold_ppm"] and s["consecutive"] >= s["sustain_blocks"],
         "the ledger: off the peg, orders made", s)
    scope = "[data-stabilizer='USDW']"
    want = (grouped(s["price"]), grouped(s["twap"]) + " (%s)" % s["twap_side"],
            ppm_pct(s["deviation_ppm"]) + " (%s ppm)" % grouped(str(s["deviation_ppm"])),
            ppm_pct(s["threshold_ppm"]) + " (%s ppm)" % grouped(str(s["threshold_ppm"])),
            "%s of %s (%s)" % (s["consecutive"], s["sustain_blocks"], s["run_side"]),
            grouped(str(s["orders"])), grouped(s["reserve_balance"], "USDW"))
    keys = ("price", "twap", "deviation", "threshold", "consecutive", "orders", "reserve_balance")
    got = lambda d: tuple(fig(d, scope, k) for k in keys)  # noqa: E731
    t.ok(waited(d, lambda d: got(d) == want, "figures"), "USDW: price, TWAP, deviation vs threshold, run vs sustain, "
         "orders and reserve balance are /api/stabilizers'", (got(d), want))
    css(d, "#stab-peak").send_keys("10000")
    css(d, "#stab-peak").submit()
    rule = api("/api/stabilizers?asset=USDW&peak_outflow=10000")["stabilizers"][0]["reserve_rule"]
    line = "Reserve rule: required %s = peak outflow %s/min \u00d7 window %s min \u00d7 %s; actual %s: %s" % (
        grouped(rule["required"], "USDW"), grouped(rule["peak_outflow_per_min"]), rule["window_min"], rule["factor"],
        grouped(rule["actual"], "USDW"), "ok" if rule["ok"] else "SHORT")
    t.ok(waited(d, lambda d: fig(d, scope, "reserve_rule") == line, "rule"), "the reserve rule for 10,000/min is the API's",
         (fig(d, scope, "reserve_rule"), line))
    css(d, "#stab-peak").clear()
    css(d, "#stab-peak").send_keys("lots")
    css(d, "#stab-peak").submit()
    t.ok(waited(d, lambda d: "ERR_INVALID_AMOUNT" in text_of(d, "#view"), "refusal"),
         "a malformed peak outflow: ERR_INVALID_AMOUNT shown, the figures stay", text_of(d, "#view")[:300])
    css(d, "#stab-peak").clear()
    css(d, "#stab-peak").submit()
    t.ok(waited(d, lambda d: "ERR_" not in text_of(d, "#view") and "Give the peak outflow" in fig(d, scope, "reserve_rule"),
                "cleared"), "an empty peak outflow: the refusal goes, the rule asks for P")
    css(d, "[data-stabilizer-set='USDW']").click()
    fill(d, "threshold", "1%")
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("StabilizerSet" in dry and "timelock" in dry, "Set stabilizer: the dry run shows it would wait in the timelock", dry)
    fill(d, "sustain_blocks", "1")
    refused(d, "ERR_INVALID_ARGUMENT", "a sustain of 1 (at least 2)")
    close_action(d)
    t.eq(api("/api/stabilizers")["stabilizers"][0]["threshold_ppm"], s["threshold_ppm"], "nothing changed")


def test_layout_steady():
    """Refreshes patch the views in place: no layout shift over two polls."""
    d = X.b1
    for frag, sel in (("#/vaults", "[data-vault-type]"), ("#/bridge", "[data-route]")):
        go(d, frag, sel)
        time.sleep(0.5)
        d.execute_script("window.__cls = 0; new PerformanceObserver((l) => { for (const e of l.getEntries())"
                         " if (!e.hadRecentInput) window.__cls += e.value; }).observe({type: 'layout-shift'});")
        before = d.execute_script("return document.getElementById('updated').textContent")
        t.ok(waited(d, lambda d: d.execute_script("return document.getElementById('updated').textContent") != before,
                    "a refresh", timeout=12), "%s refreshed by itself" % frag)
        cls = d.execute_script("return window.__cls")
        t.ok(cls is not None and cls < 0.01, "%s: the refresh moved no layout (CLS %.4f)" % (frag, cls or 0), cls)
    control = d.execute_async_script(
        "const done = arguments[0]; const v = document.getElementById('view');"
        "const x = document.createElement('div'); x.className = 'card'; x.textContent = 'x'.repeat(2000);"
        "v.prepend(x); setTimeout(() => { x.remove(); done(window.__cls); }, 300);")
    t.ok(control and control > 0.01, "control: the observer sees a shift made on purpose (%.4f)" % (control or 0), control)


def test_narrow():
    d = X.b1
    d.set_window_size(400, 900)
    try:
        for frag, sel in (("#/vaults", "[data-vault-type]"), ("#/bridge", "[data-route]"),
                          ("#/stabilizers", "[data-stabilizer]"), ("#/vault/1", "#btn-vault-deposit")):
            go(d, frag, sel)
            time.sleep(0.3)
            w = d.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
            t.ok(w[0] <= w[1], "%s: no horizontal scroll at 400 px" % frag, w)
    finally:
        d.set_window_size(1280, 1000)


def test_no_errors():
    B.check_no_errors(t, lambda msg: ("/api/commands" in msg and ("409" in msg or "403" in msg or "400" in msg)) or
                      ("/api/vaults?" in msg and "400" in msg) or ("/api/stabilizers?" in msg and "400" in msg),
                      min_expected=5)


def main():
    work = tempfile.mkdtemp(prefix="mintline-console-smom-")
    atexit.register(shutil.rmtree, work, True)
    node = Node(genesis=genesis_copy(work), clock_manual=True)
    X.node = node.start()
    B.use(node)
    try:
        setup()
        t.run("serving", test_serving)
        if not B.ready(t):
            return
        X.b1 = browser()
        X.b2 = browser()
        sign_in(X.b1, "alice")
        B.steps(t, (("dashboard", test_dashboard), ("vaults", test_vaults), ("liquidation", test_liquidation),
                         ("bridge", test_bridge), ("stabilizers", test_stabilizers),
                         ("dashboard after", test_dashboard), ("layout", test_layout_steady), ("narrow", test_narrow),
                         ("no key sent", lambda: B.check_no_key_sent(t)), ("no errors", test_no_errors)))
        B.audit(t, node)
    finally:
        B.close(t, node)
        node.cleanup()
    t.done()


if __name__ == "__main__":
    main()
