"""test_oracle - price feeds (SPEC 6): update, freeze, unfreeze, staleness.

On the demo genesis (feed XAU, max age 1h; bob is oracle_updater, alice
oracle_manager) with a manual clock: updates by the right role only, a
frozen feed refuses updates, staleness after its max age, the reads
(/api/feeds, contracts status, /metrics), the CLI, and audit verify.
"""
import re
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import DEMO_GENESIS, TAP, Node, metric  # noqa: E402

t = TAP("oracle")


def cmd(node, who, doc):
    return node.client(who).command(doc)


def feed(node):
    st, doc = node.client("carol").get("/api/feeds")
    return {f["name"]: f for f in doc["feeds"]}["XAU"]


def test_feeds(node):
    f = feed(node)
    t.eq((f["value"], f["stale"], f["frozen"], f["max_age"]), (None, True, False, "1h"),
         "XAU: no value yet, stale, not frozen, max age 1h")
    st, doc = cmd(node, "bob", {"op": "price.update", "feed": "XAU", "value": "2400.12345678"})
    t.ok(st == 200 and doc["events"][0]["type"] == "PriceUpdated" and
         doc["events"][0]["data"] == {"feed": "XAU", "value": "2400.12345678"}, "bob publishes a price", doc)
    t.eq((feed(node)["value"], feed(node)["stale"]), ("2400.12345678", False), "fresh value")
    st, doc = cmd(node, "carol", {"op": "price.update", "feed": "XAU", "value": "1"})
    t.eq((st, doc["error"]["code"]), (403, "ERR_UNAUTHORIZED"), "carol cannot publish")
    st, doc = cmd(node, "alice", {"op": "price.update", "feed": "XAU", "value": "1"})
    t.eq(doc["error"]["code"], "ERR_UNAUTHORIZED", "oracle_manager alone cannot publish")
    for bad, why in (("0", "zero"), ("1.123456789", "nine fraction digits"), ("-1", "a sign")):
        st, doc = cmd(node, "bob", {"op": "price.update", "feed": "XAU", "value": bad})
        t.eq((st, doc["error"]["code"]), (400, "ERR_INVALID_AMOUNT"), "value %s: refused" % why)
    st, doc = cmd(node, "bob", {"op": "price.update", "feed": "XAG", "value": "1"})
    t.eq((st, doc["error"]["code"]), (404, "ERR_UNKNOWN_FEED"), "unknown feed: 404")
    st, doc = cmd(node, "bob", {"op": "oracle.freeze", "feed": "XAU"})
    t.eq(doc["error"]["code"], "ERR_UNAUTHORIZED", "an updater cannot freeze")
    st, doc = cmd(node, "alice", {"op": "oracle.freeze", "feed": "XAU"})
    t.ok(st == 200 and doc["events"][0]["type"] == "OracleFrozen", "alice freezes XAU", doc)
    st, doc = cmd(node, "alice", {"op": "oracle.freeze", "feed": "XAU"})
    t.eq(doc.get("note"), "already frozen", "freezing again says so")
    st, doc = cmd(node, "bob", {"op": "price.update", "feed": "XAU", "value": "2401"})
    t.eq((st, doc["error"]["code"]), (409, "ERR_ORACLE_FROZEN"), "a frozen feed takes no update")
    t.eq(feed(node)["value"], "2400.12345678", "the value stands")
    st, doc = node.client("carol").get("/api/contracts/status")
    t.ok(doc["oracles"][0]["name"] == "XAU" and doc["oracles"][0]["frozen"] is True,
         "contracts status shows the frozen feed", doc.get("oracles"))
    cmd(node, "alice", {"op": "oracle.unfreeze", "feed": "XAU"})
    st, doc = cmd(node, "bob", {"op": "price.update", "feed": "XAU", "value": "2401"})
    t.eq(st, 200, "after unfreeze, updates again")
    cmd(node, "alice", {"op": "dev.advance", "duration": "61m"})
    t.eq(feed(node)["stale"], True, "stale after its max age")
    m = node.metrics()
    t.ok(metric(m, "mintline_price_age_seconds", feed="XAU") >= 3660 and
         metric(m, "mintline_oracle_frozen", feed="XAU") == 0, "metrics: price age and freeze")


def test_cli(node):
    r = node.cli("price", "update", "XAU", "2399.5", operator="bob")
    t.ok(r.rc == 0 and "updated XAU to 2399.5" in r.out, "CLI: price update", r)
    r = node.cli("oracle", "freeze", "XAU", operator="alice")
    t.ok(r.rc == 0 and "froze the XAU feed" in r.out, "CLI: oracle freeze", r)
    r = node.cli("price", "update", "XAU", "1", operator="bob")
    t.ok(r.rc == 1 and "ERR_ORACLE_FROZEN" in r.err, "CLI: update of a frozen feed exits 1", r)
    r = node.cli("price", "list", operator="carol")
    t.ok(r.rc == 0 and "XAU" in r.out and "2,399.5" in r.out and "yes" in r.out, "CLI: price list", r)
    r = node.cli("oracle", "unfreeze", "XAU", operator="alice")
    t.ok(r.rc == 0, "CLI: oracle unfreeze", r)


A1 = "0x" + "ab" * 20


def nav(node):
    st, doc = node.client("carol").get("/api/assets/AAXJF/nav")
    return doc


def test_nav(node):
    t.eq((nav(node)["value"], nav(node)["stale"]), (None, True), "AAXJF: no NAV yet, stale")
    r = node.cli("status", operator="carol")
    t.ok(r.rc == 0 and "AAXJF  NAV: none yet (mints and burns are refused)" in r.out, "status in words: no NAV yet", r)
    st, doc = cmd(node, "alice", {"op": "mint", "asset": "AAXJF", "to": A1, "amount": "1"})
    t.eq((st, doc["error"]["code"]), (409, "ERR_NAV_MISSING"), "mint before any NAV: ERR_NAV_MISSING")
    st, doc = cmd(node, "bob", {"op": "nav.update", "asset": "AAXJF", "value": "12.5"})
    t.ok(st == 200 and doc["events"][0]["type"] == "NavUpdated" and
         doc["events"][0]["data"]["previous"] is None, "bob sets the first NAV", doc)
    st, doc = cmd(node, "alice", {"op": "mint", "asset": "AAXJF", "to": A1, "amount": "10"})
    t.eq(st, 200, "mint with a fresh NAV")
    r = node.cli("status", "AAXJF", operator="carol")
    t.ok(r.rc == 0 and re.search(r"^AAXJF  NAV 12\.5, \d+s old \(fresh\)  ok$", r.out, re.M), "status in words: the NAV, fresh", r)
    st, doc = cmd(node, "bob", {"op": "nav.update", "asset": "AAXJF", "value": "13.75"})
    t.eq(st, 200, "a 10% move is within nav_max_deviation (10%)")
    st, doc = cmd(node, "bob", {"op": "nav.update", "asset": "AAXJF", "value": "16"})
    t.eq((st, doc["error"]["code"]), (409, "ERR_NAV_DEVIATION"), "a 16% move: ERR_NAV_DEVIATION")
    st, doc = cmd(node, "bob", {"op": "nav.update", "asset": "USDW", "value": "1"})
    t.eq((st, doc["error"]["code"]), (400, "ERR_INVALID_ARGUMENT"), "no NAV on a fiat asset")
    st, doc = cmd(node, "alice", {"op": "nav.force", "asset": "AAXJF", "value": "16"})
    t.eq((st, doc["error"]["code"]), (400, "ERR_MISSING_FIELD"), "nav force without a reason: refused")
    st, doc = cmd(node, "alice", {"op": "nav.force", "asset": "AAXJF", "value": "16", "reason": ""})
    t.eq((st, doc["error"]["code"]), (400, "ERR_INVALID_ARGUMENT"), "nav force with an empty reason: refused")
    st, doc = cmd(node, "bob", {"op": "nav.force", "asset": "AAXJF", "value": "16", "reason": "x"})
    t.eq(doc["error"]["code"], "ERR_UNAUTHORIZED", "an updater cannot force")
    why = "ETF split 1:1.16, verified against two sources"
    st, doc = cmd(node, "alice", {"op": "nav.force", "asset": "AAXJF", "value": "16", "reason": why})
    t.ok(st == 200 and doc["events"][0]["data"]["forced"] is True, "alice forces it with a reason", doc)
    st, hist = node.client("carol").get("/api/history?op=nav.force&limit=5")
    t.ok(any(h["args"].get("reason") == why and h["result"] == "ok" for h in hist["history"]),
         "the reason is in the journal and shown in history", hist)
    n = nav(node)
    t.eq((n["value"], n["stale"], n["forced_updates"]), ("16", False, 1), "nav show: value, fresh, 1 forced")
    m = node.metrics()
    t.eq(metric(m, "mintline_nav_force_updates_total", asset="AAXJF"), 1.0, "force counted in metrics")
    cmd(node, "alice", {"op": "dev.advance", "duration": "5h"})
    st, doc = cmd(node, "alice", {"op": "burn", "asset": "AAXJF", "from": A1, "amount": "1"})
    t.eq((st, doc["error"]["code"]), (409, "ERR_NAV_STALE"), "burn with a NAV older than 4h: ERR_NAV_STALE")
    t.eq(nav(node)["stale"], True, "nav show says stale")
    r = node.cli("status", operator="carol")
    t.ok(r.rc == 0 and re.search(r"^AAXJF  NAV 16, [0-9dhms ]+ old, STALE: mints and burns are refused  critical 4h, stale$", r.out, re.M),
         "status in words: the NAV is stale", r)
    st, doc = node.client("carol").get("/api/system/status")
    f = {a["symbol"]: a for a in doc["assets"]}["AAXJF"]
    t.ok(f["nav"]["value"] == "16" and f["nav"]["stale"] is True, "status carries the nav block", f)
    r = node.cli("nav", "update", "AAXJF", "16.5", operator="bob")
    t.ok(r.rc == 0 and "set the NAV of AAXJF to 16.5" in r.out, "CLI: nav update", r)
    r = node.cli("nav", "show", "AAXJF", operator="carol")
    t.ok(r.rc == 0 and "16.5" in r.out, "CLI: nav show", r)
    r = node.cli("nav", "force", "AAXJF", "30", operator="alice")
    t.ok(r.rc == 2, "CLI: nav force without --reason is a usage error", r)


def reserve(node):
    st, doc = node.client("carol").get("/api/assets/USDW/reserve")
    return doc


def test_reserves(node):
    r = reserve(node)
    t.eq((r["verified"], r["quorum_met"], r["quorum"], r["reports"]), (None, False, 2, 0),
         "USDW: no report, quorum 2 not met")
    st, doc = cmd(node, "alice", {"op": "mint", "asset": "USDW", "to": A1, "amount": "1"})
    t.eq((st, doc["error"]["code"]), (409, "ERR_QUORUM_NOT_MET"), "mint without quorum: ERR_QUORUM_NOT_MET")
    st, doc = cmd(node, "alice", {"op": "reserve.report", "asset": "USDW", "amount": "1000"})
    t.ok(st == 200 and doc["events"][0]["type"] == "ReserveReported", "alice reports 1000", doc)
    st, doc = cmd(node, "alice", {"op": "mint", "asset": "USDW", "to": A1, "amount": "1"})
    t.eq(doc["error"]["code"], "ERR_QUORUM_NOT_MET", "one reporter is not a quorum")
    r = node.cli("status", "USDW", operator="carol")
    t.ok(r.rc == 0 and "USDW  reserve: quorum NOT met (1 fresh of 2 needed): mints are refused  "
         "critical: no quorum; no proof of reserves published yet" in r.out, "status in words: quorum not met", r)
    cmd(node, "bob", {"op": "reserve.report", "asset": "USDW", "amount": "1200"})
    r = reserve(node)
    t.eq((r["verified"], r["quorum_met"], r["reports"]), ("1000", True, 2),
         "two fresh reports: verified = the lower middle (1000)")
    st, doc = cmd(node, "alice", {"op": "mint", "asset": "USDW", "to": A1, "amount": "1000"})
    t.eq(st, 200, "mint up to the verified reserve")
    st, doc = cmd(node, "alice", {"op": "mint", "asset": "USDW", "to": A1, "amount": "0.000001"})
    t.eq((st, doc["error"]["code"]), (409, "ERR_RESERVE_INSUFFICIENT"),
         "one base unit beyond: ERR_RESERVE_INSUFFICIENT (money multiplier > 1)")
    cmd(node, "alice", {"op": "reserve.report", "asset": "USDW", "amount": "900"})
    st, doc = node.client("carol").get("/api/system/status")
    w = {a["symbol"]: a for a in doc["assets"]}["USDW"]["reserve"]
    t.ok(w["verified"] == "900" and abs(w["ratio"] - 0.9) < 1e-9 and w["below_one"] is True,
         "status says plainly the ratio is below 1", w)
    t.eq(node.metrics().get(("mintline_reserve_ratio", (("asset", "USDW"),))), 0.9, "metric reserve ratio")
    m = node.metrics()
    t.eq(m.get(("mintline_reserve_deviation_ratio", (("asset", "USDW"),))), 0.333333,
         "metric reserve deviation: (1200 - 900) / the median 900")
    t.eq(m.get(("mintline_reserve_reports_stale", (("asset", "USDW"),))), 0, "metric: no stale report")
    r = node.cli("status", operator="carol")
    t.ok(r.rc == 0 and re.search(r"^USDW  reserve 900 verified \(2 fresh reports, quorum 2\), ratio 90%, BELOW 100% critical 100%;", r.out,
                                 re.M), "status in words: the ratio is BELOW 100%, critical", r)
    st, doc = cmd(node, "carol", {"op": "reserve.report", "asset": "USDW", "amount": "1"})
    t.eq(doc["error"]["code"], "ERR_UNAUTHORIZED", "a viewer cannot report")
    st, doc = cmd(node, "alice", {"op": "reserve.report", "asset": "USDC", "amount": "1"})
    t.eq((st, doc["error"]["code"]), (400, "ERR_NOT_FIAT"), "no reserve for a plain asset")
    h = "ab" * 32
    st, doc = cmd(node, "alice", {"op": "reserve.attest", "asset": "USDW", "usd": "1000.5", "hash": h})
    t.ok(st == 200, "attestation recorded", doc)
    t.eq((reserve(node)["attestation"]["usd"], reserve(node)["attestation"]["hash"]), ("1000.5", h),
         "reserve show carries the attestation")
    cmd(node, "alice", {"op": "dev.advance", "duration": "61m"})
    r = reserve(node)
    t.eq((r["quorum_met"], r["reports"], [x["fresh"] for x in r["report_list"]]), (False, 0, [False, False]),
         "after an hour the reports are stale: no quorum")
    m = node.metrics()
    t.eq(m.get(("mintline_reserve_reports_stale", (("asset", "USDW"),))), 2, "metric: both reports stale")
    t.eq(m.get(("mintline_reserve_deviation_ratio", (("asset", "USDW"),))), 0, "metric: no fresh report, no deviation")
    st, doc = cmd(node, "alice", {"op": "burn", "asset": "USDW", "from": A1, "amount": "1"})
    t.eq(st, 200, "burns need no reserve")
    r = node.cli("reserve", "show", "USDW", operator="carol")
    t.ok(r.rc == 0 and "quorum_met" in r.out and "alice" in r.out and "bob" in r.out, "CLI: reserve show", r)
    r = node.cli("reserve", "report", "USDW", "2000", operator="bob")
    t.ok(r.rc == 0 and "reported a reserve of 2000 USDW" in r.out, "CLI: reserve report", r)


node = Node(genesis=DEMO_GENESIS, clock_manual=True)
try:
    node.start()
    t.run("feeds", test_feeds, node)
    t.run("cli", test_cli, node)
    t.run("nav", test_nav, node)
    t.run("reserves", test_reserves, node)
    node.stop()
    r = node.cli("audit", "verify", "--data", node.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify", r)
    t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
finally:
    node.stop()
    node.cleanup()
t.done()
