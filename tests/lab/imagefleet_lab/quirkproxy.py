# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Registry dialects of the real services, in front of the lab registry (loopback only).

Three servers in one process:

- the quirk proxy (127.0.0.1, HTTP or HTTPS): the fault proxy (faultproxy.py, its rules still apply)
  plus switchable behaviours of real registries, the `modes`:
    redirect           blob GET/HEAD answered 307 to the storage host with a signed URL
    mount_202|401|404|405   what a cross-repository mount is answered (202 opens a session)
    chunked_only       a PUT with a body is refused (400); data only through PATCH; OCI-Chunk-Min-Length
    monolithic_only    PATCH refused (405)
    no_chunked_te      a request with Transfer-Encoding: chunked is refused (411)
    max_body           a request body over `max_body` bytes is refused (413)
    relative_location  upload Locations are relative paths
    no_digest_header   Docker-Content-Digest is never sent
    json_manifests     manifests served as application/json
    oci_only           Docker manifest media types refused on PUT (415), as zot does by default
    basic_auth         every registry request needs Basic credentials (BASIC_USER / BASIC_PASSWORD), so
                       that a client has an Authorization header it must not forward to the storage host
- the storage host (127.0.0.2, HTTP or HTTPS with a certificate of a second CA): serves blobs for
  URLs the proxy signed, refuses any request carrying Authorization or Cookie (400, as S3 does), and
  with `storage_via_proxy` any request that did not come through the forward proxy (403); with
  `storage_head_refused` it refuses HEAD (403, as GHCR's storage does on GET-signed URLs);
- an HTTP forward proxy (127.0.0.1) that relays absolute-form requests to loopback hosts only.

Control (never forwarded): PUT /__proxy__/quirks {"modes": [...], "max_body": N, "rules": [...]}
replaces modes and fault rules and resets every counter; GET /__proxy__/stats.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlencode, urlsplit

from . import faultproxy
from .loopback import bounded_server, run

STORAGE_HOST = "127.0.0.2"
_BLOB = re.compile(r"^/v2/(.+)/blobs/(sha256:[0-9a-f]{64})$")
_STORAGE = re.compile(r"^/storage/(.+)/(sha256:[0-9a-f]{64})$")
_DOCKER_TYPES = ("application/vnd.docker.",)
_VIA = "X-Imagefleet-Lab-Via"
_CHUNK = 64 * 1024
MIN_CHUNK = 1024
BASIC_USER = "quirks"
BASIC_PASSWORD = "quirks-password"
_BASIC = "Basic " + base64.b64encode(f"{BASIC_USER}:{BASIC_PASSWORD}".encode()).decode()


class QuirkState(faultproxy.FaultState):
    def __init__(self, upstream: str, storage: str):
        super().__init__(upstream, [])
        self.storage = storage  # scheme://host:port of the storage host
        self.secret = secrets.token_bytes(16)
        self.via = secrets.token_hex(8)
        self.modes: set = set()
        self.max_body = 0
        self.counters: dict = {}

    def configure(self, config: dict) -> None:
        self.replace(config.get("rules") or [])
        with self.lock:
            self.modes = set(config.get("modes") or [])
            self.max_body = int(config.get("max_body") or 0)
            self.counters = {}

    def on(self, mode: str) -> bool:
        return mode in self.modes

    def count(self, name: str) -> None:
        with self.lock:
            self.counters[name] = self.counters.get(name, 0) + 1

    def sign(self, repository: str, digest: str) -> str:
        expires = str(int(time.time()) + 600)
        path = f"/storage/{repository}/{digest}"
        signature = hmac.new(self.secret, (path + expires).encode(), hashlib.sha256).hexdigest()
        return f"{self.storage}{path}?" + urlencode({"X-Expires": expires, "X-Signature": signature})

    def signed(self, path: str, query: dict) -> bool:
        expires = (query.get("X-Expires") or ["0"])[0]
        wanted = hmac.new(self.secret, (path + expires).encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(wanted, (query.get("X-Signature") or [""])[0]) and int(expires) > time.time()

    def stats(self) -> dict:
        answer = super().stats()
        with self.lock:
            answer.update(modes=sorted(self.modes), max_body=self.max_body, counters=dict(self.counters))
        return answer


def _error(code: str, message: str) -> bytes:
    return json.dumps({"errors": [{"code": code, "message": message}]}).encode()


class QuirkHandler(faultproxy.Handler):
    server_version = "imagefleet-quirk-proxy"
    state: QuirkState
    scheme = "http"

    def _refuse(self, status: int, code: str, message: str, counter: str, extra: dict | None = None):
        self._read_body()  # drained first, as nginx's lingering close lets a client read the answer
        self.state.count(counter)
        self._answer(status, _error(code, message), extra=extra)

    def _handle(self):
        path, _sep, query = self.path.partition("?")
        if path == faultproxy.CONTROL + "quirks" and self.command == "PUT":
            self.state.configure(json.loads(self._read_body() or b"{}"))
            self._answer(200, json.dumps(self.state.stats()).encode())
            return
        if not path.startswith(faultproxy.CONTROL) and self._quirk(path, parse_qs(query)):
            return
        super()._handle()

    def _quirk(self, path: str, query: dict) -> bool:
        """Answer the request here when a mode says so; False to forward it."""
        state, method = self.state, self.command
        length = int(self.headers.get("Content-Length") or 0)
        if state.on("basic_auth") and self.headers.get("Authorization") != _BASIC:
            self._refuse(401, "UNAUTHORIZED", "authentication required", "refused_401",
                         {"WWW-Authenticate": 'Basic realm="quirks"'})
        elif state.on("no_chunked_te") and self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self._refuse(411, "LENGTH_REQUIRED", "Transfer-Encoding: chunked is not accepted", "refused_411")
        elif state.max_body and length > state.max_body:
            self._refuse(413, "SIZE_INVALID", f"body over {state.max_body} bytes", "refused_413")
        elif state.on("redirect") and method in ("GET", "HEAD") and _BLOB.match(path):
            state.count("redirected")
            self._answer(307, b"", extra={"Location": state.sign(*_BLOB.match(path).groups())})
        elif method == "POST" and "mount" in query and self._mount(path):
            pass
        elif state.on("chunked_only") and method == "PUT" and "/blobs/uploads/" in path and length > 0:
            self._refuse(400, "BLOB_UPLOAD_INVALID", "monolithic uploads are not supported; use PATCH", "refused_put")
        elif state.on("monolithic_only") and method == "PATCH":
            self._refuse(405, "UNSUPPORTED", "chunked uploads are not supported", "refused_patch")
        elif state.on("oci_only") and method == "PUT" and "/manifests/" in path and \
                (self.headers.get("Content-Type") or "").startswith(_DOCKER_TYPES):
            self._refuse(415, "MANIFEST_INVALID", "manifest media type not supported", "refused_docker")
        else:
            if method == "PATCH":
                state.count("patch")
            return False
        return True

    def _mount(self, path: str) -> bool:
        state = self.state
        for status in (401, 404, 405):
            if state.on(f"mount_{status}"):
                extra = {}
                if status == 401:
                    extra["WWW-Authenticate"] = (f'Bearer realm="{self.scheme}://{self.headers.get("Host")}/token",'
                                                 'service="quirks",error="insufficient_scope"')
                code = {401: "UNAUTHORIZED", 404: "BLOB_UNKNOWN", 405: "UNSUPPORTED"}[status]
                self._refuse(status, code, "mount refused by the quirk proxy", f"mount_{status}", extra)
                return True
        if state.on("mount_202"):
            # Open a plain session upstream instead of mounting, as ECR and GCR do.
            state.count("mount_202")
            self.path = path
        return False

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def rewrite_header(self, key: str, value: str) -> str | None:
        state, name = self.state, key.lower()
        if name == "location":
            # distribution builds Locations from the Host it was sent (this proxy's) and plain http.
            for origin in (state.upstream, self.headers.get("Host", "")):
                value = value.replace("http://" + origin, f"{self.scheme}://{self.headers.get('Host', '')}")
            if state.on("relative_location"):
                parts = urlsplit(value)
                value = parts.path + ("?" + parts.query if parts.query else "")
            return value
        if name == "docker-content-digest" and state.on("no_digest_header"):
            return None
        if name == "content-type" and state.on("json_manifests") and "/manifests/" in self.path:
            return "application/json"
        return value

    def extra_headers(self, status: int) -> dict:
        if self.state.on("chunked_only") and self.command == "POST" and status == 202:
            return {"OCI-Chunk-Min-Length": str(MIN_CHUNK)}
        return {}


class _LabHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: QuirkState

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        del format, args  # quiet: tests read the counters


class StorageHandler(_LabHandler):
    """Object storage: signed URLs only, no Authorization, optionally only through the forward proxy."""

    server_version = "imagefleet-lab-storage"

    def _answer(self, status: int, message: str):
        body = f"<Error><Message>{message}</Message></Error>".encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self):
        state = self.state
        state.count("storage_requests")
        url = urlsplit(self.path)
        if self.headers.get("Authorization") or self.headers.get("Cookie"):
            state.count("storage_with_credentials")
            self._answer(400, "Only one auth mechanism allowed")
            return
        if state.on("storage_via_proxy") and self.headers.get(_VIA) != state.via:
            state.count("storage_direct_refused")
            self._answer(403, "this storage host is reachable through the proxy only")
            return
        match = _STORAGE.match(url.path)
        if not match or not state.signed(url.path, parse_qs(url.query)):
            state.count("storage_unsigned")
            self._answer(403, "SignatureDoesNotMatch")
            return
        if self.command == "HEAD" and state.on("storage_head_refused"):
            state.count("storage_head_refused")
            self._answer(403, "SignatureDoesNotMatch (signed for GET)")
            return
        self._serve(*match.groups())

    def _serve(self, repository: str, digest: str):
        host, port = self.state.upstream.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        headers = {"Range": self.headers["Range"]} if self.headers.get("Range") else {}
        try:
            conn.request(self.command, f"/v2/{repository}/blobs/{digest}", headers=headers)
            response = conn.getresponse()
            self.send_response(response.status)
            for key in ("Content-Length", "Content-Range", "ETag"):
                if response.getheader(key):
                    self.send_header(key, response.getheader(key))
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            if self.command != "HEAD":
                while True:
                    piece = response.read(_CHUNK)
                    if not piece:
                        break
                    self.wfile.write(piece)
        finally:
            conn.close()

    do_GET = do_HEAD = _handle


class ForwardProxyHandler(_LabHandler):
    """A plain HTTP forward proxy (absolute-form requests) to loopback hosts; no CONNECT."""

    server_version = "imagefleet-lab-forward-proxy"

    def _handle(self):
        url = urlsplit(self.path)
        self.state.count("forwarded:" + (url.netloc or "?"))
        if url.scheme != "http" or not (url.hostname or "").startswith("127."):
            self.send_error(502, "the lab proxy relays to loopback http only")
            return
        headers = {k: v for k, v in self.headers.items() if not k.lower().startswith("proxy-") and k.lower() != "connection"}
        headers[_VIA] = self.state.via
        conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=60)
        try:
            conn.request(self.command, url.path + ("?" + url.query if url.query else ""), headers=headers)
            response = conn.getresponse()
            body = response.read()
            self.send_response(response.status)
            for key, value in response.getheaders():
                if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(key, value)
            # A HEAD answer keeps the size of what a GET would send.
            self.send_header("Content-Length", response.getheader("Content-Length") if self.command == "HEAD" else str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        finally:
            conn.close()

    do_GET = do_HEAD = _handle


def serve(upstream: str, port: int, storage_port: int, forward_port: int, lifetime: float = 900,
          proxy_tls: tuple | None = None, storage_tls: tuple | None = None) -> None:
    """Serve the three servers until lifetime seconds have passed (blocking)."""
    storage = f"{'https' if storage_tls else 'http'}://{STORAGE_HOST}:{storage_port}"
    state = QuirkState(upstream, storage)
    proxy = type("BoundQuirkHandler", (QuirkHandler,), {"state": state, "scheme": "https" if proxy_tls else "http"})
    servers = [
        bounded_server(type("BoundStorage", (StorageHandler,), {"state": state}), storage_port, lifetime,
                       host=STORAGE_HOST, tls=storage_tls),
        bounded_server(type("BoundForward", (ForwardProxyHandler,), {"state": state}), forward_port, lifetime),
    ]
    for server in servers:
        threading.Thread(target=run, args=(server,), daemon=True).start()
    run(bounded_server(proxy, port, lifetime, tls=proxy_tls))
