"""test_oracle - price feeds (SPEC 6): update, freeze, unfreeze, staleness.

On the demo genesis (feed XAU, max age 1h; bob is oracle_updater, alice
oracle_manager) with a manual clock: updates by the right role only, a
frozen feed refuses updates, staleness after its max age, the reads
(/api/feeds, contracts status, /metrics), the CLI, and audit verify.
"""
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
    t.ok(r.rc == 0 and "XAU" in r.out and "2399.5" in r.out and "yes" in r.out, "CLI: price list", r)
    r = node.cli("oracle", "unfreeze", "XAU", operator="alice")
    t.ok(r.rc == 0, "CLI: oracle unfreeze", r)


node = Node(genesis=DEMO_GENESIS, clock_manual=True)
try:
    node.start()
    t.run("feeds", test_feeds, node)
    t.run("cli", test_cli, node)
    node.stop()
    r = node.cli("audit", "verify", "--data", node.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify", r)
    t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
finally:
    node.stop()
    node.cleanup()
t.done()
