"""test_receivers - alert receivers (src/node/deliver.c, src/ops/notify.c)
against a real Alertmanager (Debian's prometheus-alertmanager 0.25,
scripts/deps.sh) and webhooks run here (http.server on loopback).

Until the evaluation loop calls deliver_submit, the module is driven by
build/.../testtools/deliver_drive (tests/tools/deliver_drive.c): alerts in,
payloads out, counters back. Checked:

- Alertmanager: a firing alert from mintline is listed by GET /api/v2/alerts
  with our labels, annotations, startsAt, the endsAt lease (now + 4 x max(1m,
  interval)) and generatorURL; pending and silenced alerts never arrive; the
  route groups by [alertname, asset] and sends it on to the team's webhook;
  an alert labelled escalation="overdue" goes to the second receiver (the
  docs' escalation route); on resolve Alertmanager no longer lists it active
  and the webhook gets it "resolved" with our resolve time.
- our own webhook payload (version 4) is accepted by a plain HTTP server and
  parses back equal to what Alertmanager's template.Data holds for the same
  alert: the same fields in the same order as Alertmanager's own payload,
  the same fingerprint (Prometheus' label-set fingerprint), the resolve.
- a receiver that is down (connection refused) and one that accepts and
  never answers: submissions return at once, retries and drops are counted,
  the slow queue stays at its bound, and the stop is bounded.
- `promtool check metrics` accepts the delivery metrics, from the driver and
  from a node's /metrics; `serve --config` with a bad alerting section is
  refused (ERR_INVALID_CONFIG, FILE:LINE:COL, exit 2).
- docs/operators/receivers.md: its alerting: example is accepted, its
  Alertmanager configuration passes `amtool check-config`, and its webhook
  example has the payload's fields in their order.
"""
import datetime
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import REPO, TAP, Node, default_binary, free_port, write_file  # noqa: E402
from alertmanager import AM_BIN, Alertmanager, Hooks, wait_for  # noqa: E402

t = TAP("receivers")
WORK = tempfile.mkdtemp(prefix="mintline-recv-")
NODE_URL = "http://127.0.0.1:8645"
GEN_URL = NODE_URL + "/api/alerts"


def driver_binary():
    b = default_binary()
    sub = "asan" if os.sep + "asan" + os.sep in b else ""
    return os.path.join(REPO, "build", sub, "testtools", "deliver_drive")


def write(name, text):
    return write_file(WORK, name, text)


def prom_fingerprint(labels):
    """Prometheus' model.LabelSet.Fingerprint: FNV-1a 64 over the sorted
    names and values, each followed by the byte 0xff."""
    h = 14695981039346656037
    for k in sorted(labels):
        for part in (k.encode(), b"\xff", labels[k].encode(), b"\xff"):
            for byte in part:
                h = ((h ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def iso_ms(ms):
    d = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def parse_ms(text):
    """RFC 3339 (Go's, nanoseconds trimmed, Z or an offset) -> unix ms."""
    base, _, frac = text.replace("Z", "+00:00").partition(".")
    if frac:
        digits = "".join(itertools.takewhile(str.isdigit, frac))
        offset = frac[len(digits):]
        d = datetime.datetime.fromisoformat(base + offset)
        return int(d.timestamp()) * 1000 + int((digits + "000")[:3])
    return int(datetime.datetime.fromisoformat(base).timestamp() * 1000)


# ---------------------------------------------------------------- driver ----

class Driver:
    """deliver_drive over pipes: one JSON command a line, one answer a line."""

    def __init__(self, config_path, *options):
        argv = [driver_binary(), config_path] + [str(o) for o in options]
        self.err_path = os.path.join(WORK, "driver-%d.err" % time.time_ns())
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err)

    def call(self, cmd):
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("deliver_drive died: " + self.stderr())
        return json.loads(line)

    def submit(self, alerts, now_ms):
        return self.call({"cmd": "submit", "now_ms": now_ms, "alerts": alerts})

    def stats(self):
        return {r["name"]: r for r in self.call({"cmd": "stats"})["receivers"]}

    def metrics(self):
        return self.call({"cmd": "metrics"})["text"]

    def close(self, timeout=30):
        """EOF: deliver_close; returns (exit code, seconds it took)."""
        t0 = time.time()
        self.proc.stdin.close()
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = "timeout"
        self.err.close()
        return rc, time.time() - t0

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")


def alert(labels, state="firing", annotations=(), fired_ms=0, resolved_ms=0, silenced=False):
    return {"labels": labels, "annotations": [list(a) for a in annotations], "state": state,
            "fingerprint": prom_fingerprint(labels), "active_since_ms": fired_ms - 60000,
            "fired_at_ms": fired_ms if state != "pending" else 0, "resolved_at_ms": resolved_ms,
            "silenced": silenced, "severity": labels.get("severity", "critical")}


RESERVE = {"alertname": "ReserveRatioCritical", "asset": "USDX", "severity": "critical",
           "action": "halt_minting"}
RESERVE_ANN = [("summary", "USDX reserve ratio 97% < 100% & falling"),
               ("description", "verified reserve below supply: \"halt\" <now>")]
OVERDUE = {"alertname": "IncidentOverdue", "escalation": "overdue", "incident": "7",
           "severity": "critical"}
PENDING = {"alertname": "NavStale", "asset": "FUNDX", "severity": "warning"}
SILENCED = {"alertname": "MintUsageHigh", "asset": "USDX", "severity": "warning"}


def promtool_metrics(text):
    p = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True,
                       timeout=60)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


def keys_in_order(body):
    return json.loads(body, object_pairs_hook=lambda pairs: [k for k, _ in pairs])


def find_am(alerts, name):
    return [a for a in alerts if a["labels"].get("alertname") == name]


# ------------------------------------------------------------------ tests ----

def test_alertmanager_and_webhook(hooks, am):
    cfg = write("mintline.yaml", """\
alerting:
  receivers:
    - name: am
      type: alertmanager
      url: %s
      timeout: 5s
    - name: hook
      type: webhook
      url: %s
""" % (am.url, hooks.url("/direct")))
    d = Driver(cfg, "--external-url", NODE_URL, "--eval-interval-s", 15)
    now = int(time.time() * 1000)
    fired = now - 1000
    firing = [alert(RESERVE, annotations=RESERVE_ANN, fired_ms=fired),
              alert(PENDING, state="pending", fired_ms=fired),
              alert(SILENCED, fired_ms=fired, silenced=True),
              alert(OVERDUE, annotations=[("summary", "incident 7 not acknowledged")],
                    fired_ms=fired)]
    d.submit(firing, now)

    listed = wait_for(lambda: find_am(am.alerts(), "ReserveRatioCritical"))
    t.ok(len(listed) == 1, "Alertmanager lists the firing alert (GET /api/v2/alerts)", am.alerts())
    if listed:
        a = listed[0]
        t.eq(a["labels"], RESERVE, "with our labels")
        t.eq(a["annotations"], dict(RESERVE_ANN), "with our annotations (escapes read back)")
        t.eq(parse_ms(a["startsAt"]), fired, "startsAt is when it fired")
        t.eq(parse_ms(a["endsAt"]), now + 4 * 60 * 1000, "endsAt is now + 4 x max(1m resend, 15s)")
        t.eq(a["generatorURL"], GEN_URL, "generatorURL points at the node's alerts")
        t.eq(a["status"]["state"], "active", "active in Alertmanager")
        t.eq([r["name"] for r in a["receivers"]], ["team"], "routed to the team receiver")
        t.eq(a["fingerprint"], prom_fingerprint(RESERVE), "Alertmanager's fingerprint is Prometheus' of our labels")
    esc = wait_for(lambda: find_am(am.alerts(), "IncidentOverdue"))
    t.ok(esc and [r["name"] for r in esc[0]["receivers"]] == ["lead"],
         "escalation=\"overdue\" is routed to the second receiver", esc)
    names = sorted(a["labels"]["alertname"] for a in am.alerts())
    t.eq(names, ["IncidentOverdue", "ReserveRatioCritical"], "pending and silenced alerts never reach Alertmanager")

    team = wait_for(lambda: hooks.payloads("/team"))
    t.ok(len(team) >= 1, "Alertmanager sends it on to the team's webhook", hooks.posts)
    if team:
        p = team[0]
        t.eq(p["status"], "firing", "firing at the team's webhook")
        t.eq(p["groupLabels"], {"alertname": "ReserveRatioCritical", "asset": "USDX"},
             "grouped by [alertname, asset]")
        t.eq(p["alerts"][0]["labels"], RESERVE, "with our labels")
    lead = wait_for(lambda: hooks.payloads("/lead"))
    t.ok(lead and lead[0]["alerts"][0]["labels"] == OVERDUE, "the overdue escalation reaches the lead's webhook", lead)
    t.ok(all(p["groupLabels"].get("alertname") != "IncidentOverdue" for p in hooks.payloads("/team")),
         "and not the team's")

    direct = wait_for(lambda: [b for b in hooks.bodies("/direct") if b"ReserveRatioCritical" in b])
    t.ok(len(direct) == 1, "our webhook payload reaches a plain HTTP server", hooks.posts)
    types = [ct for p, ct, _ in hooks.posts if p == "/direct"]
    t.ok(types and all(ct == "application/json" for ct in types), "as application/json", types)
    if direct:
        want = {
            "receiver": "hook", "status": "firing",
            "alerts": [{"status": "firing", "labels": RESERVE, "annotations": dict(RESERVE_ANN),
                        "startsAt": iso_ms(fired), "endsAt": "0001-01-01T00:00:00Z",
                        "generatorURL": GEN_URL, "fingerprint": prom_fingerprint(RESERVE)}],
            "groupLabels": {"alertname": "ReserveRatioCritical"}, "commonLabels": RESERVE,
            "commonAnnotations": dict(RESERVE_ANN), "externalURL": NODE_URL, "version": "4",
            "groupKey": '{}:{alertname="ReserveRatioCritical"}', "truncatedAlerts": 0}
        t.eq(json.loads(direct[0]), want, "our webhook payload parses back equal")
        t.ok(direct[0].endswith(b"}\n"), "ended by a newline as Go's json.Encoder ends it")
        if team:
            ours, theirs = keys_in_order(direct[0]), keys_in_order(hooks.bodies("/team")[0])
            t.eq(ours, theirs, "its fields in the order Alertmanager writes them")
            t.eq(json.loads(direct[0])["alerts"][0]["fingerprint"], team[0]["alerts"][0]["fingerprint"],
                 "the same fingerprint as Alertmanager's for the alert")
            t.eq(sorted(json.loads(direct[0])["alerts"][0]), sorted(team[0]["alerts"][0]),
                 "an alert has Alertmanager's fields")
    overdue_direct = [p for p in hooks.payloads("/direct") if p["groupLabels"]["alertname"] == "IncidentOverdue"]
    t.ok(len(overdue_direct) == 1, "each alertname is its own webhook group", hooks.payloads("/direct"))

    # The next evaluations: Alertmanager hears again (endsAt moves), the
    # webhook does not (nothing changed).
    later = now + 15000
    d.submit(firing, later)
    moved = wait_for(lambda: [a for a in find_am(am.alerts(), "ReserveRatioCritical")
                              if parse_ms(a["endsAt"]) == later + 240000])
    t.ok(moved, "re-sent every evaluation: Alertmanager's endsAt moves on", am.alerts())

    # Resolve.
    resolved_at = int(time.time() * 1000)
    d.submit([alert(RESERVE, state="resolved", annotations=RESERVE_ANN, fired_ms=fired,
                    resolved_ms=resolved_at), firing[3]], resolved_at)
    gone = wait_for(lambda: not [a for a in find_am(am.alerts(), "ReserveRatioCritical")
                                 if a["status"]["state"] == "active"])
    t.ok(gone, "on resolve Alertmanager no longer lists it active", am.alerts())

    def team_resolved():
        return [p for p in hooks.payloads("/team") if p["status"] == "resolved"]
    res = wait_for(team_resolved)
    t.ok(res, "the team's webhook gets it resolved", hooks.payloads("/team"))
    if res:
        a = res[0]["alerts"][0]
        t.eq(a["status"], "resolved", "the alert resolved")
        t.eq(parse_ms(a["endsAt"]), resolved_at, "endsAt is our resolve time")
    mine = wait_for(lambda: [p for p in hooks.payloads("/direct") if p["status"] == "resolved"])
    t.ok(len(mine) == 1 and mine[0]["alerts"][0]["endsAt"] == iso_ms(resolved_at),
         "our webhook gets it resolved, with the resolve time", mine)
    t.eq(len(hooks.payloads("/direct")), 3, "and nothing else: firing, the escalation, the resolve")

    st = wait_for(lambda: (lambda s: s if s["am"]["queued"] == 0 and s["am"]["in_flight"] == 0
                           and s["hook"]["queued"] == 0 and s["hook"]["in_flight"] == 0 else None)(d.stats()))
    t.ok(st and st["am"]["ok"] == 3 and st["hook"]["ok"] == 3, "every payload counted ok", st)
    t.ok(st and all(st[r]["error"] + st[r]["dropped"] + st[r]["retries"] == 0 for r in st),
         "no error, drop or retry", st)
    rc, out = promtool_metrics(d.metrics())
    t.ok(rc == 0 and "mintline_alert_deliveries_total" in d.metrics(), "promtool check metrics accepts the delivery metrics", out)
    rc, took = d.close()
    t.eq(rc, 0, "the driver stops cleanly")
    t.ok("AddressSanitizer" not in d.stderr() and "runtime error" not in d.stderr(), "no sanitizer report", d.stderr())


def test_down_and_slow(hooks):
    closed = free_port()
    slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    slow.bind(("127.0.0.1", 0))
    slow.listen(64)  # never accepted: requests are never answered
    cfg = write("downslow.yaml", """\
alerting:
  receivers:
    - {name: down, type: alertmanager, url: 'http://127.0.0.1:%d'}
    - {name: slow, type: alertmanager, url: 'http://127.0.0.1:%d', timeout: 60s}
    - {name: ok, type: webhook, url: '%s'}
""" % (closed, slow.getsockname()[1], hooks.url("/ok")))
    d = Driver(cfg, "--tries", 3, "--backoff-ms", 20, "--grace-ms", 200)
    now = int(time.time() * 1000)
    one = [alert(RESERVE, annotations=RESERVE_ANN, fired_ms=now)]
    t0 = time.time()
    for i in range(300):
        d.submit(one, now + i * 15000)
    took = time.time() - t0
    t.diag("300 submissions with a receiver down and one that never answers: %.0f ms "
           "(round trips through the driver's pipe)" % (took * 1000))
    st = d.stats()
    t.eq(st["slow"]["queued"], 256, "the slow receiver's queue stays at its bound (256)")
    t.eq(st["slow"]["in_flight"], 1, "one payload in flight, never answered")
    t.eq(st["slow"]["dropped"], 300 - 256 - 1, "the oldest payloads dropped and counted")
    t.eq(st["slow"]["ok"] + st["slow"]["error"], 0, "nothing delivered to it")
    done = wait_for(lambda: (lambda s: s if s["down"]["retries"] >= 2 and s["down"]["error"] >= 1 else None)(d.stats()))
    t.ok(done, "the down receiver: retries counted, then an error", d.stats())
    st = d.stats()
    t.ok(st["down"]["dropped"] > 0, "and drops while it retries", st)
    t.eq(st["down"]["ok"], 0, "nothing delivered to it")
    okr = wait_for(lambda: hooks.payloads("/ok"))
    t.ok(len(okr) == 1, "the healthy webhook got its payload meanwhile (once: nothing changed after)", okr)
    text = d.metrics()
    t.ok('mintline_alert_deliveries_total{receiver="slow",result="dropped"} 43\n' in text,
         "the drops are in the metrics", text)
    t.ok('mintline_alert_queue_length{receiver="slow"} 256\n' in text, "and the queue length", text)
    rc, out = promtool_metrics(text)
    t.ok(rc == 0, "promtool check metrics accepts them", out)
    rc, took = d.close()
    t.eq(rc, 0, "the stop with 256 payloads queued and one in flight is clean")
    t.ok(took < 20, "and bounded (grace 200 ms + libcurl's abort check), not the 60 s timeout: %.1fs" % took)
    t.diag("stop took %.2f s" % took)
    slow.close()


def test_serve_config():
    node = Node(clock_manual=True)
    bad = write("bad.yaml", "alerting:\n  receivers:\n    - name: am\n      type: pager\n"
                            "      url: http://127.0.0.1:9093\n")
    r = node.cli("serve", "--config", bad, "--data", node.data, "--listen", "127.0.0.1:%d" % free_port())
    t.eq(r.rc, 2, "serve refuses a bad alerting section: exit 2")
    t.ok("ERR_INVALID_CONFIG" in r.err and bad + ":4:13: type: alertmanager or webhook" in r.err,
         "ERR_INVALID_CONFIG with FILE:LINE:COL", r)
    r = node.cli("serve", "--config", os.path.join(WORK, "missing.yaml"), "--data", node.data)
    t.eq(r.rc, 3, "an unreadable --config: I/O, exit 3")
    good = write("good.yaml", "alerting:\n  receivers:\n    - {name: am, type: alertmanager, "
                              "url: 'http://127.0.0.1:%d'}\n" % free_port())
    node.start(args=["--config", good])
    status, body = node.http("GET", "/metrics")
    text = body.decode() if isinstance(body, bytes) else body
    t.ok('mintline_alert_deliveries_total{receiver="am",result="ok"} 0' in text,
         "a node served with --config counts its receivers' deliveries in /metrics")
    rc, out = promtool_metrics(text)
    t.ok(rc == 0, "promtool check metrics accepts the node's /metrics with them", out)
    t.eq(node.stop(), 0, "the node stops cleanly with its receivers")
    t.ok(node.sanitizer() is None, "no sanitizer report from the node", node.log_text())


def test_docs(hooks):
    text = open(os.path.join(REPO, "docs", "operators", "receivers.md")).read()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    cfg = write("doc-config.yaml", blocks[0])
    p = subprocess.run([driver_binary(), cfg], stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    t.eq(p.returncode, 0, "the doc's alerting: example is accepted")
    am_cfg = [b for b in blocks if b.startswith("# alertmanager.yml")]
    path = write("doc-alertmanager.yml", am_cfg[0] if am_cfg else "")
    p = subprocess.run(["amtool", "check-config", path], capture_output=True, timeout=60)
    t.ok(am_cfg and p.returncode == 0, "amtool check-config accepts the doc's Alertmanager configuration",
         (p.stdout + p.stderr).decode(errors="replace"))
    example = [b for b in re.findall(r"```json\n(.*?)```", text, re.S) if '"version":"4"' in b]
    mine = hooks.bodies("/direct")
    if example and mine:
        doc = json.loads(example[0])
        t.eq(keys_in_order(json.dumps(doc)), keys_in_order(mine[0]),
             "the doc's webhook example has the payload's fields in their order")
        t.eq(doc["alerts"][0]["fingerprint"], prom_fingerprint(doc["alerts"][0]["labels"]),
             "and its fingerprint is its labels'")
    else:
        t.ok(False, "the doc has a webhook example and a payload was received", example)


def main():
    if not os.path.exists(AM_BIN):
        t.ok(False, "%s is installed (scripts/deps.sh)" % AM_BIN)
        t.done()
    hooks = Hooks()
    am = None
    try:
        am = Alertmanager(hooks, WORK)
        t.run("alertmanager", test_alertmanager_and_webhook, hooks, am)
        t.run("down and slow", test_down_and_slow, hooks)
        t.run("serve --config", test_serve_config)
        t.run("docs", test_docs, hooks)
    finally:
        if am is not None:
            am.stop()
        hooks.stop()
    shutil.rmtree(WORK, ignore_errors=True)
    t.done()


main()
