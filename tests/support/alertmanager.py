"""alertmanager - a real Alertmanager (Debian's prometheus-alertmanager,
scripts/deps.sh) and plain webhooks on loopback, for the receiver tests."""
import http.server
import json
import os
import subprocess
import threading
import time
import urllib.request

from harness import free_port

AM_BIN = "/usr/bin/prometheus-alertmanager"


def wait_for(fn, timeout=15.0, step=0.1):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(step)


# ------------------------------------------------------------ webhooks ----

class Hooks:
    """A plain HTTP server recording every POST by path (and answering 200)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.posts = []
        self.release = threading.Event()
        hooks = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with hooks.lock:
                    hooks.posts.append((self.path, self.headers.get("Content-Type"), body))
                if self.path.startswith("/hang"):  # a receiver that never answers
                    hooks.release.wait()
                    return
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def bodies(self, path):
        with self.lock:
            return [b for p, _, b in self.posts if p == path]

    def payloads(self, path):
        return [json.loads(b) for b in self.bodies(path)]

    def stop(self):
        self.release.set()
        self.server.shutdown()


# -------------------------------------------------------- alertmanager ----

AM_CONFIG = """\
route:
  receiver: team
  group_by: [alertname, asset]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - receiver: lead
      matchers: ['escalation="overdue"']
receivers:
  - name: team
    webhook_configs:
      - url: %s
        send_resolved: true
  - name: lead
    webhook_configs:
      - url: %s
        send_resolved: true
"""


class Alertmanager:
    """A real Alertmanager on a loopback port, routing to hooks' /team, and
    escalation="overdue" alerts to /lead."""

    def __init__(self, hooks, work):
        self.work = work
        self.port = free_port()
        cfg = os.path.join(work, "alertmanager.yml")
        with open(cfg, "w") as f:
            f.write(AM_CONFIG % (hooks.url("/team"), hooks.url("/lead")))
        store = os.path.join(self.work, "am-data")
        os.makedirs(store, exist_ok=True)
        self.log = open(os.path.join(self.work, "alertmanager.log"), "wb")
        self.proc = subprocess.Popen(
            [AM_BIN, "--config.file=" + cfg, "--storage.path=" + store,
             "--web.listen-address=127.0.0.1:%d" % self.port, "--cluster.listen-address="],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        ready = wait_for(self._ready, timeout=30)
        if not ready:
            raise RuntimeError("alertmanager not ready: " + self.log_text())

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def _ready(self):
        try:
            with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def alerts(self):
        with urllib.request.urlopen(self.url + "/api/v2/alerts", timeout=5) as r:
            return json.loads(r.read())

    def log_text(self):
        with open(os.path.join(self.work, "alertmanager.log"), "rb") as f:
            return f.read().decode(errors="replace")[-3000:]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


