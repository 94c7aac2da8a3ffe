"""test_dryrun_governed - issue 13 items 1-3 and SPEC 7's compact answers.

- A dry run of a command its policy makes a proposal or a timelock entry
  runs every check the release would face and answers the events it would
  emit with "would_be": {"proposal": {...}} / {"timelock": {...}} (no id:
  nothing is created); a check that refuses answers the real error (a
  freeze beyond the balance), exit 1; human output starts "dry run:".
  Nothing is created or journaled either way.
- `init --dry-run` validates the genesis and writes nothing; `key new
  --dry-run` and `serve --dry-run` are usage errors (exit 2).
- history: a command that became a proposal or a timelock entry shows
  "result": "pending" with its id; an approval or execution shows what it
  released and the released command's own result.
- POST /api/commands with "reply": "errors": {"ok", "block", "first_seq",
  "count", "failed": [...]}; "full" is the default shape; anything else is
  ERR_INVALID_ARGUMENT and changes nothing; a dry run answers compactly too.
"""
import atexit
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import TAP, Node, run_cli, default_binary  # noqa: E402

t = TAP("dryrun_governed")

A = "0x" + "0a" * 20
B = "0x" + "0b" * 20

GENESIS = """\
operators:
  - name: alice
    pubkey: a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800
    roles: [admin, minter, burner, compliance, treasury_manager, transfer_agent]
  - name: bob
    pubkey: ca9c298168ea53bf5a3e9b60aa2b14af289314f532a809f492207ded1abc7264
    roles: [compliance, minter]
  - name: carol
    pubkey: a4e964a18edba8351736a2dee6073a15b6b91e6bc253200dd3f2e268e292b673
    roles: [viewer]
controller: alice
assets:
  - symbol: USDC
    kind: plain
    decimals: 6
  - symbol: GOV
    kind: plain
    decimals: 6
policies:
  - {op: mint, asset: GOV, approvals: 2, timelock: 1h}
"""

WORK = tempfile.mkdtemp(prefix="mintline-dryrun-")
atexit.register(shutil.rmtree, WORK, True)


class X:
    node = None


def code(doc):
    return doc.get("error", {}).get("code") if isinstance(doc, dict) else None


def cmd(who, doc):
    return X.node.client(who).command(doc)


def get(path):
    st, doc = X.node.client("carol").get(path)
    assert st == 200, (path, st, doc)
    return doc


def world():
    """Everything a dry run or a refused request must leave as it was."""
    n = X.node.status()["node"]
    return {"height": n["height"], "state": n.get("state_hash"),
            "proposals": get("/api/proposals")["proposals"], "timelock": get("/api/timelock")["timelock"],
            "history": get("/api/history?limit=1000")["history"], "account": get("/api/accounts/" + A)}


def cli(*args, who="alice"):
    return X.node.cli(*args, operator=who)


def test_setup():
    st, doc = cmd("alice", {"op": "mint", "asset": "USDC", "to": A, "amount": "100"})
    t.ok(st == 200 and doc["ok"], "mint 100 USDC to A", doc)


def test_dry_freeze_beyond_balance():
    w0 = world()
    r = cli("freeze", A, "--asset", "USDC", "--amount", "500", "--dry-run")
    t.ok(r.rc == 1 and "ERR_INVALID_AMOUNT" in r.err and "more than the balance (0 frozen of 100)" in r.err
         and "pending" not in r.out, "dry run of a freeze beyond the balance: exit 1, the release's error", r)
    st, doc = cmd("alice", {"op": "freeze", "address": A, "asset": "USDC", "amount": "500", "dry_run": True})
    t.ok(st == 400 and code(doc) == "ERR_INVALID_AMOUNT" and doc.get("dry_run") is True
         and "pending" not in doc and "would_be" not in doc, "raw: the same refusal, no pending, no would_be", doc)
    st, doc = cmd("carol", {"op": "freeze", "address": A, "asset": "USDC", "amount": "5", "dry_run": True})
    t.eq((st, code(doc)), (403, "ERR_UNAUTHORIZED"), "a dry run by a viewer: the role check runs")
    t.eq(world(), w0, "the refused dry runs changed nothing")


def test_dry_freeze_proposal():
    w0 = world()
    r = cli("freeze", A, "--asset", "USDC", "--amount", "50", "--dry-run")
    t.ok(r.rc == 0 and r.out.startswith("dry run: would freeze 50 of USDC for %s\n" % A)
         and re.search(r"^  event Frozen USDC address=%s scope=amount amount=50" % A, r.out, re.M)
         and re.search(r"^  when submitted: a proposal needing 2 approvals \(yours is the first\), expiring \S+Z$",
                       r.out, re.M) and "pending:" not in r.out,
         "CLI: dry run of a 2-approval freeze: exit 0, the event, what it would become", r)
    r = cli("freeze", A, "--asset", "USDC", "--amount", "50", "--dry-run", "--json")
    doc = r.json() if r.rc == 0 else {}
    p = doc.get("would_be", {}).get("proposal")
    t.ok(r.rc == 0 and doc.get("dry_run") is True and isinstance(p, dict) and p.get("approvals_needed") == 2
         and p.get("approvals") == ["alice"] and p.get("timelock") == "0s" and "id" not in p
         and "expires_at" in p and "pending" not in doc and [e["type"] for e in doc["events"]] == ["Frozen"],
         "--json: would_be.proposal {approvals_needed, approvals, expires_at, timelock}, no id", doc)
    st, doc = cmd("bob", {"op": "freeze", "address": A, "asset": "USDC", "amount": "50", "dry_run": True})
    t.ok(st == 200 and doc.get("would_be", {}).get("proposal", {}).get("approvals") == ["bob"],
         "raw HTTP: 200 (not 202), the submitter's approval", doc)
    t.eq(world(), w0, "dry runs created no proposal and journaled nothing")


def test_dry_timelocked():
    w0 = world()
    r = cli("caps", "set", "USDC", "--supply-cap", "5000", "--dry-run")
    t.ok(r.rc == 0 and r.out.startswith("dry run: would set the limits of USDC\n")
         and re.search(r"^  when submitted: a timelock entry executable from \S+Z \(a delay of 1d\)$", r.out, re.M),
         "CLI: a timelocked op's dry run names the eta and the delay", r)
    st, doc = cmd("alice", {"op": "caps.set", "asset": "USDC", "supply_cap": "5000", "dry_run": True})
    tl = doc.get("would_be", {}).get("timelock", {})
    t.ok(st == 200 and tl.get("delay") == "1d" and "eta" in tl and "expires_at" in tl and "id" not in tl
         and [e["type"] for e in doc["events"]] == ["CapsSet"], "raw: would_be.timelock {eta, delay, expires_at}", doc)
    r = cli("caps", "set", "USDC", "--supply-cap", "5000", "--dry-run", who="bob")
    t.ok(r.rc == 1 and "ERR_UNAUTHORIZED" in r.err and "when submitted" not in r.out,
         "a timelocked op's dry run by an operator without its role: exit 1", r)
    st, doc = cmd("alice", {"op": "mint", "asset": "GOV", "to": A, "amount": "7", "dry_run": True})
    p = doc.get("would_be", {}).get("proposal", {})
    t.ok(st == 200 and p.get("approvals_needed") == 2 and p.get("timelock") == "1h"
         and [e["type"] for e in doc["events"]] == ["Mint"],
         "approvals then a delay: the proposal says the timelock its release waits", doc)
    t.eq(world(), w0, "nothing scheduled or journaled")


def test_compact():
    w0 = world()
    bad = [({"reply": "bogus", "commands": [{"op": "mint", "asset": "USDC", "to": B, "amount": "1"}]},
            400, "ERR_INVALID_ARGUMENT", "reply other than full/errors"),
           ({"reply": 1, "commands": [{"op": "mint", "asset": "USDC", "to": B, "amount": "1"}]},
            400, "ERR_INVALID_ARGUMENT", "reply a number"),
           ({"reply": "errors", "op": "mint", "asset": "USDC", "to": B, "amount": "1"},
            400, "ERR_UNKNOWN_FIELD", "reply on a single command (a batch's option)")]
    for body, want_st, want_code, name in bad:
        st, doc = cmd("alice", body)
        t.eq((st, code(doc)), (want_st, want_code), "refused: " + name)
    t.eq(world(), w0, "the refused requests changed nothing")
    batch = [{"op": "mint", "asset": "USDC", "to": B, "amount": "3"},
             {"op": "burn", "asset": "USDC", "from": B, "amount": "999"},
             {"op": "transfer", "asset": "USDC", "from": B, "to": A, "amount": "1"},
             {"op": "caps.set", "asset": "USDC", "supply_cap": "1000000"}]
    st, dry = cmd("alice", {"reply": "errors", "dry_run": True, "commands": batch})
    t.ok(st == 200 and dry.get("dry_run") is True and dry.get("count") == 4 and "block" not in dry
         and [f["index"] for f in dry.get("failed", [])] == [1]
         and dry["failed"][0]["error"]["code"] == "ERR_INSUFFICIENT_BALANCE" and "seq" not in dry["failed"][0]
         and dry.get("would_be", [{}])[0].get("index") == 3 and "timelock" in dry["would_be"][0],
         "dry run, reply errors: count, failed [1], would_be [3], no seqs", dry)
    t.eq(world(), w0, "the compact dry run changed nothing")
    st, doc = cmd("alice", {"reply": "errors", "commands": batch})
    h = get("/api/history?limit=4")["history"]
    t.ok(st == 200 and set(doc) == {"ok", "block", "first_seq", "count", "failed", "pending"}
         and doc["count"] == 4 and doc["first_seq"] == h[-1]["seq"] and doc["block"] == h[-1]["block"]
         and [(f["index"], f["seq"], f["error"]["code"]) for f in doc["failed"]]
         == [(1, doc["first_seq"] + 1, "ERR_INSUFFICIENT_BALANCE")]
         and doc["pending"][0]["index"] == 3 and doc["pending"][0]["timelock"] >= 1,
         "reply errors: block, first_seq, count, only the failure, and the timelock entry", doc)
    evs = get("/api/events/recent?limit=5&asset=USDC")["events"]
    t.ok(any(e["type"] == "Mint" and e["data"]["to"] == B and e["seq"] is not None for e in evs),
         "the events are read back with /api/events", evs)
    st, doc = cmd("alice", {"reply": "full", "commands": [{"op": "transfer", "asset": "USDC", "from": B, "to": A,
                                                          "amount": "1"}]})
    t.ok(st == 200 and "results" in doc and doc["results"][0]["ok"] and doc["results"][0]["events"],
         "reply full: today's shape", doc)
    st, doc = cmd("alice", {"reply": "errors", "atomic": True, "commands": [
        {"op": "transfer", "asset": "USDC", "from": B, "to": A, "amount": "1"},
        {"op": "burn", "asset": "USDC", "from": B, "amount": "999"}]})
    t.ok(st == 200 and [(f["index"], f["error"]["code"]) for f in doc.get("failed", [])]
         == [(0, "ERR_BATCH_ABORTED"), (1, "ERR_INSUFFICIENT_BALANCE")],
         "atomic, reply errors: every command listed as failed", doc)


def test_history():
    st, doc = cmd("alice", {"op": "freeze", "address": A, "asset": "USDC", "amount": "50"})
    pid = doc.get("pending", {}).get("proposal")
    t.ok(st == 202 and pid, "a real freeze becomes a proposal", doc)
    st, doc = cmd("alice", {"op": "caps.set", "asset": "USDC", "supply_cap": "2000000"})
    tid = doc.get("pending", {}).get("timelock")
    t.ok(st == 202 and tid, "a real caps.set becomes a timelock entry", doc)
    h = get("/api/history?limit=2")["history"]
    t.ok(h[1]["op"] == "freeze" and h[1]["result"] == "pending" and h[1].get("proposal") == pid,
         "history: the freeze is pending with its proposal id", h)
    t.ok(h[0]["op"] == "caps.set" and h[0]["result"] == "pending" and h[0].get("timelock") == tid
         and "eta" in h[0], "history: the caps.set is pending with its timelock id and eta", h)
    st, doc = cmd("bob", {"op": "approve", "id": pid})
    t.ok(st == 200 and doc.get("executed", {}).get("ok") is True, "bob's approval runs the freeze", doc)
    st, doc = cmd("alice", {"op": "dev.advance", "duration": "1d"})
    t.ok(st == 200, "dev advance 1d", doc)
    st, doc = cmd("alice", {"op": "timelock.execute", "id": tid})
    t.ok(st == 200 and doc.get("executed", {}).get("ok") is True, "the caps.set runs", doc)
    h = get("/api/history?limit=6")["history"]
    by_seq = {e["seq"]: e for e in h}
    ex, adv, ap = h[0], h[1], h[2]
    t.ok(ap["op"] == "approve" and ap["result"] == "ok" and ap.get("released") == {"proposal": pid, "result": "ok"},
         "history: the approval shows the freeze it released and its result", ap)
    t.ok(ex["op"] == "timelock.execute" and ex.get("released") == {"timelock": tid, "result": "ok"},
         "history: the execution shows the entry it released and its result", ex)
    t.ok("released" not in adv and adv["result"] == "ok", "an ordinary command: ok, nothing released", adv)
    t.ok(any(e["op"] == "freeze" and e["result"] == "pending" and e.get("proposal") == pid for e in by_seq.values()),
         "the freeze's own entry still says pending proposal", h)
    # A released command that fails shows its own error on the approval.
    st, doc = cmd("alice", {"op": "freeze", "address": A, "asset": "USDC", "amount": "40"})
    pid2 = doc.get("pending", {}).get("proposal")
    st, doc = cmd("alice", {"op": "burn", "asset": "USDC", "from": A, "amount": "50"})
    t.ok(st == 200, "the free balance is burned before the approval", doc)
    st, doc = cmd("bob", {"op": "approve", "id": pid2})
    t.ok(st == 200 and doc.get("executed", {}).get("ok") is False, "the release fails", doc)
    ap = get("/api/history?limit=1")["history"][0]
    t.ok(ap["result"] == "ok" and ap.get("released", {}).get("result") == "ERR_INVALID_AMOUNT",
         "history: the approval stands, the released freeze shows ERR_INVALID_AMOUNT", ap)
    r = cli("history", "--limit", "8", who="carol")
    t.ok(r.rc == 0 and re.search(r"\bok \(proposal %d: ERR_INVALID_AMOUNT\)" % pid2, r.out)
         and re.search(r"\bok \(timelock %d: ok\)" % tid, r.out)
         and re.search(r"\bpending proposal %d\b" % pid2, r.out), "CLI history: pending and released results", r)
    # approvals then a delay: the approval schedules the entry
    st, doc = cmd("alice", {"op": "mint", "asset": "GOV", "to": A, "amount": "7"})
    pid3 = doc.get("pending", {}).get("proposal")
    st, doc = cmd("bob", {"op": "approve", "id": pid3})
    tid3 = doc.get("pending", {}).get("timelock")
    t.ok(tid3, "the last approval schedules the GOV mint", doc)
    ap = get("/api/history?limit=1")["history"][0]
    t.eq(ap.get("released"), {"proposal": pid3, "result": "pending", "timelock": tid3},
         "history: the approval released the proposal into a timelock entry")


def test_init_and_key():
    home = os.path.join(WORK, "home")
    env = dict(os.environ, MINTLINE_HOME=home)
    env.pop("MINTLINE_OPERATOR", None)
    gen = os.path.join(WORK, "genesis.yaml")
    data = os.path.join(WORK, "new-ledger")
    bin_ = default_binary()
    r = run_cli(bin_, ["init", "--data", data, "--genesis", gen, "--dry-run"], env=env)
    t.ok(r.rc == 0 and r.out.startswith("dry run: would create a ledger in %s\n" % data)
         and not os.path.exists(data), "init --dry-run: exit 0, nothing written", r)
    r = run_cli(bin_, ["init", "--data", data, "--genesis", gen, "--dry-run", "--json", "--clock", "manual"], env=env)
    doc = r.json() if r.rc == 0 else {}
    t.ok(doc.get("dry_run") is True and doc.get("clock") == "manual" and doc.get("assets") == 2
         and not os.path.exists(data), "init --dry-run --json", r)
    bad = os.path.join(WORK, "bad.yaml")
    with open(bad, "w") as f:
        f.write(GENESIS.replace("decimals: 6\n  - symbol: GOV", "decimals: 99\n  - symbol: GOV"))
    r = run_cli(bin_, ["init", "--data", data, "--genesis", bad, "--dry-run"], env=env)
    t.ok(r.rc == 1 and "ERR_INVALID_GENESIS" in r.err and not os.path.exists(data),
         "init --dry-run of a bad genesis: the error init gives, nothing written", r)
    r = run_cli(bin_, ["init", "--data", X.node.data, "--genesis", gen, "--dry-run"], env=env)
    t.ok(r.rc == 1 and "ERR_DATA_EXISTS" in r.err, "init --dry-run on a ledger: ERR_DATA_EXISTS", r)
    r = run_cli(bin_, ["key", "new", "zed", "--dry-run"], env=env)
    t.ok(r.rc == 2 and "ERR_USAGE" in r.err and r.out == ""
         and not os.path.exists(os.path.join(home, "keys", "zed.key")), "key new --dry-run: usage error, no key", r)
    r = run_cli(bin_, ["--dry-run", "key", "new", "zed"], env=env)
    t.ok(r.rc == 2 and not os.path.exists(os.path.join(home, "keys", "zed.key")),
         "--dry-run before the subcommand too", r)
    r = run_cli(bin_, ["serve", "--data", data, "--dry-run"], env=env)
    t.ok(r.rc == 2 and "ERR_USAGE" in r.err and not os.path.exists(data), "serve --dry-run: usage error", r)


def test_audit():
    r = X.node.cli("audit", "verify", "--data", X.node.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify replays the journal (compact requests included)", r)
    t.ok(X.node.sanitizer() is None, "no sanitizer report", X.node.sanitizer())


def main():
    gen = os.path.join(WORK, "genesis.yaml")
    with open(gen, "w") as f:
        f.write(GENESIS)
    X.node = Node(genesis=gen, clock_manual=True).start()
    try:
        for fn in (test_setup, test_dry_freeze_beyond_balance, test_dry_freeze_proposal, test_dry_timelocked,
                   test_compact, test_history, test_init_and_key, test_audit):
            t.run(fn.__name__, fn)
    finally:
        t.eq(X.node.stop(), 0, "node stops cleanly")
        X.node.cleanup()


main()
t.done()
