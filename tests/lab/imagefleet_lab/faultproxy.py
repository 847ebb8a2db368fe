# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A fault-injecting HTTP proxy in front of the lab registry, on 127.0.0.1 only.

Rules decide, per request, whether to forward it untouched or to break it:

  {"method": "GET|PUT|...|*", "path": "<regex searched in the path>",
   "action": "status|drop|drop_body|corrupt|hang|slow|serve",
   "every": N,        # act on the 1st, N+1th, 2N+1th... matching request (1 = all), so retries can succeed
   "times": K,        # act at most K times (null = no limit)
   "status": 503, "retry_after": "1",           # status / serve
   "body": "...", "content_type": "text/html",   # serve
   "pad": N,                                     # serve: N spaces before the body's last character
   "headers": {"WWW-Authenticate": "..."},       # status / serve: extra response headers
   "delay": 5.0,                                 # hang (capped at 120 s)
   "rate": 262144}                               # slow: bytes per second both ways

Control endpoints (never forwarded): GET /__proxy__/stats, PUT /__proxy__/rules
(a JSON list; replaces the rules and resets the counters). Everything is bounded:
the process exits after --lifetime seconds, upstream calls time out.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler

from .loopback import serve_bounded

CONTROL = "/__proxy__/"
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}
_MAX_HANG = 120.0
_CHUNK = 64 * 1024


class Rule:
    def __init__(self, spec: dict):
        self.spec = spec
        self.method = spec.get("method", "*").upper()
        self.path = re.compile(spec.get("path", ""))
        self.action = spec["action"]
        self.every = max(1, int(spec.get("every", 1)))
        self.times = spec.get("times")
        self.seen = 0
        self.applied = 0

    def fires(self, method: str, path: str) -> bool:
        """Count a matching request; True when this one is to be broken. Caller holds the lock."""
        if self.method not in ("*", method) or not self.path.search(path):
            return False
        self.seen += 1
        if (self.seen - 1) % self.every or (self.times is not None and self.applied >= self.times):
            return False
        self.applied += 1
        return True

    def as_dict(self) -> dict:
        return dict(self.spec, seen=self.seen, applied=self.applied)


class FaultState:
    def __init__(self, upstream: str, rules: list):
        self.upstream = upstream
        self.lock = threading.Lock()
        self.rules = [Rule(r) for r in rules]
        self.requests: dict[str, int] = {}

    def pick(self, method: str, path: str) -> Rule | None:
        with self.lock:
            self.requests[method] = self.requests.get(method, 0) + 1
            fired = None
            for rule in self.rules:
                # Every rule counts what it matches; the first that fires wins.
                if rule.fires(method, path) and fired is None:
                    fired = rule
            return fired

    def replace(self, rules: list) -> None:
        compiled = [Rule(r) for r in rules]
        with self.lock:
            self.rules = compiled
            self.requests = {}

    def stats(self) -> dict:
        with self.lock:
            return {"upstream": self.upstream, "requests": dict(self.requests),
                    "rules": [r.as_dict() for r in self.rules],
                    "faults": sum(r.applied for r in self.rules)}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "imagefleet-fault-proxy"
    state: FaultState  # set on the subclass made by serve()

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        del format, args  # quiet: tests read /__proxy__/stats

    # -- request body --------------------------------------------------------

    def _read_body(self, rate: float | None = None, limit: int | None = None) -> bytes:
        """The request body (Content-Length or chunked); stop after `limit` bytes when given."""
        parts, total = [], 0
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                parts.append(self._read_exact(size, rate))
                total += size
                self.rfile.readline()
                if limit is not None and total >= limit:
                    break
        else:
            remaining = int(self.headers.get("Content-Length") or 0)
            if limit is not None:
                remaining = min(remaining, limit)
            parts.append(self._read_exact(remaining, rate))
        return b"".join(parts)

    def _read_exact(self, size: int, rate: float | None) -> bytes:
        parts = []
        while size > 0:
            piece = self.rfile.read(min(size, _CHUNK))
            if not piece:
                raise ConnectionError("client went away")
            parts.append(piece)
            size -= len(piece)
            if rate:
                time.sleep(len(piece) / rate)
        return b"".join(parts)

    # -- answers -------------------------------------------------------------

    def _answer(self, status: int, body: bytes, content_type: str = "application/json", extra: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _control(self, path: str):
        if path == CONTROL + "stats":
            self._answer(200, json.dumps(self.state.stats()).encode())
        elif path == CONTROL + "rules" and self.command == "PUT":
            self.state.replace(json.loads(self._read_body() or b"[]"))
            self._answer(200, json.dumps(self.state.stats()).encode())
        else:
            self._answer(404, b'{"error": "unknown control path"}')

    def _forward(self, body: bytes, rule: Rule | None):
        action = rule.action if rule else None
        rate = float(rule.spec.get("rate", 256 * 1024)) if action == "slow" else None
        host, port = self.state.upstream.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP and k.lower() != "content-length"}
        if body or self.command in ("PUT", "POST", "PATCH"):
            headers["Content-Length"] = str(len(body))
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            response = conn.getresponse()
            length = response.getheader("Content-Length")
            payload = None if length is not None or self.command == "HEAD" else response.read()
            self.send_response(response.status)
            for key, value in response.getheaders():
                if key.lower() in _HOP_BY_HOP or key.lower() == "content-length":
                    continue
                value = self.rewrite_header(key, value)
                if value is not None:
                    self.send_header(key, value)
            for key, value in self.extra_headers(response.status).items():
                self.send_header(key, value)
            size = int(length) if length is not None else len(payload or b"")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            if self.command == "HEAD":
                return
            self._relay(response, payload, size, action, rate)
        finally:
            conn.close()

    def rewrite_header(self, key: str, value: str) -> str | None:
        """A response header as relayed (None drops it); subclasses change dialects here."""
        if key.lower() == "location":
            # Keep redirects and upload sessions coming back through the proxy.
            value = value.replace("//" + self.state.upstream, "//" + self.headers.get("Host", ""))
        return value

    def extra_headers(self, status: int) -> dict:
        """Headers to add to a relayed response."""
        del status
        return {}

    def _relay(self, response, payload, size, action, rate):
        sent = 0
        while sent < size:
            piece = payload[sent:sent + _CHUNK] if payload is not None else response.read(min(_CHUNK, size - sent))
            if not piece:
                break
            if action == "drop_body" and sent + len(piece) >= size // 2:
                self.wfile.write(piece[:max(0, size // 2 - sent)])
                self.wfile.flush()
                self._drop()
                return
            if action == "corrupt" and sent <= size // 2 < sent + len(piece):
                at = size // 2 - sent
                piece = piece[:at] + bytes([piece[at] ^ 0xFF]) + piece[at + 1:]
            self.wfile.write(piece)
            sent += len(piece)
            if rate:
                time.sleep(len(piece) / rate)

    def _handle(self):
        path = self.path.split("?", 1)[0]
        if path.startswith(CONTROL):
            self._control(path)
            return
        rule = self.state.pick(self.command, path)
        action = rule.action if rule else None
        try:
            if action == "drop":
                # Take part of an upload body first, as a connection lost mid-upload would.
                self._read_body(limit=_CHUNK)
                self._drop()
                return
            if action == "hang":
                time.sleep(min(float(rule.spec.get("delay", 30)), _MAX_HANG))
                self._drop()
                return
            body = self._read_body(rate=float(rule.spec.get("rate", 256 * 1024)) if action == "slow" else None)
            if action == "status":
                status = int(rule.spec.get("status", 503))
                extra = dict(rule.spec.get("headers") or {})
                if rule.spec.get("retry_after") is not None:
                    extra["Retry-After"] = str(rule.spec["retry_after"])
                code = {429: "TOOMANYREQUESTS", 401: "UNAUTHORIZED"}.get(status, "UNAVAILABLE")
                self._answer(status, json.dumps({"errors": [{"code": code, "message": "injected by the fault proxy"}]}).encode(),
                             extra=extra)
                return
            if action == "serve":
                text = rule.spec.get("body", "")
                text = text[:-1] + " " * int(rule.spec.get("pad", 0)) + text[-1:]
                self._answer(int(rule.spec.get("status", 200)), text.encode(), rule.spec.get("content_type", "text/html"))
                return
            self._forward(body, rule)
        except (ConnectionError, socket.timeout, http.client.HTTPException, OSError):
            self._drop()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


def serve(upstream: str, rules: list, port: int = 0, lifetime: float = 900) -> None:
    """Serve on 127.0.0.1:port until lifetime seconds have passed (blocking)."""
    handler = type("BoundHandler", (Handler,), {"state": FaultState(upstream, rules)})
    serve_bounded(handler, port, lifetime)
