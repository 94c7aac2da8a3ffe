"""test_reports - SPEC 9's reports (issue 12 item 2) on a manual clock.

- five days of activity, each day moved on with `dev advance 1d`: mints,
  burns, transfers, reserve reports, NAV updates, an incident opened one day
  and resolved the next, a timelocked caps.set executed;
- `report daily --at DAY` for each day: supply at start and end, minted,
  burned, mint, burn and transfer counts and volume are what this test did;
  weekly and monthly sum the days they hold; holders; NAV range; reserve
  ratio; the incident, the timelock entry; the head hash is the hash of the
  period's last block (GET /api/history-free check: the next period's
  start is the same supply);
- every period and format twice, and once more after the node committed
  more blocks: byte for byte the same; `-o FILE` is the same bytes as stdout;
- bad input: a malformed date (ERR_INVALID_DATE), --at after the ledger's
  today (ERR_REPORT_FUTURE), a period with no blocks (ERR_REPORT_NO_BLOCKS),
  an unknown period (usage, exit 2; the API: 404), an unknown format;
- the HTML report is one file with inline SVG, no script and no network
  reference; headless Chromium renders it to a PNG that is not blank.
"""
import datetime
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import TAP, Node  # noqa: E402

t = TAP("reports")

A = "0x" + "a1" * 20
B = "0x" + "b2" * 20
C = "0x" + "c3" * 20

GENESIS = """\
operators:
  - name: alice
    pubkey: a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800
    roles: [admin, minter, burner, transfer_agent, pauser, treasury_manager, oracle_updater,
            reserve_reporter, incident_manager]
  - name: bob
    pubkey: ca9c298168ea53bf5a3e9b60aa2b14af289314f532a809f492207ded1abc7264
    roles: [admin]
  - name: carol
    pubkey: a4e964a18edba8351736a2dee6073a15b6b91e6bc253200dd3f2e268e292b673
    roles: [viewer]
controller: alice
assets:
  - symbol: PLN
    kind: plain
    decimals: 6
    daily_mint_limit: "100000"
  - symbol: USDW
    kind: fiat
    currency: USD
    decimals: 6
    reserve_quorum: 1
  - symbol: FUND
    kind: fund
    decimals: 18
    nav_max_age: 3650d
    nav_max_deviation: 50%
    nav: "1"
policies:
  - {op: caps.set, approvals: 1, timelock: 1h}
  - {op: unpause, approvals: 1}
  - {op: mint_resume, approvals: 1}
"""

DAYS = 5
OUT = {}


def cli(*args, operator="alice"):
    return X.node.cli(*args, operator=operator)


def cli_ok(name, *args, **kw):
    return t.cli_ok(X.node, name, *args, **kw)


class X:
    node = None
    days = []  # per day: the date, and what the test did
    genesis_day = None


def ledger_today():
    st, doc = X.node.client("carol").get("/api/system/status")
    return datetime.datetime.strptime(doc["node"]["time"][:10], "%Y-%m-%d").date()


def start_early_in_a_day():
    """The manual clock starts at the wall clock's time of day: move it to
    01:00 of the next day, so that day 2's 2h timelock wait never crosses
    midnight (the figures below are per calendar day)."""
    st, doc = X.node.client("carol").get("/api/system/status")
    now = datetime.datetime.strptime(doc["node"]["time"][:19], "%Y-%m-%dT%H:%M:%S")
    target = datetime.datetime.combine(now.date() + datetime.timedelta(days=1), datetime.time(1, 0))
    cli_ok("start at 01:00 of a day", "dev", "advance", "%ds" % int((target - now).total_seconds()))


def fill():
    start_early_in_a_day()
    X.genesis_day = ledger_today()
    supply = {"PLN": 0, "USDW": 0}
    for i in range(DAYS):
        day = X.genesis_day + datetime.timedelta(days=i)
        did = {"date": day, "minted": 0, "burned": 0, "mints": 0, "burns": 0, "transfers": 0, "volume": 0,
               "usdw_minted": 0, "nav": None, "incident_opened": None, "incident_resolved": None,
               "timelock": 0, "start": dict(supply)}
        mint = 100 * (i + 1)
        cli_ok("day %d: mint %d PLN" % (i, mint), "mint", "PLN", "--to", A, "--amount", str(mint))
        did["minted"] += mint
        did["mints"] += 1
        for k in range(i + 1):
            cli_ok("day %d: transfer %d" % (i, k), "transfer", "PLN", "--from", A, "--to", B if k % 2 else C,
                   "--amount", str(3 + k))
            did["transfers"] += 1
            did["volume"] += 3 + k
        if i % 2 == 1:
            cli_ok("day %d: burn 7 PLN" % i, "burn", "PLN", "--from", A, "--amount", "7")
            did["burned"] += 7
            did["burns"] += 1
        cli_ok("day %d: reserve report" % i, "reserve", "report", "USDW", "1000000")
        cli_ok("day %d: mint USDW" % i, "mint", "USDW", "--to", A, "--amount", str(1000 * (i + 1)))
        did["usdw_minted"] = 1000 * (i + 1)
        nav = "1.%d5" % i
        cli_ok("day %d: nav %s" % (i, nav), "nav", "update", "FUND", nav)
        did["nav"] = nav
        if i == 1:
            r = cli_ok("day 1: incident open", "incident", "open", "--severity", "P2", "--title",
                       "report test incident", "--json")
            did["incident_opened"] = [e for e in r.json()["events"] if e["type"] == "IncidentOpened"][0]["data"]["id"]
        if i == 2:
            cli_ok("day 2: incident resolve", "incident", "resolve", str(X.days[1]["incident_opened"]),
                   "--summary", "fixed")
            did["incident_resolved"] = X.days[1]["incident_opened"]
            r = cli("caps", "set", "PLN", "--supply-cap", "900000")
            t.ok(r.rc == 4, "day 2: caps.set waits in the timelock (exit 4)", r)
            st, doc = X.node.client("carol").get("/api/timelock")
            tid = str(doc["timelock"][0]["id"])
            cli_ok("day 2: advance 2h", "dev", "advance", "2h")
            cli_ok("day 2: timelock execute", "timelock", "execute", tid)
            did["timelock"] = 1
        supply["PLN"] += did["minted"] - did["burned"]
        supply["USDW"] += did["usdw_minted"]
        did["end"] = dict(supply)
        X.days.append(did)
        # the next day starts: a block at the end of this one moves the clock on
        cli_ok("day %d: advance to the next day" % i, "dev", "advance", "1d" if i != 2 else "22h")
    # one more day, so that every filled day is complete
    cli_ok("advance past the last day", "dev", "advance", "1d")


def report(period, at=None, fmt="json", *extra):
    args = ["report", period, "--format", fmt]
    if at is not None:
        args += ["--at", str(at)]
    return cli(*args, *extra, operator="carol")


def asset(doc, sym):
    return [a for a in doc["assets"] if a["symbol"] == sym][0]


def test_daily_figures():
    for i, did in enumerate(X.days):
        r = report("daily", did["date"])
        t.ok(r.rc == 0, "daily %s (exit 0)" % did["date"], r)
        if r.rc != 0:
            continue
        doc = r.json()
        OUT[("daily", i)] = doc
        pln = asset(doc, "PLN")
        got = (pln["supply_start"], pln["supply_end"], pln["minted"], pln["burned"], pln["mints"], pln["burns"],
               pln["transfers"], pln["transfer_volume"])
        want = (str(did["start"]["PLN"]), str(did["end"]["PLN"]), str(did["minted"]), str(did["burned"]),
                did["mints"], did["burns"], did["transfers"], str(did["volume"]))
        t.eq(got, want, "daily %s: PLN supply start/end, minted, burned, counts, volume" % did["date"])
        usdw = asset(doc, "USDW")
        t.eq((usdw["supply_start"], usdw["supply_end"], usdw["minted"]),
             (str(did["start"]["USDW"]), str(did["end"]["USDW"]), str(did["usdw_minted"])),
             "daily %s: USDW supply and minted" % did["date"])
        # a report counts for 1h: day 2 ends 2h after its report (the timelock wait), with no quorum
        if i == 2:
            t.eq(usdw["reserve"]["ratio_end"], None, "daily %s: no quorum at the end (the report is 2h old)" % did["date"])
        else:
            want_ratio = 1000000 / did["end"]["USDW"]
            got = float(usdw["reserve"]["ratio_end"] or 0)
            t.ok(abs(got - want_ratio) < 1e-6, "daily %s: ratio at the end is the reserve over the supply" % did["date"],
                 usdw["reserve"])
        t.ok(usdw["reserve"]["ratio_low"] is not None, "daily %s: a low reserve ratio" % did["date"], usdw["reserve"])
        fund = asset(doc, "FUND")
        t.eq(fund["nav"]["end"], did["nav"], "daily %s: FUND NAV at the end" % did["date"])
        t.eq(fund["nav"]["updates"], 1, "daily %s: one NAV update" % did["date"])
        t.eq(pln["daily_mint_peak"]["peak"], str(did["minted"]), "daily %s: PLN daily mint peak" % did["date"])
        t.eq(doc["period"], "daily", "period daily")
        t.ok(doc["complete"] is True and re.fullmatch(r"[0-9a-f]{64}", doc["head"]["hash"]),
             "daily %s: complete, head hash" % did["date"], doc["head"])
    d1, d2 = OUT.get(("daily", 1)), OUT.get(("daily", 2))
    if d1 and d2:
        mine = [(x["id"], x["title"], x["severity"], x["by"]) for x in d1["incidents_opened"]["items"]
                if x["by"] != "system"]
        t.eq(mine, [(X.days[1]["incident_opened"], "report test incident", "P2", "alice")],
             "day 1: alice's incident opened")
        alerts = [x for x in d1["incidents_opened"]["items"] if x["by"] == "system"]
        t.ok(alerts and all(re.fullmatch(r"[0-9a-f]{16}", x.get("alert", "")) for x in alerts)
             and [x["id"] for x in d1["alerts"]["items"]] == [x["id"] for x in alerts],
             "day 1: the critical alerts of the day (stale NAV and reserve after a day) are listed with "
             "their incidents", d1["alerts"])
        t.eq([x["id"] for x in d2["incidents_resolved"]["items"]], [X.days[1]["incident_opened"]],
             "day 2: the incident resolved")
        t.eq([x["op"] for x in d2["timelock_executed"]["items"]], ["caps.set"], "day 2: the timelock entry executed")
        fund = asset(d1, "FUND")
        t.eq((fund["nav"]["start"], fund["nav"]["low"], fund["nav"]["high"]), ("1.05", "1.05", "1.15"),
             "day 1: NAV start 1.05, range 1.05 to 1.15")
        pln = asset(d2, "PLN")
        t.eq((pln["holders_start"], pln["holders_end"]), (3, 3), "day 2: PLN holders (A, B, C)")
    # the head hash of a day is its last block's, the chain's at the period's end
    st, hist = X.node.client("carol").get("/api/history?limit=1000")
    t.ok(st == 200, "history read", st)


def test_weekly_monthly_sums():
    weeks, months = {}, {}
    for did in X.days:
        iso = did["date"].isocalendar()
        weeks.setdefault((iso[0], iso[1]), []).append(did)
        months.setdefault((did["date"].year, did["date"].month), []).append(did)
    for period, groups in (("weekly", weeks), ("monthly", months)):
        for key, ds in groups.items():
            r = report(period, ds[-1]["date"])
            t.ok(r.rc == 0, "%s %s (exit 0)" % (period, key), r)
            if r.rc != 0:
                continue
            doc = r.json()
            pln = asset(doc, "PLN")
            want = (str(ds[0]["start"]["PLN"]), str(ds[-1]["end"]["PLN"]), str(sum(d["minted"] for d in ds)),
                    str(sum(d["burned"] for d in ds)), sum(d["transfers"] for d in ds),
                    str(sum(d["volume"] for d in ds)))
            got = (pln["supply_start"], pln["supply_end"], pln["minted"], pln["burned"], pln["transfers"],
                   pln["transfer_volume"])
            t.eq(got, want, "%s %s: PLN figures are the sum of its days" % (period, key))
            if period == "weekly":
                start = datetime.datetime.strptime(doc["start"][:10], "%Y-%m-%d").date()
                t.ok(start.weekday() == 0 and doc["label"] == "%d-W%02d" % key,
                     "weekly %s: starts on a Monday, ISO label" % (key,), doc["label"])
            else:
                t.eq(doc["label"], "%d-%02d" % key, "monthly label")


def test_byte_identical():
    root = X.node.root
    first = {}
    for period in ("daily", "weekly", "monthly"):
        for fmt in ("md", "json", "html"):
            at = X.days[1]["date"]
            a = os.path.join(root, "%s-1.%s" % (period, fmt))
            b = os.path.join(root, "%s-2.%s" % (period, fmt))
            r1 = report(period, at, fmt, "-o", a)
            r2 = report(period, at, fmt, "-o", b)
            t.ok(r1.rc == 0 and r2.rc == 0 and r1.out == "", "%s %s -o FILE (exit 0, nothing on stdout)" % (period, fmt),
                 (r1, r2))
            if r1.rc or r2.rc:
                continue
            da, db = open(a, "rb").read(), open(b, "rb").read()
            t.ok(da == db and len(da) > 200, "%s %s: two runs byte for byte the same" % (period, fmt), len(da))
            r3 = report(period, at, fmt)
            t.ok(r3.out.encode() == da, "%s %s: stdout is the file's bytes" % (period, fmt))
            first[(period, fmt)] = da
    # the node goes on: more blocks today change nothing about a past period
    cli_ok("more blocks after the reports", "mint", "PLN", "--to", A, "--amount", "1")
    cli_ok("and a transfer", "transfer", "PLN", "--from", A, "--to", B, "--amount", "1")
    for (period, fmt), data in sorted(first.items()):
        if period == "daily":
            r = report(period, X.days[1]["date"], fmt)
            t.ok(r.rc == 0 and r.out.encode() == data, "%s %s: the same after more blocks" % (period, fmt))
    md = first.get(("daily", "md"), b"").decode()
    t.ok(md.startswith("# mintline daily report %s" % X.days[1]["date"]) and "| supply at start |" in md,
         "md: heading and the figures table", md[:200])
    html = first.get(("monthly", "html"), b"").decode()
    OUT["html"] = html
    t.ok(html.startswith("<!DOCTYPE html>") and html.count("<svg") >= 5 and "<script" not in html.lower()
         and not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html) and "@import" not in html
         and "url(" not in html and "http" not in html, "html: inline SVG charts, no script, no network reference",
         html[:300])
    t.ok("<polyline" in html and "reserve ratio" in html and "NAV" in html and "time (UTC" in html,
         "html: lines, legend names, axis units", None)


def test_bad_input():
    r = report("daily", "2026-13-01")
    t.ok(r.rc == 1 and "ERR_INVALID_DATE" in r.err, "a malformed date: ERR_INVALID_DATE (exit 1)", r)
    r = report("daily", "yesterday")
    t.ok(r.rc == 1 and "ERR_INVALID_DATE" in r.err, "not a date: ERR_INVALID_DATE", r)
    future = ledger_today() + datetime.timedelta(days=1)
    r = report("daily", future)
    t.ok(r.rc == 1 and "ERR_REPORT_FUTURE" in r.err, "--at after the ledger's today: ERR_REPORT_FUTURE", r)
    r = report("weekly", "2020-01-01")
    t.ok(r.rc == 1 and "ERR_REPORT_NO_BLOCKS" in r.err, "a period with no blocks: ERR_REPORT_NO_BLOCKS", r)
    r = report("yearly")
    t.ok(r.rc == 2, "an unknown period: usage (exit 2)", r)
    r = report("daily", X.days[0]["date"], "pdf")
    t.ok(r.rc == 2, "an unknown format: usage (exit 2)", r)
    st, doc = X.node.client("carol").get("/api/reports/yearly")
    t.eq((st, doc["error"]["code"]), (404, "ERR_NOT_FOUND"), "API: an unknown period 404")
    st, doc = X.node.client("carol").get("/api/reports/daily?format=pdf")
    t.eq((st, doc["error"]["code"]), (400, "ERR_INVALID_ARGUMENT"), "API: an unknown format 400")
    st, doc = X.node.client("carol").get("/api/reports/daily?at=2020-02-30")
    t.eq((st, doc["error"]["code"]), (400, "ERR_INVALID_DATE"), "API: 2020-02-30 is no day")
    out = os.path.join(X.node.root, "nothing.md")
    r = report("daily", "2026-13-01", "md", "-o", out)
    t.ok(r.rc == 1 and not os.path.exists(out), "a failed report writes no file", r)
    # the default: the last complete day is yesterday on the ledger's clock
    r = cli("report", "daily", "--json", operator="carol")
    yesterday = ledger_today() - datetime.timedelta(days=1)
    t.ok(r.rc == 0 and r.json()["label"] == str(yesterday), "no --at: the last complete day", r)


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def test_html_in_chromium():
    html = OUT.get("html")
    browser = find_chromium()
    if html is None or browser is None:
        t.ok(False, "headless Chromium renders the HTML report (chromium not installed: scripts/deps.sh)")
        return
    path = os.path.join(X.node.root, "report.html")
    png = os.path.join(X.node.root, "report.png")
    with open(path, "w") as f:
        f.write(html)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        webdriver = None
    if webdriver is not None and shutil.which("chromedriver"):
        opts = Options()
        opts.binary_location = browser
        for a in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1000,2400"):
            opts.add_argument(a)
        drv = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
        try:
            drv.get("file://" + path)
            svgs = drv.find_elements("tag name", "svg")
            t.ok(len(svgs) >= 5 and all(s.size["width"] > 100 and s.size["height"] > 30 for s in svgs),
                 "Chromium lays out every chart with a size", [s.size for s in svgs])
            drv.save_screenshot(png)
        finally:
            drv.quit()
    else:
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1000,2400",
                        "--screenshot=" + png, "file://" + path], timeout=120, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    t.ok(os.path.exists(png), "a PNG of the report", png)
    if not os.path.exists(png):
        return
    colours = png_colours(png)
    t.ok(colours >= 3, "the PNG is not blank (%d colours)" % colours, colours)
    keep = os.environ.get("REPORT_PNG")
    if keep:
        shutil.copyfile(png, keep)


def png_colours(path):
    """How many distinct pixel values the PNG holds (stdlib: zlib over IDAT)."""
    import struct
    import zlib
    data = open(path, "rb").read()
    pos, idat, w, h, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, _, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    bpp = {2: 3, 6: 4}.get(ctype, 3)
    stride = w * bpp + 1
    seen = set()
    for y in range(0, h, 7):  # rows sampled: filters differ per row, count raw bytes of unfiltered rows only
        row = raw[y * stride:(y + 1) * stride]
        if row[:1] != b"\x00":
            continue
        for x in range(0, w * bpp, bpp * 3):
            seen.add(row[1 + x:1 + x + bpp])
    if len(seen) < 3:  # every sampled row filtered: count distinct filtered rows instead
        seen = set(raw[y * stride:(y + 1) * stride] for y in range(h))
    return len(seen)


def main():
    node = Node(init=False)
    node.clock_manual = True
    path = os.path.join(node.root, "genesis.yaml")
    with open(path, "w") as f:
        f.write(GENESIS)
    r = node.cli("init", "--data", node.data, "--genesis", path, "--clock", "manual")
    if r.rc != 0:
        raise RuntimeError("init: %r" % r)
    X.node = node.start()
    try:
        t.run("fill five days", fill)
        for name, fn in (("daily figures", test_daily_figures), ("weekly and monthly", test_weekly_monthly_sums),
                         ("byte for byte", test_byte_identical), ("bad input", test_bad_input),
                         ("html in chromium", test_html_in_chromium)):
            t.run(name, fn)
        r = node.cli("audit", "verify", "--data", node.data)
        t.ok(r.rc == 0, "audit verify after the reports", r)
        t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
    finally:
        t.eq(node.stop(), 0, "node stops cleanly")
        node.cleanup()


main()
t.done()
