"""test_admission - one definition of JSON text, and no command hidden from history.

Issue 8, defect 2: the node read bodies with yajl, which takes text jansson
refuses (a lone "\\udc00" escape, the overlong bytes C0 80), and history
read them with jansson and skipped what it could not parse. A batch with a
mint of 777 and a nav.force whose reason is "\\udc00" was journaled, the mint
happened, and neither showed in history. Here, with raw signed HTTP:

- that batch, and a table of hostile texts, are refused 400 ERR_INVALID_JSON
  naming the place, and nothing is journaled;
- duplicate keys (dry_run, atomic, commands, a command's field) are refused
  (item 9), as are malformed query filters on the reads;
- history lists every journaled command, seq for seq, and a body that cannot
  be read (here: damaged in the store) still shows its entries, marked;
- every event carries the operator whose command emitted it.
"""
import json
import os
import shutil
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import TAP, Node, addr  # noqa: E402

t = TAP("admission")
A = addr(0x777, 0xad)
B = addr(0x778, 0xad)
SEQS = []  # every seq a journaled command got, in order


def post(c, body):
    """POST raw bytes as /api/commands, signed by c."""
    return c.raw("POST", "/api/commands", body, c.headers("POST", "/api/commands", body))


def journaled(doc):
    """Record the seqs of an answered (journaled) request."""
    for r in doc.get("results", [doc]):
        if isinstance(r.get("seq"), int):
            SEQS.append(r["seq"])


def history(c, query="limit=1000"):
    """The commands people sent (not the alert loop's `system`: a run of
    rejections trips the failed-commands alert, which opens an incident)."""
    st, doc = c.get("/api/history?" + query)
    assert st == 200, (st, doc)
    return [e for e in doc["history"] if e["operator"] != "system"]


def balance(c, sym, a):
    st, doc = c.get("/api/assets/%s/balances/%s" % (sym, a))
    assert st == 200, (st, doc)
    return doc["balance"]


def height(node):
    return node.status()["node"]["height"]


def attack_body(reason_raw, amount="777"):
    """The issue's batch: a mint, then a nav.force whose reason is the raw bytes given."""
    return (b'{"commands":[{"op":"mint","asset":"USDW","to":"%s","amount":"%s"},'
            b'{"op":"nav.force","asset":"AAXJF","value":"1.01","reason":"%s"}]}'
            % (A.encode(), amount.encode(), reason_raw))


# The reason's raw bytes inside the quotes, and what the refusal must say.
HOSTILE = [
    (b"\\udc00", "lone surrogate escape"),
    (b"\\ud800", "lone surrogate escape"),
    (b"\\ud800\\u0041", "lone surrogate escape"),
    (b"a\xc0\x80b", "overlong UTF-8"),
    (b"\xe0\x80\xaf", "overlong UTF-8"),
    (b"\xed\xa0\x80", "UTF-8 encoded surrogate"),
    (b"\xf4\x90\x80\x80", "UTF-8 above U+10FFFF"),
    (b"\xff", "UTF-8 above U+10FFFF"),
    (b"\x80", "stray UTF-8 continuation byte"),
    (b"\xe2\x82", "incomplete UTF-8 sequence"),
    (b"a\\u0000b", "\\u0000 in a string"),
    (b"a\x01b", "control character in a string"),
]


def refused(node, c, body, code, place, name):
    h0, b0 = height(node), balance(c, "USDW", A)
    st, doc = post(c, body)
    err = doc.get("error", {}) if isinstance(doc, dict) else {}
    t.ok(st == 400 and err.get("code") == code and place in err.get("message", ""),
         "%s: 400 %s naming '%s'" % (name, code, place), (st, doc))
    t.ok(height(node) == h0 and balance(c, "USDW", A) == b0, "%s: nothing journaled or changed" % name)


def test_hidden_history_attack(node):
    alice = node.client("alice")
    refused(node, alice, attack_body(b"\\udc00"), "ERR_INVALID_JSON", "commands[1].reason: lone surrogate escape",
            "the issue's batch (mint 777, nav.force reason \\udc00)")
    for raw, why in HOSTILE:
        refused(node, alice, attack_body(raw), "ERR_INVALID_JSON", "commands[1].reason: " + why,
                "reason %r" % raw)
    # Where the text is broken outside any string, the message still says where.
    texts = [
        (b'\xef\xbb\xbf{"op":"pause"}', "byte above 0x7F outside a string", "a BOM"),
        (b'{"op":"approve","id":99999999999999999999}', "id: integer outside the int64 range",
         "an integer no reader holds"),
        (b'{"op":"approve","id":1e999}', "id: number exponent", "a number that overflows a double"),
        (b'{"op":"pause","x":' + b"[" * 40 + b"]" * 40 + b"}", "nesting too deep", "nesting of 40"),
        (b'{"op":"pause"}/* c */', "characters after the value", "a comment"),
    ]
    for body, place, name in texts:
        refused(node, alice, body, "ERR_INVALID_JSON", place, name)
    # The same batch with clean text is taken: the reason shown exactly as sent.
    reason = "r\u00e9vision \u2713 \U0001F600"
    for raw in (reason.encode(), json.dumps(reason).encode()[1:-1]):  # raw UTF-8, then \u escapes
        st, doc = post(alice, attack_body(raw, "1"))
        t.ok(st == 200 and all(r.get("ok") for r in doc.get("results", [])),
             "the batch with a clean reason (%s) is applied" % ("escaped" if b"\\u" in raw else "raw UTF-8"),
             (st, doc))
        journaled(doc)
        h = history(alice, "limit=2")
        t.ok([e["op"] for e in h] == ["nav.force", "mint"] and h[0]["args"].get("reason") == reason and
             h[1]["args"] == {"asset": "USDW", "to": A, "amount": "1"},
             "history shows both commands, the reason exactly", h)


def test_duplicate_keys(node):
    alice = node.client("alice")
    mint = b'{"op":"mint","asset":"USDW","to":"%s","amount":"5"}' % A.encode()
    cases = [
        (b'{"dry_run":true,"dry_run":false,"commands":[%s]}' % mint, "duplicate key: dry_run",
         "dry_run twice (last-wins would journal a dry run)"),
        (b'{"commands":[%s],"atomic":false,"atomic":true}' % mint, "duplicate key: atomic", "atomic twice"),
        (b'{"commands":[%s],"commands":[%s]}' % (mint, mint), "duplicate key: commands", "commands twice"),
        (b'{"commands":[{"op":"mint","asset":"USDW","to":"%s","amount":"5","amount":"500"}]}' % A.encode(),
         "duplicate key: commands[0].amount", "a command's field twice"),
        (b'{"op":"mint","asset":"USDW","to":"%s","amount":"5","\\u0061mount":"500"}' % A.encode(),
         "duplicate key: amount", "a field twice, once escaped"),
        (b'{"op":"mint","asset":"USDW","to":"%s","amount":"5","dry_run":true,"dry_run":false}' % A.encode(),
         "duplicate key: dry_run", "a single command's dry_run twice"),
    ]
    for body, place, name in cases:
        refused(node, alice, body, "ERR_INVALID_JSON", place, name)


def test_malformed_filters(node):
    carol = node.client("carol")
    for path in ("/api/events/recent?type=%zz", "/api/events/recent?type=Mint&asset=%4",
                 "/api/events/recent?after_seq=%zz", "/api/events/recent?asset=US%00DW",
                 "/api/history?op=%zz", "/api/history?operator=%G1", "/api/history?op=" + "x" * 80):
        st, doc = carol.get(path)
        err = doc.get("error", {}) if isinstance(doc, dict) else {}
        t.ok(st == 400 and err.get("code") == "ERR_INVALID_ARGUMENT", "%s: 400 ERR_INVALID_ARGUMENT" % path,
             (st, doc))
    st, doc = carol.get("/api/events/recent?type=Mint&limit=1")
    t.ok(st == 200 and doc["events"] and doc["events"][0]["type"] == "Mint",
         "a well-formed filter still filters", doc)


def test_history_lists_every_command(node):
    alice, bob, carol = node.client("alice"), node.client("bob"), node.client("carol")
    # Successes, rejections (journaled with their code) and a batch.
    for c, doc in ((bob, {"op": "mint", "asset": "USDW", "to": B, "amount": "3"}),
                   (carol, {"op": "mint", "asset": "USDW", "to": B, "amount": "3"}),
                   (alice, {"commands": [{"op": "transfer", "asset": "USDW", "from": B, "to": A, "amount": "1"},
                                         {"op": "burn", "asset": "USDW", "from": B, "amount": "99"}]})):
        st, ans = c.command(doc)
        t.ok(st in (200, 403) and isinstance(ans, dict), "setup command answered", (st, ans))
        journaled(ans)
    h = history(alice)
    t.eq(sorted(e["seq"] for e in h), sorted(SEQS), "history lists every journaled command, seq for seq")
    t.eq([e["result"] for e in h[:4]], ["ERR_INSUFFICIENT_BALANCE", "ok", "ERR_UNAUTHORIZED", "ok"],
         "history: rejections listed with their codes")
    t.ok(all("unreadable" not in e for e in h), "history: every admitted body reads back whole", h[:3])


def test_events_carry_operator(node):
    alice, bob, carol = node.client("alice"), node.client("bob"), node.client("carol")
    st, doc = bob.command({"op": "mint", "asset": "USDW", "to": B, "amount": "2"})
    journaled(doc)
    evs = doc.get("events", [])
    t.ok(st == 200 and evs and all(e.get("operator") == "bob" for e in evs),
         "the answer's events name bob, who signed", doc)
    st, doc = alice.command({"op": "mint", "asset": "USDW", "to": B, "amount": "1", "dry_run": True})
    t.ok(st == 200 and doc.get("events") and doc["events"][0].get("operator") == "alice",
         "a dry run's events name alice", doc)
    st, doc = carol.get("/api/events/recent?limit=1000")
    ev = doc.get("events", [])
    t.ok(st == 200 and ev and all(isinstance(e.get("operator"), str) for e in ev),
         "/api/events/recent: every event has an operator", ev[:2])
    t.ok(ev and ev[0]["operator"] == "bob" and ev[0]["data"] == {"to": B, "amount": "2"},
         "/api/events/recent: the newest event is bob's mint", ev[:1])
    mine = [e for e in ev if e["type"] == "Mint" and e["data"].get("to") == A]
    t.ok(mine and all(e["operator"] == "alice" for e in mine), "alice's mints name alice", mine[:2])
    st, doc = carol.get("/api/events/recent?after_seq=0&limit=1000")
    t.ok(st == 200 and doc["events"] and [e["operator"] for e in doc["events"]] ==
         [e["operator"] for e in reversed(ev) if e["seq"] > 0],
         "/api/events/recent?after_seq: the same operators, oldest first", doc.get("events", [])[:2])
    r = node.cli("events", "--recent", "3", "--json", operator="carol")
    ok = r.rc == 0 and all(isinstance(e.get("operator"), str) for e in r.json().get("events", []))
    t.ok(ok, "mintline events --json: events carry the operator", r)


def test_unreadable_body_still_listed(node):
    """A journaled body no reader takes (damaged in the store, or written
    before the one definition) hides nothing: its entries stay, marked."""
    alice = node.client("alice")
    st, doc = post(alice, attack_body(b"fine", "4"))
    t.ok(st == 200, "a batch to damage: applied", (st, doc))
    journaled(doc)
    seqs = [r["seq"] for r in doc.get("results", [])]
    node.stop()
    copy = Node(init=False)
    os.makedirs(copy.data)
    shutil.copyfile(node.db, copy.db)
    db = sqlite3.connect(copy.db)
    bad = attack_body(b"\\udc00", "4")  # what a node before the fix journaled
    changed = db.execute("UPDATE requests SET body = ? WHERE first_seq = ?", (bad, seqs[0])).rowcount
    db.commit()
    db.close()
    t.ok(changed == 1, "the body is replaced by the attack's", changed)
    copy.start()
    h = history(copy.client("carol"), "limit=1000")
    mine = [e for e in h if e["seq"] in seqs]
    t.ok([e["op"] for e in mine] == ["nav.force", "mint"] and [e["result"] for e in mine] == ["ok", "ok"] and
         all(e["operator"] == "alice" and "commands[1].reason: lone surrogate escape" in e.get("unreadable", "")
             for e in mine),
         "history still lists both commands, with op, result and the unreadable marker", mine)
    t.ok(mine and mine[1]["args"] == {"asset": "USDW", "to": A, "amount": "4"} and "reason" not in mine[0]["args"],
         "their args come from the journaled commands (the reason only the body had is left out)", mine)
    t.eq(sorted(e["seq"] for e in h), sorted(SEQS), "history still lists every journaled command")
    st, doc = copy.client("carol").get("/api/history?op=mint&limit=1")
    t.ok(st == 200 and doc["history"] and doc["history"][0]["seq"] == seqs[0],
         "the op filter finds the damaged request's mint", doc)
    copy.stop()
    r = copy.cli("audit", "verify", "--data", copy.data)
    t.ok(r.rc == 1 and "ERR_AUDIT_FAILED" in r.err, "audit verify refuses the damaged journal", r)
    copy.cleanup()
    node.start()


node = Node(clock_manual=True)
try:
    node.start()
    t.run("hidden-history attack", test_hidden_history_attack, node)
    t.run("duplicate keys", test_duplicate_keys, node)
    t.run("malformed filters", test_malformed_filters, node)
    t.run("history lists every command", test_history_lists_every_command, node)
    t.run("events carry the operator", test_events_carry_operator, node)
    t.run("unreadable body", test_unreadable_body_still_listed, node)
    node.stop()
    r = node.cli("audit", "verify", "--data", node.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify: the ledger is clean", r)
    t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
finally:
    node.cleanup()
t.done()
