"""test_console - the web console (issue 14, SPEC 1 "Clients", SPEC 7): served
by the node at `/`, driven end to end in headless Chromium (Debian's chromium,
chromium-driver and python3-selenium; scripts/deps.sh installs them).

A node on the demo genesis (examples/genesis.yaml: unpause needs two
approvals; alice admin and pauser, bob pauser, carol a viewer):

  serving      `/` and every file with its content type, the CSP and the
               other security headers, an ETag answered 304; an unknown path
               is a 404 that echoes nothing; POST is 405; /api/ keeps its routes
  sign in      a wrong key for the name is refused with its ERR_ code
  dashboard    alice loads examples/keys/alice.key: each asset's supply,
               holders and bar figures equal /api/system/status, formatted
  pause        USDW: the dry run shows the Paused event and changes nothing;
               Submit pauses it
  two ops      alice's Unpause: the dry run says it would become a proposal,
               Submit makes one (USDW stays paused); bob, in a second
               browser, approves it from Proposals: USDW is unpaused, and
               alice's page shows it without a reload (polling)
  mint         alice mints USDC through the form; the supply follows
  account      a bad address shows ERR_INVALID_ADDRESS; the holder's balance
               is the API's; alice's Freeze dry run shows the 2-approval proposal
  refused      carol's Pause shows ERR_UNAUTHORIZED with Submit disabled;
               alice's USDW mint shows ERR_QUORUM_NOT_MET; nothing changed
  history      filtered by op
  checks       the dashboard's daily checklist (status, counts, warn/fail
               items) and the weekly one on Checklists equal /api/checks
  danger       the global pause's dry run (scope global), nothing paused
  timelock     a role grant waits; Execute before its eta shows the refusal;
               after `dev advance 25h` the dashboard lists it due and
               Execute runs it; then an incident is opened, acknowledged and
               resolved from the Incidents view
  narrow       no horizontal scroll at 400 px
  signatures   the page's signing code equals an independent Ed25519 signer
               (Python cryptography) over SPEC 7's canonical bytes
  no key sent  no request any page made carries a seed (Chromium's
               performance log), and every /api/ request is signed
  no errors    no page logged an error, besides the HTTP refusals the
               refused actions and the bad address were meant to get

CONSOLE_SHOTS=DIR saves screenshots of the main views there
(docs/operators/img/ holds the ones docs/operators/console.md shows).
"""
import os
import sys

import base64  # noqa: E402
import hashlib  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import DEMO_GENESIS, KEYS_DIR, TAP, Node, addr, load_key, to_units  # noqa: E402
import browser as B  # noqa: E402
from browser import (api, SEEDS, browser, close_action, css, drain_logs, dry_run_and_submit, go, grouped, pct, shot,  # noqa: E402
                     sign_in, text_of, wait, waited)

B.reexec_under_debian_python()

t = TAP("console")

WEB_FILES = {
    "/": "text/html; charset=utf-8", "/index.html": "text/html; charset=utf-8",
    "/console.css": "text/css; charset=utf-8", "/favicon.svg": "image/svg+xml",
    "/app.js": "text/javascript; charset=utf-8", "/sign.js": "text/javascript; charset=utf-8",
    "/api.js": "text/javascript; charset=utf-8", "/fmt.js": "text/javascript; charset=utf-8",
    "/dom.js": "text/javascript; charset=utf-8", "/action.js": "text/javascript; charset=utf-8",
    "/dashboard.js": "text/javascript; charset=utf-8", "/proposals.js": "text/javascript; charset=utf-8",
    "/asset.js": "text/javascript; charset=utf-8", "/history.js": "text/javascript; charset=utf-8",
    "/danger.js": "text/javascript; charset=utf-8", "/incidents.js": "text/javascript; charset=utf-8",
    "/account.js": "text/javascript; charset=utf-8", "/incident.js": "text/javascript; charset=utf-8",
    "/checks.js": "text/javascript; charset=utf-8",
}
HOLDER = addr(1, 0xc5)


class X:
    node = None


def raw(method, path, headers=None, body=None):
    c = http.client.HTTPConnection("127.0.0.1", X.node.port, timeout=30)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        c.close()


def asset(sym):
    return api("/api/assets/" + sym)


# ---- serving ------------------------------------------------------------------

def test_serving():
    csp = None
    for path, ctype in WEB_FILES.items():
        st, h, body = raw("GET", path)
        t.ok(st == 200 and h.get("content-type") == ctype and len(body) > 0 and h.get("etag"),
             "GET %s: 200 %s with an ETag" % (path, ctype), (st, h))
        csp = csp or h.get("content-security-policy")
        t.ok(h.get("content-security-policy") == csp and h.get("x-content-type-options") == "nosniff" and
             h.get("cache-control") == "no-cache", "GET %s: the CSP, nosniff and no-cache" % path, h)
    parts = [p.strip() for p in (csp or "").split(";")]
    t.ok("default-src 'self'" in parts and "script-src 'self'" in parts and "style-src 'self'" in parts and
         "frame-ancestors 'none'" in parts and "unsafe-inline" not in csp and "http" not in csp,
         "the CSP allows only this origin, nothing inline", csp)
    st, h, body = raw("GET", "/")
    t.ok(b"<script>" not in body and b"style=" not in body and b'<script type="module" src="/app.js">' in body,
         "index.html has no inline script or style", body[:200])
    st2, h2, body2 = raw("GET", "/", {"If-None-Match": h["etag"]})
    t.ok(st2 == 304 and body2 == b"" and h2.get("etag") == h["etag"], "If-None-Match with the ETag: 304", (st2, h2))
    st3, h3, body3 = raw("HEAD", "/app.js")
    t.ok(st3 == 200 and body3 == b"" and h3.get("content-type") == WEB_FILES["/app.js"], "HEAD /app.js", (st3, h3))
    st, h, body = raw("GET", "/zz%3Cscript%3Emarker.js?q=<b>")
    t.ok(st == 404 and b"marker" not in body and b"script" not in body and h.get("cache-control") == "no-store" and
         h.get("content-security-policy") == csp, "an unknown path: 404 that echoes nothing", (st, h, body))
    st, h, body = raw("GET", "/../etc/passwd")
    t.ok(st in (400, 404) and b"root" not in body, "a path with .. reads no file", (st, body))
    st, h, body = raw("POST", "/", body=b"{}", headers={"Content-Type": "application/json"})
    t.ok(st == 405 and h.get("allow") == "GET, HEAD", "POST / is 405 with Allow", (st, h))
    st, h, body = raw("GET", "/api/system/status")
    t.ok(st == 401 and json.loads(body)["error"]["code"] == "ERR_AUTH_MISSING",
         "an API route keeps precedence (unsigned: 401 JSON)", (st, body))
    st, h, body = raw("GET", "/metrics")
    t.ok(st == 200 and b"mintline_" in body, "/metrics is still the node's", st)


# ---- the flows ----------------------------------------------------------------

def test_wrong_key():
    d = X.b1
    sign_in(d, "bob", name="alice", expect_ok=False)
    msg = wait(d, lambda d: text_of(d, "#signin-msg"), "the refusal")
    t.ok("ERR_AUTH_SIGNATURE" in msg and css(d, "#app").get_attribute("hidden") is not None,
         "bob's key under alice's name: ERR_AUTH_SIGNATURE, not signed in", msg)
    drain_logs(d)
    d.logs["browser"] = [e for e in d.logs["browser"] if "401" not in e["message"]]  # that refusal itself


def test_dashboard():
    d = X.b1
    sign_in(d, "alice")
    t.eq(text_of(d, "#who"), "alice", "signed in as alice (the name from the file's)")
    st = api("/api/system/status")
    wait(d, lambda d: len(d.find_elements("css selector", "article.asset")) == len(st["assets"]), "every asset")
    for a in st["assets"]:
        card = "article[data-asset='%s'] " % a["symbol"]
        t.eq(text_of(d, card + "[data-figure=supply]"), grouped(a["supply"], a["symbol"]),
             "%s: the supply shown is the API's" % a["symbol"])
        t.eq(text_of(d, card + "[data-figure=holders]"), grouped(str(a["holders"])), "%s: holders" % a["symbol"])
        dm = a["daily_mint"]
        want = (grouped(dm["used"], a["symbol"]) + " (no limit)" if dm["limit"] is None else
                grouped(dm["used"]) + " / " + grouped(dm["limit"], a["symbol"]) + " \u00b7 " + pct(dm["usage"]))
        t.eq(text_of(d, card + "[data-figure=daily_mint]"), want, "%s: daily mint usage" % a["symbol"])
        if a["supply_cap"] is not None:
            want = grouped(a["supply"]) + " / " + grouped(a["supply_cap"], a["symbol"]) + " \u00b7 " + pct(a["supply_cap_usage"])
            t.eq(text_of(d, card + "[data-figure=supply_cap]"), want, "%s: supply cap usage" % a["symbol"])
    ck = api("/api/checks/daily")
    t.eq((css(d, "#checklist-h [data-status]").text, text_of(d, "#checklist-counts")),
         (ck["status"], "%d pass, %d warn, %d fail, %d n/a" % (ck["counts"]["pass"], ck["counts"]["warn"],
                                                             ck["counts"]["fail"], ck["counts"]["n/a"])),
         "the daily checklist's status and counts are the API's")
    shown = sorted(e.get_attribute("data-check") for e in d.find_elements("css selector", "#checklist tr[data-check]"))
    t.eq(shown, sorted(i["status"] for i in ck["items"] if i["status"] in ("warn", "fail")),
         "the dashboard lists the checklist's warn and fail items")
    marks = d.find_elements("css selector", "article[data-asset='USDW'] [data-key=daily_mint] .mark")
    lefts = sorted(round(m.value_of_css_property("left").endswith("px") and
                         float(m.value_of_css_property("left")[:-2]) /
                         float(m.find_element("xpath", "..").size["width"]), 2) for m in marks)
    t.eq(lefts, [0.8, 0.95], "the daily mint bar marks the warning (80 %) and critical (95 %) thresholds")
    t.eq(d.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"), True,
         "no horizontal scroll at 1280 px")
    shot(d, "dashboard")


def test_pause():
    d = X.b1
    go(d, "#/asset/USDW", "#btn-pause")
    css(d, "#btn-pause").click()
    focus = lambda d: d.execute_script("return document.activeElement && document.activeElement.id")  # noqa: E731
    t.eq(focus(d), "action-dry", "the form opens with the focus on Dry run")
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("Dry run passed" in dry and "Paused" in dry, "Pause USDW: the dry run shows the Paused event", dry)
    t.eq(focus(d), "action-submit", "a passing dry run moves the focus to Submit")
    t.eq(asset("USDW")["paused"], False, "the dry run changed nothing")
    shot(d, "pause-dry-run")
    css(d, "#action-submit").click()
    res = wait(d, lambda d: text_of(d, "#action [data-result]"), "the pause's answer")
    t.ok(res.startswith("Done."), "Submit: done", res)
    t.eq(asset("USDW")["paused"], True, "USDW is paused")
    close_action(d)
    t.ok(waited(d, lambda d: text_of(d, "#pause-state") == "Paused", "Paused"), "the asset page shows Paused")


def test_two_operators():
    d = X.b1
    css(d, "#btn-unpause").click()
    dry, res = dry_run_and_submit(d)
    t.ok("would become a proposal needing 2 approvals" in dry, "Unpause: the dry run says a proposal", dry)
    t.ok("Proposal #" in res and "needs another operator" in res, "Submit: a proposal waits", res)
    props = api("/api/proposals")["proposals"]
    pid = props[-1]["id"] if props else None
    t.ok(props and props[-1]["op"] == "unpause" and props[-1]["approvals"] == ["alice"], "the API lists it", props)
    t.eq(asset("USDW")["paused"], True, "USDW is still paused")
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    ActionChains(d).send_keys(Keys.ESCAPE).perform()
    t.ok(waited(d, lambda d: not css(d, "#action").is_displayed(), "closed"), "Escape closes the form")
    go(d, "#/", ".dashboard")
    t.ok(waited(d, lambda d: "Proposal #%s" % pid in text_of(d, "#waiting"), "the proposal"),
         "alice's dashboard lists the proposal")
    d.execute_script("window.__cls = 0; new PerformanceObserver((l) => { for (const e of l.getEntries())"
                     " if (!e.hadRecentInput) window.__cls += e.value; }).observe({type: 'layout-shift'});")
    b = X.b2
    sign_in(b, "bob")
    go(b, "#/proposals", "[data-approve='%s']" % pid)
    t.ok("1 of 2" in text_of(b, "[data-approvals='%s']" % pid), "bob sees 1 of 2 approvals", None)
    shot(b, "proposals")
    css(b, "[data-approve='%s']" % pid).click()
    dry, res = dry_run_and_submit(b)
    t.ok("Dry run passed" in dry and "Unpaused" in dry, "Approve: the dry run shows the Unpaused event it releases", dry)
    t.ok("ran." in res, "bob's approval ran the proposal", res)
    t.eq(asset("USDW")["paused"], False, "USDW is unpaused")
    close_action(b)
    t.ok(waited(b, lambda b: b.find_elements("css selector", "#no-proposals"), "empty"), "bob's Proposals list empties")
    card = "article[data-asset='USDW'] header .badge"
    t.ok(waited(d, lambda d: text_of(d, card) == "Active", "Active", timeout=12),
         "alice's dashboard shows USDW active without a reload (polling)")
    cls = d.execute_script("return window.__cls")
    t.ok(cls is not None and cls < 0.01, "refreshes moved no layout on alice's page (CLS %.4f)" % (cls or 0), cls)
    control = d.execute_async_script(
        "const done = arguments[0]; const v = document.getElementById('view');"
        "const x = document.createElement('div'); x.className = 'card'; x.textContent = 'x'.repeat(2000);"
        "v.prepend(x); setTimeout(() => { x.remove(); done(window.__cls); }, 300);")
    t.ok(control and control > cls, "control: the observer sees a shift made on purpose (%.4f)" % (control or 0), control)


def test_mint():
    d = X.b1
    before = asset("USDC")["supply"]
    go(d, "#/asset/USDC", "#btn-mint")
    css(d, "#btn-mint").click()
    css(d, "#f-to").send_keys(HOLDER)
    css(d, "#f-amount").send_keys("2500.25")
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("Dry run passed" in dry and "Mint USDC" in dry and HOLDER in dry, "Mint USDC: the dry run shows its Mint event", dry)
    css(d, "#f-amount").send_keys("0")  # edited after the dry run: Submit is disabled again
    t.eq(css(d, "#action-submit").get_attribute("disabled") is not None, True,
         "editing a field after the dry run disables Submit")
    css(d, "#f-amount").send_keys("\b")
    dry, res = dry_run_and_submit(d)
    t.ok(res.startswith("Done."), "Submit: minted", res)
    after = asset("USDC")["supply"]
    t.eq(to_units(after, 6) - to_units(before, 6), 2500250000, "USDC supply grew by 2,500.25")
    close_action(d)
    t.ok(waited(d, lambda d: text_of(d, "[data-figure=supply]") == grouped(after, "USDC"), "supply"),
         "the asset page shows the new supply", after)


def test_account():
    d = X.b1
    go(d, "#/account", "#account-address")
    css(d, "#account-address").send_keys("0xzz")
    css(d, "#account-address").submit()
    t.ok(waited(d, lambda d: "ERR_INVALID_ADDRESS" in text_of(d, "#view"), "refusal"),
         "a bad address: ERR_INVALID_ADDRESS shown", text_of(d, "#view"))
    go(d, "#/account", "#account-address")
    css(d, "#account-address").clear()
    css(d, "#account-address").send_keys(HOLDER[:20])
    css(d, "#refresh").click()  # the page refreshes while the operator types
    time.sleep(0.5)
    css(d, "#account-address").send_keys(HOLDER[20:])
    css(d, "#account-address").submit()
    t.ok(waited(d, lambda d: d.find_elements("css selector", "[data-balance=USDC]"), "the account"),
         "an address typed across a refresh is the one looked up", d.execute_script("return location.hash"))
    go(d, "#/account/" + HOLDER, "[data-balance=USDC]")
    acct = api("/api/accounts/" + HOLDER)
    t.ok(grouped(acct["balances"]["USDC"]["balance"]) in text_of(d, "[data-balance=USDC]"),
         "the account's USDC balance is the API's", (text_of(d, "[data-balance=USDC]"), acct))
    css(d, "#btn-freeze").click()
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("Frozen" in dry and "proposal needing 2 approvals" in dry,
         "alice's Freeze (a compliance officer): the dry run shows the two-approval proposal it would become", dry)
    close_action(d)
    t.eq(api("/api/accounts/" + HOLDER)["frozen"], False, "nothing frozen")


def test_refused():
    d = X.b1
    h0 = api("/api/system/status")["node"]["height"]
    go(d, "#/asset/USDW", "#btn-mint")
    css(d, "#btn-mint").click()
    css(d, "#f-to").send_keys(HOLDER)
    css(d, "#f-amount").send_keys("10")
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("ERR_QUORUM_NOT_MET" in dry and "Nothing was changed" in dry, "alice's USDW mint: ERR_QUORUM_NOT_MET shown", dry)
    t.eq(css(d, "#action-submit").get_attribute("disabled") is not None, True, "Submit stays disabled")
    shot(d, "refused")
    close_action(d)
    b = X.b2
    css(b, "#signout").click()
    wait(b, lambda b: css(b, "#signin").is_displayed(), "bob signed out")
    t.eq(b.execute_script("return document.getElementById('view').childElementCount"), 0,
         "Sign out: the view is emptied")
    sign_in(b, "carol")
    go(b, "#/asset/USDW", "#btn-pause")
    css(b, "#btn-pause").click()
    dry, _ = dry_run_and_submit(b, submit=False)
    t.ok("ERR_UNAUTHORIZED" in dry, "carol's Pause: ERR_UNAUTHORIZED shown", dry)
    t.eq(css(b, "#action-submit").get_attribute("disabled") is not None, True, "carol cannot Submit")
    close_action(b)
    t.eq(asset("USDW")["paused"], False, "USDW still unpaused")
    t.eq(api("/api/system/status")["node"]["height"], h0, "no block was made by the refusals")


def test_history():
    d = X.b1
    go(d, "#/history", "#filter-op")
    css(d, "#filter-op").send_keys("pause")
    css(d, "#filter-op").submit()
    rows = wait(d, lambda d: d.find_elements("css selector", "tbody tr[data-key]") if all(
        "pause" in r.text for r in d.find_elements("css selector", "tbody tr[data-key]")) else None, "filtered rows")
    t.ok(rows and all(" pause " in " " + r.text + " " for r in rows), "history filtered by op=pause", [r.text for r in rows])
    shot(d, "history")


def test_checks():
    d = X.b1
    go(d, "#/checks/weekly", "#checks-summary")
    ck = api("/api/checks/weekly")
    t.ok(waited(d, lambda d: text_of(d, "#checks-summary").startswith("weekly checklist: " + ck["status"]), "weekly"),
         "Checklists: the weekly status is the API's", text_of(d, "#checks-summary"))
    t.eq(len(d.find_elements("css selector", "tr[data-check]")), len(ck["items"]), "every weekly item is listed")


def test_danger():
    d = X.b1
    go(d, "#/danger", "#btn-pause-all")
    t.eq(text_of(d, "#global-state"), "Running", "Danger: the ledger is running")
    css(d, "#btn-pause-all").click()
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("Dry run passed" in dry and "Paused" in dry and '"scope":"global"' in dry,
         "Pause System: the dry run shows a global Paused event", dry)
    close_action(d)
    t.eq(api("/api/contracts/status")["paused"], False, "the dry run paused nothing")
    shot(d, "danger")


def test_timelock_and_incidents():
    """A timelocked role grant executed from Proposals once due, then an
    incident opened, acknowledged and resolved, all in the browser."""
    d = X.b1
    st, doc = X.node.client("alice").command({"op": "role.grant", "name": "carol", "role": "auditor"})
    tid = (doc.get("pending") or {}).get("timelock")
    t.ok(st == 202 and tid, "a role grant waits in the timelock", doc)
    go(d, "#/proposals", "[data-execute='%s']" % tid)
    css(d, "[data-execute='%s']" % tid).click()
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("ERR_" in dry and "Dry run passed" not in dry, "Execute before its eta: the refusal is shown", dry)
    close_action(d)
    css(d, "[data-expedite='%s']" % tid).click()
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("ERR_NO_EMERGENCY" in dry, "Expedite with no P0/P1 open: ERR_NO_EMERGENCY shown", dry)
    close_action(d)
    st, doc = X.node.client("alice").command({"op": "dev.advance", "duration": "25h"})
    t.eq(st, 200, "the ledger clock moves 25h")
    go(d, "#/", ".dashboard")
    t.ok(waited(d, lambda d: "Timelock #%s" % tid in text_of(d, "#waiting"), "due entry", timeout=12),
         "the dashboard lists the entry as due")
    go(d, "#/proposals", "[data-execute='%s']" % tid)
    css(d, "[data-execute='%s']" % tid).click()
    dry, res = dry_run_and_submit(d)
    t.ok("Dry run passed" in dry and res.startswith("Done."), "Execute once due: done", (dry, res))
    close_action(d)
    ops = [o for o in api("/api/operators")["operators"] if o["name"] == "carol"]
    t.ok(ops and "auditor" in ops[0]["roles"], "carol is an auditor", ops)
    go(d, "#/incidents", "#btn-incident-open")
    css(d, "#btn-incident-open").click()
    css(d, "#f-severity").send_keys("P2")
    css(d, "#f-title").send_keys("USDW reserve feed late")
    css(d, "#f-asset").send_keys("USDW")
    dry, res = dry_run_and_submit(d)
    t.ok("IncidentOpened" in dry and res.startswith("Done."), "Open an incident: dry run, then done", (dry, res))
    close_action(d)
    inc = api("/api/incidents")["incidents"]
    iid = inc[0]["id"] if inc else None
    t.ok(inc and inc[0]["title"] == "USDW reserve feed late" and inc[0]["state"] == "open", "the API has it open", inc)
    css(d, "[data-ack='%s']" % iid).click()
    dry, res = dry_run_and_submit(d)
    t.ok(res.startswith("Done."), "Ack: done", res)
    close_action(d)
    t.ok(waited(d, lambda d: text_of(d, "[data-state='%s']" % iid).startswith("acknowledged"), "acked"),
         "the list shows it acknowledged", text_of(d, "[data-state='%s']" % iid))
    shot(d, "incidents")
    css(d, "[data-resolve='%s']" % iid).click()
    css(d, "#f-summary").send_keys("feed restarted")
    dry, res = dry_run_and_submit(d)
    t.ok(res.startswith("Done."), "Resolve: done", res)
    close_action(d)
    t.eq(api("/api/incidents/%s" % iid)["state"], "resolved", "the incident is resolved")
    go(d, "#/incident/%s" % iid, "#timeline tbody tr")
    tl = text_of(d, "#timeline")
    t.ok("opened P2: USDW reserve feed late" in tl and "acknowledged" in tl and "resolved: feed restarted" in tl,
         "the incident page's timeline has the open, the ack and the resolve", tl)
    pm = d.execute_script("return document.getElementById('postmortem').value")
    t.ok(pm.startswith("# Post-mortem: incident %s: USDW reserve feed late\n" % iid) and "\n## Summary\n\nfeed restarted\n" in pm
         and "| alice | resolved: feed restarted |" in pm and "## Action items" in pm,
         "the post-mortem has the CLI's sections, the summary and the timeline", pm)
    r = X.node.cli("incident", "postmortem", str(iid))
    heads = lambda text: [ln for ln in text.splitlines() if ln.startswith("#")]  # noqa: E731
    t.eq(heads(pm), heads(r.out), "its headings are the CLI's post-mortem's")
    shot(d, "incident")


def test_signatures():
    d = X.b1
    key = load_key(os.path.join(KEYS_DIR, "alice.key"))
    vectors = [("GET", "/api/system/status", "1765000000000", "00ff", ""),
               ("POST", "/api/commands", "1765000000001", "n-1_A", '{"op":"pause","asset":"USDW"}'),
               ("GET", "/api/history?limit=20&op=mint&operator=al%20ice", "1", "x", ""),
               ("POST", "/api/commands?dry=1", "1765000000002", "abc", '{"op":"mint","reason":"caf\u00e9 \u2713"}')]
    for method, pq, tm, nonce, body in vectors:
        got = d.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "import('/sign.js').then((m) => m.signVector(arguments[0], arguments[1], arguments[2], arguments[3],"
            " arguments[4], arguments[5])).then(done, (e) => done('error: ' + e));",
            SEEDS["alice"] + "\n", method, pq, tm, nonce, body)
        msg = "mintline-v1\n%s\n%s\n%s\n%s\n%s" % (method, pq, tm, nonce,
                                                  hashlib.sha256(body.encode()).hexdigest())
        want = base64.b64encode(key.sign(msg.encode())).decode()
        t.eq(got, want, "the page's signature of %s %s equals an independent signer's" % (method, pq))


def test_no_key_sent():
    B.check_no_key_sent(t)


def test_no_errors():
    # the refused actions' answers (403, 409) and the bad address are the point of those steps
    B.check_no_errors(t, lambda msg: ("/api/commands" in msg and ("403" in msg or "409" in msg)) or
                      ("/api/accounts/0xzz" in msg and "400" in msg), min_expected=3)


def test_narrow():
    d = X.b1
    d.set_window_size(400, 900)
    go(d, "#/", ".dashboard")
    time.sleep(0.3)
    w = d.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    t.ok(w[0] <= w[1], "no horizontal scroll at a narrow width", w)
    shot(d, "dashboard-narrow")
    d.set_window_size(1280, 1000)


def main():
    node = Node(genesis=DEMO_GENESIS, clock_manual=True)
    X.node = node.start()
    B.use(node)
    try:
        st, doc = node.client("alice").command({"op": "mint", "asset": "USDC", "to": addr(2, 0xc5), "amount": "1234567.5"})
        if st != 200:
            raise RuntimeError("mint: %s %s" % (st, doc))
        t.run("serving", test_serving)
        if not B.ready(t):
            return
        X.b1 = browser()
        X.b2 = browser()
        B.steps(t, (("wrong key", test_wrong_key), ("dashboard", test_dashboard), ("pause", test_pause),
                         ("two operators", test_two_operators), ("mint", test_mint), ("account", test_account),
                         ("refused", test_refused),
                         ("history", test_history), ("checks", test_checks), ("danger", test_danger),
                         ("timelock and incidents", test_timelock_and_incidents), ("signatures", test_signatures), ("narrow", test_narrow),
                         ("no key sent", test_no_key_sent), ("no errors", test_no_errors)))
        B.audit(t, node)
    finally:
        B.close(t, node)
    t.done()


if __name__ == "__main__":
    main()
