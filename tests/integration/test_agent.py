"""test_agent - blacklist, freeze, forced transfer, recover, rescue (SPEC 3-4).

A ledger with two compliance officers who are also agents (alice, bob) and
the default policies: every one of these tools needs two operators, so each
command here is submitted by one and approved by the other. Walks the
COINSCIOUS "Wallet Freeze" and "Token Rescue" procedures, checks the SPEC 3
order (blacklist before freeze before balance), partial freezes, that
incident tools keep working while paused, and ends with audit verify.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import TAP, Node, addr  # noqa: E402
from mlclient import load_key  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

t = TAP("agent")
KEYS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "keys")
X, Y, Z, S = addr(1, 0xa1), addr(2, 0xa1), addr(3, 0xa1), addr(4, 0xa1)


def pub(name):
    k = load_key(os.path.join(KEYS, name + ".key"))
    return k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


GENESIS = """operators:
  - {name: alice, pubkey: %s, roles: [admin, minter, burner, transfer_agent, pauser, compliance, agent]}
  - {name: bob, pubkey: %s, roles: [pauser, compliance, agent]}
  - {name: carol, pubkey: %s, roles: [viewer]}
assets:
  - {symbol: USDW, kind: plain, decimals: 6}
""" % (pub("alice"), pub("bob"), pub("carol"))


class A:
    node = None


def two(op_doc, first="alice", second="bob"):
    """Submit by one operator, approve by the other; the final (status, doc)."""
    st, doc = A.node.client(first).command(op_doc)
    if st != 202:
        return st, doc
    pid = doc["pending"]["proposal"]
    return A.node.client(second).command({"op": "approve", "id": pid})


def code(st_doc):
    st, doc = st_doc
    if isinstance(doc, dict) and doc.get("executed", {}).get("ok") is False:
        return doc["executed"]["error"]["code"]
    return doc.get("error", {}).get("code") if not doc.get("ok") else "ok"


def alice(doc):
    return A.node.client("alice").command(doc)


def account(a):
    st, doc = A.node.client("carol").get("/api/accounts/" + a)
    return doc


def balance(a):
    st, doc = A.node.client("carol").get("/api/assets/USDW/balances/" + a)
    return doc["balance"], doc["frozen"]


def test_defaults_need_two():
    st, doc = alice({"op": "freeze", "address": X})
    t.ok(st == 202 and doc["pending"].get("proposal"), "freeze waits for a second operator (202)", doc)
    pid = doc["pending"]["proposal"]
    st, doc = A.node.client("alice").command({"op": "approve", "id": pid})
    t.eq(doc.get("error", {}).get("code"), "ERR_SAME_OPERATOR", "the same officer cannot approve")
    st, doc = A.node.client("bob").command({"op": "approve", "id": pid})
    t.ok(doc.get("executed", {}).get("ok"), "bob's approval freezes", doc)
    t.eq(account(X)["frozen"], True, "account shows the address frozen")
    t.eq(code(two({"op": "unfreeze", "address": X})), "ok", "unfreeze (two operators)")
    st, doc = A.node.client("carol").command({"op": "freeze", "address": X})
    t.eq(doc.get("error", {}).get("code"), "ERR_UNAUTHORIZED", "carol (viewer) cannot freeze")


def test_blacklist():
    alice({"op": "mint", "asset": "USDW", "to": Y, "amount": "100"})
    t.eq(code(two({"op": "blacklist.add", "address": X})), "ok", "X blacklisted")
    t.eq(account(X)["blacklisted"], True, "account shows blacklisted")
    t.eq(code(alice({"op": "mint", "asset": "USDW", "to": X, "amount": "1"})),
         "ERR_BLACKLISTED", "mint to a blacklisted address: ERR_BLACKLISTED")
    t.eq(code(alice({"op": "transfer", "asset": "USDW", "from": Y, "to": X, "amount": "1"})),
         "ERR_BLACKLISTED", "transfer to it: ERR_BLACKLISTED")
    t.eq(code(two({"op": "freeze", "address": X})), "ok", "X also frozen")
    t.eq(code(alice({"op": "transfer", "asset": "USDW", "from": Y, "to": X, "amount": "1"})),
         "ERR_BLACKLISTED", "blacklist is checked before freeze (SPEC 3 items 3, 4)")
    t.eq(code(two({"op": "blacklist.remove", "address": X})), "ok", "blacklisting lifted")
    t.eq(code(alice({"op": "transfer", "asset": "USDW", "from": Y, "to": X, "amount": "1"})),
         "ERR_FROZEN", "still frozen: ERR_FROZEN")
    t.eq(code(two({"op": "unfreeze", "address": X})), "ok", "unfrozen")
    t.eq(code(alice({"op": "transfer", "asset": "USDW", "from": Y, "to": X, "amount": "100"})), "ok",
         "transfer goes through again")


def test_wallet_freeze_partial():
    # X holds 100 USDW now.
    t.eq(code(two({"op": "freeze", "address": X, "asset": "USDW", "amount": "60"})), "ok", "freeze 60 of X")
    t.eq(balance(X), ("100", "60"), "balance 100, frozen 60")
    t.eq(code(alice({"op": "transfer", "asset": "USDW", "from": X, "to": Y, "amount": "50"})),
         "ERR_INSUFFICIENT_BALANCE", "only the unfrozen 40 can move")
    t.eq(code(alice({"op": "transfer", "asset": "USDW", "from": X, "to": Y, "amount": "40"})), "ok",
         "the unfrozen part moves")
    t.eq(code(two({"op": "freeze", "address": X, "asset": "USDW", "amount": "1"})), "ERR_INVALID_AMOUNT",
         "freezing more than the balance: ERR_INVALID_AMOUNT")
    t.eq(code(two({"op": "unfreeze", "address": X, "asset": "USDW", "amount": "61"})), "ERR_INVALID_AMOUNT",
         "unfreezing more than is frozen: ERR_INVALID_AMOUNT")
    t.eq(code(alice({"op": "burn", "asset": "USDW", "from": X, "amount": "20"})), "ok",
         "a burn may reach into frozen tokens")
    t.eq(balance(X), ("40", "40"), "the frozen amount follows the burn down")


def test_forced_transfer_and_pause():
    t.eq(code(alice({"op": "pause"})), "ok", "everything paused")
    st, doc = two({"op": "forced_transfer", "asset": "USDW", "from": X, "to": Z, "amount": "30"})
    t.ok(doc.get("executed", {}).get("ok"), "forced transfer works while paused", doc)
    types = [e["type"] for e in doc.get("events", [])]
    t.ok("Unfrozen" in types and "ForcedTransfer" in types, "it unfreezes what the free balance lacks", types)
    t.eq(balance(X), ("10", "10"), "X: 10 left, 10 frozen")
    t.eq(balance(Z), ("30", "0"), "Z received 30")
    t.eq(code(two({"op": "blacklist.add", "address": S})), "ok", "blacklisting works while paused")
    t.eq(code(two({"op": "forced_transfer", "asset": "USDW", "from": X, "to": S, "amount": "1"})),
         "ERR_BLACKLISTED", "no forced transfer lands on a blacklisted receiver")
    t.eq(code(alice({"op": "transfer", "asset": "USDW", "from": Z, "to": Y, "amount": "1"})), "ERR_PAUSED",
         "plain transfers stay paused")
    st, doc = alice({"op": "unpause"})
    A.node.client("bob").command({"op": "approve", "id": doc["pending"]["proposal"]})


def test_recover_and_rescue():
    t.eq(code(two({"op": "freeze", "address": X, "asset": "USDW"})), "ok", "X frozen for USDW")
    st, doc = two({"op": "recover", "asset": "USDW", "lost": X, "new": Y})
    t.ok(doc.get("executed", {}).get("ok"), "recover X to Y", doc)
    t.eq(balance(X), ("0", "0"), "X emptied")
    bx, fy = balance(Y)
    t.eq(fy, "10", "Y carries X's frozen amount")
    t.eq(account(Y)["balances"]["USDW"]["asset_frozen"], True, "and X's freeze of USDW")
    t.eq(code(two({"op": "rescue", "asset": "USDW", "from": Y, "to": S, "amount": "5"})), "ERR_BLACKLISTED",
         "rescue to a blacklisted address: ERR_BLACKLISTED")
    t.eq(code(two({"op": "rescue", "asset": "USDW", "from": Y, "to": Z, "amount": "5"})), "ok",
         "rescue out of a frozen wallet to a safe one")
    t.eq(code(two({"op": "rescue", "asset": "USDW", "from": Y, "to": Z, "amount": "100000"})),
         "ERR_INSUFFICIENT_BALANCE", "rescue more than the balance: ERR_INSUFFICIENT_BALANCE")


def test_batch_freeze():
    """ERC-3643's batch freeze: one signed batch, each leg on its own."""
    st, doc = alice({"commands": [{"op": "freeze", "address": addr(10, 0xa1)},
                                  {"op": "freeze", "address": addr(11, 0xa1)}]})
    ids = [r.get("pending", {}).get("proposal") for r in doc.get("results", [])]
    t.ok(st == 200 and len(ids) == 2 and all(ids), "a batch of two freezes: two proposals", doc)
    for pid in ids:
        A.node.client("bob").command({"op": "approve", "id": pid})
    t.ok(account(addr(10, 0xa1))["frozen"] and account(addr(11, 0xa1))["frozen"],
         "both addresses frozen once approved")


def test_audit():
    st, doc = A.node.client("carol").get("/api/assets/USDW")
    supply = doc["supply"]
    total = sum(int(balance(a)[0]) for a in (X, Y, Z, S))
    t.eq(str(total), supply, "supply = sum of balances")
    A.node.stop()
    r = A.node.cli("audit", "verify", "--data", A.node.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify", r)
    A.node.start()


with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
    f.write(GENESIS)
    genesis = f.name
A.node = Node(genesis=genesis)
try:
    A.node.start()
    for name, fn in [("defaults", test_defaults_need_two), ("blacklist", test_blacklist),
                     ("wallet freeze", test_wallet_freeze_partial),
                     ("forced transfer", test_forced_transfer_and_pause),
                     ("recover and rescue", test_recover_and_rescue), ("batch freeze", test_batch_freeze),
                     ("audit", test_audit)]:
        t.run(name, fn)
    t.ok(A.node.sanitizer() is None, "no sanitizer report", A.node.sanitizer())
finally:
    A.node.stop()
    A.node.cleanup()
    os.unlink(genesis)
t.done()
