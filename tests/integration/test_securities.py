"""test_securities - COINSCIOUS's security-token procedures, CLI only.

A real node from examples/securities.yaml (SPEC 5's genesis example: ACME,
a security held in REG_D and REG_S, and USDC), walked with the `mintline`
command line only, as the runbook's operators would:

- "Compliance Management" / onboarding an investor (docs/operators/
  onboarding.md): register identities, set claims with expiry, verify with
  `identity show`, a dry-run mint, then the mint with two operators, into
  REG_D and REG_S; `balance` and `account show` show the partitions.
- "Token Transfers" / transfer restrictions (docs/operators/
  transfer-restrictions.md): transfers within partitions, and every refusal
  of check 5 from the CLI with exit 1 and its code on stderr, nothing
  changed: ERR_NOT_WHITELISTED, ERR_CLAIM_EXPIRED (after `dev advance` past
  the expiry), ERR_JURISDICTION, ERR_PARTITION (missing, unknown, REG_S to
  a US person, a partition on a plain asset), ERR_LOCKUP (then, after the
  lockup date, the transfer goes through), ERR_HOLDER_LIMIT, ERR_MAX_BALANCE;
  `asset rules set` scheduled (exit 4) and executed a day later; a partial
  freeze of the total (two compliance officers); forced transfer, rescue
  and burn with partitions; recover moving the identity
  and the partitions; `status` and /metrics figures (holders vs
  max_holders, claims expiring and expired).

Two ledgers: the example genesis exactly as shipped (init accepts it; its
rules read back as written), and the same genesis with two values moved so
the walk does not depend on the day it runs: REG_D's lockup 90 days after
the ledger's first day (the example's 2027-06-01 would be past one day) and
max_holders 4 (so the holder limit is reached with a handful of investors).

Then a few raw signed HTTP requests (GET /api/identities, malformed
country, topic, date and partition → 400 with their code, nothing
changed), and `audit verify --data DIR` on the stopped node.
"""
import datetime
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import Node, REPO, TAP, addr, cli_pairs, cli_table, metric, sanitizer_report  # noqa: E402

t = TAP("securities")
EXAMPLE = os.path.join(REPO, "examples", "securities.yaml")

US1 = addr(1, 0x5e)      # US, individual, kyc + accredited: REG_D
DE = addr(2, 0x5e)       # DE, entity, kyc: REG_S
JP = addr(3, 0x5e)       # JP, kyc expiring soon: REG_S
US2 = addr(4, 0x5e)      # US, kyc only (not accredited)
KP = addr(5, 0x5e)       # KP (blocked country), kyc
UNREG = addr(6, 0x5e)    # no identity
US3 = addr(7, 0x5e)      # US, kyc + accredited: receives REG_D later
FR = addr(8, 0x5e)       # FR, kyc: the holder limit
NEW_DE = addr(9, 0x5e)   # DE's new wallet (recover)
SAFE = addr(10, 0x5e)    # rescue's safe address (FR resident, kyc)
DIST = addr(11, 0x5e)    # USDC distributor

PENDING_P = re.compile(r"^pending: proposal (\d+) awaits more approvals \(mintline approve (\d+)\)$", re.M)
PENDING_T = re.compile(r"^pending: timelock (\d+), executable from (\S+) \(mintline timelock execute (\d+)\)$",
                       re.M)
DONE = r"\(seq \d+, block \d+(; [a-z ()]+)?\)$"


class S:
    node = None
    day0 = None   # the ledger's first day (datetime.date)


# ------------------------------------------------------------ helpers ----

def cli(who, *args):
    r = S.node.cli(*args, operator=who)
    rep = sanitizer_report(r.err)
    if rep:
        t.ok(False, "sanitizer report from `mintline %s`" % " ".join(map(str, args)), r.err[-3000:])
    return r


def step(who, args, rc, name, out=None, err=None):
    """Run one step: its exit code; stdout matches the regex out (a whole
    line from its start); with err, stderr is `error: ERR: ...` and stdout empty."""
    r = cli(who, *args)
    good = r.rc == rc
    if out is not None:
        good = good and re.search("^" + out, r.out, re.M) is not None
    if err is not None:
        good = good and r.err.startswith("error: %s: " % err) and r.out == ""
    t.ok(good, "%s (mintline %s -> %d%s)" % (name, " ".join(args[:2]), rc, ", " + err if err else ""), r)
    return r


def refused(args, code, name, who="alice"):
    """A refusal of check 5 (or of the partition), and nothing changed:
    the holdings and identities read back the same."""
    before = snapshot()
    step(who, args, 1, name, err=code)
    t.eq(snapshot(), before, "%s: nothing changed" % name)


def submit(who, args, name):
    r = cli(who, *args)
    m = PENDING_P.search(r.out)
    t.ok(r.rc == 4 and m and m.group(1) == m.group(2) and r.err == "", "%s: pending proposal (exit 4)" % name, r)
    return m.group(1) if m else None


def two(first, second, args, name, out=None):
    """Submit by first, approve by second (the runbook's two-operator approval)."""
    pid = submit(first, args, name)
    if pid is None:
        return None
    r = step(second, ("approve", pid), 0, "%s: %s approves, it runs" % (name, second),
             out=r"approved proposal %s " % pid + DONE)
    t.ok("  ran the proposal" in r.out and (out is None or re.search(out, r.out, re.M)),
         "%s: the approval ran it%s" % (name, "" if out is None else " and printed its event"), r)
    return r


def read(args, who="carol"):
    r = cli(who, *args)
    if r.rc != 0:
        raise RuntimeError("read failed: %r" % r)
    return r


def balance(a, sym="ACME"):
    """{"balance": "100 ACME", "frozen": "0 ACME", "REG_D": "100 ACME", ...} from `balance`."""
    return cli_pairs(read(("balance", sym, a)).out)


def parts(a):
    """(total, REG_D, REG_S) as strings from `balance ACME ADDR`."""
    b = balance(a)
    return tuple(b.get(k, "?").split(" ")[0] for k in ("balance", "REG_D", "REG_S"))


def identity(a):
    """(header {key: value}, {TOPIC: (EXPIRES, STATUS)}) of `identity show`."""
    out = read(("identity", "show", a)).out
    head, _, tab = out.partition("\n\n")
    return cli_pairs(head), {r["CLAIM"]: (r["EXPIRES"], r["STATUS"]) for r in cli_table(tab)}


def snapshot():
    """Every investor's balances and identity, through the API (what a
    refusal must not change)."""
    c = S.node.client("carol")
    out = {}
    for a in (US1, DE, JP, US2, KP, UNREG, US3, FR, NEW_DE, SAFE, DIST):
        st, acc = c.get("/api/accounts/" + a)
        out[a] = acc if st == 200 else st
    st, asset = c.get("/api/assets/ACME")
    out["ACME"] = (asset.get("supply"), asset.get("holders"), asset.get("rules"))
    return out


def status():
    """(compliance line, {SYM: row}, JSON document) of `status`."""
    out = read(("status",)).out
    line = re.search(r"^identities .*$", out, re.M)
    rows = {r["ASSET"]: r for r in cli_table(out[out.index("ASSET"):].split("\n\n")[0])}
    return (line.group(0) if line else None), rows, out, read(("status", "--json")).json()


def day(n):
    return (S.day0 + datetime.timedelta(days=n)).isoformat()


# --------------------------------------------------------- procedures ----

def test_example_genesis():
    """examples/securities.yaml as shipped: init accepts it, the rules read back."""
    n = Node(genesis=EXAMPLE, clock_manual=True)
    try:
        t.ok(n.init_run.rc == 0 and "assets     2" in n.init_run.out, "init accepts the example genesis",
             n.init_run)
        n.start()
        r = n.cli("asset", "rules", "show", "ACME", operator="carol")
        head = cli_pairs(r.out.split("\n\n")[0])
        t.eq((r.rc, head.get("asset"), head.get("holders"), head.get("required claims"),
              head.get("allowed countries"), head.get("blocked countries"), head.get("max balance")),
             (0, "ACME (security)", "0 of 2000 (0%)", "kyc", "any", "IR, KP", "100000"),
             "asset rules show ACME: the example's rules")
        rows = cli_table(r.out.split("\n\n")[1])
        t.eq(rows, [{"PARTITION": "REG_D", "CLAIMS NEEDED": "kyc,accredited", "LOCKUP UNTIL": "2027-06-01",
                     "NO US PERSONS": "no"},
                    {"PARTITION": "REG_S", "CLAIMS NEEDED": "kyc", "LOCKUP UNTIL": "-", "NO US PERSONS": "yes"}],
             "asset rules show ACME: REG_D (accredited, lockup), REG_S (no US persons)")
        doc = n.cli("asset", "rules", "show", "ACME", "--json", operator="carol").json()
        t.eq(doc.get("rules"), {"required_claims": ["kyc"], "allowed_countries": [], "blocked_countries": ["IR", "KP"],
                                "max_holders": 2000, "max_balance": "100000",
                                "partitions": [{"name": "REG_D", "required_claims": ["kyc", "accredited"],
                                                "lockup_until": "2027-06-01", "no_us_persons": False},
                                               {"name": "REG_S", "required_claims": [], "lockup_until": None,
                                                "no_us_persons": True}]},
             "--json: the asset's document carries the rules as genesis wrote them")
        r = n.cli("asset", "rules", "show", "USDC", operator="carol")
        t.ok(r.rc == 1 and r.err.startswith("error: ERR_NOT_SECURITY: USDC is a plain asset"),
             "asset rules show USDC: a plain asset has none (exit 1)", r)
        pol = n.client("carol").get("/api/policies")[1]["policies"]
        mint = [p for p in pol if p["op"] == "mint" and p["asset"] == "ACME"]
        t.ok(mint and mint[0]["approvals"] == 2, "the example's policy: ACME mints need two operators", pol)
        t.eq(n.stop(), 0, "the example ledger's node stops cleanly")
        t.ok(n.sanitizer() is None, "no sanitizer report", n.sanitizer())
    finally:
        n.cleanup()


def test_onboarding():
    """COINSCIOUS "Compliance Management" and "Daily Minting": whitelist a
    wallet, set claims with expiry, verify, dry-run, mint with two operators."""
    step("carol", ("identity", "show", US1), 1, "no identity yet", err="ERR_NOT_FOUND")
    step("carol", ("identity", "register", US1, "--country", "US"), 1, "a viewer cannot register",
         err="ERR_UNAUTHORIZED")
    step("bob", ("identity", "register", US1, "--country", "US", "--investor-type", "individual"), 0,
         "compliance registers the investor", out=r"registered %s \(US, individual\) " % US1 + DONE)
    step("bob", ("claim", "set", US1, "kyc", "--expires", day(365)), 0, "kyc claim for a year",
         out=r"set kyc for %s, expires %s " % (US1, day(365)) + DONE)
    step("bob", ("claim", "set", US1, "accredited", "--expires", day(365)), 0, "accredited claim",
         out=r"set accredited for %s, expires %s " % (US1, day(365)) + DONE)
    head, claims = identity(US1)
    t.eq(head, {"address": US1, "country": "US", "investor type": "individual"}, "identity show: the header")
    t.eq(claims, {"kyc": (day(365), "valid"), "aml": ("-", "none"), "accredited": (day(365), "valid"),
                  "tax_form": ("-", "none")}, "identity show: each claim, its expiry and validity")
    r = read(("identity", "show", US1, "--json"))
    st, doc = S.node.client("carol").get("/api/identities/" + US1)
    t.ok(st == 200 and r.json() == doc and r.out.count("\n") == 1, "identity show --json prints the API's document",
         (r, doc))
    t.eq(doc, {"address": US1, "country": "US", "investor_type": "individual",
               "claims": {"kyc": {"expires": day(365), "valid": True},
                          "accredited": {"expires": day(365), "valid": True}}},
         "GET /api/identities/ADDR: country, type, claims with expiry and validity")
    # the rest of the investors
    for a, cc, typ, claims_set in ((DE, "DE", "entity", ("kyc",)), (JP, "JP", None, ()), (US2, "US", None, ("kyc",)),
                                   (KP, "KP", None, ("kyc",)), (US3, "US", "individual", ("kyc", "accredited")),
                                   (FR, "FR", None, ("kyc",)), (SAFE, "FR", "institution", ("kyc",))):
        # JP typed in lower case: the CLI signs it as the ledger keeps it
        typed = cc.lower() if a == JP else cc
        args = ("identity", "register", a, "--country", typed) + (("--investor-type", typ) if typ else ())
        step("bob", args, 0, "register %s (%s)" % (a, typed),
             out=r"registered %s \(%s%s\) " % (a, cc, ", " + typ if typ else "") + DONE)
        for topic in claims_set:
            step("bob", ("claim", "set", a, topic, "--expires", day(365)), 0, "%s: %s" % (a, topic))
    step("bob", ("claim", "set", JP, "kyc", "--expires", day(20)), 0, "JP's kyc expires in 20 days")
    # a dry run first: what the mint would do, nothing created
    before = snapshot()
    r = step("alice", ("mint", "ACME", "--to", US1, "--amount", "1000", "--partition", "REG_D", "--dry-run"), 0,
             "dry run of the mint", out=r"dry run: would mint 1000 ACME \(REG_D\) to %s$" % US1)
    t.ok(re.search(r"^  event Mint ACME to=%s amount=1000 partition=REG_D$" % US1, r.out, re.M)
         and "when submitted: a proposal" in r.out, "the dry run shows the Mint it would emit and the approval it needs", r)
    t.eq(snapshot(), before, "the dry run changed nothing")
    t.eq(cli_table(read(("proposals",)).out), [], "the dry run created no proposal")
    refused(("mint", "ACME", "--to", US2, "--amount", "10", "--partition", "REG_D", "--dry-run"),
            "ERR_NOT_WHITELISTED", "dry run: US2 lacks the accredited claim REG_D needs")
    two("alice", "bob", ("mint", "ACME", "--to", US1, "--amount", "1000", "--partition", "REG_D"),
        "mint 1000 ACME into REG_D", out=r"^  event Mint ACME to=%s amount=1000 partition=REG_D$" % US1)
    two("alice", "bob", ("mint", "ACME", "--to", DE, "--amount", "500", "--partition", "REG_S"),
        "mint 500 ACME into REG_S")
    t.eq(parts(US1), ("1,000", "1,000", "0"), "balance ACME US1: 1,000, all in REG_D (a table groups)")
    t.eq(parts(DE), ("500", "0", "500"), "balance ACME DE: 500, all in REG_S")
    b = balance(US1)
    t.eq(b.get("frozen"), "0 ACME", "balance: frozen 0")
    r = read(("account", "show", US1))
    head, _, tab = r.out.partition("\n\n")
    t.eq(cli_pairs(head).get("identity"), "US, individual; kyc until %s, accredited until %s" % (day(365), day(365)),
         "account show: the identity in one line")
    rows = {x["ASSET"]: x for x in cli_table(tab)}
    t.eq((rows.get("ACME", {}).get("BALANCE"), rows.get("ACME:REG_D", {}).get("BALANCE"),
          rows.get("ACME:REG_S", {}).get("BALANCE")), ("1,000", "1,000", "0"), "account show: ACME and its partitions")
    doc = read(("account", "show", US1, "--json")).json()
    t.eq((doc["balances"]["ACME"]["partitions"], doc["identity"]["country"]),
         ({"REG_D": "1000", "REG_S": "0"}, "US"), "account show --json: partitions and identity")
    doc = read(("balance", "ACME", DE, "--json")).json()
    t.eq(doc, {"asset": "ACME", "address": DE, "balance": "500", "frozen": "0", "asset_frozen": False,
               "partitions": {"REG_D": "0", "REG_S": "500"}}, "balance --json: the partitions")
    step("alice", ("transfer", "ACME", "--from", DE, "--to", JP, "--amount", "100", "--partition", "REG_S"), 0,
         "a transfer within REG_S", out=r"transferred 100 ACME \(REG_S\) from %s to %s " % (DE, JP) + DONE)
    t.eq((parts(DE), parts(JP)), (("400", "0", "400"), ("100", "0", "100")), "the partition moved with it")


def test_status_metrics_three_holders():
    line, rows, out, doc = status()
    t.eq(rows["ACME"]["HOLDERS"], "3/4", "status: ACME holders 3 of max_holders 4")
    t.ok(re.search(r"^ACME  holders 3 of 4 \(75%\): WARNING \(12\(g\)", out, re.M),
         "status: at 75% of max_holders it warns (SPEC 9: 70%)", out)
    t.eq(line, "identities 8  claims expiring within 30 days 1 (kyc 1)  expired 0",
         "status: identities, JP's kyc expiring within 30 days")
    acme = [a for a in doc["assets"] if a["symbol"] == "ACME"][0]
    t.eq((acme["holders"], acme["max_holders"], acme["holder_limit_usage"]), (3, 4, 0.75),
         "status --json: holders, max_holders, holder_limit_usage")
    t.eq(doc["compliance"], {"identities": 8,
                             "claims_expiring_30d": {"kyc": 1, "aml": 0, "accredited": 0, "tax_form": 0},
                             "claims_expired": {"kyc": 0, "aml": 0, "accredited": 0, "tax_form": 0}},
         "status --json: the compliance figures")
    usdc = [a for a in doc["assets"] if a["symbol"] == "USDC"][0]
    t.ok("max_holders" not in usdc and "rules" not in usdc, "a plain asset carries no holder limit or rules", usdc)
    m = S.node.metrics()
    t.eq((metric(m, "mintline_holder_limit_usage_ratio", asset="ACME"), metric(m, "mintline_max_holders", asset="ACME"),
          metric(m, "mintline_holders", asset="ACME"), metric(m, "mintline_identities"),
          metric(m, "mintline_claims_expiring_30d", topic="kyc"), metric(m, "mintline_claims_expired", topic="kyc")),
         (0.75, 4.0, 3.0, 8.0, 1.0, 0.0), "/metrics: usage 0.75, max 4, 3 holders, 8 identities, 1 kyc expiring")
    t.ok(("mintline_holder_limit_usage_ratio", (("asset", "USDC"),)) not in m, "/metrics: no holder limit for USDC")


def test_restrictions():
    """COINSCIOUS "Token Transfers": every refusal of check 5 (SPEC 3 item 5)."""
    T = ("transfer", "ACME", "--from")
    refused(T + (DE, "--to", UNREG, "--amount", "1", "--partition", "REG_S"), "ERR_NOT_WHITELISTED",
            "to an address with no identity")
    refused(("mint", "ACME", "--to", UNREG, "--amount", "1", "--partition", "REG_S", "--dry-run"),
            "ERR_NOT_WHITELISTED", "a mint to an address with no identity (dry run)")
    refused(T + (US1, "--to", US2, "--amount", "1", "--partition", "REG_D"), "ERR_NOT_WHITELISTED",
            "REG_D to an investor without accredited (before the lockup: claims come first)")
    refused(T + (DE, "--to", US2, "--amount", "1", "--partition", "REG_S"), "ERR_PARTITION",
            "REG_S to a US person")
    refused(T + (DE, "--to", FR, "--amount", "1"), "ERR_PARTITION", "no --partition on an asset that has some")
    refused(T + (DE, "--to", FR, "--amount", "1", "--partition", "REG_X"), "ERR_PARTITION", "an unknown partition")
    refused(("mint", "USDC", "--to", DIST, "--amount", "10", "--partition", "REG_S"), "ERR_PARTITION",
            "a partition on a plain asset")
    refused(T + (DE, "--to", KP, "--amount", "1", "--partition", "REG_S"), "ERR_JURISDICTION",
            "to a blocked country (KP)")
    refused(T + (US1, "--to", US3, "--amount", "1", "--partition", "REG_D"), "ERR_LOCKUP",
            "out of REG_D before its lockup date")
    refused(T + (DE, "--to", FR, "--amount", "401", "--partition", "REG_S"), "ERR_INSUFFICIENT_BALANCE",
            "more than the partition holds")
    # identity remove, claim revoke
    step("bob", ("identity", "remove", KP), 0, "remove KP's identity", out=r"removed the identity of %s " % KP + DONE)
    step("carol", ("identity", "show", KP), 1, "its identity is gone", err="ERR_NOT_FOUND")
    step("bob", ("identity", "remove", KP), 1, "removing it again", err="ERR_NOT_FOUND")
    refused(T + (DE, "--to", KP, "--amount", "1", "--partition", "REG_S"), "ERR_NOT_WHITELISTED",
            "to the removed identity")
    step("bob", ("claim", "revoke", US2, "kyc"), 0, "revoke US2's kyc", out=r"revoked kyc of %s " % US2 + DONE)
    t.eq(identity(US2)[1]["kyc"], ("-", "none"), "identity show: the revoked claim is gone")
    step("bob", ("claim", "revoke", US2, "kyc"), 0, "revoking it again says so",
         out=r"revoked kyc of %s \(seq \d+, block \d+; no such claim\)$" % US2)
    step("bob", ("claim", "set", UNREG, "kyc", "--expires", day(30)), 1, "a claim needs an identity first",
         err="ERR_NOT_FOUND")
    step("bob", ("claim", "set", US2, "kyc", "--expires", day(0)), 1, "an expiry today is not in the future",
         err="ERR_INVALID_ARGUMENT")
    step("bob", ("claim", "set", US2, "kyx", "--expires", day(30)), 1, "an unknown topic",
         err="ERR_INVALID_ARGUMENT")
    step("bob", ("identity", "register", US2, "--country", "XX"), 1, "an unassigned country code",
         err="ERR_INVALID_ARGUMENT")


def test_agents():
    """The agents' tools skip lockups but not the receiver's compliance;
    they need --partition on a partitioned asset (two operators each)."""
    refused(("forced-transfer", "ACME", "--from", US1, "--to", US3, "--amount", "50", "--dry-run"),
            "ERR_PARTITION", "forced transfer without --partition")
    refused(("forced-transfer", "ACME", "--from", US1, "--to", US2, "--amount", "50", "--partition", "REG_D",
             "--dry-run"), "ERR_NOT_WHITELISTED", "forced transfer to an unverified receiver")
    two("alice", "bob", ("forced-transfer", "ACME", "--from", US1, "--to", US3, "--amount", "50", "--partition",
                         "REG_D"), "forced transfer out of REG_D during its lockup",
        out=r"^  event ForcedTransfer ACME from=%s to=%s amount=50 partition=REG_D$" % (US1, US3))
    t.eq((parts(US1), parts(US3)), (("950", "950", "0"), ("50", "50", "0")), "REG_D moved by the agent")
    line, rows, out, doc = status()
    t.ok(rows["ACME"]["HOLDERS"] == "4/4" and re.search(r"^ACME  holders 4 of 4 \(100%\): CRITICAL", out, re.M),
         "status: 4 of 4 holders, critical (SPEC 9: 90%)", out)
    refused(("transfer", "ACME", "--from", DE, "--to", FR, "--amount", "10", "--partition", "REG_S"),
            "ERR_HOLDER_LIMIT", "a fifth holder (max_holders 4)")
    refused(("rescue", "ACME", "--from", DE, "--to", SAFE, "--amount", "1", "--dry-run"), "ERR_PARTITION",
            "rescue without --partition")
    refused(("rescue", "ACME", "--from", DE, "--to", SAFE, "--amount", "1", "--partition", "REG_S", "--dry-run"),
            "ERR_HOLDER_LIMIT", "rescue to a new holder at the limit")
    step("alice", ("transfer", "ACME", "--from", JP, "--to", FR, "--amount", "100", "--partition", "REG_S"), 0,
         "all of JP's to FR: one holder replaces another", out=r"transferred 100 ACME \(REG_S\) " )
    t.eq((parts(JP), parts(FR)), (("0", "0", "0"), ("100", "0", "100")), "FR holds JP's 100")
    t.eq(status()[1]["ACME"]["HOLDERS"], "4/4", "still 4 holders")


def test_expiry():
    """A claim past its expiry date: ERR_CLAIM_EXPIRED, until renewed."""
    step("alice", ("dev", "advance", "21d"), 0, "21 days pass", out=r"advanced the ledger clock by 21d ")
    t.eq(identity(JP)[1]["kyc"], (day(20), "EXPIRED"), "identity show: JP's kyc EXPIRED")
    line, rows, out, doc = status()
    t.eq(line, "identities 7  claims expiring within 30 days 0  expired 1 (kyc 1)",
         "status: one expired kyc claim")
    m = S.node.metrics()
    t.eq((metric(m, "mintline_claims_expired", topic="kyc"), metric(m, "mintline_claims_expiring_30d", topic="kyc"),
          metric(m, "mintline_identities")), (1.0, 0.0, 7.0), "/metrics: claims_expired{kyc} 1")
    refused(("transfer", "ACME", "--from", FR, "--to", JP, "--amount", "100", "--partition", "REG_S"),
            "ERR_CLAIM_EXPIRED", "to an investor whose kyc expired")
    step("bob", ("claim", "set", JP, "kyc", "--expires", day(400)), 0, "compliance renews JP's kyc")
    step("alice", ("transfer", "ACME", "--from", FR, "--to", JP, "--amount", "100", "--partition", "REG_S"), 0,
         "the transfer goes through after the renewal", out=r"transferred 100 ACME \(REG_S\) ")


def test_lockup_and_rules():
    """REG_D's lockup ends on its date; `asset rules set` is timelocked."""
    step("alice", ("dev", "advance", "69d"), 0, "to the lockup date (day 90)")
    step("alice", ("transfer", "ACME", "--from", US1, "--to", US3, "--amount", "30", "--partition", "REG_D"), 0,
         "REG_D moves from its lockup date", out=r"transferred 30 ACME \(REG_D\) from %s to %s " % (US1, US3) + DONE)
    t.eq((parts(US1), parts(US3)), (("920", "920", "0"), ("80", "80", "0")), "REG_D after the lockup")
    r = step("bob", ("asset", "rules", "set", "ACME", "--max-balance", "930", "--dry-run"), 0,
             "dry run of a rules change", out=r"dry run: would set the rules of ACME$")
    t.ok(re.search(r'^  event AssetRulesSet ACME partition=- changed=max_balance$', r.out, re.M)
         and "when submitted: a timelock entry executable from" in r.out, "the dry run names the change and the delay", r)
    step("alice", ("asset", "rules", "set", "ACME", "--max-balance", "930"), 1, "the transfer agent may not",
         err="ERR_UNAUTHORIZED")
    r = cli("bob", "asset", "rules", "set", "ACME", "--max-balance", "930")
    m = PENDING_T.search(r.out)
    t.ok(r.rc == 4 and m, "asset rules set: scheduled in the timelock (exit 4)", r)
    tid = m.group(1) if m else "0"
    step("bob", ("timelock", "execute", tid), 1, "not before its eta", err="ERR_TIMELOCK_NOT_READY")
    t.eq(read(("asset", "rules", "show", "ACME", "--json")).json()["rules"]["max_balance"], "100000",
         "the rules are unchanged while it waits")
    step("alice", ("dev", "advance", "1d"), 0, "a day later")
    step("bob", ("timelock", "execute", tid), 0, "executed after 24h", out=r"executed timelock entry %s " % tid + DONE)
    t.eq(cli_pairs(read(("asset", "rules", "show", "ACME")).out.split("\n\n")[0]).get("max balance"), "930",
         "asset rules show: max balance 930")
    refused(("transfer", "ACME", "--from", US3, "--to", US1, "--amount", "11", "--partition", "REG_D"),
            "ERR_MAX_BALANCE", "a balance over max_balance (931)")
    step("alice", ("transfer", "ACME", "--from", US3, "--to", US1, "--amount", "10", "--partition", "REG_D"), 0,
         "up to max_balance exactly (930)")
    # a partition's rule: REG_S now needs aml as well
    r = cli("bob", "asset", "rules", "set", "ACME", "--partition", "REG_S", "--required-claims", "aml")
    m = PENDING_T.search(r.out)
    t.ok(r.rc == 4 and m, "a partition's rule: scheduled", r)
    step("alice", ("dev", "advance", "1d"), 0, "a day later")
    step("bob", ("timelock", "execute", m.group(1) if m else "0"), 0, "executed")
    refused(("transfer", "ACME", "--from", JP, "--to", DE, "--amount", "1", "--partition", "REG_S"),
            "ERR_NOT_WHITELISTED", "REG_S now needs aml too")
    step("bob", ("claim", "set", DE, "aml", "--expires", day(400)), 0, "DE gets its aml claim")
    step("alice", ("transfer", "ACME", "--from", JP, "--to", DE, "--amount", "1", "--partition", "REG_S"), 0,
         "then it receives REG_S again")


def test_freeze():
    """A partial freeze is of the asset's total, not of a partition (two
    compliance officers: bob proposes, dave approves)."""
    two("bob", "dave", ("freeze", US1, "--asset", "ACME", "--amount", "900"), "freeze 900 ACME of US1")
    b = balance(US1)
    t.eq((b.get("balance"), b.get("frozen"), b.get("REG_D")), ("930 ACME", "900 ACME", "930 ACME"),
         "balance: 930, frozen 900, REG_D 930")
    refused(("transfer", "ACME", "--from", US1, "--to", US3, "--amount", "31", "--partition", "REG_D"),
            "ERR_INSUFFICIENT_BALANCE", "more than the unfrozen total (30)")
    step("alice", ("transfer", "ACME", "--from", US1, "--to", US3, "--amount", "30", "--partition", "REG_D"), 0,
         "the unfrozen 30 moves out of REG_D")
    t.eq(balance(US1).get("frozen"), "900 ACME", "the freeze stays on the total")
    two("dave", "bob", ("unfreeze", US1, "--asset", "ACME", "--amount", "900"), "unfreeze the 900")
    t.eq(balance(US1).get("frozen"), "0 ACME", "frozen 0")


def test_recover_and_burn():
    """recover moves the balance, every partition and the identity."""
    before = parts(DE)
    two("alice", "bob", ("recover", "ACME", DE, NEW_DE), "recover DE's wallet to a new address")
    t.eq((parts(DE), parts(NEW_DE)), (("0", "0", "0"), before), "the partitions moved to the new address")
    step("carol", ("identity", "show", DE), 1, "the lost wallet keeps no identity", err="ERR_NOT_FOUND")
    head, claims = identity(NEW_DE)
    t.eq((head.get("country"), head.get("investor type"), claims["kyc"][1], claims["aml"][1]),
         ("DE", "entity", "valid", "valid"), "the new address has DE's identity and claims")
    t.eq(status()[1]["ACME"]["HOLDERS"], "4/4", "the holder count is unchanged")
    two("alice", "bob", ("burn", "ACME", "--from", NEW_DE, "--amount", "1", "--partition", "REG_S"),
        "burn 1 from REG_S", out=r"^  event Burn ACME from=%s amount=1 partition=REG_S$" % NEW_DE)
    t.eq(parts(NEW_DE)[0], str(int(before[0]) - 1), "burned from the total and the partition")


def test_raw_http():
    """A few raw signed requests: the identity read, malformed bodies
    refused 400 before anything is journaled."""
    c = S.node.client("bob")
    st, doc = c.get("/api/identities/" + NEW_DE.upper().replace("0X", "0x"))
    t.ok(st == 200 and doc["address"] == NEW_DE and doc["country"] == "DE", "GET /api/identities: case-insensitive",
         (st, doc))
    st, doc = c.get("/api/identities/" + UNREG)
    t.ok(st == 404 and doc["error"]["code"] == "ERR_NOT_FOUND", "GET /api/identities: 404 without one", (st, doc))
    st, doc = c.get("/api/identities/0x1234")
    t.ok(st == 400 and doc["error"]["code"] == "ERR_INVALID_ADDRESS", "GET /api/identities: 400 for a bad address",
         (st, doc))
    before = snapshot()
    height = S.node.status()["node"]["height"]
    for body, field in (({"op": "identity.register", "address": US2, "country": "XX"}, "country"),
                        ({"op": "identity.register", "address": US2, "country": "USA"}, "country"),
                        ({"op": "identity.register", "address": US2, "country": "US", "investor_type": "robot"},
                         "investor_type"),
                        ({"op": "claim.set", "address": US2, "topic": "kyx", "expires": day(400)}, "topic"),
                        ({"op": "claim.set", "address": US2, "topic": "kyc", "expires": "2027-02-30"}, "expires"),
                        ({"op": "claim.set", "address": US2, "topic": "kyc", "expires": "next year"}, "expires"),
                        ({"op": "transfer", "asset": "ACME", "from": US1, "to": US3, "amount": "1",
                          "partition": "reg_d"}, "partition"),
                        ({"op": "asset.rules.set", "asset": "ACME", "blocked_countries": "KP,XX"},
                         "blocked_countries"),
                        ({"op": "asset.rules.set", "asset": "ACME", "required_claims": "kyc,kyc"},
                         "required_claims"),
                        ({"op": "asset.rules.set", "asset": "ACME", "max_holders": "0"}, "max_holders")):
        st, doc = c.command(body)
        t.ok(st == 400 and doc.get("ok") is False and doc["error"]["code"] == "ERR_INVALID_ARGUMENT"
             and field in doc["error"]["message"] and "seq" not in doc,
             "%s with a malformed %s: 400 ERR_INVALID_ARGUMENT, not journaled" % (body["op"], field), (st, doc))
    t.eq(S.node.status()["node"]["height"], height, "no block for the malformed bodies")
    st, doc = c.command({"op": "claim.set", "address": US2, "topic": "kyc", "expires": day(1)})
    t.ok(st == 400 and doc["error"]["code"] == "ERR_INVALID_ARGUMENT" and "seq" in doc,
         "an expiry date already past for the ledger: 400, journaled as an attempt", (st, doc))
    t.eq(snapshot(), before, "nothing changed")


def test_audit():
    n = S.node
    t.eq(n.stop(), 0, "the node stops cleanly")
    r = n.cli("audit", "verify", "--data", n.data, operator=None)
    t.ok(r.rc == 0 and r.out.startswith("audit ok"), "audit verify --data DIR passes on the ledger", r)


def walk_genesis():
    """The example genesis with REG_D's lockup 90 days from today's ledger
    day and max_holders 4 (the test's only changes; the docstring says why)."""
    with open(EXAMPLE) as f:
        text = f.read()
    lockup = (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=90)).isoformat()
    assert "lockup_until: 2027-06-01" in text and "max_holders: 2000" in text
    return text.replace("lockup_until: 2027-06-01", "lockup_until: " + lockup).replace(
        "max_holders: 2000", "max_holders: 4"), lockup


t.run("the example genesis", test_example_genesis)
text, lockup = walk_genesis()
with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
    f.write(text)
    genesis = f.name
S.node = Node(genesis=genesis, clock_manual=True)
try:
    S.node.start()
    S.day0 = datetime.date.fromisoformat(S.node.status()["node"]["time"][:10])
    if day(90) != lockup:   # init ran across a UTC midnight: the day offsets below would be off
        t.diag("the ledger's first day %s is not the day the genesis was written for" % S.day0)
    for name, fn in [("onboarding", test_onboarding), ("status and metrics", test_status_metrics_three_holders),
                     ("transfer restrictions", test_restrictions), ("agents' tools", test_agents),
                     ("claim expiry", test_expiry), ("lockup and rules", test_lockup_and_rules),
                     ("freeze", test_freeze), ("recover and burn", test_recover_and_burn), ("raw HTTP", test_raw_http),
                     ("audit", test_audit)]:
        t.run(name, fn)
    t.ok(S.node.sanitizer() is None, "no sanitizer report", S.node.sanitizer())
finally:
    S.node.stop()
    S.node.cleanup()
    os.unlink(genesis)
t.done()
