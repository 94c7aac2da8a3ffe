"""test_pg_store - one node on a real PostgreSQL 15 (issue 15, first slice).

A PostgreSQL is started in a temporary directory (tests/support/pg.py). On a
database of its own: `init --store URL` (the system key stays in DATA), then
`serve --store URL`; status names the store "postgres" and its URL without
the password; a second `serve` on the same URL starts as a follower of the
first (ERR_NOT_LEADER on its /readyz, naming the first: test_pg_ha.py covers
the roles). A few hundred commands go in through
raw signed HTTP (single commands and batches, from several threads) and the
CLI; the node is killed with SIGKILL mid-stream and restarted: every
acknowledged command is in the journal with its seq and result, the
recovered state hash equals a replay's from genesis (the snapshots deleted),
and `audit verify --store URL` passes. `backup create` through the node makes
a backup that verifies (test_pg_backup.py). A block's hash changed by hand in the database is found by audit.
Sanitizer reports are looked for in every node log.
"""
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import GENESIS, TAP, Node, addr, err_codes, free_port, run_cli  # noqa: E402
from mlclient import Client  # noqa: E402
from pg import PASSWORD, Postgres  # noqa: E402

t = TAP("pg_store")
CODES = err_codes()
ADDRS = [addr(i, 0xd1) for i in range(24)]

pg = Postgres().start()
URL = pg.create_db("ledger")
node = Node(init=False)
SERVE = ("--store", URL)


def journal():
    """{nonce: (first_seq, [result names])} from the database."""
    rows = pg.psql("ledger", "SELECT encode(nonce, 'escape'), first_seq, encode(results, 'hex') FROM requests")
    out = {}
    for line in rows.splitlines():
        nonce, seq, hexres = line.split("|")
        raw = bytes.fromhex(hexres)
        codes = [raw[i] | raw[i + 1] << 8 for i in range(0, len(raw), 2)]
        out[nonce] = (int(seq), [CODES[c] if c < len(CODES) else c for c in codes])
    return out


def test_init_and_status():
    r = node.cli("init", "--data", node.data, "--store", URL, "--genesis", GENESIS, "--json")
    t.eq(r.rc, 0, "init --store URL (%s)" % r.err.strip()[:200])
    doc = r.json()
    t.ok(doc.get("store", "").startswith("postgres://mintline@127.0.0.1:"),
         "init names the store by its URL without the password: %s" % doc.get("store"))
    t.ok(PASSWORD not in r.out + r.err, "the password is printed nowhere")
    t.ok(os.path.exists(os.path.join(node.data, "system.key")), "DATA holds the system key")
    t.ok(not os.path.exists(os.path.join(node.data, "mintline.db")), "and no SQLite journal")
    t.eq(pg.psql("ledger", "SELECT count(*) FROM blocks"), "1", "block 0 is in PostgreSQL")
    again = node.cli("init", "--data", node.data + "2", "--store", URL, "--genesis", GENESIS)
    t.ok(again.rc != 0 and "ERR_DATA_EXISTS" in again.err, "a second init on the URL is refused")
    node.start(args=SERVE)
    st = node.cli("status", "--json").json()["node"]
    t.eq(st["store"], "postgres", "status: node.store")
    t.ok(st.get("store_url", "").startswith("postgres://mintline@") and PASSWORD not in json.dumps(st),
         "status: the URL without its password (%s)" % st.get("store_url"))
    human = node.cli("status")
    t.ok("store postgres (postgres://mintline@" in human.out, "human status names the database")


def test_second_node_follows():
    # issue 15 item 2: a second node is no longer refused; it follows.
    other = os.path.join(node.root, "other")
    shutil.copytree(node.data, other)
    port = free_port()
    log = open(os.path.join(node.root, "second.log"), "wb")
    p = subprocess.Popen([node.binary, "serve", "--data", other, "--store", URL, "--listen",
                          "127.0.0.1:%d" % port], stdout=log, stderr=subprocess.STDOUT,
                         env=node.env(node=False))
    try:
        second = (0, {"error": {}})
        for _ in range(200):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/readyz")
                r = conn.getresponse()
                second = (r.status, json.loads(r.read()))
                conn.close()
                break
            except OSError:
                time.sleep(0.05)
        t.eq(second[0], 503, "a second serve on the URL starts, as a follower (/readyz 503)")
        t.eq((second[1]["error"]["code"], second[1]["error"].get("leader")),
             ("ERR_NOT_LEADER", node.url), "naming the first node as the leader")
        t.ok(PASSWORD not in open(os.path.join(node.root, "second.log")).read(),
             "the password is printed nowhere")
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=60)
        log.close()
    t.ok(node.running(), "the first node still serves")


def stream(seed, stop, out):
    c = Client("127.0.0.1", node.port, "alice", node.key("alice"))
    i = 0
    while not stop.is_set():
        i += 1
        a, b = ADDRS[(seed * 7 + i) % len(ADDRS)], ADDRS[(seed * 3 + i * 5 + 1) % len(ADDRS)]
        if i % 3:
            cmds = [{"op": "mint", "asset": "USDC", "to": a, "amount": "%d.%02d" % (i % 50, 1 + i % 98)}]
            doc = dict(cmds[0])
        else:
            cmds = [{"op": "transfer", "asset": "USDC", "from": a, "to": b, "amount": "0.5"},
                    {"op": "mint", "asset": "USDW", "to": b, "amount": "3"}]
            doc = {"commands": cmds}
        body = json.dumps(doc).encode()
        hdr = c.headers("POST", "/api/commands", body)
        entry = {"nonce": hdr["Mintline-Nonce"], "n": len(cmds), "ack": None}
        out.append(entry)
        try:
            status, rdoc = c.raw("POST", "/api/commands", body, hdr, timeout=20)
        except OSError:
            continue
        if status != 200 or not isinstance(rdoc, dict):
            continue
        res = rdoc.get("results") if "commands" in doc else [rdoc]
        if isinstance(res, list) and all(isinstance(x.get("seq"), int) for x in res):
            entry["ack"] = [(x["seq"], "ok" if x.get("ok") else x.get("error", {}).get("code"))
                            for x in res]


def test_load_kill_restart():
    # Through the CLI first (a few), then raw HTTP from three threads.
    cli_ok = 0
    for i in range(12):
        r = node.cli("mint", "USDW", "--to", ADDRS[i], "--amount", "7", "--json")
        cli_ok += r.rc == 0
    t.eq(cli_ok, 12, "12 mints through the CLI")
    stop = threading.Event()
    sent = [[] for _ in range(3)]
    threads = [threading.Thread(target=stream, args=(k, stop, sent[k])) for k in range(3)]
    for th in threads:
        th.start()
    deadline = time.time() + 60
    while time.time() < deadline and sum(1 for s in sent for e in s if e["ack"]) < 300:
        time.sleep(0.05)
    node.kill()
    stop.set()
    for th in threads:
        th.join()
    acked = [e for s in sent for e in s if e["ack"]]
    ncmd = sum(e["n"] for e in acked)
    t.ok(len(acked) >= 300, "%d requests acknowledged (%d commands) before SIGKILL" % (len(acked), ncmd))
    node.start(args=SERVE)
    j = journal()
    missing = [e["nonce"] for e in acked if e["nonce"] not in j]
    t.eq(missing, [], "every acknowledged request is in the journal after the restart")
    wrong = [e["nonce"] for e in acked if e["nonce"] in j and
             (j[e["nonce"]][0] != e["ack"][0][0] or j[e["nonce"]][1] != [r for _, r in e["ack"]])]
    t.eq(wrong, [], "with the seq and results it was acknowledged with")
    after = node.status()["node"]
    t.ok(after["height"] > 0, "restarted at height %d" % after["height"])
    return after


def test_replay_equals(after):
    t.eq(node.stop(), 0, "the node stops cleanly (writes a snapshot)")
    nsnap = int(pg.psql("ledger", "SELECT count(*) FROM snapshots"))
    t.ok(nsnap >= 1, "a snapshot was written to PostgreSQL (%d)" % nsnap)
    pg.psql("ledger", "DELETE FROM snapshot_chunks; DELETE FROM snapshots")
    node.start(args=SERVE)
    st = node.status()["node"]
    t.eq((st["height"], st["state_hash"]), (after["height"], after["state_hash"]),
         "the state replayed from genesis equals the recovered one")
    r = node.cli("audit", "verify", "--data", node.data, "--store", URL, "--json")
    t.eq(r.rc, 0, "audit verify --store URL passes beside the running node (%s)" % r.err.strip()[:200])
    if r.rc == 0:
        t.eq(r.json()["blocks"], st["height"] + 1, "audit saw every block")
    path = os.path.join(node.root, "b.backup")
    b = node.cli("backup", "create", path)
    t.eq(b.rc, 0, "backup create through a PostgreSQL node (%s)" % b.err.strip()[:200])
    v = node.cli("backup", "verify", path, "--json")
    t.ok(v.rc == 0 and v.json()["height"] == st["height"],
         "it verifies, at the node's height (test_pg_backup.py covers the rest)", v)


def test_tamper_found():
    t.eq(node.stop(), 0, "stopped")
    pg.psql("ledger", "UPDATE blocks SET hash = sha256(hash) WHERE height = 2")
    r = node.cli("audit", "verify", "--store", URL)
    t.ok(r.rc != 0 and ("ERR_AUDIT_FAILED" in r.err or "ERR_STORE_CORRUPT" in r.err),
         "a block hash changed in the database is found: %s" % r.err.strip()[:200])
    t.ok("block 2" in r.err or "block 3" in r.err, "at its place")


def main():
    t.run("init and status", test_init_and_status)
    t.run("a second node", test_second_node_follows)
    after = {}

    def load():
        after.update(test_load_kill_restart())
    t.run("load, kill -9, restart", load)
    if after:
        t.run("replay and audit", lambda: test_replay_equals(after))
    t.run("tamper", test_tamper_found)
    node.stop()
    rep = node.sanitizer()
    t.ok(rep is None, "no sanitizer report in the node logs%s" % ("" if rep is None else ": " + rep))
    node.cleanup()
    pg.stop()
    t.done()


main()
