"""test_stabilizer - the stabilizer on the operator's surface (issue 11 items
3 and 4): a genesis with a market feed and a stabilizer for USDW, driven
with the CLI and raw signed HTTP on a manual clock.

- one price.update 2% above the peg is a flash spike: no order;
- three in a row (sustain_blocks 3) with the TWAP beyond the 0.5% threshold:
  a sell StabilizationOrder, capped by max_per_block; `stabilizer show`,
  GET /api/stabilizers and /metrics agree on price, TWAP, deviation, orders;
- back at the peg: orders stop;
- the reserve sizing rule with --peak-outflow (P x T x 3, required/actual/ok);
- `stabilizer set` is timelocked (exit 4); refusals: an unknown asset, an
  asset with no stabilizer (404), a malformed peak outflow, an unknown feed.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import Node, TAP, genesis_file, metric  # noqa: E402

t = TAP("stabilizer")

RESERVE = "0x" + "5e" * 20

GENESIS = """\
operators:
  - name: alice
    pubkey: a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800
    roles: [admin, minter, treasury_manager, reserve_reporter, oracle_updater]
  - name: bob
    pubkey: ca9c298168ea53bf5a3e9b60aa2b14af289314f532a809f492207ded1abc7264
    roles: [reserve_reporter]
  - name: carol
    pubkey: a4e964a18edba8351736a2dee6073a15b6b91e6bc253200dd3f2e268e292b673
    roles: [viewer]
controller: alice
feeds:
  - {name: USDWMKT, max_age: 1h}
assets:
  - symbol: USDW
    kind: fiat
    currency: USD
    decimals: 6
    supply_cap: "1000000000"
    reserve_quorum: 2
  - symbol: EURW
    kind: fiat
    currency: EUR
    decimals: 6
stabilizers:
  - asset: USDW
    feed: USDWMKT
    target: "1"
    k: "1000000"
    max_per_block: "1500"
    reserve_account: "%s"
    window_blocks: 10
    sustain_blocks: 3
    threshold: "0.5%%"
""" % RESERVE


def main():
    node = Node(genesis=genesis_file(GENESIS, "stabilizer"), clock_manual=True).start()
    try:
        a = node.client("alice")
        for who in ("alice", "bob"):
            node.client(who).command({"op": "reserve.report", "asset": "USDW", "amount": "100000"})
        st, doc = a.command({"op": "mint", "asset": "USDW", "to": RESERVE, "amount": "50000"})
        t.eq(st, 200, "the reserve account holds 50,000 USDW")

        def price(v):
            st, doc = a.command({"op": "price.update", "feed": "USDWMKT", "value": v})
            assert st == 200, doc
            return [e for e in doc.get("events", []) if e["type"] == "StabilizationOrder"]

        t.eq(price("1"), [], "at the peg: no order")
        t.eq(price("1.02"), [], "one observation 2% above: a flash spike, no order")
        t.eq(price("1"), [], "back: no order")
        orders = []
        for _ in range(3):
            orders += price("1.02")
        t.ok(len(orders) == 1 and orders[0]["data"].get("side") == "sell", "three in a row above: one sell order",
             orders)
        orders += price("1.02")
        t.ok(len(orders) == 2, "a fourth above: another order", orders)
        size = orders[-1]["data"].get("size")
        t.ok(size == "1500", "the order is capped at max_per_block 1500", orders[-1])

        r = node.cli("stabilizer", "show", "USDW", operator="carol")
        t.ok(r.rc == 0 and "stabilizer USDW" in r.out and "feed USDWMKT" in r.out and "orders 2" in r.out
             and "price 1.02" in r.out, "stabilizer show", r)
        st, doc = node.client("carol").get("/api/stabilizers")
        s = doc["stabilizers"][0] if st == 200 and doc.get("stabilizers") else {}
        t.ok(s.get("asset") == "USDW" and s.get("orders") == 2 and s.get("price") == "1.02"
             and s.get("run_side") == "above" and s.get("consecutive") == 4 and s.get("reserve_rule") is None,
             "GET /api/stabilizers", doc)
        m = node.metrics()
        dev = metric(m, "mintline_stabilizer_deviation_ratio", asset="USDW")
        t.ok(dev is not None and abs(dev - s.get("deviation_ppm", -1) / 1e6) < 1e-9,
             "/metrics: the deviation as the API's ppm / 1e6", dev)
        t.eq(metric(m, "mintline_stabilizer_orders_total", asset="USDW"), 2.0, "/metrics: orders")

        t.eq(price("1"), [], "back at the peg: the run ends, no order")
        t.eq(price("1"), [], "and none after")

        r = node.cli("stabilizer", "show", "USDW", "--peak-outflow", "100", "--json", operator="carol")
        rule = r.json()["stabilizers"][0]["reserve_rule"] if r.rc == 0 else {}
        wm = rule.get("window_min")
        t.ok(rule.get("factor") == 3 and isinstance(wm, int) and wm >= 1
             and rule.get("required") == str(100 * wm * 3) and rule.get("actual") == "50000"
             and rule.get("ok") is (50000 >= 100 * wm * 3),
             "the reserve rule: required = 100/min x window x 3, actual = the reserve's balance", rule)

        r = node.cli("stabilizer", "set", "USDW", "--threshold", "1%")
        t.ok(r.rc == 4 and "timelock" in (r.out + r.err), "stabilizer set is timelocked (exit 4)", r)
        r = node.cli("stabilizer", "show", "XYZW", operator="carol")
        t.ok(r.rc == 1 and "ERR_UNKNOWN_ASSET" in r.err, "an unknown asset", r)
        st, doc = node.client("carol").get("/api/stabilizers?asset=EURW")
        t.ok(st == 404 and doc["error"]["code"] == "ERR_NOT_FOUND", "an asset with no stabilizer: 404", doc)
        st, doc = node.client("carol").get("/api/stabilizers?asset=USDW&peak_outflow=abc")
        t.ok(st == 400 and doc["error"]["code"] == "ERR_INVALID_AMOUNT", "a malformed peak outflow: 400", doc)
        r = node.cli("stabilizer", "set", "EURW", "--feed", "NOPE", "--target", "1", "--k", "1",
                     "--max-per-block", "1", "--reserve-account", RESERVE)
        t.ok(r.rc != 0 and "ERR_UNKNOWN_FEED" in r.err, "a stabilizer on a feed that does not exist", r)
        r = node.cli("audit", "verify", "--data", node.data)
        t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify", r)
        t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
    finally:
        t.eq(node.stop(), 0, "node stops cleanly")
        node.cleanup()


main()
t.done()
