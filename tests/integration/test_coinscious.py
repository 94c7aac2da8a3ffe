"""test_coinscious - COINSCIOUS's "Payout Distribution" procedure, CLI only.

A real node from examples/securities.yaml exactly as shipped (ACME, a
security held in REG_D and REG_S; USDC, the asset dividends are paid in;
SPEC 4's default of two approvals for payout.distribute), walked with the
`mintline` command line only, as the runbook's operators would (no raw HTTP,
no harness client for a state change; reads go through the CLI too):

  onboard      `identity register` and `claim set` four investors (US
               accredited in REG_D; DE, JP, FR in REG_S), tax forms for two;
               mint ACME into REG_D and REG_S with two operators; fund the
               distributor with USDC
  1 snapshot   `payout snapshot ACME`; transfers afterwards (one to a fifth
               holder) that must not change the split
  2 funding    `payout create … --mode full`; `balance USDC DIST` against
               the total; `status` counts the payout pending
  3 tax forms  `payout distribute --dry-run` and a released proposal both
               refused with ERR_TAX_FORM_MISSING naming the two recipients
               without one (stderr, exit 1), nothing paid; `claim set …
               tax_form` for them
  4 preflight  `payout distribute --dry-run`: exit 0, the PayoutDistributed
               it would emit and the proposal it would become; nothing
               changed; `payout show` says ok
  5 execute    `payout distribute` (exit 4), the proposer and a non payout
               manager cannot approve, the second operator's `approve` runs
               it (exit 0); `payout show` legs = the largest-remainder split
               computed here by hand, summing exactly to the total;
               `payout list`; `balance USDC` of each holder; `status` none
               pending
  after        a second distribution: ERR_ALREADY_DISTRIBUTED (dry run and
               release); full mode beyond what the distributor holds:
               ERR_UNDERFUNDED_FULL_MODE with both figures; pro rata from
               the underfunded distributor pays what it holds; every
               `--json` output parses; `audit verify --data` passes.

Exit codes per SPEC 8: 0 done, 1 rejected, 2 usage, 4 pending.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import Node, REPO, TAP, addr, cli_pairs, cli_table, sanitizer_report  # noqa: E402

t = TAP("coinscious")
EXAMPLE = os.path.join(REPO, "examples", "securities.yaml")

# Sorted by address in this order (the legs' order).
US1 = addr(1, 0xc5)      # US, individual, kyc + accredited: REG_D, tax form at onboarding
DE = addr(2, 0xc5)       # DE, entity, kyc: REG_S, tax form at onboarding
JP = addr(3, 0xc5)       # JP, kyc: REG_S, no tax form yet
FR = addr(4, 0xc5)       # FR, kyc: REG_S (1 ACME), no tax form yet
GB = addr(5, 0xc5)       # GB, kyc: becomes a holder after the snapshot
HOLDERS = (US1, DE, JP, FR)
DIST = addr(9, 0xd5)     # the USDC distributor
USDC = 10 ** 6           # USDC base units per unit

PENDING_P = re.compile(r"^pending: proposal (\d+) awaits more approvals \(mintline approve (\d+)\)$", re.M)
DONE = r"\(seq \d+, block \d+\)$"


class S:
    node = None
    expires = None
    snap = None     # the snapshot's id
    pay = None      # the full payout's id


# ------------------------------------------------------------ helpers ----

def cli(who, *args):
    r = S.node.cli(*args, operator=who)
    rep = sanitizer_report(r.err)
    if rep:
        t.ok(False, "sanitizer report from `mintline %s`" % " ".join(map(str, args)), r.err[-3000:])
    return r


def step(who, args, rc, name, out=None, err=None):
    """One step: its exit code; stdout matches the regex out (from a line's
    start); with err, stderr starts `error: ERR: ` and stdout is empty."""
    r = cli(who, *args)
    good = r.rc == rc
    if out is not None:
        good = good and re.search("^" + out, r.out, re.M) is not None
    if err is not None:
        good = good and r.err.startswith("error: %s: " % err) and r.out == ""
    t.ok(good, "%s (mintline %s -> %d%s)" % (name, " ".join(map(str, args[:2])), rc, ", " + err if err else ""), r)
    return r


def read(args, who="carol"):
    r = cli(who, *args)
    if r.rc != 0:
        raise RuntimeError("read failed: %r" % r)
    return r


def submit(who, args, name):
    r = cli(who, *args)
    m = PENDING_P.search(r.out)
    t.ok(r.rc == 4 and m and m.group(1) == m.group(2) and r.err == "", "%s: pending proposal (exit 4)" % name, r)
    return m.group(1) if m else "0"


def two(args, name, out=None):
    """alice submits, bob approves: the runbook's two-operator approval."""
    pid = submit("alice", args, name)
    r = step("bob", ("approve", pid), 0, "%s: bob approves, it runs" % name, out=r"approved proposal %s " % pid + DONE)
    t.ok("  ran the proposal" in r.out and (out is None or re.search(out, r.out, re.M)),
         "%s: the approval ran it" % name, r)
    return r


def usdc(a):
    """A USDC balance in base units, from `balance USDC ADDR --json`."""
    return units(read(("balance", "USDC", a, "--json")).json()["balance"])


def units(text):
    """"349.825087" USDC -> 349825087 base units (exact: no float)."""
    whole, _, frac = text.partition(".")
    assert len(frac) <= 6, text
    return int(whole) * USDC + int((frac + "000000")[:6])


def text_of(n):
    """Base units -> the CLI's USDC text (no trailing zeros)."""
    whole, frac = divmod(n, USDC)
    return str(whole) + ("." + ("%06d" % frac).rstrip("0") if frac else "")


def split(amount, weights):
    """The doc's split (docs/operators/payouts.md), by hand: floor(amount *
    w / W) each, the units left over one each to the largest remainders,
    equal remainders to the lower address. weights: [(address, w)]."""
    total = sum(w for _, w in weights)
    legs = {a: amount * w // total for a, w in weights}
    rem = {a: amount * w % total for a, w in weights}
    left = amount - sum(legs.values())
    for a in sorted(rem, key=lambda x: (-rem[x], x))[:left]:
        legs[a] += 1
    return legs


def pending_payouts():
    """(the `status` line about payouts or None, status --json's payouts.pending)."""
    out = read(("status",)).out
    m = re.search(r"^payouts pending distribution .*$", out, re.M)
    return (m.group(0) if m else None), read(("status", "--json")).json()["payouts"]["pending"]


def holdings():
    """What a refusal must not change: each address's USDC and ACME, the
    payouts, the proposals (CLI reads)."""
    out = {a: read(("account", "show", a, "--json")).json()["balances"] for a in HOLDERS + (GB, DIST)}
    out["payouts"] = read(("payout", "list", "--json")).json()
    out["proposals"] = read(("proposals",)).out
    return out


# --------------------------------------------------------- procedures ----

def test_onboard():
    """Whitelist the investors, set their claims, mint with two operators,
    fund the distributor."""
    for a, cc, typ, claims in ((US1, "US", "individual", ("kyc", "accredited", "tax_form")),
                               (DE, "DE", "entity", ("kyc", "tax_form")), (JP, "JP", None, ("kyc",)),
                               (FR, "FR", None, ("kyc",)), (GB, "GB", None, ("kyc",))):
        args = ("identity", "register", a, "--country", cc) + (("--investor-type", typ) if typ else ())
        step("bob", args, 0, "register %s (%s)" % (a, cc), out=r"registered %s \(%s" % (a, cc))
        for topic in claims:
            step("bob", ("claim", "set", a, topic, "--expires", S.expires), 0, "%s: %s" % (a, topic),
                 out=r"set %s for %s, expires %s " % (topic, a, S.expires) + DONE)
    doc = read(("identity", "show", JP, "--json")).json()
    t.eq((doc["country"], sorted(doc["claims"])), ("JP", ["kyc"]), "identity show --json: JP has kyc, no tax form")
    for a, n, p in ((US1, "1000", "REG_D"), (DE, "700", "REG_S"), (JP, "300", "REG_S"), (FR, "1", "REG_S")):
        two(("mint", "ACME", "--to", a, "--amount", n, "--partition", p), "mint %s ACME into %s" % (n, p),
            out=r"^  event Mint ACME to=%s amount=%s partition=%s$" % (a, n, p))
    step("alice", ("mint", "USDC", "--to", DIST, "--amount", "1500"), 0, "fund the distributor with 1500 USDC",
         out=r"minted 1500 USDC to %s " % DIST + DONE)
    t.eq(pending_payouts(), (None, 0), "status: no payout pending yet")


def test_snapshot():
    """Step 1: the holder snapshot; later transfers do not change it."""
    step("dave", ("payout", "snapshot", "ACME"), 1, "a compliance officer is no payout manager",
         err="ERR_UNAUTHORIZED")
    r = step("alice", ("payout", "snapshot", "ACME"), 0, "payout snapshot ACME",
             out=r"took a snapshot of the holders of ACME " + DONE)
    m = re.search(r"^  event PayoutSnapshot ACME id=(\d+) holders=4 total=2001$", r.out, re.M)
    t.ok(m, "the snapshot's event: its id, 4 holders, 2001 ACME", r)
    S.snap = m.group(1) if m else "0"
    # after the snapshot: DE gives 200 to FR, JP 100 to GB (a new holder)
    for frm, to, n in ((DE, FR, "200"), (JP, GB, "100")):
        step("alice", ("transfer", "ACME", "--from", frm, "--to", to, "--amount", n, "--partition", "REG_S"), 0,
             "a transfer of %s ACME after the snapshot" % n,
             out=r"transferred %s ACME \(REG_S\) from %s to %s " % (n, frm, to) + DONE)
    t.eq([read(("balance", "ACME", a, "--json")).json()["balance"] for a in HOLDERS + (GB,)],
         ["1000", "500", "200", "201", "100"], "balance ACME: the holdings moved")
    doc = read(("payout", "list", "--json")).json()
    t.eq([(s["id"], s["asset"], s["holders"], s["total"]) for s in doc["snapshots"]],
         [(int(S.snap), "ACME", 4, "2001")],
         "payout list --json: the snapshot as taken")


def test_create_and_funding():
    """Step 2: create the payout (full mode) and check the funding."""
    step("alice", ("payout", "create", S.snap, "--pay", "USDC", "--total", "1000", "--from", DIST), 2,
         "--mode is required: a usage error")
    r = step("alice", ("payout", "create", S.snap, "--pay", "USDC", "--total", "1000", "--from", DIST, "--mode",
                       "full"), 0, "payout create: 1000 USDC, full mode",
             out=r"created a payout of 1000 USDC from %s over snapshot %s \(full\) " % (DIST, S.snap) + DONE)
    m = re.search(r"^  event PayoutCreated USDC id=(\d+) snapshot=%s from=%s mode=full total=1000 recipients=4$"
                  % (S.snap, DIST), r.out, re.M)
    t.ok(m, "PayoutCreated: 4 recipients (the snapshot's, not today's 5)", r)
    S.pay = m.group(1) if m else "0"
    b = cli_pairs(read(("balance", "USDC", DIST)).out)
    t.eq((b.get("balance"), b.get("frozen")), ("1,500 USDC", "0 USDC"), "funding check: balance USDC DIST")
    t.ok(units(b["balance"].split()[0].replace(",", "")) - units(b["frozen"].split()[0].replace(",", "")) >= 1000 * USDC,
         "the distributor's free USDC covers the total")
    head = cli_pairs(read(("payout", "show", S.pay)).out.split("\n\n")[0])
    t.eq(head.get("would pay"), "1000 USDC now (the distributor holds 1500 free; funded); tax forms missing: 2",
         "payout show: funded, two tax forms missing")
    line, n = pending_payouts()
    t.eq((line, n), ("payouts pending distribution 1 (mintline payout list)", 1), "status: one payout pending")


def test_tax_forms():
    """Step 3: a distribution is refused while recipients lack a tax form."""
    before = holdings()
    r = step("alice", ("payout", "distribute", S.pay, "--dry-run"), 1, "dry run before the tax forms",
             err="ERR_TAX_FORM_MISSING")
    t.ok(("2 of 4: %s, %s (payout show %s)" % (JP, FR, S.pay)) in r.err and US1 not in r.err and DE not in r.err,
         "the dry run names JP and FR, the recipients without a tax form", r)
    pid = submit("alice", ("payout", "distribute", S.pay), "distribute before the tax forms")
    r = step("bob", ("approve", pid), 1, "the release is refused", err="ERR_TAX_FORM_MISSING")
    t.ok(r.err.startswith("error: ERR_TAX_FORM_MISSING: proposal %s failed: " % pid)
         and ("2 of 4: %s, %s (payout show %s)" % (JP, FR, S.pay)) in r.err,
         "the failed proposal names JP and FR", r)
    after = holdings()
    t.eq({a: after[a].get("USDC") for a in HOLDERS + (DIST,)}, {a: before[a].get("USDC") for a in HOLDERS + (DIST,)},
         "nothing paid")
    t.eq(after["payouts"], before["payouts"], "the payout is still open")
    rows = {x["ADDRESS"]: x["TAX FORM"] for x in cli_table(read(("payout", "show", S.pay)).out.split("\n\n")[1]
                                                         .split("\n", 1)[1])}
    t.eq(rows, {US1: "valid", DE: "valid", JP: "MISSING", FR: "MISSING"}, "payout show marks the missing tax forms")
    for a in (JP, FR):
        step("bob", ("claim", "set", a, "tax_form", "--expires", S.expires), 0, "compliance records %s's tax form" % a,
             out=r"set tax_form for %s, expires %s " % (a, S.expires) + DONE)


def test_preflight():
    """Step 4: simulate the distribution."""
    before = holdings()
    r = step("alice", ("payout", "distribute", S.pay, "--dry-run"), 0, "preflight: the dry run passes",
             out=r"dry run: would distribute payout %s$" % S.pay)
    t.ok(re.search(r"^  event PayoutDistributed USDC id=%s snapshot=%s from=%s mode=full paid=1000 legs=4$"
                   % (S.pay, S.snap, DIST), r.out, re.M)
         and re.search(r"^  when submitted: a proposal needing 2 approvals \(yours is the first\), expiring \S+Z$",
                       r.out, re.M) and r.err == "",
         "the dry run prints the distribution it would make and the approval it needs", r)
    doc = read(("payout", "distribute", S.pay, "--dry-run", "--json"), who="alice").json()
    t.ok(doc.get("ok") is True and doc.get("dry_run") is True and "proposal" in doc.get("would_be", {})
         and [e["type"] for e in doc["events"]] == ["PayoutDistributed"] and doc["events"][0]["data"]["paid"] == "1000",
         "--dry-run --json: the event and would_be", doc)
    t.eq(holdings(), before, "the dry run changed nothing (no payment, no proposal)")
    head = cli_pairs(read(("payout", "show", S.pay)).out.split("\n\n")[0])
    t.eq((head.get("payout"), head.get("preflight")),
         ("%s (open)" % S.pay, "ok: a distribution now passes every check"),
         "payout show: preflight ok")


def test_execute():
    """Step 5: distribute with two operators; the legs as computed by hand."""
    pid = submit("alice", ("payout", "distribute", S.pay), "payout distribute")
    step("alice", ("approve", pid), 1, "the proposer cannot approve too", err="ERR_SAME_OPERATOR")
    step("dave", ("approve", pid), 1, "an operator without payout_manager cannot approve", err="ERR_UNAUTHORIZED")
    t.eq([usdc(a) for a in HOLDERS], [0, 0, 0, 0], "nothing paid before the second approval")
    r = step("bob", ("approve", pid), 0, "the second operator approves", out=r"approved proposal %s " % pid + DONE)
    t.ok("  ran the proposal" in r.out and re.search(
        r"^  event PayoutDistributed USDC id=%s snapshot=%s from=%s mode=full paid=1000 legs=4$"
        % (S.pay, S.snap, DIST), r.out, re.M), "the approval ran the distribution: 1000 USDC in 4 legs", r)
    # By hand: 1000 USDC over 1000:700:300:1 (the snapshot, not today's
    # 1000:500:200:201:100). Exact shares 499.750124937.., 349.825087456..,
    # 149.925037481.., 0.499750124..; the floors leave 2 units, which go to
    # the largest remainders (.937 US1, .481 JP; not DE's .456).
    want = {US1: 499750125, DE: 349825087, JP: 149925038, FR: 499750}
    t.eq(split(1000 * USDC, [(US1, 1000), (DE, 700), (JP, 300), (FR, 1)]), want, "the doc's rule gives the hand split")
    t.eq(sum(want.values()), 1000 * USDC, "the hand split sums to the total")
    out = read(("payout", "show", S.pay)).out
    head, _, rest = out.partition("\n\n")
    h = cli_pairs(head)
    t.ok(h.get("payout") == "%s (distributed)" % S.pay
         and re.match(r"block \d+, \S+: paid 1000 USDC in 4 legs$", h.get("distributed", "")),
         "payout show: distributed, 1000 USDC in 4 legs", out)
    rows = cli_table(rest.split("\n", 1)[1])
    t.eq([(x["ADDRESS"], x["SNAPSHOT BALANCE"], x["AMOUNT"]) for x in rows],
         [(a, w, text_of(want[a])) for a, w in ((US1, "1,000"), (DE, "700"), (JP, "300"), (FR, "1"))],
         "payout show: each leg, sorted by address, as computed by hand")
    doc = read(("payout", "show", S.pay, "--json")).json()
    t.eq((doc["status"], doc["paid"], doc["legs_paid"], doc["preflight"]), ("distributed", "1000", 4, None),
         "payout show --json: distributed")
    t.eq(sum(units(x["amount"]) for x in doc["legs"]), 1000 * USDC, "the legs sum exactly to the total")
    t.eq({x["address"]: units(x["amount"]) for x in doc["legs"]}, want, "payout show --json: the legs")
    rows = cli_table(read(("payout", "list",)).out.split("\n\n")[1])
    t.eq([(x["ID"], x["STATUS"], x["PAY"], x["TOTAL"], x["PAID"], x["MODE"], x["FROM"]) for x in rows],
         [(S.pay, "distributed", "USDC", "1,000", "1,000", "full", DIST)], "payout list: distributed")
    t.eq({a: usdc(a) for a in HOLDERS + (GB, DIST)}, dict(want, **{GB: 0, DIST: 500 * USDC}),
         "balance USDC: each holder got its leg, the later holder nothing, the distributor 500 left")
    t.eq(pending_payouts(), (None, 0), "status: no payout pending after the distribution")


def test_after():
    """A second distribution; full mode underfunded; pro rata underfunded."""
    before = holdings()
    step("alice", ("payout", "distribute", S.pay, "--dry-run"), 1, "a second distribution's dry run",
         err="ERR_ALREADY_DISTRIBUTED")
    pid = submit("alice", ("payout", "distribute", S.pay), "a second distribution")
    step("bob", ("approve", pid), 1, "its release", err="ERR_ALREADY_DISTRIBUTED")
    after = holdings()
    t.eq({a: after[a].get("USDC") for a in HOLDERS + (DIST,)}, {a: before[a].get("USDC") for a in HOLDERS + (DIST,)},
         "nothing paid twice")
    # full mode beyond the 500 the distributor now holds
    r = step("alice", ("payout", "create", S.snap, "--pay", "USDC", "--total", "1000", "--from", DIST, "--mode",
                       "full", "--json"), 0, "a full payout of 1000 USDC from a distributor holding 500")
    doc = r.json()
    ev = [e for e in doc["events"] if e["type"] == "PayoutCreated"]
    t.ok(doc["ok"] is True and ev and ev[0]["data"]["mode"] == "full" and ev[0]["data"]["total"] == "1000",
         "payout create --json: the PayoutCreated event", doc)
    full = str(ev[0]["data"]["id"]) if ev else "0"
    figures = "the distributor holds 500 USDC unfrozen; the payout's total is 1000"
    r = step("alice", ("payout", "distribute", full, "--dry-run"), 1, "its dry run",
             err="ERR_UNDERFUNDED_FULL_MODE")
    t.ok(figures in r.err, "the dry run gives both figures", r)
    pid = submit("alice", ("payout", "distribute", full), "distribute the underfunded full payout")
    r = step("bob", ("approve", pid), 1, "its release", err="ERR_UNDERFUNDED_FULL_MODE")
    t.ok(figures in r.err, "the release gives both figures", r)
    t.eq(usdc(DIST), 500 * USDC, "nothing paid")
    # pro rata: pays the 500 held, split the same way
    r = step("alice", ("payout", "create", S.snap, "--pay", "USDC", "--total", "2001", "--from", DIST, "--mode",
                       "pro-rata"), 0, "a pro-rata payout of 2001 USDC from the same distributor")
    m = re.search(r"^  event PayoutCreated USDC id=(\d+) .*mode=pro-rata total=2001 recipients=4$", r.out, re.M)
    pro = m.group(1) if m else "0"
    t.ok(m, "PayoutCreated: pro-rata", r)
    line, n = pending_payouts()
    t.eq((line, n), ("payouts pending distribution 2 (mintline payout list)", 2), "status: two payouts pending")
    r = step("alice", ("payout", "distribute", pro, "--dry-run"), 0, "pro rata: the dry run pays what is held",
             out=r"  event PayoutDistributed USDC id=%s .*mode=pro-rata paid=500 legs=4$" % pro)
    two(("payout", "distribute", pro), "distribute pro rata",
        out=r"^  event PayoutDistributed USDC id=%s .*mode=pro-rata paid=500 legs=4$" % pro)
    # By hand: 500 USDC over 1000:700:300:1: 249.875062468.., 174.912543728..,
    # 74.962518740.., 0.249875062..; 2 units left: JP (.740) and DE (.728).
    want = {US1: 249875062, DE: 174912544, JP: 74962519, FR: 249875}
    t.eq(split(500 * USDC, [(US1, 1000), (DE, 700), (JP, 300), (FR, 1)]), want, "the doc's rule gives the hand split")
    doc = read(("payout", "show", pro, "--json")).json()
    t.eq((doc["status"], doc["total"], doc["paid"], {x["address"]: units(x["amount"]) for x in doc["legs"]}),
         ("distributed", "2001", "500", want), "payout show --json: 500 paid, the legs by hand")
    t.eq(sum(want.values()), 500 * USDC, "the legs sum exactly to what was paid")
    t.eq({a: usdc(a) for a in HOLDERS + (DIST,)},
         {US1: 499750125 + 249875062, DE: 349825087 + 174912544, JP: 149925038 + 74962519, FR: 499750 + 249875,
          DIST: 0}, "balance USDC: both payouts, the distributor empty")
    doc = read(("payout", "list", "--json")).json()
    t.eq(([(str(p["id"]), p["status"], p["mode"], p["total"], p["paid"]) for p in doc["payouts"]], doc["pending"]),
         ([(S.pay, "distributed", "full", "1000", "1000"), (full, "open", "full", "1000", None),
           (pro, "distributed", "pro-rata", "2001", "500")], 1),
         "payout list --json: the refused full payout stays open")
    t.eq(pending_payouts(), ("payouts pending distribution 1 (mintline payout list)", 1),
         "status: the refused full payout still pending")
    r = read(("history", "--op", "payout.distribute", "--json"))
    t.eq([(x["operator"], x["op"], x["args"]) for x in r.json()["history"]],
         [("alice", "payout.distribute", {"id": i}) for i in (pro, full, S.pay, S.pay, S.pay)],
         "history --op payout.distribute --json: the five proposals, newest first, alice's")


def test_audit():
    n = S.node
    t.eq(n.stop(), 0, "the node stops cleanly")
    r = n.cli("audit", "verify", "--data", n.data, operator=None)
    t.ok(r.rc == 0 and r.out.startswith("audit ok"), "audit verify --data DIR passes on the ledger", r)


S.node = Node(genesis=EXAMPLE, clock_manual=True)
try:
    S.node.start()
    year = int(S.node.status()["node"]["time"][:4]) + 2
    S.expires = "%d-01-01" % year
    for name, fn in (("onboard", test_onboard), ("1 snapshot", test_snapshot),
                     ("2 funding", test_create_and_funding), ("3 tax forms", test_tax_forms),
                     ("4 preflight", test_preflight), ("5 execute", test_execute), ("after", test_after),
                     ("audit", test_audit)):
        t.run(name, fn)
    t.ok(S.node.sanitizer() is None, "no sanitizer report", S.node.sanitizer())
finally:
    S.node.stop()
    S.node.cleanup()
t.done()
