"""backups - what the backup tests share (test_backup.py on SQLite,
test_pg_backup.py on PostgreSQL): a genesis with the roles the downloads
check (alice admin, bob minter, carol viewer, dave auditor), a signed raw
GET, a backup file split into header and image, and a client committing
one mint at a time while a backup runs, and a node serving a restored
store.
"""
import http.client
import os
import shutil
import threading
import time

from harness import Node

GENESIS = """\
operators:
  - name: alice
    pubkey: a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800
    roles: [admin, minter]
  - name: bob
    pubkey: ca9c298168ea53bf5a3e9b60aa2b14af289314f532a809f492207ded1abc7264
    roles: [minter]
  - name: carol
    pubkey: a4e964a18edba8351736a2dee6073a15b6b91e6bc253200dd3f2e268e292b673
    roles: [viewer]
  - name: dave
    pubkey: d65b785c21440c10a3df3e9f64961311748632a1c97d1c25e9671ffd4294f744
    roles: [auditor]
controller: alice
assets:
  - symbol: USDC
    kind: plain
    decimals: 6
policies:
  - {op: role.grant, approvals: 1, timelock: 0}
  - {op: role.revoke, approvals: 1, timelock: 0}
"""

ADDR = "0x" + "11" * 20


def get_raw(node, operator, path):
    c = node.client(operator)
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=60)
    conn.request("GET", path, headers=c.headers("GET", path, b""))
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


def split_backup(data):
    end = data.index(b"\n\n") + 2
    fields = dict(line.split(" ", 1) for line in data[:end].decode().split("\n")[1:] if " " in line)
    return data[:end], fields, data[end:]


class Committer(threading.Thread):
    """Mints one unit at a time, recording each acknowledged block and when."""

    def __init__(self, node):
        super().__init__(daemon=True)
        self.client = node.client("alice")
        self.stop = threading.Event()
        self.acked = []  # (time acknowledged, block)
        self.errors = []

    def run(self):
        while not self.stop.is_set():
            st, doc = self.client.command({"op": "mint", "asset": "USDC", "to": ADDR, "amount": "1"})
            if st == 200 and isinstance(doc, dict) and doc.get("ok"):
                self.acked.append((time.time(), doc["block"]))
            else:
                self.errors.append((st, doc))


def serve_restored(node, data, args=()):
    """A node serving the restored store in data (a directory, made when
    missing), with node's operator keys and its system.key copied in (a
    backup holds no keys), started with more `serve` args."""
    os.makedirs(data, exist_ok=True)
    shutil.copyfile(os.path.join(node.data, "system.key"), os.path.join(data, "system.key"))
    os.chmod(os.path.join(data, "system.key"), 0o600)
    back = Node(genesis=None, init=False)
    shutil.rmtree(back.home)
    shutil.copytree(node.home, back.home)
    back.data = data
    back.start(args=args)
    return back
