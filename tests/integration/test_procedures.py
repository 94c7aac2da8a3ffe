"""test_procedures - the runbooks' emergency and key procedures, CLI only.

Each test walks one procedure step by step as an operator would, with the
`mintline` command line only (no HTTP): the COINSCIOUS "Global System
Pause", "Wallet Freeze", "Controller Rotation" and "Token Rescue" and the
AsiaFlex "Treasury Signer Rotation" (docs/operators/*.md map them to
commands). Every step checks the exit code (SPEC 8: 0 done, 1 rejected,
4 pending) and the human output, taking proposal and timelock ids from the
`pending:` lines; after each procedure the state is read back with `status`,
`account show`, `balance`, `operator list`, `history` (the procedure's
commands with their results, in order) and `events` (what they did).

The node runs with --clock manual on a genesis written here: alice and bob
both hold the roles the procedures need (pauser, compliance, agent,
treasury_manager), alice is also admin and controller, carol only reads.
Ends with `audit verify --data DIR` on the stopped node.
"""
import os
import re
import stat
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import KEYS_DIR, Node, TAP, addr, cli_table  # noqa: E402
from mlclient import load_key  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

t = TAP("procedures")

H1, H2 = addr(1, 0xc1), addr(2, 0xc1)          # ordinary holders
W = addr(3, 0xc1)                              # the wallet to freeze
STUCK, SAFE = addr(4, 0xc1), addr(5, 0xc1)     # rescue: from a barred wallet to a safe one


def pub(name):
    k = load_key(os.path.join(KEYS_DIR, name + ".key"))
    return k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


GENESIS = """operators:
  - {name: alice, pubkey: %s, roles: [admin, minter, burner, transfer_agent, pauser, compliance, agent, treasury_manager]}
  - {name: bob, pubkey: %s, roles: [pauser, compliance, agent, treasury_manager]}
  - {name: carol, pubkey: %s, roles: [viewer]}
controller: alice
assets:
  - {symbol: USDW, kind: plain, decimals: 6}
  - {symbol: USDC, kind: plain, decimals: 6}
""" % (pub("alice"), pub("bob"), pub("carol"))

PENDING_P = re.compile(r"^pending: proposal (\d+) awaits more approvals \(mintline approve (\d+)\)$", re.M)
PENDING_T = re.compile(r"^pending: timelock (\d+), executable from (\S+) \(mintline timelock execute (\d+)\)$",
                       re.M)
DONE = r"\(seq \d+, block \d+(; [a-z ]+)?\)$"


class P:
    node = None
    keys = {}      # operator -> key file to sign with (after a rotation)


# ------------------------------------------------------------ helpers ----

def cli(who, *args):
    """`mintline ARGS` as operator who (with its rotated key file if any)."""
    extra = ("--key", P.keys[who]) if who in P.keys else ()
    return P.node.cli(*(args + extra), operator=who)


def step(who, args, rc, name, out=None, err=None):
    """Run one step; check its exit code, and that stdout matches the regex out
    (a full line) and stderr says `error: ERR: ...` when err is given."""
    r = cli(who, *args)
    good = r.rc == rc
    if out is not None:
        good = good and re.search("^" + out, r.out, re.M) is not None
    if err is not None:
        good = good and r.err.startswith("error: %s: " % err) and r.out == ""
    t.ok(good, "%s (mintline %s -> %d%s)" % (name, " ".join(args[:2]), rc, ", " + err if err else ""), r)
    return r


def submit(who, args, name):
    """A command that needs two operators: exit 4 and a `pending: proposal N`
    line naming the approve command; returns N (or None)."""
    r = cli(who, *args)
    m = PENDING_P.search(r.out)
    t.ok(r.rc == 4 and m and m.group(1) == m.group(2) and r.err == "",
         "%s: pending proposal (exit 4)" % name, r)
    return m.group(1) if m else None


def approve(who, pid, name, rc=0, err=None):
    if err:
        return step(who, ("approve", pid), rc, name, err=err)
    return step(who, ("approve", pid), rc, name, out=r"approved proposal %s " % pid + DONE)


def two(first, second, args, name):
    """Submit by first, approve by second: the runbook's 'confirm with a second operator'."""
    pid = submit(first, args, name)
    if pid is not None:
        approve(second, pid, "%s: %s approves proposal" % (name, second))
    return pid


def read(args, who="carol"):
    r = cli(who, *args)
    if r.rc != 0:
        raise RuntimeError("read failed: %r" % r)
    return r


def status():
    """(paused yes/no from the node line, {SYM: asset row}, JSON document)."""
    out = read(("status",)).out
    m = re.search(r"^writable .*\bpaused (yes|no)\b", out, re.M)
    rows = {r["ASSET"]: r for r in cli_table(out[out.index("ASSET"):])}
    return (m.group(1) if m else None), rows, read(("status", "--json")).json()


def balance(sym, a):
    """(balance, frozen) from `mintline balance SYM ADDR`."""
    out = read(("balance", sym, a)).out
    b = re.search(r"^balance\s+(\S+) %s$" % sym, out, re.M)
    f = re.search(r"^frozen\s+(\S+) %s$" % sym, out, re.M)
    return (b.group(1) if b else out, f.group(1) if f else out)


def account(a):
    """{field: value} of the header and {SYM: row} of `mintline account show ADDR`."""
    out = read(("account", "show", a)).out
    head, _, tab = out.partition("\n\n")
    fields = dict(re.split(r"\s+", ln.strip(), maxsplit=1) for ln in head.splitlines() if ln.strip())
    return fields, {r["ASSET"]: r for r in cli_table(tab)}


def seconds(text):
    """A duration as the CLI shows it ("2d 5h", "29h 10m", "0s") in seconds."""
    unit = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    return sum(int(n) * unit[u] for n, u in re.findall(r"(\d+)([dhms])", text))


def operators():
    return {r["NAME"]: r for r in cli_table(read(("operator", "list")).out)}


def mark():
    """The newest history and event seq: what a procedure's checks start after."""
    h = cli_table(read(("history", "--limit", "1")).out)
    e = cli_table(read(("events", "--recent", "1")).out)
    return (int(h[0]["SEQ"]) if h else -1, int(e[0]["SEQ"]) if e else -1)


def history_since(m):
    """[(operator, op, result, args)], oldest first, of the commands after mark m
    that people sent (the alert loop's `system`, which opens incidents when a
    procedure trips a critical alert, is checked by test_alert_loop)."""
    rows = cli_table(read(("history", "--limit", "1000")).out)
    return [(r["OPERATOR"], r["OP"], r["RESULT"], r.get("ARGS", ""))
            for r in reversed(rows) if int(r["SEQ"]) > m[0] and r["OPERATOR"] != "system"]


def events_since(m):
    """[(type, asset, data)], oldest first, of the events after mark m."""
    rows = cli_table(read(("events", "--recent", "1000")).out)
    return [(r["TYPE"], r["ASSET"], r.get("DATA", "")) for r in reversed(rows)
            if int(r["SEQ"]) > m[1] and r.get("OPERATOR") != "system"]


def plain(result):
    """A history RESULT without its ids: "pending proposal", "ok (proposal: ok)"
    (a command that waits, and what an approval or execution released)."""
    return re.sub(r" \d+", "", result)


def check_history(m, want, name="history lists the procedure's commands with their results"):
    got = [(h[0], h[1], plain(h[2])) for h in history_since(m)]
    t.eq(got, want, name)


def check_events(m, want, name="events show what the procedure did"):
    got = [e[0] for e in events_since(m)]
    t.eq(got, want, name)


# --------------------------------------------------------- procedures ----

def test_global_pause():
    """COINSCIOUS "Global System Pause": pause at once, verify, two-operator unpause."""
    step("alice", ("mint", "USDW", "--to", H1, "--amount", "1000"), 0, "setup: mint to a holder",
         out=r"minted 1000 USDW to %s " % H1 + DONE)
    m = mark()
    step("alice", ("pause",), 0, "one pauser pauses everything at once", out=r"paused everything " + DONE)
    paused, rows, doc = status()
    t.eq((paused, doc["node"]["paused"]), ("yes", True), "status: node paused yes")
    step("alice", ("mint", "USDW", "--to", H1, "--amount", "1"), 1, "mint refused while paused", err="ERR_PAUSED")
    step("alice", ("transfer", "USDW", "--from", H1, "--to", H2, "--amount", "1"), 1,
         "transfer refused while paused", err="ERR_PAUSED")
    step("alice", ("burn", "USDW", "--from", H1, "--amount", "1"), 1, "burn refused while paused",
         err="ERR_PAUSED")
    step("bob", ("pause",), 0, "the second operator re-runs the pause: no error, says already paused",
         out=r"paused everything \(seq \d+, block \d+; already paused\)$")
    step("carol", ("pause",), 1, "a viewer cannot pause", err="ERR_UNAUTHORIZED")
    step("carol", ("transfer", "USDW", "--from", H1, "--to", H2, "--amount", "1"), 1,
         "authorisation is checked before the pause", err="ERR_UNAUTHORIZED")
    pid = submit("alice", ("unpause",), "unpause")
    r = read(("proposals",))
    rows = {p["ID"]: p for p in cli_table(r.out)}
    p = rows.get(pid, {})
    t.ok(p.get("OP") == "unpause" and p.get("PROPOSER") == "alice" and p.get("NEEDED") == "2"
         and p.get("STATUS") == "pending", "proposals lists the unpause: alice, 1 of 2", r)
    t.eq(status()[0], "yes", "still paused while the unpause waits")
    approve("alice", pid, "the proposer cannot approve it too", rc=1, err="ERR_SAME_OPERATOR")
    approve("carol", pid, "a viewer cannot approve", rc=1, err="ERR_UNAUTHORIZED")
    approve("bob", pid, "bob approves: unpaused")
    paused, rows, doc = status()
    t.eq((paused, doc["node"]["paused"], rows["USDW"]["PAUSED"]), ("no", False, "no"), "status: paused no")
    approve("bob", pid, "approving a done proposal", rc=1, err="ERR_NOT_FOUND")
    t.eq(cli_table(read(("proposals",)).out), [], "no proposal left")
    step("alice", ("transfer", "USDW", "--from", H1, "--to", H2, "--amount", "100"), 0,
         "transfers go through again", out=r"transferred 100 USDW from %s to %s " % (H1, H2) + DONE)
    t.eq((balance("USDW", H1), balance("USDW", H2)), (("900", "0"), ("100", "0")), "balances after the drill")
    check_history(m, [("alice", "pause", "ok"), ("alice", "mint", "ERR_PAUSED"),
                      ("alice", "transfer", "ERR_PAUSED"), ("alice", "burn", "ERR_PAUSED"),
                      ("bob", "pause", "ok"), ("carol", "pause", "ERR_UNAUTHORIZED"),
                      ("carol", "transfer", "ERR_UNAUTHORIZED"), ("alice", "unpause", "pending proposal"),
                      ("alice", "approve", "ERR_SAME_OPERATOR"), ("carol", "approve", "ERR_UNAUTHORIZED"),
                      ("bob", "approve", "ok (proposal: ok)"), ("bob", "approve", "ERR_NOT_FOUND"),
                      ("alice", "transfer", "ok")])
    check_events(m, ["Paused", "Paused", "ProposalCreated", "ProposalApproved", "ProposalExecuted",
                     "Unpaused", "Transfer"])
    ev = [e for e in events_since(m) if e[0] in ("Paused", "Unpaused")]
    t.eq([e[2] for e in ev], ["scope=global already=no", "scope=global already=yes",
                              "scope=global already=no"], "Paused, Paused (already), Unpaused")


def test_wallet_freeze():
    """COINSCIOUS "Wallet Freeze": freeze with a second operator's confirmation,
    verify, a partial freeze of an amount, unfreeze."""
    step("alice", ("mint", "USDW", "--to", W, "--amount", "100"), 0, "setup: the wallet holds 100",
         out=r"minted 100 USDW to %s " % W + DONE)
    m = mark()
    pid = submit("alice", ("freeze", W), "freeze the wallet")
    r = read(("proposals",))
    p = {x["ID"]: x for x in cli_table(r.out)}.get(pid, {})
    t.ok(p.get("OP") == "freeze" and W in p.get("ARGS", ""), "proposals shows the freeze and the address", r)
    t.eq(account(W)[0].get("frozen"), "no", "not frozen before the confirmation")
    approve("bob", pid, "bob confirms: frozen")
    fields, rows = account(W)
    t.eq((fields.get("frozen"), fields.get("blacklisted"), rows.get("USDW", {}).get("BALANCE")),
         ("yes", "no", "100"), "account show: frozen yes, balance 100")
    step("alice", ("transfer", "USDW", "--from", W, "--to", H1, "--amount", "1"), 1,
         "transfer from the frozen wallet", err="ERR_FROZEN")
    step("alice", ("transfer", "USDW", "--from", H1, "--to", W, "--amount", "1"), 1,
         "transfer to the frozen wallet", err="ERR_FROZEN")
    step("alice", ("mint", "USDW", "--to", W, "--amount", "1"), 1, "mint to the frozen wallet", err="ERR_FROZEN")
    step("carol", ("freeze", H1), 1, "a viewer cannot freeze", err="ERR_UNAUTHORIZED")
    two("bob", "alice", ("unfreeze", W), "unfreeze (bob proposes, alice confirms)")
    t.eq(account(W)[0].get("frozen"), "no", "account show: frozen no")
    # partial freeze of an amount
    two("alice", "bob", ("freeze", W, "--asset", "USDW", "--amount", "60"), "freeze 60 USDW of the wallet")
    t.eq(balance("USDW", W), ("100", "60"), "balance: 100, frozen 60")
    t.eq(account(W)[1].get("USDW", {}).get("FROZEN"), "60", "account show: USDW frozen 60")
    step("alice", ("transfer", "USDW", "--from", W, "--to", H1, "--amount", "41"), 1,
         "only the unfrozen 40 can move", err="ERR_INSUFFICIENT_BALANCE")
    step("alice", ("transfer", "USDW", "--from", W, "--to", H1, "--amount", "40"), 0, "the unfrozen 40 moves",
         out=r"transferred 40 USDW from %s to %s " % (W, H1) + DONE)
    step("alice", ("transfer", "USDW", "--from", H2, "--to", W, "--amount", "10"), 0,
         "a partially frozen wallet still receives", out=r"transferred 10 USDW from %s to %s " % (H2, W) + DONE)
    t.eq(balance("USDW", W), ("70", "60"), "balance: 70, frozen 60")
    pid = submit("alice", ("unfreeze", W, "--asset", "USDW", "--amount", "61"), "unfreeze more than is frozen")
    approve("bob", pid, "at the approval it fails", rc=1, err="ERR_INVALID_AMOUNT")
    two("alice", "bob", ("unfreeze", W, "--asset", "USDW", "--amount", "60"), "unfreeze the 60")
    t.eq(balance("USDW", W), ("70", "0"), "balance: 70, frozen 0")
    step("alice", ("transfer", "USDW", "--from", W, "--to", H1, "--amount", "70"), 0, "the wallet moves again",
         out=r"transferred 70 USDW from %s to %s " % (W, H1) + DONE)
    P, R = "pending proposal", "ok (proposal: ok)"
    check_history(m, [("alice", "freeze", P), ("bob", "approve", R),
                      ("alice", "transfer", "ERR_FROZEN"), ("alice", "transfer", "ERR_FROZEN"),
                      ("alice", "mint", "ERR_FROZEN"), ("carol", "freeze", "ERR_UNAUTHORIZED"),
                      ("bob", "unfreeze", P), ("alice", "approve", R),
                      ("alice", "freeze", P), ("bob", "approve", R),
                      ("alice", "transfer", "ERR_INSUFFICIENT_BALANCE"), ("alice", "transfer", "ok"),
                      ("alice", "transfer", "ok"),
                      ("alice", "unfreeze", P), ("bob", "approve", "ok (proposal: ERR_INVALID_AMOUNT)"),
                      ("alice", "unfreeze", P), ("bob", "approve", R), ("alice", "transfer", "ok")])
    fz = [e for e in events_since(m) if e[0] in ("Frozen", "Unfrozen", "ProposalFailed")]
    t.eq([(e[0], e[1]) for e in fz], [("Frozen", "-"), ("Unfrozen", "-"), ("Frozen", "USDW"),
                                      ("ProposalFailed", "USDW"), ("Unfrozen", "USDW")],
         "events: Frozen, Unfrozen, Frozen 60, ProposalFailed, Unfrozen 60")
    t.ok(all(W in e[2] for e in fz if e[0] != "ProposalFailed") and "amount=60" in fz[2][2]
         and "ERR_INVALID_AMOUNT" in fz[3][2], "the events name the wallet, the amount and the error", fz)


def test_controller_rotation():
    """COINSCIOUS "Controller Rotation": two-step handover, verify in the events,
    test the new controller's permissions, hand back."""
    ops = operators()
    t.eq((ops["alice"]["CONTROLLER"], ops["bob"]["CONTROLLER"]), ("yes", "no"), "operator list: alice controls")
    # before: bob (not admin, not controller) cannot cancel someone else's proposal
    pid = submit("alice", ("freeze", H2), "a proposal to test the controller's powers on")
    step("bob", ("cancel", pid), 1, "bob cannot cancel alice's proposal yet", err="ERR_UNAUTHORIZED")
    m = mark()
    step("bob", ("controller", "propose", "bob"), 1, "only the controller proposes a successor",
         err="ERR_UNAUTHORIZED")
    step("alice", ("controller", "propose", "bob"), 0, "1. the controller proposes bob",
         out=r"proposed bob as controller " + DONE)
    t.eq(status()[2]["node"].get("controller"), "alice", "alice stays controller until bob accepts")
    step("carol", ("controller", "accept"), 1, "carol cannot take bob's handover", err="ERR_UNAUTHORIZED")
    step("bob", ("controller", "accept"), 0, "2. bob accepts", out=r"accepted the controller role " + DONE)
    t.eq(status()[2]["node"].get("controller"), "bob", "status: controller bob")
    ops = operators()
    t.eq((ops["alice"]["CONTROLLER"], ops["bob"]["CONTROLLER"]), ("no", "yes"), "operator list: bob controls")
    ev = [e for e in events_since(m) if e[0].startswith("Controller")]
    t.eq(ev, [("ControllerProposed", "-", "name=bob"), ("ControllerChanged", "-", "from=alice to=bob")],
         "3. events: ControllerProposed, ControllerChanged alice -> bob")
    step("bob", ("cancel", pid), 0, "4. the new controller cancels any proposal",
         out=r"cancelled proposal %s " % pid + DONE)
    step("alice", ("controller", "propose", "alice"), 1, "alice is no longer controller",
         err="ERR_UNAUTHORIZED")
    # hand back
    step("bob", ("controller", "propose", "alice"), 0, "hand back: bob proposes alice",
         out=r"proposed alice as controller " + DONE)
    step("alice", ("controller", "accept"), 0, "alice accepts", out=r"accepted the controller role " + DONE)
    t.eq(status()[2]["node"].get("controller"), "alice", "status: controller alice again")
    t.eq(operators()["alice"]["CONTROLLER"], "yes", "operator list: alice controls again")
    step("bob", ("controller", "accept"), 1, "no handover pending: nothing to accept", err="ERR_NOT_FOUND")
    check_history(m, [("bob", "controller.propose", "ERR_UNAUTHORIZED"), ("alice", "controller.propose", "ok"),
                      ("carol", "controller.accept", "ERR_UNAUTHORIZED"), ("bob", "controller.accept", "ok"),
                      ("bob", "cancel", "ok"), ("alice", "controller.propose", "ERR_UNAUTHORIZED"),
                      ("bob", "controller.propose", "ok"), ("alice", "controller.accept", "ok"),
                      ("bob", "controller.accept", "ERR_NOT_FOUND")])
    check_events(m, ["ControllerProposed", "ControllerChanged", "ProposalCancelled", "ControllerProposed",
                     "ControllerChanged"])


def test_token_rescue():
    """COINSCIOUS "Token Rescue": tokens stuck in a blacklisted wallet go to a
    safe address with a second operator's confirmation."""
    step("alice", ("mint", "USDW", "--to", STUCK, "--amount", "250"), 0, "setup: tokens sent to a wallet",
         out=r"minted 250 USDW to %s " % STUCK + DONE)
    two("alice", "bob", ("blacklist", "add", STUCK), "setup: the wallet is blacklisted")
    t.eq(account(STUCK)[0].get("blacklisted"), "yes", "account show: blacklisted yes")
    step("alice", ("transfer", "USDW", "--from", STUCK, "--to", SAFE, "--amount", "1"), 1,
         "the tokens are stuck: a transfer out is refused", err="ERR_BLACKLISTED")
    supply = status()[1]["USDW"]["SUPPLY"]
    m = mark()
    step("carol", ("rescue", "USDW", "--from", STUCK, "--to", SAFE, "--amount", "200"), 1,
         "a viewer cannot rescue", err="ERR_UNAUTHORIZED")
    pid = submit("alice", ("rescue", "USDW", "--from", STUCK, "--to", SAFE, "--amount", "200"),
                 "rescue 200 USDW to the safe address")
    r = read(("proposals",))
    p = {x["ID"]: x for x in cli_table(r.out)}.get(pid, {})
    t.ok(p.get("OP") == "rescue" and STUCK in p.get("ARGS", "") and SAFE in p.get("ARGS", "")
         and "amount=200" in p.get("ARGS", ""), "proposals shows the rescue: token, from, to, amount", r)
    t.eq(balance("USDW", SAFE), ("0", "0"), "nothing moves before the confirmation")
    approve("bob", pid, "bob confirms: rescued")
    t.eq((balance("USDW", STUCK), balance("USDW", SAFE)), (("50", "0"), ("200", "0")),
         "balances: 200 moved to the safe address")
    t.eq(status()[1]["USDW"]["SUPPLY"], supply, "status: supply unchanged (moved, not burned)")
    # a rescue must land on an address that passes the checks
    r = cli("alice", "rescue", "USDW", "--from", SAFE, "--to", STUCK, "--amount", "1")
    m2 = PENDING_P.search(r.out)
    if r.rc == 4 and m2:
        r = cli("bob", "approve", m2.group(1))
    t.ok(r.rc == 1 and r.err.startswith("error: ERR_BLACKLISTED: "),
         "rescue to a blacklisted address: ERR_BLACKLISTED (exit 1)", r)
    pid = submit("alice", ("rescue", "USDW", "--from", STUCK, "--to", SAFE, "--amount", "51"),
                 "rescue more than the wallet holds")
    approve("bob", pid, "at the approval it fails", rc=1, err="ERR_INSUFFICIENT_BALANCE")
    # incident tools keep working while paused
    step("bob", ("pause",), 0, "pause everything", out=r"paused everything " + DONE)
    two("bob", "alice", ("rescue", "USDW", "--from", STUCK, "--to", SAFE, "--amount", "50"),
        "rescue the rest while paused (bob proposes, alice confirms)")
    pid = submit("alice", ("unpause",), "unpause")
    approve("bob", pid, "bob confirms the unpause")
    t.eq((balance("USDW", STUCK), balance("USDW", SAFE)), (("0", "0"), ("250", "0")),
         "balances: the wallet is empty, the safe address holds 250")
    fields, rows = account(SAFE)
    t.eq((fields.get("blacklisted"), fields.get("frozen"), rows.get("USDW", {}).get("BALANCE")),
         ("no", "no", "250"), "account show of the safe address")
    hist = history_since(m)
    want = [("carol", "rescue", "ERR_UNAUTHORIZED"), ("alice", "rescue", "pending proposal"),
            ("bob", "approve", "ok (proposal: ok)")]
    t.eq([(h[0], h[1], plain(h[2])) for h in hist[:3]], want, "history: the refused and the confirmed rescue")
    t.ok(any(h[1] == "rescue" and "amount=200" in h[3] and STUCK in h[3] for h in hist),
         "history shows the rescue's arguments", hist)
    resc = [e for e in events_since(m) if e[0] in ("Rescued", "ProposalFailed")]
    t.eq([e[0] for e in resc], ["Rescued", "ProposalFailed", "ProposalFailed", "Rescued"],
         "events: Rescued, two failed proposals, Rescued")
    t.eq(resc[0][1:], ("USDW", "from=%s to=%s amount=200" % (STUCK, SAFE)), "Rescued: asset, from, to, amount")
    t.ok("ERR_BLACKLISTED" in resc[1][2] and "ERR_INSUFFICIENT_BALANCE" in resc[2][2],
         "ProposalFailed events name the errors", resc)


def test_signer_rotation():
    """AsiaFlex "Treasury Signer Rotation": new key, timelocked rotation,
    execute after the delay, the old key stops, the new one works."""
    home_keys = os.path.join(P.node.home, "keys")
    new_file = os.path.join(home_keys, "bob-2026q4.key")
    old_file = os.path.join(home_keys, "bob.key")
    # 1. generate the new signer
    r = step("bob", ("key", "new", "bob-2026q4"), 0, "1. bob makes a new key", out=r"[0-9a-f]{64}$")
    new_pub = r.out.strip()
    mode = stat.S_IMODE(os.stat(new_file).st_mode) if os.path.exists(new_file) else None
    t.eq(mode, 0o600, "the key file is $MINTLINE_HOME/keys/bob-2026q4.key, mode 0600")
    step("bob", ("key", "show", "bob-2026q4"), 0, "key show prints the same public key", out=new_pub + "$")
    with open(new_file) as f:
        before = f.read()
    r = cli("bob", "key", "new", "bob-2026q4")
    with open(new_file) as f:
        t.ok(r.rc != 0 and r.err.startswith("error: ") and f.read() == before,
             "key new refuses to overwrite the key", r)
    step("bob", ("status", "--key", new_file), 1, "the new key is not bob's yet", err="ERR_AUTH_SIGNATURE")
    step("alice", ("dev", "advance", "2d"), 0, "(time passes: the old key ages)",
         out=r"advanced the ledger clock by 2d " + DONE)
    age_before = seconds(operators()["bob"]["KEY AGE"])
    t.ok(age_before >= 2 * 86400, "operator list: bob's key is 2 days old", age_before)
    m = mark()
    # 2-3. schedule via the timelock
    step("bob", ("operator", "rotate-key", "bob", "--pubkey", new_pub), 1,
         "bob cannot rotate his own key (admin only)", err="ERR_UNAUTHORIZED")
    r = cli("alice", "operator", "rotate-key", "bob", "--pubkey", new_pub)
    mt = PENDING_T.search(r.out)
    t.ok(r.rc == 4 and mt and mt.group(1) == mt.group(3), "2. alice schedules the rotation: pending timelock (exit 4)",
         r)
    tid, eta = (mt.group(1), mt.group(2)) if mt else (None, None)
    now = status()[2]["node"]["time"]
    t.eq(eta, _plus_day(now), "the eta is 24h from now")
    r = read(("timelock",))
    e = {x["ID"]: x for x in cli_table(r.out)}.get(tid, {})
    t.ok(e.get("OP") == "operator.rotate_key" and new_pub in e.get("ARGS", "") and e.get("BY") == "alice"
         and e.get("ETA") == eta and e.get("STATUS") == "waiting", "timelock lists it: op, new key, eta, waiting", r)
    # 3. during the delay a mistaken rotation is seen and stopped
    typo = step("bob", ("key", "new", "bob-typo"), 0, "(a second key, scheduled by mistake)",
                out=r"[0-9a-f]{64}$").out.strip()
    r = cli("alice", "operator", "rotate-key", "bob", "--pubkey", typo)
    mt2 = PENDING_T.search(r.out)
    t.ok(r.rc == 4 and mt2, "a mistaken rotation is scheduled too (exit 4)", r)
    typo_id = mt2.group(1) if mt2 else None
    t.eq(len(cli_table(read(("timelock",)).out)), 2, "timelock lists both entries")
    step("bob", ("timelock", "cancel", typo_id), 1, "bob (not admin) cannot cancel it", err="ERR_UNAUTHORIZED")
    step("alice", ("timelock", "cancel", typo_id), 0, "3. the admin cancels the mistaken entry",
         out=r"cancelled timelock entry %s " % typo_id + DONE)
    t.eq([x["ID"] for x in cli_table(read(("timelock",)).out)], [tid], "only the right rotation waits")
    step("alice", ("timelock", "execute", typo_id), 1, "a cancelled entry cannot run", err="ERR_NOT_FOUND")
    step("alice", ("timelock", "execute", tid), 1, "execute before the eta", err="ERR_TIMELOCK_NOT_READY")
    step("bob", ("status",), 0, "bob's old key still works during the delay", out=r"writable .*paused no\b")
    # 4. wait for the delay
    step("alice", ("dev", "advance", "1d"), 0, "4. wait 24h (dev advance 1d)",
         out=r"advanced the ledger clock by 1d " + DONE)
    step("carol", ("timelock", "execute", tid), 1, "a viewer cannot execute it", err="ERR_UNAUTHORIZED")
    # 5. execute
    step("alice", ("timelock", "execute", tid), 0, "5. alice executes the rotation",
         out=r"executed timelock entry %s " % tid + DONE)
    t.eq(cli_table(read(("timelock",)).out), [], "the timelock queue is empty")
    step("bob", ("status",), 1, "bob with the old key file is refused", err="ERR_AUTH_SIGNATURE")
    step("bob", ("pause", "USDC", "--key", old_file), 1, "the old key cannot sign commands either",
         err="ERR_AUTH_SIGNATURE")
    # 6. verify the new signer
    step("bob", ("status", "--key", new_file), 0, "6. bob with --key <new key> works", out=r"writable .*paused no\b")
    P.keys["bob"] = new_file
    step("bob", ("pause", "USDC"), 0, "bob signs a pause with the new key", out=r"paused USDC " + DONE)
    pid = submit("bob", ("unpause", "USDC"), "bob proposes the unpause with the new key")
    approve("alice", pid, "alice confirms")
    pid = submit("alice", ("freeze", H2), "alice proposes a freeze")
    approve("bob", pid, "bob approves with the new key")
    two("bob", "alice", ("unfreeze", H2), "and the unfreeze")
    ops = operators()
    t.eq(ops["bob"]["KEY AGE"], "0s", "operator list: bob's key age back at 0")
    t.ok(seconds(ops["alice"]["KEY AGE"]) >= 3 * 86400, "alice's key age goes on", ops["alice"])
    hist = history_since(m)
    t.eq([(h[0], h[1], plain(h[2])) for h in hist[:10]],
         [("bob", "operator.rotate_key", "ERR_UNAUTHORIZED"), ("alice", "operator.rotate_key", "pending timelock"),
          ("alice", "operator.rotate_key", "pending timelock"), ("bob", "timelock.cancel", "ERR_UNAUTHORIZED"),
          ("alice", "timelock.cancel", "ok"), ("alice", "timelock.execute", "ERR_NOT_FOUND"),
          ("alice", "timelock.execute", "ERR_TIMELOCK_NOT_READY"), ("alice", "dev.advance", "ok"),
          ("carol", "timelock.execute", "ERR_UNAUTHORIZED"), ("alice", "timelock.execute", "ok (timelock: ok)")],
         "history: rotate-key, the cancelled one, the early execute, the delay, the execute")
    t.ok(("bob", "pause", "ok") in [h[:3] for h in hist[10:]], "history: bob's command signed with the new key",
         hist)
    t.ok(any(h[1] == "operator.rotate_key" and plain(h[2]) == "pending timelock" and ("pubkey=" + new_pub) in h[3]
             for h in hist),
         "history shows the new public key", hist)
    ev = [e for e in events_since(m) if e[0] in ("TimelockScheduled", "TimelockCancelled", "ClockAdvanced",
                                                  "TimelockExecuted", "KeyRotated")]
    t.eq([e[0] for e in ev], ["TimelockScheduled", "TimelockScheduled", "TimelockCancelled", "ClockAdvanced",
                              "TimelockExecuted", "KeyRotated"],
         "events: TimelockScheduled (x2), TimelockCancelled, ClockAdvanced, TimelockExecuted, KeyRotated")
    t.ok(ev and ("eta=" + str(eta)) in ev[0][2] and ev[-1][2] == "name=bob", "the events name the eta and bob", ev)


def _plus_day(ts):
    import datetime
    d = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ") + datetime.timedelta(days=1)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


def test_audit():
    n = P.node
    t.eq(n.stop(), 0, "the node stops cleanly")
    r = n.cli("audit", "verify", "--data", n.data, operator=None)
    t.ok(r.rc == 0 and r.out.startswith("audit ok") and "(signatures verified)" in r.out,
         "audit verify --data DIR on the stopped node", r)


with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
    f.write(GENESIS)
    genesis = f.name
P.node = Node(genesis=genesis, clock_manual=True)
try:
    P.node.start()
    for name, fn in [("global system pause", test_global_pause), ("wallet freeze", test_wallet_freeze),
                     ("controller rotation", test_controller_rotation), ("token rescue", test_token_rescue),
                     ("treasury signer rotation", test_signer_rotation), ("audit", test_audit)]:
        t.run(name, fn)
    t.ok(P.node.sanitizer() is None, "no sanitizer report", P.node.sanitizer())
finally:
    P.node.stop()
    P.node.cleanup()
    os.unlink(genesis)
t.done()
