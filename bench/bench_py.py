#!/usr/bin/python3
"""bench_py.py - durable transfers as an independent client sends them
(issue 16): Python's standard http.client, the `cryptography` package's
Ed25519 (Debian python3-cryptography; run with /usr/bin/python3), N
connections each sending pre-built batches of transfers among the first
HOLDERS holders that bench_http minted, asking for the compact answer
("reply": "errors", SPEC 7), and reading and parsing every answer.

    bench_py.py --port P --key FILE [--operator alice] [--holders 1000]
                [--connections 2] [--batches 12] [--batch 8000] [--tag py]

The bodies are built before the clock starts (as a client holding a queue of
work would have them); signing (SHA-256 of the body, Ed25519) and the HTTP
exchange are inside it. Output: a human line on stderr, "RESULT name value"
on stdout (TAG_per_s, TAG_failed, TAG_answer_bytes_per_transfer). Exit 1 when
any answer is not ok or reports a failed command.
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import random
import sys
import threading
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

M64 = (1 << 64) - 1
GOLDEN = 0x9e3779b97f4a7c15


def holder_address(i):
    """bench_util.h's bench_addr(i): splitmix64 of i over 20 bytes, little-endian words."""
    z = (i * GOLDEN + 0x1234567) & M64
    out = b""
    for k in range(0, 20, 8):
        z = (z + GOLDEN) & M64
        x = z
        x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & M64
        x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & M64
        x ^= x >> 31
        out += x.to_bytes(8, "little")[:min(8, 20 - k)]
    return "0x" + out.hex()


def build_bodies(holders, batches, batch, seed):
    addrs = [holder_address(i) for i in range(holders)]
    rng = random.Random(seed)
    bodies = []
    for _ in range(batches):
        cmds = []
        for _ in range(batch):
            f = rng.randrange(holders)
            t = rng.randrange(holders - 1)
            if t >= f:
                t += 1
            cmds.append('{"op":"transfer","asset":"USDW","from":"%s","to":"%s","amount":"1"}' % (addrs[f], addrs[t]))
        bodies.append(('{"commands":[' + ",".join(cmds) + '],"reply":"errors"}').encode())
    return bodies


class Sender(threading.Thread):
    def __init__(self, port, operator, key, bodies, batch, index):
        super().__init__(daemon=True)
        self.port, self.operator, self.key, self.bodies, self.batch = port, operator, key, bodies, batch
        self.index = index
        self.ok = 0
        self.failed = 0
        self.answer_bytes = 0
        self.error = None

    def headers(self, body, nonce):
        now = str(int(time.time() * 1000))
        path = "/api/commands"
        msg = "mintline-v1\nPOST\n%s\n%s\n%s\n%s" % (path, now, nonce, hashlib.sha256(body).hexdigest())
        sig = base64.b64encode(self.key.sign(msg.encode())).decode()
        return {"Content-Type": "application/json", "Mintline-Operator": self.operator, "Mintline-Time": now,
                "Mintline-Nonce": nonce, "Mintline-Signature": sig}

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        run_id = os.urandom(6).hex()
        try:
            for n, body in enumerate(self.bodies):
                conn.request("POST", "/api/commands", body=body,
                             headers=self.headers(body, "py-%s-%d-%d" % (run_id, self.index, n)))
                r = conn.getresponse()
                raw = r.read()
                self.answer_bytes += len(raw)
                doc = json.loads(raw)
                if r.status != 200 or not doc.get("ok") or doc.get("count") != self.batch:
                    raise RuntimeError("answer %d: HTTP %d %s" % (n, r.status, raw[:300]))
                self.failed += len(doc.get("failed", []))
                self.ok += doc["count"] - len(doc.get("failed", []))
        except Exception as e:  # noqa: BLE001 - reported, and the run fails
            self.error = e
        finally:
            conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--operator", default="alice")
    ap.add_argument("--holders", type=int, default=1000)
    ap.add_argument("--connections", type=int, default=2)
    ap.add_argument("--batches", type=int, default=12, help="per connection")
    ap.add_argument("--batch", type=int, default=8000)
    ap.add_argument("--tag", default="py")
    a = ap.parse_args()
    with open(a.key) as f:
        key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(f.read().strip()))
    senders = [Sender(a.port, a.operator, key, build_bodies(a.holders, a.batches, a.batch, 0x5eed + i), a.batch, i)
               for i in range(a.connections)]
    t0 = time.perf_counter()
    for s in senders:
        s.start()
    for s in senders:
        s.join()
    wall = time.perf_counter() - t0
    errors = [s.error for s in senders if s.error]
    ok = sum(s.ok for s in senders)
    failed = sum(s.failed for s in senders)
    answer = sum(s.answer_bytes for s in senders)
    total = a.connections * a.batches * a.batch
    rate = ok / wall if wall > 0 else 0
    print("python %s client: %d transfers over %d connections in %.2f s: %.0f/s durable, %d failed, "
          "%.1f answer bytes per transfer" % (sys.version.split()[0], total, a.connections, wall, rate, failed,
                                              answer / total), file=sys.stderr)
    for e in errors:
        print("error: %s" % e, file=sys.stderr)
    print("RESULT %s_wall_s %.3f" % (a.tag, wall))
    print("RESULT %s_per_s %.0f" % (a.tag, rate))
    print("RESULT %s_failed %d" % (a.tag, failed + (total - ok - failed)))
    print("RESULT %s_answer_bytes_per_transfer %.2f" % (a.tag, answer / total))
    return 1 if errors or failed else 0


if __name__ == "__main__":
    sys.exit(main())
