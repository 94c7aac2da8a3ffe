"""model - the demo ledger's rules in Python, an independent oracle.

The integration tests predict every result with it: roles of the demo
genesis (examples/genesis.yaml), global and asset pauses, balances, the
supply cap and the daily mint and net inflow limits by UTC day of the
ledger clock (SPEC 3), atomic batches. Amounts are integers in base units.
"""
from harness import addr, fmt_units, to_units  # noqa: F401

SYMS = ["AAXJF", "USDW", "USDC"]
DEC = {"AAXJF": 18, "USDW": 6, "USDC": 6}
LIMITS = {  # cap, daily mint, daily net inflow in base units (None: unset)
    "AAXJF": (to_units("10000000", 18), to_units("1000000", 18), to_units("800000", 18)),
    "USDW": (to_units("1000000000", 6), to_units("5000000", 6), to_units("4000000", 6)),
    "USDC": (None, None, None),
}
NS_PER_DAY = 86400 * 10 ** 9
DURATIONS = {"1d": 86400, "12h": 43200, "90m": 5400, "30s": 30, "2h": 7200}


def may(operator, op, sym):
    """The demo genesis roles."""
    if operator == "alice":
        return True
    if operator == "bob":
        return op in ("pause", "unpause") or (op == "mint" and sym == "USDW")
    return False


class Model:
    def __init__(self, time_ns):
        self.time_ns = time_ns
        self.bal = {}
        self.supply = {s: 0 for s in SYMS}
        self.day = {s: (None, 0, 0) for s in SYMS}
        self.paused = {s: False for s in SYMS}
        self.gpaused = False

    def copy(self):
        m = Model(self.time_ns)
        m.bal, m.supply, m.day = dict(self.bal), dict(self.supply), dict(self.day)
        m.paused, m.gpaused = dict(self.paused), self.gpaused
        return m

    def today(self, sym):
        d, minted, burned = self.day[sym]
        return (minted, burned) if d == self.time_ns // NS_PER_DAY else (0, 0)

    def apply(self, operator, cmd):
        op = cmd["op"]
        sym = cmd.get("asset")
        if not may(operator, op, sym if op not in ("pause", "unpause") else None):
            return "ERR_UNAUTHORIZED"
        if op in ("pause", "unpause"):
            if sym is None:
                self.gpaused = op == "pause"
            else:
                self.paused[sym] = op == "pause"
            return "ok"
        if op == "dev.advance":
            self.time_ns += DURATIONS[cmd["duration"]] * 10 ** 9
            return "ok"
        if self.gpaused or self.paused[sym]:
            return "ERR_PAUSED"
        amt = to_units(cmd["amount"], DEC[sym])
        minted, burned = self.today(sym)
        day = self.time_ns // NS_PER_DAY
        if op == "mint":
            cap, mint_lim, in_lim = LIMITS[sym]
            if cap is not None and self.supply[sym] + amt > cap:
                return "ERR_SUPPLY_CAP"
            if mint_lim is not None and minted + amt > mint_lim:
                return "ERR_DAILY_MINT_LIMIT"
            if in_lim is not None and minted - burned + amt > in_lim:
                return "ERR_DAILY_INFLOW_LIMIT"
            self.bal[(sym, cmd["to"])] = self.bal.get((sym, cmd["to"]), 0) + amt
            self.supply[sym] += amt
            self.day[sym] = (day, minted + amt, burned)
            return "ok"
        src = cmd["from"]
        if self.bal.get((sym, src), 0) < amt:
            return "ERR_INSUFFICIENT_BALANCE"
        self.bal[(sym, src)] -= amt
        if op == "burn":
            self.supply[sym] -= amt
            self.day[sym] = (day, minted, burned + amt)
        else:
            self.bal[(sym, cmd["to"])] = self.bal.get((sym, cmd["to"]), 0) + amt
        return "ok"

    def apply_request(self, operator, cmds, atomic):
        """Results of a request; returns (results, model after)."""
        if not atomic:
            return [self.apply(operator, c) for c in cmds], self
        trial = self.copy()
        got = [trial.apply(operator, c) for c in cmds]
        if all(g == "ok" for g in got):
            return got, trial
        return ["ERR_BATCH_ABORTED" if g == "ok" else g for g in got], self

    def status(self, sym):
        """What /api/assets must say about sym."""
        minted, burned = self.today(sym)
        return {"supply": fmt_units(self.supply[sym], DEC[sym]),
                "paused": self.paused[sym] or self.gpaused,
                "daily_mint.used": fmt_units(minted, DEC[sym]),
                "daily_net_inflow.used": fmt_units(max(0, minted - burned), DEC[sym]),
                "holders": sum(1 for (s, _), v in self.bal.items() if s == sym and v)}


