"""test_navfetch - `nav fetch` and `nav check-cache` (SPEC 8) against a
stand-in price source on loopback that answers as Alpha Vantage does
(GLOBAL_QUOTE, the "Note" / "Information" rate limits, "Error Message") and
as a JSON source, with HTTP 500, a slow answer, and garbage.

On the demo genesis (AAXJF has no NAV yet; bob is oracle_updater).
"""
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import DEMO_GENESIS, TAP, Node, free_port  # noqa: E402

t = TAP("navfetch")
KEY = "av-secret-7d1f"

# What the stand-in answers, per path; the tests change it between fetches.
ANSWERS = {}
SEEN = []


def quote(price):
    return 200, json.dumps({"Global Quote": {"01. symbol": "AAXJ", "05. price": price,
                                             "07. latest trading day": "2026-11-20"}})


class Source(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        SEEN.append((u.path, q))
        if u.path == "/query" and q.get("apikey") != [KEY]:
            status, body = 200, json.dumps({"Error Message": "Invalid API call."})
        else:
            status, body = ANSWERS.get(u.path, (404, "no"))
        if status == "slow":
            time.sleep(2.5)
            status, body = 200, json.dumps({"data": {"price": 72.2}})
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client's timeout came first: that is the point

    def log_message(self, *a):
        pass


def write_config(node, port, extra=""):
    with open(os.path.join(node.home, "config.yaml"), "w") as f:
        f.write("""nav_sources:
  AAXJF:
    sources:
      - {type: alphavantage, symbol: AAXJ, url: "http://127.0.0.1:%d/query", api_key_env: AV_TEST_KEY}
      - {type: json, url: "http://127.0.0.1:%d/json", path: data.price, timeout: 1s}
    cache_ttl: 1h
    max_spread: 2%%
%s""" % (port, port, extra))


def fetch(node, *args, key=KEY):
    env = node.env("bob")
    env.pop("AV_TEST_KEY", None)
    if key is not None:
        env["AV_TEST_KEY"] = key
    return node.cli("nav", "fetch", "AAXJF", *args, env=env)


def nav_updates(node):
    st, doc = node.client("carol").get("/api/history?op=nav.update&limit=1000")
    return [h for h in doc["history"] if h["result"] == "ok"]


def cache_file(node):
    return os.path.join(node.home, ".cache", "nav", "AAXJF.json")


def check_cache(node):
    r = node.cli("nav", "check-cache", "--json", operator="carol")
    return r, (json.loads(r.out)["caches"] if r.rc == 0 else None)


def test_fetch(node):
    ANSWERS["/query"] = quote("72.1300")
    ANSWERS["/json"] = (200, json.dumps({"data": {"price": 72.20}}))
    r = fetch(node, "--dry-run")
    t.ok(r.rc == 0 and "dry run: would set the NAV of AAXJF to 72.13" in r.out, "dry run: the median", r)
    t.ok(not os.path.exists(cache_file(node)), "a dry run writes no cache")
    t.eq(len(nav_updates(node)), 0, "a dry run submits nothing")
    t.ok(SEEN and SEEN[0][1].get("function") == ["GLOBAL_QUOTE"] and SEEN[0][1].get("symbol") == ["AAXJ"],
         "Alpha Vantage asked for GLOBAL_QUOTE of AAXJ", SEEN[:1])
    r = fetch(node)
    t.ok(r.rc == 0 and "set the NAV of AAXJF to 72.13" in r.out, "nav fetch submits the median", r)
    st, doc = node.client("carol").get("/api/assets/AAXJF/nav")
    t.eq(doc["value"], "72.13", "the ledger's NAV is the fetched one")
    h = nav_updates(node)
    t.ok(len(h) == 1 and h[0]["operator"] == "bob", "one signed nav.update by bob in history", h)
    t.ok(os.stat(cache_file(node)).st_mode & 0o077 == 0, "the cache is private (0600)")
    with open(cache_file(node)) as f:
        text = f.read()
    t.ok(KEY not in text, "the API key is not in the cache")
    t.ok(KEY not in r.out and KEY not in r.err, "nor in the output")
    r, caches = check_cache(node)
    c = caches[0]
    t.ok(c["asset"] == "AAXJF" and c["value"] == "72.13" and c["fresh"] is True and c["age_s"] < 60,
         "check-cache: value, fresh, age", c)
    t.eq([s["outcome"] for s in c["sources"]], ["ok", "ok"], "check-cache: both sources ok")
    r = node.cli("nav", "check-cache", operator="carol")
    t.ok(r.rc == 0 and "AAXJF" in r.out and "72.13" in r.out and "fresh" in r.out, "check-cache: human", r)


def test_failures(node):
    before = len(nav_updates(node))
    ANSWERS["/query"] = (200, json.dumps({"Note": "Thank you for using Alpha Vantage! 5 calls per minute"}))
    ANSWERS["/json"] = (500, json.dumps({"data": {"price": 72.2}}))
    r = fetch(node)
    t.ok(r.rc == 0 and "using the cached NAV 72.13" in r.out and "nothing submitted" in r.out,
         "every source failed, fresh cache: says so, exit 0", r)
    t.ok("rate_limited" in r.err and "http_status" in r.err, "each failure is named on stderr", r.err)
    t.eq(len(nav_updates(node)), before, "nothing submitted")
    r, caches = check_cache(node)
    t.eq([s["outcome"] for s in caches[0]["sources"]], ["rate_limited", "http_status"],
         "check-cache: each source's last outcome")
    t.eq(caches[0]["value"], "72.13", "the cached value stands")

    ANSWERS["/query"] = (200, json.dumps({"Information": "premium endpoint"}))
    ANSWERS["/json"] = (200, "<html>502 Bad Gateway</html>")
    r = fetch(node)
    t.ok(r.rc == 0 and "garbage" in r.err and "rate_limited" in r.err, "Information and garbage: failed", r)

    ANSWERS["/json"] = ("slow", None)
    r = fetch(node, key=None)
    t.ok(r.rc == 0 and "no_api_key" in r.err and "timeout" in r.err, "no key, slow source: failed", r)
    r = fetch(node, key="wrong")
    t.ok("error_body" in r.err and "wrong" not in r.err.replace("wrong-", ""), "a wrong key: Error Message", r)

    # Sources that disagree: nothing submitted.
    ANSWERS["/query"] = quote("72.1300")
    ANSWERS["/json"] = (200, json.dumps({"data": {"price": "80.00"}}))
    r = fetch(node)
    t.ok(r.rc == 1 and "ERR_NAV_SPREAD" in r.err, "sources 11% apart: ERR_NAV_SPREAD, exit 1", r)
    t.eq(len(nav_updates(node)), before, "nothing submitted")

    # One source answering is enough.
    ANSWERS["/json"] = (200, "{}")
    ANSWERS["/query"] = quote("72.5000")
    r = fetch(node)
    t.ok(r.rc == 0 and "set the NAV of AAXJF to 72.5" in r.out and "no_price" in r.err,
         "one source answers: its price is submitted", r)
    t.eq(len(nav_updates(node)), before + 1, "one more nav.update")

    # A cache older than cache_ttl does not stand in.
    with open(cache_file(node)) as f:
        doc = json.load(f)
    doc["fetched_at_ns"] -= 2 * 3600 * 10**9
    with open(cache_file(node), "w") as f:
        json.dump(doc, f)
    ANSWERS["/query"] = (503, "busy")
    ANSWERS["/json"] = (503, "busy")
    r = fetch(node)
    t.ok(r.rc == 3 and "ERR_NAV_SOURCES_FAILED" in r.err, "no fresh cache: ERR_NAV_SOURCES_FAILED, exit 3", r)
    r, caches = check_cache(node)
    t.eq(caches[0]["fresh"], False, "check-cache: not fresh")
    r = node.cli("nav", "check-cache", operator="carol")
    t.ok("STALE" in r.out, "check-cache human: STALE", r)


def test_config(node, port):
    r = node.cli("nav", "fetch", "USDW", operator="bob")
    t.ok(r.rc == 2 and "ERR_INVALID_CONFIG" in r.err and "not configured" in r.err,
         "an asset without sources: ERR_INVALID_CONFIG, exit 2", r)
    write_config(node, port, "    colour: blue\n")
    r = node.cli("nav", "fetch", "AAXJF", operator="bob")
    t.ok(r.rc == 2 and "ERR_INVALID_CONFIG" in r.err, "an unknown key is refused", r)
    r = node.cli("nav", "fetch", "../x", operator="bob")
    t.eq(r.rc, 2, "a symbol that is not one: usage")
    r = node.cli("nav", "check-cache", "USDW", operator="bob")
    t.ok(r.rc == 1 and "ERR_NOT_FOUND" in r.err, "check-cache of an asset never fetched", r)
    write_config(node, port)


server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Source)
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_address[1]
node = Node(genesis=DEMO_GENESIS, clock_manual=True)
try:
    write_config(node, port)
    node.start()
    t.run("fetch", test_fetch, node)
    t.run("failures", test_failures, node)
    t.run("config", test_config, node, port)
    t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
finally:
    node.stop()
    node.cleanup()
    server.shutdown()
t.done()
