"""test_payout - payouts end to end (SPEC 6 "Payouts", issue 9 item 6).

A real node on a manual clock, a genesis of its own (ACME a security token,
USDC a plain payment asset; alice and bob payout managers; SPEC 4's default
of two approvals for payout.distribute), driven with the CLI (identities and
claims with `identity register` and `claim set`) and raw signed HTTP where
the test is about the API (the 202 answer of a proposal, the reads).

  snapshot    `payout snapshot ACME` freezes three holders' balances; a
              transfer afterwards does not change it (API and CLI)
  create      `payout create` a full and a pro-rata payout; refusals: an
              unknown snapshot (1), a zero total (1), a bad mode (1)
  preflight   `payout show` lists the legs, the recipient without a tax
              form, and what a distribution would answer now
  distribute  two approvals: the proposal (exit 4), the same operator
              again (1), the release failing with ERR_TAX_FORM_MISSING
              naming the recipient (1); then the claim, a new proposal and
              its approval (0): legs 100/200/300 sum to the total
  again       a second distribution: ERR_ALREADY_DISTRIBUTED (1); an
              underfunded full payout (1); pro rata pays what is held
  reads       /api/payouts, /api/payouts/ID paged (offset, limit,
              next_offset), /api/payouts/snapshots/ID; payout list; status
              and /metrics count the payouts pending
  frozen      a frozen distributor: ERR_FROZEN, nothing paid
  restart     replayed and from the snapshot the node shows the same; audit
              verify passes
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import TAP, Node, addr, metric  # noqa: E402

t = TAP("payout")

GENESIS = """\
operators:
  - name: alice
    pubkey: a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800
    roles: [admin, minter, burner, transfer_agent, compliance, payout_manager]
  - name: bob
    pubkey: ca9c298168ea53bf5a3e9b60aa2b14af289314f532a809f492207ded1abc7264
    roles: [payout_manager, compliance]
  - name: carol
    pubkey: a4e964a18edba8351736a2dee6073a15b6b91e6bc253200dd3f2e268e292b673
    roles: [viewer]
controller: alice
assets:
  - symbol: ACME
    kind: security
    decimals: 0
    required_claims: [kyc]
  - symbol: USDC
    kind: plain
    decimals: 6
policies:
  - {op: mint, asset: ACME, approvals: 1}
  - {op: freeze, approvals: 1}
  - {op: unfreeze, approvals: 1}
"""

H1, H2, H3 = addr(1, 0xb1), addr(2, 0xb2), addr(3, 0xb3)
DIST = addr(9, 0xd0)
EXPIRES = "2099-01-01"


def cli_ok(node, args, name):
    r = node.cli(*args)
    t.ok(r.rc == 0 and r.err == "", name, r)
    return r


def register(node, a, claims):
    cli_ok(node, ("identity", "register", a, "--country", "DE"), "identity register %s" % a)
    for topic in claims:
        cli_ok(node, ("claim", "set", a, topic, "--expires", EXPIRES), "claim set %s %s" % (a, topic))


def event(run, typ):
    doc = run.json()
    for ev in doc.get("events", []):
        if ev["type"] == typ:
            return ev
    raise AssertionError("no %s event in %s" % (typ, doc))


def error_line(run, code):
    return run.rc == 1 and ("error: %s: " % code) in run.err


def setup(node):
    register(node, H1, ["kyc", "tax_form"])
    register(node, H2, ["kyc", "tax_form"])
    register(node, H3, ["kyc"])  # no tax form yet
    for a, n in ((H1, "100"), (H2, "200"), (H3, "300")):
        r = node.cli("mint", "ACME", "--to", a, "--amount", n)
        t.eq(r.rc, 0, "mint %s ACME" % n)
    r = node.cli("mint", "USDC", "--to", DIST, "--amount", "1000")
    t.eq(r.rc, 0, "fund the distributor")


def snapshot(node):
    r = node.cli("payout", "snapshot", "ACME", "--json")
    t.eq(r.rc, 0, "payout snapshot ACME")
    ev = event(r, "PayoutSnapshot")
    t.eq((ev["asset"], ev["data"]["id"], ev["data"]["holders"], ev["data"]["total"]),
         ("ACME", 1, 3, "600"), "the snapshot's id, holders and total")
    r = node.cli("payout", "snapshot", "ACME")
    t.ok(r.rc == 0 and "PayoutSnapshot ACME id=2 holders=3" in r.out, "the human form shows the id", r)
    # After the snapshot: H1 gives 50 to H2. The snapshot keeps 100/200/300.
    r = node.cli("transfer", "ACME", "--from", H1, "--to", H2, "--amount", "50")
    t.eq(r.rc, 0, "a transfer after the snapshot")
    st, doc = node.client("carol").get("/api/payouts/snapshots/1")
    t.eq(st, 200, "GET /api/payouts/snapshots/1")
    t.eq([(b["address"], b["balance"]) for b in doc["balances"]],
         [(H1, "100"), (H2, "200"), (H3, "300")], "snapshot balances as they were, sorted by address")
    t.eq(doc["next_offset"], None, "one page")


def create(node):
    r = node.cli("payout", "create", "99", "--pay", "USDC", "--total", "600", "--from", DIST,
                 "--mode", "full")
    t.ok(error_line(r, "ERR_NOT_FOUND") and "no snapshot 99" in r.err, "unknown snapshot: exit 1", r)
    r = node.cli("payout", "create", "1", "--pay", "USDC", "--total", "0", "--from", DIST,
                 "--mode", "full")
    t.ok(error_line(r, "ERR_INVALID_AMOUNT"), "zero total: exit 1", r)
    r = node.cli("payout", "create", "1", "--pay", "USDC", "--total", "1", "--from", DIST,
                 "--mode", "half")
    t.ok(error_line(r, "ERR_INVALID_ARGUMENT"), "unknown mode: exit 1", r)
    r = node.cli("payout", "create", "1", "--pay", "USDC", "--total", "600", "--from", DIST)
    t.eq(r.rc, 2, "--mode is required: usage, exit 2")
    r = node.cli("payout", "create", "1", "--pay", "USDC", "--total", "600.000000", "--from", DIST,
                 "--mode", "full", "--json")
    t.eq(r.rc, 0, "payout create 1 --pay USDC --total 600 --mode full")
    ev = event(r, "PayoutCreated")
    t.eq((ev["data"]["id"], ev["data"]["snapshot"], ev["data"]["total"], ev["data"]["mode"],
          ev["data"]["recipients"]), (1, 1, "600", "full", 3), "PayoutCreated")
    r = node.cli("payout", "create", "1", "--pay", "USDC", "--total", "1000000", "--from", DIST,
                 "--mode", "full")
    t.ok(r.rc == 0 and "id=2" in r.out, "payout 2: full, more than is held", r)


def preflight(node):
    r = node.cli("payout", "show", "1")
    t.eq(r.rc, 0, "payout show 1")
    t.ok("MISSING" in r.out and H3 in r.out, "the leg without a tax form is marked", r)
    t.ok("preflight    ERR_TAX_FORM_MISSING" in r.out, "the preflight says what would fail", r)
    st, doc = node.client("carol").get("/api/payouts/1")
    t.eq(st, 200, "GET /api/payouts/1")
    t.eq((doc["status"], doc["tax_forms_missing"], doc["funded"], doc["amount"], doc["legs_total"]),
         ("open", 1, True, "600", 3), "open payout: funding and tax forms")
    t.eq(doc["preflight"]["error"]["code"], "ERR_TAX_FORM_MISSING", "preflight code")
    t.eq([(l["address"], l["snapshot_balance"], l["amount"], l["tax_form"]) for l in doc["legs"]],
         [(H1, "100", "100", True), (H2, "200", "200", True), (H3, "300", "300", False)], "the legs")


def approve(node, who, pid):
    return node.cli("approve", str(pid), operator=who)


def propose(node, payout_id):
    r = node.cli("payout", "distribute", str(payout_id))
    t.ok(r.rc == 4 and "pending: proposal" in r.out, "distribute %s: a proposal, exit 4" % payout_id, r)
    return int(r.out.split("proposal ")[1].split()[0])


def distribute(node):
    pid = propose(node, 1)
    r = approve(node, "alice", pid)
    t.ok(error_line(r, "ERR_SAME_OPERATOR"), "the proposer cannot approve too", r)
    r = approve(node, "bob", pid)
    t.ok(error_line(r, "ERR_TAX_FORM_MISSING") and H3 in r.err and "payout show 1" in r.err,
         "the release fails naming the recipient without a tax form", r)
    c = node.client("carol")
    st, doc = c.get("/api/accounts/%s" % H1)
    t.eq(doc["balances"].get("USDC"), None, "nothing paid")
    cli_ok(node, ("claim", "set", H3, "tax_form", "--expires", EXPIRES), "H3's tax form")
    pid = propose(node, 1)
    r = approve(node, "bob", pid)
    t.ok(r.rc == 0 and "ran the proposal" in r.out and "PayoutDistributed USDC" in r.out
         and "legs=3" in r.out, "the second approval distributes", r)
    for a, want in ((H1, "100"), (H2, "200"), (H3, "300"), (DIST, "400")):
        r = node.cli("balance", "USDC", a, "--json")
        t.eq(r.json()["balance"], want, "USDC of %s" % a)
    # Raw signed HTTP: the proposal answer's shape (202), and the refusal at release.
    st, res = node.client("alice").command({"op": "payout.distribute", "id": 1})
    t.ok(st == 202 and "proposal" in res.get("pending", {}), "raw distribute: 202 pending", res)
    st, res = node.client("bob").command({"op": "approve", "id": res["pending"]["proposal"]})
    ex = res.get("executed", {})
    t.ok(st == 200 and ex.get("ok") is False and ex["error"]["code"] == "ERR_ALREADY_DISTRIBUTED"
         and "block" in ex["error"]["message"], "a second distribution: ERR_ALREADY_DISTRIBUTED", res)
    pid = propose(node, 2)
    r = approve(node, "bob", pid)
    t.ok(error_line(r, "ERR_UNDERFUNDED_FULL_MODE") and "400 USDC" in r.err,
         "full mode beyond what is held: exit 1, with the figures", r)


def reads(node):
    r = node.cli("payout", "list")
    t.ok(r.rc == 0 and "distributed" in r.out and "open" in r.out and "pending distribution: 1" in r.out,
         "payout list", r)
    r = node.cli("payout", "list", "--json")
    doc = r.json()
    t.eq([(p["id"], p["status"], p["paid"], p["legs_paid"]) for p in doc["payouts"]],
         [(1, "distributed", "600", 3), (2, "open", None, None)], "list: statuses")
    t.eq(len(doc["snapshots"]), 2, "list: snapshots")
    c = node.client("carol")
    st, doc = c.get("/api/payouts/1?limit=2")
    t.ok(st == 200 and len(doc["legs"]) == 2 and doc["next_offset"] == 2 and doc["preflight"] is None,
         "page 1 of the legs", doc)
    st, doc = c.get("/api/payouts/1?offset=2&limit=2")
    t.ok(st == 200 and [l["address"] for l in doc["legs"]] == [H3] and doc["next_offset"] is None,
         "page 2 of the legs", doc)
    st, doc = c.get("/api/payouts/1?limit=0")
    t.eq(st, 400, "limit 0 refused")
    st, doc = c.get("/api/payouts/7")
    t.eq(st, 404, "unknown payout: 404")
    st, doc = c.get("/api/payouts/snapshots/9")
    t.eq(st, 404, "unknown snapshot: 404")
    t.eq(node.status()["payouts"]["pending"], 1, "status: payouts pending")
    r = node.cli("status")
    t.ok(r.rc == 0 and "payouts pending distribution 1" in r.out, "status says so", r)
    m = node.metrics()
    t.eq(metric(m, "mintline_payouts_pending", asset="USDC"), 1.0, "metric: payouts pending")
    t.eq(metric(m, "mintline_payouts_pending_base_units", asset="USDC"), 1e12, "metric: their total")


def pro_rata_and_frozen(node):
    r = node.cli("payout", "create", "1", "--pay", "USDC", "--total", "1000", "--from", DIST,
                 "--mode", "pro-rata", "--json")
    pay_id = event(r, "PayoutCreated")["data"]["id"]
    r = node.cli("freeze", DIST)
    t.eq(r.rc, 0, "freeze the distributor")
    pid = propose(node, pay_id)
    r = approve(node, "bob", pid)
    t.ok(error_line(r, "ERR_FROZEN") and "distributor" in r.err, "a frozen distributor: exit 1", r)
    t.eq(node.cli("unfreeze", DIST).rc, 0, "unfreeze")
    pid = propose(node, pay_id)
    r = approve(node, "bob", pid)
    t.eq(r.rc, 0, "pro rata pays the 400 held")
    st, doc = node.client("carol").get("/api/payouts/%d" % pay_id)
    t.eq((doc["paid"], [l["amount"] for l in doc["legs"]]), ("400", ["66.666667", "133.333333", "200"]),
         "400 over 100:200:300, exactly, the unit left to the largest remainder")


def restart(node):
    before = node.cli("payout", "list", "--json").out
    show = node.client("carol").get("/api/payouts/1")[1]
    node.stop()
    node.start()
    t.eq(node.cli("payout", "list", "--json").out, before, "after a restart: the same payouts")
    t.eq(node.client("carol").get("/api/payouts/1")[1], show, "after a restart: the same legs")
    node.stop()
    r = node.cli("audit", "verify", "--data", node.data)
    t.eq(r.rc, 0, "audit verify replays every payout")
    if r.rc:
        t.diag(r)
    node.start()


def main():
    node = Node(genesis=None, clock_manual=True, init=False)
    path = os.path.join(node.root, "genesis.yaml")
    with open(path, "w") as f:
        f.write(GENESIS)
    r = node.cli("init", "--data", node.data, "--genesis", path, "--clock", "manual")
    if not t.eq(r.rc, 0, "init"):
        t.diag(r)
        t.done()
    node.start()
    t.run("setup", setup, node)
    t.run("snapshot", snapshot, node)
    t.run("create", create, node)
    t.run("preflight", preflight, node)
    t.run("distribute", distribute, node)
    t.run("reads", reads, node)
    t.run("pro rata and frozen", pro_rata_and_frozen, node)
    t.run("restart", restart, node)
    t.ok(node.stop() == 0, "the node stops cleanly")
    t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
    t.done()


main()
