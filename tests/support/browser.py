"""browser - the console tests' Chromium plumbing (issue 14): headless
Chromium driven by Debian's chromium-driver and python3-selenium, signing in
with a demo key, waiting for views, running a form's dry run and Submit, and
the checks every console test ends with (no request carries a key, every
/api/ request is signed, no page logged an error).

    import browser as B
    B.use(node)                      # the node the pages are loaded from
    if not B.available(): ...        # Chromium, chromedriver and selenium
    d = B.browser()
    B.sign_in(d, "alice")
    B.go(d, "#/vaults", ".vaults")
    B.open_form(d, "Deposit"); ...; B.dry_run_and_submit(d)
    B.check_no_key_sent(t); B.check_no_errors(t, expected)
    B.quit_all()

selenium comes from Debian: a test importing this module under another
python3 (found first on PATH) should re-run itself under /usr/bin/python3
(see reexec_under_debian_python()).
"""
import base64
import json
import os
import shutil
import sys
import time

from harness import KEYS_DIR

SEEDS = {name: open(os.path.join(KEYS_DIR, name + ".key")).read().strip()
         for name in ("alice", "bob", "carol", "dave") if os.path.exists(os.path.join(KEYS_DIR, name + ".key"))}


class _S:
    node = None
    browsers = []  # every driver made, for the logs at the end
    shots = os.environ.get("CONSOLE_SHOTS")


def reexec_under_debian_python():
    try:
        import selenium  # noqa: F401
    except ImportError:
        if os.path.exists("/usr/bin/python3") and \
                os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
            os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)


def use(node):
    _S.node = node


def available():
    try:
        from selenium import webdriver  # noqa: F401
    except ImportError:
        return False
    return bool(shutil.which("chromedriver") and (shutil.which("chromium") or shutil.which("chromium-browser")))


def grouped(text, unit=None):
    """fmt.js's amount(): thousands separators on the whole part, the fraction as it is."""
    whole, dot, frac = text.partition(".")
    g = "{:,}".format(int(whole))
    return g + ("." + frac if dot else "") + (" " + unit if unit else "")


def pct(ratio):
    if ratio is None:
        return "\u2014"
    return ("%.3f" % (ratio * 100) if 0 < ratio < 0.001 else "%.1f" % (ratio * 100)) + " %"


def browser(width=1280, height=1000):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    opts = Options()
    opts.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=%d,%d" % (width, height),
              "--disable-extensions", "--no-first-run"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    d = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    d.logs = {"browser": [], "performance": []}
    _S.browsers.append(d)
    return d


def quit_all():
    for d in _S.browsers:
        try:
            d.quit()
        except Exception:  # noqa: BLE001
            pass
    _S.browsers = []


def drain_logs(d):
    for kind in ("browser", "performance"):
        d.logs[kind].extend(d.get_log(kind))


def wait(d, fn, what, timeout=10):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            v = fn(d)
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - the element may be being replaced
            last = e
        time.sleep(0.1)
    raise RuntimeError("timed out waiting for %s (%s)" % (what, last))


def waited(d, fn, what, timeout=10):
    """wait() as a check's condition: False on a timeout."""
    try:
        return bool(wait(d, fn, what, timeout))
    except RuntimeError:
        return False


def css(d, sel):
    return d.find_element("css selector", sel)


def text_of(d, sel):
    return d.find_element("css selector", sel).text


def sign_in(d, key, name=None, expect_ok=True):
    d.get("http://127.0.0.1:%d/" % _S.node.port)
    wait(d, lambda d: css(d, "#keyfile").is_displayed(), "the sign-in form")
    css(d, "#keyfile").send_keys(os.path.join(KEYS_DIR, key + ".key"))
    field = css(d, "#operator")
    if name is not None:
        field.clear()
        field.send_keys(name)
    css(d, "#signin-submit").click()
    if expect_ok:
        wait(d, lambda d: css(d, ".dashboard").is_displayed(), "the dashboard")


def go(d, fragment, ready_sel, timeout=10):
    """Open a view and wait for ready_sel in it. The view is marked busy
    before the hash changes and app.js clears the mark once the new route
    has rendered, so ready_sel is never found in the view being left."""
    moved = d.execute_script(
        "if (location.hash === arguments[0]) return false;"
        "document.getElementById('view').setAttribute('aria-busy', 'true');"
        "location.hash = arguments[0]; return true;", fragment)
    if moved:
        wait(d, lambda d: css(d, "#view").get_attribute("aria-busy") == "false", fragment + " rendered", timeout)
    return wait(d, lambda d: css(d, ready_sel), fragment, timeout)


def button(d, label, scope="#view"):
    """The first visible button in scope whose text is label."""
    return wait(d, lambda d: [b for b in d.find_elements("css selector", scope + " button")
                              if b.text.strip() == label and b.is_displayed()], "button " + label)[0]


def open_form(d, label, scope="#view"):
    """Click the button labelled label and wait for the action dialog."""
    button(d, label, scope).click()
    wait(d, lambda d: css(d, "#action").is_displayed(), "the %s form" % label)


def fill(d, name, value):
    """Type value into the open form's field named name (an input or a select)."""
    el = css(d, "#action [name='%s']" % name)
    if el.tag_name == "select":
        from selenium.webdriver.support.ui import Select
        Select(el).select_by_value(value)
    else:
        el.clear()
        el.send_keys(value)


def dry_run_and_submit(d, submit=True):
    """Dry run the open form; then Submit when it passed and submit is set.
    Returns (dry run outcome text, result text or None)."""
    css(d, "#action-dry").click()
    out = wait(d, lambda d: [e for e in d.find_elements("css selector", "#action .outcome") if e.text], "a dry run")
    dry = out[0].text
    if not submit:
        return dry, None
    css(d, "#action-submit").click()
    res = wait(d, lambda d: [e for e in d.find_elements("css selector", "#action [data-result], #action .refused")
                             if e.text and "Running" not in e.text], "the answer")
    return dry, res[0].text


def close_action(d):
    css(d, "#action-close").click()
    wait(d, lambda d: not css(d, "#action").is_displayed(), "the dialog closed")


def shot(d, name):
    if _S.shots:
        os.makedirs(_S.shots, exist_ok=True)
        d.save_screenshot(os.path.join(_S.shots, name + ".png"))


def no_horizontal_scroll(d):
    w = d.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    return w[0] <= w[1], w


def check_no_key_sent(t, min_requests=20, min_signed=10):
    """No request any browser made carries a demo seed (in any of its
    spellings), and every /api/ request is signed (Chromium's performance log)."""
    seen = 0
    signed = 0
    leaks = []
    forms = set()
    for seed in SEEDS.values():
        raw_seed = bytes.fromhex(seed)
        forms |= {seed, seed.upper(), base64.b64encode(raw_seed).decode(), raw_seed.hex()}
    for d in _S.browsers:
        drain_logs(d)
        for e in d.logs["performance"]:
            m = json.loads(e["message"])["message"]
            if m.get("method") != "Network.requestWillBeSent":
                continue
            req = m["params"]["request"]
            blob = json.dumps(req)
            seen += 1
            if any(f in blob for f in forms):
                leaks.append(req["url"])
            if "/api/" in req["url"] and not req["url"].endswith("/sign.js"):
                hd = {k.lower(): v for k, v in req.get("headers", {}).items()}
                ok = all(k in hd for k in ("mintline-operator", "mintline-time", "mintline-nonce",
                                           "mintline-signature"))
                signed += ok
                if not ok:
                    leaks.append("unsigned " + req["url"])
    t.ok(seen > min_requests and signed > min_signed,
         "the performance log saw the pages' requests (%d, %d signed)" % (seen, signed))
    t.eq(leaks, [], "no request carries a key, and every /api/ request is signed")


def check_no_errors(t, expected_fn=None, min_expected=0):
    """No SEVERE entry in any browser's log, besides the ones expected_fn(msg)
    accepts (the HTTP refusals a test asked for); at least min_expected of those."""
    bad = []
    expected = 0
    for d in _S.browsers:
        drain_logs(d)
        for e in d.logs["browser"]:
            if e["level"] != "SEVERE":
                continue
            msg = e["message"]
            if e.get("source") == "network" and expected_fn and expected_fn(msg):
                expected += 1
                continue
            bad.append(msg)
    if min_expected:
        t.ok(expected >= min_expected, "the browser log is read: the refusals asked for are in it (%d)" % expected)
    t.eq(bad, [], "no page logged an error (script, CSP, network)")


# ---- the node's side, for comparing what a page shows ------------------------

def api(path, who="carol"):
    """A signed GET on the node the pages come from (use()); its document,
    or RuntimeError when the answer is not 200."""
    st, doc = _S.node.client(who).get(path)
    if st != 200:
        raise RuntimeError("%s: %s %s" % (path, st, doc))
    return doc


def command(cmd, who="alice", want=(200,)):
    """A signed command on that node; its answer, or RuntimeError when the
    status is not one of want."""
    st, doc = _S.node.client(who).command(cmd)
    if st not in want:
        raise RuntimeError("%s: %s %s" % (cmd, st, doc))
    return doc


def fmt_age(seconds):
    """fmt.js's age(): the two largest units ("3d 4h", "2h 5m", "4m 10s", "9s")."""
    s = max(0, round(seconds))
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    if d:
        return "%dd %dh" % (d, h)
    if h:
        return "%dh %dm" % (h, m)
    if m:
        return "%dm %ds" % (m, s)
    return "%ds" % s


def ready(t):
    """True when Chromium can be driven; otherwise a failed check naming what to install."""
    if available():
        return True
    t.ok(False, "Chromium, chromedriver and python3-selenium are installed (scripts/deps.sh)")
    return False


def steps(t, named):
    """Runs (name, fn) pairs in order as the test's checks."""
    for name, fn in named:
        t.run(name, fn)


def audit(t, node):
    """`audit verify` on the node's data dir: every command the console sent is in a valid journal."""
    r = node.cli("audit", "verify", "--data", node.data)
    t.ok(r.rc == 0, "audit verify after the console's commands", r)


def close(t, node):
    """The end of every console test (in its finally): browsers closed, the node stopped, no sanitizer report."""
    quit_all()
    node.stop()
    t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
