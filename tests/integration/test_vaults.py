"""test_vaults - vaults on the operator's surface (issue 11 items 1 and 4)
and seed 001's liquidation event, with the CLI on a manual clock:

- open a GOLD-A vault, deposit, borrow up to min_ratio (one unit more is
  ERR_VAULT_UNSAFE), `vault show`, `vault list`, GET /api/vaults;
- /metrics mintline_vault_health_min_ratio{vault_type} and debt ceiling
  usage; the price falls: the health drops below the liquidation ratio,
  the built-in VaultHealthCritical fires, `vault list --below liquidation`
  finds the vault;
- the liquidation: refused for a safe vault (ERR_VAULT_SAFE) and an unknown
  id (ERR_UNKNOWN_VAULT); the liquidator repays the debt and takes the
  collateral; the Liquidated event carries the owner's notice;
- a borrow by the wrong owner's instruction (ERR_VAULT_OWNER), a liquidation
  of an empty vault (ERR_VAULT_EMPTY); `audit verify` passes.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import Node, TAP, genesis_file, metric  # noqa: E402

t = TAP("vaults")

OWNER = "0x" + "0a" * 20
OTHER = "0x" + "0b" * 20
LIQ = "0x" + "1c" * 20

GENESIS = """\
operators:
  - name: alice
    pubkey: a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800
    roles: [admin, minter, transfer_agent, oracle_updater, treasury_manager, reserve_reporter]
  - name: bob
    pubkey: ca9c298168ea53bf5a3e9b60aa2b14af289314f532a809f492207ded1abc7264
    roles: [liquidator]
  - name: carol
    pubkey: a4e964a18edba8351736a2dee6073a15b6b91e6bc253200dd3f2e268e292b673
    roles: [viewer]
controller: alice
feeds:
  - {name: XAU, max_age: 1h}
assets:
  - symbol: GOLD
    kind: plain
    decimals: 6
  - symbol: VUSD
    kind: plain
    decimals: 6
  - symbol: USDW
    kind: fiat
    currency: USD
    decimals: 6
    reserve_quorum: 1
vault_types:
  - name: GOLD-A
    collateral: GOLD
    feed: XAU
    debt: VUSD
    min_ratio: 150%
    liquidation_ratio: 110%
    penalty: 5%
    debt_ceiling: "1000000"
    dust: "10"
  - name: GOLD-W
    collateral: GOLD
    feed: XAU
    debt: USDW
    min_ratio: 150%
    liquidation_ratio: 110%
    penalty: 5%
    debt_ceiling: "1000000"
    dust: "10"
"""


def main():
    node = Node(genesis=genesis_file(GENESIS, "vaults"), clock_manual=True).start()

    def ok(name, *args, **kw):
        return t.cli_ok(node, name, *args, **kw)

    try:
        ok("XAU at 2000", "price", "update", "XAU", "2000")
        ok("mint 10 GOLD to the owner", "mint", "GOLD", "--to", OWNER, "--amount", "10")
        ok("mint 5000 VUSD to the liquidator", "mint", "VUSD", "--to", LIQ, "--amount", "5000")
        ok("open a GOLD-A vault", "vault", "open", "GOLD-A", "--owner", OWNER)
        ok("deposit 1 GOLD", "vault", "deposit", "1", "--amount", "1")
        r = ok("borrow one unit past min_ratio: refused", "vault", "borrow", "1", "--amount", "1333.333334", rc=1)
        t.ok("ERR_VAULT_UNSAFE" in r.err, "ERR_VAULT_UNSAFE", r)
        ok("borrow exactly at min_ratio (2000 / 1.5)", "vault", "borrow", "1", "--amount", "1333.333333")
        r = ok("a borrow on the wrong owner's instruction", "vault", "borrow", "1", "--amount", "10", "--owner",
               OTHER, rc=1)
        t.ok("ERR_VAULT_OWNER" in r.err, "ERR_VAULT_OWNER", r)
        r = ok("vault show 1", "vault", "show", "1", operator="carol")
        t.ok("GOLD-A" in r.out and "1333.333333" in r.out and "150%" in r.out, "vault show: debt and health 150%", r)
        st, doc = node.client("carol").get("/api/vaults")
        typ = doc["types"][0] if st == 200 and doc.get("types") else {}
        t.ok(typ.get("name") == "GOLD-A" and typ.get("total_debt") == "1333.333333" and typ.get("vaults") == 1,
             "GET /api/vaults: the type's totals", typ)
        m = node.metrics()
        h = metric(m, "mintline_vault_health_min_ratio", vault_type="GOLD-A")
        t.ok(h is not None and abs(h - 1.5) < 1e-6, "/metrics: the lowest health 1.5", h)
        t.ok(metric(m, "mintline_vault_debt_ceiling_usage_ratio", vault_type="GOLD-A") is not None,
             "/metrics: debt ceiling usage")
        vt = [v for v in node.status().get("vaults", []) if v.get("type") == "GOLD-A"]
        t.ok(len(vt) == 1 and vt[0]["vaults"] == 1 and vt[0]["total_debt"] == "1333.333333"
             and abs(vt[0]["health_min"] - 1.5) < 1e-6 and vt[0]["below_liquidation_ratio"] == 0,
             "status: the GOLD-A block (vaults, debt, lowest health, none below liquidation)", vt)
        r = ok("status", "status", operator="carol")
        t.ok("vault type GOLD-A  vaults 1  collateral 1 GOLD  debt 1333.333333 VUSD (0.13% of ceiling)" in r.out
             and "lowest health 150%" in r.out,
             "mintline status: the vault type line", r)
        r = ok("liquidating a safe vault is refused", "vault", "liquidate", "1", "--by", LIQ, operator="bob", rc=1)
        t.ok("ERR_VAULT_SAFE" in r.err, "ERR_VAULT_SAFE", r)
        r = ok("an unknown vault", "vault", "liquidate", "9", "--by", LIQ, operator="bob", rc=1)
        t.ok("ERR_UNKNOWN_VAULT" in r.err, "ERR_UNKNOWN_VAULT", r)

        ok("XAU falls to 1400: health 1.05", "price", "update", "XAU", "1400")
        st, al = node.client("carol").get("/api/alerts")
        names = [a["name"] for a in al.get("alerts", [])]
        t.ok("VaultHealthCritical" in names, "the built-in VaultHealthCritical fires (< 110%)", names)
        r = ok("vault list --below liquidation", "vault", "list", "--below", "liquidation", operator="carol")
        t.ok("LIQUIDATABLE" in r.out and "below liquidation 1" in r.out, "the vault is listed liquidatable", r)
        t.ok("type GOLD-A: VUSD against GOLD (feed XAU)  debt 1333.333333 of ceiling 1000000" in r.out,
             "vault list: the type line with its ceiling", r)
        r = node.cli("vault", "liquidate", "1", "--by", LIQ, "--json", operator="bob")
        t.eq(r.rc, 0, "bob liquidates vault 1")
        ev = [e for e in (r.json().get("events", []) if r.rc == 0 else []) if e["type"] == "Liquidated"]
        t.ok(len(ev) == 1 and ev[0]["data"].get("owner") == OWNER, "the Liquidated event names the owner", ev)
        st, doc = node.client("carol").get("/api/vaults/1")
        t.ok(st == 200 and doc.get("debt") == "0", "the vault's debt is repaid", doc)
        r = ok("liquidating the empty vault", "vault", "liquidate", "1", "--by", LIQ, operator="bob", rc=1)
        t.ok("ERR_VAULT_EMPTY" in r.err or "ERR_VAULT_SAFE" in r.err, "an empty vault is not liquidated", r)
        # USDW: 100 minted against a reserve of 100, then 500 borrowed from a
        # GOLD-W vault: the reserve ratio stays 1 (vault debt is backed by
        # its collateral), no reserve alert, and a mint of 1 more is refused
        ok("reserve report USDW 100", "reserve", "report", "USDW", "100")
        ok("mint 100 USDW against it", "mint", "USDW", "--to", OTHER, "--amount", "100")
        ok("XAU back at 2000", "price", "update", "XAU", "2000")
        ok("open a GOLD-W vault", "vault", "open", "GOLD-W", "--owner", OWNER)
        ok("deposit 1 GOLD", "vault", "deposit", "2", "--amount", "1")
        ok("borrow 500 USDW", "vault", "borrow", "2", "--amount", "500")
        usdw = [a for a in node.status()["assets"] if a["symbol"] == "USDW"][0]
        t.ok(usdw["supply"] == "600" and abs(usdw["reserve"]["ratio"] - 1.0) < 1e-9,
             "status: supply 600, reserve ratio 1 over the 100 the reserve backs", usdw)
        t.eq(metric(node.metrics(), "mintline_reserve_ratio", asset="USDW"), 1.0,
             "/metrics: mintline_reserve_ratio 1 (vault debt left out)")
        st, al = node.client("carol").get("/api/alerts")
        t.ok(not [a for a in al.get("alerts", []) if a["name"] == "ReserveRatioCritical"]
             and usdw.get("mint_halted") is False,
             "no ReserveRatioCritical and no halt for collateral-backed supply (100/600 would be 0.17)", al)
        r = ok("one more USDW than the reserve backs", "mint", "USDW", "--to", OTHER, "--amount", "1", rc=1)
        t.ok("ERR_RESERVE_INSUFFICIENT" in r.err, "check 11 agrees: ERR_RESERVE_INSUFFICIENT", r)
        r = node.cli("audit", "verify", "--data", node.data)
        t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify", r)
        t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
    finally:
        t.eq(node.stop(), 0, "node stops cleanly")
        node.cleanup()


main()
t.done()
