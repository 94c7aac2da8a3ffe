"""test_audit_node - `audit verify` through the node (issue 12 item 4,
SPEC 8: neither --data nor --store):

- it prints the same blocks, requests, commands and head hash as the
  offline audit (--data), human and --json, for the auditor and an admin;
  a minter gets ERR_UNAUTHORIZED (exit 1);
- --from-height H --expect-head HASH with a head recorded earlier passes
  after more blocks; a wrong hash, or a height past the head (a cut
  tail), is ERR_HEAD_NOT_IN_CHAIN (exit 1); one flag alone is exit 2;
- the stream cut mid-way (a proxy that closes after N bytes) is
  ERR_JOURNAL_CUT (exit 3); a signed body changed in the journal makes
  both audits fail the same way (ERR_AUDIT_FAILED): nothing the node
  sends is trusted.
"""
import os
import socket
import sqlite3
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from harness import TAP, Node, free_port  # noqa: E402

t = TAP("audit_node")

GENESIS = """\
operators:
  - name: alice
    pubkey: a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800
    roles: [admin, minter, burner]
  - name: bob
    pubkey: ca9c298168ea53bf5a3e9b60aa2b14af289314f532a809f492207ded1abc7264
    roles: [minter]
  - name: dave
    pubkey: d65b785c21440c10a3df3e9f64961311748632a1c97d1c25e9671ffd4294f744
    roles: [auditor]
controller: alice
assets:
  - symbol: USDC
    kind: plain
    decimals: 6
"""
A = "0x" + "0a" * 20
B = "0x" + "0b" * 20


class CutProxy(threading.Thread):
    """Forwards one connection at a time to the node, closing the answer
    after `limit` bytes."""

    def __init__(self, port, limit):
        super().__init__(daemon=True)
        self.target, self.limit = port, limit
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            up = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self.pump, args=(c, up, None), daemon=True).start()
            self.pump(up, c, self.limit)
            for s in (c, up):  # shutdown first: the other pump is blocked in recv
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    @staticmethod
    def pump(src, dst, limit):
        sent = 0
        try:
            while limit is None or sent < limit:
                data = src.recv(65536)
                if not data:
                    break
                if limit is not None:
                    data = data[:limit - sent]
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass


def audit_json(node, *args, operator="dave"):
    r = node.cli("audit", "verify", "--json", *args, operator=operator)
    return r, (r.json() if r.rc == 0 else {})


def main():
    node = Node(genesis=None, init=False)
    g = os.path.join(node.root, "genesis.yaml")
    with open(g, "w") as f:
        f.write(GENESIS)
    r = node.cli("init", "--data", node.data, "--genesis", g)
    if r.rc != 0:
        raise RuntimeError("init: %r" % r)
    node.start()
    try:
        for i in range(5):
            node.cli("mint", "USDC", "--to", A, "--amount", str(10 + i))
        node.cli("burn", "USDC", "--from", A, "--amount", "100000")  # rejected: journaled too
        r, online = audit_json(node)
        r2, offline = audit_json(node, "--data", node.data)
        t.ok(r.rc == 0 and r2.rc == 0 and online == offline and online.get("head_hash"),
             "through the node = offline: blocks, requests, commands, head hash", (online, offline))
        r = node.cli("audit", "verify", operator="alice")
        t.ok(r.rc == 0 and "audit ok" in r.out and offline.get("head_hash", "?") in r.out,
             "an admin may too; the human form prints the head hash", r)
        r = node.cli("audit", "verify", operator="bob")
        t.ok(r.rc == 1 and "ERR_UNAUTHORIZED" in r.err, "a minter may not download the journal", r)

        height = online["blocks"] - 1
        head = online["head_hash"]
        for i in range(3):
            node.cli("mint", "USDC", "--to", B, "--amount", "1")
        r, later = audit_json(node, "--from-height", str(height), "--expect-head", head)
        t.ok(r.rc == 0 and later["blocks"] == online["blocks"] + 3,
             "--from-height/--expect-head: the head recorded at %d is still in the chain" % height, r)
        r = node.cli("audit", "verify", "--from-height", str(height), "--expect-head", "ab" * 32, operator="dave")
        t.ok(r.rc == 1 and "ERR_HEAD_NOT_IN_CHAIN" in r.err, "a wrong expected head: ERR_HEAD_NOT_IN_CHAIN", r)
        r = node.cli("audit", "verify", "--from-height", str(height + 50), "--expect-head", head, operator="dave")
        t.ok(r.rc == 1 and "ERR_HEAD_NOT_IN_CHAIN" in r.err and "cut" in r.err,
             "a recorded head past the chain's end (a tail cut): ERR_HEAD_NOT_IN_CHAIN", r)
        r = node.cli("audit", "verify", "--from-height", "3", operator="dave")
        t.eq(r.rc, 2, "--from-height without --expect-head: exit 2")
        r = node.cli("audit", "verify", "--expect-head", "xyz", "--from-height", "1", operator="dave")
        t.eq(r.rc, 2, "a malformed --expect-head: exit 2")

        # a body big enough that the cut falls inside the stream
        for i in range(20):
            node.cli("mint", "USDC", "--to", A, "--amount", "1")
        proxy = CutProxy(node.port, 3000)
        proxy.start()
        env = node.env("dave", MINTLINE_NODE="http://127.0.0.1:%d" % proxy.port)
        r = node.cli("audit", "verify", env=env)
        t.ok(r.rc == 3 and "ERR_JOURNAL_CUT" in r.err, "the stream cut mid-way: ERR_JOURNAL_CUT, exit 3", r)
        proxy.sock.close()

        # a signed body changed in the journal: both audits fail alike
        con = sqlite3.connect(node.db)
        row = con.execute("SELECT id, body FROM requests ORDER BY id LIMIT 1 OFFSET 2").fetchone()
        body = bytes(row[1]).replace(b'"12"', b'"13"')
        con.execute("UPDATE requests SET body = ? WHERE id = ?", (body, row[0]))
        con.commit()
        con.close()
        r = node.cli("audit", "verify", operator="dave")
        r2 = node.cli("audit", "verify", "--data", node.data)
        t.ok(r.rc == 1 and "ERR_AUDIT_FAILED" in r.err and r2.rc == 1 and
             r.err.split("ERR_AUDIT_FAILED")[1] == r2.err.split("ERR_AUDIT_FAILED")[1],
             "a changed body: the same ERR_AUDIT_FAILED through the node as offline", (r, r2))
        t.ok(node.sanitizer() is None, "no sanitizer report", node.sanitizer())
    finally:
        t.eq(node.stop(), 0, "node stops cleanly")
        node.cleanup()


main()
t.done()
