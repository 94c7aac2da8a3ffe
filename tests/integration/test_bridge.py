"""test_bridge - the bridge on the operator's surface (issue 11 items 2 and 4)
and seed 001's bridge failure and refund procedure, with the CLI on a manual
clock:

- send (escrow), list/show, confirm with the destination tx (settled);
- a second send; a refund before the route's timeout is refused
  (ERR_TIMEOUT_NOT_REACHED); after it, the operator requests it and the
  refund signer returns the escrow (the requester, a refund signer too,
  is refused: ERR_SAME_SIGNER);
- `bridge routes` / GET /api/bridge/routes: 24h success rate 0.5, p50/p95,
  escrow 0, the buffer rule; /metrics carries the series the built-in
  bridge alert rules read, and BridgeSuccessRateCritical fires (< 90%);
- inbound receive once per (chain, tx) (ERR_ALREADY_RECEIVED), a tx that is
  not hex (ERR_INVALID_TX_HASH), an unknown chain (ERR_UNKNOWN_CHAIN);
- route disable at once (pauser): a send is ERR_ROUTE_DISABLED; enable is
  timelocked (exit 4); a confirm of a refunded transfer is refused;
  `audit verify` passes.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import Node, TAP, genesis_file, metric  # noqa: E402

t = TAP("bridge")

SENDER = "0x" + "a1" * 20
DEST = "0x" + "d1" * 20
BUFFER = "0x" + "bf" * 20
TX1 = "0x" + "ab" * 32
TX2 = "0x" + "cd" * 32

GENESIS = """\
operators:
  - name: alice
    pubkey: a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800
    roles: [admin, minter, bridge_operator, pauser, refund_signer]
  - name: bob
    pubkey: ca9c298168ea53bf5a3e9b60aa2b14af289314f532a809f492207ded1abc7264
    roles: [refund_signer]
  - name: carol
    pubkey: a4e964a18edba8351736a2dee6073a15b6b91e6bc253200dd3f2e268e292b673
    roles: [viewer, refund_signer]
controller: alice
assets:
  - symbol: WUSD
    kind: plain
    decimals: 6
bridge_routes:
  - chain: 138
    asset: WUSD
    min: "1"
    max: "10000"
    timeout: 2h
    latency: 30m
    safety_factor: "1.5"
    buffer_account: "%s"
""" % BUFFER


def main():
    node = Node(genesis=genesis_file(GENESIS, "bridge"), clock_manual=True).start()

    def ok(name, *args, **kw):
        return t.cli_ok(node, name, *args, **kw)

    try:
        ok("mint 5000 WUSD to the sender", "mint", "WUSD", "--to", SENDER, "--amount", "5000")
        ok("mint 1000 WUSD to the buffer", "mint", "WUSD", "--to", BUFFER, "--amount", "1000")
        ok("bridge send 1000 to chain 138", "bridge", "send", "WUSD", "--from", SENDER, "--chain", "138",
           "--to", DEST, "--amount", "1000")
        r = ok("bridge list", "bridge", "list", operator="carol")
        t.ok("initiated" in r.out and "1000" in r.out, "the transfer is initiated", r)
        t.ok(("1 " in r.out and SENDER + " -> " + DEST) in r.out, "bridge list: from -> to", r)
        ok("confirm with the destination tx", "bridge", "confirm", "1", "--tx", TX1)
        r = ok("bridge show 1", "bridge", "show", "1", operator="carol")
        t.ok("settled" in r.out and TX1[2:] in r.out, "settled, with its tx", r)

        ok("a second send of 500", "bridge", "send", "WUSD", "--from", SENDER, "--chain", "138", "--to", DEST,
           "--amount", "500")
        r = ok("a refund before the timeout is refused", "bridge", "refund", "2", rc=1)
        t.ok("ERR_TIMEOUT_NOT_REACHED" in r.err, "ERR_TIMEOUT_NOT_REACHED", r)
        ok("dev advance 2h", "dev", "advance", "2h")
        ok("alice requests the refund", "bridge", "refund", "2")
        r = node.cli("bridge", "refund-execute", "2", operator="alice")
        t.ok(r.rc == 1 and "ERR_SAME_SIGNER" in r.err,
             "the requester, a refund signer too, cannot execute it: ERR_SAME_SIGNER", r)
        ok("bob, refund signer, executes it", "bridge", "refund-execute", "2", operator="bob")
        st, doc = node.client("carol").get("/api/accounts/" + SENDER)
        bal = doc.get("balances", {}).get("WUSD", {}).get("balance") if st == 200 else None
        t.eq(bal, "4000", "the sender has the 500 back (5000 - 1000 settled)")
        r = ok("a confirm of the refunded transfer is refused", "bridge", "confirm", "2", "--tx", TX2, rc=1)
        t.ok("ERR_ALREADY_REFUNDED" in r.err, "ERR_ALREADY_REFUNDED", r)

        st, doc = node.client("carol").get("/api/bridge/routes")
        route = doc["routes"][0] if st == 200 and doc.get("routes") else {}
        t.ok(route.get("chain") == "138" and route.get("asset") == "WUSD" and route.get("settled_24h") == 1
             and route.get("refunded_24h") == 1 and abs(route.get("success_rate_24h", 0) - 0.5) < 1e-9
             and route.get("escrow") == "0" and route.get("settlement_samples") == 1,
             "GET /api/bridge/routes: 1 settled, 1 refunded, success 0.5, escrow 0", route)
        buf = route.get("buffer", {})
        t.ok(buf.get("actual") == "1000" and isinstance(buf.get("ok"), bool) and buf.get("required") is not None,
             "the buffer rule: required, actual 1000, ok", buf)
        st = node.status()
        t.ok(st.get("bridge", [{}])[0].get("chain") == "138" and st["bridge"][0].get("escrow") == "0",
             "status: the bridge block", st.get("bridge"))
        r = ok("status", "status", operator="carol")
        t.ok("bridge chain 138 WUSD enabled" in r.out, "mintline status: the bridge line", r)
        r = ok("bridge routes", "bridge", "routes", operator="carol")
        t.ok("chain 138 WUSD" in r.out and "24h success 50%" in r.out and "buffer: required" in r.out,
             "bridge routes prints the figures", r)
        m = node.metrics()
        t.eq(metric(m, "mintline_bridge_success_ratio", asset="WUSD", chain="138"), 0.5,
             "/metrics: mintline_bridge_success_ratio")
        t.ok(metric(m, "mintline_bridge_buffer_required_base_units", asset="WUSD", chain="138") is not None,
             "/metrics: the buffer rule's series")
        st, al = node.client("carol").get("/api/alerts")
        names = [a["name"] for a in al.get("alerts", [])]
        t.ok("BridgeSuccessRateCritical" in names, "the built-in BridgeSuccessRateCritical fires (< 90%)", names)

        ok("receive 10 from chain 138", "bridge", "receive", "WUSD", "--chain", "138", "--tx", TX2, "--to", DEST,
           "--amount", "10")
        r = ok("the same (chain, tx) again is refused", "bridge", "receive", "WUSD", "--chain", "138", "--tx", TX2,
               "--to", DEST, "--amount", "10", rc=1)
        t.ok("ERR_ALREADY_RECEIVED" in r.err, "ERR_ALREADY_RECEIVED", r)
        r = node.cli("bridge", "receive", "WUSD", "--chain", "138", "--tx", "0xnothex", "--to", DEST,
                     "--amount", "1")
        t.ok(r.rc != 0 and "ERR_INVALID_TX_HASH" in r.err, "a tx that is not hex: ERR_INVALID_TX_HASH", r)
        r = ok("a send to an unknown chain", "bridge", "send", "WUSD", "--from", SENDER, "--chain", "999",
               "--to", DEST, "--amount", "5", rc=1)
        t.ok("ERR_UNKNOWN_CHAIN" in r.err, "ERR_UNKNOWN_CHAIN", r)
        ok("route disable 138 (at once)", "bridge", "route", "disable", "138")
        r = ok("a send on the disabled route", "bridge", "send", "WUSD", "--from", SENDER, "--chain", "138",
               "--to", DEST, "--amount", "5", rc=1)
        t.ok("ERR_ROUTE_DISABLED" in r.err, "ERR_ROUTE_DISABLED", r)
        ok("route enable 138 is timelocked", "bridge", "route", "enable", "138", rc=4)
        r = node.cli("audit", "verify", "--data", node.data)
        t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify", r)
        t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
    finally:
        t.eq(node.stop(), 0, "node stops cleanly")
        node.cleanup()


main()
t.done()
