"""test_alert_loop - the whole alert loop through a node (issue 10):
rules evaluated by the node, actions, a real Alertmanager, webhooks,
maintenance windows, incidents opened by alerts, the overdue escalation.

A manual-clock node served with `--config` naming three receivers: a real
Alertmanager (Debian's prometheus-alertmanager, routing to a team webhook and
escalation="overdue" alerts to a lead webhook), a plain webhook, and a
webhook that accepts and never answers. Checked:

- a warning (reserve ratio exactly 1.0 < 1.05) reaches Alertmanager and the
  team webhook it routes to;
- during a maintenance window a new warning (NAV 2h stale) is marked
  silenced and is never sent; when the window ends it is sent;
- a reserve under supply: ReserveRatioCritical fires, `system` halts
  minting and opens a P1 incident about USDW linked to the alert (history),
  and Alertmanager lists the critical;
- the receiver that never answers has a request in flight, and 40 commands
  are answered meanwhile (a receiver that hangs never slows commands);
- the incident, unacknowledged past 30 minutes, is sent as IncidentOverdue
  with escalation="overdue", which Alertmanager routes to the lead; once
  acknowledged, its escalation is sent resolved;
- the reserve back: the alert resolves and `system` notes it on the
  incident, which stays open for people; `audit verify` passes.
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from alertmanager import AM_BIN, Alertmanager, Hooks, wait_for  # noqa: E402
from harness import TAP, Node, write_file  # noqa: E402

t = TAP("alert_loop")
WORK = tempfile.mkdtemp(prefix="mintline-loop-")

GENESIS = """\
operators:
  - name: alice
    pubkey: a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800
    roles: [admin, minter, burner, transfer_agent, pauser, treasury_manager, oracle_manager, reserve_reporter,
            incident_manager]
  - name: bob
    pubkey: ca9c298168ea53bf5a3e9b60aa2b14af289314f532a809f492207ded1abc7264
    roles: [pauser, oracle_updater, reserve_reporter, incident_manager]
  - name: carol
    pubkey: a4e964a18edba8351736a2dee6073a15b6b91e6bc253200dd3f2e268e292b673
    roles: [viewer]
controller: alice
assets:
  - symbol: AAXJF
    kind: fund
    decimals: 18
    supply_cap: "10000000"
    nav_max_age: 3650d
    nav_max_deviation: 10%
    nav: "1"
  - symbol: USDW
    kind: fiat
    currency: USD
    decimals: 6
    supply_cap: "1000000000"
    reserve_quorum: 2
"""

ADDR1 = "0x" + "11" * 20
ADDR2 = "0x" + "22" * 20


def write(name, text):
    return write_file(WORK, name, text)


def cmd(node, who, doc):
    return node.client(who).command(doc)


def alerts(node):
    st, doc = node.client("carol").get("/api/alerts")
    assert st == 200, (st, doc)
    return doc["alerts"]


def find(items, name, **labels):
    for a in items:
        if a["name"] == name and all(a["labels"].get(k) == v for k, v in labels.items()):
            return a
    return None


def am_find(am, name, **labels):
    for a in am.alerts():
        if a["labels"].get("alertname") == name and all(a["labels"].get(k) == v for k, v in labels.items()):
            return a
    return None


def hook_alerts(hooks, path, name, status=None):
    out = []
    for p in hooks.payloads(path):
        for a in p.get("alerts", []):
            if a["labels"].get("alertname") == name and (status is None or a["status"] == status):
                out.append(a)
    return out


def history(node, op):
    st, h = node.client("carol").get("/api/history?op=" + op)
    return h["history"] if st == 200 else []


def metric(node, name, **labels):
    for (n, lab), v in node.metrics().items():
        if n == name and all(dict(lab).get(k) == val for k, val in labels.items()):
            return v
    return None


def test_loop(hooks, am):
    config = write("mintline.yaml", """\
alerting:
  receivers:
    - {name: am, type: alertmanager, url: '%s'}
    - {name: direct, type: webhook, url: '%s'}
    - {name: slow, type: webhook, url: '%s', timeout: 60s}
""" % (am.url, hooks.url("/direct"), hooks.url("/hang")))
    node = Node(genesis=write("genesis.yaml", GENESIS), clock_manual=True)
    try:
        node.start(args=["--config", config])
        cmd(node, "alice", {"op": "reserve.report", "asset": "USDW", "amount": "1000"})
        cmd(node, "bob", {"op": "reserve.report", "asset": "USDW", "amount": "1000"})
        res = cmd(node, "alice", {"op": "mint", "asset": "USDW", "to": ADDR1, "amount": "1000"})
        t.ok(res[0] == 200, "mint 1000 USDW against a verified reserve of 1000", res)
        t.ok(find(alerts(node), "ReserveRatioWarning", asset="USDW") is not None,
             "ratio 1.0: ReserveRatioWarning firing", alerts(node))
        got = wait_for(lambda: am_find(am, "ReserveRatioWarning", asset="USDW"))
        t.ok(got is not None and got["labels"].get("severity") == "warning"
             and got["status"]["state"] == "active", "Alertmanager lists the warning", am.alerts())
        t.ok(wait_for(lambda: hook_alerts(hooks, "/team", "ReserveRatioWarning")),
             "and routes it to the team's webhook", hooks.posts)

        # a maintenance window: a new warning is silenced and not sent
        res = cmd(node, "alice", {"op": "maintenance.start", "duration": "3h", "reason": "bank migration"})
        t.ok(res[0] == 200, "maintenance.start 3h", res)
        res = cmd(node, "alice", {"op": "dev.advance", "duration": "7201s"})
        t.ok(res[0] == 200, "dev advance 2h 1s", res)
        nav = find(alerts(node), "NavStaleWarning", asset="AAXJF")
        t.ok(nav is not None and nav["state"] == "firing" and nav["silenced"] is True,
             "NAV 2h 1s stale during the window: the warning fires, silenced", nav)
        stale = find(alerts(node), "ReserveReportsStale", asset="USDW")
        t.ok(stale is not None and stale["silenced"] is False
             and [h for h in history(node, "incident.open") if h["args"].get("alert") == stale["fingerprint"]],
             "a critical during the window (reports 2h old) is not silenced and still opens its incident",
             stale)
        cmd(node, "alice", {"op": "reserve.report", "asset": "USDW", "amount": "1000"})  # fresh reports
        cmd(node, "bob", {"op": "reserve.report", "asset": "USDW", "amount": "1000"})
        t.ok(am_find(am, "NavStaleWarning") is None and not hook_alerts(hooks, "/direct", "NavStaleWarning"),
             "a silenced warning is not sent (Alertmanager, webhook)", am.alerts())
        res = cmd(node, "bob", {"op": "maintenance.end"})
        t.ok(res[0] == 200, "maintenance.end", res)
        nav = find(alerts(node), "NavStaleWarning", asset="AAXJF")
        t.ok(nav is not None and nav["silenced"] is False, "the window over: not silenced", nav)
        t.ok(wait_for(lambda: am_find(am, "NavStaleWarning", asset="AAXJF")),
             "and now sent to Alertmanager", am.alerts())

        # a reserve under supply: halt, incident, Alertmanager
        res = cmd(node, "bob", {"op": "reserve.report", "asset": "USDW", "amount": "980"})
        t.ok(res[0] == 200, "bob reports 980 under a supply of 1000 (2% from alice's: no deviation alert)", res)
        crit = find(alerts(node), "ReserveRatioCritical", asset="USDW")
        t.ok(crit is not None and (crit["action_result"] or "").startswith("done seq"),
             "ReserveRatioCritical firing, halt done", crit)
        opened = [h for h in history(node, "incident.open") if h["args"].get("alert") == crit["fingerprint"]]
        t.ok(len(opened) == 1 and opened[0]["operator"] == "system"
             and opened[0]["args"].get("severity") == "P1" and opened[0]["args"].get("asset") == "USDW"
             and opened[0]["args"].get("title", "").startswith("ReserveRatioCritical"),
             "system opened a P1 incident about USDW, linked to the alert", opened)
        st, ev = node.client("carol").get("/api/events/recent?type=IncidentOpened&limit=50")
        rid = [e["data"]["id"] for e in ev.get("events", []) if e["data"].get("alert") == crit["fingerprint"]]
        t.ok(len(rid) == 1, "its IncidentOpened event names the alert", ev)
        rid = rid[0] if rid else 0
        res = cmd(node, "alice", {"op": "mint", "asset": "USDW", "to": ADDR1, "amount": "1"})
        t.ok(res[0] == 409 and res[1]["error"]["code"] == "ERR_MINT_HALTED", "minting is halted", res)
        got = wait_for(lambda: am_find(am, "ReserveRatioCritical", asset="USDW"))
        t.ok(got is not None and got["labels"].get("severity") == "critical"
             and got["labels"].get("action") == "halt_minting", "Alertmanager lists the critical", got)

        # the receiver that never answers: in flight, and commands go on
        t.ok(wait_for(lambda: hooks.bodies("/hang")), "the hanging receiver has a request in flight")
        answered = 0
        for i in range(40):
            res = cmd(node, "alice", {"op": "transfer", "asset": "USDW", "from": ADDR1, "to": ADDR2,
                                      "amount": "1"})
            answered += res[0] == 200
        t.eq(answered, 40, "40 transfers answered while a receiver hangs (it never slows commands)")
        t.ok(not hooks.release.is_set() and len(hooks.bodies("/hang")) >= 1,
             "its first request is still unanswered")

        # overdue: escalated to the lead; acknowledged: resolved
        cmd(node, "alice", {"op": "dev.advance", "duration": "31m"})
        got = wait_for(lambda: am_find(am, "IncidentOverdue", incident=str(rid)))
        t.ok(got is not None and got["labels"].get("escalation") == "overdue"
             and got["labels"].get("incident_severity") == "P1" and got["labels"].get("asset") == "USDW",
             "the incident 31m unacknowledged: IncidentOverdue, escalation=overdue, in Alertmanager", got)
        t.ok(wait_for(lambda: hook_alerts(hooks, "/lead", "IncidentOverdue")),
             "routed to the lead's webhook (the escalation route)", hooks.posts)
        res = cmd(node, "bob", {"op": "incident.ack", "id": rid})
        t.ok(res[0] == 200, "bob acknowledges the incident", res)
        t.ok(wait_for(lambda: [a for a in hook_alerts(hooks, "/direct", "IncidentOverdue", "resolved")
                               if a["labels"].get("incident") == str(rid)]),
             "its escalation is sent resolved once acknowledged", hooks.payloads("/direct")[-1:])

        # the reserve back: the alert resolves, system notes it on the incident
        cmd(node, "alice", {"op": "reserve.report", "asset": "USDW", "amount": "1010"})
        cmd(node, "bob", {"op": "reserve.report", "asset": "USDW", "amount": "1010"})
        t.ok(find(alerts(node), "ReserveRatioCritical", asset="USDW") is None, "the critical resolved")
        notes = [n for n in history(node, "incident.note") if n["args"].get("id") == rid]
        t.ok(len(notes) == 1 and notes[0]["operator"] == "system"
             and "ReserveRatioCritical resolved" in notes[0]["args"].get("text", ""),
             "system notes the resolution on the incident", notes)
        t.eq(len(history(node, "incident.resolve")), 0, "the incident stays open for people")
        t.ok(wait_for(lambda: hook_alerts(hooks, "/direct", "ReserveRatioCritical", "resolved")),
             "the webhook gets the critical resolved")
        t.ok(metric(node, "mintline_alert_deliveries_total", receiver="am", result="ok") >= 1,
             "deliveries to Alertmanager counted ok")
        r = node.cli("audit", "verify", "--data", node.data)
        t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify passes with system's commands", r)
        t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
    finally:
        hooks.release.set()
        t.eq(node.stop(), 0, "node stops cleanly")
        node.cleanup()


def main():
    if not os.path.exists(AM_BIN):
        t.ok(False, "%s is installed (scripts/deps.sh)" % AM_BIN)
        t.done()
    hooks = Hooks()
    am = None
    try:
        am = Alertmanager(hooks, WORK)
        t.run("loop", test_loop, hooks, am)
    finally:
        if am is not None:
            am.stop()
        hooks.stop()
    shutil.rmtree(WORK, ignore_errors=True)
    t.done()


main()
