"""test_smom_walk - seed 001's runbook (smom-dbis-138) walked with the CLI on
a real node (issue 11 item 5, docs/operators/smom-daily.md), checking that
what the CLI prints and what the API, /metrics and the alerts say agree.

The genesis is examples/smom.yaml with one change: alice, the bridge
operator who requests refunds, also holds refund_signer, so the four-eyes
rule (ERR_SAME_SIGNER) is what refuses her, not a missing role.

(a) the daily checks (runbook 1.1-1.3, 8.1): `status`, `reserve show`,
    `vault list`, `bridge routes`, `stabilizer show`, `alerts`, against
    /api/system/status, /api/vaults, /api/bridge/routes, /api/stabilizers
    and the /metrics series the built-in rules read;
(b) the liquidation event (4.2): the price falls, the vault crosses 120%
    (VaultHealthWarning, `vault list --below 120%`) then 110%
    (VaultHealthCritical, `--below liquidation`); verify, liquidate as the
    liquidator, the Liquidated event carries the owner's notice (checked
    against the exact integer split), monitor after;
(c) the bridge failure and refund (4.3): send, time passes (`dev advance`),
    refund by the requester, refund-execute by another refund signer, the
    escrow returns, the success ratio drops and the bridge alerts fire;
    disable the route, re-enable it through the timelock, resume;
(d) sizing (1.4): the bridge buffer (peak hourly outflow x p95 x safety,
    from the BridgeSent events and the settlement time this test made) and
    the stabilization reserve (P x T x 3: the runbook's own example, P =
    10,000/min, T = 5 min -> 150,000).
"""
import atexit
import datetime
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import REPO, TAP, Node, fmt_units, metric, to_units  # noqa: E402

t = TAP("smom_walk")

OWNER = "0x" + "0a" * 20     # the vault's owner
LIQ = "0x" + "1c" * 20       # the liquidator's address
SENDER = "0x" + "a1" * 20    # the bridge sender
DEST = "0x" + "d1" * 20      # the destination on chain 138
SINK = "0x" + "e1" * 20      # where the buffer drains to
BUFFER = "0x" + "bf" * 20    # smom.yaml's bridge buffer account
RESERVE = "0x" + "5e" * 20   # smom.yaml's stabilization reserve account
TX1 = "0x" + "ab" * 32
TX2 = "0x" + "cd" * 32
DEC = 6                      # USDW and GOLD decimals
HOUR_NS = 3600 * 10 ** 9


def iso_ns(text):
    """Nanoseconds since the epoch of the node's ISO time (ms precision)."""
    when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(when.timestamp()) * 10 ** 9 + when.microsecond * 1000


def genesis_copy(root):
    with open(os.path.join(REPO, "examples", "smom.yaml")) as f:
        text = f.read()
    old = "bridge_operator, incident_manager]"
    assert text.count(old) == 1, "examples/smom.yaml: alice's roles changed"
    path = os.path.join(root, "smom-walk.yaml")
    with open(path, "w") as f:
        f.write(text.replace(old, "bridge_operator, incident_manager, refund_signer]"))
    return path


class Walk:
    node = None
    ceiling_entry = None

    # -- helpers -------------------------------------------------------------
    def cli(self, name, *args, operator="alice", rc=0):
        r = self.node.cli(*args, operator=operator)
        t.ok(r.rc == rc, "%s (exit %d)" % (name, rc), r)
        return r

    def cli_json(self, name, *args, operator="carol", rc=0):
        r = self.cli(name, *args, "--json", operator=operator, rc=rc)
        try:
            return r.json()
        except ValueError:
            return {}

    def refused(self, name, code, *args, operator="alice"):
        r = self.node.cli(*args, operator=operator)
        t.ok(r.rc == 1 and ("error: %s:" % code) in r.err and r.out == "", "%s: %s, exit 1" % (name, code), r)
        return r

    def api(self, path):
        st, doc = self.node.client("carol").get(path)
        if st != 200:
            raise RuntimeError("GET %s: HTTP %s %s" % (path, st, doc))
        return doc

    def alerts(self):
        return [a for a in self.api("/api/alerts").get("alerts", []) if a.get("state") == "firing"]

    def firing(self, name):
        return [a for a in self.alerts() if a["name"] == name]

    def balance(self, sym, addr):
        doc = self.api("/api/accounts/" + addr)
        return doc.get("balances", {}).get(sym, {}).get("balance", "0")

    def asset(self, sym):
        return [a for a in self.api("/api/system/status")["assets"] if a["symbol"] == sym][0]

    def route(self):
        return self.api("/api/bridge/routes")["routes"][0]

    def fresh_reserve(self):
        """Runbook 1.2: reports older than 1h no longer count; both
        reporters report again before a mint."""
        for who in ("alice", "bob"):
            self.cli("%s reports the USDW reserve again" % who, "reserve", "report", "USDW", "1000000", operator=who)

    # -- setup -----------------------------------------------------------
    def setup(self):
        self.cli("alice reports the USDW reserve", "reserve", "report", "USDW", "1000000")
        self.cli("bob reports it too (quorum 2)", "reserve", "report", "USDW", "1000000", operator="bob")
        self.cli("XAU at 2000", "price", "update", "XAU", "2000")
        self.cli("USDW's market price at the peg", "price", "update", "USDWMKT", "1")
        self.cli("mint 10 GOLD to the owner", "mint", "GOLD", "--to", OWNER, "--amount", "10")
        self.cli("mint 5000 USDW to the liquidator", "mint", "USDW", "--to", LIQ, "--amount", "5000")
        self.cli("mint 5000 USDW to the bridge sender", "mint", "USDW", "--to", SENDER, "--amount", "5000")
        self.cli("fund the bridge buffer with 1000", "mint", "USDW", "--to", BUFFER, "--amount", "1000")
        self.cli("fund the stabilization reserve with 50000", "mint", "USDW", "--to", RESERVE, "--amount", "50000")
        r = self.node.cli("vault", "open", "GOLD-A", "--owner", OWNER, "--json")
        ev = [e for e in (r.json().get("events", []) if r.rc == 0 else []) if e["type"] == "VaultOpened"]
        t.ok(len(ev) == 1 and ev[0]["data"]["id"] == 1 and ev[0]["data"]["owner"] == OWNER,
             "vault open GOLD-A --owner: vault 1 for the owner", r)
        self.cli("vault deposit 1 --amount 1", "vault", "deposit", "1", "--amount", "1")
        self.cli("vault borrow 1 --amount 1200 (health 2000/1200)", "vault", "borrow", "1", "--amount", "1200")

    # -- (a) the daily checks -----------------------------------------------
    def daily(self):
        # 1.2 W tokens: reserve ratio = verified / the reserve-backed supply
        # (supply less vault debt, which its collateral backs)
        st_cli = self.cli_json("status --json", "status")
        st_api = self.api("/api/system/status")
        usdw = [a for a in st_api["assets"] if a["symbol"] == "USDW"][0]
        usdw_cli = [a for a in st_cli.get("assets", []) if a["symbol"] == "USDW"]
        t.eq(usdw_cli[0]["reserve"] if usdw_cli else None, usdw["reserve"],
             "status --json and GET /api/system/status: the same USDW reserve block")
        rs = self.cli_json("reserve show USDW --json", "reserve", "show", "USDW")
        vaults = self.api("/api/vaults")
        debt = sum(to_units(ty["total_debt"], DEC) for ty in vaults["types"] if ty["debt"] == "USDW")
        backed = to_units(usdw["supply"], DEC) - debt
        want = to_units("1000000", DEC) / backed
        t.ok(rs.get("verified") == "1000000" and rs.get("quorum_met") is True and rs.get("reports") == 2
             and all(r["fresh"] for r in rs.get("report_list", [])),
             "reserve show: 1000000 verified, quorum met, two fresh reports", rs)
        t.ok(abs(rs.get("ratio", 0) - want) < 1e-4 and abs(usdw["reserve"]["ratio"] - want) < 1e-4,
             "reserve ratio = verified / (supply - vault debt) = %.4f in reserve show and status" % want,
             (rs.get("ratio"), usdw["reserve"]["ratio"], want))
        m = self.node.metrics()
        t.ok(abs(metric(m, "mintline_reserve_ratio", asset="USDW") - want) < 1e-6,
             "/metrics: mintline_reserve_ratio agrees", metric(m, "mintline_reserve_ratio", asset="USDW"))
        t.ok(rs.get("ratio", 0) >= 1.05 and not usdw.get("mint_halted"),
             "the ratio is over the runbook's 105% warning line; minting not halted", usdw)

        # 1.1 vaults: health, totals, ceiling usage
        r = self.cli("mintline status", "status", operator="carol")
        t.ok("vault type GOLD-A  vaults 1  collateral 1 GOLD  debt 1200 USDW" in r.out
             and "lowest health 166.67%" in r.out and "below liquidation 0" in r.out,
             "mintline status: the vault type line", r)
        t.ok("bridge chain 138 USDW enabled  escrow 0  24h success 100%  buffer ok" in r.out,
             "mintline status: the bridge line", r)
        block = st_api.get("vaults", [{}])[0]
        t.ok(block.get("type") == "GOLD-A" and block.get("vaults") == 1 and block.get("total_collateral") == "1"
             and block.get("total_debt") == "1200" and abs(block.get("debt_ceiling_usage", -1) - 1200 / 1e7) < 1e-9
             and abs(block.get("health_min", 0) - 2000 / 1200) < 1e-5,
             "status: the per-type block (collateral, debt, ceiling usage, lowest health, count)", block)
        lst = self.cli_json("vault list --json", "vault", "list")
        t.eq(lst, self.api("/api/vaults?limit=1000"), "vault list --json is GET /api/vaults")
        r = self.cli("vault list", "vault", "list", operator="carol")
        t.ok("debt 1200 of ceiling 10000000" in r.out and "below liquidation 0" in r.out and "166.67%" in r.out,
             "vault list: debt against the ceiling, nothing below liquidation, vault 1 at 166.67%", r)
        h = metric(m, "mintline_vault_health_min_ratio", vault_type="GOLD-A")
        t.ok(abs(h - min(v["health"] for v in lst.get("vaults", []) if v["health"] is not None)) < 1e-5,
             "/metrics: mintline_vault_health_min_ratio is the lowest health vault list shows", h)
        t.ok(abs(metric(m, "mintline_vault_debt_ceiling_usage_ratio", vault_type="GOLD-A") - 1200 / 1e7) < 1e-9,
             "/metrics: debt ceiling usage 1200 / 10,000,000")
        t.eq(self.cli_json("vault list --below 120% --json", "vault", "list", "--below", "120%").get("vaults"), [],
             "vault list --below 120%: no vault under the warning line")
        # the remedy for a ceiling nearly used up: a timelocked change
        r = self.node.cli("vault", "type", "set", "GOLD-A", "--asset", "USDW", "--debt-ceiling", "20000000", "--json")
        self.ceiling_entry = r.json().get("pending", {}).get("timelock") if r.rc == 4 else None
        t.ok(r.rc == 4 and self.ceiling_entry,
             "vault type set GOLD-A --asset USDW --debt-ceiling 20000000: timelocked (exit 4)", r)

        # 1.3 bridge: success rate, settlement, escrow, buffer
        routes = self.cli_json("bridge routes --json", "bridge", "routes")
        t.eq(routes, self.api("/api/bridge/routes"), "bridge routes --json is GET /api/bridge/routes")
        rt = routes.get("routes", [{}])[0]
        t.ok(rt.get("chain") == "138" and rt.get("enabled") is True and rt.get("success_rate_24h") == 1
             and rt.get("escrow") == "0" and rt.get("buffer", {}).get("ok") is True,
             "route 138: enabled, success 1 (nothing settled or refunded yet), no escrow, buffer ok", rt)
        t.eq(metric(m, "mintline_bridge_success_ratio", asset="USDW", chain="138"), 1.0,
             "/metrics: mintline_bridge_success_ratio 1")
        t.eq(metric(m, "mintline_bridge_buffer_ok", asset="USDW", chain="138"), 1.0,
             "/metrics: mintline_bridge_buffer_ok 1")
        r = self.cli("bridge routes", "bridge", "routes", operator="carol")
        t.ok("chain 138 USDW  enabled" in r.out and "24h success 100% " in r.out and "actual 1000: ok" in r.out,
             "bridge routes: enabled, success 1, buffer actual 1000 ok", r)

        # 1.4 stabilizer: at the peg, nothing ordered
        stab = self.cli_json("stabilizer show USDW --json", "stabilizer", "show", "USDW")
        t.eq(stab, self.api("/api/stabilizers?asset=USDW"), "stabilizer show --json is GET /api/stabilizers?asset=USDW")
        s = stab.get("stabilizers", [{}])[0]
        t.ok(s.get("price") == "1" and s.get("deviation_ppm") == 0 and s.get("orders") == 0
             and s.get("reserve_balance") == "50000", "the stabilizer: at the peg, no order, reserve 50000", s)
        t.eq(metric(m, "mintline_stabilizer_deviation_ratio", asset="USDW"), 0.0, "/metrics: deviation 0")

        # 8.1: critical alerts
        r = self.cli("alerts", "alerts", operator="carol")
        t.eq(self.alerts(), [], "a healthy ledger: no alert firing")
        t.ok("firing" not in r.out, "mintline alerts lists none firing", r)

    # -- (b) the liquidation event ------------------------------------------
    def liquidation(self):
        self.cli("XAU falls to 1400: health 1.1667", "price", "update", "XAU", "1400")
        warn = self.firing("VaultHealthWarning")
        t.ok(len(warn) == 1 and warn[0]["labels"].get("vault_type") == "GOLD-A" and warn[0]["severity"] == "warning"
             and not self.firing("VaultHealthCritical"),
             "VaultHealthWarning fires for GOLD-A (< 120%), not the critical", self.alerts())
        below = self.cli_json("vault list --below 120%", "vault", "list", "--below", "120%")
        t.eq([v["id"] for v in below.get("vaults", [])], [1], "vault list --below 120%: vault 1")
        t.eq(self.cli_json("vault list --below liquidation", "vault", "list", "--below", "liquidation").get("vaults"),
             [], "not yet below the liquidation ratio")
        self.refused("liquidating it now", "ERR_VAULT_SAFE", "vault", "liquidate", "1", "--by", LIQ, operator="bob")

        self.cli("XAU falls to 1300: health 1.0833", "price", "update", "XAU", "1300")
        crit = self.firing("VaultHealthCritical")
        t.ok(len(crit) == 1 and crit[0]["labels"].get("vault_type") == "GOLD-A" and crit[0]["severity"] == "critical"
             and abs(float(crit[0]["value"]) - 1300 / 1200) < 1e-6,
             "VaultHealthCritical fires (< 110%) with the lowest health as its value", crit)
        inc = [i for i in self.api("/api/incidents").get("incidents", [])
               if "VaultHealthCritical" in json.dumps(i) and i.get("status") != "resolved"]
        t.ok(len(inc) == 1, "the critical alert opened an incident", self.api("/api/incidents"))
        # 1. verify
        r = self.cli("vault list --below liquidation", "vault", "list", "--below", "liquidation", operator="carol")
        t.ok("LIQUIDATABLE" in r.out and "below liquidation 1" in r.out, "the vault is listed LIQUIDATABLE", r)
        v = self.cli_json("vault show 1 --json", "vault", "show", "1")
        t.ok(v.get("liquidatable") is True and v.get("debt") == "1200" and v.get("collateral") == "1"
             and abs(v.get("health", 0) - 1300 / 1200) < 1e-5, "vault show 1: liquidatable, health 1.0833", v)
        t.eq(v, self.api("/api/vaults/1"), "vault show --json is GET /api/vaults/1")
        age = metric(self.node.metrics(), "mintline_price_age_seconds", feed="XAU")
        t.ok(age < 3600, "the XAU price is fresh (the liquidation reads it)", age)
        t.eq(self.api("/api/system/status")["vaults"][0]["below_liquidation_ratio"], 1,
             "status: 1 vault below liquidation")
        # 2. liquidate
        self.refused("a viewer cannot liquidate", "ERR_UNAUTHORIZED", "vault", "liquidate", "1", "--by", LIQ,
                     operator="carol")
        supply_before = to_units(self.asset("USDW")["supply"], DEC)
        ratio_before = self.asset("USDW")["reserve"]["ratio"]
        r = self.node.cli("vault", "liquidate", "1", "--by", LIQ, "--json", operator="bob")
        t.eq(r.rc, 0, "bob (liquidator) liquidates vault 1 --by the liquidator's address")
        ev = [e for e in (r.json().get("events", []) if r.rc == 0 else []) if e["type"] == "Liquidated"]
        # the exact split: seized = floor(debt x 1.05 / price), the debt's
        # own cover floor(debt / price), the penalty the difference
        debt, price, coll = to_units("1200", DEC), 1300, to_units("1", DEC)
        seized = min(debt * 105 // (100 * price), coll)
        penalty = seized - min(debt // price, seized)
        want = {"id": 1, "type": "GOLD-A", "owner": OWNER, "liquidator": LIQ, "price": "1300",
                "collateral_asset": "GOLD", "debt_repaid": "1200", "seized": fmt_units(seized, DEC),
                "penalty": fmt_units(penalty, DEC), "returned": fmt_units(coll - seized, DEC), "bad_debt": "0"}
        t.eq(ev[0]["data"] if len(ev) == 1 else ev, want,
             "the Liquidated event: owner, liquidator, price, debt repaid, seized, penalty, returned, bad debt")
        # 3. monitor: the events read back the same
        evs = self.cli_json("events --type Liquidated --json", "events", "--type", "Liquidated").get("events", [])
        api = self.api("/api/events/recent?type=Liquidated").get("events", [])
        t.ok(len(evs) == 1 and evs == api and evs[0]["data"] == want and evs[0]["operator"] == "bob",
             "events --type Liquidated and /api/events/recent?type=Liquidated: the one event, bob's", (evs, api))
        r = self.cli("events --type Liquidated", "events", "--type", "Liquidated", operator="carol")
        t.ok("owner=" + OWNER in r.out and "seized=" + want["seized"] in r.out
             and "returned=" + want["returned"] in r.out,
             "the human events line carries the owner's notice", r)
        v = self.api("/api/vaults/1")
        t.ok(v["debt"] == "0" and v["collateral"] == "0" and v["health"] is None and v["liquidatable"] is False,
             "after: vault 1 has no debt and no collateral", v)
        t.eq(self.balance("GOLD", OWNER), fmt_units(to_units("9", DEC) + coll - seized, DEC),
             "the owner got the rest of the collateral back")
        t.eq(self.balance("GOLD", LIQ), want["seized"], "the liquidator holds the seized collateral")
        t.eq(self.balance("USDW", LIQ), "3800", "the liquidator repaid the 1200 of debt")
        t.eq(to_units(self.asset("USDW")["supply"], DEC), supply_before - debt, "the repaid debt is burned")
        t.ok(abs(self.asset("USDW")["reserve"]["ratio"] - ratio_before) < 1e-9,
             "the reserve ratio does not move (supply and vault debt fell together)")
        ty = self.api("/api/vaults")["types"][0]
        t.ok(ty["liquidations"] == 1 and ty["liquidated_total"] == "1200" and ty["bad_debt_total"] == "0"
             and ty["total_debt"] == "0", "the type: 1 liquidation, 1200 liquidated, no bad debt", ty)
        m = self.node.metrics()
        t.eq(metric(m, "mintline_vault_liquidations_total", vault_type="GOLD-A"), 1.0, "/metrics: liquidations 1")
        t.ok(("mintline_vault_health_min_ratio", (("vault_type", "GOLD-A"),)) not in m,
             "/metrics: no lowest health without a vault in debt")
        t.eq(self.firing("VaultHealthCritical") + self.firing("VaultHealthWarning"), [],
             "the vault alerts are no longer firing")
        self.refused("liquidating the empty vault", "ERR_VAULT_EMPTY", "vault", "liquidate", "1", "--by", LIQ,
                     operator="bob")

    # -- (c) the bridge failure and refund ----------------------------------
    def bridge(self):
        r = self.node.cli("bridge", "send", "USDW", "--from", SENDER, "--chain", "138", "--to", DEST,
                          "--amount", "1000", "--json")
        sent = [e for e in (r.json().get("events", []) if r.rc == 0 else []) if e["type"] == "BridgeSent"]
        t.ok(r.rc == 0 and len(sent) == 1 and sent[0]["data"]["id"] == 1, "bridge send 1000 to chain 138: id 1", r)
        self.cli("10 minutes pass", "dev", "advance", "10m")
        self.cli("bridge confirm 1 --tx (settled after 600 s)", "bridge", "confirm", "1", "--tx", TX1)
        self.cli("a second send of 500", "bridge", "send", "USDW", "--from", SENDER, "--chain", "138", "--to", DEST,
                 "--amount", "500")
        # symptoms: a transfer that does not settle
        show = self.cli_json("bridge show 2 --json", "bridge", "show", "2")
        t.ok(show.get("status") == "initiated" and show.get("amount") == "500" and show.get("to") == DEST,
             "bridge show 2: initiated, 500 to the destination", show)
        r = self.cli("bridge list --status initiated --chain 138", "bridge", "list", "--status", "initiated",
                     "--chain", "138", operator="carol")
        t.ok("initiated" in r.out and (SENDER + " -> " + DEST) in r.out and "settled" not in r.out,
             "bridge list --status initiated --chain 138: transfer 2 in flight", r)
        t.eq([x["id"] for x in self.api("/api/bridge/transfers?status=initiated&chain=138")["transfers"]], [2],
             "GET /api/bridge/transfers?status=initiated&chain=138: [2]")
        t.eq(self.route()["escrow"], "500", "the route's escrow outstanding is 500")
        t.eq(self.balance("USDW", SENDER), "3500", "the sender's 500 is in escrow")
        self.refused("a refund before the 2h timeout", "ERR_TIMEOUT_NOT_REACHED", "bridge", "refund", "2")
        self.cli("two hours pass (dev advance 2h)", "dev", "advance", "2h")
        # 3. initiate the refund, executed by a second person
        self.cli("alice (bridge operator) requests the refund", "bridge", "refund", "2")
        t.eq(self.api("/api/bridge/transfers/2")["status"], "refund_requested", "status refund_requested")
        self.refused("alice executes her own request", "ERR_SAME_SIGNER", "bridge", "refund-execute", "2")
        self.refused("a viewer executes it", "ERR_UNAUTHORIZED", "bridge", "refund-execute", "2", operator="carol")
        t.eq(self.api("/api/bridge/transfers/2")["status"], "refund_requested", "the refusals changed nothing")
        r = self.node.cli("bridge", "refund-execute", "2", "--operator", "bob", operator=None)
        t.ok(r.rc == 0 and "refunded bridge transfer 2" in r.out,
             "bob, a refund signer who is not the requester, executes it (--operator bob)", r)
        tr = self.api("/api/bridge/transfers/2")
        t.ok(tr["status"] == "refunded" and tr["requested_by"] == "alice" and tr["finished_by"] == "bob",
             "transfer 2: refunded, requested by alice, executed by bob", tr)
        t.eq(self.balance("USDW", SENDER), "4000", "the escrow came back to the sender")
        t.eq(self.balance("USDW", "0x0000000000000000000000000000000000b71d9e"), "0", "the escrow address is empty")
        self.refused("a confirm of the refunded transfer", "ERR_ALREADY_REFUNDED", "bridge", "confirm", "2",
                     "--tx", TX2)
        # monitoring: success rate 1 of 2, the alerts
        rt = self.route()
        t.ok(rt["settled_24h"] == 1 and rt["refunded_24h"] == 1 and rt["success_rate_24h"] == 0.5
             and rt["escrow"] == "0" and rt["settlement_samples"] == 1 and rt["settlement_p95_s"] == 600,
             "routes: 1 settled, 1 refunded, success 0.5, escrow 0, p95 600 s", rt)
        m = self.node.metrics()
        t.eq(metric(m, "mintline_bridge_success_ratio", asset="USDW", chain="138"), 0.5,
             "/metrics: mintline_bridge_success_ratio 0.5")
        t.eq(metric(m, "mintline_bridge_settlement_p95_seconds", asset="USDW", chain="138"), 600.0,
             "/metrics: p95 600 s")
        for name, sev in (("BridgeSuccessRateWarning", "warning"), ("BridgeSuccessRateCritical", "critical")):
            a = self.firing(name)
            t.ok(len(a) == 1 and a[0]["severity"] == sev and a[0]["labels"].get("chain") == "138"
                 and float(a[0]["value"]) == 0.5, "%s fires for route 138 at 0.5" % name, self.alerts())
        t.eq(self.firing("BridgeSettlementSlow"), [], "a 600 s p95 is under the 1h line")
        r = self.cli("mintline alerts", "alerts", operator="carol")
        t.ok("BridgeSuccessRateCritical" in r.out and "chain=138" in r.out, "mintline alerts lists it", r)
        st = self.api("/api/system/status")["bridge"][0]
        t.ok(st["success_rate_24h"] == 0.5 and st["escrow"] == "0", "status: the bridge block agrees", st)

    def resume(self):
        # 4. resume: the route stops at once, comes back through the timelock
        self.cli("bridge route disable 138 (pauser, at once)", "bridge", "route", "disable", "138")
        self.refused("a send on the disabled route", "ERR_ROUTE_DISABLED", "bridge", "send", "USDW", "--from",
                     SENDER, "--chain", "138", "--to", DEST, "--amount", "5")
        r = self.cli("bridge routes shows it DISABLED", "bridge", "routes", operator="carol")
        t.ok("chain 138 USDW  DISABLED" in r.out, "DISABLED in bridge routes", r)
        r = self.node.cli("bridge", "route", "enable", "138", "--json")
        pending = r.json().get("pending", {}) if r.rc == 4 else {}
        t.ok(r.rc == 4 and pending.get("timelock"), "bridge route enable 138: timelocked (exit 4)", r)
        self.cli("25 hours pass", "dev", "advance", "25h")
        self.cli("timelock execute: the route is enabled", "timelock", "execute", str(pending.get("timelock")))
        t.eq(self.route()["enabled"], True, "the route is enabled again")
        rt = self.route()
        t.ok(rt["settled_24h"] == 0 and rt["refunded_24h"] == 0 and rt["success_rate_24h"] == 1,
             "a day later the 24h window is empty: success 1", rt)
        t.eq(self.firing("BridgeSuccessRateCritical") + self.firing("BridgeSuccessRateWarning"), [],
             "the bridge success alerts have resolved")
        self.cli("the vault type change is due too", "timelock", "execute", str(self.ceiling_entry))
        t.eq(self.api("/api/vaults")["types"][0]["debt_ceiling"], "20000000", "GOLD-A's debt ceiling is 20,000,000")
        self.cli("sends resume", "bridge", "send", "USDW", "--from", SENDER, "--chain", "138", "--to", DEST,
                 "--amount", "5")

    # -- (d) sizing the bridge buffer and the stabilization reserve ---------
    def bridge_buffer(self):
        # a burst of outflow this hour (transfer 3 stays in flight)
        self.cli("a send of 1000 now", "bridge", "send", "USDW", "--from", SENDER, "--chain", "138", "--to", DEST,
                 "--amount", "1000")
        rt = self.route()
        # peak hourly outflow, from the BridgeSent events (runbook 1.4 step 1)
        buckets = {}
        for e in self.api("/api/events/recent?type=BridgeSent&limit=100")["events"]:
            hour = iso_ns(e["time"]) // HOUR_NS
            buckets[hour] = buckets.get(hour, 0) + to_units(e["data"]["amount"], DEC)
        peak = max(buckets.values())
        t.eq(to_units(rt["peak_hourly_outflow"], DEC), peak, "peak hourly outflow = the largest hour of BridgeSent")
        # required = ceil(peak x latency (the p95 once measured) x safety / 1h)
        lat_s = rt["buffer"]["latency_s"]
        t.eq(lat_s, rt["settlement_p95_s"], "the rule's latency is the measured p95")
        safety = to_units(rt["safety_factor"], 8)
        num, den = peak * int(lat_s) * safety, 3600 * 10 ** 8
        required = -(-num // den)
        b = rt["buffer"]
        t.ok(to_units(b["required"], DEC) == required and b["actual"] == self.balance("USDW", BUFFER)
             and b["ok"] is (to_units(b["actual"], DEC) >= required),
             "buffer: required = ceil(%s x %ss x %s / 1h) = %s, actual = the buffer account's balance"
             % (fmt_units(peak, DEC), lat_s, rt["safety_factor"], fmt_units(required, DEC)), b)
        m = self.node.metrics()
        t.eq(metric(m, "mintline_bridge_buffer_required_base_units", asset="USDW", chain="138"), float(required),
             "/metrics: the required buffer in base units")
        r = self.cli("bridge routes prints the rule", "bridge", "routes", operator="carol")
        t.ok("buffer: required %s (peak hourly outflow %s x latency 600s x safety 1.5)"
             % (fmt_units(required, DEC), fmt_units(peak, DEC)) in r.out, "the figures in bridge routes", r)
        # projected: the buffer once the escrow in flight is paid out, against
        # the bare rule peak x latency (no safety factor)
        escrow = to_units(rt["escrow"], DEC)
        minimum = -(-peak * int(lat_s) // 3600)
        projected = max(to_units(b["actual"], DEC) - escrow, 0)
        t.ok(to_units(b["minimum"], DEC) == minimum and to_units(b["projected"], DEC) == projected
             and b["projected_ok"] is (projected >= minimum)
             and metric(m, "mintline_bridge_buffer_projected_base_units", asset="USDW", chain="138") == projected
             and metric(m, "mintline_bridge_buffer_minimum_base_units", asset="USDW", chain="138") == minimum,
             "projected = actual - escrow in flight %s = %s; minimum = ceil(%s x 600s / 1h) = %s, API and /metrics"
             % (fmt_units(escrow, DEC), fmt_units(projected, DEC), fmt_units(peak, DEC), fmt_units(minimum, DEC)), b)
        t.ok(projected < minimum and len(self.firing("BridgeBufferProjectedBreak")) == 1
             and not self.firing("BridgeBufferBroken"),
             "the burst in flight would empty the buffer: BridgeBufferProjectedBreak (critical) fires "
             "while the balance itself still passes", self.alerts())
        # the buffer drained below the rule: SHORT, the warning fires
        drain = to_units(b["actual"], DEC) - required + 1
        self.cli("the buffer pays out: one unit short of the rule", "transfer", "USDW", "--from", BUFFER, "--to", SINK,
                 "--amount", fmt_units(drain, DEC))
        b = self.route()["buffer"]
        t.ok(b["ok"] is False and to_units(b["actual"], DEC) == required - 1, "buffer SHORT by one base unit", b)
        t.eq(metric(self.node.metrics(), "mintline_bridge_buffer_ok", asset="USDW", chain="138"), 0.0,
             "/metrics: mintline_bridge_buffer_ok 0")
        t.ok(len(self.firing("BridgeBufferBroken")) == 1, "BridgeBufferBroken fires", self.alerts())
        projected = max(required - 1 - escrow, 0)
        t.ok(projected < minimum and len(self.firing("BridgeBufferProjectedBreak")) == 1
             and to_units(b["projected"], DEC) == projected,
             "the escrow in flight would take it under peak x latency: BridgeBufferProjectedBreak (critical)",
             (b, self.alerts()))
        r = self.cli("bridge routes says SHORT", "bridge", "routes", operator="carol")
        t.ok(": SHORT" in r.out and "BREAKS WITHIN ONE SETTLEMENT WINDOW" in r.out, "SHORT in bridge routes", r)
        self.fresh_reserve()
        self.cli("top the buffer up by that unit", "mint", "USDW", "--to", BUFFER, "--amount", fmt_units(1, DEC))
        b = self.route()["buffer"]
        t.ok(b["ok"] is True and to_units(b["actual"], DEC) == required, "exactly at the rule is ok", b)
        t.eq(self.firing("BridgeBufferBroken"), [], "BridgeBufferBroken resolves")
        crit = self.firing("BridgeBufferProjectedBreak")
        t.ok(len(crit) == 1 and crit[0]["severity"] == "critical"
             and to_units(b["projected"], DEC) == max(required - escrow, 0) < minimum,
             "at the rule with transfers in flight, it breaks within the window: the critical stays", (crit, b))
        self.cli("top the buffer up by the escrow in flight", "mint", "USDW", "--to", BUFFER, "--amount",
                 fmt_units(escrow, DEC))
        b = self.route()["buffer"]
        t.ok(to_units(b["projected"], DEC) == required and b["projected_ok"] is True
             and not self.firing("BridgeBufferProjectedBreak"),
             "projected back at the rule: BridgeBufferProjectedBreak resolves", (b, self.alerts()))

    def stabilizer_reserve(self):
        # ten observations of USDWMKT 30 s apart: the window spans 270 s,
        # T = 5 minutes (rounded up), the runbook's own example
        for i in range(10):
            if i:
                self.node.cli("dev", "advance", "30s")
            r = self.node.cli("price", "update", "USDWMKT", "1")
            if r.rc != 0:
                t.ok(False, "price update USDWMKT", r)
        doc = self.cli_json("stabilizer show USDW --peak-outflow 10000 --json", "stabilizer", "show", "USDW",
                            "--peak-outflow", "10000")
        t.eq(doc, self.api("/api/stabilizers?asset=USDW&peak_outflow=10000"), "the CLI and the API agree")
        s = doc.get("stabilizers", [{}])[0]
        rule = s.get("reserve_rule") or {}
        t.ok(s.get("observations") == 10 and s.get("window_min") == 5 and rule.get("window_min") == 5,
             "10 observations over 270 s: T = 5 min", s)
        t.ok(rule.get("peak_outflow_per_min") == "10000" and rule.get("factor") == 3
             and rule.get("required") == "150000" and rule.get("actual") == "50000" and rule.get("ok") is False,
             "reserve >= P x T x 3 = 10,000 x 5 x 3 = 150,000 (the runbook's example); 50,000 is short", rule)
        r = self.cli("stabilizer show prints SHORT", "stabilizer", "show", "USDW", "--peak-outflow", "10000",
                     operator="carol")
        t.ok("reserve rule: required 150000 = peak outflow 10000/min x window 5 min x 3; actual 50000: SHORT" in r.out,
             "the rule's line", r)
        self.fresh_reserve()
        self.cli("fund the reserve with 100000 more", "mint", "USDW", "--to", RESERVE, "--amount", "100000")
        rule = self.api("/api/stabilizers?asset=USDW&peak_outflow=10000")["stabilizers"][0]["reserve_rule"]
        t.ok(rule["actual"] == "150000" and rule["ok"] is True, "150,000 meets the rule exactly", rule)
        self.refused("a malformed peak outflow", "ERR_INVALID_AMOUNT", "stabilizer", "show", "USDW", "--peak-outflow",
                     "lots", operator="carol")

    def finish(self):
        r = self.node.cli("audit", "verify", "--data", self.node.data)
        t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify", r)
        t.ok(self.node.sanitizer() is None, "no sanitizer report", self.node.sanitizer())


def main():
    w = Walk()
    work = tempfile.mkdtemp(prefix="mintline-smom-")
    atexit.register(shutil.rmtree, work, True)
    w.node = Node(genesis=genesis_copy(work), clock_manual=True).start()
    try:
        t.run("setup", w.setup)
        t.run("daily checks", w.daily)
        t.run("liquidation", w.liquidation)
        t.run("bridge refund", w.bridge)
        t.run("bridge buffer", w.bridge_buffer)
        t.run("stabilizer reserve", w.stabilizer_reserve)
        t.run("resume", w.resume)
        t.run("end", w.finish)
    finally:
        t.eq(w.node.stop(), 0, "node stops cleanly")
        w.node.cleanup()


main()
t.done()
