"""test_events_seq - issue 13 item 13 and the aligned `events --follow` of item 11.

- Every event carries "command_seq": the seq of the command that emitted it,
  the number the command's answer and `history` show (a released command's
  events carry the seq of the approval or execution that released it).
- Approvals, releases and their failures carry the asset of the command
  they are about, so `events --asset X` finds them.
- `events --type T` checks T before asking the node: an unknown type is a
  usage error (exit 2, ERR_INVALID_ARGUMENT) with "did you mean" and the
  list of types; a type differing only in case is taken.
- GET /api/events/recent?type=BAD (and /api/events) answers 400
  ERR_INVALID_ARGUMENT with the valid types in error.valid_types.
- `events` and `events --follow` print aligned columns TIME SEQ OPERATOR
  TYPE ASSET DATA, DATA as key=value text.
- Replay: audit verify passes; a journal written before this change (its
  governance events without an asset) still audits and serves, and an
  event journaled with another asset is caught.
"""
import atexit
import os
import re
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import TAP, Node  # noqa: E402

t = TAP("events_seq")

A = "0x" + "0a" * 20
B = "0x" + "0b" * 20

GENESIS = """\
operators:
  - name: alice
    pubkey: a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800
    roles: [admin, minter, burner, pauser, transfer_agent, treasury_manager]
  - name: bob
    pubkey: ca9c298168ea53bf5a3e9b60aa2b14af289314f532a809f492207ded1abc7264
    roles: [minter, pauser]
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
  - {op: mint, asset: GOV, approvals: 2, timelock: 0}
"""

# The governance event types that carry the held command's asset now
# (event_legacy_no_asset), by their number in the journal.
LEGACY_TYPES = {"ProposalApproved": 13, "ProposalExecuted": 14, "ProposalFailed": 15,
                "ProposalExpired": 16, "ProposalCancelled": 17, "TimelockExecuted": 19}

WORK = tempfile.mkdtemp(prefix="mintline-evseq-")
atexit.register(shutil.rmtree, WORK, True)


class X:
    node = None
    seqs = {}


def cmd(who, doc):
    return X.node.client(who).command(doc)


def get(path, who="carol"):
    st, doc = X.node.client(who).get(path)
    assert st == 200, (path, st, doc)
    return doc


def cli(*args, who="carol", **kw):
    return X.node.cli(*args, operator=who, **kw)


def events(query="limit=1000"):
    return get("/api/events/recent?" + query)["events"]


def test_command_seq():
    st, doc = cmd("alice", {"op": "mint", "asset": "USDC", "to": A, "amount": "100"})
    t.ok(st == 200 and doc["ok"] and doc["events"], "mint 100 USDC", doc)
    seq = doc.get("seq")
    t.ok(all(e.get("command_seq") == seq for e in doc["events"]),
         "the answer's events carry command_seq = the answer's seq", doc)
    st, doc = cmd("alice", {"op": "transfer", "asset": "USDC", "from": A, "to": B, "amount": "250"})
    t.ok(st == 409, "a refused transfer is journaled (a seq, no event)", doc)
    st, doc = cmd("alice", {"op": "transfer", "asset": "USDC", "from": A, "to": B, "amount": "25"})
    t.ok(st == 200 and all(e["command_seq"] == doc["seq"] for e in doc["events"]),
         "a transfer after a refusal: command_seq follows the command seqs, refusals counted", doc)
    X.seqs["transfer"] = doc["seq"]
    ev = [e for e in events() if e["type"] == "Transfer"][0]
    t.eq(ev["command_seq"], doc["seq"], "read back from /api/events/recent: the same command_seq")


def test_governed():
    st, doc = cmd("alice", {"op": "mint", "asset": "GOV", "to": A, "amount": "7"})
    t.ok(st == 202 and doc.get("pending", {}).get("proposal"), "mint GOV: a proposal", doc)
    pid = doc["pending"]["proposal"]
    st, ap = cmd("bob", {"op": "approve", "id": pid})
    t.ok(st == 200 and ap["ok"], "bob approves: the mint runs", ap)
    types = [(e["type"], e["asset"], e["command_seq"]) for e in ap.get("events", [])]
    t.eq(types, [("ProposalApproved", "GOV", ap["seq"]), ("ProposalExecuted", "GOV", ap["seq"]),
                 ("Mint", "GOV", ap["seq"])],
         "the approval's events: approved and executed carry GOV, all carry the approval's seq")
    X.seqs["approve"] = ap["seq"]
    # a timelocked caps.set (SPEC 4's default: 24 h), executed after the delay
    st, doc = cmd("alice", {"op": "caps.set", "asset": "GOV", "supply_cap": "1000"})
    t.ok(st == 202 and doc.get("pending", {}).get("timelock"), "caps.set GOV: a timelock entry", doc)
    tid = doc["pending"]["timelock"]
    r = X.node.cli("dev", "advance", "25h")
    t.ok(r.rc == 0, "dev advance 25h", r)
    st, ex = cmd("alice", {"op": "timelock.execute", "id": tid})
    t.ok(st == 200 and [(e["type"], e["asset"]) for e in ex.get("events", [])]
         == [("TimelockExecuted", "GOV"), ("CapsSet", "GOV")],
         "timelock execute: TimelockExecuted carries GOV", ex)
    X.seqs["execute"] = ex["seq"]
    # a proposal cancelled: its event names the asset too
    st, doc = cmd("alice", {"op": "mint", "asset": "GOV", "to": B, "amount": "1"})
    st, cc = cmd("alice", {"op": "cancel", "id": doc["pending"]["proposal"]})
    t.ok(st == 200 and [(e["type"], e["asset"]) for e in cc.get("events", [])] == [("ProposalCancelled", "GOV")],
         "cancel: ProposalCancelled carries GOV", cc)
    # a global op's approval has no asset
    st, doc = cmd("alice", {"op": "pause"})
    st, doc = cmd("alice", {"op": "unpause"})
    t.ok(st == 202 and doc.get("pending", {}).get("proposal"), "unpause: a proposal (SPEC 4: two pausers)", doc)
    st, un = cmd("bob", {"op": "approve", "id": doc.get("pending", {}).get("proposal")})
    t.ok(st == 200 and [(e["type"], e["asset"]) for e in un.get("events", [])][:2]
         == [("ProposalApproved", None), ("ProposalExecuted", None)], "a global op's release carries no asset", un)


def test_history_seq():
    hist = get("/api/history?limit=1000")["history"]
    by_seq = {h["seq"]: h for h in hist}
    evs = events()
    t.ok(evs and all(e["command_seq"] in by_seq for e in evs),
         "every event's command_seq is a history entry's seq", [e for e in evs if e["command_seq"] not in by_seq])
    mint_ops = {by_seq[e["command_seq"]]["op"] for e in evs if e["type"] == "Mint"}
    t.eq(mint_ops, {"mint", "approve"}, "Mint events come from a mint or from the approval that released one")
    t.eq(by_seq[X.seqs["approve"]]["op"], "approve", "the approval's seq in history is the approve")
    t.eq(by_seq[X.seqs["execute"]]["op"], "timelock.execute", "the execution's seq in history is the execute")
    # the human history and events show the same number in their SEQ columns
    h = cli("history", "--limit", "1000").out
    e = cli("events", "--recent", "1000").out
    t.ok(re.search(r"^\s*%d\s" % X.seqs["approve"], h, re.M) is not None
         and re.search(r"^\S+\s+%d\s+bob\s+ProposalExecuted\s+GOV\s" % X.seqs["approve"], e, re.M) is not None,
         "history's SEQ and events' SEQ: the same number for the approval", e)


def test_asset_filter():
    r = cli("--json", "events", "--asset", "GOV", "--recent", "100")
    doc = r.json() if r.rc == 0 else {}
    types = {e["type"] for e in doc.get("events", [])}
    t.ok({"ProposalCreated", "ProposalApproved", "ProposalExecuted", "TimelockScheduled", "TimelockExecuted",
          "ProposalCancelled", "Mint", "CapsSet"} <= types and all(e["asset"] == "GOV" for e in doc["events"]),
         "events --asset GOV finds the approvals and executions", (r, types))
    r = cli("events", "--asset", "GOV", "--type", "ProposalApproved")
    lines = r.out.splitlines()
    t.ok(r.rc == 0 and len(lines) == 2 and "ProposalApproved" in lines[1] and "approver=bob" in lines[1],
         "human: the approval found by --asset and --type", r)
    usdc = {e["type"] for e in events("asset=USDC&limit=1000")}
    t.ok("ProposalApproved" not in usdc, "USDC's events hold no GOV approval", usdc)
    unp = [e for e in events("type=ProposalExecuted&limit=100") if e["data"]["op"] == "unpause"]
    t.ok(all(e["asset"] is None for e in unp), "a global op's release has no asset", unp)


def test_type_check():
    r = cli("events", "--type", "Mnit")
    t.ok(r.rc == 2 and "error: ERR_INVALID_ARGUMENT: events: unknown event type 'Mnit'" in r.err
         and "did you mean 'Mint'" in r.err and r.out == "",
         "--type Mnit: exit 2, ERR_INVALID_ARGUMENT, did you mean 'Mint'", r)
    listed = re.sub(r"\s+", " ", r.err.partition("valid types:")[2]).split()
    t.ok(len(listed) > 60 and "ProposalExecuted" in listed and "Liquidated" in listed and "Mint" in listed,
         "--type Mnit: the valid types listed", r.err)
    r = cli("events", "--type", "Zzzzzzzzz")
    t.ok(r.rc == 2 and "did you mean" not in r.err and "valid types:" in r.err, "--type far from all: the list only", r)
    r = cli("--json", "events", "--type", "mint", "--recent", "100")
    doc = r.json() if r.rc == 0 else {}
    t.ok(r.rc == 0 and doc.get("events") and all(e["type"] == "Mint" for e in doc["events"]),
         "--type mint (case differs): taken as Mint", r)


def test_api_type():
    for path in ("/api/events/recent?type=Bogus", "/api/events?type=Bogus"):
        st, doc = X.node.client("carol").get(path)
        err = doc.get("error", {}) if isinstance(doc, dict) else {}
        t.ok(st == 400 and err.get("code") == "ERR_INVALID_ARGUMENT" and '"Bogus"' in err.get("message", "")
             and "Mint" in err.get("valid_types", []) and len(err.get("valid_types", [])) > 60,
             "%s: 400 ERR_INVALID_ARGUMENT, the types in error.valid_types" % path, (st, doc))
    st, doc = X.node.client("carol").get("/api/events?type=Mint&limit=100")
    t.ok(st == 200 and doc["events"] and all(e["type"] == "Mint" for e in doc["events"]),
         "/api/events answers like /api/events/recent", doc)
    st, doc = X.node.client("carol").get("/api/events/recent?type=%01x")
    t.ok(st == 400 and "?x" in doc.get("error", {}).get("message", ""), "a control character is not echoed", doc)


def columns(header):
    return [m.start() for m in re.finditer(r"\S+", header)]


def aligned(lines):
    """Every line's columns (but DATA's words) start where the header's do."""
    cols = columns(lines[0])
    for ln in lines[1:]:
        for c in cols[1:]:
            if len(ln) <= c or ln[c] == " " or ln[c - 1] != " " or ln[c - 2] != " ":
                return False
    return True


def read_lines(p, n, timeout):
    out, buf = [], b""
    deadline = time.time() + timeout
    fd = p.stdout.fileno()
    while len(out) < n and time.time() < deadline:
        rl, _, _ = select.select([fd], [], [], 0.2)
        if rl:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                out.append(line.decode())
    return out


def test_table():
    r = cli("events", "--recent", "6")
    lines = r.out.splitlines()
    t.ok(r.rc == 0 and len(lines) == 7 and lines[0].split() == ["TIME", "SEQ", "OPERATOR", "TYPE", "ASSET", "DATA"]
         and aligned(lines), "events: a header and 6 aligned rows", r.out)
    r = cli("events", "--type", "Mint", "--asset", "USDC")
    t.ok(re.search(r"\bMint\s+USDC\s+to=%s amount=100$" % A, r.out, re.M) is not None,
         "DATA is key=value text with the amount as the API gives it", r.out)


def test_follow():
    p = subprocess.Popen([X.node.binary, "events", "--follow", "--recent", "3"], env=X.node.env("carol"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        first = read_lines(p, 4, 15)
        st, doc = cmd("alice", {"op": "mint", "asset": "USDC", "to": B, "amount": "4.25"})
        st2, doc2 = cmd("alice", {"op": "mint", "asset": "GOV", "to": B, "amount": "3"})
        more = read_lines(p, 2, 15)
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = "timeout"
    lines = first + more
    t.ok(len(lines) == 6 and lines[0].split() == ["TIME", "SEQ", "OPERATOR", "TYPE", "ASSET", "DATA"],
         "--follow: the header, 3 recent events, then the new ones", lines)
    t.ok(len(lines) == 6 and aligned(lines), "--follow: every line aligned with the header", "\n".join(lines))
    new = more[0] if more else ""
    t.ok(re.search(r"^\S+Z\s+%d\s+alice\s+Mint\s+USDC\s+to=%s amount=4.25$" % (doc.get("seq", -1), B), new)
         is not None, "--follow: the new mint with its command's seq and key=value data", new)
    t.ok(len(more) == 2 and re.search(r"\s%d\s+alice\s+ProposalCreated\s+GOV\s+id=\d+ op=mint proposer=alice "
                                      r"approvals_needed=2$" % doc2.get("seq", -1), more[1]) is not None,
         "--follow: a proposal, with its asset", more)
    t.eq(rc, 0, "--follow: SIGTERM ends it with exit 0")


def events_blob_rewrite(db, fn):
    """Apply fn(type, asset) -> asset to every journaled event; returns how many changed."""
    con = sqlite3.connect(db)
    changed = 0
    rows = con.execute("SELECT height, events FROM blocks ORDER BY height").fetchall()
    for height, blob in rows:
        b = bytearray(blob)
        off = 0
        while off < len(b):
            typ, asset = struct.unpack_from("<HH", b, off + 24)
            new = fn(typ, asset)
            if new != asset:
                struct.pack_into("<H", b, off + 26, new)
                changed += 1
            size = 112 + (16 if typ in (40, 56, 57, 71) else 0) + (48 if typ == 71 else 0)
            off += size
        assert off == len(b), "events blob of block %d: %d bytes parsed of %d" % (height, off, len(b))
        if bytes(b) != blob:
            con.execute("UPDATE blocks SET events=? WHERE height=?", (bytes(b), height))
    con.commit()
    con.close()
    return changed


def restore(saved, db):
    for tail in ("-wal", "-shm"):
        if os.path.exists(db + tail):
            os.unlink(db + tail)
    shutil.copyfile(saved, db)


def test_replay():
    r = X.node.cli("audit", "verify", "--data", X.node.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify: the journal replays to the same events", r)
    t.eq(X.node.stop(), 0, "node stops")
    db = X.node.db
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    saved = os.path.join(WORK, "saved.db")
    shutil.copyfile(db, saved)
    legacy = set(LEGACY_TYPES.values())
    n = events_blob_rewrite(db, lambda typ, asset: 0xFFFF if typ in legacy else asset)
    t.eq(n, 4, "a journal as written before: its approval, execution, timelock execution and cancel of GOV "
               "journaled without their asset")
    r = X.node.cli("audit", "verify", "--data", X.node.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify: the old journal still verifies", r)
    X.node.start()
    ev = events("type=ProposalApproved&limit=10")
    t.ok(ev and all(e["asset"] is None for e in ev), "served: the old journal's approvals as journaled (no asset)", ev)
    t.eq(X.node.stop(), 0, "node stops")
    restore(saved, db)
    n = events_blob_rewrite(db, lambda typ, asset: 0 if typ == LEGACY_TYPES["ProposalApproved"] and asset == 1
                            else asset)
    r = X.node.cli("audit", "verify", "--data", X.node.data)
    t.ok(n >= 1 and r.rc != 0 and "replayed events differ" in (r.out + r.err),
         "audit verify: an approval journaled with another asset is caught", r)
    restore(saved, db)
    events_blob_rewrite(db, lambda typ, asset: 0xFFFF if typ == 0 else asset)
    r = X.node.cli("audit", "verify", "--data", X.node.data)
    t.ok(r.rc != 0 and "replayed events differ" in (r.out + r.err),
         "audit verify: a Mint without its asset is caught (the allowance is for governance events only)", r)
    restore(saved, db)
    X.node.start()
    t.ok(X.node.sanitizer() is None, "no sanitizer report", X.node.sanitizer())


def main():
    gen = os.path.join(WORK, "genesis.yaml")
    with open(gen, "w") as f:
        f.write(GENESIS)
    X.node = Node(genesis=gen, clock_manual=True).start()
    try:
        for fn in (test_command_seq, test_governed, test_history_seq, test_asset_filter, test_type_check,
                   test_api_type, test_table, test_follow, test_replay):
            t.run(fn.__name__, fn)
    finally:
        if X.node.running():
            t.eq(X.node.stop(), 0, "node stops cleanly")
        X.node.cleanup()


main()
t.done()
