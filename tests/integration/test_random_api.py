"""test_random_api - a seeded random walk through the API against a model.

About 500 steps (single commands and a few batches) over 30 addresses and
the three demo assets: mint, burn, transfer, pause/unpause (asset and
global), dev advance on a manual clock, by alice, bob and carol, many of
them bound to fail. A Python model of the rules (roles, pauses, balances,
supply cap, daily mint and net inflow limits by UTC day of the ledger
clock) predicts every result; after every step the node's supplies, daily
counters, pause flags, holder counts and all 90 balances must equal the
model, and each supply must equal the sum of the balances.

The seed is printed; MINTLINE_SEED=N repeats a run, MINTLINE_STEPS=N
changes its length.
"""
import calendar
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import TAP, Node, addr, fmt_units, to_units  # noqa: E402
from model import DEC, DURATIONS, LIMITS, NS_PER_DAY, SYMS, Model  # noqa: E402,F401

SEED = int(os.environ.get("MINTLINE_SEED", str(int(time.time()) % 100000)))
STEPS = int(os.environ.get("MINTLINE_STEPS", "500"))
t = TAP("random_api")
t.diag("seed %d, %d steps (MINTLINE_SEED=%d to repeat)" % (SEED, STEPS, SEED))
rng = random.Random(SEED)

ADDRS = [addr(i, 0x5e) for i in range(30)]

# ------------------------------------------------------------ generation --

def amount(sym, m, kind):
    d = DEC[sym]
    if kind == "big":
        units = {"AAXJF": rng.randint(100000, 900000), "USDW": rng.randint(500000, 4500000),
                 "USDC": rng.randint(10 ** 6, 10 ** 9)}[sym] * 10 ** d
    elif kind == "absurd":
        units = rng.choice([to_units("1000000001", d), to_units("20000000", d)])
    else:
        units = rng.randint(1, 10 ** (d + 3)) * (10 ** (d - 6) if d > 6 and rng.random() < 0.5 else 1)
    # Canonical only: the API refuses other forms (issue 8 item 9; test_small_refusals).
    return fmt_units(units, d)


def value_command(m, operator):
    sym = rng.choice(SYMS)
    op = rng.choices(["mint", "transfer", "burn"], [0.45, 0.35, 0.2])[0]
    if operator == "bob" and rng.random() < 0.7:
        op, sym = "mint", "USDW"
    if op == "mint":
        kind = rng.choices(["small", "big", "absurd"], [0.7, 0.27, 0.03])[0]
        return {"op": "mint", "asset": sym, "to": rng.choice(ADDRS), "amount": amount(sym, m, kind)}
    holders = [a for a in ADDRS if m.bal.get((sym, a), 0)]
    src = rng.choice(holders) if holders and rng.random() < 0.85 else rng.choice(ADDRS)
    have = m.bal.get((sym, src), 0)
    r = rng.random()
    if have and r < 0.15:
        units = have  # everything
    elif have and r < 0.25:
        units = have + 1  # one unit too many
    elif have and r < 0.8:
        units = rng.randint(1, have)
    else:
        units = to_units(amount(sym, m, "small"), DEC[sym])
    cmd = {"op": op, "asset": sym, "from": src, "amount": fmt_units(units, DEC[sym])}
    if op == "transfer":
        cmd["to"] = src if rng.random() < 0.03 else rng.choice(ADDRS)
    return cmd


def step_request(m):
    """(operator, request body, commands, atomic)."""
    r = rng.random()
    operator = rng.choices(["alice", "bob", "carol"], [0.82, 0.13, 0.05])[0]
    paused_any = m.gpaused or any(m.paused.values())
    if r < (0.25 if paused_any else 0.04):
        op = "unpause" if paused_any and rng.random() < 0.85 else "pause"
        cmd = {"op": op}
        if rng.random() < 0.7:
            cmd["asset"] = rng.choice([s for s in SYMS if m.paused[s]] or SYMS) if op == "unpause" else rng.choice(SYMS)
        if operator == "alice" and rng.random() < 0.5:
            operator = "bob"
        return operator, cmd, [cmd], False
    if r < 0.33 or (paused_any and r < 0.45):
        cmd = {"op": "dev.advance", "duration": rng.choice(list(DURATIONS))}
        return operator if operator != "bob" or rng.random() < 0.3 else "alice", cmd, [cmd], False
    if r < 0.41:
        cmds = [value_command(m, operator) for _ in range(rng.randint(2, 4))]
        atomic = rng.random() < 0.5
        body = {"commands": cmds}
        if atomic:
            body["atomic"] = True
        return operator, body, cmds, atomic
    cmd = value_command(m, operator)
    return operator, cmd, [cmd], False


# ------------------------------------------------------------------- run --

def iso_ns(iso):
    return (calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S")) * 1000 + int(iso[20:23])) * 10 ** 6


def result_of(st, doc, batch, n):
    if not isinstance(doc, dict):
        return ["HTTP %s" % st] * n
    if batch:
        res = doc.get("results")
        if st != 200 or not isinstance(res, list) or len(res) != n:
            return ["HTTP %s %s" % (st, doc.get("error", {}).get("code"))] * n
        return ["ok" if x.get("ok") else x.get("error", {}).get("code") for x in res]
    return ["ok" if doc.get("ok") else doc.get("error", {}).get("code")]


def main():
    node = Node(clock_manual=True).start()
    clients = {op: node.client(op) for op in ("alice", "bob", "carol")}
    for c in clients.values():
        c.keepalive = True
    reader = clients["carol"]
    st, doc = reader.get("/api/system/status")
    m = Model(iso_ns(doc["node"]["time"]))
    fails = {"result": None, "sum": None, "balance": None, "status": None, "http": None}
    counts = {}
    log = []  # (operator, cmd, result) in journal order
    steps_done = 0
    started = time.time()
    for step in range(STEPS):
        operator, body, cmds, atomic = step_request(m)
        batch = "commands" in body
        want, after = m.apply_request(operator, cmds, atomic)
        st, doc = clients[operator].command(body)
        got = result_of(st, doc, batch, len(cmds))
        for g in got:
            counts[g] = counts.get(g, 0) + 1
        if got != want and fails["result"] is None:
            fails["result"] = "step %d: %s %s\nnode:  %s\nmodel: %s\nresponse: %s" % (
                step, operator, body, got, want, doc)
        if not batch:
            ok_status = {"ok": 200, "ERR_UNAUTHORIZED": 403}.get(got[0], 409)
            if st != ok_status and fails["http"] is None:
                fails["http"] = "step %d: %s -> HTTP %s %s" % (step, body, st, doc)
        m = after
        for c, g in zip(cmds, got):
            log.append((operator, c, g))
        # The node's view, after every step.
        st, adoc = reader.get("/api/assets")
        node_assets = {a["symbol"]: a for a in adoc["assets"]}
        bal = {}
        for a in ADDRS:
            st, acc = reader.get("/api/accounts/" + a)
            for sym, h in acc["balances"].items():
                bal[(sym, a)] = to_units(h["balance"], DEC[sym])
        for sym in SYMS:
            s = sum(v for (x, _), v in bal.items() if x == sym)
            if s != to_units(node_assets[sym]["supply"], DEC[sym]) and fails["sum"] is None:
                fails["sum"] = "step %d: %s supply %s, sum of balances %s" % (
                    step, sym, node_assets[sym]["supply"], fmt_units(s, DEC[sym]))
            a = node_assets[sym]
            seen = {"supply": a["supply"], "paused": a["paused"], "daily_mint.used": a["daily_mint"]["used"],
                    "daily_net_inflow.used": a["daily_net_inflow"]["used"], "holders": a["holders"]}
            if seen != m.status(sym) and fails["status"] is None:
                fails["status"] = "step %d (%s %s): %s\nnode:  %s\nmodel: %s" % (
                    step, operator, body, sym, seen, m.status(sym))
        model_bal = {k: v for k, v in m.bal.items() if v}
        if bal != model_bal and fails["balance"] is None:
            diff = sorted(set(bal.items()) ^ set(model_bal.items()))[:6]
            fails["balance"] = "step %d (%s %s): differing (asset, address), units: %s" % (step, operator, body, diff)
        steps_done = step + 1
        if any(fails.values()):
            t.diag("stopping at step %d: the node and the model diverged" % step)
            break
    t.diag("%d steps, %d commands in %.1fs; results: %s" % (
        steps_done, len(log), time.time() - started, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    t.ok(steps_done == STEPS, "the walk ran all %d steps" % STEPS, steps_done)
    t.ok(fails["result"] is None, "every command's result equals the model's (roles, pause, balance, cap, "
         "daily limits, atomic batches)", fails["result"])
    t.ok(fails["http"] is None, "every single command answered with the HTTP status of its result", fails["http"])
    t.ok(fails["sum"] is None, "after every step: each supply = sum of the balances of all 30 addresses",
         fails["sum"])
    t.ok(fails["balance"] is None, "after every step: all 90 balances equal the model", fails["balance"])
    t.ok(fails["status"] is None, "after every step: supply, pause, daily counters and holders equal the model",
         fails["status"])
    errors = {k for k in counts if k != "ok"}
    t.ok(len(errors & {"ERR_PAUSED", "ERR_INSUFFICIENT_BALANCE", "ERR_UNAUTHORIZED", "ERR_DAILY_MINT_LIMIT",
                       "ERR_DAILY_INFLOW_LIMIT", "ERR_SUPPLY_CAP", "ERR_BATCH_ABORTED"}) >= 5 and
         counts.get("ok", 0) > len(log) // 3,
         "the walk met at least 5 kinds of rejection and mostly succeeded", counts)

    # The journal lists exactly the walk, in order.
    st, hdoc = reader.get("/api/history?limit=1000")
    every = list(reversed(hdoc.get("history", [])))
    hist = [e for e in every if e["operator"] != "system"]  # the walk's (not the alert loop's)
    want = [{"operator": o, "op": c["op"], "args": {k: v for k, v in c.items() if k != "op"}, "result": g}
            for o, c, g in log][-1000:]
    got = [{k: e[k] for k in ("operator", "op", "args", "result")} for e in hist][-len(want):] if want else []
    first_bad = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), None)
    t.ok(len(hist) == min(1000, len(log)) and first_bad is None,
         "/api/history lists every command of the walk, in order, with its result",
         "entries %d for %d commands; first difference at %s: %s / %s" % (
             len(hist), len(log), first_bad, got[first_bad] if first_bad is not None else "",
             want[first_bad] if first_bad is not None else ""))
    seqs = [e["seq"] for e in every]
    t.ok(seqs == list(range(seqs[0], seqs[0] + len(seqs))) if seqs else False, "history seqs are consecutive",
         seqs[:5])
    for c in clients.values():
        c.close()
    r = node.cli("audit", "verify", "--data", node.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify after the walk", r)
    t.eq(node.stop(), 0, "node stops cleanly")
    t.ok(node.sanitizer() is None, "no sanitizer report in the node log", node.sanitizer())
    node.cleanup()
    t.done()


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - report a crash as a failed check
        import traceback
        t.ok(False, "random walk raised %s: %s" % (type(e).__name__, e), traceback.format_exc())
        t.done()
