"""test_console_admin - the console's asset forms, asset chart and governance
administration (issue 14), end to end in headless Chromium on the demo genesis
(examples/genesis.yaml, manual clock: alice admin and controller, bob the
oracle updater and a reserve reporter, carol a viewer):

  serving      assetops.js, chart.js and governance.js are served as scripts
  forms        each kind has its forms: NAV ones on the fund, reserve ones
               on the fiat token, neither on the plain one
  caps         alice's Caps on USDW: the dry run shows the CapsSet event and
               the timelock entry it would become (nothing changes); Submit
               schedules it; a refused Caps (an amount not in canonical form)
               shows ERR_INVALID_AMOUNT with Submit disabled; after `dev
               advance 25h`, Execute from Proposals: the API and the asset
               page show the new supply cap
  nav          bob's NAV update on AAXJF: the NavUpdated event, Submit; the
               page shows the API's NAV and its age, and the age after the
               clock moves 90 minutes; a NAV too far off is refused with
               ERR_NAV_DEVIATION; bob's Price on the XAU feed
  reserve      alice's Reserve report on USDW: the ReserveReported event,
               Submit; the page shows the API's report count and, with bob's
               report and a mint, the reserve ratio; PoR publish with the
               salt drawn in the page; Blacklist's dry run shows the
               two-approval proposal it would become
  refused      carol's Forced transfer: ERR_UNAUTHORIZED shown, Submit
               disabled, no block made, balances unchanged
  governance   the operators' roles, per-asset roles and key ages and every
               policy are the API's; alice's Grant role (carol minter@USDC):
               the dry run shows the RoleGranted event and the timelock;
               Submit; the entry is listed on Governance and on Proposals;
               carol's Set policy is refused with ERR_UNAUTHORIZED
  chart        the asset page's supply, NAV and reserve-ratio charts have the
               report's points (count and last value; the screen readers'
               table too) for today so far and for this week so far
  narrow       no horizontal scroll at 400 px on the asset page or Governance
  no key sent, no errors, audit verify, no sanitizer report

CONSOLE_SHOTS=DIR saves the screenshots docs/operators/console.md shows.
"""
import os
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import DEMO_GENESIS, TAP, Node, addr  # noqa: E402
import browser as B  # noqa: E402
from browser import (api, command, fmt_age, browser, close_action, css, dry_run_and_submit, go, grouped, shot, sign_in,  # noqa: E402
                     text_of, wait, waited)

B.reexec_under_debian_python()

t = TAP("console_admin")

HOLDER = addr(1, 0xad)
OTHER = addr(2, 0xad)


class X:
    node = None
    alice = None
    bob = None


def buttons(d):
    return sorted(b.text.strip() for b in d.find_elements("css selector", "#asset-forms button"))


def disabled(d, sel):
    return css(d, sel).get_attribute("disabled") is not None


# ---- the tests --------------------------------------------------------------

def test_serving():
    for path in ("/assetops.js", "/chart.js", "/governance.js"):
        st, body = X.node.http("GET", path)
        t.ok(st == 200 and "export function" in body, "GET %s: the module" % path, st)
    st, body = X.node.http("GET", "/index.html")
    t.ok('href="#/governance"' in body, "the navigation links Governance", body[:100])


def test_forms():
    d = X.alice
    sign_in(d, "alice")
    want = {"AAXJF": ["NAV force", "NAV update"], "USDW": ["PoR publish", "Reserve attest", "Reserve report"], "USDC": []}
    common = ["Blacklist", "Caps", "Forced transfer", "Price", "Recover", "Rescue", "Unblacklist"]
    for sym, extra in want.items():
        go(d, "#/asset/" + sym, "#asset-forms")
        wait(d, lambda d: css(d, "#view h1").text.startswith(sym), sym)
        t.eq(buttons(d), sorted(common + extra), "%s: the forms of its kind (%s)" % (sym, ", ".join(extra) or "none more"))


def test_caps():
    d = X.alice
    before = api("/api/assets/USDW")
    go(d, "#/asset/USDW", "#btn-caps")
    css(d, "#btn-caps").click()
    B.fill(d, "supply_cap", "2000000000.50")
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("ERR_INVALID_AMOUNT" in dry and "Nothing was changed" in dry and "write 2000000000.5" in dry,
         "Caps with a non-canonical amount: ERR_INVALID_AMOUNT and how to write it", dry)
    t.ok(disabled(d, "#action-submit"), "the refused dry run leaves Submit disabled")
    B.fill(d, "supply_cap", "2000000000")
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("Dry run passed" in dry and "CapsSet" in dry and "scheduled in the timelock (delay 1d)" in dry,
         "Caps: the dry run shows the CapsSet event and the timelock entry it would become", dry)
    t.eq(api("/api/assets/USDW")["supply_cap"], before["supply_cap"], "the dry run changed nothing")
    css(d, "#action-submit").click()
    res = wait(d, lambda d: text_of(d, "#action [data-result]"), "the answer")
    tl = api("/api/timelock")["timelock"]
    tid = tl[-1]["id"] if tl else None
    t.ok(res.startswith("Submitted: waiting.") and ("Timelock entry #%s" % tid) in res and tl[-1]["op"] == "caps.set",
         "Submit: a timelock entry (the API lists it)", (res, tl))
    close_action(d)
    t.eq(api("/api/assets/USDW")["supply_cap"], before["supply_cap"], "the cap waits for the timelock")
    command({"op": "dev.advance", "duration": "25h"})
    go(d, "#/proposals", "[data-execute='%s']" % tid)
    css(d, "[data-execute='%s']" % tid).click()
    dry, res = dry_run_and_submit(d)
    t.ok("Dry run passed" in dry and res.startswith("Done."), "Execute it once due: done", (dry, res))
    close_action(d)
    after = api("/api/assets/USDW")
    t.eq(after["supply_cap"], "2000000000", "the API shows the new supply cap")
    go(d, "#/asset/USDW", "[data-figure=supply_cap]")
    want = grouped(after["supply"]) + " / " + grouped(after["supply_cap"], "USDW")
    t.ok(waited(d, lambda d: text_of(d, "[data-figure=supply_cap]").startswith(want), "the cap"),
         "the asset page shows the new cap", text_of(d, "[data-figure=supply_cap]"))


def test_nav():
    b = X.bob
    sign_in(b, "bob")
    go(b, "#/asset/AAXJF", "#btn-nav-update")
    t.eq(text_of(b, "[data-figure=nav]"), "none", "AAXJF has no NAV yet")
    css(b, "#btn-nav-update").click()
    B.fill(b, "value", "1.0425")
    dry, res = dry_run_and_submit(b)
    t.ok("Dry run passed" in dry and "NavUpdated" in dry and res.startswith("Done."), "NAV update: dry run, Submit", (dry, res))
    close_action(b)
    nav = api("/api/assets/AAXJF/nav")
    t.eq(nav["value"], "1.0425", "the API has the NAV")
    t.ok(waited(b, lambda b: text_of(b, "[data-figure=nav]") == grouped(nav["value"]), "nav"),
         "the asset page shows the NAV", text_of(b, "[data-figure=nav]"))
    t.eq(text_of(b, "[data-figure=nav_age]"), fmt_age(nav["age_s"]), "and its age (%s)" % fmt_age(nav["age_s"]))
    command({"op": "dev.advance", "duration": "90m"})
    nav = api("/api/assets/AAXJF/nav")
    t.ok(waited(b, lambda b: text_of(b, "[data-figure=nav_age]") == fmt_age(nav["age_s"]), "the age", timeout=12),
         "90 minutes later the page shows the API's age (%s) without a reload" % fmt_age(nav["age_s"]),
         text_of(b, "[data-figure=nav_age]"))
    # a fresh NAV for the charts and the fund's mints
    css(b, "#btn-nav-update").click()
    B.fill(b, "value", "1.05")
    dry, res = dry_run_and_submit(b)
    t.ok(res.startswith("Done."), "a second NAV update", res)
    css(b, "#action-close").click()
    css(b, "#btn-nav-update").click()
    B.fill(b, "value", "1.5")
    dry, _ = dry_run_and_submit(b, submit=False)
    t.ok("ERR_NAV_DEVIATION" in dry and "nav force" in dry and disabled(b, "#action-submit"),
         "a NAV 43 % off: ERR_NAV_DEVIATION, NAV force suggested, no Submit", dry)
    close_action(b)
    t.eq(api("/api/assets/AAXJF/nav")["value"], "1.05", "the NAV is unchanged")
    css(b, "#btn-price").click()
    t.eq(css(b, "#f-feed").get_attribute("value"), "XAU", "Price: the ledger's one feed is filled in")
    B.fill(b, "value", "2034.5")
    dry, res = dry_run_and_submit(b)
    t.ok("PriceUpdated" in dry and res.startswith("Done."), "Price: the PriceUpdated event, Submit", (dry, res))
    close_action(b)
    t.eq([f["value"] for f in api("/api/feeds")["feeds"] if f["name"] == "XAU"], ["2034.5"], "the feed has the price")
    command({"op": "mint", "asset": "AAXJF", "to": HOLDER, "amount": "1500.25"})


def test_reserve():
    d = X.alice
    go(d, "#/asset/USDW", "#btn-reserve-report")
    css(d, "#btn-reserve-report").click()
    B.fill(d, "amount", "3000000")
    dry, res = dry_run_and_submit(d)
    t.ok("Dry run passed" in dry and "ReserveReported" in dry and res.startswith("Done."),
         "Reserve report: the ReserveReported event, Submit", (dry, res))
    close_action(d)
    r = api("/api/assets/USDW/reserve")
    t.eq((r["reports"], r["quorum_met"]), (1, False), "the API counts one report, no quorum")
    t.ok(waited(d, lambda d: text_of(d, "[data-figure=reports]") == "1 of 2 (quorum not met)", "reports"),
         "the page shows 1 of 2 reports", text_of(d, "[data-figure=reports]"))
    command({"op": "reserve.report", "asset": "USDW", "amount": "3000000"}, who="bob")
    command({"op": "mint", "asset": "USDW", "to": HOLDER, "amount": "2000000"})
    a = api("/api/assets/USDW")
    want = B.pct(a["reserve"]["ratio"])
    t.ok(waited(d, lambda d: text_of(d, "[data-figure=reserve]") == want, "ratio", timeout=12),
         "with the quorum, the page shows the API's reserve ratio (%s)" % want, text_of(d, "[data-figure=reserve]"))
    css(d, "#btn-por-publish").click()
    salt = css(d, "#f-salt").get_attribute("value")
    t.ok(len(salt) == 64 and all(c in "0123456789abcdef" for c in salt), "PoR publish: a fresh salt is filled in", salt)
    dry, res = dry_run_and_submit(d)
    t.ok("PorPublished" in dry and res.startswith("Done."), "PoR publish: the PorPublished event, Submit", (dry, res))
    close_action(d)
    por = api("/api/assets/USDW/por")
    t.ok(waited(d, lambda d: text_of(d, "[data-figure=por]").startswith("block %d," % por["block"]), "por"),
         "the page shows the publication's block", text_of(d, "[data-figure=por]"))
    css(d, "#btn-blacklist").click()
    B.fill(d, "address", OTHER)
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("Blacklisted" in dry and "proposal needing 2 approvals" in dry,
         "Blacklist: the dry run shows the two-approval proposal it would become", dry)
    close_action(d)
    t.eq(api("/api/accounts/" + OTHER)["blacklisted"], False, "nothing blacklisted")


def test_refused():
    b = X.bob
    css(b, "#signout").click()
    wait(b, lambda b: css(b, "#signin").is_displayed(), "signed out")
    sign_in(b, "carol")
    h0 = api("/api/system/status")["node"]["height"]
    bal = api("/api/accounts/" + HOLDER)["balances"]
    go(b, "#/asset/USDW", "#btn-forced-transfer")
    css(b, "#btn-forced-transfer").click()
    B.fill(b, "from", HOLDER)
    B.fill(b, "to", OTHER)
    B.fill(b, "amount", "10")
    dry, _ = dry_run_and_submit(b, submit=False)
    t.ok("ERR_UNAUTHORIZED" in dry and "agent" in dry and "Nothing was changed" in dry,
         "carol's Forced transfer: ERR_UNAUTHORIZED (the agent role) shown", dry)
    t.ok(disabled(b, "#action-submit"), "carol cannot Submit")
    close_action(b)
    t.eq(api("/api/system/status")["node"]["height"], h0, "no block was made")
    t.eq(api("/api/accounts/" + HOLDER)["balances"], bal, "the balances are unchanged")


def test_governance():
    d = X.alice
    go(d, "#/governance", "#operators tbody tr")
    ops = [o for o in api("/api/operators")["operators"] if o["name"] != "system"]
    rows = d.find_elements("css selector", "#operators tbody tr[data-operator]")
    t.eq([r.get_attribute("data-operator") for r in rows], [o["name"] for o in ops], "every operator is listed")
    for o in ops:
        n = o["name"]
        asset_roles = ", ".join(r + "@" + s for s, rs in o["asset_roles"].items() for r in rs) or "\u2014"
        t.eq((text_of(d, "[data-roles='%s']" % n), text_of(d, "[data-asset-roles='%s']" % n),
              text_of(d, "[data-key-age='%s']" % n).split("\n")[0]),
             (", ".join(o["roles"]) or "\u2014", asset_roles, fmt_age(o["key_age_s"])),
             "%s: roles, per-asset roles and key age are the API's" % n)
    t.ok("controller" in text_of(d, "tr[data-operator='alice'] td"), "alice is marked controller")
    pols = api("/api/policies")["policies"]
    shown = [(r.get_attribute("data-policy"), r.find_element("css selector", "[data-approvals]").text,
              r.find_element("css selector", "[data-timelock]").text)
             for r in d.find_elements("css selector", "#policies tbody tr[data-policy]")]
    t.eq(shown, [(p["op"] + "@" + (p["asset"] or ""), str(p["approvals"]), p["timelock"]) for p in pols],
         "every policy with its approvals and timelock is the API's (%d)" % len(pols))
    css(d, "[data-grant='carol']").click()
    B.fill(d, "role", "minter")
    B.fill(d, "asset", "USDC")
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("Dry run passed" in dry and "RoleGranted" in dry and "scheduled in the timelock (delay 1d)" in dry,
         "Grant role: the dry run shows the RoleGranted event and the timelock", dry)
    css(d, "#action-submit").click()
    res = wait(d, lambda d: text_of(d, "#action [data-result]"), "the answer")
    tl = [e for e in api("/api/timelock")["timelock"] if e["op"] == "role.grant"]
    tid = tl[-1]["id"] if tl else None
    t.ok(tl and ("Timelock entry #%s" % tid) in res and tl[-1]["args"].get("name") == "carol",
         "Submit: the grant waits in the timelock", (res, tl))
    close_action(d)
    t.ok(waited(d, lambda d: css(d, "[data-timelock-entry='%s']" % tid), "listed"),
         "Governance lists the waiting entry")
    t.ok("minter" not in text_of(d, "[data-asset-roles='carol']"), "carol has no new role yet")
    shot(d, "governance")
    go(d, "#/proposals", "[data-execute='%s']" % tid)
    t.ok("role.grant" in text_of(d, "[data-entry='%s']" % tid), "Proposals lists it in the timelock")
    c = X.bob
    go(c, "#/governance", "#btn-policy-set")
    css(c, "[data-set-policy='unpause@']").click()
    t.eq(css(c, "#f-approvals").get_attribute("value"), "2", "Set policy opens with the policy's approvals")
    B.fill(c, "approvals", "1")
    dry, _ = dry_run_and_submit(c, submit=False)
    t.ok("ERR_UNAUTHORIZED" in dry and disabled(c, "#action-submit"), "carol's Set policy: ERR_UNAUTHORIZED", dry)
    close_action(c)
    t.eq([p["approvals"] for p in api("/api/policies")["policies"] if p["op"] == "unpause"], [2], "the policy is unchanged")


def chart_of(d, key):
    svg = css(d, "[data-chart='%s'] svg" % key)
    return (int(svg.get_attribute("data-points")), svg.get_attribute("data-last"),
            len(d.find_elements("css selector", "[data-chart='%s'] table tbody tr" % key)))


def check_charts(d, sym, kind, keys):
    now = api("/api/system/status")["node"]["now"][:10]
    rep = api("/api/reports/%s?at=%s&format=json" % (kind, now))
    ra = [a for a in rep["assets"] if a["symbol"] == sym][0]
    for key in keys:
        series = [v for v in ra["series"][key] if v is not None]
        want = (len(series), series[-1] if series else "", len(series))
        t.ok(waited(d, lambda d: chart_of(d, key) == want, key, timeout=12),
             "%s %s so far: the %s chart has the report's %d points, last %s" % (sym, kind, key, want[0], want[1]),
             (chart_of(d, key), want))
    return rep


def test_chart():
    d = X.alice
    # the report's points (every 15 min) run to the last block: a block 30 minutes after the mints
    command({"op": "dev.advance", "duration": "30m"})
    command({"op": "mint", "asset": "USDC", "to": OTHER, "amount": "1"})
    go(d, "#/asset/USDW", "[data-chart=supply] svg")
    rep = check_charts(d, "USDW", "daily", ("supply", "reserve_ratio"))
    t.ok(rep["chart_times"]["points"] > 0 and not rep["complete"], "today's report is incomplete, with points", rep["chart_times"])
    svg = css(d, "[data-chart=supply] svg")
    t.ok(svg.get_attribute("role") == "img" and svg.find_element("css selector", "title").get_attribute("textContent") ==
         "Supply (USDW)" and "last " + grouped(rep["assets"][1]["series"]["supply"][-1]) in
         svg.find_element("css selector", "desc").get_attribute("textContent"),
         "the SVG has its title and a description with the last value", svg.get_attribute("outerHTML")[:300])
    high = max((v for v in rep["assets"][1]["series"]["supply"] if v is not None), key=Decimal)
    t.ok(Decimal(high) > 0 and grouped(high, "USDW") in text_of(d, "[data-chart=supply]"),
         "the supply axis is labelled with the highest value in USDW (%s)" % grouped(high, "USDW"),
         text_of(d, "[data-chart=supply]"))
    t.eq(d.execute_script("return document.querySelectorAll('#view [style]').length - document.querySelectorAll("
                          "'#view .bar [style]').length"), 0, "no style attribute besides the bars' (CSSOM) widths")
    d.set_window_size(1280, 1400)
    shot(d, "asset-chart")
    d.set_window_size(1280, 1000)
    from selenium.webdriver.support.ui import Select
    Select(css(d, "#chart-period")).select_by_value("week")
    check_charts(d, "USDW", "weekly", ("supply", "reserve_ratio"))
    t.ok(waited(d, lambda d: text_of(d, "#chart-period-text").startswith("weekly"), "weekly"),
         "the period selector switched to this week", text_of(d, "#chart-period-text"))
    Select(css(d, "#chart-period")).select_by_value("day")
    go(d, "#/asset/AAXJF", "[data-chart=nav] svg")
    check_charts(d, "AAXJF", "daily", ("supply", "nav"))


def test_narrow():
    d = X.alice
    d.set_window_size(400, 900)
    for frag, sel in (("#/asset/USDW", "[data-chart=supply] svg"), ("#/governance", "#operators")):
        go(d, frag, sel)
        time.sleep(0.3)
        ok, w = B.no_horizontal_scroll(d)
        t.ok(ok, "no horizontal scroll at 400 px on %s" % frag, w)
    d.set_window_size(1280, 1000)


def main():
    node = Node(genesis=DEMO_GENESIS, clock_manual=True)
    X.node = node.start()
    B.use(node)
    try:
        command({"op": "mint", "asset": "USDC", "to": HOLDER, "amount": "5000"})
        t.run("serving", test_serving)
        if not B.ready(t):
            return
        X.alice = browser()
        X.bob = browser()
        B.steps(t, (("forms", test_forms), ("caps", test_caps), ("nav", test_nav), ("reserve", test_reserve),
                         ("refused", test_refused), ("governance", test_governance), ("chart", test_chart),
                         ("narrow", test_narrow),
                         ("no key sent", lambda: B.check_no_key_sent(t)),
                         ("no errors", lambda: B.check_no_errors(
                             t, lambda msg: "/api/commands" in msg and ("403" in msg or "400" in msg or "409" in msg), min_expected=3))))
        B.audit(t, node)
    finally:
        B.close(t, node)
    t.done()


if __name__ == "__main__":
    main()
