"""test_small_refusals - issue 8 item 9's smaller refusals, over raw signed HTTP.

On the tests' genesis (alice admin and oracle_manager, bob, carol; AAXJF a
fund with a NAV): an amount that is not in SPEC 2's canonical form ("01",
"00.5", "12.50") is 400 ERR_INVALID_AMOUNT and not journaled, and the
message says how to write it (the CLI writes what is typed canonically); `operator.add` and `operator.rotate_key` with
a public key another operator holds are 409 ERR_KEY_IN_USE at once (nothing
is scheduled); a genesis giving two operators one key is refused by `init`,
naming both; a `nav.force` reason is 200 characters of any width (200 CJK
characters are 600 bytes) and 201 are refused; and audit verify agrees.
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import GENESIS, TAP, Node, addr, run_cli, default_binary  # noqa: E402

t = TAP("small_refusals")


def seq_now(node):
    st, doc = node.client("carol").get("/api/history?limit=1")
    return doc["history"][0]["seq"] if st == 200 and doc.get("history") else -1


def error_of(doc):
    return doc.get("error", {}) if isinstance(doc, dict) else {}


def test_amounts(node):
    alice = node.client("alice")
    st, doc = alice.command({"op": "mint", "asset": "USDW", "to": addr(1), "amount": "1"})
    t.ok(st == 200, "mint 1: accepted", doc)
    before = seq_now(node)
    for bad, canonical in (("01", "1"), ("00", None), ("00.5", "0.5"), ("12.50", "12.5"), ("1.0", "1"),
                           ("1.", None), (".5", None)):
        st, doc = alice.command({"op": "mint", "asset": "USDW", "to": addr(1), "amount": bad})
        e = error_of(doc)
        t.ok(st == 400 and e.get("code") == "ERR_INVALID_AMOUNT", "mint amount %r: 400 ERR_INVALID_AMOUNT" % bad, doc)
        if canonical:
            t.ok("write %s" % canonical in e.get("message", ""),
                 "mint amount %r: the message says to write %s" % (bad, canonical), doc)
    st, doc = alice.command({"commands": [{"op": "mint", "asset": "USDW", "to": addr(1), "amount": "1"},
                                          {"op": "mint", "asset": "USDW", "to": addr(1), "amount": "01"}]})
    t.ok(st == 400 and error_of(doc).get("code") == "ERR_INVALID_AMOUNT" and
         "commands[1].amount" in error_of(doc).get("message", ""),
         "a batch with amount 01: the whole batch refused, naming commands[1].amount", doc)
    for field, bad in (("supply_cap", "0100"), ("daily_mint_limit", "5.0")):
        st, doc = alice.command({"op": "caps.set", "asset": "USDW", field: bad})
        t.ok(st == 400 and error_of(doc).get("code") == "ERR_INVALID_AMOUNT", "caps.set %s %r: refused" % (field, bad), doc)
    st, doc = alice.command({"op": "nav.update", "asset": "AAXJF", "value": "1.050"})
    t.ok(st == 400 and error_of(doc).get("code") == "ERR_INVALID_AMOUNT", "nav.update value 1.050: refused", doc)
    t.ok(before >= 0 and seq_now(node) == before, "nothing refused for its form was journaled",
         (before, seq_now(node)))
    st, doc = alice.command({"op": "mint", "asset": "USDW", "to": addr(1), "amount": "0.5"})
    t.ok(st == 200 and doc["events"][0]["data"]["amount"] == "0.5", "mint 0.5: accepted", doc)
    # The CLI reads what an operator types and writes it canonically before signing.
    r = node.cli("mint", "USDW", "--to", addr(2), "--amount", "007.50")
    st, doc = node.client("carol").get("/api/history?limit=1")
    t.ok(r.rc == 0 and "minted 7.5 USDW" in r.out and doc["history"][0]["args"]["amount"] == "7.5",
         "CLI mint --amount 007.50: signed and journaled as 7.5", (r, doc))
    r = node.cli("mint", "USDW", "--to", addr(2), "--amount", "7.")
    t.ok(r.rc == 2 and "error: ERR_INVALID_AMOUNT" in r.err, "CLI mint --amount 7.: a usage error found by the CLI", r)


def test_keys(node):
    alice = node.client("alice")
    st, doc = alice.get("/api/operators")
    keys = {o["name"]: o["pubkey"] for o in doc.get("operators", [])} if st == 200 else {}
    t.ok("alice" in keys and "bob" in keys, "the operators and their keys are listed", doc)
    st, doc = alice.command({"op": "operator.add", "name": "frank", "pubkey": keys.get("alice")})
    t.ok(st == 409 and error_of(doc).get("code") == "ERR_KEY_IN_USE" and "pending" not in doc,
         "operator.add frank with alice's key: 409 ERR_KEY_IN_USE, nothing scheduled", doc)
    st, doc = alice.command({"op": "operator.add", "name": "frank", "pubkey": keys.get("bob", "").upper()})
    t.ok(st == 409 and error_of(doc).get("code") == "ERR_KEY_IN_USE",
         "operator.add frank with bob's key in upper case: the same key, refused", doc)
    st, doc = alice.command({"op": "operator.rotate_key", "name": "bob", "pubkey": keys.get("carol")})
    t.ok(st == 409 and error_of(doc).get("code") == "ERR_KEY_IN_USE",
         "operator.rotate_key bob to carol's key: 409 ERR_KEY_IN_USE", doc)
    st, doc = alice.get("/api/timelock")
    t.ok(st == 200 and not doc.get("timelock"), "the timelock is empty", doc)
    fresh = "11" * 32
    st, doc = alice.command({"op": "operator.add", "name": "frank", "pubkey": fresh})
    t.ok(st == 202 and "timelock" in doc.get("pending", {}), "operator.add with an unused key is scheduled", doc)


def test_reason(node):
    alice = node.client("alice")
    for ch, width in (("\u4e2d", 3), ("\U0001F600", 4), ("e", 1)):
        st, doc = alice.command({"op": "nav.force", "asset": "AAXJF", "value": "1", "reason": ch * 200})
        t.ok(st == 200, "nav.force with 200 characters of %d bytes (%d bytes): accepted" % (width, 200 * width), doc)
        st, doc = alice.command({"op": "nav.force", "asset": "AAXJF", "value": "1", "reason": ch * 201})
        t.ok(st == 400 and error_of(doc).get("code") == "ERR_INVALID_ARGUMENT" and
             "reason" in error_of(doc).get("message", ""),
             "nav.force with 201 characters of %d bytes: 400 ERR_INVALID_ARGUMENT naming reason" % width, doc)
    # Raw UTF-8 in the body (not \u escapes): the same count.
    body = json.dumps({"op": "nav.force", "asset": "AAXJF", "value": "1", "reason": "\u00e9" * 200},
                      ensure_ascii=False).encode()
    st, doc = alice.command(body)
    t.ok(st == 200, "nav.force with 200 raw UTF-8 characters of 2 bytes: accepted", doc)
    body = json.dumps({"op": "nav.force", "asset": "AAXJF", "value": "1", "reason": "\u00e9" * 201},
                      ensure_ascii=False).encode()
    st, doc = alice.command(body)
    t.ok(st == 400 and error_of(doc).get("code") == "ERR_INVALID_ARGUMENT",
         "nav.force with 201 raw UTF-8 characters of 2 bytes: refused", doc)
    st, doc = alice.command({"op": "nav.force", "asset": "AAXJF", "value": "1", "reason": "e" * 200})
    st, doc = node.client("carol").get("/api/history?limit=1")
    t.ok(st == 200 and doc["history"][0]["args"].get("reason") == "e" * 200,
         "the reason is journaled and shown whole", doc)


def test_genesis_shared_key():
    with open(GENESIS) as f:
        text = f.read()
    bob_key = "ca9c298168ea53bf5a3e9b60aa2b14af289314f532a809f492207ded1abc7264"
    carol_key = "a4e964a18edba8351736a2dee6073a15b6b91e6bc253200dd3f2e268e292b673"
    t.ok(bob_key in text and carol_key in text, "the tests' genesis holds bob's and carol's keys")
    root = tempfile.mkdtemp(prefix="mintline-it-")
    try:
        path = os.path.join(root, "genesis.yaml")
        with open(path, "w") as f:
            f.write(text.replace(carol_key, bob_key))
        r = run_cli(default_binary(), ["init", "--data", os.path.join(root, "data"), "--genesis", path],
                    env=dict(os.environ, MINTLINE_HOME=root))
        t.ok(r.rc != 0 and "ERR_INVALID_GENESIS" in r.err and "bob and carol" in r.err,
             "init with two operators sharing a key: ERR_INVALID_GENESIS naming bob and carol", r)
        t.ok(not os.path.exists(os.path.join(root, "data", "mintline.db")), "no ledger was created")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    node = Node(clock_manual=True).start()
    try:
        t.run("amounts", test_amounts, node)
        t.run("keys", test_keys, node)
        t.run("reason", test_reason, node)
        t.run("genesis", test_genesis_shared_key)
        r = node.cli("audit", "verify", "--data", node.data, operator=None)
        t.ok(r.rc == 0, "audit verify: ok", r)
        t.ok(not node.sanitizer(), "no sanitizer report in the node's log", node.sanitizer())
    finally:
        node.stop()
    t.done()


if __name__ == "__main__":
    main()
