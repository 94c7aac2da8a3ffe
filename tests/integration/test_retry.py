"""test_retry - a retried command request is answered from the journal (issue 15 item 4).

SPEC 7 refuses a reused nonce (401 ERR_AUTH_NONCE). The extension: the
IDENTICAL signed request sent again (same operator, nonce, time, method,
path, body, signature) is not run a second time; the node answers the
original result rebuilt from the journal, with `Mintline-Replayed: 1`.
On a SQLite ledger:

- a mint sent twice: one execution (the balance), the same status and
  document, the header only on the second answer, counted in
  mintline_commands_replayed_total and not as a nonce failure;
- a batch with a failing command: the codes kept (messages are the
  codes' standard messages: a refusal's detail is not journaled);
- a batch asking for the compact reply ("reply": "errors"): compact again;
- a command that became a proposal (202, "pending") and one scheduled in
  the timelock (202, its eta);
- the same nonce with other bytes (another body; another time, so
  another signature): 401 ERR_AUTH_NONCE, nothing run;
- a dry run's nonce reused (even with the same bytes): 401, never journaled;
- a read's nonce reused by a command: 401;
- after a restart of the node: the retry still gets the original;
- the same request sent on several connections at once: whichever is
  taken first runs, the others (their nonce seen, the original perhaps not
  yet journaled) wait for it and get its answer: one execution;
- the CLI: a command sent through a proxy that passes it to the node and
  drops the answer (the connection closed before any byte of it) is sent
  again, identical, to the next --node URL (or the same one): it runs once,
  the CLI prints the original answer and exits 0.
"""
import json
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import GENESIS, TAP, Node, addr, genesis_file, metric  # noqa: E402

t = TAP("retry")
with open(GENESIS) as f:
    # USDW mints need two approvals (alice proposes, bob approves)
    N = Node(genesis=genesis_file(f.read() + "  - {op: mint, asset: USDW, approvals: 2}\n"))
N.start()
X = [addr(i, 0xd7) for i in range(8)]


def send(body_doc, nonce=None, time_ms=None, operator="alice", path="/api/commands"):
    """(status, headers lowercased, document, the signed headers) of one
    signed POST; with the signed headers of an earlier call passed in as
    nonce/time_ms, the same request again."""
    c = N.client(operator)
    body = json.dumps(body_doc).encode() if not isinstance(body_doc, bytes) else body_doc
    hdr = c.headers("POST", path, body, nonce=nonce, time_ms=time_ms)
    return post(body, hdr, path)


def post(body, hdr, path="/api/commands"):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", N.port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers=hdr)
        r = conn.getresponse()
        data = r.read()
        headers = {k.lower(): v for k, v in r.getheaders()}
    finally:
        conn.close()
    return r.status, headers, json.loads(data), hdr


def balance(asset, a):
    st, doc = N.client("carol").get("/api/assets/%s/balances/%s" % (asset, a))
    assert st == 200, doc
    return doc["balance"]


def standard(doc, messages):
    """doc with every error message dropped, each kept in messages."""
    if isinstance(doc, dict):
        out = {}
        for k, v in doc.items():
            if k == "message" and "code" in doc:
                messages.append(v)
                continue
            out[k] = standard(v, messages)
        return out
    if isinstance(doc, list):
        return [standard(v, messages) for v in doc]
    return doc


def same_answer(first, again, what):
    """The retry's answer is the original: the same status and document;
    error messages the standard one of their code (the original's may add
    a detail after it)."""
    st1, h1, d1, _ = first
    st2, h2, d2, _ = again
    t.eq(st2, st1, "%s: the same status" % what)
    m1, m2 = [], []
    t.eq(standard(d2, m2), standard(d1, m1), "%s: the same document" % what)
    t.ok(len(m1) == len(m2) and all(a.startswith(b) for a, b in zip(m1, m2)),
         "%s: each message the code's standard one (%s / %s)" % (what, m2, m1))
    t.ok("mintline-replayed" not in h1, "%s: the original has no Mintline-Replayed" % what)
    t.eq(h2.get("mintline-replayed"), "1", "%s: the retry says Mintline-Replayed: 1" % what)


def again(first, body_doc):
    hdr = first[3]
    body = json.dumps(body_doc).encode()
    return post(body, dict(hdr))


def test_single():
    doc = {"op": "mint", "asset": "USDC", "to": X[0], "amount": "7"}
    first = send(doc)
    t.eq(first[0], 200, "a mint (%s)" % str(first[2])[:200])
    second = again(first, doc)
    same_answer(first, second, "a mint retried")
    t.eq(balance("USDC", X[0]), "7", "run once: the balance is 7, not 14")
    third = again(first, doc)
    t.eq(third[2], second[2], "a third time: the same again")
    m = N.metrics()
    t.eq(metric(m, "mintline_commands_replayed_total"), 2.0, "mintline_commands_replayed_total 2")
    t.eq(metric(m, "mintline_signature_failures_total", reason="nonce"), 0.0,
         "a replay is not a nonce failure")


def test_batch_with_failure():
    doc = {"commands": [
        {"op": "mint", "asset": "USDC", "to": X[1], "amount": "3"},
        {"op": "transfer", "asset": "USDC", "from": X[2], "to": X[1], "amount": "50"},
        {"op": "transfer", "asset": "USDC", "from": X[1], "to": X[3], "amount": "1"},
    ]}
    first = send(doc)
    t.eq(first[0], 200, "a batch (%s)" % str(first[2])[:300])
    codes = [r.get("error", {}).get("code", "ok") for r in first[2].get("results", [])]
    t.eq(codes, ["ok", "ERR_INSUFFICIENT_BALANCE", "ok"], "its middle command failed")
    second = again(first, doc)
    same_answer(first, second, "a batch with a failure retried")
    t.eq((balance("USDC", X[1]), balance("USDC", X[3])), ("2", "1"), "run once")


def test_atomic_batch():
    doc = {"atomic": True, "commands": [
        {"op": "mint", "asset": "USDC", "to": X[4], "amount": "3"},
        {"op": "transfer", "asset": "USDC", "from": X[5], "to": X[4], "amount": "50"},
    ]}
    first = send(doc)
    t.eq(first[0], 200, "an atomic batch that fails")
    same_answer(first, again(first, doc), "an aborted atomic batch retried")
    t.eq(balance("USDC", X[4]), "0", "nothing of it ran")


def test_compact():
    doc = {"reply": "errors", "commands": [
        {"op": "mint", "asset": "USDC", "to": X[6], "amount": "1"},
        {"op": "transfer", "asset": "USDC", "from": X[7], "to": X[6], "amount": "9"},
        {"op": "mint", "asset": "USDC", "to": X[6], "amount": "2"},
    ]}
    first = send(doc)
    t.eq(first[0], 200, "a compact batch (%s)" % str(first[2])[:300])
    t.ok("failed" in first[2] and "results" not in first[2], "the compact shape")
    second = again(first, doc)
    same_answer(first, second, "a compact batch retried")
    t.ok("failed" in second[2] and "results" not in second[2], "compact again")
    t.eq(balance("USDC", X[6]), "3", "run once")


def test_governed():
    doc = {"op": "mint", "asset": "USDW", "to": X[0], "amount": "11"}
    first = send(doc)
    t.eq(first[0], 202, "a USDW mint becomes a proposal (%s)" % str(first[2])[:300])
    pid = first[2].get("pending", {}).get("proposal")
    t.ok(pid is not None, "pending.proposal in the answer")
    same_answer(first, again(first, doc), "a proposal retried")
    st, props = N.client("carol").get("/api/proposals")
    t.eq(len(props.get("proposals", props) if isinstance(props, dict) else props), 1,
         "one proposal, not two")
    approve = {"op": "approve", "id": pid}
    first = send(approve, operator="bob")
    t.eq((first[0], first[2].get("executed")), (200, {"proposal": pid, "ok": True}),
         "bob's approval runs it (%s)" % str(first[2])[:300])
    same_answer(first, again(first, approve), "the approval retried")
    t.eq(balance("USDW", X[0]), "11", "minted once")
    doc = {"op": "role.grant", "name": "carol", "role": "auditor"}
    first = send(doc)
    t.eq(first[0], 202, "role.grant is scheduled (%s)" % str(first[2])[:300])
    t.ok("eta" in first[2].get("pending", {}), "pending.timelock and eta in the answer")
    same_answer(first, again(first, doc), "a timelocked command retried")
    st, tl = N.client("carol").get("/api/timelock")
    entries = tl.get("entries", tl.get("timelock", tl)) if isinstance(tl, dict) else tl
    t.eq(len(entries), 1, "one timelock entry, not two")


def test_refused():
    doc = {"op": "mint", "asset": "USDC", "to": X[3], "amount": "5"}
    first = send(doc)
    t.eq(first[0], 200, "a mint")
    hdr = first[3]
    other = {"op": "mint", "asset": "USDC", "to": X[3], "amount": "6"}
    st, _, d, _ = send(other, nonce=hdr["Mintline-Nonce"], time_ms=hdr["Mintline-Time"])
    t.eq((st, d["error"]["code"]), (401, "ERR_AUTH_NONCE"), "same nonce, another body: 401")
    st, _, d, _ = send(doc, nonce=hdr["Mintline-Nonce"], time_ms=int(hdr["Mintline-Time"]) + 1)
    t.eq((st, d["error"]["code"]), (401, "ERR_AUTH_NONCE"),
         "same nonce and body, another time (another signature): 401")
    t.eq(balance("USDC", X[3]), "6", "neither ran (1 + 5 earlier)")
    dry = {"op": "mint", "asset": "USDC", "to": X[3], "amount": "5", "dry_run": True}
    first = send(dry)
    t.eq(first[0], 200, "a dry run")
    st, h, d, _ = again(first, dry)
    t.eq((st, d["error"]["code"]), (401, "ERR_AUTH_NONCE"), "a dry run's nonce reused: 401")
    t.ok("mintline-replayed" not in h, "no Mintline-Replayed on a refusal")
    st, _ = N.client("alice").get("/api/system/status", nonce="read-nonce-1")
    t.eq(st, 200, "a read")
    st, _, d, _ = send(doc, nonce="read-nonce-1")
    t.eq((st, d["error"]["code"]), (401, "ERR_AUTH_NONCE"), "a read's nonce on a command: 401")
    t.eq(balance("USDC", X[3]), "6", "nothing ran")


def test_after_restart():
    doc = {"commands": [{"op": "mint", "asset": "USDC", "to": X[5], "amount": "4"},
                        {"op": "burn", "asset": "USDC", "from": X[5], "amount": "9"}]}
    first = send(doc)
    t.eq(first[0], 200, "a batch before the restart")
    t.eq(N.stop(), 0, "the node stops")
    N.start()
    same_answer(first, again(first, doc), "retried after a restart")
    t.eq(balance("USDC", X[5]), "4", "run once")
    st, _, d, _ = send({"op": "mint", "asset": "USDC", "to": X[5], "amount": "1"},
                       nonce=first[3]["Mintline-Nonce"], time_ms=first[3]["Mintline-Time"])
    t.eq((st, d["error"]["code"]), (401, "ERR_AUTH_NONCE"), "other bytes after the restart: 401")


def test_concurrent():
    doc = {"op": "mint", "asset": "USDC", "to": X[2], "amount": "13"}
    body = json.dumps(doc).encode()
    hdr = N.client("alice").headers("POST", "/api/commands", body)
    answers = [None] * 4

    def one(i):
        answers[i] = post(body, dict(hdr))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    t.ok(all(a is not None and a[0] == 200 for a in answers),
         "four copies at once: all answered 200 (%s)" % [a and a[0] for a in answers])
    docs = [a[2] for a in answers if a]
    t.ok(len(docs) == 4 and all(d == docs[0] for d in docs), "all four the same document")
    replayed = sum(1 for a in answers if a and a[1].get("mintline-replayed") == "1")
    t.eq(replayed, 3, "three answered from the journal")
    t.eq(balance("USDC", X[2]), "13", "run once")


class Dropper:
    """A proxy on a loopback port that passes each request to the node,
    reads the node's whole answer and closes the client's connection
    without sending any of it: the request ran, its answer was lost."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.passed = 0
        threading.Thread(target=self._serve, daemon=True).start()

    @staticmethod
    def _request(conn):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v.strip())
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            rest += chunk
        return head + b"\r\n\r\n" + rest

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                req = self._request(conn)
                if req is None:
                    continue
                req = req.replace(b"Connection: keep-alive", b"Connection: close")
                with socket.create_connection(("127.0.0.1", self.target_port)) as up:
                    up.sendall(req)
                    up.shutdown(socket.SHUT_WR)
                    while up.recv(65536):
                        pass
                self.passed += 1

    def close(self):
        self.sock.close()


def test_cli_retry():
    before = metric(N.metrics(), "mintline_commands_replayed_total")
    proxy = Dropper(N.port)
    dropper = "http://127.0.0.1:%d" % proxy.port
    r = N.cli("--node", "%s,%s" % (dropper, N.url), "mint", "USDC", "--to", X[7], "--amount", "8",
              "--json")
    t.eq(r.rc, 0, "the CLI retries at the next --node URL and gets the answer (%s)" % r.err.strip())
    doc = json.loads(r.out) if r.rc == 0 else {}
    t.eq((proxy.passed, doc.get("ok")), (1, True), "the first attempt reached the node")
    t.eq(balance("USDC", X[7]), "8", "run once")
    after = metric(N.metrics(), "mintline_commands_replayed_total")
    t.eq(after - before, 1.0, "the retry was answered from the journal")
    r = N.cli("--node", dropper, "mint", "USDC", "--to", X[7], "--amount", "2")
    t.eq(r.rc, 3, "one URL, answer lost twice: exit 3 (%s)" % r.err.strip())
    t.ok("may have run once" in r.err, "the error says it may have run")
    t.eq((proxy.passed, balance("USDC", X[7])), (3, "10"), "sent twice, run once")
    proxy.close()


for fn in (test_single, test_batch_with_failure, test_atomic_batch, test_compact, test_governed,
           test_refused, test_concurrent, test_after_restart, test_cli_retry):
    t.run(fn.__name__, fn)
t.ok(N.sanitizer() is None, "no sanitizer report (%s)" % N.sanitizer())
N.cleanup()
t.done()
