"""test_incidents - incidents, maintenance windows and the timelock override
on the operator's surface (SPEC 9, issue 10 items 6-8): the API, the CLI,
status, metrics, and the journal behind the timeline.

A real node on a manual clock with the built-in alert rules disabled (the
incidents alerts open are test_alert_loop's), a genesis of its own (three admins for
emergency_approvals' default of 3; alice and bob incident managers; carol a
viewer), driven with the CLI and raw signed HTTP:

  lifecycle   a P2 on USDC: list/show, `dev advance 3h` makes it overdue
              (show, status, /metrics), ack clears it, a note, a resolve;
              the timeline has the note's text and the mint made between
              open and resolve, not the ones before, after or on another
              asset; the Markdown post-mortem has its sections and those
              lines; ack after resolve and unknown ids are refused
  dry runs    open and maintenance start with --dry-run change nothing
  maintenance start/list/end through CLI and API, status and /metrics;
              8d refused (ERR_INVALID_DURATION), no --reason a usage error
              (exit 2), end without a window ERR_NOT_FOUND; nothing changed
  expedite    a caps.set in the 24h timelock; expedite with no emergency
              ERR_NO_EMERGENCY; a P1; three admins run it before its eta;
              the incident counts it and its timeline shows the work
  viewer      carol reads incidents but cannot open one (403)
  metrics     promtool check metrics accepts the new series
  restart     everything is the same after a restart (replay); audit verify
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import TAP, Node, addr, metric  # noqa: E402

t = TAP("incidents")

GENESIS = """\
operators:
  - name: alice
    pubkey: a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800
    roles: [admin, minter, burner, treasury_manager, incident_manager]
  - name: bob
    pubkey: ca9c298168ea53bf5a3e9b60aa2b14af289314f532a809f492207ded1abc7264
    roles: [admin, incident_manager]
  - name: dave
    pubkey: d65b785c21440c10a3df3e9f64961311748632a1c97d1c25e9671ffd4294f744
    roles: [admin]
  - name: carol
    pubkey: a4e964a18edba8351736a2dee6073a15b6b91e6bc253200dd3f2e268e292b673
    roles: [viewer]
controller: alice
assets:
  - symbol: USDC
    kind: plain
    decimals: 6
    supply_cap: "1000000"
  - symbol: EURC
    kind: plain
    decimals: 6
"""

H1, H2, H3, H4 = addr(1, 0xc1), addr(2, 0xc2), addr(3, 0xc3), addr(4, 0xc4)


class X:
    node = None
    seqs = {}


def cli(*args, operator="alice"):
    return X.node.cli(*args, operator=operator)


def cli_ok(name, *args, operator="alice"):
    r = cli(*args, operator=operator)
    t.ok(r.rc == 0, name, r)
    return r


def refused(r, code, rc=1):
    return r.rc == rc and ("error: %s: " % code) in r.err


def get(path, who="carol"):
    st, doc = X.node.client(who).get(path)
    assert st == 200, (path, st, doc)
    return doc


def mint(asset, to, amount):
    r = cli("mint", asset, "--to", to, "--amount", amount, "--json")
    t.eq(r.rc, 0, "mint %s %s" % (amount, asset))
    return r.json()["seq"]


def timeline_seqs(doc):
    return [e["seq"] for e in doc["timeline"]]


def test_lifecycle():
    X.seqs["before"] = mint("USDC", H1, "100")
    r = cli_ok("incident open P2 on USDC", "incident", "open", "--severity", "P2", "--title",
               "USDC mints stuck", "--asset", "USDC")
    t.ok("IncidentOpened" in r.out and "id=1" in r.out, "open prints the incident's id", r)
    docs = get("/api/incidents")["incidents"]
    t.eq([(d["id"], d["severity"], d["state"], d["title"], d["asset"], d["opened_by"]) for d in docs],
         [(1, "P2", "open", "USDC mints stuck", "USDC", "alice")], "GET /api/incidents lists it")
    inc = docs[0]
    t.eq((inc["ack_target_s"], inc["overdue"], inc["acked_at"], inc["resolved_at"], inc["alert"],
          inc["notes"], inc["expedites"]), (7200, False, None, None, None, 0, 0), "its fields")
    r = cli_ok("incident list", "incident", "list")
    t.ok("USDC mints stuck" in r.out and "P2" in r.out and "open" in r.out, "incident list: a row", r)
    r = cli_ok("incident show 1", "incident", "show", "1")
    t.ok("USDC mints stuck" in r.out and "opened P2: USDC mints stuck" in r.out, "show: header and open entry", r)
    st = X.node.status()
    t.eq((st["incidents"]["open"], st["incidents"]["overdue"]), ({"P0": 0, "P1": 0, "P2": 1, "P3": 0}, 0),
         "status: one P2 open, none overdue")

    X.seqs["other"] = mint("EURC", H2, "5")
    cli_ok("dev advance 3h", "dev", "advance", "3h")
    doc = get("/api/incidents/1")
    t.eq(doc["overdue"], True, "after 3h without ack a P2 is overdue (show)")
    st = X.node.status()
    t.eq(st["incidents"]["overdue"], 1, "status: overdue 1")
    m = X.node.metrics()
    t.eq(metric(m, "mintline_incidents_overdue"), 1.0, "metrics: mintline_incidents_overdue 1")
    t.eq([metric(m, "mintline_incidents_open", severity=s) for s in ("P0", "P1", "P2", "P3")],
         [0.0, 0.0, 1.0, 0.0], "metrics: open by severity")
    t.ok(all(("mintline_incidents_open", (("severity", s),)) in m for s in ("P0", "P1", "P2", "P3")),
         "metrics: all four severities present")
    r = cli_ok("status", "status")
    t.ok("overdue 1" in r.out and "P2 1" in r.out, "status (CLI) shows the overdue incident", r)
    r = cli_ok("incident list --open", "incident", "list", "--open")
    t.ok("OVERDUE" in r.out, "incident list marks it OVERDUE", r)

    r = cli_ok("bob acks", "incident", "ack", "1", operator="bob")
    t.ok("acknowledged incident 1" in r.out, "ack's sentence", r)
    doc = get("/api/incidents/1")
    t.eq((doc["state"], doc["overdue"], doc["acked_by"]), ("acknowledged", False, "bob"), "acked: no longer overdue")
    t.eq(metric(X.node.metrics(), "mintline_incidents_overdue"), 0.0, "metrics: overdue 0 after ack")
    cli_ok("note", "incident", "note", "1", "bank confirmed | wire delayed", operator="bob")
    X.seqs["during"] = mint("USDC", H3, "250")
    cli_ok("resolve", "incident", "resolve", "1", "--summary", "The bank's wire arrived; mints resumed.")
    X.seqs["after"] = mint("USDC", H4, "7")

    doc = get("/api/incidents/1")
    t.eq((doc["state"], doc["resolved_by"], doc["notes"], doc["summary"]),
         ("resolved", "alice", 1, "The bank's wire arrived; mints resumed."), "resolved, summary from the journal")
    tl = doc["timeline"]
    t.eq([(e["op"], e["kind"]) for e in tl],
         [("incident.open", "incident"), ("incident.ack", "incident"), ("incident.note", "incident"),
          ("mint", "asset"), ("incident.resolve", "incident")], "timeline: own entries and the USDC mint, in order")
    note = [e for e in tl if e["op"] == "incident.note"][0]
    t.eq((note["text"], note["operator"], note["result"]), ("bank confirmed | wire delayed", "bob", "ok"),
         "the note's text, from the signed body")
    seqs = timeline_seqs(doc)
    t.ok(X.seqs["during"] in seqs, "the mint between open and resolve is on the timeline")
    t.ok(X.seqs["before"] not in seqs and X.seqs["after"] not in seqs and X.seqs["other"] not in seqs,
         "mints before, after, and on another asset are not", seqs)
    t.eq(seqs, sorted(seqs), "timeline in seq order")
    mint_entry = [e for e in tl if e["op"] == "mint"][0]
    t.eq((mint_entry["args"]["to"], mint_entry["args"]["amount"]), (H3, "250"), "the mint's arguments")

    r = cli_ok("incident postmortem 1", "incident", "postmortem", "1")
    md = r.out
    for h in ("# Post-mortem: incident 1: USDC mints stuck", "## Summary", "## Impact", "## Timeline",
              "## Root cause", "## What went well", "## Action items"):
        t.ok(h in md, "post-mortem has %r" % h, md)
    t.ok("The bank's wire arrived; mints resumed." in md.split("## Summary")[1].split("## Impact")[0],
         "the resolve summary is the Summary", md)
    t.ok("note: bank confirmed \\| wire delayed" in md, "the note is a timeline row ('|' escaped)", md)
    t.ok(("| %d | bob |" % X.seqs["during"]) not in md and ("| %d | alice | mint" % X.seqs["during"]) in md,
         "the mint is a timeline row", md)
    t.ok("UTC" in md and "(after 3h " in md, "times in UTC, time to acknowledge", md)
    r = cli("incident", "postmortem", "1", "--json")
    t.ok(r.rc == 0 and r.json()["id"] == 1, "postmortem --json: the incident document", r)

    r = cli("incident", "ack", "1", operator="bob")
    t.ok(refused(r, "ERR_INCIDENT_RESOLVED"), "ack after resolve: ERR_INCIDENT_RESOLVED, exit 1", r)
    r = cli("incident", "resolve", "1", "--summary", "again")
    t.ok(refused(r, "ERR_INCIDENT_RESOLVED"), "resolve again: ERR_INCIDENT_RESOLVED", r)
    doc2 = get("/api/incidents/1")
    t.eq(doc2["timeline"][-1]["result"], "ERR_INCIDENT_RESOLVED", "the refused attempts are journal entries too")
    t.eq(doc2["summary"], doc["summary"], "a refused resolve leaves the summary")
    for args in (("incident", "ack", "99"), ("incident", "show", "99"), ("incident", "note", "99", "x")):
        r = cli(*args)
        t.ok(refused(r, "ERR_NOT_FOUND"), "%s: ERR_NOT_FOUND, exit 1" % " ".join(args), r)
    st, d = X.node.client("carol").get("/api/incidents/99")
    t.eq((st, d["error"]["code"]), (404, "ERR_NOT_FOUND"), "GET /api/incidents/99: 404")
    st, d = X.node.client("carol").get("/api/incidents/abc")
    t.eq(st, 404, "GET /api/incidents/abc: 404")
    st, d = X.node.client("carol").get("/api/incidents?open=maybe")
    t.eq((st, d["error"]["code"]), (400, "ERR_INVALID_ARGUMENT"), "?open=maybe: 400")
    t.eq(get("/api/incidents?open=1")["incidents"], [], "?open=1: none unresolved")


def test_dry_runs():
    before = get("/api/incidents")
    r = cli("incident", "open", "--severity", "P3", "--title", "dry", "--dry-run")
    t.ok(r.rc == 0 and r.out.startswith("dry run: would open a P3 incident: dry"), "open --dry-run", r)
    r = cli("maintenance", "start", "--for", "1h", "--reason", "dry", "--dry-run")
    t.ok(r.rc == 0 and "dry run: would start a maintenance window of 1h: dry" in r.out, "maintenance start --dry-run", r)
    t.eq(get("/api/incidents"), before, "nothing opened")
    t.eq(get("/api/maintenance")["windows"], [], "no window")
    r = cli("incident", "open", "--severity", "P5", "--title", "x")
    t.ok(refused(r, "ERR_INVALID_ARGUMENT"), "severity P5: ERR_INVALID_ARGUMENT", r)
    r = cli("incident", "open", "--severity", "P3", "--title", "t" * 96)
    t.ok(refused(r, "ERR_INVALID_ARGUMENT"), "a 96-byte title: ERR_INVALID_ARGUMENT", r)
    r = cli("incident", "open", "--severity", "P3", "--title", "x", "--asset", "NOPE")
    t.ok(refused(r, "ERR_UNKNOWN_ASSET"), "an unknown asset: ERR_UNKNOWN_ASSET", r)
    r = cli("incident", "note", "1", "n" * 201)
    t.ok(refused(r, "ERR_INVALID_ARGUMENT"), "a 201-character note: ERR_INVALID_ARGUMENT", r)
    r = cli("incident", "open", "--severity", "P3")
    t.ok(r.rc == 2 and "missing --title" in r.err, "no --title: usage error, exit 2", r)
    t.eq(get("/api/incidents"), before, "none of it changed anything")
    t.eq(get("/api/incidents/1")["notes"], 1, "no note added")


def test_maintenance():
    r = cli("maintenance", "start", "--for", "2h")
    t.ok(r.rc == 2 and "missing --reason" in r.err, "no --reason: usage error, exit 2", r)
    r = cli("maintenance", "start", "--for", "8d", "--reason", "too long")
    t.ok(refused(r, "ERR_INVALID_DURATION"), "--for 8d: ERR_INVALID_DURATION", r)
    t.eq(get("/api/maintenance"), {"active": None, "windows": []}, "nothing changed")
    r = cli("maintenance", "end")
    t.ok(refused(r, "ERR_NOT_FOUND"), "end without a window: ERR_NOT_FOUND", r)
    r = cli_ok("maintenance start", "maintenance", "start", "--for", "2h", "--reason", "node upgrade", operator="bob")
    t.ok("started a maintenance window of 2h: node upgrade" in r.out, "start's sentence", r)
    doc = get("/api/maintenance")
    a = doc["active"]
    t.ok(a is not None and a["id"] == 1 and a["state"] == "active" and a["by"] == "bob" and
         a["reason"] == "node upgrade" and a["ended_at"] is None, "GET /api/maintenance: active", doc)
    t.eq(doc["windows"], [a], "windows: the one")
    t.eq(X.node.status()["incidents"]["maintenance"], a, "status: the window in force")
    t.eq(metric(X.node.metrics(), "mintline_maintenance_active"), 1.0, "metrics: maintenance active 1")
    r = cli_ok("maintenance list", "maintenance", "list")
    t.ok("in maintenance until" in r.out and "node upgrade" in r.out, "maintenance list: in force", r)
    r = cli_ok("status", "status")
    t.ok("maintenance until" in r.out, "status shows the window", r)
    cli_ok("maintenance end", "maintenance", "end")
    doc = get("/api/maintenance")
    t.ok(doc["active"] is None and doc["windows"][0]["state"] == "ended" and doc["windows"][0]["ended_by"] == "alice",
         "ended", doc)
    t.eq(metric(X.node.metrics(), "mintline_maintenance_active"), 0.0, "metrics: maintenance active 0")
    cli_ok("a 1h window", "maintenance", "start", "--for", "1h", "--reason", "short")
    cli_ok("dev advance 2h", "dev", "advance", "2h")
    doc = get("/api/maintenance")
    t.eq((doc["active"], [w["state"] for w in doc["windows"]]), (None, ["expired", "ended"]),
         "a window past its end is expired, newest first")
    r = cli_ok("maintenance list --json", "maintenance", "list", "--json")
    t.eq(r.json(), doc, "--json prints the API document")


def test_expedite():
    r = cli("caps", "set", "USDC", "--supply-cap", "5000")
    t.ok(r.rc == 4, "caps.set waits in the timelock (exit 4)", r)
    tl = get("/api/timelock")["timelock"]
    t.eq(len(tl), 1, "one timelock entry")
    tid = str(tl[0]["id"])
    r = cli("timelock", "expedite", tid)
    t.ok(refused(r, "ERR_NO_EMERGENCY"), "expedite with no incident: ERR_NO_EMERGENCY", r)
    st, doc = X.node.client("alice").command({"op": "timelock.expedite", "id": tid})
    t.eq((st, doc["error"]["code"]), (409, "ERR_NO_EMERGENCY"), "raw HTTP: 409 ERR_NO_EMERGENCY")
    r = cli("timelock", "expedite", "9999")
    t.ok(refused(r, "ERR_NOT_FOUND") and "no timelock entry 9999" in r.err,
         "expedite of an entry that never was: ERR_NOT_FOUND says so", r)
    r = cli_ok("open P1", "incident", "open", "--severity", "P1", "--title", "cap must drop now", "--json")
    iid = [e for e in r.json()["events"] if e["type"] == "IncidentOpened"][0]["data"]["id"]
    r = cli("timelock", "expedite", tid, "--json")
    t.ok(r.rc == 4, "alice's expedite: a proposal (exit 4)", r)
    pid = str(r.json()["pending"]["proposal"])
    r = cli("approve", pid, operator="bob")
    t.ok(r.rc == 4, "bob approves: still pending (2 of 3)", r)
    r = cli("approve", pid, "--json", operator="dave")
    t.ok(r.rc == 0, "dave approves: the third admin runs it", r)
    types = [e["type"] for e in r.json().get("events", [])]
    t.ok("TimelockExpedited" in types and "CapsSet" in types, "TimelockExpedited and CapsSet", types)
    ev = [e for e in r.json()["events"] if e["type"] == "TimelockExpedited"][0]
    t.eq(ev["data"]["incident"], iid, "the event names the incident")
    usdc = get("/api/assets/USDC")
    t.eq(usdc["supply_cap"], "5000", "the cap changed before its eta (no 24h passed)")
    t.eq(get("/api/timelock")["timelock"], [], "the entry left the timelock")
    doc = get("/api/incidents/%d" % iid)
    t.eq(doc["expedites"], 1, "the incident counts one expedite")
    kinds = [(e["op"], e["operator"], e["kind"]) for e in doc["timeline"]]
    t.eq(kinds, [("incident.open", "alice", "incident"), ("timelock.expedite", "alice", "expedite"),
                 ("approve", "bob", "expedite"), ("approve", "dave", "expedite")],
         "the timeline shows the expedite: proposal and approvals")
    r = cli_ok("incident show", "incident", "show", str(iid))
    t.ok("timelock.expedite" in r.out and "expedited timelock entries 1" in r.out, "show: the expedite", r)
    X.seqs["p1"] = iid


def test_viewer():
    st, doc = X.node.client("carol").get("/api/incidents")
    t.eq(st, 200, "carol (viewer) reads /api/incidents")
    st, doc = X.node.client("carol").get("/api/maintenance")
    t.eq(st, 200, "carol reads /api/maintenance")
    st, doc = X.node.client("carol").command({"op": "incident.open", "severity": "P3", "title": "x"})
    t.eq((st, doc["error"]["code"]), (403, "ERR_UNAUTHORIZED"), "carol cannot open an incident (403)")
    r = cli("incident", "open", "--severity", "P3", "--title", "x", operator="carol")
    t.ok(refused(r, "ERR_UNAUTHORIZED"), "CLI as carol: ERR_UNAUTHORIZED, exit 1", r)
    r = cli("incident", "list", operator="carol")
    t.eq(r.rc, 0, "carol lists incidents")


def test_promtool():
    if not shutil.which("promtool"):
        t.ok(False, "promtool is installed (make test installs Debian's prometheus)")
        return
    st, text = X.node.http("GET", "/metrics")
    p = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True, timeout=60)
    out = (p.stdout + p.stderr).decode(errors="replace")
    t.ok(p.returncode == 0, "promtool check metrics accepts the incident series", out)


def test_restart():
    reads = ("/api/incidents", "/api/incidents/1", "/api/incidents/%d" % X.seqs["p1"], "/api/maintenance")
    before = [get(p) for p in reads]
    t.eq(X.node.stop(), 0, "node stops cleanly")
    X.node.start()
    after = [get(p) for p in reads]
    for p, a, b in zip(reads, before, after):
        t.eq(b, a, "after a restart %s is the same" % p)
    X.node.stop()
    r = X.node.cli("audit", "verify", "--data", X.node.data)
    t.ok(r.rc == 0, "audit verify passes", r)
    X.node.start()


def main():
    node = Node(init=False)
    node.clock_manual = True
    path = os.path.join(node.root, "genesis.yaml")
    with open(path, "w") as f:
        f.write(GENESIS)
    r = node.cli("init", "--data", node.data, "--genesis", path, "--clock", "manual")
    if r.rc != 0:
        raise RuntimeError("init: %r" % r)
    # The built-in rules off: incidents here are people's (the ones alerts
    # open are test_alert_loop's), so that `dev advance` opens none.
    rules = node.cli("alerts", "rules", "--json", operator=None).json()["rules"]
    off = os.path.join(node.root, "rules-off.yaml")
    with open(off, "w") as f:
        f.write("groups:\n  - name: off\n    rules:\n")
        for rule in rules:
            f.write("      - {alert: %s, enabled: false}\n" % rule["name"])
    node.serve_args = ["--alert-rules", off]
    X.node = node.start()
    try:
        for name, fn in (("lifecycle", test_lifecycle), ("dry runs", test_dry_runs),
                         ("maintenance", test_maintenance), ("expedite", test_expedite),
                         ("viewer", test_viewer), ("promtool", test_promtool), ("restart", test_restart)):
            t.run(name, fn)
    finally:
        t.eq(node.stop(), 0, "node exits 0")
        t.eq(node.sanitizer(), None, "no sanitizer report in the node's log")
    t.done()


main()
