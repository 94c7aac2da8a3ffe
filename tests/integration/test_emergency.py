"""test_emergency - two runbook incident procedures walked with the CLI
(issue 10's "done when"), each on a fresh data dir, on a manual clock:

VeritasVault incident response (seed 004: detection by automated
monitoring, triage, containment, resolution, post-incident documentation):
  the reserve falls under supply -> ReserveRatioCritical fires -> minting
  halts by itself (system) -> a P1 incident is opened by itself, linked to
  the alert -> the on-call acknowledges within 30 min -> notes -> the
  reserve is restored, the alert resolves (system notes it) -> minting is
  resumed by two pausers -> resolve with a summary -> the post-mortem
  (Markdown, timeline filled from the journal).

AsiaFlex P0 emergency response (seed 000: STEP 1 immediate pause, 2 notify,
3 assess, 4 coordinate, 5 execute the fix, "use timelock override if
necessary", 6 post-mortem):
  the operator's rule file gives the money-multiplier violation
  `emergency_pause` (SPEC 9) -> the reserve falls -> the asset is paused by
  itself and a P0 incident opened -> alerts and status show it (assess) ->
  acknowledged within 5 min -> the fix (a new daily mint limit) is in the
  24h timelock: `timelock expedite` by three admins runs it at once,
  recorded on the incident -> the reserve is restored -> unpause by two
  pausers -> resolve -> post-mortem; `audit verify` passes.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import TAP, Node, addr  # noqa: E402

t = TAP("emergency")

GENESIS = """\
operators:
  - name: alice
    pubkey: a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800
    roles: [admin, minter, pauser, treasury_manager, reserve_reporter, incident_manager]
  - name: bob
    pubkey: ca9c298168ea53bf5a3e9b60aa2b14af289314f532a809f492207ded1abc7264
    roles: [admin, pauser, reserve_reporter, incident_manager]
  - name: dave
    pubkey: d65b785c21440c10a3df3e9f64961311748632a1c97d1c25e9671ffd4294f744
    roles: [admin]
  - name: carol
    pubkey: a4e964a18edba8351736a2dee6073a15b6b91e6bc253200dd3f2e268e292b673
    roles: [viewer]
controller: alice
assets:
  - symbol: USDW
    kind: fiat
    currency: USD
    decimals: 6
    supply_cap: "1000000000"
    daily_mint_limit: "100000"
    reserve_quorum: 2
"""

# The operator's rules for AsiaFlex: the money-multiplier violation pauses.
PAUSE_RULES = """\
groups:
  - name: reserves
    rules:
      - alert: ReserveRatioCritical
        expr: mintline_reserve_ratio < 1 and mintline_reserve_quorum_met == 1 and mintline_supply_base_units > 0
        labels: {severity: critical}
        annotations:
          summary: "{{ $labels.asset }} reserve ratio is {{ $value }}: money-multiplier violation, paused"
        action: emergency_pause
"""

HOLDER = addr(1, 0xe1)


def fresh(name, rules=None):
    node = Node(init=False)
    node.clock_manual = True
    path = os.path.join(node.root, "genesis.yaml")
    with open(path, "w") as f:
        f.write(GENESIS)
    r = node.cli("init", "--data", node.data, "--genesis", path, "--clock", "manual")
    if r.rc != 0:
        raise RuntimeError("init: %r" % r)
    if rules:
        rp = os.path.join(node.root, "rules.yaml")
        with open(rp, "w") as f:
            f.write(rules)
        node.serve_args = ["--alert-rules", rp]
    node.start()
    return node


ok = t.cli_ok


def jcli(node, *args, operator="alice"):
    r = node.cli(*args, "--json", operator=operator)
    return r.json() if r.rc == 0 else {}


def usdw(node):
    st = jcli(node, "status", operator="carol")
    return [a for a in st.get("assets", []) if a["symbol"] == "USDW"][0], st


def setup(node):
    ok(node, "alice reports the reserve", "reserve", "report", "USDW", "1000")
    ok(node, "bob reports the reserve", "reserve", "report", "USDW", "1000", operator="bob")
    ok(node, "mint 1000 USDW against it", "mint", "USDW", "--to", HOLDER, "--amount", "1000")


def the_incident(node):
    inc = jcli(node, "incident", "list", "--open", operator="carol").get("incidents", [])
    t.diag("open incidents: %s" % [(i["id"], i["severity"], i["title"]) for i in inc])
    return inc[0] if len(inc) == 1 else None


def test_veritasvault():
    node = fresh("veritasvault")
    try:
        setup(node)
        # detection: automated monitoring
        ok(node, "bob's report falls to 980 (2% off alice's: no deviation alert)",
           "reserve", "report", "USDW", "980", operator="bob")
        a, st = usdw(node)
        t.ok(a.get("mint_halted") is True, "containment by itself: USDW minting halted", a)
        r = ok(node, "mintline alerts", "alerts", operator="carol")
        t.ok("ReserveRatioCritical" in r.out and "firing" in r.out, "the alert is listed firing", r)
        inc = the_incident(node)
        t.ok(inc is not None and inc["severity"] == "P1" and inc["opened_by"] == "system"
             and inc["asset"] == "USDW" and inc["alert"] and inc["title"].startswith("ReserveRatioCritical"),
             "triage: a P1 incident opened by system about USDW, linked to the alert", inc)
        iid = str(inc["id"]) if inc else "0"
        t.eq(st["incidents"]["open"]["P1"], 1, "status counts the open P1")
        r = ok(node, "a mint is refused while halted", "mint", "USDW", "--to", HOLDER, "--amount", "1", rc=1)
        t.ok("ERR_MINT_HALTED" in r.err, "ERR_MINT_HALTED", r)
        # response: acknowledge within the P1 target, investigate, note
        ok(node, "dev advance 10m", "dev", "advance", "10m")
        t.eq(jcli(node, "incident", "show", iid, operator="carol").get("overdue"), False,
             "10 minutes in: within the 30 min target")
        ok(node, "bob acknowledges", "incident", "ack", iid, operator="bob")
        ok(node, "a note", "incident", "note", iid, "bank feed lagged; custodian confirms 1010 held",
           operator="bob")
        # resolution: the reserve restored, the alert resolves, minting resumed by two pausers
        ok(node, "alice reports 1010", "reserve", "report", "USDW", "1010")
        ok(node, "bob reports 1010", "reserve", "report", "USDW", "1010", operator="bob")
        r = ok(node, "alerts --all", "alerts", "--all", operator="carol")
        t.ok("ReserveRatioCritical" in r.out and "resolved" in r.out, "the alert resolved", r)
        r = ok(node, "mint-resume proposed (2 approvals)", "mint-resume", "USDW", rc=4)
        props = jcli(node, "proposals", operator="carol").get("proposals", [])
        pid = str(props[0]["id"]) if props else "0"
        ok(node, "bob approves: minting resumed", "approve", pid, operator="bob")
        a, _ = usdw(node)
        t.ok(a.get("mint_halted") is False, "minting resumed by people", a)
        ok(node, "resolve with a summary", "incident", "resolve", iid, "--summary",
           "reserve feed lag; reserve restored to 1010, minting resumed", operator="bob")
        show = jcli(node, "incident", "show", iid, operator="carol")
        ops = [(e["operator"], e["op"]) for e in show.get("timeline", [])]
        t.ok(("system", "incident.open") in ops and ("system", "mint_halt") in ops
             and ("bob", "incident.ack") in ops and ("bob", "incident.note") in ops
             and ("system", "incident.note") in ops and ("alice", "mint_resume") in ops
             and ("bob", "incident.resolve") in ops,
             "the timeline: opened, halted, acked, noted, alert resolved, resumed, resolved", ops)
        notes = [e.get("text", "") for e in show.get("timeline", []) if e["operator"] == "system" and e["op"] == "incident.note"]
        t.ok(notes and all(re.fullmatch(r"alert \w+ resolved \(last value [0-9.]+%?\)", n) and
                           len(n.split("last value ")[1]) <= 12 for n in notes),
             "the system's note gives the alert's last value as people read it (no float noise)", notes)
        r = ok(node, "post-mortem", "incident", "postmortem", iid, operator="carol")
        for section in ("## Summary", "## Impact", "## Timeline", "## Root cause", "## What went well",
                        "## Action items"):
            t.ok(section in r.out, "post-mortem has %s" % section, r.out[:400])
        t.ok("reserve feed lag" in r.out and "mint_halt" in r.out and "bank feed lagged" in r.out,
             "post-mortem: the summary, the halt and the note", r.out)
        r = node.cli("audit", "verify", "--data", node.data)
        t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify", r)
        t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
    finally:
        t.eq(node.stop(), 0, "node stops cleanly")
        node.cleanup()


def test_asiaflex_p0():
    node = fresh("asiaflex", rules=PAUSE_RULES)
    try:
        setup(node)
        # the fix that will be needed sits in the 24h timelock
        r = ok(node, "caps set: a daily mint limit of 200000 is timelocked", "caps", "set", "USDW",
               "--daily-mint-limit", "200000", rc=4)
        entries = jcli(node, "timelock", operator="carol").get("timelock", [])
        eid = str(entries[0]["id"]) if entries else "0"
        r = ok(node, "expedite with no emergency refused", "timelock", "expedite", eid, rc=1)
        t.ok("ERR_NO_EMERGENCY" in r.err, "ERR_NO_EMERGENCY", r)
        # STEP 1: the violation pauses by itself
        ok(node, "bob's report falls to 980", "reserve", "report", "USDW", "980", operator="bob")
        a, st = usdw(node)
        t.ok(a.get("paused") is True, "STEP 1 immediate pause: USDW paused by system", a)
        inc = the_incident(node)
        t.ok(inc is not None and inc["severity"] == "P0" and inc["opened_by"] == "system",
             "a P0 incident (the action paused), opened by system", inc)
        iid = str(inc["id"]) if inc else "0"
        # STEP 3: assess
        r = ok(node, "status", "status", operator="carol")
        t.ok("paused" in r.out and "P0" in r.out, "status shows the pause and the P0", r.out)
        r = ok(node, "a transfer is refused while paused", "transfer", "USDW", "--from", HOLDER, "--to",
               addr(2, 0xe2), "--amount", "1", rc=1)
        # acknowledged within 5 minutes
        ok(node, "dev advance 4m", "dev", "advance", "4m")
        ok(node, "alice acknowledges the P0", "incident", "ack", iid)
        t.eq(jcli(node, "incident", "show", iid, operator="carol").get("overdue"), False, "not overdue")
        # STEP 5: the timelock override
        r = ok(node, "alice proposes to expedite the caps entry", "timelock", "expedite", eid, rc=4)
        props = [p for p in jcli(node, "proposals", operator="carol").get("proposals", [])
                 if p.get("op") == "timelock.expedite"]
        pid = str(props[0]["id"]) if props else "0"
        ok(node, "bob approves (2 of 3)", "approve", pid, operator="bob", rc=4)
        ok(node, "dave approves (3 of 3): the entry runs now", "approve", pid, operator="dave")
        a, _ = usdw(node)
        t.eq(a["daily_mint"]["limit"], "200000", "the new daily mint limit is in force before its eta")
        show = jcli(node, "incident", "show", iid, operator="carol")
        t.eq(show.get("expedites"), 1, "the expedite is recorded on the incident")
        # restore and lift the pause (people)
        ok(node, "alice reports 1010", "reserve", "report", "USDW", "1010")
        ok(node, "bob reports 1010", "reserve", "report", "USDW", "1010", operator="bob")
        ok(node, "unpause proposed (2 approvals)", "unpause", "USDW", rc=4)
        props = [p for p in jcli(node, "proposals", operator="carol").get("proposals", [])
                 if p.get("op") == "unpause"]
        ok(node, "bob approves: unpaused", "approve", str(props[0]["id"]) if props else "0", operator="bob")
        a, _ = usdw(node)
        t.ok(a.get("paused") is False, "USDW unpaused by people", a)
        ok(node, "resolve", "incident", "resolve", iid, "--summary",
           "reserve shortfall paused USDW; limit raised by timelock override; reserve restored")
        r = ok(node, "STEP 6 post-mortem", "incident", "postmortem", iid, operator="carol")
        t.ok("P0" in r.out and "timelock.expedite" in r.out and "pause" in r.out and "unpause" in r.out,
             "post-mortem timeline: the pause, the override, the unpause", r.out)
        r = node.cli("audit", "verify", "--data", node.data)
        t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify", r)
        t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
    finally:
        t.eq(node.stop(), 0, "node stops cleanly")
        node.cleanup()


t.run("veritasvault", test_veritasvault)
t.run("asiaflex p0", test_asiaflex_p0)
t.done()
