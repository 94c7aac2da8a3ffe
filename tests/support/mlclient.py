"""mlclient - an independent signer for mintline's API (Python `cryptography`).

Tests use it to drive a node with raw signed HTTP, so that the node's
signature check is proven against a second Ed25519 implementation.
"""
import hashlib
import http.client
import json
import os
import secrets
import select
import time
from base64 import b64encode

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def load_key(path):
    with open(path) as f:
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(f.read().strip()))


class Client:
    def __init__(self, host, port, operator, key, keepalive=False):
        self.host, self.port, self.operator, self.key = host, port, operator, key
        # keepalive: reuse one HTTP/1.1 connection (the node serves one
        # thread per connection, so this is much faster for many reads).
        self.keepalive = keepalive
        self._conn = None

    def headers(self, method, path, body, *, time_ms=None, nonce=None, operator=None, key=None):
        time_ms = str(int(time.time() * 1000)) if time_ms is None else str(time_ms)
        nonce = secrets.token_hex(16) if nonce is None else nonce
        msg = "mintline-v1\n%s\n%s\n%s\n%s\n%s" % (
            method, path, time_ms, nonce, hashlib.sha256(body).hexdigest())
        sig = (key or self.key).sign(msg.encode())
        return {
            "Mintline-Operator": operator or self.operator,
            "Mintline-Time": time_ms,
            "Mintline-Nonce": nonce,
            "Mintline-Signature": b64encode(sig).decode(),
            "Content-Type": "application/json",
        }

    def raw(self, method, path, body=b"", headers=None, timeout=30):
        if self.keepalive:
            return self._raw_keepalive(method, path, body, headers, timeout)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, self._decode(data)

    def _dropped(self):
        """True when the node has closed our idle connection (it closes
        connections idle for LIMIT_HTTP_IDLE_TIMEOUT_S): an idle socket that
        is readable has reached its end."""
        sock = self._conn.sock if self._conn is not None else None
        if sock is None:
            return False
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)

    def _raw_keepalive(self, method, path, body, headers, timeout):
        if self._dropped():
            self.close()
        for attempt in (0, 1):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            try:
                self._conn.request(method, path, body=body, headers=headers or {})
                r = self._conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                return r.status, self._decode(data)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The node closed an idle connection: retry a read once on a
                # new one (never a command: it may have been applied).
                self.close()
                if attempt or method != "GET":
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @staticmethod
    def _decode(data):
        try:
            return json.loads(data)
        except ValueError:
            return data.decode(errors="replace")

    def call(self, method, path, doc=None, **kw):
        body = b"" if doc is None else (doc if isinstance(doc, bytes) else json.dumps(doc).encode())
        return self.raw(method, path, body, self.headers(method, path, body, **kw))

    def command(self, doc, **kw):
        return self.call("POST", "/api/commands", doc, **kw)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)
