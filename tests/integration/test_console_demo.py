"""test_console_demo - issue 14's "done when", walked as a newcomer would:
`make demo` (scripts/demo.sh, run here as it is, on its own data dir and
free ports), then the console in Chromium at the demo node's address with
examples/keys/alice.key, without the CLI:

  demo         scripts/demo.sh runs its routines and keeps serving; its
               closing message names the console and alice.key
  morning      the AsiaFlex morning checklist (seed 000 "Morning Checklist"):
               1. status: each asset's supply, holders, cap and daily-limit
                  bars as /api/system/status has them; the daily checklist
               2. history: the operations the demo ran, newest first, as
                  /api/history lists them
               3. NAV: AAXJF's NAV (12.48) and its age, not stale
               4. circuit breakers: the daily mint used and left
               and COINSCIOUS's (seed 003): the pauses as expected (Danger,
               /api/contracts/status), USDW's reserve ratio and reports
  pause        COINSCIOUS "Global System Pause": Danger, Pause System, its
               dry run, Submit (everything paused); Unpause System as alice
               is a proposal; bob, in a second browser with his own key,
               approves it from Proposals: the ledger runs again, and alice's
               page shows it without a reload
  end          no request carried a key, every /api/ request was signed, no
               page logged an error; Ctrl-C stops the demo (exit 0) and
               `audit verify` passes on its data dir
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import REPO, TAP, KEYS_DIR, default_binary, free_port, sanitizer_report  # noqa: E402
from mlclient import Client, load_key  # noqa: E402
import browser as B  # noqa: E402
from browser import api, css, dry_run_and_submit, go, grouped, pct, sign_in, text_of, wait, waited  # noqa: E402

B.reexec_under_debian_python()

t = TAP("console_demo")


class Demo:
    """scripts/demo.sh as `make demo` runs it, on a data dir and ports of its own."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="mintline-demo-")
        self.data = os.path.join(self.tmp, "demo-data")
        self.port = free_port()
        self.smom_port = free_port()
        self.out_path = os.path.join(self.tmp, "demo.out")
        self.proc = None

    def start(self, timeout=120):
        env = dict(os.environ, MINTLINE_BIN=default_binary(), MINTLINE_DEMO_DATA=self.data,
                   MINTLINE_DEMO_LISTEN="127.0.0.1:%d" % self.port,
                   MINTLINE_DEMO_SMOM_LISTEN="127.0.0.1:%d" % self.smom_port)
        for k in ("MINTLINE_NODE", "MINTLINE_OPERATOR", "MINTLINE_HOME", "MINTLINE_CONFIG", "MINTLINE_PROFILE"):
            env.pop(k, None)
        self.out = open(self.out_path, "w")
        self.proc = subprocess.Popen(["sh", os.path.join(REPO, "scripts", "demo.sh")], env=env, stdout=self.out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        end = time.time() + timeout
        while time.time() < end:
            if "keeps serving" in self.output():
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("demo.sh did not reach its serving message:\n" + self.output()[-3000:])

    def output(self):
        with open(self.out_path) as f:
            return f.read()

    def client(self, who):
        return Client("127.0.0.1", self.port, who, load_key(os.path.join(KEYS_DIR, who + ".key")))

    def stop(self):
        """Ctrl-C, as the closing message says: the demo stops its node and exits 0."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            return None


X = Demo()


def test_demo():
    out = X.output()
    t.ok("== AsiaFlex morning routine ==" in out and "(exit" not in out.split("== smom-dbis-138 weekly")[0],
         "the AsiaFlex routine ran, every step exiting 0", out[-2000:])
    t.ok("http://127.0.0.1:%d/" % X.port in out and "examples/keys/alice.key" in out,
         "the closing message names the console's address and alice's key file", out[-800:])


def test_morning():
    d = X.b1
    sign_in(d, "alice")
    t.eq(text_of(d, "#who"), "alice", "signed in with examples/keys/alice.key")
    st = api("/api/system/status")
    wait(d, lambda d: len(d.find_elements("css selector", "article.asset")) == len(st["assets"]), "every asset")
    # 1. status
    for a in st["assets"]:
        card = "article[data-asset='%s'] " % a["symbol"]
        t.eq(text_of(d, card + "[data-figure=supply]"), grouped(a["supply"], a["symbol"]),
             "1. status: %s's supply is the API's" % a["symbol"])
        t.eq(text_of(d, card + "[data-figure=holders]"), grouped(str(a["holders"])),
             "1. status: %s's holders" % a["symbol"])
    usdw = [a for a in st["assets"] if a["symbol"] == "USDW"][0]
    t.ok(to_int(usdw["supply"]) > 0, "the demo minted USDW", usdw["supply"])
    ck = api("/api/checks/daily")
    t.ok(waited(d, lambda d: css(d, "#checklist-h [data-status]").text == ck["status"], "the checklist"),
         "1. status: the daily checklist's verdict is the API's (%s)" % ck["status"])
    # 2. history
    go(d, "#/history", "#view table")
    hist = api("/api/history?limit=20")["history"]
    rows = wait(d, lambda d: d.find_elements("css selector", "#view tbody tr"), "history rows")
    first = rows[0].text
    t.ok(str(hist[0]["seq"]) in first and hist[0]["op"] in first and hist[0]["operator"] in first,
         "2. history: the newest operation is the API's (%s by %s)" % (hist[0]["op"], hist[0]["operator"]), first)
    ops = {h["op"] for h in hist}
    t.ok({"mint", "transfer", "burn", "nav.update", "reserve.report"} <= ops, "2. history: the demo's operations", ops)
    # 3. NAV cache
    go(d, "#/", ".dashboard")
    fund = [a for a in st["assets"] if a["symbol"] == "AAXJF"][0]
    card = "article[data-asset='AAXJF'] "
    t.eq(text_of(d, card + "[data-figure=nav]"), grouped(fund["nav"]["value"]), "3. NAV: AAXJF's NAV is the API's")
    t.ok(fund["nav"]["value"].startswith("12.48") and fund["nav"]["stale"] is False, "3. NAV: 12.48, fresh", fund["nav"])
    nav_age = text_of(d, card + "[data-figure=nav_age]")
    t.ok(nav_age and "stale" not in nav_age and "never" not in nav_age, "3. NAV: its age is shown, not stale", nav_age)
    # 4. circuit breakers
    dm = usdw["daily_mint"]
    want = grouped(dm["used"]) + " / " + grouped(dm["limit"], "USDW") + " \u00b7 " + pct(dm["usage"])
    t.eq(text_of(d, "article[data-asset='USDW'] [data-figure=daily_mint]"), want,
         "4. circuit breakers: USDW's daily mint used, limit and usage")
    # the reserve (seed 001/003's morning read)
    t.eq(text_of(d, "article[data-asset='USDW'] [data-figure=reserve]"), pct(float(usdw["reserve"]["ratio"])),
         "USDW's reserve ratio is the API's")
    t.ok("quorum met" in text_of(d, "article[data-asset='USDW'] [data-figure=quorum]"),
         "USDW's reserve reports meet the quorum")
    B.shot(d, "demo-morning")
    # the pauses as expected (seed 003: /api/contracts/status)
    go(d, "#/danger", "#global-state")
    cs = api("/api/contracts/status")
    t.eq((text_of(d, "#global-state"), cs["paused"]), ("Running", False), "Danger: the ledger runs, as the API says")
    for sym, a in cs["assets"].items():
        cell = text_of(d, "tr[data-key='a-%s']" % sym)
        t.ok(("paused" in cell) == a["paused"] and ("halted" in cell) == a["mint_halted"],
             "Danger: %s's pause and minting state are the API's" % sym, (cell, a))


def to_int(text):
    whole, _, frac = text.partition(".")
    return int(whole) * 10**18 + int((frac + "0" * 18)[:18] or 0)


def test_pause():
    d = X.b1
    go(d, "#/danger", "#btn-pause-all")
    t.eq(css(d, "#btn-pause-all").text, "Pause System", "the runbook's label: Pause System")
    css(d, "#btn-pause-all").click()
    dry, res = dry_run_and_submit(d)
    t.ok("Dry run passed" in dry and '"scope":"global"' in dry, "Pause System: the dry run shows the global pause", dry)
    t.ok(res.startswith("Done."), "Submit: paused", res)
    t.eq(api("/api/contracts/status")["paused"], True, "everything is paused")
    B.close_action(d)
    t.ok(waited(d, lambda d: text_of(d, "#global-state") == "Everything paused", "paused"), "Danger shows it")
    st, doc = X.client("alice").command({"op": "transfer", "asset": "USDW", "from": "0x7a11ce0000000000000000000000000000000001",
                                         "to": "0xc11e470000000000000000000000000000000002", "amount": "1",
                                         "dry_run": True})
    t.eq(doc.get("error", {}).get("code"), "ERR_PAUSED", "a transfer is refused while paused")
    css(d, "#btn-unpause-all").click()
    dry, res = dry_run_and_submit(d)
    t.ok("would become a proposal needing 2 approvals" in dry, "Unpause System: the dry run says a proposal", dry)
    t.ok("Proposal #" in res, "Submit: a proposal waits for a second operator", res)
    B.close_action(d)
    props = [p for p in api("/api/proposals")["proposals"] if p["op"] == "unpause" and p["status"] == "pending"]
    t.ok(len(props) == 1 and props[0]["approvals"] == ["alice"], "the API lists alice's unpause proposal", props)
    pid = props[0]["id"] if props else None
    t.eq(api("/api/contracts/status")["paused"], True, "still paused with one approval")
    b = X.b2
    sign_in(b, "bob")
    go(b, "#/proposals", "[data-approve='%s']" % pid)
    css(b, "[data-approve='%s']" % pid).click()
    dry, res = dry_run_and_submit(b)
    t.ok("Unpaused" in dry, "bob's Approve: the dry run shows the Unpaused event it releases", dry)
    t.ok("ran." in res, "bob's approval ran the proposal", res)
    t.eq(api("/api/contracts/status")["paused"], False, "the ledger runs again")
    B.close_action(b)
    t.ok(waited(d, lambda d: text_of(d, "#global-state") == "Running", "running", timeout=12),
         "alice's Danger page shows it without a reload")


def main():
    try:
        X.start()
    except RuntimeError as e:
        t.ok(False, "make demo's script starts and runs its routines", str(e))
        t.done()
        return
    B.use(X)
    try:
        t.run("demo", test_demo)
        if not B.available():
            t.ok(False, "Chromium, chromedriver and python3-selenium are installed (scripts/deps.sh)")
            return
        X.b1 = B.browser()
        X.b2 = B.browser()
        t.run("morning", test_morning)
        t.run("pause", test_pause)
        t.run("no key sent", lambda: B.check_no_key_sent(t, min_requests=10, min_signed=5))
        t.run("no errors", lambda: B.check_no_errors(t))
    finally:
        B.quit_all()
        rc = X.stop()
        t.eq(rc, 0, "Ctrl-C stops the demo (exit 0)")
        t.ok(sanitizer_report(X.output()) is None, "no sanitizer report from the demo's nodes", sanitizer_report(X.output()))
        r = subprocess.run([default_binary(), "audit", "verify", "--data", X.data], capture_output=True, text=True)
        t.ok(r.returncode == 0, "audit verify on the demo's data dir", r.stdout[-500:] + r.stderr[-500:])
    t.done()


if __name__ == "__main__":
    main()
