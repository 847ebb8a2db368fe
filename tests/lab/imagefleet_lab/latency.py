# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A latency proxy in front of a lab registry, on 127.0.0.1 only: every request waits one stated round trip
before it is forwarded, as with a registry in another region, and is counted.

Bodies stream both ways in 64 KiB pieces (a 1 GiB layer never sits in memory); client connections are kept
alive, each with its own kept-alive upstream connection; one thread per client connection. The upstream's
absolute URLs in Location, Link and WWW-Authenticate are rewritten to the proxy's own address, so uploads,
pagination and token realms come back through it.

Counters: every request by kind (`classify`: manifest GET/HEAD/PUT, blob GET/HEAD, upload POST/PATCH/PUT, mount,
tags, catalog, ping, other) and in total. Control (never delayed, never counted): GET /__latency__/stats,
POST /__latency__/reset (answers the counters as they were, then zeroes them). The process exits after --lifetime
seconds; upstream calls time out.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from .loopback import bounded_server, run

CONTROL = "/__latency__/"
_CHUNK = 64 * 1024
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection",
               "proxy-authenticate", "proxy-authorization", "expect", "content-length"}
_REWRITTEN = {"location", "link", "www-authenticate"}
_UPSTREAM_TIMEOUT = 300
_NAME = r"/v2/(?:[^?]+?)"


def classify(method: str, path: str) -> str:
    """The kind of a registry API request, e.g. 'manifest GET', 'blob HEAD', 'upload PATCH', 'mount'.
    Shared with bench/bench.py, which classifies the registry's access log the same way."""
    method = method.upper()
    parts = urlsplit(path)
    route = parts.path
    if route.rstrip("/") == "/v2":
        return "ping"
    if route == "/v2/_catalog":
        return "catalog"
    if re.fullmatch(_NAME + r"/tags/list", route):
        return "tags"
    if re.fullmatch(_NAME + r"/manifests/[^/]+", route):
        return f"manifest {method}"
    if re.fullmatch(_NAME + r"/blobs/uploads/?", route):
        return "mount" if method == "POST" and "mount" in parse_qs(parts.query) else f"upload {method}"
    if re.fullmatch(_NAME + r"/blobs/uploads/[^/]+", route):
        return f"upload {method}"
    if re.fullmatch(_NAME + r"/blobs/[^/]+", route):
        return f"blob {method}"
    return "other"


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.kinds: dict[str, int] = {}

    def count(self, method: str, path: str) -> None:
        kind = classify(method, path)
        with self.lock:
            self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def snapshot(self, reset: bool = False) -> dict:
        with self.lock:
            kinds = dict(sorted(self.kinds.items()))
            if reset:
                self.kinds = {}
        return {"total": sum(kinds.values()), "kinds": kinds}


class LatencyState:
    def __init__(self, upstream: str, delay_ms: float):
        self.upstream = upstream
        self.delay = max(0.0, delay_ms) / 1000
        self.counters = Counters()

    def stats(self, reset: bool = False) -> dict:
        return dict(self.counters.snapshot(reset), upstream=self.upstream, delay_ms=self.delay * 1000)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server_version = "imagefleet-latency-proxy"
    disable_nagle_algorithm = True  # headers and body go in separate writes: no delayed-ACK stall per request
    state: LatencyState  # set on the subclass made by server()
    _upstream_conn: http.client.HTTPConnection | None = None

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        del format, args  # quiet: the counters say what passed

    def finish(self):
        super().finish()
        if self._upstream_conn is not None:
            self._upstream_conn.close()

    # -- control -------------------------------------------------------------

    def _answer(self, status: int, document: dict) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _control(self, path: str) -> None:
        if path == CONTROL + "stats" and self.command in ("GET", "HEAD"):
            self._answer(200, self.state.stats())
        elif path == CONTROL + "reset" and self.command == "POST":
            self._answer(200, self.state.stats(reset=True))
        else:
            self._answer(404, {"error": "unknown control path"})

    # -- forwarding ------------------------------------------------------------

    def _connection(self, fresh: bool) -> http.client.HTTPConnection:
        if fresh or self._upstream_conn is None:
            if self._upstream_conn is not None:
                self._upstream_conn.close()
            host, port = self.state.upstream.rsplit(":", 1)
            self._upstream_conn = http.client.HTTPConnection(host, int(port), timeout=_UPSTREAM_TIMEOUT)
        return self._upstream_conn

    def _request_headers(self) -> dict:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP and k.lower() != "host"}
        headers["Host"] = self.state.upstream
        return headers

    def _send_request(self, conn: http.client.HTTPConnection, headers: dict, chunked: bool, length: int) -> None:
        """The request line, headers and body (streamed from the client) to the upstream."""
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for key, value in headers.items():
            conn.putheader(key, value)
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        elif length or self.command in ("PUT", "POST", "PATCH"):
            conn.putheader("Content-Length", str(length))
        conn.endheaders()
        if chunked:
            while True:
                size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass  # trailers: dropped
                    conn.send(b"0\r\n\r\n")
                    return
                conn.send(b"%x\r\n" % size)
                self._pipe_exact(size, conn.send)
                conn.send(b"\r\n")
                self.rfile.readline(1024)
        else:
            self._pipe_exact(length, conn.send)

    def _pipe_exact(self, size: int, send) -> None:
        while size > 0:
            piece = self.rfile.read(min(size, _CHUNK))
            if not piece:
                raise ConnectionError("client went away")
            send(piece)
            size -= len(piece)

    def rewrite(self, value: str) -> str:
        """The upstream's absolute URLs pointed at this proxy (the address the client used)."""
        own = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
        return value.replace("//" + self.state.upstream, "//" + own)

    def _relay_response(self, response: http.client.HTTPResponse) -> None:
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() in _HOP_BY_HOP:
                continue
            self.send_header(key, self.rewrite(value) if key.lower() in _REWRITTEN else value)
        length = response.getheader("Content-Length")
        bodiless = self.command == "HEAD" or response.status in (204, 304) or 100 <= response.status < 200
        if bodiless:
            if length is not None:
                self.send_header("Content-Length", length)
            self.end_headers()
            return
        if length is not None:
            self.send_header("Content-Length", length)
            self.end_headers()
            remaining = int(length)
            while remaining > 0:
                piece = response.read(min(_CHUNK, remaining))
                if not piece:
                    raise ConnectionError("upstream went away")
                self.wfile.write(piece)
                remaining -= len(piece)
            return
        # No length (chunked or until close upstream): chunked to the client, piece by piece.
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        while True:
            piece = response.read1(_CHUNK) if hasattr(response, "read1") else response.read(_CHUNK)
            if not piece:
                break
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def _handle(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith(CONTROL):
            self._control(path)
            return
        self.state.counters.count(self.command, self.path)
        if self.state.delay:
            time.sleep(self.state.delay)
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        length = int(self.headers.get("Content-Length") or 0)
        has_body = chunked or length > 0
        headers = self._request_headers()
        try:
            reused = self._upstream_conn is not None
            try:
                conn = self._connection(fresh=False)
                self._send_request(conn, headers, chunked, length)
                response = conn.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive upstream connection closed while idle: once more on a fresh one, when nothing of a
                # body has been consumed from the client yet.
                if not reused or has_body:
                    raise
                conn = self._connection(fresh=True)
                self._send_request(conn, headers, chunked, length)
                response = conn.getresponse()
            try:
                self._relay_response(response)
            finally:
                response.close()
            if response.will_close:
                self._connection(fresh=True)
        except (ConnectionError, socket.timeout, http.client.HTTPException, OSError, ValueError):
            # Nothing sensible can be said in the middle of a relayed answer: close, as a network would.
            self.close_connection = True
            if self._upstream_conn is not None:
                self._upstream_conn.close()
                self._upstream_conn = None

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


def server(upstream: str, delay_ms: float, port: int = 0, lifetime: float = 3600):
    """A latency proxy bound to 127.0.0.1:port (not yet serving); its state is server.RequestHandlerClass.state."""
    handler = type("BoundHandler", (Handler,), {"state": LatencyState(upstream, delay_ms)})
    proxy = bounded_server(handler, port, lifetime)
    return proxy


def serve(upstream: str, delay_ms: float, port: int = 0, lifetime: float = 3600) -> None:
    """Serve until lifetime seconds have passed (blocking)."""
    run(server(upstream, delay_ms, port, lifetime))
