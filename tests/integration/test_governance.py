"""test_governance - SPEC 4 on the demo genesis (its default policies).

Two-operator unpause and mint-resume, approvals bound to distinct operators
holding the op's role, cancellation, expiry, the timelock (not ready, due,
past its grace, cancelled), a released command that fails, policy and role
changes through the timelock, the reads (/api/policies, /api/proposals,
/api/timelock, /api/contracts/status), the CLI's exit codes, and that all of
it survives a restart and passes audit verify.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import DEMO_GENESIS, TAP, Node, addr  # noqa: E402

t = TAP("governance")
A1 = addr(1, 0x90)


def code(doc):
    return doc.get("error", {}).get("code") if isinstance(doc, dict) else None


def types(doc):
    return [e["type"] for e in doc.get("events", [])]


class G:
    node = None
    clients = {}  # an operator whose key was rotated signs with its new key

    @classmethod
    def c(cls, who):
        return cls.clients.get(who) or cls.node.client(who)

    @classmethod
    def cmd(cls, who, **kw):
        return cls.c(who).command(kw)

    @classmethod
    def get(cls, path):
        st, doc = cls.c("carol").get(path)
        assert st == 200, (path, st, doc)
        return doc


def test_policies():
    rows = {(p["op"], p["asset"]): p for p in G.get("/api/policies")["policies"]}
    t.eq(rows[("unpause", None)]["approvals"], 2, "default: unpause needs 2 approvals")
    t.eq(rows[("mint_resume", None)]["approvals"], 2, "default: mint_resume needs 2 approvals")
    t.eq(rows[("pause", None)]["approvals"], 1, "default: pause needs 1 (an emergency must not wait)")
    t.eq((rows[("caps.set", None)]["approvals"], rows[("caps.set", None)]["timelock"]), (1, "1d"),
         "default: caps.set is timelocked 24h")
    t.eq(rows[("policy.set", None)]["timelock"], "1d", "default: policy.set is itself timelocked")
    t.ok(all(p["source"] == "default" for p in rows.values()), "every row says default")


def test_two_operator_unpause():
    st, doc = G.cmd("alice", op="pause")
    t.ok(st == 200 and doc["ok"], "alice pauses alone", doc)
    st, doc = G.cmd("alice", op="unpause")
    t.ok(st == 202 and doc["pending"].get("proposal"), "alice's unpause waits as a proposal (202)", doc)
    pid = doc["pending"]["proposal"]
    t.eq(types(doc), ["ProposalCreated"], "ProposalCreated")
    t.eq(G.get("/api/system/status")["node"]["paused"], True, "still paused")
    props = G.get("/api/proposals")["proposals"]
    t.ok(len(props) == 1 and props[0]["id"] == pid and props[0]["approvals"] == ["alice"] and
         props[0]["approvals_needed"] == 2 and props[0]["status"] == "pending", "listed with alice's approval", props)
    st, doc = G.cmd("alice", op="approve", id=pid)
    t.eq((st, code(doc)), (409, "ERR_SAME_OPERATOR"), "alice approving again: ERR_SAME_OPERATOR")
    st, doc = G.cmd("carol", op="approve", id=pid)
    t.eq((st, code(doc)), (403, "ERR_UNAUTHORIZED"), "carol (viewer) cannot approve")
    st, doc = G.cmd("bob", op="approve", id=str(pid))
    t.ok(st == 200 and doc["ok"] and doc.get("executed", {}).get("ok") is True,
         "bob's approval runs it", doc)
    t.eq(types(doc), ["ProposalApproved", "ProposalExecuted", "Unpaused"], "approval events")
    t.eq(G.get("/api/system/status")["node"]["paused"], False, "unpaused")
    t.eq(G.get("/api/proposals")["proposals"], [], "no proposal left")
    st, doc = G.cmd("bob", op="approve", id=pid)
    t.eq((st, code(doc)), (404, "ERR_NOT_FOUND"), "approving a done proposal: ERR_NOT_FOUND")
    detail = (doc.get("error") or {}).get("message", "")
    t.ok("proposal %s is no longer pending" % pid in detail and "history" in detail,
         "... and the error says it is done, not that it never was", doc)
    st, doc = G.cmd("bob", op="approve", id=pid + 1000)
    detail = (doc.get("error") or {}).get("message", "")
    t.ok(code(doc) == "ERR_NOT_FOUND" and "no proposal %d" % (pid + 1000) in detail,
         "approving an id never given: 'no proposal N'", doc)
    st, doc = G.cmd("bob", op="timelock.execute", id=999)
    detail = (doc.get("error") or {}).get("message", "")
    t.ok(code(doc) == "ERR_NOT_FOUND" and "no timelock entry 999" in detail,
         "executing an id never scheduled: 'no timelock entry N'", doc)


def test_cancel():
    G.cmd("alice", op="pause", asset="USDC")
    st, doc = G.cmd("alice", op="unpause", asset="USDC")
    pid = doc["pending"]["proposal"]
    st, doc = G.cmd("bob", op="cancel", id=pid)
    t.eq((st, code(doc)), (403, "ERR_UNAUTHORIZED"), "bob (not proposer, not admin) cannot cancel")
    st, doc = G.cmd("alice", op="cancel", id=pid)
    t.ok(st == 200 and types(doc) == ["ProposalCancelled"], "the proposer cancels", doc)
    st, doc = G.cmd("bob", op="approve", id=pid)
    t.eq(code(doc), "ERR_NOT_FOUND", "a cancelled proposal cannot be approved")
    st, doc = G.cmd("bob", op="unpause", asset="USDC")
    st, doc = G.cmd("alice", op="approve", id=doc["pending"]["proposal"])
    t.ok(doc.get("executed", {}).get("ok"), "a fresh proposal for the same unpause works", doc)


def test_expiry():
    st, doc = G.cmd("alice", op="mint_halt", asset="USDW")
    t.ok(st == 200 and types(doc) == ["MintHalted"], "mint-halt needs one pauser", doc)
    st, doc = G.cmd("alice", op="mint", asset="USDW", to=A1, amount="1")
    t.eq(code(doc), "ERR_MINT_HALTED", "mint refused while halted")
    st, doc = G.cmd("alice", op="mint_resume", asset="USDW")
    pid = doc["pending"]["proposal"]
    G.cmd("alice", op="dev.advance", duration="25h")
    t.eq(G.get("/api/proposals")["proposals"][0]["status"], "expired", "listed as expired after 24h")
    st, doc = G.cmd("bob", op="approve", id=pid)
    t.eq((st, code(doc)), (409, "ERR_PROPOSAL_EXPIRED"), "approving after the ttl: ERR_PROPOSAL_EXPIRED")
    st, doc = G.cmd("bob", op="mint_resume", asset="USDW")
    t.ok("ProposalExpired" in types(doc), "the next proposal sweeps the expired one (ProposalExpired)", doc)
    st, doc = G.cmd("alice", op="approve", id=doc["pending"]["proposal"])
    t.ok(doc.get("executed", {}).get("ok") and "MintResumed" in types(doc), "mint resumed", doc)


def test_timelock():
    st, doc = G.cmd("alice", op="caps.set", asset="USDW", daily_mint_limit="10")
    t.ok(st == 202 and doc["pending"].get("timelock") and doc["pending"].get("eta"),
         "caps.set waits in the timelock with an eta", doc)
    tid = doc["pending"]["timelock"]
    tl = G.get("/api/timelock")["timelock"]
    t.ok(len(tl) == 1 and tl[0]["status"] == "waiting" and tl[0]["args"]["daily_mint_limit"] == "10",
         "/api/timelock lists it with its args", tl)
    st, doc = G.cmd("alice", op="timelock.execute", id=tid)
    t.eq((st, code(doc)), (409, "ERR_TIMELOCK_NOT_READY"), "execute before eta: ERR_TIMELOCK_NOT_READY")
    G.cmd("alice", op="dev.advance", duration="1d")
    st, doc = G.cmd("carol", op="timelock.execute", id=tid)
    t.eq(code(doc), "ERR_UNAUTHORIZED", "carol lacks treasury_manager: cannot execute")
    st, doc = G.cmd("alice", op="timelock.execute", id=tid)
    t.ok(st == 200 and doc.get("executed", {}).get("ok") and "CapsSet" in types(doc), "due: executed", doc)
    st, doc = G.cmd("alice", op="mint", asset="USDW", to=A1, amount="11")
    t.eq(code(doc), "ERR_DAILY_MINT_LIMIT", "the new limit applies")
    st, doc = G.cmd("alice", op="caps.set", asset="USDW", daily_mint_limit="5000000")
    tid = doc["pending"]["timelock"]
    G.cmd("alice", op="dev.advance", duration="16d")
    st, doc = G.cmd("alice", op="timelock.execute", id=tid)
    t.eq(code(doc), "ERR_TIMELOCK_EXPIRED", "after eta + 14 days: ERR_TIMELOCK_EXPIRED")
    st, doc = G.cmd("bob", op="timelock.cancel", id=tid)
    t.eq(code(doc), "ERR_UNAUTHORIZED", "bob (not admin) cannot cancel a timelock entry")
    st, doc = G.cmd("alice", op="timelock.cancel", id=tid)
    t.ok(st == 200 and types(doc) == ["TimelockCancelled"], "the admin cancels it", doc)


def test_failed_release():
    st, doc = G.cmd("alice", op="role.grant", name="nobody", role="pauser")
    t.ok(st == 404 and code(doc) == "ERR_NOT_FOUND" and "pending" not in doc,
         "a grant to no operator is refused when submitted (issue 13 item 5)", doc)
    # One that passes when submitted (its operator's addition waits) and
    # fails when it runs (the addition was cancelled meanwhile).
    st, doc = G.cmd("alice", op="operator.add", name="nobody", pubkey="cd" * 32)
    add = doc["pending"]["timelock"]
    st, doc = G.cmd("alice", op="role.grant", name="nobody", role="pauser")
    tid = doc["pending"]["timelock"]
    st, doc = G.cmd("alice", op="timelock.cancel", id=add)
    t.ok(st == 200, "the addition is cancelled", doc)
    G.cmd("alice", op="dev.advance", duration="1d")
    st, doc = G.cmd("alice", op="timelock.execute", id=tid)
    ex = doc.get("executed", {})
    t.ok(st == 200 and ex.get("ok") is False and ex.get("error", {}).get("code") == "ERR_NOT_FOUND",
         "a released command that fails says so (executed.ok false, its error)", doc)
    t.eq(types(doc), ["TimelockFailed"], "TimelockFailed, and nothing else")
    t.eq(G.get("/api/timelock")["timelock"], [], "the entry is closed")


def test_roles_and_policy():
    st, doc = G.cmd("carol", op="pause")
    t.eq(code(doc), "ERR_UNAUTHORIZED", "carol cannot pause yet")
    st, doc = G.cmd("bob", op="role.grant", name="carol", role="pauser")
    t.eq(code(doc), "ERR_UNAUTHORIZED", "bob (not admin) cannot grant")
    st, doc = G.cmd("alice", op="role.grant", name="carol", role="pauser")
    tid = doc["pending"]["timelock"]
    st, doc = G.cmd("alice", op="policy.set", target_op="pause", approvals="2")
    pol = doc["pending"]["timelock"]
    G.cmd("alice", op="dev.advance", duration="1d")
    st, doc = G.cmd("alice", op="timelock.execute", id=tid)
    t.ok(doc.get("executed", {}).get("ok") and "RoleGranted" in types(doc), "role granted", doc)
    st, doc = G.cmd("alice", op="timelock.execute", id=pol)
    t.ok(doc.get("executed", {}).get("ok") and "PolicySet" in types(doc), "policy set", doc)
    rows = {(p["op"], p["asset"]): p for p in G.get("/api/policies")["policies"]}
    t.eq((rows[("pause", None)]["approvals"], rows[("pause", None)]["source"]), (2, "set"),
         "/api/policies shows the set policy")
    st, doc = G.cmd("carol", op="pause")
    t.ok(st == 202 and doc["pending"].get("proposal"), "carol (now pauser) proposes a pause", doc)
    st, doc = G.cmd("bob", op="approve", id=doc["pending"]["proposal"])
    t.ok(doc.get("executed", {}).get("ok") and "Paused" in types(doc), "bob's approval pauses", doc)
    cs = G.get("/api/contracts/status")
    t.ok(cs["paused"] is True and isinstance(cs["proposals"], list) and isinstance(cs["timelock"], list),
         "contracts status: paused, with proposals and timelock lists", cs)


def test_cli():
    n = G.node
    r = n.cli("unpause", operator="alice")
    t.ok(r.rc == 4 and "proposal" in r.out, "CLI: a pending unpause exits 4 and prints the id", r)
    pid = r.out.split("proposal ")[1].split()[0]
    r = n.cli("approve", pid, operator="alice")
    t.ok(r.rc == 1 and "ERR_SAME_OPERATOR" in r.err, "CLI: approving twice exits 1", r)
    r = n.cli("proposals", operator="carol")
    t.ok(r.rc == 0 and "unpause" in r.out and "alice" in r.out, "CLI: proposals lists it", r)
    r = n.cli("approve", pid, operator="bob")
    t.ok(r.rc == 0 and "approved proposal" in r.out, "CLI: bob approves", r)
    r = n.cli("policy", "list", operator="carol")
    t.ok(r.rc == 0 and "caps.set" in r.out and "1d" in r.out, "CLI: policy list", r)
    r = n.cli("caps", "set", "USDW", "--supply-cap", "2000000000", operator="alice")
    t.ok(r.rc == 4 and "timelock" in r.out, "CLI: caps set is pending in the timelock (exit 4)", r)
    r = n.cli("timelock", operator="carol")
    t.ok(r.rc == 0 and "caps.set" in r.out and "waiting" in r.out, "CLI: timelock lists it", r)


def test_operators_and_keys():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from mlclient import Client
    def fresh():
        k = Ed25519PrivateKey.generate()
        return k, k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    new_key, new_pub = fresh()
    _, erin_pub = fresh()
    _, other_pub = fresh()
    ops = {o["name"]: o for o in G.get("/api/operators")["operators"]}
    t.ok(ops["alice"]["controller"] is True and "admin" in ops["alice"]["roles"] and
         ops["bob"]["key_age_s"] >= 0, "/api/operators: roles, controller, key age", ops)
    st, doc = G.cmd("alice", op="operator.rotate_key", name="bob", pubkey=new_pub)
    tid = doc["pending"]["timelock"]
    st, doc = G.cmd("alice", op="operator.add", name="erin", pubkey=erin_pub)
    add = doc["pending"]["timelock"]
    G.cmd("alice", op="dev.advance", duration="1d")
    st, doc = G.cmd("bob", op="pause", asset="USDC")
    t.ok(st in (200, 202), "bob's old key works until the rotation executes", doc)
    st, doc = G.cmd("alice", op="timelock.execute", id=tid)
    t.ok(doc.get("executed", {}).get("ok") and "KeyRotated" in types(doc), "rotation executed", doc)
    st, doc = G.cmd("bob", op="pause", asset="USDC")
    t.eq((st, code(doc)), (401, "ERR_AUTH_SIGNATURE"), "bob's old key stops working at once")
    bob_new = Client("127.0.0.1", G.node.port, "bob", new_key)
    st, doc = bob_new.command({"op": "pause", "asset": "USDC"})
    t.ok(st in (200, 202), "bob's new key works", doc)
    G.clients["bob"] = bob_new
    t.eq(G.get("/api/operators")["operators"][1]["key_age_s"], 0, "bob's key age restarts at 0")
    st, doc = G.cmd("alice", op="timelock.execute", id=add)
    t.ok(doc.get("executed", {}).get("ok") and "OperatorAdded" in types(doc), "erin added", doc)
    st, doc = G.cmd("alice", op="operator.add", name="frank", pubkey=new_pub)
    t.eq((st, code(doc)), (409, "ERR_KEY_IN_USE"), "adding frank with bob's new key: ERR_KEY_IN_USE")
    queued = len(G.get("/api/timelock")["timelock"])
    st, doc = G.cmd("alice", op="operator.add", name="erin", pubkey=other_pub)
    t.ok(st == 409 and code(doc) == "ERR_ALREADY_EXISTS" and "pending" not in doc
         and len(G.get("/api/timelock")["timelock"]) == queued,
         "adding an existing operator fails with ERR_ALREADY_EXISTS when submitted (issue 13 item 5)", doc)


def test_controller_handover():
    st, doc = G.cmd("bob", op="controller.propose", name="bob")
    t.eq(code(doc), "ERR_UNAUTHORIZED", "only the controller proposes a successor")
    st, doc = G.cmd("alice", op="controller.propose", name="carol")
    t.ok(st == 200 and types(doc) == ["ControllerProposed"], "alice proposes carol", doc)
    t.eq(G.get("/api/contracts/status")["controller_pending"], "carol", "contracts status: pending")
    st, doc = G.cmd("bob", op="controller.accept")
    t.eq(code(doc), "ERR_UNAUTHORIZED", "bob cannot accept carol's handover")
    st, doc = G.cmd("carol", op="controller.accept")
    t.ok(st == 200 and types(doc) == ["ControllerChanged"], "carol accepts", doc)
    cs = G.get("/api/contracts/status")
    t.eq((cs["controller"], cs["controller_pending"]), ("carol", None), "carol is the controller")
    st, doc = G.cmd("carol", op="controller.propose", name="alice")
    G.cmd("alice", op="controller.accept")
    t.eq(G.get("/api/contracts/status")["controller"], "alice", "and back to alice")


def test_restart_and_audit():
    n = G.node
    before = (G.get("/api/proposals"), G.get("/api/timelock"), G.get("/api/policies"),
              G.get("/api/system/status")["node"]["state_hash"])
    n.stop()
    r = n.cli("audit", "verify", "--data", n.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify", r)
    n.start()
    after = (G.get("/api/proposals"), G.get("/api/timelock"), G.get("/api/policies"),
             G.get("/api/system/status")["node"]["state_hash"])
    t.eq(after, before, "proposals, timelock, policies and state hash survive a restart")


G.node = Node(genesis=DEMO_GENESIS, clock_manual=True)
try:
    G.node.start()
    for name, fn in [("policies", test_policies), ("two-operator unpause", test_two_operator_unpause),
                     ("cancel", test_cancel), ("expiry", test_expiry), ("timelock", test_timelock),
                     ("failed release", test_failed_release), ("roles and policy", test_roles_and_policy),
                     ("cli", test_cli), ("operators and keys", test_operators_and_keys),
                     ("controller handover", test_controller_handover),
                     ("restart and audit", test_restart_and_audit)]:
        t.run(name, fn)
    t.ok(G.node.sanitizer() is None, "no sanitizer report", G.node.sanitizer())
finally:
    G.node.stop()
    G.node.cleanup()
t.done()
