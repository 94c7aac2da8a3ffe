"""test_console_alerts - the console's alerts view, the bars' thresholds from
the node's rules and the live events feed (issue 14), in headless Chromium.

A node on the demo genesis with a manual clock, served with an
--alert-rules file that moves SupplyCapUsageWarning to 50 % and disables
SupplyCapUsageCritical. alice is made an incident manager (a timelocked
grant, run after `dev advance 25h`, which also makes the AAXJF NAV and the
XAU price stale: NavStale* and CollateralFeedStale fire), bob publishes the
AAXJF NAV (NavStale* resolve), and alice mints 700,000 AAXJF: 87.5 % of its daily net inflow limit, DailyInflowUsageWarning
fires.

  rules api    GET /api/alerts/rules (an extension) is what `mintline alerts
               rules --check FILE --json` prints for the same file; its
               thresholds follow the file; unsigned it is refused
  alerts       the view lists every alert the API lists (name, asset,
               severity, value_text, state), with the summary line's counts
  maintenance  Start one: a 8d window's dry run is refused (its ERR_ code,
               Submit disabled, nothing changed); a 2h one is started; the
               warning shows "silenced" as the API says, the criticals do
               not; End it ends it and the mark goes
  rules        the rules list is the API's, row for row and cell for cell
  thresholds   the dashboard's AAXJF supply-cap bar has its warning mark at
               50 % and no critical mark; the daily bars keep the built-in
               80 % / 95 %; the Alerts view's marks table says the same
  live         History's live feed: a mint made through the API appears on
               top within seconds, without a reload and without moving the
               commands table below it; an asset filter keeps others out;
               Pause holds new events (counted on Resume), Resume shows them;
               scrolled down inside the feed's box, the row being read stays
               put as events arrive; the commands' op filter still works
               after the page's refreshes
  dashboard    its "Latest events" show a new mint within seconds
  resolved     the NavStale* the NAV update resolved appear only with
               "Show resolved"
  narrow       no horizontal scroll at 400 px on Alerts and History
  end          no request carries a key, no page logged an error but the
               refusal asked for, audit verify, no sanitizer report

CONSOLE_SHOTS=DIR saves alerts.png and history-live.png there.
"""
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import DEMO_GENESIS, TAP, Node, addr  # noqa: E402
import browser as B  # noqa: E402
from browser import api, command, browser, close_action, css, dry_run_and_submit, go, pct, shot, sign_in, text_of, wait, waited  # noqa: E402

B.reexec_under_debian_python()

t = TAP("console_alerts")

RULES = """groups:
  - name: console
    rules:
      - alert: SupplyCapUsageWarning
        expr: mintline_supply_cap_usage_ratio > 0.5
        labels: {severity: warning}
        annotations:
          summary: "{{ $labels.asset }} supply at {{ $value | humanizePercentage }} of its cap"
      - alert: SupplyCapUsageCritical
        enabled: false
"""
HOLDER = addr(3, 0xc7)


class X:
    node = None
    rules_file = None
    d = None


def active_alerts(all_=False):
    return api("/api/alerts" + ("?all=1" if all_ else ""))["alerts"]


# ---- the API ------------------------------------------------------------------

def test_rules_api():
    doc = api("/api/alerts/rules")
    r = X.node.cli("alerts", "rules", "--check", X.rules_file, "--json")
    t.ok(r.rc == 0, "alerts rules --check FILE --json", r)
    t.eq(doc, json.loads(r.out), "GET /api/alerts/rules is what `alerts rules --check FILE --json` prints")
    th = doc["thresholds"]
    t.eq((th["supply_cap"]["warning"], th["supply_cap"]["critical"]),
         ({"value": 0.5, "op": ">", "rule": "SupplyCapUsageWarning"}, None),
         "the supply-cap warning moved to 0.5, the disabled critical leaves no threshold")
    t.eq((th["daily_mint"]["warning"]["value"], th["daily_mint"]["critical"]["value"],
          th["nav_age_s"]["warning"]["value"], th["nav_age_s"]["critical"]["value"]), (0.8, 0.95, 7200, 14400),
         "the other bars keep the built-in thresholds")
    disabled = [x["name"] for x in doc["rules"] if not x["enabled"]]
    t.eq(disabled, ["SupplyCapUsageCritical"], "the rules list the disabled one as disabled")
    st, _ = X.node.http("GET", "/api/alerts/rules")
    t.eq(st, 401, "unsigned: refused like every /api/ read")


# ---- the alerts view ------------------------------------------------------------

def shown_alerts(d):
    rows = []
    for tr in d.find_elements("css selector", "#alerts-table tbody tr"):
        asset = tr.find_elements("css selector", "[data-cell=asset]")
        rows.append((tr.find_element("css selector", "[data-cell=name]").text,
                     asset[0].text.strip() if asset else None,
                     tr.find_element("css selector", "[data-cell=severity]").text,
                     tr.find_element("css selector", "[data-cell=value]").text,
                     tr.find_element("css selector", "[data-cell=state] .badge").text,
                     bool(tr.find_elements("css selector", "[data-silenced]"))))
    return sorted(rows, key=lambda x: (x[0], x[1] or ""))


def api_rows(alerts):
    return sorted(((a["name"], a["labels"].get("asset"), a["severity"], a["value_text"], a["state"], a["silenced"])
                   for a in alerts), key=lambda x: (x[0], x[1] or ""))


def test_alerts_view():
    d = X.d
    sign_in(d, "alice")
    go(d, "#/alerts", "#alerts-table [data-alert=DailyInflowUsageWarning]")
    want = api_rows(active_alerts())
    t.ok(("DailyInflowUsageWarning", "AAXJF", "warning", "87.5%", "firing", False) in want,
         "the API lists DailyInflowUsageWarning for AAXJF at 87.5%", want)
    t.ok(waited(d, lambda d: shown_alerts(d) == want, "the rows"), "the view lists the API's alerts: name, asset, "
         "severity, value_text, state", (shown_alerts(d), want))
    firing = sum(1 for a in active_alerts() if a["state"] == "firing")
    t.ok(text_of(d, "#alerts-summary").startswith("%d firing \u00b7 0 pending \u00b7 " % firing),
         "the summary counts the firing ones", text_of(d, "#alerts-summary"))
    row = css(d, "#alerts-table [data-alert=CollateralFeedStale]")
    t.ok("alert_team" in row.text and "since " in row.text and "UTC" in row.text,
         "a critical row shows its action and since", row.text)
    shot(d, "alerts")


def test_maintenance():
    d = X.d
    go(d, "#/alerts", "#btn-maintenance-start")
    B.open_form(d, "Start one")
    B.fill(d, "duration", "8d")
    B.fill(d, "reason", "reserve feed migration")
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("ERR_INVALID_DURATION" in dry and "Nothing was changed" in dry, "a 8d window: the dry run shows the refusal", dry)
    t.eq(css(d, "#action-submit").get_attribute("disabled") is not None, True, "Submit stays disabled")
    t.eq(api("/api/maintenance")["active"], None, "no window was started")
    B.fill(d, "duration", "2h")
    dry, res = dry_run_and_submit(d)
    t.ok("MaintenanceStarted" in dry and res.startswith("Done."), "a 2h window: dry run, then done", (dry, res))
    close_action(d)
    t.ok(api("/api/maintenance")["active"] is not None, "the API has the window in force")
    warn = lambda: [a for a in active_alerts() if a["name"] == "DailyInflowUsageWarning"]  # noqa: E731
    t.ok(warn() and warn()[0]["silenced"], "the API marks the warning silenced", warn())
    t.ok(waited(d, lambda d: "In force until" in text_of(d, "#maintenance-state"), "the window"),
         "the view shows the window in force", text_of(d, "#maintenance-state"))
    t.ok(waited(d, lambda d: css(d, "#alerts-table [data-alert=DailyInflowUsageWarning] [data-silenced]"), "silenced"),
         "the view marks the warning silenced")
    want = api_rows(active_alerts())
    t.ok(waited(d, lambda d: shown_alerts(d) == want, "rows"), "every row's silenced mark is the API's",
         (shown_alerts(d), want))
    crit = [r for r in shown_alerts(d) if r[2] == "critical"]
    t.ok(crit and not any(r[5] for r in crit), "the criticals are not silenced", crit)
    B.open_form(d, "End it")
    dry, res = dry_run_and_submit(d)
    t.ok("MaintenanceEnded" in dry and res.startswith("Done."), "End it: dry run, then done", (dry, res))
    close_action(d)
    t.eq(api("/api/maintenance")["active"], None, "the window is over")
    t.ok(waited(d, lambda d: not d.find_elements("css selector", "#alerts-table [data-silenced]"), "not silenced"),
         "no row is silenced any more")


def test_rules_list():
    d = X.d
    go(d, "#/alerts", "#rules-table tbody tr")
    rules = api("/api/alerts/rules")["rules"]
    rows = d.find_elements("css selector", "#rules-table tbody tr")
    got = [tuple(tr.find_element("css selector", "[data-cell=%s]" % c).text for c in
                 ("group", "name", "severity", "for", "expr", "summary", "action")) for tr in rows]
    want = [(r["group"], r["name"], r["severity"], r["for"], r["expr"], r["annotations"].get("summary", ""), r["action"])
            for r in rules]
    t.eq(len(got), len(want), "every loaded rule is listed (%d)" % len(want))
    t.eq(got, want, "the rules list is the API's: group, name, severity, for, expression, summary, action")
    dis = css(d, "#rules-table tr[data-rule=SupplyCapUsageCritical]")
    t.ok("disabled" in dis.text and "disabled" in (dis.get_attribute("class") or ""), "the disabled rule says so", dis.text)
    t.ok("from " + X.rules_file in text_of(d, "#rules-table tr[data-rule=SupplyCapUsageWarning]"),
         "the overriding rule names its file")


def mark_lefts(d, card, bar):
    out = []
    for m in d.find_elements("css selector", "%s [data-key=%s] .mark" % (card, bar)):
        width = float(m.find_element("xpath", "..").size["width"])
        out.append((m.get_attribute("class").split()[-1], round(float(m.value_of_css_property("left")[:-2]) / width, 3)))
    return sorted(out)


def test_thresholds():
    d = X.d
    go(d, "#/", "article[data-asset=AAXJF] [data-key=supply_cap] .mark")
    card = "article[data-asset=AAXJF]"
    t.eq(mark_lefts(d, card, "supply_cap"), [("warn", 0.5)],
         "the supply-cap bar: the warning mark at 50 % (the node's override), no critical mark (disabled)")
    title = css(d, card + " [data-key=supply_cap] .bar").get_attribute("title")
    t.eq(title, "warning above 50.0 % (SupplyCapUsageWarning), no critical rule", "the bar's title names the rules")
    t.eq(mark_lefts(d, card, "daily_mint"), [("crit", 0.95), ("warn", 0.8)], "the daily mint bar keeps 80 % / 95 %")
    st = [a for a in api("/api/system/status")["assets"] if a["symbol"] == "AAXJF"][0]
    t.eq(text_of(d, card + " [data-figure=daily_net_inflow]").endswith(pct(st["daily_net_inflow"]["usage"])), True,
         "the inflow bar shows the API's usage")
    t.ok("warn" in css(d, card + " [data-key=daily_net_inflow] .bar").get_attribute("class").split(),
         "87.5 % of the inflow limit is past the 80 % warning: the bar is orange")
    go(d, "#/asset/AAXJF", ".asset-page [data-key=supply_cap] .mark")
    t.eq(mark_lefts(d, ".asset-page", "supply_cap"), [("warn", 0.5)], "the asset page's bar has the same marks")
    go(d, "#/alerts", "#marks-table tr[data-bar=supply_cap]")
    t.eq([c.text for c in d.find_elements("css selector", "#marks-table tr[data-bar=supply_cap] td")][2:],
         ["> 50.0 %\nSupplyCapUsageWarning", "no mark"], "Alerts lists the bars' marks")


def test_live_feed():
    d = X.d
    go(d, "#/history", "#live-feed .badge.ok")
    d.execute_script("window.__noReload = 1; window.__cls = 0; new PerformanceObserver((l) => { for (const e of l.getEntries())"
                     " if (!e.hadRecentInput) window.__cls += e.value; }).observe({type: 'layout-shift'});")
    below = lambda: d.execute_script("return document.querySelector('#view table').getBoundingClientRect().top")  # noqa: E731
    y0 = below()
    doc = command({"op": "mint", "asset": "USDC", "to": HOLDER, "amount": "12.5"})
    seq = doc["events"][0]["seq"]
    t0 = time.time()
    ok = waited(d, lambda d: css(d, "#live-feed li").get_attribute("data-seq") == str(seq), "the Mint on top", timeout=6)
    t.ok(ok, "a mint made through the API is on top of the live feed within %.1fs" % (time.time() - t0))
    first = css(d, "#live-feed li").text
    t.ok(first.startswith("Mint USDC by alice") and '"amount":"12.5"' in first, "it reads as the event", first)
    t.eq(d.execute_script("return window.__noReload"), 1, "without a reload")
    t.eq(below(), y0, "the commands table below did not move")
    cls = d.execute_script("return window.__cls")
    t.ok(cls is not None and cls < 0.01, "no layout shift (CLS %.4f)" % (cls or 0), cls)
    # newest first, as the API's newest-first list
    shown = [int(li.get_attribute("data-seq")) for li in d.find_elements("css selector", "#live-feed li")][:5]
    t.eq(shown, [e["seq"] for e in api("/api/events/recent?limit=5")["events"]], "newest first, as the API lists them")
    # scrolled down inside the box, the rows being read stay where they are when events arrive on top
    for i in range(12):
        command({"op": "mint", "asset": "USDC", "to": HOLDER, "amount": str(i + 1)})
    last = api("/api/events/recent?limit=1")["events"][0]["seq"]
    wait(d, lambda d: css(d, "#live-feed li").get_attribute("data-seq") == str(last), "the 12 mints")
    box = css(d, "#live-feed .feed-box")
    t.ok(d.execute_script("return arguments[0].scrollHeight > arguments[0].clientHeight + 200", box),
         "the box scrolls (more events than it shows)")
    d.execute_script("arguments[0].scrollTop = 150", box)
    read = ("const b = arguments[0].getBoundingClientRect().top; const li = document.querySelector("
            "'#live-feed li[data-seq=\"' + arguments[1] + '\"]'); return li.getBoundingClientRect().top - b;")
    seq_read = shown[3]
    y_read = d.execute_script(read, box, seq_read)
    doc = command({"op": "mint", "asset": "USDC", "to": HOLDER, "amount": "3.25"})
    wait(d, lambda d: d.find_elements("css selector", "#live-feed li[data-seq='%d']" % doc["events"][0]["seq"]), "the new mint")
    y_after = d.execute_script(read, box, seq_read)
    t.ok(abs(y_after - y_read) <= 1 and d.execute_script("return arguments[0].scrollTop", box) > 150,
         "scrolled inside the box: the row being read did not move (%.1f, %.1f)" % (y_read, y_after))
    d.execute_script("arguments[0].scrollTop = 0", box)
    # the commands' filter, typed long after the view was drawn (refreshes in between)
    time.sleep(6)
    css(d, "#filter-op").send_keys("maintenance.start")
    css(d, "#filter-op").submit()
    t.ok(waited(d, lambda d: [r.text for r in d.find_elements("css selector", "tbody tr[data-key]")] and
                all("maintenance.start" in r.text for r in d.find_elements("css selector", "tbody tr[data-key]")), "filtered"),
         "the commands' op filter works after refreshes (it reads the inputs on the page)")
    css(d, "#filter-op").clear()
    css(d, "#filter-op").submit()
    # an asset filter
    css(d, "#live-feed-asset").send_keys("AAXJF")
    css(d, "#live-feed-filter").click()
    t.ok(waited(d, lambda d: all(li.text.split(" ")[1] == "AAXJF" for li in d.find_elements("css selector", "#live-feed li")),
                "filtered"), "filtered by asset AAXJF: only its events")
    command({"op": "mint", "asset": "USDC", "to": HOLDER, "amount": "1"})
    time.sleep(3)
    t.ok(all("USDC" not in li.text for li in d.find_elements("css selector", "#live-feed li")),
         "a USDC mint stays out of the AAXJF feed")
    # Pause holds, Resume shows
    B.button(d, "Pause").click()
    doc = command({"op": "burn", "asset": "AAXJF", "from": HOLDER, "amount": "1"})
    nav_seq = doc["events"][0]["seq"]
    t.ok(waited(d, lambda d: css(d, "#live-feed-toggle").text == "Resume (1 new)", "held"),
         "paused: an AAXJF burn is held back and counted", text_of(d, "#live-feed-toggle"))
    t.ok(not d.find_elements("css selector", "#live-feed li[data-seq='%d']" % nav_seq), "and not shown")
    css(d, "#live-feed-toggle").click()
    t.ok(waited(d, lambda d: css(d, "#live-feed li").get_attribute("data-seq") == str(nav_seq), "shown"),
         "Resume shows it on top")
    t.eq(text_of(d, "#live-feed-toggle"), "Pause", "the button is Pause again")
    shot(d, "history-live")
    css(d, "#live-feed-asset").clear()
    css(d, "#live-feed-filter").click()


def test_dashboard_feed():
    d = X.d
    go(d, "#/", "#dash-feed .badge.ok")
    d.execute_script("window.__noReload = 2")
    doc = command({"op": "mint", "asset": "USDC", "to": HOLDER, "amount": "7"})
    seq = doc["events"][0]["seq"]
    t.ok(waited(d, lambda d: css(d, "#dash-feed li").get_attribute("data-seq") == str(seq), "on top", timeout=6),
         "the dashboard's latest events show a new mint on top within seconds")
    t.eq(d.execute_script("return window.__noReload"), 2, "without a reload")
    t.eq(len(d.find_elements("css selector", "#dash-feed li")), 8, "the last 8 events")


def test_resolved():
    d = X.d
    go(d, "#/alerts", "#alerts-table")
    resolved = [a for a in active_alerts(all_=True) if a["state"] == "resolved"]
    t.ok(any(a["name"] == "NavStaleCritical" for a in resolved), "the NAV update resolved NavStaleCritical", resolved)
    t.ok(any(a["name"] == "CollateralFeedStale" for a in active_alerts()), "CollateralFeedStale still fires")
    t.ok(waited(d, lambda d: not d.find_elements("css selector", "#alerts-table tr[data-state=resolved]"), "hidden"),
         "resolved alerts are not listed by default")
    css(d, "#alerts-all").click()
    t.ok(waited(d, lambda d: shown_alerts(d) == api_rows(active_alerts(all_=True)), "all"),
         "Show resolved: the list is the API's ?all=1", (shown_alerts(d), api_rows(active_alerts(all_=True))))
    css(d, "#alerts-all").click()
    t.ok(waited(d, lambda d: shown_alerts(d) == api_rows(active_alerts()), "active"), "unticked: active ones only")


def test_narrow():
    d = X.d
    d.set_window_size(400, 900)
    for frag, sel in (("#/alerts", "#rules-table"), ("#/history", "#live-feed")):
        go(d, frag, sel)
        time.sleep(0.3)
        ok, w = B.no_horizontal_scroll(d)
        t.ok(ok, "no horizontal scroll at 400 px on " + frag, w)
    d.set_window_size(1280, 1000)


def main():
    fd, X.rules_file = tempfile.mkstemp(prefix="console-rules-", suffix=".yml")
    with os.fdopen(fd, "w") as f:
        f.write(RULES)
    node = Node(genesis=DEMO_GENESIS, clock_manual=True, serve_args=["--alert-rules", X.rules_file])
    X.node = node.start()
    B.use(node)
    try:
        doc = command({"op": "role.grant", "name": "alice", "role": "incident_manager"}, want=(202,))
        command({"op": "dev.advance", "duration": "25h"})
        command({"op": "timelock.execute", "id": doc["pending"]["timelock"]})
        command({"op": "nav.update", "asset": "AAXJF", "value": "1"}, who="bob")
        command({"op": "mint", "asset": "AAXJF", "to": HOLDER, "amount": "700000"})
        t.run("rules api", test_rules_api)
        if not B.ready(t):
            return
        X.d = browser()
        B.steps(t, (("alerts", test_alerts_view), ("maintenance", test_maintenance), ("rules", test_rules_list),
                         ("thresholds", test_thresholds), ("live", test_live_feed), ("dashboard feed", test_dashboard_feed),
                         ("resolved", test_resolved),
                         ("narrow", test_narrow)))
        B.check_no_key_sent(t)
        B.check_no_errors(t, lambda msg: "/api/commands" in msg and "400" in msg, min_expected=1)
        B.audit(t, node)
    finally:
        os.unlink(X.rules_file)
        B.close(t, node)
    t.done()


if __name__ == "__main__":
    main()
