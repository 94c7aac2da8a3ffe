"""test_api - the HTTP API driven with raw signed requests (mlclient).

One node with a manual clock (so daily limits and day rollover are
deterministic) on the demo genesis, plus a short-lived wall-clock node for
what only such a node refuses. Every rejection is checked to change nothing
and to be journaled with its code; every refusal (signature, malformed
input) is checked to change nothing and not to be journaled.
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import REPO, TAP, Node, addr, fmt_units, metric, to_units  # noqa: E402

t = TAP("api")
DEC = {"AAXJF": 18, "USDW": 6, "USDC": 6}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
MAX_U128 = 2 ** 128 - 1
USED = set()  # every address this test touched


def A(i):
    a = addr(i, 0xa9)
    USED.add(a)
    return a


class Ctx:
    node = None
    alice = bob = carol = None


X = Ctx()


def body_of(doc):
    return json.dumps(doc).encode()


def post_raw(c, body, path="/api/commands", **kw):
    return c.raw("POST", path, body, c.headers("POST", path, body, **kw))


def assets():
    st, doc = X.carol.get("/api/assets")
    assert st == 200, (st, doc)
    return {a["symbol"]: a for a in doc["assets"]}


def account(a):
    st, doc = X.carol.get("/api/accounts/" + a)
    assert st == 200, (st, doc)
    return doc


def balance(sym, a):
    st, doc = X.carol.get("/api/assets/%s/balances/%s" % (sym, a))
    assert st == 200, (st, doc)
    return doc["balance"]


def history(query="limit=1000"):
    st, doc = X.carol.get("/api/history?" + query)
    assert st == 200, (st, doc)
    return doc["history"]


def node_state():
    n = X.node.status()["node"]
    return n["height"], n["state_hash"]


def world(addrs):
    """What a rejected command must not change: asset status and accounts."""
    return {"assets": assets(), "accounts": {a: account(a) for a in addrs}}


def cmd_addrs(cmd):
    return [cmd[k] for k in ("to", "from") if isinstance(cmd.get(k), str)]


def accepted(c, cmd, name, status=200):
    st, doc = c.command(cmd)
    t.ok(st == status and isinstance(doc, dict) and doc.get("ok") is True,
         "%s: HTTP %d ok" % (name, status), "HTTP %s %s" % (st, doc))
    return doc if isinstance(doc, dict) else {}


def rejected(c, cmd, code, status, name, extra_addrs=()):
    """A command the rules refuse: status and code, journaled with a seq,
    nothing changed, and listed in /api/history with the code."""
    addrs = sorted(set(cmd_addrs(cmd)) | set(extra_addrs))
    before = world(addrs)
    st, doc = c.command(cmd)
    err = doc.get("error", {}) if isinstance(doc, dict) else {}
    seen(err.get("code"), st)
    t.ok(st == status and err.get("code") == code and doc.get("ok") is False and
         isinstance(err.get("message"), str) and err.get("message") != "",
         "%s: HTTP %d %s with a message" % (name, status, code), "HTTP %s %s" % (st, doc))
    t.eq(world(addrs), before, "%s: nothing changed (supply, limits, balances)" % name)
    seq = doc.get("seq") if isinstance(doc, dict) else None
    t.ok(isinstance(seq, int) and isinstance(doc.get("block"), int),
         "%s: rejection has a seq and a block" % name, doc)
    h = history("limit=1&operator=" + c.operator)  # not the alert loop's system's incident
    want_args = {k: v for k, v in cmd.items() if k != "op"}
    t.ok(len(h) == 1 and h[0]["seq"] == seq and h[0]["result"] == code and
         h[0]["op"] == cmd["op"] and h[0]["args"] == want_args and
         h[0]["operator"] == c.operator and h[0]["block"] == doc.get("block"),
         "%s: journaled in /api/history with %s" % (name, code), "history: %s\nresponse: %s" % (h, doc))
    return doc


def refused(c_send, name, status, codes, before=None):
    """c_send() -> (status, doc): a request refused before the journal."""
    if isinstance(codes, str):
        codes = (codes,)
    st, doc = c_send()
    code = doc.get("error", {}).get("code") if isinstance(doc, dict) else None
    seen(code, st)
    t.ok(st == status and code in codes and doc.get("ok") is False,
         "%s: HTTP %d %s" % (name, status, "/".join(codes)), "HTTP %s %s" % (st, _cut(doc)))
    return st, doc


SEEN = {}  # error code -> HTTP statuses it came with


def seen(code, status):
    if code:
        SEEN.setdefault(code, set()).add(status)


def _cut(doc):
    s = json.dumps(doc) if not isinstance(doc, str) else doc
    return s[:400]


def event_ok(ev, typ, asset, data, name, block=None):
    keys_ok = isinstance(ev, dict) and sorted(ev) == ["asset", "block", "command_seq", "data", "operator", "seq",
                                                      "time", "type"] and isinstance(ev["operator"], str)
    t.ok(keys_ok and ev["type"] == typ and ev["asset"] == asset and ev["data"] == data and
         isinstance(ev["seq"], int) and isinstance(ev["command_seq"], int) and
         ISO.match(ev["time"] or "") is not None and
         (block is None or ev["block"] == block),
         "%s: event %s %s %s" % (name, typ, asset, json.dumps(data, sort_keys=True)), ev)


# ------------------------------------------------------------------ tests --

def test_unsigned_endpoints():
    n = X.node
    st, doc = n.http("GET", "/healthz")
    t.ok(st == 200 and doc == {"ok": True}, "/healthz unsigned: 200 {ok: true}", (st, doc))
    st, doc = n.http("GET", "/readyz")
    t.ok(st == 200 and doc.get("ok") is True and isinstance(doc.get("height"), int),
         "/readyz unsigned: 200 with height", (st, doc))
    st, text = n.http("GET", "/metrics")
    t.ok(st == 200 and isinstance(text, str) and "mintline_block_height" in text and
         "mintline_signature_failures_total" in text, "/metrics unsigned: Prometheus text", (st, text))
    for path in ("/api/system/status", "/api/assets", "/api/history", "/api/events/recent"):
        st, doc = n.http("GET", path)
        t.ok(st == 401 and doc["error"]["code"] == "ERR_AUTH_MISSING",
             "GET %s unsigned: 401 ERR_AUTH_MISSING" % path, (st, doc))
    st, doc = X.carol.get("/api/system/status")
    t.ok(st == 200, "viewer carol may read /api/system/status", (st, doc))


def test_status_shape():
    st, doc = X.carol.get("/api/system/status")
    t.eq(st, 200, "GET /api/system/status: 200")
    t.eq(sorted(doc), ["alerts", "assets", "compliance", "governance", "incidents", "node", "payouts"],
         "status: top-level keys (governance: issue 13 item 12)")
    node = doc["node"]
    for k in ("version", "height", "time", "store", "clock", "state_hash", "paused", "controller"):
        t.ok(k in node, "status.node has %s" % k, node)
    t.ok(isinstance(node.get("version"), str) and node.get("version"), "node.version is a string", node)
    t.ok(isinstance(node.get("height"), int) and node["height"] >= 0, "node.height is an integer", node)
    t.ok(ISO.match(node.get("time", "")) is not None, "node.time is ISO-8601 UTC", node)
    t.eq(node.get("store"), "sqlite", "node.store is sqlite")
    t.eq(node.get("clock"), "manual", "node.clock is manual (--clock manual)")
    t.ok(HEX64.match(node.get("state_hash", "")) is not None, "node.state_hash is 64 hex", node)
    t.eq(node.get("paused"), False, "node.paused is false")
    t.eq(node.get("controller"), "alice", "node.controller is alice")
    firing = doc["alerts"].get("firing")
    t.ok(isinstance(firing, dict) and isinstance(firing.get("warning"), int)
         and isinstance(firing.get("critical"), int) and isinstance(doc["alerts"].get("pending"), int)
         and doc["alerts"].get("rules") == 33, "alerts: firing by severity, pending, rules", doc["alerts"])
    inc = doc["incidents"]
    t.ok(sorted(inc.get("open", {})) == ["P0", "P1", "P2", "P3"] and
         all(isinstance(v, int) for v in inc["open"].values()), "incidents.open counts by severity", inc)
    t.ok(isinstance(inc.get("overdue"), int) and "maintenance" in inc, "incidents.overdue, maintenance", inc)
    by = {a["symbol"]: a for a in doc["assets"]}
    t.eq(sorted(by), ["AAXJF", "USDC", "USDW"], "status lists the three genesis assets")
    fields = ("symbol", "kind", "decimals", "paused", "mint_halted", "supply", "supply_cap",
              "supply_cap_usage", "daily_mint", "daily_net_inflow", "holders")
    for sym, a in by.items():
        missing = [f for f in fields if f not in a]
        t.ok(not missing, "%s status has every documented field" % sym, "missing %s in %s" % (missing, a))
        for d in ("daily_mint", "daily_net_inflow"):
            t.eq(sorted(a.get(d, {})), ["limit", "remaining", "usage", "used"], "%s.%s keys" % (sym, d))
    w = by["USDW"]
    t.ok(w["kind"] == "plain" and w["decimals"] == 6 and
         w["supply_cap"] == "1000000000" and w["daily_mint"]["limit"] == "5000000" and
         w["daily_net_inflow"]["limit"] == "4000000" and w["paused"] is False and
         w["mint_halted"] is False, "USDW (plain in the tests' genesis): 6 decimals, cap and limits from genesis", w)
    f = by["AAXJF"]
    t.ok(f["kind"] == "fund" and f["decimals"] == 18 and f["supply_cap"] == "10000000" and
         f["daily_mint"]["limit"] == "1000000" and f["daily_net_inflow"]["limit"] == "800000",
         "AAXJF: fund, 18 decimals, cap and limits from genesis", f)
    c = by["USDC"]
    t.ok(c["kind"] == "plain" and c["decimals"] == 6 and c["supply_cap"] is None and
         c["supply_cap_usage"] is None and c["daily_mint"]["limit"] is None and
         c["daily_mint"]["remaining"] is None and c["daily_mint"]["usage"] is None and
         c["daily_net_inflow"]["limit"] is None,
         "USDC: plain, 6 decimals, unset cap and limits are null", c)
    t.ok(all(a["supply"] == "0" and a["holders"] == 0 and a["daily_mint"]["used"] == "0"
             for a in by.values()), "genesis: every supply, holder count and daily use is 0", by)
    st, lst = X.carol.get("/api/assets")
    t.ok(st == 200 and lst == {"assets": doc["assets"]}, "/api/assets equals status.assets", lst)
    st, one = X.carol.get("/api/assets/USDW")
    t.ok(st == 200 and one == w, "/api/assets/USDW equals its status entry", one)
    refused(lambda: X.carol.get("/api/assets/NOPE"), "/api/assets/NOPE", 404, "ERR_UNKNOWN_ASSET")
    st, cs = X.carol.get("/api/contracts/status")
    t.ok(st == 200 and cs.get("paused") is False and cs.get("controller") == "alice" and
         sorted(cs.get("assets", {})) == ["AAXJF", "USDC", "USDW"],
         "/api/contracts/status: pauses and controller", cs)


def test_mint_burn_transfer():
    a, b = A(1), A(2)
    before = assets()
    doc = accepted(X.alice, {"op": "mint", "asset": "USDW", "to": a, "amount": "1000.5"}, "mint USDW")
    t.ok(isinstance(doc.get("seq"), int) and isinstance(doc.get("block"), int) and
         "error" not in doc and "dry_run" not in doc, "mint: result has seq and block", doc)
    evs = doc.get("events", [])
    t.eq(len(evs), 1, "mint: one event")
    if evs:
        event_ok(evs[0], "Mint", "USDW", {"to": a, "amount": "1000.5"}, "mint", doc.get("block"))
        st, rec = X.carol.get("/api/events/recent?limit=1")
        t.ok(st == 200 and rec["events"] == evs, "mint: event is the newest in /api/events/recent", rec)
    t.eq(balance("USDW", a), "1000.5", "mint: balance credited")
    after = assets()
    t.eq(to_units(after["USDW"]["supply"], 6) - to_units(before["USDW"]["supply"], 6),
         to_units("1000.5", 6), "mint: supply up by the amount")
    t.eq(after["USDW"]["holders"], before["USDW"]["holders"] + 1, "mint: one more holder")
    t.eq(after["USDW"]["daily_mint"]["used"], fmt_units(
        to_units(before["USDW"]["daily_mint"]["used"], 6) + to_units("1000.5", 6), 6),
        "mint: daily_mint.used up by the amount")

    doc = accepted(X.alice, {"op": "transfer", "asset": "USDW", "from": a, "to": b, "amount": "200.25"},
                   "transfer USDW")
    evs = doc.get("events", [])
    t.eq(len(evs), 1, "transfer: one event")
    if evs:
        event_ok(evs[0], "Transfer", "USDW", {"from": a, "to": b, "amount": "200.25"}, "transfer",
                 doc.get("block"))
    t.eq((balance("USDW", a), balance("USDW", b)), ("800.25", "200.25"), "transfer: balances moved")

    doc = accepted(X.alice, {"op": "burn", "asset": "USDW", "from": b, "amount": "0.25"}, "burn USDW")
    evs = doc.get("events", [])
    if t.eq(len(evs), 1, "burn: one event"):
        event_ok(evs[0], "Burn", "USDW", {"from": b, "amount": "0.25"}, "burn", doc.get("block"))
    t.eq(balance("USDW", b), "200", "burn: balance debited")
    fin = assets()["USDW"]
    t.eq(to_units(fin["supply"], 6) - to_units(before["USDW"]["supply"], 6), to_units("1000.25", 6),
         "burn: supply down by the amount")
    d = fin["daily_net_inflow"]
    t.eq(d["used"], fmt_units(to_units(fin["daily_mint"]["used"], 6) - to_units("0.25", 6), 6),
         "burn: daily_net_inflow.used = minted - burned today")

    h = history("limit=3")
    t.ok([e["op"] for e in h] == ["burn", "transfer", "mint"] and all(e["result"] == "ok" for e in h) and
         all(e["operator"] == "alice" for e in h) and h[2]["args"] == {"asset": "USDW", "to": a, "amount": "1000.5"}
         and h[0]["seq"] == doc["seq"] and h[0]["seq"] == h[1]["seq"] + 1 == h[2]["seq"] + 2,
         "history: the three commands newest first, with args and result ok", h)
    t.ok(all(sorted(e) == ["args", "block", "op", "operator", "result", "seq", "time"] and
             ISO.match(e["time"]) for e in h), "history entries have exactly the documented keys", h)

    # Input forms: upper-case hex is accepted, output is lower-case; amounts are read in SPEC 2's
    # canonical form only (issue 8 item 9; "007.500" is refused in test_malformed).
    up = "0X" + A(3)[2:].upper()
    doc = accepted(X.alice, {"op": "mint", "asset": "USDC", "to": up, "amount": "7.5"},
                   "mint with an upper-case address")
    evs = doc.get("events") or [{}]
    t.eq(evs[0].get("data"), {"to": A(3), "amount": "7.5"}, "event data: lower-case address, canonical amount")
    st, bal = X.carol.get("/api/assets/USDC/balances/" + up)
    t.ok(st == 200 and bal == {"asset": "USDC", "address": A(3), "balance": "7.5", "frozen": "0",
                               "asset_frozen": False, "partitions": {}},
         "balance read with an upper-case address answers lower-case", bal)
    # Smallest unit of an 18-decimal asset.
    doc = accepted(X.alice, {"op": "mint", "asset": "AAXJF", "to": A(4), "amount": "0.000000000000000001"},
                   "mint 1e-18 AAXJF")
    t.eq(balance("AAXJF", A(4)), "0.000000000000000001", "AAXJF keeps 18 decimals exactly")
    # A transfer to oneself moves nothing and says so.
    doc = accepted(X.alice, {"op": "transfer", "asset": "USDW", "from": b, "to": b, "amount": "5"},
                   "transfer to oneself")
    t.eq(balance("USDW", b), "200", "transfer to oneself: balance unchanged")
    # dry_run: false is the same as no flag; history args are the command's.
    cmd = {"op": "mint", "asset": "USDC", "to": A(3), "amount": "1", "dry_run": False}
    doc = accepted(X.alice, cmd, "command with dry_run false is applied")
    h = history("limit=1")
    t.eq(h[0]["args"] if h else None, {"asset": "USDC", "to": A(3), "amount": "1"},
         "history args: a command sent with \"dry_run\": false does not list dry_run among its args")


def test_dry_run():
    a, b = A(5), A(6)
    accepted(X.alice, {"op": "mint", "asset": "USDC", "to": a, "amount": "50"}, "dry-run setup mint")
    addrs = [a, b]
    w0, s0, h0 = world(addrs), node_state(), history()
    st, doc = X.alice.command({"op": "mint", "asset": "USDC", "to": b, "amount": "12.5", "dry_run": True})
    t.ok(st == 200 and doc.get("ok") is True and doc.get("dry_run") is True and
         "seq" not in doc and "block" not in doc, "dry-run mint: 200, dry_run true, no seq/block", doc)
    evs = doc.get("events") or [{}]
    event_ok(evs[0], "Mint", "USDC", {"to": b, "amount": "12.5"}, "dry-run mint")
    st, doc = X.alice.command({"op": "transfer", "asset": "USDC", "from": a, "to": b, "amount": "20",
                               "dry_run": True})
    evs = doc.get("events") or [{}]
    t.ok(st == 200 and doc.get("dry_run") is True, "dry-run transfer: 200", doc)
    event_ok(evs[0], "Transfer", "USDC", {"from": a, "to": b, "amount": "20"}, "dry-run transfer")
    st, doc = X.alice.command({"op": "burn", "asset": "USDC", "from": a, "amount": "51", "dry_run": True})
    t.ok(st == 409 and doc.get("dry_run") is True and doc.get("error", {}).get("code") ==
         "ERR_INSUFFICIENT_BALANCE" and "seq" not in doc, "dry-run of a failing burn: 409 with its code", doc)
    st, doc = X.carol.command({"op": "mint", "asset": "USDC", "to": a, "amount": "1", "dry_run": True})
    t.ok(st == 403 and doc.get("error", {}).get("code") == "ERR_UNAUTHORIZED" and doc.get("dry_run") is True,
         "dry-run by carol: 403 ERR_UNAUTHORIZED", doc)
    batch = {"dry_run": True, "commands": [
        {"op": "mint", "asset": "USDC", "to": b, "amount": "10"},
        {"op": "transfer", "asset": "USDC", "from": b, "to": a, "amount": "10"},
        {"op": "burn", "asset": "USDC", "from": b, "amount": "1"}]}
    st, doc = X.alice.command(batch)
    res = doc.get("results", []) if isinstance(doc, dict) else []
    t.ok(st == 200 and doc.get("dry_run") is True and len(res) == 3 and res[0]["ok"] and res[1]["ok"] and
         res[2].get("error", {}).get("code") == "ERR_INSUFFICIENT_BALANCE" and
         all(r.get("dry_run") is True and "seq" not in r for r in res),
         "dry-run batch: each command simulated in order on the previous ones", doc)
    batch["atomic"] = True
    st, doc = X.alice.command(batch)
    res = doc.get("results", []) if isinstance(doc, dict) else []
    for r in res:
        seen(r.get("error", {}).get("code"), 409)
    t.ok(st == 200 and [r.get("error", {}).get("code") for r in res] ==
         ["ERR_BATCH_ABORTED", "ERR_BATCH_ABORTED", "ERR_INSUFFICIENT_BALANCE"],
         "dry-run atomic batch: the failure aborts the others", doc)
    t.eq(node_state(), s0, "dry runs: height and state hash unchanged")
    t.eq(world(addrs), w0, "dry runs: balances and supplies unchanged")
    t.eq(history(), h0, "dry runs: history unchanged (nothing journaled)")


def test_batches():
    c, d, e, f = A(7), A(8), A(9), A(10)
    sup0 = to_units(assets()["USDC"]["supply"], 6)
    cmds = [{"op": "mint", "asset": "USDC", "to": c, "amount": "10"},
            {"op": "transfer", "asset": "USDC", "from": c, "to": d, "amount": "5"},
            {"op": "transfer", "asset": "USDC", "from": c, "to": d, "amount": "100"},
            {"op": "burn", "asset": "USDC", "from": d, "amount": "1"}]
    st, doc = X.alice.command({"commands": cmds})
    res = doc.get("results", [])
    t.ok(st == 200 and doc.get("ok") is True and isinstance(doc.get("block"), int) and len(res) == 4,
         "batch of 4: HTTP 200, ok, one result per command", doc)
    codes = [r.get("error", {}).get("code") if not r.get("ok") else "ok" for r in res]
    t.eq(codes, ["ok", "ok", "ERR_INSUFFICIENT_BALANCE", "ok"], "batch: each command on its own")
    seqs = [r.get("seq") for r in res]
    t.ok(all(isinstance(s, int) for s in seqs) and seqs == list(range(seqs[0], seqs[0] + 4)) and
         all(r.get("block") == doc.get("block") for r in res), "batch: consecutive seqs, one block", res)
    t.eq((balance("USDC", c), balance("USDC", d)), ("5", "4"), "batch: balances reflect the ok commands")
    h = history("limit=4")[::-1]
    t.ok([x["seq"] for x in h] == seqs and [x["result"] for x in h] == codes and
         [x["args"] for x in h] == [{k: v for k, v in m.items() if k != "op"} for m in cmds],
         "batch: every command journaled with its result", h)

    st, doc = X.alice.command({"atomic": True, "commands": [
        {"op": "mint", "asset": "USDC", "to": e, "amount": "3"},
        {"op": "transfer", "asset": "USDC", "from": e, "to": f, "amount": "2"}]})
    t.ok(st == 200 and all(r.get("ok") for r in doc.get("results", [])) and len(doc.get("results", [])) == 2,
         "atomic batch, all ok: applied", doc)
    t.eq((balance("USDC", e), balance("USDC", f)), ("1", "2"), "atomic batch, all ok: balances")

    w0 = world([e, f])
    cmds = [{"op": "mint", "asset": "USDC", "to": e, "amount": "10"},
            {"op": "transfer", "asset": "USDC", "from": e, "to": f, "amount": "1000"},
            {"op": "mint", "asset": "USDC", "to": f, "amount": "5"}]
    st, doc = X.alice.command({"commands": cmds, "atomic": True})
    res = doc.get("results", [])
    codes = [r.get("error", {}).get("code") for r in res]
    t.ok(st == 200 and doc.get("ok") is True and codes ==
         ["ERR_BATCH_ABORTED", "ERR_INSUFFICIENT_BALANCE", "ERR_BATCH_ABORTED"] and
         all(not r.get("ok") and isinstance(r.get("seq"), int) for r in res),
         "atomic batch with one failure: none applied, the others ERR_BATCH_ABORTED", doc)
    t.ok(all("events" not in r or r["events"] == [] for r in res), "atomic abort: no events", res)
    t.eq(world([e, f]), w0, "atomic abort: balances and supply unchanged")
    h = history("limit=3")[::-1]
    t.ok([x["result"] for x in h] == codes and [x["seq"] for x in h] == [r.get("seq") for r in res],
         "atomic abort: all three journaled as attempts", h)
    st, ev = X.carol.get("/api/events/recent?limit=1")
    t.ok(st == 200 and not (ev["events"] and ev["events"][0]["data"].get("amount") == "1000"),
         "atomic abort: no event recorded", ev)

    st, doc = X.bob.command({"commands": [
        {"op": "mint", "asset": "USDW", "to": c, "amount": "1"},
        {"op": "mint", "asset": "AAXJF", "to": c, "amount": "1"}]})
    res = doc.get("results", [])
    t.ok(st == 200 and len(res) == 2 and res[0].get("ok") is True and
         res[1].get("error", {}).get("code") == "ERR_UNAUTHORIZED",
         "bob's batch: minter@USDW mints USDW, AAXJF is ERR_UNAUTHORIZED", doc)
    t.eq(to_units(assets()["USDC"]["supply"], 6) - sup0, to_units("13", 6) - to_units("1", 6),
         "batches: USDC supply moved by exactly the applied mints and burns")


def test_authorisation():
    a = A(11)
    rejected(X.bob, {"op": "mint", "asset": "AAXJF", "to": a, "amount": "1"}, "ERR_UNAUTHORIZED", 403,
             "bob mints AAXJF (minter@USDW only)")
    rejected(X.carol, {"op": "mint", "asset": "USDW", "to": a, "amount": "1"}, "ERR_UNAUTHORIZED", 403,
             "carol (viewer) mints USDW")
    accepted(X.bob, {"op": "mint", "asset": "USDW", "to": a, "amount": "2"}, "bob mints USDW (minter@USDW)")
    rejected(X.bob, {"op": "burn", "asset": "USDW", "from": a, "amount": "1"}, "ERR_UNAUTHORIZED", 403,
             "bob burns USDW (not a burner)")
    rejected(X.bob, {"op": "transfer", "asset": "USDW", "from": a, "to": A(12), "amount": "1"},
             "ERR_UNAUTHORIZED", 403, "bob transfers USDW (not a transfer agent)")
    rejected(X.carol, {"op": "pause"}, "ERR_UNAUTHORIZED", 403, "carol pauses")
    rejected(X.bob, {"op": "dev.advance", "duration": "1d"}, "ERR_UNAUTHORIZED", 403,
             "bob advances the clock (not admin)")
    # Authorisation comes first: carol is refused even where the pause would refuse too.
    rejected(X.carol, {"op": "burn", "asset": "USDW", "from": A(12), "amount": "1"}, "ERR_UNAUTHORIZED",
             403, "carol burns from an empty address: ERR_UNAUTHORIZED before the balance")


def test_pause():
    a, b = A(13), A(14)
    accepted(X.alice, {"op": "mint", "asset": "USDW", "to": a, "amount": "100"}, "pause setup: mint USDW")
    accepted(X.alice, {"op": "mint", "asset": "USDC", "to": a, "amount": "100"}, "pause setup: mint USDC")
    doc = accepted(X.alice, {"op": "pause", "asset": "USDW"}, "pause USDW")
    evs = doc.get("events") or [{}]
    event_ok(evs[0], "Paused", "USDW", {"scope": "asset", "already": False}, "pause USDW")
    t.ok("note" not in doc, "first pause: no note", doc)
    ast = assets()
    t.ok(ast["USDW"]["paused"] is True and ast["USDC"]["paused"] is False, "status: USDW paused, USDC not", ast)
    st, cs = X.carol.get("/api/contracts/status")
    t.ok(cs["assets"]["USDW"]["paused"] is True and cs["paused"] is False,
         "/api/contracts/status shows the asset pause", cs)
    rejected(X.alice, {"op": "mint", "asset": "USDW", "to": a, "amount": "1"}, "ERR_PAUSED", 409, "mint paused USDW")
    rejected(X.alice, {"op": "burn", "asset": "USDW", "from": a, "amount": "1"}, "ERR_PAUSED", 409, "burn paused USDW")
    rejected(X.alice, {"op": "transfer", "asset": "USDW", "from": a, "to": b, "amount": "1"}, "ERR_PAUSED",
             409, "transfer paused USDW")
    rejected(X.alice, {"op": "transfer", "asset": "USDW", "from": b, "to": a, "amount": "1000"}, "ERR_PAUSED",
             409, "paused comes before insufficient balance")
    accepted(X.alice, {"op": "transfer", "asset": "USDC", "from": a, "to": b, "amount": "1"},
             "USDC still moves while USDW is paused")
    doc = accepted(X.alice, {"op": "pause", "asset": "USDW"}, "pause USDW again")
    t.eq(doc.get("note"), "already paused", "pause twice: note 'already paused'")
    evs = doc.get("events") or [{}]
    event_ok(evs[0], "Paused", "USDW", {"scope": "asset", "already": True}, "pause twice")
    doc = accepted(X.bob, {"op": "unpause", "asset": "USDW"}, "bob (pauser) unpauses USDW")
    evs = doc.get("events") or [{}]
    event_ok(evs[0], "Unpaused", "USDW", {"scope": "asset", "already": False}, "unpause USDW")
    doc = accepted(X.bob, {"op": "unpause", "asset": "USDW"}, "unpause USDW again")
    t.ok(isinstance(doc.get("note"), str) and doc.get("note"), "unpause twice: a note says so", doc)
    accepted(X.alice, {"op": "mint", "asset": "USDW", "to": a, "amount": "1"}, "mint USDW after unpause")

    doc = accepted(X.bob, {"op": "pause"}, "global pause by bob")
    evs = doc.get("events") or [{}]
    event_ok(evs[0], "Paused", None, {"scope": "global", "already": False}, "global pause")
    s = X.node.status()
    t.ok(s["node"]["paused"] is True and all(x["paused"] for x in s["assets"]),
         "global pause: node.paused and every asset paused", s)
    for sym in ("USDC", "AAXJF", "USDW"):
        rejected(X.alice, {"op": "mint", "asset": sym, "to": a, "amount": "1"}, "ERR_PAUSED", 409,
                 "global pause: mint %s" % sym)
    rejected(X.alice, {"op": "transfer", "asset": "USDC", "from": a, "to": b, "amount": "1"}, "ERR_PAUSED",
             409, "global pause: transfer USDC")
    rejected(X.alice, {"op": "burn", "asset": "USDC", "from": a, "amount": "1"}, "ERR_PAUSED", 409,
             "global pause: burn USDC")
    doc = accepted(X.alice, {"op": "pause"}, "global pause twice")
    t.eq(doc.get("note"), "already paused", "global pause twice: note 'already paused'")
    accepted(X.alice, {"op": "unpause", "asset": "USDC"}, "unpause USDC under a global pause")
    rejected(X.alice, {"op": "mint", "asset": "USDC", "to": a, "amount": "1"}, "ERR_PAUSED", 409,
             "an asset unpause does not lift the global pause")
    doc = accepted(X.bob, {"op": "unpause"}, "global unpause")
    evs = doc.get("events") or [{}]
    event_ok(evs[0], "Unpaused", None, {"scope": "global", "already": False}, "global unpause")
    t.eq(X.node.status()["node"]["paused"], False, "global unpause: node.paused false")
    accepted(X.alice, {"op": "mint", "asset": "USDC", "to": a, "amount": "1"}, "mint after global unpause")


def test_balance_and_limits():
    a, b = A(15), A(16)
    rejected(X.alice, {"op": "burn", "asset": "USDC", "from": a, "amount": "1"}, "ERR_INSUFFICIENT_BALANCE",
             409, "burn from an empty address")
    accepted(X.alice, {"op": "mint", "asset": "USDC", "to": a, "amount": "10"}, "limits setup: mint USDC 10")
    rejected(X.alice, {"op": "burn", "asset": "USDC", "from": a, "amount": "10.000001"},
             "ERR_INSUFFICIENT_BALANCE", 409, "burn one unit more than the balance")
    rejected(X.alice, {"op": "transfer", "asset": "USDC", "from": a, "to": b, "amount": "10.000001"},
             "ERR_INSUFFICIENT_BALANCE", 409, "transfer one unit more than the balance")
    accepted(X.alice, {"op": "transfer", "asset": "USDC", "from": a, "to": b, "amount": "10"},
             "transfer exactly the balance")
    t.eq(balance("USDC", a), "0", "an emptied address reads 0")

    rejected(X.alice, {"op": "mint", "asset": "USDW", "to": a, "amount": "1000000001"}, "ERR_SUPPLY_CAP", 409,
             "mint over the USDW cap (and the daily limits): the cap is checked first")

    # A new day: the manual clock moves only by dev advance.
    t0 = X.node.status()["node"]["time"]
    doc = accepted(X.alice, {"op": "dev.advance", "duration": "1d"}, "dev advance 1d")
    evs = doc.get("events") or [{}]
    event_ok(evs[0], "ClockAdvanced", None, {"duration": "1d"}, "dev advance")
    t1 = X.node.status()["node"]["time"]
    t.eq(_ms(t1) - _ms(t0), 86400000, "dev advance 1d: node.time moves exactly one day")
    w = assets()["USDW"]
    t.ok(w["daily_mint"]["used"] == "0" and w["daily_net_inflow"]["used"] == "0" and
         w["daily_mint"]["remaining"] == "5000000" and w["daily_net_inflow"]["remaining"] == "4000000",
         "day rollover: USDW daily counters read 0", w)
    sup = to_units(w["supply"], 6)
    accepted(X.alice, {"op": "mint", "asset": "USDW", "to": a, "amount": "4000000"}, "mint 4000000 USDW")
    w = assets()["USDW"]
    t.ok(w["daily_net_inflow"]["used"] == "4000000" and w["daily_net_inflow"]["remaining"] == "0" and
         w["daily_net_inflow"]["usage"] == 1.0 and w["daily_mint"]["used"] == "4000000" and
         abs(w["daily_mint"]["usage"] - 0.8) < 1e-9, "status: inflow 4000000/4000000, mint 80%", w)
    rejected(X.alice, {"op": "mint", "asset": "USDW", "to": a, "amount": "0.000001"},
             "ERR_DAILY_INFLOW_LIMIT", 409, "one unit over the daily net inflow limit")
    rejected(X.bob, {"op": "mint", "asset": "USDW", "to": a, "amount": "1"}, "ERR_DAILY_INFLOW_LIMIT", 409,
             "bob is held to the same inflow limit")
    accepted(X.alice, {"op": "burn", "asset": "USDW", "from": a, "amount": "1000000"}, "burn 1000000 USDW")
    w = assets()["USDW"]
    t.ok(w["daily_net_inflow"]["used"] == "3000000" and w["daily_mint"]["used"] == "4000000",
         "burn frees inflow room (net 3000000), not mint room (4000000)", w)
    accepted(X.alice, {"op": "mint", "asset": "USDW", "to": a, "amount": "1000000"},
             "mint up to both limits exactly (5000000 minted, 4000000 net)")
    rejected(X.alice, {"op": "mint", "asset": "USDW", "to": a, "amount": "0.000001"},
             "ERR_DAILY_MINT_LIMIT", 409, "over both daily limits: the mint limit is checked first")
    accepted(X.alice, {"op": "burn", "asset": "USDW", "from": a, "amount": "2000000"}, "burn 2000000 USDW")
    rejected(X.alice, {"op": "mint", "asset": "USDW", "to": a, "amount": "1"}, "ERR_DAILY_MINT_LIMIT", 409,
             "burns do not free daily mint room")
    t.eq(to_units(assets()["USDW"]["supply"], 6) - sup, to_units("2000000", 6),
         "limits: USDW supply moved by exactly the applied mints and burns")
    accepted(X.alice, {"op": "dev.advance", "duration": "12h"}, "dev advance 12h")
    accepted(X.alice, {"op": "dev.advance", "duration": "720m"}, "dev advance 720m")
    w = assets()["USDW"]
    t.ok(w["daily_mint"]["used"] == "0" and w["daily_net_inflow"]["used"] == "0",
         "a day later (12h + 720m): counters reset", w)
    accepted(X.alice, {"op": "mint", "asset": "USDW", "to": b, "amount": "4000000"},
             "after rollover: 4000000 USDW mints again")
    rejected(X.alice, {"op": "mint", "asset": "USDW", "to": b, "amount": "0.000001"},
             "ERR_DAILY_INFLOW_LIMIT", 409, "after rollover: the inflow limit holds again")
    # Leave room for later tests.
    accepted(X.alice, {"op": "dev.advance", "duration": "1d"}, "dev advance to a fresh day")


def _ms(iso):
    import calendar
    base = calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S"))
    return base * 1000 + int(iso[20:23])


def test_supply_cap_exact():
    z = A(17)
    f = assets()["AAXJF"]
    cap = to_units("10000000", 18)
    room = cap - to_units(f["supply"], 18)
    used_today = to_units(f["daily_net_inflow"]["used"], 18)
    cmds, left, day_room = [], room, to_units("800000", 18) - used_today
    while left > 0:
        chunk = min(left, day_room)
        if chunk > 0:
            cmds.append({"op": "mint", "asset": "AAXJF", "to": z, "amount": fmt_units(chunk, 18)})
            left -= chunk
        if left > 0:
            cmds.append({"op": "dev.advance", "duration": "1d"})
            day_room = to_units("800000", 18)
    st, doc = X.alice.command({"commands": cmds, "atomic": True})
    t.ok(st == 200 and all(r.get("ok") for r in doc.get("results", [])) and len(doc.get("results", [])) == len(cmds),
         "AAXJF filled to its cap over %d days in one atomic batch" % (len(cmds) // 2 + 1), _cut(doc))
    f = assets()["AAXJF"]
    t.ok(f["supply"] == "10000000" and f["supply_cap_usage"] == 1.0, "AAXJF supply = cap, usage 1.0", f)
    rejected(X.alice, {"op": "mint", "asset": "AAXJF", "to": z, "amount": "0.000000000000000001"},
             "ERR_SUPPLY_CAP", 409, "one base unit over the cap")
    accepted(X.alice, {"op": "burn", "asset": "AAXJF", "from": z, "amount": "1"}, "burn 1 AAXJF at the cap")
    accepted(X.alice, {"op": "mint", "asset": "AAXJF", "to": z, "amount": "1"}, "mint back up to the cap")
    rejected(X.alice, {"op": "mint", "asset": "AAXJF", "to": z, "amount": "0.000000000000000001"},
             "ERR_SUPPLY_CAP", 409, "the cap holds again")


def test_overflow():
    """On a fresh ledger (this leaves USDC unable to mint again)."""
    n = Node(clock_manual=True).start()
    try:
        c = n.client("alice")
        z, y = A(18), A(24)
        st, doc = c.command({"op": "mint", "asset": "USDC", "to": z, "amount": fmt_units(MAX_U128, 6)})
        t.ok(st == 200 and doc.get("ok") is True, "mint USDC (no cap) of 2^128-1 base units at once", doc)
        st, a = c.get("/api/assets/USDC")
        t.eq(a.get("supply"), fmt_units(MAX_U128, 6), "USDC supply is 2^128-1 base units, exactly")
        st, doc = c.command({"op": "mint", "asset": "USDC", "to": y, "amount": "0.000001"})
        seen(doc.get("error", {}).get("code"), st)
        t.ok(st == 409 and doc.get("error", {}).get("code") == "ERR_OVERFLOW",
             "one more base unit: 409 ERR_OVERFLOW", doc)
        st, doc = c.command({"op": "transfer", "asset": "USDC", "from": z, "to": y, "amount": fmt_units(MAX_U128, 6)})
        t.ok(st == 200, "transfer of all 2^128-1 units", doc)
        st, doc = c.command({"op": "burn", "asset": "USDC", "from": y, "amount": "1"})
        t.ok(st == 200, "burn 1 USDC from it", doc)
        st, doc = c.command({"op": "mint", "asset": "USDC", "to": y, "amount": "1"})
        seen(doc.get("error", {}).get("code"), st)
        t.ok(st == 409 and doc.get("error", {}).get("code") == "ERR_OVERFLOW",
             "the lifetime minted total is spent: minting again is ERR_OVERFLOW, not a wrap", doc)
        st, a = c.get("/api/assets/USDC")
        t.ok(a.get("supply") == fmt_units(MAX_U128 - 10 ** 6, 6) and a.get("holders") == 1,
             "USDC supply and holders after the refusals", a)
        for _ in range(2):
            st, doc = c.command({"op": "dev.advance", "duration": "36600d"})
            t.ok(st == 200, "dev advance 36600d (a century)", doc)
        st, doc = c.command({"op": "dev.advance", "duration": "36600d"})
        seen(doc.get("error", {}).get("code"), st)
        t.ok(st == 400 and doc.get("error", {}).get("code") == "ERR_INVALID_DURATION",
             "a third century passes the year 2262 (int64 ns): ERR_INVALID_DURATION, not a wrap", doc)
        st, s2 = c.get("/api/system/status")
        t.ok(st == 200 and s2["node"]["time"][:2] == "22", "the ledger clock reads the 23rd century", s2.get("node"))
        r = n.cli("audit", "verify", "--data", n.data)
        t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify of the overflow ledger", r)
        t.eq(n.stop(), 0, "overflow node stops cleanly")
        t.ok(n.sanitizer() is None, "overflow node: no sanitizer report", n.sanitizer())
    finally:
        n.cleanup()


def test_durations():
    h0 = X.node.status()["node"]["time"]
    doc = accepted(X.alice, {"op": "dev.advance", "duration": "90s"}, "dev advance 90s")
    evs = doc.get("events") or [{}]
    event_ok(evs[0], "ClockAdvanced", None, {"duration": "90s"}, "dev advance 90s")
    t.eq(_ms(X.node.status()["node"]["time"]) - _ms(h0), 90000, "dev advance 90s moves the clock 90 s")
    s0, hist0 = node_state(), history()
    for bad in ("1x", "1", "d", "-1d", "1.5h", "1d2h", "", "99999999999999999999d"):
        refused(lambda: X.alice.command({"op": "dev.advance", "duration": bad}), "dev advance %r" % bad, 400,
                "ERR_INVALID_DURATION")
    refused(lambda: X.alice.command({"op": "dev.advance", "duration": 60}), "dev advance with a number", 400,
            ("ERR_INVALID_DURATION", "ERR_INVALID_ARGUMENT"))
    t.eq((node_state(), history()), (s0, hist0), "malformed durations: nothing changed or journaled")
    t1 = X.node.status()["node"]["time"]
    st, doc = X.alice.command({"op": "dev.advance", "duration": "0s"})
    seen(doc.get("error", {}).get("code"), st)
    t.ok(st == 400 and doc.get("error", {}).get("code") == "ERR_INVALID_DURATION",
         "dev advance 0s: 400 ERR_INVALID_DURATION", doc)
    t.eq(X.node.status()["node"]["time"], t1, "dev advance 0s: clock unchanged")


def test_signatures():
    n = X.node
    a = A(19)
    path = "/api/commands"
    body = body_of({"op": "mint", "asset": "USDC", "to": a, "amount": "1"})
    # A replayed request: the original is applied; the identical copy is not
    # run again but answered from the journal (issue 15: retries are safe).
    hdr = X.alice.headers("POST", path, body)
    st, doc = X.alice.raw("POST", path, body, hdr)
    t.ok(st == 200 and doc.get("ok"), "original request: 200", doc)
    X.replay = (body, dict(hdr), doc)
    m0 = n.metrics()
    s0, h0, w0 = node_state(), history(), world([a])
    fails = {"missing": 0, "unknown_operator": 0, "time": 0, "signature": 0, "nonce": 0}

    def expect(name, st_doc, code, reason):
        st, doc = st_doc
        got = doc.get("error", {}).get("code") if isinstance(doc, dict) else None
        seen(got, st)
        t.ok(st == 401 and got == code, "%s: 401 %s" % (name, code), (st, doc))
        fails[reason] += 1

    st, again = X.alice.raw("POST", path, body, dict(hdr))
    t.ok(st == 200 and again == doc, "the identical request again: the original answer, from the journal",
         (st, again))
    expect("same nonce, new body and signature",
           X.alice.command({"op": "mint", "asset": "USDC", "to": a, "amount": "2"},
                           nonce=hdr["Mintline-Nonce"]), "ERR_AUTH_NONCE", "nonce")
    st, doc = X.bob.command({"op": "pause", "asset": "USDC", "dry_run": True}, nonce=hdr["Mintline-Nonce"])
    t.ok(st == 200, "a nonce is per operator: bob may use alice's nonce", (st, doc))
    expect("wrong key (alice signed with bob's key)",
           X.alice.command({"op": "mint", "asset": "USDC", "to": a, "amount": "1"}, key=n.key("bob")),
           "ERR_AUTH_SIGNATURE", "signature")
    expect("wrong key on a read", X.alice.get("/api/assets", key=n.key("carol")), "ERR_AUTH_SIGNATURE",
           "signature")
    expect("unknown operator", X.alice.command({"op": "mint", "asset": "USDC", "to": a, "amount": "1"},
                                               operator="mallory"), "ERR_AUTH_OPERATOR", "unknown_operator")
    now = int(time.time() * 1000)
    expect("time 6 minutes old", X.alice.command({"op": "mint", "asset": "USDC", "to": a, "amount": "1"},
                                                 time_ms=now - 6 * 60 * 1000), "ERR_AUTH_TIME", "time")
    expect("time 6 minutes ahead", X.alice.command({"op": "mint", "asset": "USDC", "to": a, "amount": "1"},
                                                   time_ms=now + 6 * 60 * 1000), "ERR_AUTH_TIME", "time")
    for h in ("Mintline-Operator", "Mintline-Time", "Mintline-Nonce", "Mintline-Signature"):
        hh = X.alice.headers("POST", path, body)
        del hh[h]
        expect("missing %s" % h, X.alice.raw("POST", path, body, hh), "ERR_AUTH_MISSING", "missing")
    hh = X.alice.headers("POST", path, body, time_ms="12ab")
    expect("malformed Mintline-Time", X.alice.raw("POST", path, body, hh), "ERR_AUTH_MISSING", "missing")
    for bad_nonce in ("has space", "n" * 65, "nonce/slash"):
        hh = X.alice.headers("POST", path, body, nonce=bad_nonce)
        expect("malformed nonce %r" % bad_nonce[:12], X.alice.raw("POST", path, body, hh),
               "ERR_AUTH_MISSING", "missing")
    hh = X.alice.headers("POST", path, body)
    hh["Mintline-Signature"] = "!!!not*base64!!!"
    st, doc = X.alice.raw("POST", path, body, hh)
    code = doc.get("error", {}).get("code") if isinstance(doc, dict) else None
    t.ok(st == 401 and code in ("ERR_AUTH_SIGNATURE", "ERR_AUTH_MISSING"),
         "malformed base64 signature: 401 (ERR_AUTH_SIGNATURE or ERR_AUTH_MISSING)", (st, doc))
    fails["signature" if code == "ERR_AUTH_SIGNATURE" else "missing"] += 1
    hh = X.alice.headers("POST", path, body)
    hh["Mintline-Signature"] = hh["Mintline-Signature"][:40]
    expect("truncated signature", X.alice.raw("POST", path, body, hh), "ERR_AUTH_SIGNATURE", "signature")
    hh = X.alice.headers("POST", path, body)
    altered = body.replace(b'"1"', b'"1000"')
    expect("body altered after signing", X.alice.raw("POST", path, altered, hh), "ERR_AUTH_SIGNATURE",
           "signature")
    hh = X.alice.headers("GET", "/api/history?limit=5", b"")
    expect("query altered after signing", X.alice.raw("GET", "/api/history?limit=6", b"", hh),
           "ERR_AUTH_SIGNATURE", "signature")
    hh = X.alice.headers("GET", "/api/assets/USDW", b"")
    expect("path altered after signing", X.alice.raw("GET", "/api/assets/USDC", b"", hh),
           "ERR_AUTH_SIGNATURE", "signature")
    hh = X.alice.headers("POST", path + "?x=1", body)
    expect("command signed for another path", X.alice.raw("POST", path, body, hh), "ERR_AUTH_SIGNATURE",
           "signature")
    hh = X.alice.headers("POST", path, body)
    expect("query added after signing", X.alice.raw("POST", path + "?x=1", body, hh), "ERR_AUTH_SIGNATURE",
           "signature")
    hh = X.alice.headers("GET", path, body)
    expect("method altered after signing (signed GET, sent POST)", X.alice.raw("POST", path, body, hh),
           "ERR_AUTH_SIGNATURE", "signature")

    t.eq(node_state(), s0, "signature refusals: height and state hash unchanged")
    t.eq(history(), h0, "signature refusals: nothing journaled")
    t.eq(world([a]), w0, "signature refusals: balances unchanged")
    m1 = n.metrics()
    for reason, want in sorted(fails.items()):
        got = metric(m1, "mintline_signature_failures_total", reason=reason) - \
            metric(m0, "mintline_signature_failures_total", reason=reason)
        t.eq(int(got), want, "metrics: mintline_signature_failures_total{reason=\"%s\"} +%d" % (reason, want))


def test_malformed():
    a = A(20)
    accepted(X.alice, {"op": "mint", "asset": "USDW", "to": a, "amount": "5"}, "malformed setup: mint")
    s0, h0, w0 = node_state(), history(), world([a])
    m0 = X.node.metrics()

    def send(doc_or_bytes):
        body = doc_or_bytes if isinstance(doc_or_bytes, bytes) else body_of(doc_or_bytes)
        return lambda: post_raw(X.alice, body)

    mint = {"op": "mint", "asset": "USDW", "to": a, "amount": "1"}

    def m(**kw):
        d = dict(mint)
        for k, v in kw.items():
            if v is _DEL:
                d.pop(k)
            else:
                d[k] = v
        return d

    cases = [
        ("invalid JSON", b'{"op": "mint",', 400, "ERR_INVALID_JSON"),
        ("empty body", b"", 400, "ERR_INVALID_JSON"),
        ("trailing garbage", body_of(mint) + b" x", 400, "ERR_INVALID_JSON"),
        ("duplicate key", b'{"op":"mint","op":"burn","asset":"USDW","to":"%s","amount":"1"}' % a.encode(),
         400, "ERR_INVALID_JSON"),
        ("not an object: list", b"[1, 2]", 400, ("ERR_INVALID_JSON", "ERR_INVALID_ARGUMENT")),
        ("not an object: string", b'"mint"', 400, ("ERR_INVALID_JSON", "ERR_INVALID_ARGUMENT")),
        ("not an object: null", b"null", 400, ("ERR_INVALID_JSON", "ERR_INVALID_ARGUMENT")),
        ("unknown op", m(op="steal"), 400, "ERR_UNKNOWN_OP"),
        ("op not a string", m(op=7), 400, ("ERR_UNKNOWN_OP", "ERR_INVALID_ARGUMENT")),
        ("missing op", m(op=_DEL), 400, "ERR_MISSING_FIELD"),
        ("missing amount", m(amount=_DEL), 400, "ERR_MISSING_FIELD"),
        ("missing to", m(to=_DEL), 400, "ERR_MISSING_FIELD"),
        ("missing asset", m(asset=_DEL), 400, "ERR_MISSING_FIELD"),
        ("transfer without from", {"op": "transfer", "asset": "USDW", "to": a, "amount": "1"}, 400,
         "ERR_MISSING_FIELD"),
        ("extra field", m(memo="hi"), 400, "ERR_UNKNOWN_FIELD"),
        ("field of another op (from on mint)", m(**{"from": a}), 400, "ERR_UNKNOWN_FIELD"),
        ("atomic on a single command", m(atomic=True), 400, ("ERR_UNKNOWN_FIELD", "ERR_INVALID_ARGUMENT")),
        ("amount as a number", m(amount=1), 400, "ERR_INVALID_AMOUNT"),
        ("amount as a float", m(amount=1.5), 400, "ERR_INVALID_AMOUNT"),
        ("amount null", m(amount=None), 400, "ERR_INVALID_AMOUNT"),
        ("amount empty", m(amount=""), 400, "ERR_INVALID_AMOUNT"),
        ("amount zero", m(amount="0"), 400, "ERR_INVALID_AMOUNT"),
        ("amount 0.000000", m(amount="0.000000"), 400, "ERR_INVALID_AMOUNT"),
        ("amount negative", m(amount="-5"), 400, "ERR_INVALID_AMOUNT"),
        ("amount with plus sign", m(amount="+5"), 400, "ERR_INVALID_AMOUNT"),
        ("amount exponent 1e3", m(amount="1e3"), 400, "ERR_INVALID_AMOUNT"),
        ("amount exponent 1E3", m(amount="1E3"), 400, "ERR_INVALID_AMOUNT"),
        ("amount 7 decimals on a 6-decimal asset", m(amount="1.0000001"), 400, "ERR_INVALID_AMOUNT"),
        ("amount 7 decimals, trailing zero", m(amount="1.0000000"), 400, "ERR_INVALID_AMOUNT"),
        ("amount 19 decimals on AAXJF", m(asset="AAXJF", amount="1.0000000000000000001"), 400,
         "ERR_INVALID_AMOUNT"),
        ("amount over 2^128 base units", m(amount=fmt_units(MAX_U128 + 1, 6)), 400, "ERR_INVALID_AMOUNT"),
        ("amount of 45 digits", m(amount="9" * 45), 400, "ERR_INVALID_AMOUNT"),
        ("amount 01 (leading zero)", m(amount="01"), 400, "ERR_INVALID_AMOUNT"),
        ("amount 00.5 (leading zero)", m(amount="00.5"), 400, "ERR_INVALID_AMOUNT"),
        ("amount 007.500 (leading and trailing zeros)", m(amount="007.500"), 400, "ERR_INVALID_AMOUNT"),
        ("amount 12.50 (trailing fraction zero)", m(amount="12.50"), 400, "ERR_INVALID_AMOUNT"),
        ("amount 1.0 (trailing fraction zero)", m(amount="1.0"), 400, "ERR_INVALID_AMOUNT"),
        ("amount .5", m(amount=".5"), 400, "ERR_INVALID_AMOUNT"),
        ("amount 5.", m(amount="5."), 400, "ERR_INVALID_AMOUNT"),
        ("amount with spaces", m(amount=" 5"), 400, "ERR_INVALID_AMOUNT"),
        ("amount 1,000", m(amount="1,000"), 400, "ERR_INVALID_AMOUNT"),
        ("amount hex", m(amount="0x10"), 400, "ERR_INVALID_AMOUNT"),
        ("amount NaN", m(amount="NaN"), 400, "ERR_INVALID_AMOUNT"),
        ("amount 1.2.3", m(amount="1.2.3"), 400, "ERR_INVALID_AMOUNT"),
        ("amount in full-width digits", m(amount="\uff11"), 400, "ERR_INVALID_AMOUNT"),
        ("address too short", m(to="0x1234"), 400, "ERR_INVALID_ADDRESS"),
        ("address not hex", m(to="0x" + "g" * 40), 400, "ERR_INVALID_ADDRESS"),
        ("address without 0x", m(to="00" + a[2:]), 400, "ERR_INVALID_ADDRESS"),
        ("address 41 hex digits", m(to=a + "0"), 400, "ERR_INVALID_ADDRESS"),
        ("address empty", m(to=""), 400, "ERR_INVALID_ADDRESS"),
        ("address as a number", m(to=12), 400, ("ERR_INVALID_ADDRESS", "ERR_INVALID_ARGUMENT")),
        ("unknown asset", m(asset="NOPE"), 404, "ERR_UNKNOWN_ASSET"),
        ("asset in lower case", m(asset="usdw"), 404, "ERR_UNKNOWN_ASSET"),
        ("asset as a number", m(asset=1), 400, ("ERR_INVALID_ARGUMENT", "ERR_UNKNOWN_ASSET")),
        ("dry_run a string", m(dry_run="yes"), 400, "ERR_INVALID_ARGUMENT"),
        ("dry_run a number", m(dry_run=1), 400, "ERR_INVALID_ARGUMENT"),
        ("pause with an amount", {"op": "pause", "amount": "1"}, 400, "ERR_UNKNOWN_FIELD"),
        ("empty batch", {"commands": []}, 400, "ERR_INVALID_ARGUMENT"),
        ("commands not a list", {"commands": {"op": "mint"}}, 400, "ERR_INVALID_ARGUMENT"),
        ("batch element not an object", {"commands": [1]}, 400, ("ERR_INVALID_JSON", "ERR_INVALID_ARGUMENT")),
        ("batch with an unknown key", {"commands": [mint], "memo": 1}, 400, "ERR_UNKNOWN_FIELD"),
        ("batch with atomic a string", {"commands": [mint], "atomic": "true"}, 400, "ERR_INVALID_ARGUMENT"),
        ("batch with an op beside commands", dict(mint, commands=[mint]), 400, "ERR_UNKNOWN_FIELD"),
        ("deeply nested JSON", b'{"op":"mint","amount":' + b"[" * 5000 + b"]" * 5000 + b"}", 400,
         ("ERR_INVALID_JSON", "ERR_INVALID_AMOUNT", "ERR_MISSING_FIELD")),
    ]
    for name, doc, status, codes in cases:
        refused(send(doc), name, status, codes)

    bad = [dict(mint), dict(mint), dict(mint), m(amount="1.0000001"), dict(mint)]
    st, doc = X.alice.command({"commands": bad})
    msg = doc.get("error", {}).get("message", "") if isinstance(doc, dict) else ""
    t.ok(st == 400 and doc.get("error", {}).get("code") == "ERR_INVALID_AMOUNT" and "commands[3].amount" in msg,
         "batch with one malformed command: 400 for the whole batch, message names commands[3].amount", doc)
    st, doc = X.alice.command({"commands": [dict(mint), m(asset="NOPE")]})
    t.ok(st == 404 and doc.get("error", {}).get("code") == "ERR_UNKNOWN_ASSET" and
         "commands[1]" in doc.get("error", {}).get("message", ""),
         "batch with an unknown asset: 404 names commands[1]", doc)

    # Sizes: a single command is 1 MiB at most, a batch 16 MiB.
    one = body_of(dict(mint, dry_run=True))
    exact = one[:-1] + b" " * ((1 << 20) - len(one)) + b"}"
    st, doc = post_raw(X.alice, exact)
    t.ok(len(exact) == 1 << 20 and st == 200 and doc.get("dry_run") is True,
         "single command of exactly 1 MiB (padded, dry run): accepted", (st, _cut(doc)))
    over = one[:-1] + b" " * ((1 << 20) + 1 - len(one)) + b"}"
    refused(lambda: post_raw(X.alice, over), "single command of 1 MiB + 1 byte", 400, "ERR_BODY_TOO_LARGE")
    big = body_of({"dry_run": True, "commands": [dict(mint)] * 2})
    big = big[:-1] + b" " * ((16 << 20) - len(big)) + b"}"
    st, doc = post_raw(X.alice, big)
    t.ok(st == 200 and doc.get("dry_run") is True, "batch body of exactly 16 MiB (dry run): accepted",
         (st, _cut(doc)))
    huge = big[:-1] + b" " * 1024 + b"}"
    refused(lambda: post_raw(X.alice, huge), "body over 16 MiB", 400, "ERR_BODY_TOO_LARGE")
    st, doc = X.node.http("GET", "/healthz")
    t.ok(st == 200 and doc == {"ok": True}, "after a 16 MiB+ body: /healthz still ok", (st, doc))
    st, doc = X.node.http("GET", "/readyz")
    t.ok(st == 200, "after a 16 MiB+ body: /readyz still ok", (st, doc))
    endless = big[:-1] + b" " * (65 << 20) + b"}"
    try:
        st, doc = post_raw(X.alice, endless)
        closed = st == 400 and doc.get("error", {}).get("code") == "ERR_BODY_TOO_LARGE"
    except Exception:  # noqa: BLE001 - the node closes the connection: expected
        closed = True
    t.ok(closed, "a body past 64 MiB: the connection is closed (or answered 400)")
    st, doc = X.node.http("GET", "/healthz")
    t.ok(st == 200, "after a 64 MiB+ body: /healthz still ok", (st, doc))
    small = {"op": "mint", "asset": "USDC", "to": a, "amount": "1"}
    st, doc = X.alice.command({"dry_run": True, "commands": [small] * 16384})
    res = doc.get("results", []) if isinstance(doc, dict) else []
    t.ok(st == 200 and len(res) == 16384 and all(r["ok"] for r in res),
         "batch of exactly 16384 commands (dry run): accepted",
         (st, len(res), [(i, r) for i, r in enumerate(res) if not r.get("ok")][:3]))
    refused(lambda: X.alice.command({"commands": [small] * 16385}), "batch of 16385 commands", 400,
            "ERR_BATCH_TOO_LARGE")
    t.eq(node_state(), s0, "malformed bodies: height and state hash unchanged")
    t.eq(history(), h0, "malformed bodies: nothing journaled")
    t.eq(world([a]), w0, "malformed bodies: balances and supplies unchanged")
    m1 = X.node.metrics()
    refusals = sum(v for (k, _), v in m1.items() if k == "mintline_requests_refused_total") - \
        sum(v for (k, _), v in m0.items() if k == "mintline_requests_refused_total")
    t.ok(refusals >= len(cases), "metrics: mintline_requests_refused_total counts the refusals",
         "%s refusals counted for %d cases" % (refusals, len(cases)))


_DEL = object()


def test_routes():
    refused(lambda: X.carol.get("/api/nope"), "GET /api/nope", 404, "ERR_NOT_FOUND")
    refused(lambda: X.carol.get("/api/assets/USDW/balances"), "GET /api/assets/USDW/balances", 404,
            "ERR_NOT_FOUND")
    refused(lambda: X.carol.get("/api/assets/USDW/holders/" + A(1)), "GET /api/assets/USDW/holders/ADDR",
            404, "ERR_NOT_FOUND")
    st, body = X.node.http("GET", "/nope")  # the console's (test_console.py): a 404 that echoes nothing
    t.ok(st == 404 and "nope" not in str(body), "GET /nope unsigned: 404 from the console", (st, body))
    st, body = X.node.http("GET", "/")
    t.ok(st == 200 and "<!doctype html>" in str(body).lower(), "GET / unsigned: the console", (st, _cut(body)))
    refused(lambda: X.alice.get("/api/commands"), "GET /api/commands", 405, "ERR_METHOD_NOT_ALLOWED")
    refused(lambda: X.alice.call("POST", "/api/assets", {"x": 1}), "POST /api/assets", 405,
            "ERR_METHOD_NOT_ALLOWED")
    refused(lambda: X.alice.call("DELETE", "/api/history"), "DELETE /api/history", 405, "ERR_METHOD_NOT_ALLOWED")
    refused(lambda: X.alice.call("PUT", "/api/commands", {"op": "pause"}), "PUT /api/commands", 405,
            "ERR_METHOD_NOT_ALLOWED")
    refused(lambda: X.node.http("POST", "/healthz", b"{}"), "POST /healthz", 405, "ERR_METHOD_NOT_ALLOWED")
    refused(lambda: X.node.http("DELETE", "/metrics"), "DELETE /metrics", 405, "ERR_METHOD_NOT_ALLOWED")


def test_reads():
    a, b = A(21), A(22)
    accepted(X.alice, {"op": "mint", "asset": "USDW", "to": a, "amount": "3.5"}, "reads setup: mint USDW")
    accepted(X.alice, {"op": "mint", "asset": "USDC", "to": a, "amount": "0.25"}, "reads setup: mint USDC")
    st, doc = X.carol.get("/api/assets/USDW/balances/" + a)
    t.ok(st == 200 and doc == {"asset": "USDW", "address": a, "balance": "3.5", "frozen": "0",
                               "asset_frozen": False, "partitions": {}},
         "/api/assets/USDW/balances/ADDR: {asset, address, balance, frozen, asset_frozen, partitions}", doc)
    st, doc = X.carol.get("/api/assets/USDC/balances/" + b)
    t.ok(st == 200 and doc.get("balance") == "0", "balance of an unknown holder is 0", doc)
    refused(lambda: X.carol.get("/api/assets/USDW/balances/0x12"), "balance of a bad address", 400,
            "ERR_INVALID_ADDRESS")
    refused(lambda: X.carol.get("/api/assets/NOPE/balances/" + a), "balance in an unknown asset", 404,
            "ERR_UNKNOWN_ASSET")
    st, doc = X.carol.get("/api/accounts/" + a)
    t.ok(st == 200 and sorted(doc) == ["address", "balances", "blacklisted", "frozen", "identity"] and
         doc["address"] == a and doc["blacklisted"] is False and doc["frozen"] is False and
         doc["balances"] == {"USDW": {"balance": "3.5", "frozen": "0", "asset_frozen": False, "partitions": {}},
                             "USDC": {"balance": "0.25", "frozen": "0", "asset_frozen": False,
                                      "partitions": {}}},
         "/api/accounts/ADDR: documented shape and every non-zero balance", doc)
    st, doc = X.carol.get("/api/accounts/" + b.upper().replace("0X", "0x"))
    t.ok(st == 200 and doc["address"] == b and doc["balances"] == {}, "an empty account: no balances", doc)
    refused(lambda: X.carol.get("/api/accounts/nope"), "account of a bad address", 400, "ERR_INVALID_ADDRESS")

    # Events.
    st, doc = X.carol.get("/api/events/recent")
    evs = doc.get("events", [])
    t.ok(st == 200 and len(evs) == 10 and all(evs[i]["seq"] == evs[i + 1]["seq"] + 1 for i in range(9)),
         "events: default limit 10, newest first", doc)
    newest = evs[0]["seq"]
    st, doc = X.carol.get("/api/events/recent?limit=3")
    t.ok(st == 200 and [e["seq"] for e in doc["events"]] == [newest, newest - 1, newest - 2], "events: limit=3", doc)
    st, doc = X.carol.get("/api/events/recent?limit=1000&type=Burn")
    t.ok(st == 200 and doc["events"] and all(e["type"] == "Burn" for e in doc["events"]), "events: type=Burn", doc)
    st, doc = X.carol.get("/api/events/recent?limit=50&asset=USDC")
    t.ok(st == 200 and doc["events"] and all(e["asset"] == "USDC" for e in doc["events"]), "events: asset=USDC",
         _cut(doc))
    st, doc = X.carol.get("/api/events/recent?limit=20&type=Mint&asset=USDW")
    t.ok(st == 200 and doc["events"] and all(e["asset"] == "USDW" and e["type"] == "Mint" for e in doc["events"]),
         "events: type and asset together", _cut(doc))
    st, doc = X.carol.get("/api/events/recent?after_seq=%d&limit=5" % (newest - 8))
    t.ok(st == 200 and [e["seq"] for e in doc["events"]] == list(range(newest - 7, newest - 2)),
         "events: after_seq gives the oldest first, seq > after_seq", doc)
    st, doc = X.carol.get("/api/events/recent?after_seq=%d" % newest)
    t.ok(st == 200 and doc["events"] == [], "events: after_seq = newest gives nothing", doc)
    # Paging the whole event log with after_seq: every seq once, in order.
    seen, after = [], 0
    while True:
        st, doc = X.carol.get("/api/events/recent?limit=1000&after_seq=%d" % after)
        if st != 200 or not doc["events"]:
            break
        seen += [e["seq"] for e in doc["events"]]
        after = doc["events"][-1]["seq"]
    t.ok(seen == list(range(1, newest + 1)), "events: paging with after_seq walks every event once",
         "first %s last %s count %d" % (seen[:1], seen[-1:], len(seen)))
    st, doc = X.carol.get("/api/events/recent?limit=1000&type=Mint&asset=USDW")
    firsts = [e["seq"] for e in doc.get("events", [])]
    t.ok(st == 200 and 0 in firsts, "events: the first event has seq 0 (newest-first read)", firsts[-3:])
    for q, code, status in (("limit=0", "ERR_INVALID_ARGUMENT", 400), ("limit=1001", "ERR_INVALID_ARGUMENT", 400),
                            ("limit=abc", "ERR_INVALID_ARGUMENT", 400), ("type=Nope", "ERR_INVALID_ARGUMENT", 400),
                            ("asset=NOPE", "ERR_UNKNOWN_ASSET", 404), ("after_seq=x", "ERR_INVALID_ARGUMENT", 400),
                            ("after_seq=-1", "ERR_INVALID_ARGUMENT", 400)):
        name = "events?%s" % q if q != "after_seq=-1" else "events?after_seq=-1 (a negative seq) is refused"
        refused(lambda: X.carol.get("/api/events/recent?" + q), name, status, code)
    st, doc = X.carol.get("/api/events/recent?limit=1000")
    t.ok(st == 200 and 0 < len(doc["events"]) <= 1000, "events: limit=1000 accepted", len(doc.get("events", [])))

    # History.
    st, doc = X.carol.get("/api/history")
    h = doc.get("history", [])
    t.ok(st == 200 and len(h) == 20 and all(h[i]["seq"] > h[i + 1]["seq"] for i in range(19)),
         "history: default limit 20, newest first", _cut(doc))
    st, doc = X.carol.get("/api/history?limit=5")
    t.ok(st == 200 and len(doc["history"]) == 5 and doc["history"] == h[:5], "history: limit=5", _cut(doc))
    st, doc = X.carol.get("/api/history?limit=1000&op=burn")
    t.ok(st == 200 and doc["history"] and all(e["op"] == "burn" for e in doc["history"]), "history: op=burn",
         _cut(doc))
    st, doc = X.carol.get("/api/history?limit=1000&operator=bob")
    t.ok(st == 200 and doc["history"] and all(e["operator"] == "bob" for e in doc["history"]),
         "history: operator=bob", _cut(doc))
    st, doc = X.carol.get("/api/history?limit=1000&op=dev.advance&operator=alice")
    t.ok(st == 200 and doc["history"] and all(e["op"] == "dev.advance" and e["operator"] == "alice"
                                              for e in doc["history"]), "history: op and operator together",
         _cut(doc))
    st, doc = X.carol.get("/api/history?limit=1000&operator=carol")
    t.ok(st == 200 and doc["history"] and all(e["result"] == "ERR_UNAUTHORIZED" for e in doc["history"]),
         "history: carol's attempts are all journaled as ERR_UNAUTHORIZED", _cut(doc))
    st, doc = X.carol.get("/api/history?limit=10&operator=nobody")
    t.ok(st == 200 and doc["history"] == [], "history: an operator with no commands", doc)
    for q in ("limit=0", "limit=1001", "limit=-1"):
        refused(lambda: X.carol.get("/api/history?" + q), "history?%s" % q, 400, "ERR_INVALID_ARGUMENT")


def test_metrics():
    m = X.node.metrics()
    s = X.node.status()
    t.eq(int(metric(m, "mintline_block_height")), s["node"]["height"], "metrics: block height = status height")
    for a in s["assets"]:
        got = metric(m, "mintline_supply_base_units", asset=a["symbol"])
        t.ok(abs(got - to_units(a["supply"], a["decimals"])) <= max(1.0, got * 1e-12),
             "metrics: supply of %s in base units" % a["symbol"], (got, a["supply"]))
        t.eq(int(metric(m, "mintline_holders", asset=a["symbol"])), a["holders"], "metrics: holders of %s" % a["symbol"])
    t.ok(metric(m, "mintline_commands_total", op="mint", result="ok") > 0 and
         metric(m, "mintline_commands_total", op="mint", result="ERR_PAUSED") > 0 and
         metric(m, "mintline_commands_total", op="transfer", result="ERR_INSUFFICIENT_BALANCE") > 0,
         "metrics: commands by op and result", {k: v for k, v in m.items() if k[0] == "mintline_commands_total"})


def test_invariants():
    ast = assets()
    sums = {s: 0 for s in DEC}
    for a in sorted(USED):
        for sym, h in account(a)["balances"].items():
            sums[sym] += to_units(h["balance"], DEC[sym])
    for sym in sorted(DEC):
        t.eq(sums[sym], to_units(ast[sym]["supply"], DEC[sym]),
             "invariant: %s supply = sum of the balances of every address used" % sym)


def test_wall_clock_node():
    w = Node(clock_manual=False).start()
    try:
        c = w.client("alice")
        st, doc = c.command({"op": "dev.advance", "duration": "1d"})
        seen(doc.get("error", {}).get("code"), st)
        t.ok(st == 409 and doc.get("error", {}).get("code") == "ERR_CLOCK_NOT_MANUAL",
             "wall-clock node: dev advance is 409 ERR_CLOCK_NOT_MANUAL", doc)
        st, doc = c.command({"commands": [{"op": "mint", "asset": "USDC", "to": A(23), "amount": "1"},
                                          {"op": "dev.advance", "duration": "1d"}]})
        t.ok(st == 409 and doc.get("error", {}).get("code") == "ERR_CLOCK_NOT_MANUAL",
             "wall-clock node: a batch holding dev advance is refused whole", doc)
        st, doc = c.get("/api/history?limit=10")
        t.ok(st == 200 and doc["history"] == [], "wall-clock node: the refusals are not journaled", doc)
        s = w.status()
        t.eq(s["node"]["clock"], "wall", "wall-clock node: node.clock is wall")
        r = w.cli("audit", "verify", "--data", w.data)
        t.ok(r.rc == 0, "wall-clock node: audit verify while running", r)
    finally:
        rc = w.stop()
        t.eq(rc, 0, "wall-clock node: SIGTERM exits 0")
        t.ok(w.sanitizer() is None, "wall-clock node: no sanitizer report", w.sanitizer())
        w.cleanup()


def test_audit():
    n = X.node
    r = n.cli("audit", "verify", "--data", n.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify --data while the node runs", r)
    st0 = n.status()["node"]
    rc = n.stop()
    t.eq(rc, 0, "node stops on SIGTERM with exit code 0")
    t.ok(n.sanitizer() is None, "node log: no sanitizer report", n.sanitizer())
    r = n.cli("audit", "verify", "--data", n.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify --data with the node stopped", r)
    r = n.cli("audit", "verify", "--data", n.data, "--json")
    try:
        doc = r.json()
    except ValueError:
        doc = None
    t.ok(r.rc == 0 and isinstance(doc, dict), "audit verify --json: one JSON document", r)
    n.start()
    st1 = n.status()["node"]
    t.ok(st1["height"] == st0["height"] and st1["state_hash"] == st0["state_hash"],
         "restart: same height and state hash", (st0, st1))
    if getattr(X, "replay", None):
        body, hdr, first = X.replay
        c = n.client("alice")
        st, doc = c.raw("POST", "/api/commands", body, hdr)
        t.ok(st == 200 and doc == first,
             "restart: a journaled request replayed within the window gets its original answer", (st, doc))
        t.eq(n.status()["node"]["height"], st1["height"], "restart: the replay changed nothing")
    n.stop()


# Codes this build can answer through the API (the rest need ops, stores or
# conditions it does not have: compliance, NAV, reserves, halts, store
# failures, a full nonce table).
REACHABLE = ["ERR_UNAUTHORIZED", "ERR_PAUSED", "ERR_INSUFFICIENT_BALANCE", "ERR_SUPPLY_CAP",
             "ERR_DAILY_MINT_LIMIT", "ERR_DAILY_INFLOW_LIMIT", "ERR_INVALID_AMOUNT", "ERR_INVALID_ADDRESS",
             "ERR_INVALID_ARGUMENT", "ERR_INVALID_JSON", "ERR_MISSING_FIELD", "ERR_UNKNOWN_FIELD",
             "ERR_UNKNOWN_OP", "ERR_BODY_TOO_LARGE", "ERR_BATCH_TOO_LARGE", "ERR_INVALID_DURATION",
             "ERR_UNKNOWN_ASSET", "ERR_NOT_FOUND", "ERR_METHOD_NOT_ALLOWED", "ERR_AUTH_MISSING",
             "ERR_AUTH_OPERATOR", "ERR_AUTH_SIGNATURE", "ERR_AUTH_TIME", "ERR_AUTH_NONCE", "ERR_OVERFLOW",
             "ERR_CLOCK_NOT_MANUAL", "ERR_BATCH_ABORTED"]


def test_error_coverage():
    table = err_statuses()
    for code in REACHABLE:
        t.ok(SEEN.get(code) == {table.get(code)},
             "error coverage: %s seen, always with HTTP %s" % (code, table.get(code)),
             "seen with %s" % sorted(SEEN.get(code, ())))
    stray = sorted(c for c in SEEN if c not in REACHABLE)
    t.ok(not stray, "error coverage: no other code was answered", stray)


def err_statuses():
    out = {}
    with open(os.path.join(REPO, "src", "base", "err.h")) as f:
        for m in re.finditer(r"X\((\w+), (\d+),", f.read()):
            out["ERR_" + m.group(1)] = int(m.group(2))
    return out


def main():
    X.node = Node(clock_manual=True).start()
    X.alice = X.node.client("alice")
    X.bob = X.node.client("bob")
    X.carol = X.node.client("carol")
    X.carol.keepalive = True
    tests = [test_unsigned_endpoints, test_status_shape, test_mint_burn_transfer, test_dry_run, test_batches,
             test_authorisation, test_pause, test_balance_and_limits, test_supply_cap_exact, test_overflow,
             test_durations, test_signatures, test_malformed, test_routes, test_reads, test_metrics,
             test_invariants, test_wall_clock_node, test_error_coverage, test_audit]
    for fn in tests:
        if not X.node.running() and fn not in (test_wall_clock_node, test_error_coverage):
            t.ok(False, "%s: node is not running" % fn.__name__, X.node.log_text()[-3000:])
            continue
        t.run(fn.__name__[5:], fn)
    X.node.cleanup()
    t.done()


if __name__ == "__main__":
    main()
