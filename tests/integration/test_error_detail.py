"""test_error_detail - issue 13 items 4-7: errors that say what to do.

Item 4: ERR_UNAUTHORIZED names the role and asset needed and who lacks it;
the daily limits give used, limit, remaining, the amount asked and when the
day resets (UTC midnight of the ledger clock); ERR_SUPPLY_CAP the supply,
amount and cap; ERR_NAV_MISSING / ERR_NAV_STALE / ERR_NAV_DEVIATION what to
do, the age and the deviation; ERR_QUORUM_NOT_MET and ERR_RESERVE_INSUFFICIENT
the fresh reports and verified reserve against supply + amount;
ERR_INSUFFICIENT_BALANCE the unfrozen balance; unknown asset, bad amount and
bad address quote the value given. Each through raw signed HTTP and the CLI,
with the codes and HTTP statuses unchanged and nothing changed on the ledger.
Item 5: a governed command naming an operator that does not exist (or the
controller, for a removal) is refused when submitted, not scheduled; one
naming an operator whose addition waits in the same queue is scheduled.
Item 6: malformed values in argv are usage errors (exit 2) found before any
request (the node URL points nowhere); an unreadable file is exit 3.
Item 7: the CLI percent-encodes path parameters: a symbol with a space or a
non-ASCII character is an unknown asset, never a signature failure.
"""
import datetime
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import GENESIS, REPO, TAP, Node, addr, metric  # noqa: E402

t = TAP("error_detail")
DEMO = os.path.join(REPO, "examples", "genesis.yaml")


def err(doc):
    return doc.get("error", {}) if isinstance(doc, dict) else {}


def history_len(node):
    st, doc = node.client("carol").get("/api/history?limit=1")
    return doc["history"][0]["seq"] if st == 200 and doc.get("history") else -1


def supply(node, sym):
    st, doc = node.client("carol").get("/api/assets/" + sym)
    return doc.get("supply") if st == 200 else None


def refused(node, who, cmd, status, code, needles, name, cli=None):
    """cmd over raw HTTP: status, code, every needle in the message, supply
    unchanged; then the same through the CLI (exit 1, same words)."""
    sym = cmd.get("asset")
    before = supply(node, sym) if sym in ("USDW", "AAXJF", "USDC") else None
    st, doc = node.client(who).command(cmd)
    msg = err(doc).get("message", "")
    t.ok(st == status and err(doc).get("code") == code, "%s: HTTP %d %s" % (name, status, code), (st, doc))
    for n in needles:
        t.ok(n in msg, "%s: the message says %r" % (name, n), msg)
    if before is not None:
        t.eq(supply(node, sym), before, "%s: supply unchanged" % name)
    if cli is not None:
        r = node.cli(*cli, operator=who)
        t.ok(r.rc == 1 and ("error: %s: " % code) in r.err, "%s via the CLI: exit 1, %s" % (name, code), r)
        for n in needles:
            t.ok(n in r.err, "%s via the CLI: stderr says %r" % (name, n), r.err)
    return msg


def reset_text(node):
    st, doc = node.client("carol").get("/api/system/status")
    now = datetime.datetime.strptime(doc["node"]["time"][:19], "%Y-%m-%dT%H:%M:%S")
    nxt = (now + datetime.timedelta(days=1)).date()
    return "resets %sT00:00Z (in " % nxt.isoformat()


def test_messages(node):
    A1 = addr(1)
    refused(node, "carol", {"op": "mint", "asset": "USDW", "to": A1, "amount": "1"}, 403, "ERR_UNAUTHORIZED",
            ["mint USDW needs role minter", "minter@USDW", "carol holds neither"], "carol mints USDW",
            cli=("mint", "USDW", "--to", A1, "--amount", "1"))
    refused(node, "bob", {"op": "mint", "asset": "AAXJF", "to": A1, "amount": "1"}, 403, "ERR_UNAUTHORIZED",
            ["needs role minter (global or minter@AAXJF)", "bob"], "bob (minter@USDW) mints AAXJF")
    st, doc = node.client("alice").command({"op": "mint", "asset": "AAXJF", "to": A1, "amount": "600000"})
    t.ok(st == 200, "mint 600000 AAXJF", doc)
    reset = reset_text(node)
    refused(node, "alice", {"op": "mint", "asset": "AAXJF", "to": A1, "amount": "300000"}, 409,
            "ERR_DAILY_INFLOW_LIMIT",
            ["used 600000 of 800000 today", "200000 remaining", "300000 asked", reset],
            "net inflow over the limit", cli=("mint", "AAXJF", "--to", A1, "--amount", "300000"))
    refused(node, "alice", {"op": "mint", "asset": "AAXJF", "to": A1, "amount": "500000"}, 409,
            "ERR_DAILY_MINT_LIMIT", ["used 600000 of 1000000 today", "400000 remaining", "500000 asked", reset],
            "daily mint over the limit")
    st, doc = node.client("alice").command({"op": "burn", "asset": "AAXJF", "from": A1, "amount": "100000"})
    t.ok(st == 200, "burn 100000 AAXJF (burns make room in the net inflow)", doc)
    refused(node, "alice", {"op": "mint", "asset": "AAXJF", "to": A1, "amount": "350000"}, 409,
            "ERR_DAILY_INFLOW_LIMIT", ["used 500000 of 800000 today", "300000 remaining"],
            "net inflow after a burn")
    refused(node, "alice", {"op": "mint", "asset": "USDW", "to": A1, "amount": "1000000001"}, 409, "ERR_SUPPLY_CAP",
            ["supply 0 + 1000000001 asked > cap 1000000000"], "over the supply cap")
    refused(node, "bob", {"op": "nav.update", "asset": "AAXJF", "value": "1.5"}, 409, "ERR_NAV_DEVIATION",
            ["AAXJF 1.5 is 50% off the current 1", "nav_max_deviation 10%", "nav force"], "NAV 50% off",
            cli=("nav", "update", "AAXJF", "1.5"))
    refused(node, "bob", {"op": "nav.update", "asset": "AAXJF", "value": "1.125"}, 409, "ERR_NAV_DEVIATION",
            ["12.5% off"], "NAV 12.5% off")
    refused(node, "alice", {"op": "transfer", "asset": "AAXJF", "from": A1, "to": addr(2), "amount": "600000"},
            409, "ERR_INSUFFICIENT_BALANCE", ["AAXJF unfrozen 500000 (frozen 0), 600000 asked"],
            "transfer beyond the balance")
    # input errors quote the value given (not journaled: 400/404 at admission)
    seq = history_len(node)
    refused(node, "alice", {"op": "mint", "asset": "USDX", "to": A1, "amount": "1"}, 404, "ERR_UNKNOWN_ASSET",
            ['asset "USDX"'], "an unknown asset", cli=("mint", "USDX", "--to", A1, "--amount", "1"))
    refused(node, "alice", {"op": "mint", "asset": "USDW", "to": A1, "amount": "abc"}, 400, "ERR_INVALID_AMOUNT",
            ['amount "abc"'], "a bad amount")
    refused(node, "alice", {"op": "mint", "asset": "USDW", "to": "0xzz", "amount": "1"}, 400,
            "ERR_INVALID_ADDRESS", ['to "0xzz"'], "a bad address")
    refused(node, "alice", {"op": "dev.advance", "duration": "5x"}, 400, "ERR_INVALID_DURATION",
            ['duration "5x"'], "a bad duration")
    t.eq(history_len(node), seq, "refusals at admission are not journaled")
    st, doc = node.client("carol").get("/api/assets/NOPE")
    t.ok(st == 404 and err(doc).get("code") == "ERR_UNKNOWN_ASSET" and "NOPE" in err(doc).get("message", ""),
         "GET an unknown asset: 404, names it", doc)


def test_demo_ledger():
    node = Node(genesis=DEMO, clock_manual=True).start()
    try:
        A1 = addr(1)
        refused(node, "alice", {"op": "mint", "asset": "AAXJF", "to": A1, "amount": "1"}, 409, "ERR_NAV_MISSING",
                ["AAXJF has no NAV yet", "nav update AAXJF"], "a fund without a NAV",
                cli=("mint", "AAXJF", "--to", A1, "--amount", "1"))
        st, doc = node.client("bob").command({"op": "nav.update", "asset": "AAXJF", "value": "1"})
        t.ok(st == 200, "nav update AAXJF 1", doc)
        r = node.cli("dev", "advance", "5h")
        t.ok(r.rc == 0, "dev advance 5h", r)
        refused(node, "alice", {"op": "mint", "asset": "AAXJF", "to": A1, "amount": "1"}, 409, "ERR_NAV_STALE",
                ["AAXJF NAV is 5h 0m old", "nav_max_age 4h 0m"], "a stale NAV")
        refused(node, "alice", {"op": "mint", "asset": "USDW", "to": A1, "amount": "1"}, 409, "ERR_QUORUM_NOT_MET",
                ["0 fresh reserve reports of the 2 needed"], "no reserve reports")
        for who in ("alice", "bob"):
            st, doc = node.client(who).command({"op": "reserve.report", "asset": "USDW", "amount": "100"})
            t.ok(st == 200, "%s reports a reserve of 100" % who, doc)
        refused(node, "alice", {"op": "mint", "asset": "USDW", "to": A1, "amount": "150"}, 409,
                "ERR_RESERVE_INSUFFICIENT", ["verified reserve 100 < supply 0 + 150 asked"], "mint beyond the reserve",
                cli=("mint", "USDW", "--to", A1, "--amount", "150"))
    finally:
        node.stop()


def test_precheck(node):
    alice = node.client("alice")
    st, doc = alice.get("/api/timelock")
    queued = len(doc.get("timelock", [])) if st == 200 else -1
    msg = refused(node, "alice", {"op": "role.grant", "name": "dave", "role": "minter"}, 404, "ERR_NOT_FOUND",
                  ['no operator "dave"'], "role grant to no one: refused when submitted",
                  cli=("role", "grant", "dave", "minter"))
    refused(node, "alice", {"op": "operator.remove", "name": "alice"}, 400, "ERR_INVALID_ARGUMENT",
            ["alice is the controller", "controller propose"], "removing the controller: refused when submitted")
    refused(node, "alice", {"op": "operator.rotate_key", "name": "zed", "pubkey": "ab" * 32}, 404, "ERR_NOT_FOUND",
            ['no operator "zed"'], "rotating no one's key: refused when submitted")
    refused(node, "alice", {"op": "caps.set", "asset": "USDW"}, 400, "ERR_MISSING_FIELD",
            ["caps.set needs"], "caps set with nothing to set: refused when submitted",
            cli=("caps", "set", "USDW"))
    st, doc = alice.get("/api/timelock")
    t.eq(len(doc.get("timelock", [])) if st == 200 else -2, queued, "nothing was scheduled (%s)" % msg[:20])
    # an operator whose addition waits in the timelock may be granted a role in the same queue
    st, doc = alice.command({"op": "operator.add", "name": "dave", "pubkey": "cd" * 32})
    t.ok(st == 202 and "timelock" in doc.get("pending", {}), "operator add dave: scheduled", doc)
    entry = doc.get("pending", {}).get("timelock", 0)
    refused(node, "carol", {"op": "timelock.cancel", "id": entry}, 403, "ERR_UNAUTHORIZED",
            ["timelock cancel needs role admin", "carol lacks it"], "carol cancels a timelock entry")
    refused(node, "carol", {"op": "timelock.execute", "id": entry}, 403, "ERR_UNAUTHORIZED",
            ["executing operator.add needs role admin", "carol lacks it"], "carol executes an entry")
    st, doc = alice.command({"op": "role.grant", "name": "dave", "role": "minter"})
    t.ok(st == 202 and "timelock" in doc.get("pending", {}), "role grant dave while his addition waits: scheduled", doc)
    r = node.cli("dev", "advance", "1d")
    t.ok(r.rc == 0, "a day later", r)
    st, doc = alice.get("/api/timelock")
    ids = sorted(e["id"] for e in doc.get("timelock", []))
    for i in ids:
        st, res = alice.command({"op": "timelock.execute", "id": i})
        t.ok(st == 200 and res.get("executed", {}).get("ok") is True, "timelock execute %d: ran" % i, res)
    st, doc = alice.get("/api/operators")
    dave = [o for o in doc.get("operators", []) if o.get("name") == "dave"]
    t.ok(dave and "minter" in str(dave[0].get("roles")), "dave exists and holds minter", doc)


def test_cli_values(node):
    nowhere = node.env("alice", MINTLINE_NODE="http://127.0.0.1:9")  # nothing listens: exit 3 if contacted
    cases = [
        (("mint", "USDW", "--to", addr(1), "--amount", "abc"), "ERR_INVALID_AMOUNT", '--amount "abc"'),
        (("mint", "USDW", "--to", addr(1), "--amount", "7."), "ERR_INVALID_AMOUNT", '--amount "7."'),
        (("caps", "set", "USDW", "--daily-mint-limit", "5M"), "ERR_INVALID_AMOUNT", '--daily-mint-limit "5M"'),
        (("mint", "USDW", "--to", "0xzz", "--amount", "1"), "ERR_INVALID_ADDRESS", '--to "0xzz"'),
        (("freeze", "0x12"), "ERR_INVALID_ADDRESS", 'ADDR "0x12"'),
        (("balance", "USDW", "0x12"), "ERR_INVALID_ADDRESS", 'ADDR "0x12"'),
        (("por", "proof", "USDW", "0xc11e\u202602"), "ERR_INVALID_ADDRESS", "is not an address"),
        (("dev", "advance", "5x"), "ERR_INVALID_DURATION", 'DURATION "5x"'),
        (("policy", "set", "mint", "--timelock", "soon"), "ERR_INVALID_DURATION", '--timelock "soon"'),
        (("approve", "abc"), "ERR_USAGE", 'ID "abc" is not a number'),
        (("timelock", "execute", "1x"), "ERR_USAGE", 'ID "1x" is not a number'),
        (("history", "--limit", "abc"), "ERR_USAGE", '--limit "abc" is not a number'),
        (("events", "--recent", "-3"), "ERR_USAGE", "is not a number"),
    ]
    for args, code, needle in cases:
        r = node.cli(*args, env=nowhere)
        t.ok(r.rc == 2 and ("error: %s: " % code) in r.err and needle in r.err and "usage: mintline" in r.err
             and r.out == "", "%s: exit 2 %s before contacting the node" % (" ".join(args), code), r)
    r = node.cli("history", "--limit", "2", env=nowhere)
    t.ok(r.rc == 3, "history --limit 2 is well formed: it tries the node (exit 3 with none)", r)
    r = node.cli("history", "--limit", "2")
    t.ok(r.rc == 0, "history --limit 2 against the node: exit 0", r)
    for args in (("por", "verify", "/nonexistent/proof.json"), ("alerts", "rules", "--check", "/nonexistent/r.yaml"),
                 ("backup", "verify", "/nonexistent/b.bak"),
                 ("init", "--data", os.path.join(node.root, "other"), "--genesis", "/nonexistent/g.yaml")):
        r = node.cli(*args)
        t.ok(r.rc == 3 and "ERR_IO" in r.err, "%s: an unreadable file is exit 3" % " ".join(args), r)


def test_encoded_paths(node):
    carol = node.client("carol")
    before = node.metrics()
    for sym in ("AA XJF", "AA\u2026XJF", "US/DW"):
        for args in (("nav", "show", sym), ("reserve", "show", sym), ("por", "show", sym), ("status", sym)):
            r = node.cli(*args, operator="carol")
            t.ok(r.rc == 1 and "ERR_UNKNOWN_ASSET" in r.err and sym in r.err and "ERR_AUTH" not in r.err,
                 "%s %r: exit 1 ERR_UNKNOWN_ASSET naming it, not a signature failure" % (" ".join(args[:-1]), sym), r)
    st, doc = carol.get("/api/assets/USDW/por/0xc11e%E2%80%A602")
    t.ok(st == 400 and err(doc).get("code") == "ERR_INVALID_ADDRESS" and "0xc11e\u202602" in err(doc).get("message", ""),
         "GET a proof of 0xc11e\u202602 (encoded): 400 ERR_INVALID_ADDRESS, quoting it", (st, doc))
    after = node.metrics()
    for reason in ("signature", "missing", "unknown_operator", "time"):
        t.eq(metric(after, "mintline_signature_failures_total", reason=reason),
             metric(before, "mintline_signature_failures_total", reason=reason),
             "no signature failure counted (%s)" % reason)


def main():
    node = Node(genesis=GENESIS, clock_manual=True).start()
    try:
        test_messages(node)
        test_precheck(node)
        test_cli_values(node)
        test_encoded_paths(node)
        r = node.cli("audit", "verify")
        t.ok(r.rc == 0, "audit verify: the journal replays to the same state", r)
    finally:
        node.stop()
    test_demo_ledger()
    t.done()


if __name__ == "__main__":
    main()
