"""test_checks - `mintline check daily|weekly|monthly` and GET /api/checks.

A ledger with a fund, a reserve-backed W token, a vault type and a bridge
route is made healthy and checked (exit 0: every item passes or does not
apply, and says why not); then each daily, weekly and monthly item the
runbooks list is driven to fail or warn (daily limits, reserve ratio and
reports, vault health, bridge success rate and buffer, critical alerts,
open and overdue incidents, failed commands, proof of reserves and
attestation age, key age, the role review) and the checklist names it,
exits 1, and the API says the same. Bad periods are refused.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import TAP, Node, metric  # noqa: E402

t = TAP("checks")

X = "0x" + "0a" * 20
Y = "0x" + "0b" * 20
BUFFER = "0x" + "bf" * 20
DEST = "0x" + "d1" * 20
LIQ = "0x" + "1c" * 20

GENESIS = """\
operators:
  - name: alice
    pubkey: a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800
    roles: [admin, minter, burner, transfer_agent, oracle_updater, oracle_manager, reserve_reporter,
            bridge_operator, incident_manager, treasury_manager]
  - name: bob
    pubkey: ca9c298168ea53bf5a3e9b60aa2b14af289314f532a809f492207ded1abc7264
    roles: [refund_signer, liquidator]
  - name: carol
    pubkey: a4e964a18edba8351736a2dee6073a15b6b91e6bc253200dd3f2e268e292b673
    roles: [viewer]
controller: alice
feeds:
  - {name: XAU, max_age: 1000d}
assets:
  - symbol: FUND
    kind: fund
    decimals: 6
    supply_cap: "100000"
    daily_mint_limit: "1000"
    daily_inflow_limit: "1000"
    nav_max_age: 1000d
  - symbol: USDW
    kind: fiat
    currency: USD
    decimals: 6
    reserve_quorum: 1
  - symbol: GOLD
    kind: plain
    decimals: 6
vault_types:
  - name: GOLD-A
    collateral: GOLD
    feed: XAU
    debt: USDW
    min_ratio: 150%
    liquidation_ratio: 110%
    penalty: 5%
    debt_ceiling: "1000000"
    dust: "10"
bridge_routes:
  - chain: 138
    asset: USDW
    min: "1"
    max: "100000"
    timeout: 2h
    latency: 30m
    safety_factor: "1.5"
    buffer_account: "BUFFER"
""".replace("BUFFER", BUFFER)


def items(doc):
    """{(item, subject): status} of a checklist document."""
    return {(i["item"], i["subject"]): i["status"] for i in doc.get("items", [])}


def main():
    path = os.path.join(tempfile.mkdtemp(prefix="mintline-checks-"), "genesis.yaml")
    with open(path, "w") as f:
        f.write(GENESIS)
    node = Node(genesis=path, clock_manual=True)
    node.start()
    try:
        def ok(name, *args, operator="alice", rc=0):
            r = node.cli(*args, operator=operator)
            t.ok(r.rc == rc, name, r)
            return r

        def check(period, operator="carol"):
            r = node.cli("check", period, "--json", operator=operator)
            doc = r.json() if r.out.strip() else {}
            return r, doc

        # a healthy ledger
        ok("reserve report USDW 1000", "reserve", "report", "USDW", "1000")
        ok("mint 500 USDW", "mint", "USDW", "--to", X, "--amount", "500")
        ok("mint 200 USDW to the bridge buffer", "mint", "USDW", "--to", BUFFER, "--amount", "200")
        ok("nav update FUND 10", "nav", "update", "FUND", "10")
        ok("mint 10 FUND", "mint", "FUND", "--to", X, "--amount", "10")
        ok("price XAU 2000", "price", "update", "XAU", "2000")
        ok("mint 1 GOLD", "mint", "GOLD", "--to", X, "--amount", "1")
        ok("open a vault", "vault", "open", "GOLD-A", "--owner", X)
        ok("deposit 1 GOLD", "vault", "deposit", "1", "--amount", "1")
        ok("borrow 1000 USDW (health 2)", "vault", "borrow", "1", "--amount", "1000")
        ok("por publish USDW", "por", "publish", "USDW")
        ok("bob takes part (liquidates nothing: a safe vault)", "vault", "liquidate", "1", "--by", LIQ,
           operator="bob", rc=1)

        r = node.cli("check", "daily", operator="carol")
        t.ok(r.rc == 0 and "daily checklist: pass" in r.out, "healthy: check daily exits 0, pass", r)
        t.ok("n/a" in r.out and "no bridge route with outflow" in r.out,
             "an item that does not apply says so (no outflow yet)", r)
        t.ok("reserve ratio" in r.out and "seed 001 8.1" in r.out and "warn < 105%, fail < 100%" in r.out,
             "each line names its thresholds and its runbook line", r)
        r, doc = check("daily")
        got = items(doc)
        for key in [("node_writable", ""), ("reserve_ratio", "asset=USDW"), ("reserve_quorum", "asset=USDW"),
                    ("reserve_reports_stale", "asset=USDW"), ("nav_age", "asset=FUND"),
                    ("daily_mint_usage", "asset=FUND"), ("vault_health_min", "vault_type=GOLD-A"),
                    ("bridge_success", "chain=138 asset=USDW"), ("bridge_buffer", "chain=138 asset=USDW"),
                    ("alerts_critical", ""), ("incidents_p0_p1", ""), ("incidents_overdue", ""),
                    ]:
            t.eq(got.get(key), "pass", "healthy daily: %s %s passes" % key)
        t.eq(got.get(("failed_commands", "")), "n/a", "one refusal in 12 commands: the ratio waits for 100")
        st, api = node.client("carol").get("/api/checks/daily")
        t.ok(st == 200 and items(api) == got and api.get("status") == "pass",
             "GET /api/checks/daily agrees with the CLI", api)
        r, doc = check("weekly")
        got = items(doc)
        t.eq(got.get(("por_age", "asset=USDW")), "pass", "weekly: proof of reserves published")
        t.eq(got.get(("reserve_attestation", "asset=USDW")), "pass", "weekly: a reserve attestation")
        t.eq(got.get(("key_age", "operator=alice")), "pass", "weekly: alice's key is young")
        t.eq(got.get(("role_review", "operator=alice")), "pass", "weekly role review: alice used her roles")
        t.eq(got.get(("role_review", "operator=carol")), "pass", "weekly role review: a viewer is not flagged")
        t.ok(r.rc == 0, "weekly exits 0 (warnings only)", r)
        t.eq(got.get(("backup_age", "")), "n/a", "weekly: no scheduled backups here: the backup item says n/a")
        r = node.cli("check", "monthly", operator="alice")
        t.ok(r.rc == 0 and "keys older than 90 days" in r.out, "monthly: keys checked, exit 0", r)
        r, doc = check("monthly", operator="alice")
        got = items(doc)
        t.ok(got.get(("audit", "")) == "pass" and got.get(("restore_drill", "")) == "pass",
             "monthly: the audit through the node and the restore drill (a backup taken now) pass", doc)
        audit = [i for i in doc.get("items", []) if i["item"] == "audit"]
        st, head = node.client("alice").get("/api/system/status")
        t.ok(audit and str(head["node"]["height"] + 1) + " blocks" in audit[0]["value"],
             "the audit's value: every block up to the head", (audit, head["node"]["height"]))
        r, doc = check("monthly", operator="carol")
        got = items(doc)
        bad = [i for i in doc.get("items", []) if i["item"] == "audit"]
        t.ok(r.rc == 1 and got.get(("audit", "")) == "fail" and bad and bad[0]["value"] == "ERR_UNAUTHORIZED",
             "monthly as a viewer: the journal is not theirs to read, the audit fails (exit 1)", (r, doc))
        r = node.cli("check", "daily", "--backup-dir", "/tmp", operator="carol")
        t.ok(r.rc == 2 and "ERR_USAGE" in r.err, "--backup-dir is for the monthly checklist", r)

        # each item made to fail
        ok("mint 960 FUND (96% of the daily mint limit)", "mint", "FUND", "--to", X, "--amount", "960")
        ok("XAU falls to 1050: health 1.05", "price", "update", "XAU", "1050")
        ok("send 100 USDW over the bridge", "bridge", "send", "USDW", "--from", X, "--chain", "138", "--to",
           DEST, "--amount", "100")
        r, doc = check("daily")
        got = items(doc)
        t.ok(r.rc == 1 and doc.get("status") == "fail", "check daily exits 1, status fail", r)
        t.eq(got.get(("daily_mint_usage", "asset=FUND")), "fail", "daily mint usage 97% fails (> 95%)")
        t.eq(got.get(("daily_inflow_usage", "asset=FUND")), "fail", "daily inflow usage 97% fails")
        t.eq(got.get(("vault_health_min", "vault_type=GOLD-A")), "fail", "vault health 105% fails (< 110%)")
        t.eq(got.get(("alerts_critical", "")), "fail", "a critical alert is firing")
        t.eq(got.get(("incidents_p0_p1", "")), "fail", "the critical alert opened a P1 incident")
        t.eq(got.get(("bridge_buffer_projected", "chain=138 asset=USDW")), "pass",
             "the buffer (200) less the escrow in flight (100) covers peak x latency (50)")
        ok("the bridge buffer drops to 10", "burn", "USDW", "--from", BUFFER, "--amount", "190")
        r, doc = check("daily")
        got = items(doc)
        t.eq(got.get(("bridge_buffer", "chain=138 asset=USDW")), "warn", "the buffer rule is broken: warn")
        t.eq(got.get(("bridge_buffer_projected", "chain=138 asset=USDW")), "fail",
             "after the escrow in flight it breaks: fail")

        ok("3 hours pass", "dev", "advance", "3h")
        ok("alice asks the refund", "bridge", "refund", "1")
        ok("bob executes it", "bridge", "refund-execute", "1", operator="bob")
        ok("the reserve falls to 100", "reserve", "report", "USDW", "100")
        st, res = node.client("alice").command({"commands": [{"op": "mint", "asset": "GOLD", "to": Y, "amount": "1"}
                                                             for _ in range(90)]})
        t.ok(st == 200, "a batch of 90 mints (100 commands in all)", (st, res))
        for i in range(12):
            node.cli("burn", "USDW", "--from", Y, "--amount", "1")
        r = node.cli("burn", "USDW", "--from", Y, "--amount", "1")
        t.ok(r.rc == 1 and "ERR_INSUFFICIENT" in r.err, "13 refused burns", r)
        r, doc = check("daily")
        got = items(doc)
        t.eq(got.get(("bridge_success", "chain=138 asset=USDW")), "fail", "bridge success 0% fails (< 90%)")
        t.eq(got.get(("reserve_ratio", "asset=USDW")), "fail", "reserve ratio below 100% fails")
        t.eq(got.get(("incidents_overdue", "")), "fail", "the P1 not acknowledged in 30 min is overdue")
        t.eq(got.get(("failed_commands", "")), "fail", "failed commands over 10% fail")
        t.eq(got.get(("nav_age", "asset=FUND")), "warn", "NAV 3h old warns (> 2h)")
        failing = [i for i in doc["items"] if i["status"] == "fail"]
        t.ok(all(i["value"] and i["threshold"] and i["runbook"] for i in failing),
             "every failing line has its value, threshold and runbook line", failing)
        ok("2 more hours: reports stale, NAV 5h old", "dev", "advance", "2h")
        r, doc = check("daily")
        got = items(doc)
        t.eq(got.get(("reserve_reports_stale", "asset=USDW")), "fail", "a reserve report older than 1h fails")
        t.eq(got.get(("nav_age", "asset=FUND")), "fail", "NAV 5h old fails (> 4h)")

        ok("91 days pass", "dev", "advance", "2184h")
        r, doc = check("weekly")
        got = items(doc)
        t.ok(r.rc == 1, "weekly exits 1", r)
        t.eq(got.get(("por_age", "asset=USDW")), "fail", "proof of reserves older than 7 days fails")
        t.eq(got.get(("reserve_attestation", "asset=USDW")), "fail", "no attestation in 7 days fails")
        t.eq(got.get(("key_age", "operator=alice")), "fail", "a 91-day key fails the weekly key age")
        t.eq(got.get(("role_review", "operator=alice")), "warn", "alice's roles unused for 90 days: review")
        t.eq(got.get(("role_review", "operator=carol")), "pass", "a viewer is still not flagged")
        r, doc = check("monthly")
        t.ok(r.rc == 1 and items(doc).get(("key_age_90d", "operator=bob")) == "fail",
             "monthly: keys older than 90 days fail", r)

        # bad periods
        r = node.cli("check", "hourly", operator="carol")
        t.ok(r.rc == 2 and "ERR_USAGE" in r.err, "check hourly: usage error, exit 2", r)
        st, doc = node.client("carol").get("/api/checks/hourly")
        t.ok(st == 404 and doc.get("error", {}).get("code", doc.get("code")) == "ERR_NOT_FOUND",
             "GET /api/checks/hourly: 404 ERR_NOT_FOUND", (st, doc))
        st, doc = node.client("carol").get("/api/checks/")
        t.ok(st == 404, "GET /api/checks/: 404", (st, doc))
        t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
    finally:
        t.eq(node.stop(), 0, "node stops cleanly")
        node.cleanup()
    backups()
    t.done()


def backups():
    """A node with scheduled backups: the weekly item passes, the monthly
    drill restores the newest of them, a damaged file fails the drill."""
    node = Node()
    bdir = os.path.join(node.root, "backups")
    node.start(args=["--backup-dir", bdir, "--backup-every", "1h", "--backup-keep", "2"])
    try:
        node.client("alice").command({"op": "pause", "asset": "USDW"})
        deadline = time.time() + 20
        while time.time() < deadline:  # the first backup is made (its age counts from the start before)
            if metric(node.metrics(), "mintline_backup_present") == 1:
                break
            time.sleep(0.2)
        r = node.cli("check", "weekly", "--json", operator="carol")
        got = items(r.json()) if r.out.strip() else {}
        t.eq(got.get(("backup_age", "")), "pass", "weekly with serve --backup-dir: the last backup is young")
        t.eq(got.get(("backup_failures", "")), "pass", "weekly: no failing scheduled backup")
        r = node.cli("check", "monthly", "--backup-dir", bdir, "--json", operator="alice")
        doc = r.json() if r.out.strip() else {}
        drill = [i for i in doc.get("items", []) if i["item"] == "restore_drill"]
        t.ok(r.rc == 0 and drill and drill[0]["status"] == "pass" and bdir in drill[0]["detail"],
             "monthly --backup-dir: the newest scheduled backup restores and audits", (r, doc))
        name = sorted(f for f in os.listdir(bdir) if f.endswith(".backup"))[-1]
        bad = os.path.join(node.root, "bad.backup")
        with open(os.path.join(bdir, name), "rb") as f:
            data = bytearray(f.read())
        data[-100] ^= 0xFF
        with open(bad, "wb") as f:
            f.write(data)
        r = node.cli("check", "monthly", "--backup", bad, "--json", operator="alice")
        doc = r.json() if r.out.strip() else {}
        drill = [i for i in doc.get("items", []) if i["item"] == "restore_drill"]
        t.ok(r.rc == 1 and drill and drill[0]["status"] == "fail" and drill[0]["value"].startswith("ERR_BACKUP"),
             "monthly --backup FILE with a damaged byte: the drill fails, exit 1", (r, doc))
        t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
    finally:
        t.eq(node.stop(), 0, "the backup node stops cleanly")
        node.cleanup()


if __name__ == "__main__":
    main()
