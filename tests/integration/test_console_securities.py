"""test_console_securities - the console's compliance and payout views (issue 14;
SPEC 5, SPEC 6 "payouts"; seed 003, COINSCIOUS), in headless Chromium, on a
node from examples/securities.yaml as shipped (ACME in REG_D and REG_S, USDC;
alice transfer agent and payout manager, bob compliance officer, carol a
viewer; mint of ACME and payout.distribute need two approvals):

  serving      /compliance.js and /payouts.js are served as modules
  refused      carol's Register identity: ERR_UNAUTHORIZED shown, Submit
               disabled, no identity, no block
  identity     bob looks US1 up ("No identity"), registers it and sets kyc,
               accredited and tax_form through the page: country, type and
               each claim's expiry and state equal GET /api/identities; the
               tax form expiring in 10 days is marked and counted in the
               summary as status's compliance block counts it; a claim with
               a past date shows ERR_INVALID_ARGUMENT and changes nothing;
               Revoke claim and Remove identity; the account page links the
               identity
  rules        #/rules/ACME equals the asset's rules; holders against
               max_holders with the 70 % / 90 % marks; Set rules' dry run
               shows the timelock entry (1d) it would become, Submit queues it
  payouts      alice: Snapshot and Create payout through the page (equal to
               GET /api/payouts); the payout's page, legs paged two at a
               time (Next page / Previous page), equal the API's pages;
               funded, available, tax forms missing and the preflight
               (ERR_TAX_FORM_MISSING) as the API says; Distribute's dry run
               is refused the same way; bob records the tax form; the
               preflight passes; Distribute's dry run shows the proposal
               and the PayoutDistributed event; Submit; bob approves from
               Proposals in his own browser; the payout shows distributed,
               its legs equal the API's and the holders' USDC balances
  narrow       no horizontal scroll at 400 px on both views
  no key sent  no request carries a seed; every /api/ request is signed
  no errors    no page logged an error but the refusals asked for

CONSOLE_SHOTS=DIR saves identities.png and payout.png there.
"""
import datetime
import http.client
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import REPO, TAP, Node, addr  # noqa: E402
import browser as B  # noqa: E402
from browser import (api, browser, close_action, css, dry_run_and_submit, fill, go, grouped, pct, shot,  # noqa: E402
                     sign_in, text_of, wait, waited)

B.reexec_under_debian_python()

t = TAP("console_securities")
EXAMPLE = os.path.join(REPO, "examples", "securities.yaml")

US1 = addr(1, 0xc5)      # US, individual: registered and given claims through the page; REG_D
DE = addr(2, 0xc5)       # DE, kyc and tax form: REG_S
JP = addr(3, 0xc5)       # JP, kyc and tax form: REG_S
FR = addr(4, 0xc5)       # FR, kyc and tax form: REG_S
GB = addr(5, 0xc5)       # GB: registered, then removed through the page
DIST = addr(9, 0xd5)     # the USDC distributor


class X:
    node = None
    today = None     # the ledger's day (datetime.date)
    far = None       # a claim expiry two years ahead
    soon = None      # a claim expiry 10 days ahead
    snap = None
    pay = None


def api_status(path, who="carol"):
    return X.node.client(who).get(path)


def cmd(who, c, want=200):
    st, doc = X.node.client(who).command(c)
    if st != want:
        raise RuntimeError("%s: %s %s" % (c, st, doc))
    return doc


def two(c):
    """alice proposes, bob approves (the genesis's two-operator mint)."""
    doc = cmd("alice", c, 202)
    cmd("bob", {"op": "approve", "id": doc["pending"]["proposal"]})


def height():
    return api("/api/system/status")["node"]["height"]


def submit_disabled(d):
    return css(d, "#action-submit").get_attribute("disabled") is not None


def click(d, sel):
    wait(d, lambda d: css(d, sel).is_displayed(), sel)
    css(d, sel).click()
    wait(d, lambda d: css(d, "#action").is_displayed(), "the form of " + sel)


def test_serving():
    for path in ("/compliance.js", "/payouts.js"):
        c = http.client.HTTPConnection("127.0.0.1", X.node.port, timeout=30)
        try:
            c.request("GET", path)
            r = c.getresponse()
            body = r.read()
            t.ok(r.status == 200 and r.getheader("Content-Type") == "text/javascript; charset=utf-8" and
                 b"export function" in body and r.getheader("Content-Security-Policy"),
                 "GET %s: the module, with its content type and the CSP" % path, (r.status, r.getheaders()))
        finally:
            c.close()


# ---- identities and claims ----------------------------------------------------------

def test_refused_register():
    d = X.b1
    sign_in(d, "carol")
    h0 = height()
    go(d, "#/identities/" + US1, "#identity-state")
    t.ok(waited(d, lambda d: text_of(d, "#identity-state").startswith("No identity"), "no identity"),
         "an unregistered address: No identity", text_of(d, "#identity-state"))
    click(d, "#btn-identity-register")
    fill(d, "country", "US")
    fill(d, "investor_type", "individual")
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("ERR_UNAUTHORIZED" in dry and "Nothing was changed" in dry, "carol's Register identity: ERR_UNAUTHORIZED shown", dry)
    t.eq(submit_disabled(d), True, "carol cannot Submit")
    close_action(d)
    t.eq(api_status("/api/identities/" + US1)[0], 404, "no identity was registered")
    t.eq(height(), h0, "no block was made")


def claims_shown(d):
    out = {}
    for r in d.find_elements("css selector", "#claims tr[data-claim]"):
        topic = r.get_attribute("data-claim")
        out[topic] = (text_of(d, "[data-expires='%s']" % topic), text_of(d, "[data-valid='%s']" % topic),
                      text_of(d, "[data-days='%s']" % topic))
    return out


def claims_want(doc):
    out = {}
    for topic, c in doc["claims"].items():
        days = (datetime.date.fromisoformat(c["expires"]) - X.today).days
        state = "expired" if not c["valid"] else "expiring soon" if days <= 30 else "valid"
        out[topic] = (c["expires"], state, ("{:,} day".format(days) + ("" if days == 1 else "s")) if days > 0 else "none")
    return out


def set_claim(d, topic, expires):
    click(d, "#btn-claim-set")
    fill(d, "topic", topic)
    fill(d, "expires", expires)
    return dry_run_and_submit(d)


def test_identity():
    d = X.b1
    sign_in(d, "bob")
    go(d, "#/identities", "#compliance-summary")
    st = api("/api/system/status")
    t.eq(text_of(d, "[data-figure=identities]"), grouped(str(st["compliance"]["identities"])),
         "the summary's identities are status's")
    acme = [a for a in st["assets"] if a["symbol"] == "ACME"][0]
    want = "%s / %s holders \u00b7 %s" % (grouped(str(acme["holders"])), grouped(str(acme["max_holders"])),
                                         pct(acme["holder_limit_usage"]))
    t.eq(text_of(d, "[data-asset=ACME] [data-figure=holders]"), want, "ACME's holders against max_holders")
    before = text_of(d, "#updated")
    css(d, "#identity-address").send_keys(US1)
    t.ok(waited(d, lambda d: text_of(d, "#updated") != before, "a refresh", timeout=12),
         "the view refreshed while the address was being typed")
    css(d, "#identity-address").submit()
    t.ok(waited(d, lambda d: text_of(d, "#identity-state").startswith("No identity"), "no identity"),
         "Look up: No identity", text_of(d, "#view"))
    click(d, "#btn-identity-register")
    fill(d, "country", "US")
    fill(d, "investor_type", "individual")
    dry, res = dry_run_and_submit(d)
    t.ok("Dry run passed" in dry and "IdentityRegistered" in dry and res.startswith("Done."),
         "Register identity: dry run, then done", (dry, res))
    close_action(d)
    doc = api("/api/identities/" + US1)
    t.eq((doc["country"], doc["investor_type"], doc["claims"]), ("US", "individual", {}), "the API has the identity")
    t.ok(waited(d, lambda d: text_of(d, "[data-figure=country]") == "US", "country"), "the page shows it")
    t.eq((text_of(d, "[data-figure=country]"), text_of(d, "[data-figure=investor_type]")), ("US", "individual"),
         "country and investor type are the API's")
    h0 = height()
    click(d, "#btn-claim-set")
    fill(d, "topic", "kyc")
    fill(d, "expires", (X.today - datetime.timedelta(days=1)).isoformat())
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("ERR_INVALID_ARGUMENT" in dry and "Nothing was changed" in dry, "Set claim with a past date: ERR_INVALID_ARGUMENT", dry)
    t.eq(submit_disabled(d), True, "Submit stays disabled")
    close_action(d)
    t.eq((api("/api/identities/" + US1)["claims"], height()), ({}, h0), "the refusal changed nothing")
    for topic, exp in (("kyc", X.far), ("accredited", X.far), ("tax_form", X.soon)):
        dry, res = set_claim(d, topic, exp)
        t.ok("ClaimSet" in dry and res.startswith("Done."), "Set claim %s, expires %s: done" % (topic, exp), (dry, res))
        close_action(d)
    doc = api("/api/identities/" + US1)
    t.eq(sorted(doc["claims"]), ["accredited", "kyc", "tax_form"], "the API has the three claims")
    want = claims_want(doc)
    t.ok(waited(d, lambda d: claims_shown(d) == want, "claims"), "each claim's expiry, state and days left are the API's",
         (claims_shown(d), want))
    t.eq(want["tax_form"][1:], ("expiring soon", "10 days"), "the tax form expiring in 10 days is marked")
    st = api("/api/system/status")["compliance"]
    t.eq(st["claims_expiring_30d"]["tax_form"], 1, "status counts it expiring within 30 days")
    t.ok(waited(d, lambda d: text_of(d, "[data-figure=expiring]") == "1 (tax_form 1)", "summary"),
         "the summary shows the claim expiring, as status counts it", text_of(d, "[data-figure=expiring]"))
    shot(d, "identities")
    click(d, "#btn-claim-revoke")
    fill(d, "topic", "tax_form")
    dry, res = dry_run_and_submit(d)
    t.ok("ClaimRevoked" in dry and res.startswith("Done."), "Revoke claim tax_form: done", (dry, res))
    close_action(d)
    t.eq(sorted(api("/api/identities/" + US1)["claims"]), ["accredited", "kyc"], "the API no longer lists it")
    t.ok(waited(d, lambda d: sorted(claims_shown(d)) == ["accredited", "kyc"], "revoked"), "nor does the page")
    go(d, "#/account/" + US1, "#identity-link")
    t.eq(css(d, "#identity-link").get_attribute("href").split("#", 1)[1], "/identities/" + US1,
         "the account page links the identity")
    go(d, "#/identities/" + GB, "#btn-identity-remove")
    click(d, "#btn-identity-remove")
    dry, res = dry_run_and_submit(d)
    t.ok("IdentityRemoved" in dry and res.startswith("Done."), "Remove identity: done", (dry, res))
    close_action(d)
    t.eq(api_status("/api/identities/" + GB)[0], 404, "the API has no identity for it any more")
    t.ok(waited(d, lambda d: text_of(d, "#identity-state").startswith("No identity"), "removed"), "the page says No identity")


# ---- asset rules ---------------------------------------------------------------------

def test_rules():
    d = X.b1
    go(d, "#/rules/ACME", "#rules")
    a = api("/api/assets/ACME")
    r = a["rules"]
    shown = {e.get_attribute("data-rule"): e.text for e in d.find_elements("css selector", "#rules [data-rule]")}
    t.eq(shown, {"required_claims": ", ".join(r["required_claims"]), "allowed_countries": ", ".join(r["allowed_countries"]) or "any",
                 "blocked_countries": ", ".join(r["blocked_countries"]), "max_holders": grouped(str(r["max_holders"])),
                 "max_balance": grouped(r["max_balance"], "ACME")}, "the rules shown are the API's")
    parts = [[c.text for c in e.find_elements("css selector", "td")] for e in d.find_elements("css selector", "#partitions tr[data-partition]")]
    t.eq(parts, [[p["name"], ", ".join(p["required_claims"]) or "none", p["lockup_until"] or "none",
                  "barred" if p["no_us_persons"] else "allowed"] for p in r["partitions"]], "the partitions are the API's")
    marks = d.find_elements("css selector", "[data-key=holders] .mark")
    lefts = sorted(round(float(m.value_of_css_property("left")[:-2]) / float(m.find_element("xpath", "..").size["width"]), 2)
                   for m in marks)
    t.eq(lefts, [0.7, 0.9], "the holders bar marks 70 % and 90 % of max_holders")
    click(d, "#btn-rules-set")
    fill(d, "max_holders", "1500")
    dry, res = dry_run_and_submit(d)
    t.ok("AssetRulesSet" in dry and "scheduled in the timelock (delay 1d)" in dry, "Set rules: the dry run shows the timelock entry", dry)
    t.ok(res.startswith("Submitted: waiting.") and "Timelock entry #" in res, "Submit: a timelock entry", res)
    close_action(d)
    tl = api("/api/timelock")["timelock"]
    t.ok(tl and tl[-1]["op"] == "asset.rules.set" and tl[-1]["args"].get("max_holders") in (1500, "1500"),
         "the API's timelock has it", tl)
    t.eq(api("/api/assets/ACME")["rules"]["max_holders"], 2000, "the rules are unchanged until it runs")


# ---- payouts -----------------------------------------------------------------------

def legs_shown(d):
    return [(r.get_attribute("data-leg"), text_of(d, "[data-leg-amount='%s']" % r.get_attribute("data-leg")))
            for r in d.find_elements("css selector", "#legs tr[data-leg]")]


def legs_want(pid, offset, limit):
    doc = api("/api/payouts/%s?offset=%d&limit=%d" % (pid, offset, limit))
    return [(leg["address"], grouped(leg["amount"], "USDC")) for leg in doc["legs"]], doc


def test_payouts():
    d = X.b2
    sign_in(d, "alice")
    go(d, "#/payouts", "#btn-snapshot")
    click(d, "#btn-snapshot")
    fill(d, "asset", "ACME")
    dry, res = dry_run_and_submit(d)
    t.ok("PayoutSnapshot" in dry and res.startswith("Done."), "Snapshot ACME: dry run, then done", (dry, res))
    close_action(d)
    snaps = api("/api/payouts")["snapshots"]
    X.snap = snaps[-1]["id"] if snaps else None
    t.ok(snaps and snaps[-1]["asset"] == "ACME" and snaps[-1]["holders"] == 4, "the API has the snapshot: 4 holders", snaps)
    s = snaps[-1]
    t.ok(waited(d, lambda d: (text_of(d, "[data-holders='%s']" % X.snap), text_of(d, "[data-snapshot-total='%s']" % X.snap)) ==
                (grouped(str(s["holders"])), grouped(s["total"], "ACME")), "snapshot row"),
         "the page lists it as the API has it")
    click(d, "[data-create='%s']" % X.snap)
    t.eq(css(d, "#action [name=snapshot]").get_attribute("value"), str(X.snap), "Create payout from a snapshot's row: it is chosen")
    fill(d, "pay", "USDC")
    fill(d, "total", "1000")
    fill(d, "from", DIST)
    fill(d, "mode", "full")
    dry, res = dry_run_and_submit(d)
    t.ok("PayoutCreated" in dry and res.startswith("Done."), "Create payout: dry run, then done", (dry, res))
    close_action(d)
    pays = api("/api/payouts")["payouts"]
    X.pay = pays[-1]["id"] if pays else None
    t.ok(pays and (pays[-1]["total"], pays[-1]["mode"], pays[-1]["from"], pays[-1]["status"]) == ("1000", "full", DIST, "open"),
         "the API has the payout: 1000 USDC, full, open", pays)
    t.ok(waited(d, lambda d: text_of(d, "[data-total='%s']" % X.pay) == "1,000 USDC", "listed"), "the page lists it")

    go(d, "#/payout/%s?limit=2" % X.pay, "#legs")
    want, doc = legs_want(X.pay, 0, 2)
    t.ok(waited(d, lambda d: legs_shown(d) == want, "page 1"), "legs 1-2 are the API's first page", (legs_shown(d), want))
    t.eq(text_of(d, "#legs-range"), "Legs 1\u20132 of 4", "the pager says which legs")
    figs = {k: text_of(d, "[data-figure=%s]" % k) for k in ("funded", "available", "tax_forms_missing", "amount")}
    t.eq(figs, {"funded": "yes" if doc["funded"] else "no", "available": grouped(doc["available"], "USDC"),
                "tax_forms_missing": str(doc["tax_forms_missing"]), "amount": grouped(doc["amount"], "USDC")},
         "funded, available, tax forms missing and the amount are the API's")
    t.eq(doc["tax_forms_missing"], 1, "one tax form is missing (US1's, revoked)")
    pf = doc["preflight"]["error"]
    t.ok(pf["code"] == "ERR_TAX_FORM_MISSING" and pf["code"] in text_of(d, "#preflight") and pf["message"] in text_of(d, "#preflight"),
         "the preflight shows what distribute would answer now", text_of(d, "#preflight"))
    css(d, "#legs-next").click()
    want2, _ = legs_want(X.pay, 2, 2)
    t.ok(waited(d, lambda d: legs_shown(d) == want2, "page 2"), "Next page: legs 3-4 are the API's second page",
         (legs_shown(d), want2))
    t.ok(not d.find_elements("css selector", "#legs-next") and d.find_elements("css selector", "#legs-prev"),
         "the last page: Previous page, no Next page")
    css(d, "#legs-prev").click()
    t.ok(waited(d, lambda d: legs_shown(d) == want, "page 1 again"), "Previous page: the first page again")
    t.ok(waited(d, lambda d: d.find_elements("css selector", "#legs-next") and not d.find_elements("css selector", "#legs-prev"),
                "pager"), "the first page: Next page, no Previous page")
    h0 = height()
    click(d, "#btn-distribute")
    dry, _ = dry_run_and_submit(d, submit=False)
    t.ok("ERR_TAX_FORM_MISSING" in dry and US1 in dry, "Distribute's dry run: ERR_TAX_FORM_MISSING naming US1", dry)
    t.eq(submit_disabled(d), True, "Submit stays disabled")
    close_action(d)
    t.eq((api("/api/payouts/%s" % X.pay)["status"], height()), ("open", h0), "nothing changed")

    b = X.b1  # bob records the tax form from the identities page
    go(b, "#/identities/" + US1, "#btn-claim-set")
    dry, res = set_claim(b, "tax_form", X.far)
    t.ok(res.startswith("Done."), "bob sets US1's tax form", res)
    close_action(b)
    t.ok(waited(d, lambda d: "Distribute would pass now" in text_of(d, "#preflight"), "preflight ok", timeout=12),
         "alice's payout page: the preflight passes now (polling)", text_of(d, "#view"))
    shot(d, "payout")
    click(d, "#btn-distribute")
    dry, res = dry_run_and_submit(d)
    t.ok("would become a proposal needing 2 approvals" in dry and "PayoutDistributed" in dry,
         "Distribute's dry run: the proposal it would become and the PayoutDistributed event", dry)
    t.ok("Proposal #" in res, "Submit: a proposal waits", res)
    close_action(d)
    props = [p for p in api("/api/proposals")["proposals"] if p["status"] == "pending" and p["op"] == "payout.distribute"]
    t.ok(len(props) == 1 and props[0]["approvals"] == ["alice"], "the API lists the proposal", props)
    t.eq(api("/api/payouts/%s" % X.pay)["status"], "open", "the payout is still open")
    pid = props[0]["id"] if props else None
    go(b, "#/proposals", "[data-approve='%s']" % pid)
    css(b, "[data-approve='%s']" % pid).click()
    dry, res = dry_run_and_submit(b)
    t.ok("PayoutDistributed" in dry and "ran." in res, "bob approves from Proposals: it ran", (dry, res))
    close_action(b)
    t.eq(api("/api/payouts/%s" % X.pay)["status"], "distributed", "the API says distributed")
    t.ok(waited(d, lambda d: text_of(d, "[data-figure=status]") == "distributed", "distributed", timeout=12),
         "alice's payout page shows it distributed without a reload")
    go(d, "#/payout/%s" % X.pay, "#legs")
    want, doc = legs_want(X.pay, 0, 100)
    t.ok(waited(d, lambda d: legs_shown(d) == want, "legs"), "the legs as paid are the API's", (legs_shown(d), want))
    t.eq((text_of(d, "[data-figure=paid]"), text_of(d, "[data-figure=legs_paid]")), (grouped(doc["paid"], "USDC"), str(doc["legs_paid"])),
         "paid and legs paid are the API's")
    got = [(a, grouped(api("/api/accounts/" + a)["balances"]["USDC"]["balance"], "USDC")) for a, _ in want]
    t.eq(got, want, "each holder's USDC balance is its leg")
    go(d, "#/payouts", "#payouts")
    t.ok(waited(d, lambda d: text_of(d, "[data-status='%s']" % X.pay) == "distributed", "list"), "the list shows it distributed")


def test_narrow():
    d = X.b2
    d.set_window_size(400, 900)
    for frag, sel in (("#/payout/%s" % X.pay, "#legs"), ("#/identities/" + US1, "#claims"), ("#/rules/ACME", "#rules")):
        go(d, frag, sel)
        time.sleep(0.3)
        ok, w = B.no_horizontal_scroll(d)
        t.ok(ok, "no horizontal scroll at 400 px: " + frag, w)
    d.set_window_size(1280, 1000)


def test_no_errors():
    # carol's 403, the past date's 400, the tax form's 409 and the 404s of addresses without an identity
    B.check_no_errors(t, lambda msg: ("/api/commands" in msg and any(c in msg for c in ("400", "403", "409"))) or
                      ("/api/identities/" in msg and "404" in msg), min_expected=4)


def setup():
    n = X.node
    X.today = datetime.date.fromisoformat(n.status()["node"]["time"][:10])
    X.far = "%d-01-01" % (X.today.year + 2)
    X.soon = (X.today + datetime.timedelta(days=10)).isoformat()
    for a, cc in ((DE, "DE"), (JP, "JP"), (FR, "FR"), (GB, "GB")):
        cmd("bob", {"op": "identity.register", "address": a, "country": cc})
        if a != GB:
            for topic in ("kyc", "tax_form"):
                cmd("bob", {"op": "claim.set", "address": a, "topic": topic, "expires": X.far})
    for a, n_ in ((DE, "700"), (JP, "300"), (FR, "1")):
        two({"op": "mint", "asset": "ACME", "to": a, "amount": n_, "partition": "REG_S"})
    cmd("alice", {"op": "mint", "asset": "USDC", "to": DIST, "amount": "1500"})


def main():
    node = Node(genesis=EXAMPLE, clock_manual=True)
    X.node = node.start()
    B.use(node)
    try:
        setup()
        t.run("serving", test_serving)
        if not B.ready(t):
            return
        X.b1 = browser()
        X.b2 = browser()
        t.run("refused", test_refused_register)
        t.run("identity", test_identity)
        t.run("rules", test_rules)
        two({"op": "mint", "asset": "ACME", "to": US1, "amount": "1000", "partition": "REG_D"})
        B.steps(t, (("payouts", test_payouts), ("narrow", test_narrow),
                         ("no key sent", lambda: B.check_no_key_sent(t)), ("no errors", test_no_errors)))
        B.audit(t, node)
    finally:
        B.close(t, node)
    t.done()


if __name__ == "__main__":
    main()
