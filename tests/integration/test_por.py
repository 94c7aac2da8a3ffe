"""test_por - proof of reserves (por.publish, /api/assets/SYM/por[/ADDR], mintline por ...).

On the demo genesis (USDW fiat with reserve quorum 2; alice treasury_manager
and reserve_reporter, bob reserve_reporter, carol viewer) with a manual
clock, against a real node, through the CLI and raw signed HTTP:

  refusals    publish before the quorum, of a non-fiat asset, by the wrong
              role; a bad salt is refused before the journal
  publish     ~20 holders (fractional balances, one who left): por show and
              the API agree; total = supply, leaves = holders, reserve =
              verified reserve; the whole tree rebuilt here from the
              journal's salt reproduces the roots
  proofs      every holder's proof checked by this file's own reading of
              src/engine/por.h and docs/operators/proof-of-reserves.md
              (hashlib, big endian; path steps [base64 hash, sum] whose
              sides follow from index and leaves) and by `por verify`
  tamper      each field of a proof changed: `por verify --offline` exits 1
              (2 for a file that is not JSON); a consistent forgery passes
              offline and fails against the node, also when it names an
              asset the node never published for
  second      a later publication: the old proof is "earlier", new proofs
              carry the new balances, the old root is in the events
  dry run     --dry-run and an aborted atomic batch change nothing
  not found   non-holders, malformed addresses, unknown and non-fiat assets
  restart     from the snapshot and by replay: publication and proofs
              identical; audit verify
  edge        on a second node: no holders, one holder, a holder emptied in
              the publishing block, a timelocked publication (built when it
              runs, kept across replay), a proof asked of a non-fiat asset
"""
import base64
import binascii
import copy
import datetime
import hashlib
import json
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import DEMO_GENESIS, TAP, Node, fmt_units, to_units  # noqa: E402

t = TAP("por")
SYM = "USDW"
DEC = 6
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def haddr(tag, i):
    """A deterministic address spread over the address space."""
    return "0x" + hashlib.sha256(("por-%s-%d" % (tag, i)).encode()).hexdigest()[:40]


# 21 holders: fractional balances down to one base unit; HOLDERS[LEAVER]
# later gives everything away. Sum well under the verified reserve.
AMOUNTS = ["1234.567891", "0.000001", "42", "7.5", "100000", "3.14", "999.999999", "12.000007",
           "250000.25", "1", "0.5", "77777.777777", "31.415926", "8", "0.010203", "5000",
           "123456.654321", "2.71828", "60", "0.999999", "4321"]
HOLDERS = [haddr("h", i) for i in range(len(AMOUNTS))]
LEAVER = 5
OUTSIDER = haddr("never", 0)


# --------------------------------------------- the format, written anew ----
# src/engine/por.h, read independently: H = SHA-256, integers big endian.

def H(*parts):
    return hashlib.sha256(b"".join(parts)).digest()


def be(v, n):
    return int(v).to_bytes(n, "big")


def a20(text):
    assert len(text) == 42 and text[:2] == "0x", text
    return bytes.fromhex(text[2:])


def py_leaf_salt(salt, addr):
    return H(b"\x02", salt, addr)


def py_leaf(addr, balance, leaf_salt):
    return H(b"\x00", addr, be(balance, 16), leaf_salt)


def py_node(lh, ls, rh, rs):
    return H(b"\x01", lh, be(ls, 16), rh, be(rs, 16)), ls + rs


def py_bind(pub, tree_root, total):
    sym = pub["asset"].encode()
    dec = pub["decimals"]
    return H(b"\x03", be(len(sym), 1), sym, be(dec, 1), be(pub["block"], 8), be(pub["seq"], 8),
             be(pub["time_ms"], 8), be(pub["leaves"], 4), be(pub["depth"], 1),
             be(to_units(pub["reserve"], dec), 16), tree_root, be(total, 16))


def py_shape(index, leaves):
    """The sides a proof of leaf `index` must have, and the tree's depth."""
    sides, i, m, depth = [], index, leaves, 0
    while m > 1:
        if i % 2 == 1:
            sides.append("left")
        elif i + 1 < m:
            sides.append("right")
        i //= 2
        m = (m + 1) // 2
        depth += 1
    return sides, depth


def b64(h):
    return base64.b64encode(h).decode()


def unb64(text):
    assert isinstance(text, str) and len(text) == 44, text
    return base64.b64decode(text, validate=True)


def py_fold(proof):
    """(tree root, sum) the leaf and path lead to, each sibling on the side
    the shape (index, leaves) puts it."""
    pub, leaf, path = proof["publication"], proof["leaf"], proof["path"]
    dec = pub["decimals"]
    sides, _ = py_shape(leaf["index"], pub["leaves"])
    if len(path) != len(sides):
        raise ValueError("%d steps, the shape wants %d" % (len(path), len(sides)))
    bal = to_units(leaf["balance"], dec)
    h, s = py_leaf(a20(leaf["address"]), bal, bytes.fromhex(leaf["salt"])), bal
    for side, step in zip(sides, path):
        if not isinstance(step, list) or len(step) != 2:
            raise ValueError("step %r is not [hash, sum]" % (step,))
        sh, ss = unb64(step[0]), to_units(step[1], dec)
        h, s = py_node(sh, ss, h, s) if side == "left" else py_node(h, s, sh, ss)
    return h, s


def py_check(proof, tree_root=None):
    """None when the proof checks out by this file's reading of por.h (and,
    given tree_root, its path leads there), else why not."""
    try:
        pub, leaf = proof["publication"], proof["leaf"]
        if proof["version"] != "mintline-por-v1":
            return "version"
        if to_units(leaf["balance"], pub["decimals"]) == 0:
            return "zero balance"
        if not 0 <= leaf["index"] < pub["leaves"]:
            return "index outside the tree"
        _, depth = py_shape(leaf["index"], pub["leaves"])
        if depth != pub["depth"]:
            return "depth %s, the shape wants %s" % (pub["depth"], depth)
        h, s = py_fold(proof)
        if tree_root is not None and h.hex() != tree_root:
            return "path does not lead to the published tree_root"
        if s != to_units(pub["total"], pub["decimals"]):
            return "sum is not the total"
        if py_bind(pub, h, s).hex() != pub["root"]:
            return "bound root differs"
        return None
    except (KeyError, TypeError, ValueError, AssertionError, AttributeError, binascii.Error) as e:
        return "malformed: %r" % e


def py_tree(balances, salt):
    """Sorted addresses and every level [(hash, sum), ...] of the tree over
    balances {address: units} (zero balances left out), hashed with salt (hex)."""
    salt = bytes.fromhex(salt)
    addrs = sorted((a for a, u in balances.items() if u), key=a20)
    level = [(py_leaf(a20(a), balances[a], py_leaf_salt(salt, a20(a))), balances[a]) for a in addrs]
    levels = [level]
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level), 2):
            nxt.append(level[i] if i + 1 == len(level) else py_node(*level[i], *level[i + 1]))
        levels.append(nxt)
        level = nxt
    return addrs, levels


def py_path(levels, index):
    path, i = [], index
    for lv in levels[:-1]:
        sib = i - 1 if i % 2 == 1 else (i + 1 if i + 1 < len(lv) else None)
        if sib is not None:
            path.append([b64(lv[sib][0]), fmt_units(lv[sib][1], DEC)])
        i //= 2
    return path


def py_root(levels):
    if not levels[0]:
        return bytes(32), 0
    return levels[-1][0]


def iso_ms(ms):
    d = datetime.datetime.fromtimestamp(ms // 1000, tz=datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000)


def forge(proof, new_balance_units, asset=None):
    """A proof re-hashed consistently after changing its balance (and maybe
    its asset): offline it is perfect; only the node can say it never
    published that root."""
    f = copy.deepcopy(proof)
    f["leaf"]["balance"] = fmt_units(new_balance_units, DEC)
    if asset:
        f["publication"]["asset"] = asset
    h, s = py_fold(f)
    pub = f["publication"]
    pub["total"] = fmt_units(s, DEC)
    pub["root"] = py_bind(pub, h, s).hex()
    return f


# ------------------------------------------------------------- helpers ----

class Ctx:
    node = None
    dir = None
    files = 0


X = Ctx()


def C(who="carol"):
    return X.node.client(who)


def get(path, who="carol"):
    return C(who).get(path)


def ok_get(path):
    st, doc = get(path)
    assert st == 200, (path, st, doc)
    return doc


def status_reserve(sym=SYM):
    return next(a for a in X.node.status()["assets"] if a["symbol"] == sym)["reserve"]


def pub_api(sym=SYM):
    return get("/api/assets/%s/por" % sym)


def proof_api(addr, sym=SYM):
    return get("/api/assets/%s/por/%s" % (sym, addr))


def balance_units(addr):
    return to_units(ok_get("/api/assets/%s/balances/%s" % (SYM, addr))["balance"], DEC)


def asset_info():
    return ok_get("/api/assets/" + SYM)


def height():
    return X.node.status()["node"]["height"]


def history(n=5):
    return ok_get("/api/history?limit=%d" % n)["history"]


def publish_salt(seq):
    """The salt of the por.publish at seq, from the journal."""
    for h in ok_get("/api/history?op=por.publish&limit=50")["history"]:
        if h["seq"] == seq:
            return h["args"]["salt"]
    raise AssertionError("no por.publish at seq %s in history" % seq)


def por_events():
    return ok_get("/api/events/recent?type=PorPublished&asset=%s&limit=100" % SYM)["events"]


def write(doc_or_text, name=None):
    X.files += 1
    path = os.path.join(X.dir, name or "proof-%d.json" % X.files)
    with open(path, "w") as f:
        f.write(doc_or_text if isinstance(doc_or_text, str) else json.dumps(doc_or_text, indent=1))
    return path


def verify(path, *flags, operator="carol"):
    return X.node.cli("por", "verify", path, *flags, operator=operator)


def verify_json(path, operator="carol"):
    r = verify(path, "--json", operator=operator)
    try:
        return r, r.json()
    except ValueError:
        return r, {}


def err_code(doc):
    return doc.get("error", {}).get("code") if isinstance(doc, dict) else None


def parse_table(text):
    out = {}
    for line in text.splitlines():
        k, _, v = line.strip().partition(" ")
        if k:
            out[k] = v.strip()
    return out


PROOF_PUB_KEYS = ("asset", "decimals", "block", "seq", "time_ms", "leaves", "depth", "total", "reserve", "root")


def proof_pub(pub):
    """The publication as a proof carries it: without tree_root and time."""
    return {k: pub[k] for k in PROOF_PUB_KEYS}


def holders_now(addrs):
    return {a: u for a, u in ((a, balance_units(a)) for a in addrs) if u}


def check_all_proofs(label, pub, balances, salt, cli_sample=None):
    """Every holder's proof: fetched, compared with the tree rebuilt here,
    checked by py_check and by `por verify` ("latest"). Returns {addr: proof}."""
    addrs, levels = py_tree(balances, salt)
    proofs, bad_py, bad_shape, bad_tree, bad_cli = {}, [], [], [], []
    for index, a in enumerate(addrs):
        st, p = proof_api(a)
        if st != 200:
            bad_py.append((a, st, p))
            continue
        proofs[a] = p
        why = py_check(p, pub["tree_root"])
        if why or p["publication"] != proof_pub(pub) or sorted(p) != ["leaf", "path", "publication", "version"]:
            bad_py.append((a, why, p["publication"], proof_pub(pub)))
        sides, depth = py_shape(p["leaf"]["index"], pub["leaves"])
        if len(p["path"]) != len(sides) or depth != pub["depth"] or len(p["path"]) > depth or not all(
                isinstance(st, list) and len(st) == 2 and len(st[0]) == 44 for st in p["path"]):
            bad_shape.append((a, p["path"], sides, depth))
        want_leaf = {"address": a, "balance": fmt_units(balances[a], DEC),
                     "salt": py_leaf_salt(bytes.fromhex(salt), a20(a)).hex(), "index": index}
        if p["leaf"] != want_leaf or p["path"] != py_path(levels, index):
            bad_tree.append((a, p["leaf"], want_leaf))
        if cli_sample is None or index in cli_sample:
            r, doc = verify_json(write(p))
            if not (r.rc == 0 and doc.get("ok") is True and doc.get("node") == "latest" and
                    doc.get("balance") == fmt_units(balances[a], DEC) and doc.get("root") == pub["root"]):
                bad_cli.append(r)
    n = len(addrs)
    t.ok(not bad_py, "%s: all %d proofs served and check out by the Python reading of por.h" % (label, n),
         bad_py[:3])
    t.ok(not bad_shape, "%s: paths are [base64 hash, sum] pairs, as many as index and leaves dictate" % label,
         bad_shape[:3])
    t.ok(not bad_tree, "%s: leaf (address, balance, salt, sorted index) and path equal the tree rebuilt here"
         % label, bad_tree[:3])
    t.ok(not bad_cli, "%s: `por verify` on %s proof files: exit 0, node latest" %
         (label, "all %d" % n if cli_sample is None else "%d" % len(cli_sample)), bad_cli[:2])
    return proofs


def check_publication(label, pub, balances, salt, block=None, seq=None):
    """A publication against the ledger and the tree rebuilt from the salt."""
    info = asset_info()
    reserve = ok_get("/api/assets/%s/reserve" % SYM)
    addrs, levels = py_tree(balances, salt)
    root, total = py_root(levels)
    t.eq((pub["total"], pub["leaves"], pub["reserve"]), (info["supply"], info["holders"], reserve["verified"]),
         "%s: total = supply, leaves = holders, reserve = verified reserve" % label)
    t.eq((pub["leaves"], pub["total"]), (len(addrs), fmt_units(total, DEC)),
         "%s: leaves and total = the holders this test knows" % label)
    t.eq((pub["asset"], pub["decimals"], pub["depth"]), (SYM, DEC, len(levels) - 1),
         "%s: asset, decimals, depth" % label)
    if block is not None:
        t.eq((pub["block"], pub["seq"]), (block, seq), "%s: block and seq of the publishing command" % label)
    t.eq(pub["time"], iso_ms(pub["time_ms"]), "%s: time is time_ms in ISO form" % label)
    t.ok(HEX64.match(salt or "") is not None, "%s: the journal holds a 64-hex salt" % label, salt)
    t.eq((pub["tree_root"], pub["root"]), (root.hex(), py_bind(pub, root, total).hex()),
         "%s: tree root and bound root = those rebuilt here from the balances and the salt" % label)
    ev = por_events()[0]
    t.eq((ev["block"], ev["data"]), (pub["block"], {
        "by": "alice", "root": pub["root"], "total": pub["total"], "reserve": pub["reserve"],
        "leaves": pub["leaves"], "depth": pub["depth"], "publication_seq": pub["seq"]}),
        "%s: the PorPublished event carries the publication" % label)


# ---------------------------------------------------------------- tests ----

def test_refusals():
    r = X.node.cli("por", "publish", SYM)
    t.ok(r.rc == 1 and "ERR_QUORUM_NOT_MET" in r.err, "CLI before any report: exit 1 ERR_QUORUM_NOT_MET", r)
    st, doc = C("alice").command({"op": "por.publish", "asset": SYM, "salt": "ab" * 32})
    t.ok(st == 409 and err_code(doc) == "ERR_QUORUM_NOT_MET" and isinstance(doc.get("seq"), int),
         "HTTP before any report: 409 ERR_QUORUM_NOT_MET, journaled", doc)
    r = X.node.cli("reserve", "report", SYM, "1000000")
    t.ok(r.rc == 0, "alice reports 1000000", r)
    r = X.node.cli("por", "publish", SYM)
    t.ok(r.rc == 1 and "ERR_QUORUM_NOT_MET" in r.err, "CLI with one report of two: ERR_QUORUM_NOT_MET", r)
    st, doc = C("bob").command({"op": "reserve.report", "asset": SYM, "amount": "1250000"})
    t.eq(st, 200, "bob reports 1250000: quorum met")
    r = X.node.cli("por", "publish", "USDC")
    t.ok(r.rc == 1 and "ERR_NOT_FIAT" in r.err, "CLI, plain USDC: exit 1 ERR_NOT_FIAT", r)
    st, doc = C("alice").command({"op": "por.publish", "asset": "AAXJF", "salt": "ab" * 32})
    t.eq((st, err_code(doc)), (400, "ERR_NOT_FIAT"), "HTTP, fund AAXJF: 400 ERR_NOT_FIAT")
    st, doc = C("carol").command({"op": "por.publish", "asset": SYM, "salt": "ab" * 32})
    t.eq((st, err_code(doc)), (403, "ERR_UNAUTHORIZED"), "carol (viewer): 403 ERR_UNAUTHORIZED")
    r = X.node.cli("por", "publish", SYM, operator="carol")
    t.ok(r.rc == 1 and "ERR_UNAUTHORIZED" in r.err, "CLI as carol: exit 1 ERR_UNAUTHORIZED", r)
    st, doc = C("bob").command({"op": "por.publish", "asset": SYM, "salt": "ab" * 32})
    t.eq((st, err_code(doc)), (403, "ERR_UNAUTHORIZED"), "bob (reserve reporter only): 403 ERR_UNAUTHORIZED")
    st, doc = C("alice").command({"op": "por.publish", "asset": "NOPE", "salt": "ab" * 32})
    t.ok(st in (400, 404) and err_code(doc) == "ERR_UNKNOWN_ASSET", "unknown asset: ERR_UNKNOWN_ASSET", doc)

    h0, n0 = history(10), height()
    bad = [("not hex", "zz" * 32), ("63 hex digits", "a" * 63), ("62 hex digits", "ab" * 31),
           ("66 hex digits", "ab" * 33), ("empty", ""), ("a number", 12345), ("0x-prefixed", "0x" + "ab" * 31),
           ("missing", None)]
    for why, salt in bad:
        cmd = {"op": "por.publish", "asset": SYM}
        if salt is not None:
            cmd["salt"] = salt
        st, doc = C("alice").command(cmd)
        t.ok(st == 400 and err_code(doc) in ("ERR_INVALID_ARGUMENT", "ERR_MISSING_FIELD", "ERR_INVALID_JSON")
             and "seq" not in doc, "salt %s: 400 before the journal (no seq)" % why, (st, doc))
    t.eq((history(10), height()), (h0, n0), "bad salts: history and height unchanged")

    st, doc = pub_api()
    t.eq((st, err_code(doc)), (404, "ERR_NOT_FOUND"), "GET por before any publication: 404 ERR_NOT_FOUND")
    r = X.node.cli("por", "show", SYM, operator="carol")
    t.ok(r.rc == 1 and "ERR_NOT_FOUND" in r.err, "CLI por show before any publication: exit 1 ERR_NOT_FOUND", r)
    st, doc = proof_api(HOLDERS[0])
    t.eq((st, err_code(doc)), (404, "ERR_NOT_FOUND"), "GET proof before any publication: 404 ERR_NOT_FOUND")


def test_publish():
    st, doc = C("alice").command({"commands": [{"op": "mint", "asset": SYM, "to": a, "amount": amt}
                                               for a, amt in zip(HOLDERS, AMOUNTS)]})
    t.ok(st == 200 and all(r.get("ok") for r in doc.get("results", [])) and len(doc["results"]) == len(HOLDERS),
         "mint to %d holders in one batch" % len(HOLDERS), doc)
    leaver = HOLDERS[LEAVER]
    r = X.node.cli("transfer", SYM, "--from", leaver, "--to", HOLDERS[LEAVER + 1], "--amount", AMOUNTS[LEAVER])
    t.ok(r.rc == 0 and balance_units(leaver) == 0, "one holder transfers everything away (CLI)", r)
    balances = holders_now(HOLDERS)
    t.eq((len(balances), asset_info()["holders"]), (len(HOLDERS) - 1,) * 2, "20 holders left")

    metric = ("mintline_por_age_seconds", (("asset", SYM),))
    before = X.node.metrics()
    t.ok(before.get(metric) is not None and before.get(metric) >= 0
         and before.get(("mintline_por_present", (("asset", SYM),))) == 0,
         "metrics before the first publication: por_present 0, the age counted from the genesis (never -1)",
         (before.get(metric), before.get(("mintline_por_present", (("asset", SYM),)))))
    t.eq(status_reserve()["por"], None, "status reserve.por: null before the first")
    r = X.node.cli("status")
    t.ok(r.rc == 0 and re.search(r"^USDW  reserve [0-9.,]+ verified .*; no proof of reserves published yet$", r.out, re.M),
         "status in words: the reserve, and no proof of reserves yet", r)
    r = X.node.cli("por", "publish", SYM)
    m = re.search(r"\(seq (\d+), block (\d+)\)", r.out)
    rm = re.search(r"root=([0-9a-f]{64})", r.out)
    t.ok(r.rc == 0 and "published the proof of reserves of USDW" in r.out and m and rm and
         "event PorPublished USDW by=alice" in r.out, "CLI por publish: exit 0, seq, block and the event", r)
    st, pub = pub_api()
    t.eq(st, 200, "GET por: 200")
    t.eq(sorted(pub), sorted(["asset", "decimals", "block", "seq", "time", "time_ms", "leaves", "depth", "total",
                              "reserve", "tree_root", "root"]), "publication fields")
    t.eq(pub["root"], rm.group(1) if rm else None, "the root the CLI printed is the published one")
    salt = publish_salt(pub["seq"])
    check_publication("first", pub, balances, salt, int(m.group(2)) if m else -1, int(m.group(1)) if m else -1)
    age = X.node.metrics().get(metric)
    t.ok(age is not None and 0 <= age < 60 and X.node.metrics().get(("mintline_por_present", (("asset", SYM),))) == 1,
         "metric por age after publishing, por_present 1 (promtool-checked elsewhere)", age)
    r = X.node.cli("status", SYM)
    t.ok(r.rc == 0 and re.search(r"^USDW  reserve .*; proof of reserves at block %d, \d+s old$" % pub["block"], r.out, re.M),
         "status USDW in words: the latest proof of reserves", r)
    por = status_reserve()["por"]
    t.eq((por or {}).get("root"), pub["root"], "status reserve.por: the published root")
    t.eq((por or {}).get("block"), pub["block"], "status reserve.por: its block")
    st, res = get("/api/assets/%s/reserve" % SYM)
    t.eq((st, (res.get("por") or {}).get("root")), (200, pub["root"]), "reserve show: the published root")

    r = X.node.cli("por", "show", SYM, operator="carol")
    want = {k: str(pub[k]) for k in ("asset", "block", "time", "leaves", "depth", "total", "reserve", "root")}
    for k in ("total", "reserve"):  # amounts in a table: grouped by thousands (issue 13 item 11)
        whole, dot, frac = want[k].partition(".")
        want[k] = "{:,}".format(int(whole)) + dot + frac
    t.ok(r.rc == 0 and parse_table(r.out) == want, "CLI por show agrees with the API", (r, want))
    r = X.node.cli("por", "show", SYM, "--json", operator="carol")
    t.ok(r.rc == 0 and r.json() == pub, "CLI por show --json: the API's document", r)

    proofs = check_all_proofs("first", pub, balances, salt)
    return pub, balances, proofs


TAMPERS = []


def tamper(name):
    def deco(fn):
        TAMPERS.append((name, fn))
        return fn
    return deco


def _flip(h):
    return ("1" if h[0] == "0" else "0") + h[1:]


def _plus(amount, units=1):
    return fmt_units(to_units(amount, DEC) + units, DEC)


def _pub(p, k, f):
    p["publication"][k] = f(p["publication"][k])


def _flip64(text):
    b = bytearray(unb64(text))
    b[7] ^= 0x01
    return b64(bytes(b))


def _step(k, f):
    def fn(p):
        p["path"][k] = f(p["path"][k])
    return fn


tamper("leaf balance +1 unit")(lambda p: p["leaf"].update(balance=_plus(p["leaf"]["balance"])))
tamper("leaf balance -1 unit")(lambda p: p["leaf"].update(balance=_plus(p["leaf"]["balance"], -1)))
tamper("leaf balance zero")(lambda p: p["leaf"].update(balance="0"))
tamper("leaf balance with one digit too many")(lambda p: p["leaf"].update(balance=p["leaf"]["balance"] + "0000001"))
tamper("leaf address")(lambda p: p["leaf"].update(address=OUTSIDER))
tamper("leaf address malformed")(lambda p: p["leaf"].update(address=p["leaf"]["address"][:-1]))
tamper("leaf salt")(lambda p: p["leaf"].update(salt=_flip(p["leaf"]["salt"])))
tamper("leaf index +1")(lambda p: p["leaf"].update(index=p["leaf"]["index"] + 1))
tamper("leaf index xor 2")(lambda p: p["leaf"].update(index=p["leaf"]["index"] ^ 2))
tamper("leaf index as a string")(lambda p: p["leaf"].update(index=str(p["leaf"]["index"])))
tamper("leaf index negative")(lambda p: p["leaf"].update(index=-1))
tamper("a path hash")(_step(1, lambda st: [_flip64(st[0]), st[1]]))
tamper("a path hash in hex")(_step(1, lambda st: [unb64(st[0]).hex(), st[1]]))
tamper("a path hash without its padding")(_step(1, lambda st: [st[0].rstrip("="), st[1]]))
tamper("a path sum +1 unit")(_step(0, lambda st: [st[0], _plus(st[1])]))
tamper("a path sum as a number")(_step(0, lambda st: [st[0], float(st[1])]))
tamper("a path step with a third element")(_step(0, lambda st: st + ["left"]))
tamper("a path step as an object with a side (the old form)")(
    _step(0, lambda st: {"side": "right", "hash": st[0], "sum": st[1]}))
tamper("swap two path steps (each sibling on another level)")(
    lambda p: p.update(path=[p["path"][1], p["path"][0]] + p["path"][2:]))
tamper("drop the last path step")(lambda p: p["path"].pop())
tamper("drop the first path step")(lambda p: p["path"].pop(0))
tamper("add a path step")(lambda p: p["path"].append(copy.deepcopy(p["path"][0])))
tamper("publication total")(lambda p: _pub(p, "total", _plus))
tamper("publication reserve")(lambda p: _pub(p, "reserve", _plus))
tamper("publication reserve null")(lambda p: _pub(p, "reserve", lambda v: None))
tamper("publication leaves +1")(lambda p: _pub(p, "leaves", lambda v: v + 1))
tamper("publication leaves -1")(lambda p: _pub(p, "leaves", lambda v: v - 1))
tamper("publication depth +1")(lambda p: _pub(p, "depth", lambda v: v + 1))
tamper("publication depth -1")(lambda p: _pub(p, "depth", lambda v: v - 1))
tamper("publication block")(lambda p: _pub(p, "block", lambda v: v + 1))
tamper("publication block 0")(lambda p: _pub(p, "block", lambda v: 0))
tamper("publication seq")(lambda p: _pub(p, "seq", lambda v: v + 1))
tamper("publication time_ms +1")(lambda p: _pub(p, "time_ms", lambda v: v + 1))
tamper("publication time_ms -1000")(lambda p: _pub(p, "time_ms", lambda v: v - 1000))
tamper("publication root")(lambda p: _pub(p, "root", _flip))
tamper("publication root in base64")(lambda p: _pub(p, "root", lambda v: b64(bytes.fromhex(v))))
tamper("publication asset")(lambda p: _pub(p, "asset", lambda v: "USDC"))
tamper("publication asset malformed")(lambda p: _pub(p, "asset", lambda v: "usd w"))
tamper("publication decimals +1")(lambda p: _pub(p, "decimals", lambda v: v + 1))
tamper("publication decimals -1")(lambda p: _pub(p, "decimals", lambda v: v - 1))
tamper("version")(lambda p: p.update(version="mintline-por-v2"))
tamper("an unknown top-level key")(lambda p: p.update(extra=1))
tamper("an unknown publication key")(lambda p: p["publication"].update(extra=1))
tamper("an unknown leaf key")(lambda p: p["leaf"].update(extra=1))
tamper("the API's time in the publication (unknown in a proof)")(
    lambda p: p["publication"].update(time=iso_ms(p["publication"]["time_ms"])))
tamper("the API's tree_root in the publication (unknown in a proof)")(
    lambda p: p["publication"].update(tree_root=py_fold(p)[0].hex()))
tamper("a missing publication key")(lambda p: p["publication"].pop("depth"))
tamper("a missing leaf key")(lambda p: p["leaf"].pop("salt"))
tamper("path not an array")(lambda p: p.update(path={}))
tamper("the proof is an array")(lambda p: p.update(_array=True))


def test_tamper(proofs):
    # A proof with a long path that turns both ways.
    def turns(p):
        sides, _ = py_shape(p["leaf"]["index"], p["publication"]["leaves"])
        return len(set(sides)), len(sides)
    addr, base = max(sorted(proofs.items()), key=lambda kv: turns(kv[1]))
    t.ok(len(base["path"]) >= 3, "the proof tampered with has a path of %d steps" % len(base["path"]))
    r = verify(write(base), "--offline")
    t.ok(r.rc == 0 and "node: not checked (--offline)" in r.out, "untouched: --offline exit 0, node not checked", r)
    r, doc = verify_json(write(base), operator=None)
    t.ok(r.rc == 0 and doc.get("node") == "not_checked" and doc.get("covered") is True,
         "untouched, no operator: --json node not_checked, covered (reserve >= total)", r)
    py_missed = []
    for name, fn in TAMPERS:
        p = copy.deepcopy(base)
        fn(p)
        if p.pop("_array", False):
            p = [p]
        r = verify(write(p), "--offline")
        t.ok(r.rc == 1 and "error: ERR_PROOF_INVALID" in r.err and r.out == "",
             "%s: --offline exit 1 ERR_PROOF_INVALID" % name, r)
        if isinstance(p, dict) and py_check(p) is None and "unknown" not in name:
            py_missed.append(name)
    t.ok(not py_missed, "the Python check rejects every tampered value too", py_missed)

    for name, text in (("not JSON", "this is not a proof\n"), ("empty", ""), ("truncated", json.dumps(base)[:-20]),
                       ("a duplicate key", json.dumps(base)[:-1] + ', "version": "mintline-por-v1"}')):
        r = verify(write(text), "--offline")
        t.ok(r.rc == 1 and "error: ERR_PROOF_INVALID" in r.err and "not a JSON proof" in r.err,
             "%s: exit 1 ERR_PROOF_INVALID (not a JSON proof)" % name, r)

    # --root: the root a holder got from the public dashboard
    root = base["publication"]["root"]
    r = verify(write(base), "--offline", "--root", root)
    t.ok(r.rc == 0 and "root: the one given with --root" in r.out, "--root the published root: exit 0", r)
    r = verify(write(base), "--offline", "--root", root.upper())
    t.ok(r.rc == 0, "--root in upper case: exit 0", r)
    r = verify(write(base), "--offline", "--root", _flip(root))
    t.ok(r.rc == 1 and "ERR_PROOF_INVALID" in r.err and "--root" in r.err, "--root another root: exit 1", r)
    r = verify(write(base), "--offline", "--root", "abc")
    t.ok(r.rc == 2 and "ERR_USAGE" in r.err, "--root not 64 hex digits: exit 2 ERR_USAGE", r)
    f = forge(base, to_units(base["leaf"]["balance"], DEC) + 1)
    r = verify(write(f), "--offline", "--root", root)
    t.ok(r.rc == 1 and "ERR_PROOF_INVALID" in r.err, "a consistent forgery fails offline against --root", r)

    units = to_units(base["leaf"]["balance"], DEC)
    for delta in (10 ** 9, -1 if units > 1 else 1):
        f = forge(base, units + delta)
        path = write(f)
        t.eq(py_check(f), None, "forgery (%+d units): consistent by the Python check" % delta)
        r = verify(path, "--offline")
        t.ok(r.rc == 0 and "proof ok" in r.out, "forgery (%+d units): passes offline" % delta, r)
        r = verify(path)
        t.ok(r.rc == 1 and "ERR_PROOF_INVALID" in r.err and "never published root %s" % f["publication"]["root"]
             in r.err, "forgery (%+d units): online exit 1, the node never published that root" % delta, r)
    # The node knows the asset never had a publication: a forgery naming it
    # must not pass the online check as "not checked".
    for asset, why in (("FAKE", "an unknown asset"), ("USDC", "a non-fiat asset")):
        f = forge(base, units, asset)
        path = write(f)
        r = verify(path, "--offline")
        t.ok(r.rc == 0 and py_check(f) is None, "forgery naming %s: consistent offline" % why, r)
        r = verify(path)
        t.ok(r.rc == 1 and "ERR_PROOF_INVALID" in r.err and r.out == "",
             "forgery naming %s: online exit 1 ERR_PROOF_INVALID (the node published nothing for %s)"
             % (why, asset), r)


def test_second(first_pub, first_proofs):
    st, doc = C("alice").command({"op": "dev.advance", "duration": "10m"})
    t.eq(st, 200, "ledger clock +10m")
    newcomer = haddr("new", 0)
    cmds = [{"op": "transfer", "asset": SYM, "from": HOLDERS[0], "to": newcomer, "amount": "234.567891"},
            {"op": "transfer", "asset": SYM, "from": HOLDERS[1], "to": HOLDERS[2], "amount": "0.000001"},
            {"op": "mint", "asset": SYM, "to": HOLDERS[LEAVER], "amount": "0.5"},
            {"op": "burn", "asset": SYM, "from": HOLDERS[4], "amount": "0.04"}]
    st, doc = C("alice").command({"commands": cmds})
    t.ok(st == 200 and all(r.get("ok") for r in doc.get("results", [])),
         "transfers (one empties HOLDERS[1]), a mint to the one who left, a burn", doc)
    everyone = HOLDERS + [newcomer]
    balances = holders_now(everyone)
    t.ok(HOLDERS[1] not in balances and newcomer in balances and HOLDERS[LEAVER] in balances,
         "the holder set changed", sorted(balances))

    salt = hashlib.sha256(b"second publication").hexdigest()
    st, doc = C("alice").command({"op": "por.publish", "asset": SYM, "salt": salt})
    ev = (doc.get("events") or [{}])[0] if isinstance(doc, dict) else {}
    t.ok(st == 200 and doc.get("ok") is True and ev.get("type") == "PorPublished", "HTTP publish: 200", doc)
    st, pub = pub_api()
    t.ok(pub["block"] > first_pub["block"] and pub["root"] != first_pub["root"] and
         pub["time_ms"] == first_pub["time_ms"] + 600000, "a new publication, 10 minutes later", pub)
    t.eq(publish_salt(pub["seq"]), salt, "the journal holds the salt as sent")
    check_publication("second", pub, balances, salt, doc.get("block"), doc.get("seq"))
    t.eq(ev.get("data", {}).get("root"), pub["root"], "the command's event names the published root")

    evs = por_events()
    t.eq([(e["block"], e["data"]["root"]) for e in evs],
         [(pub["block"], pub["root"]), (first_pub["block"], first_pub["root"])],
         "events: both publications, newest first, the old root still found")

    stale, bad = [], []
    for a, p in first_proofs.items():
        r, d = verify_json(write(p))
        if not (r.rc == 0 and d.get("node") == "earlier" and d.get("node_block") == first_pub["block"]):
            bad.append(r)
        st, newp = proof_api(a)
        if a in balances and (st != 200 or newp["leaf"]["balance"] != fmt_units(balances[a], DEC) or
                              newp["publication"] != proof_pub(pub)):
            stale.append((a, st, newp))
    t.ok(not bad, "every old proof: `por verify` exit 0, node earlier, node_block = the first block", bad[:2])
    r = verify(write(first_proofs[HOLDERS[1]]))
    t.ok(r.rc == 0 and "published this root at block %d" % first_pub["block"] in r.out,
         "the old proof of one who has left since: still ok, says it is an earlier publication", r)
    t.ok(not stale, "new proofs carry the new balances and the new publication", stale[:2])
    st, doc = proof_api(HOLDERS[1])
    t.eq((st, err_code(doc)), (404, "ERR_NOT_FOUND"), "the holder who emptied his account has no new proof")
    st, doc = proof_api(HOLDERS[LEAVER])
    t.ok(st == 200 and doc["leaf"]["balance"] == "0.5", "the one who left and came back has", doc)
    proofs = check_all_proofs("second", pub, balances, salt)
    return pub, balances, salt, proofs


def test_dry_run(pub, proofs):
    sample = sorted(proofs)[:3]
    h0, n0 = history(10), height()
    r = X.node.cli("por", "publish", SYM, "--dry-run")
    t.ok(r.rc == 0 and "dry run: would publish the proof of reserves of USDW" in r.out and
         "event PorPublished USDW by=alice" in r.out and "leaves=%d" % pub["leaves"] in r.out and
         re.search(r"root=[0-9a-f]{64}", r.out), "CLI --dry-run: exit 0, prints the would-be event", r)
    r = X.node.cli("por", "publish", SYM, "--dry-run", "--json")
    d = r.json() if r.rc == 0 else {}
    evs = d.get("events") or [{}]
    t.ok(r.rc == 0 and d.get("dry_run") is True and "seq" not in d and evs[0].get("type") == "PorPublished" and
         evs[0]["data"]["total"] == pub["total"] and evs[0]["data"]["root"] != pub["root"],
         "CLI --dry-run --json: dry_run, no seq, the would-be event with another root", r)
    st, doc = C("alice").command({"op": "por.publish", "asset": SYM, "salt": "cd" * 32, "dry_run": True})
    t.ok(st == 200 and doc.get("dry_run") is True and "seq" not in doc, "HTTP dry run: 200, no seq", doc)
    t.eq((pub_api(), history(10), height()), ((200, pub), h0, n0),
         "dry runs: por show, history and height unchanged")
    t.eq([proof_api(a) for a in sample], [(200, proofs[a]) for a in sample],
         "dry runs: proofs still served from the published tree")

    st, doc = C("alice").command({"atomic": True, "commands": [
        {"op": "por.publish", "asset": SYM, "salt": "ef" * 32},
        {"op": "transfer", "asset": SYM, "from": OUTSIDER, "to": sample[0], "amount": "1"}]})
    t.eq([err_code(r) for r in doc.get("results", [])], ["ERR_BATCH_ABORTED", "ERR_INSUFFICIENT_BALANCE"],
         "atomic batch, publish then a failing transfer: aborted")
    t.eq((pub_api(), height()), ((200, pub), n0 + 1), "aborted publish: por show unchanged (one block journaled)")
    t.eq([proof_api(a) for a in sample], [(200, proofs[a]) for a in sample],
         "aborted publish: proofs still served from the published tree")


def test_not_found(pub):
    st, doc = proof_api(OUTSIDER)
    t.eq((st, err_code(doc)), (404, "ERR_NOT_FOUND"), "never a holder: 404 ERR_NOT_FOUND")
    r = X.node.cli("por", "proof", SYM, OUTSIDER, operator="carol")
    t.ok(r.rc == 1 and "ERR_NOT_FOUND" in r.err and r.out == "", "CLI proof of a non-holder: exit 1", r)
    for bad in ("0x12", "0x" + "g" * 40, "ab" * 21, "0x" + "ab" * 21, "nothing"):
        st, doc = proof_api(bad)
        t.eq((st, err_code(doc)), (400, "ERR_INVALID_ADDRESS"), "address %r: 400 ERR_INVALID_ADDRESS" % bad)
    r = X.node.cli("por", "proof", SYM, "0x12", operator="carol")
    t.ok(r.rc == 2 and "ERR_INVALID_ADDRESS" in r.err, "CLI proof of a malformed address: exit 2, found before the node", r)
    r = X.node.cli("por", "proof", SYM, HOLDERS[3], operator="carol")
    t.ok(r.rc == 0 and json.loads(r.out) == proof_api(HOLDERS[3])[1], "CLI por proof: the API's document", r)
    st, doc = proof_api(HOLDERS[3], sym="NOPE")
    t.eq((st, err_code(doc)), (404, "ERR_UNKNOWN_ASSET"), "proof on an unknown asset: 404 ERR_UNKNOWN_ASSET")
    st, doc = pub_api("NOPE")
    t.eq((st, err_code(doc)), (404, "ERR_UNKNOWN_ASSET"), "por of an unknown asset: 404 ERR_UNKNOWN_ASSET")
    for sym in ("USDC", "AAXJF"):
        st, doc = pub_api(sym)
        t.eq((st, err_code(doc)), (400, "ERR_NOT_FIAT"), "por of non-fiat %s: 400 ERR_NOT_FIAT" % sym)
    r = X.node.cli("por", "show", "USDC", operator="carol")
    t.ok(r.rc == 1 and "ERR_NOT_FIAT" in r.err, "CLI por show USDC: exit 1 ERR_NOT_FIAT", r)


def snapshot_rows():
    db = sqlite3.connect(X.node.db)
    try:
        return db.execute("SELECT count(*), coalesce(max(height), 0) FROM snapshots").fetchone()
    finally:
        db.close()


def drop_snapshots():
    """With the node stopped: the next start must replay from genesis
    (table names from src/store/store_sqlite.c)."""
    db = sqlite3.connect(X.node.db)
    try:
        db.execute("DELETE FROM snapshots")
        db.execute("DELETE FROM snapshot_chunks")
        db.commit()
    finally:
        db.close()


def test_restart(pub, balances, salt, proofs):
    por_show = X.node.cli("por", "show", SYM, operator="carol").out
    h = height()
    for how in ("snapshot", "replay"):
        rc = X.node.stop()
        t.eq(rc, 0, "%s: the node stops cleanly on SIGTERM" % how)
        count, top = snapshot_rows()
        if how == "snapshot":
            t.ok(count >= 1 and top == h, "a snapshot at the head block was written on stop", (count, top, h))
        else:
            drop_snapshots()
            t.eq(snapshot_rows()[0], 0, "replay: snapshots deleted")
        X.node.start()
        log = X.node.log_text()
        t.ok("does not match" not in log and "at height %d" % h in log, "%s: serving at height %d" % (how, h), log)
        t.eq(pub_api(), (200, pub), "%s: the publication is identical" % how)
        t.eq(X.node.cli("por", "show", SYM, operator="carol").out, por_show, "%s: por show is identical" % how)
        served = {a: proof_api(a) for a in proofs}
        t.ok(served == {a: (200, p) for a, p in proofs.items()}, "%s: all %d proofs identical" % (how, len(proofs)),
             [a for a in proofs if served[a] != (200, proofs[a])][:3])
        check_all_proofs(how, pub, balances, salt, cli_sample={0, len(proofs) // 2, len(proofs) - 1})
    X.node.stop()
    r = X.node.cli("audit", "verify", "--data", X.node.data)
    t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify --data: exit 0", r)


def restart(replay=False):
    X.node.stop()
    if replay:
        drop_snapshots()
    X.node.start()
    return X.node.log_text()


def edge_proof_ok(addr, pub, salt, balance):
    """A proof on the edge node: served, Python-checked, leaf salt from the
    known salt, `por verify` latest."""
    st, p = proof_api(addr)
    if st != 200:
        return False, (st, p)
    why = py_check(p, pub["tree_root"])
    r, d = verify_json(write(p))
    good = (why is None and p["publication"] == proof_pub(pub) and p["leaf"]["balance"] == balance and
            p["leaf"]["salt"] == py_leaf_salt(bytes.fromhex(salt), a20(addr)).hex() and
            r.rc == 0 and d.get("node") == "latest")
    return good, (why, p, r)


def test_edge():
    """A second node: boundary trees, a holder emptied in the publishing
    block, a timelocked publication, and a proof asked of a non-fiat asset."""
    node = Node(genesis=DEMO_GENESIS, clock_manual=True)
    main, X.node = X.node, node
    try:
        node.start()
        C("alice").command({"op": "reserve.report", "asset": SYM, "amount": "1000"})
        C("bob").command({"op": "reserve.report", "asset": SYM, "amount": "1000"})
        x, y, z = haddr("edge", 1), haddr("edge", 2), haddr("edge", 3)

        salt = "01" * 32
        st, doc = C("alice").command({"op": "por.publish", "asset": SYM, "salt": salt})
        st, pub = pub_api()
        t.ok(st == 200 and (pub["leaves"], pub["depth"], pub["total"], pub["tree_root"]) == (0, 0, "0", "00" * 32)
             and pub["root"] == py_bind(pub, bytes(32), 0).hex(),
             "no holders: leaves 0, depth 0, total 0, a zero tree root bound into the root", pub)
        st, doc = proof_api(x)
        t.eq((st, err_code(doc)), (404, "ERR_NOT_FOUND"), "no holders: no proof")

        C("alice").command({"op": "mint", "asset": SYM, "to": x, "amount": "1.5"})
        salt = "02" * 32
        C("alice").command({"op": "por.publish", "asset": SYM, "salt": salt})
        st, pub = pub_api()
        good, detail = edge_proof_ok(x, pub, salt, "1.5")
        t.ok(good and (pub["leaves"], pub["depth"]) == (1, 0) and detail[1]["path"] == [],
             "one holder: depth 0, an empty path, the proof checks out", detail)

        C("alice").command({"op": "mint", "asset": SYM, "to": y, "amount": "2"})
        salt = "77" * 32
        # One atomic request, one block: x gives everything away, then the publication.
        st, doc = C("alice").command({"atomic": True, "commands": [
            {"op": "transfer", "asset": SYM, "from": x, "to": y, "amount": "1.5"},
            {"op": "por.publish", "asset": SYM, "salt": salt}]})
        t.ok(st == 200 and all(r.get("ok") for r in doc.get("results", [])), "emptied in the publishing block",
             doc)
        st, pub = pub_api()
        t.eq((pub.get("leaves"), pub.get("total")), (asset_info()["holders"], "3.5"),
             "emptied in the publishing block: leaves = holders (1)")
        st, doc = proof_api(x)
        t.ok(st == 404 and err_code(doc) == "ERR_NOT_FOUND",
             "emptied in the publishing block: no proof for the emptied address", (st, doc))
        good, detail = edge_proof_ok(y, pub, salt, "3.5")
        t.ok(good, "emptied in the publishing block: the remaining holder's proof checks out", detail)
        log = restart()
        t.ok("does not match" not in log, "emptied in the publishing block: the snapshot loads", log)
        t.eq(pub_api(), (200, pub), "emptied in the publishing block: same publication after restart")

        # A timelocked publication: the tree is built when it runs.
        st, doc = C("alice").command({"op": "policy.set", "target_op": "por.publish", "timelock": "10m"})
        C("alice").command({"op": "dev.advance", "duration": "25h"})
        st, doc = C("alice").command({"op": "timelock.execute", "id": doc.get("pending", {}).get("timelock")})
        t.ok(st == 200 and doc.get("executed", {}).get("ok"), "por.publish timelocked 10m (after policy.set's day)",
             doc)
        C("alice").command({"op": "reserve.report", "asset": SYM, "amount": "1000"})
        C("bob").command({"op": "reserve.report", "asset": SYM, "amount": "1000"})
        salt = "42" * 32
        st, doc = C("alice").command({"op": "por.publish", "asset": SYM, "salt": salt})
        tid = doc.get("pending", {}).get("timelock")
        t.ok(st == 202 and tid, "timelocked: publish waits (202)", doc)
        t.eq(pub_api()[1]["total"], "3.5", "timelocked: the previous publication stands meanwhile")
        C("alice").command({"op": "mint", "asset": SYM, "to": z, "amount": "0.25"})
        C("alice").command({"op": "dev.advance", "duration": "10m"})
        st, doc = C("alice").command({"op": "timelock.execute", "id": tid})
        evs = [e for e in doc.get("events", []) if e["type"] == "PorPublished"]
        st2, pub = pub_api()
        t.ok(st == 200 and evs and (pub["block"], pub["seq"], pub["leaves"], pub["total"]) ==
             (doc["block"], doc["seq"], 2, "3.75") and evs[0]["data"]["root"] == pub["root"],
             "timelocked: built when executed (the later mint counts), block and seq of the execution", (doc, pub))
        good_y, dy = edge_proof_ok(y, pub, salt, "3.5")
        good_z, dz = edge_proof_ok(z, pub, salt, "0.25")
        t.ok(good_y and good_z, "timelocked: both proofs check out, leaf salts from the scheduled salt", (dy, dz))
        proofs = {a: proof_api(a) for a in (y, z)}
        for how, replay in (("replay", True), ("snapshot", False)):
            log = restart(replay)
            t.ok("does not match" not in log and pub_api() == (200, pub) and
                 {a: proof_api(a) for a in (y, z)} == proofs,
                 "timelocked, after a restart by %s: same publication and proofs" % how, log)

        # Reserves fall below the liabilities: the publication records it and verify says so.
        C("alice").command({"op": "reserve.report", "asset": SYM, "amount": "1"})
        C("bob").command({"op": "reserve.report", "asset": SYM, "amount": "1"})
        st, doc = C("alice").command({"op": "por.publish", "asset": SYM, "salt": "43" * 32})
        C("alice").command({"op": "dev.advance", "duration": "10m"})
        st, doc = C("alice").command({"op": "timelock.execute", "id": doc.get("pending", {}).get("timelock")})
        st, pub = pub_api()
        t.eq((pub.get("reserve"), pub.get("total")), ("1", "3.75"), "under-covered publication: reserve 1, total 3.75")
        st, proof = proof_api(y)
        path = write(proof)
        r, j = verify_json(path)
        t.ok(r.rc == 0 and j.get("covered") is False and j.get("node") == "latest",
             "under-covered: verify --json exits 0 (the proof is genuine) with covered false", r)
        r = verify(path, "--offline")
        t.ok(r.rc == 0 and "warning: the verified reserve was below the liabilities" in r.out,
             "under-covered: verify warns in words", r)

        try:
            st, doc = proof_api(y, sym="USDC")
        except OSError as e:
            st, doc = None, repr(e)
        t.eq((st, err_code(doc)), (400, "ERR_NOT_FIAT"), "proof asked of non-fiat USDC: 400 ERR_NOT_FIAT")
        t.ok(node.running(), "the node survives a proof asked of a non-fiat asset",
             "exit %s; %s" % (node.proc and node.proc.poll(), node.sanitizer()))
        node.stop()
        r = node.cli("audit", "verify", "--data", node.data)
        t.ok(r.rc == 0 and "audit ok" in r.out, "audit verify --data: exit 0", r)
        t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
    finally:
        X.node = main
        node.stop()
        node.cleanup()


def main():
    X.node = Node(genesis=DEMO_GENESIS, clock_manual=True)
    X.dir = os.path.join(X.node.root, "proofs")
    os.makedirs(X.dir)
    try:
        X.node.start()
        t.run("refusals", test_refusals)
        first = t.run("publish", test_publish)
        if first:
            pub1, _, proofs1 = first
            t.run("tamper", test_tamper, proofs1)
            second = t.run("second", test_second, pub1, proofs1)
            if second:
                pub2, bal2, salt2, proofs2 = second
                t.run("dry run", test_dry_run, pub2, proofs2)
                t.run("not found", test_not_found, pub2)
                t.run("restart", test_restart, pub2, bal2, salt2, proofs2)
        X.node.stop()
        t.ok(X.node.sanitizer() is None, "no sanitizer report", X.node.sanitizer())
        t.run("edge", test_edge)
    finally:
        X.node.stop()
        X.node.cleanup()
    t.done()


main()
