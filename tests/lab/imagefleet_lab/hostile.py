# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A registry that misbehaves on purpose, for the security tests; loopback only.

Several listeners share one recorder that keeps, for every request, the listener
(scheme, address, port), method, path and which Authorization scheme it carried:

  tls             https 127.0.0.1  a registry with Basic auth (the lab CA signs its certificate)
  plain           http  127.0.0.1  a registry with bearer tokens; its realm is its own /token
  other_port      http  127.0.0.1  "another port": records and answers 404
  other_port_tls  https 127.0.0.1  the same over TLS
  other_host      http  127.0.0.2  "another host"
  other_host_tls  https 127.0.0.2

The registries choose what to do from the repository named in the path:

  loc-TARGET/app       upload POST answers 202 with Location on TARGET (a listener name, or `downgrade`:
                       plain HTTP to the TLS registry's own host and port)
  link-TARGET/app      tags page 1 has Link rel="next" on TARGET; page 2 (on the registry itself) ends it
  link-endless/app     every tags page links to a new one;   link-loop/app: a page links to itself
  tags-huge/app        a 64 MiB tag list, chunked;          tags-type/app: {"tags": "not a list"}
  token-huge/app       (plain) its token answer is 10 MiB
  realm-http/app       (tls) 401 with a bearer realm on plain HTTP (other_port)
  upload-no-location   upload POST answers 202 without Location
  blob-endless/app     a v2s2 image whose layer body never ends
  manifest-slow/app    the manifest body comes at 4 bytes a second; headers-slow/app: its headers do
  bad-digest-N/app     v2s2 manifests whose layer digest is hostile (BAD_DIGESTS[N])
  good/app             a small valid v2s2 image; the catalog and its tags also list names no registry may use

Control (never recorded, no auth): GET /__hostile__/log, POST /__hostile__/reset. The process exits
after --lifetime seconds; every endless answer stops after a bound or when the client goes away.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .fixtures import TOP_CONFIG
from .images import image_config, image_manifest, make_layer, sha256_digest

CONTROL = "/__hostile__/"
TOKEN = "hostile-token-for-the-user"
ANONYMOUS_TOKEN = "hostile-token-anonymous"
REGISTRIES = ("tls", "plain")
BAD_DIGESTS = (
    "sha256:x/../../../../../v2/_catalog",
    "sha256:" + "a" * 64 + "?x=1",
    "sha256:" + "A" * 64,
    "md5:" + "a" * 32,
    "sha256:" + "a" * 64 + "\n",
)
CATALOG = ["good/app", "../etc/passwd", "a%2Fb", "bad\nname", "\x1b]0;pwned\x07x", "<script>alert(1)</script>",
           "\u00fcnicode/app", "UPPER/case"]
GOOD_TAGS = ["1", "2"]
BAD_TAGS = ["..", "a%2Fb", "x\n", "\x1b[31mred", "<b>bold</b>", "t\u00e5g", "-dash"]
_ENDLESS_CAP = 2 * 1024 * 1024 * 1024
_SLOW_CAP = 120.0


def _image():
    layer = make_layer("hostile/good", 4096)
    config = image_config([layer], TOP_CONFIG, "amd64")
    return layer, config, image_manifest(config, [layer])


class State:
    def __init__(self, config: dict):
        self.config = config
        self.lock = threading.Lock()
        self.records: list = []
        self.pushed: dict = {}  # repository:reference -> (media type, manifest) pushed to a destination scenario
        self.layer, self.config_blob, self.manifest = _image()
        self.blobs = {self.layer.digest: self.layer.blob, sha256_digest(self.config_blob): self.config_blob}
        # blob-endless: a manifest naming a 1000-byte layer whose body never ends.
        self.endless_digest = sha256_digest(b"e" * 1000)
        doc = json.loads(self.manifest)
        doc["layers"][0].update(digest=self.endless_digest, size=1000)
        self.endless_manifest = json.dumps(doc, indent=3).encode()
        self.bad_manifests = []
        for bad in BAD_DIGESTS:
            doc = json.loads(self.manifest)
            doc["layers"][0]["digest"] = bad
            self.bad_manifests.append(json.dumps(doc, indent=3).encode())

    def base(self, name: str, scheme: str | None = None) -> str:
        listener = self.config["listeners"][name]
        return "%s://%s:%d" % (scheme or ("https" if listener["tls"] else "http"), listener["host"], listener["port"])

    def record(self, entry: dict) -> None:
        with self.lock:
            self.records.append(entry)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "imagefleet-hostile"
    disable_nagle_algorithm = True  # headers and body go in separate writes: no 40 ms delayed-ACK stall per request
    state: State
    name: str  # the listener

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        del format, args

    # -- answers -------------------------------------------------------------

    def _send(self, status: int, body: bytes = b"", content_type: str = "application/json", headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, doc, headers: dict | None = None):
        self._send(status, json.dumps(doc).encode(), headers=headers)

    def _error(self, status: int, code: str, headers: dict | None = None):
        self._json(status, {"errors": [{"code": code, "message": "hostile registry: %s" % code}]}, headers)

    def _chunked(self, pieces, rate: float | None = None):
        """A chunked body from an iterator; stops when the client goes away."""
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for piece in pieces:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
                if rate:
                    time.sleep(len(piece) / rate)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        self.close_connection = True

    # -- auth ----------------------------------------------------------------

    def _authorized(self) -> bool:
        config = self.state.config
        given = self.headers.get("Authorization") or ""
        if self.name == "tls":
            expected = base64.b64encode(("%s:%s" % (config["user"], config["password"])).encode()).decode()
            return given == "Basic " + expected
        return given in ("Bearer " + TOKEN, "Bearer " + ANONYMOUS_TOKEN)

    def _challenge(self):
        if self.name == "tls":
            header = 'Basic realm="hostile"'
        else:
            header = 'Bearer realm="%s/token",service="hostile"' % self.state.base("plain")
        self._error(401, "UNAUTHORIZED", {"WWW-Authenticate": header})

    def _token(self, query: dict):
        if any("token-huge" in scope for scope in query.get("scope", [])):
            self._chunked(b'{"token": "' if i == 0 else b"t" * 65536 for i in range(161))
            return
        config = self.state.config
        given = self.headers.get("Authorization")
        if not given:
            self._json(200, {"token": ANONYMOUS_TOKEN, "expires_in": 300})
        elif given == "Basic " + base64.b64encode(("%s:%s" % (config["user"], config["password"])).encode()).decode():
            self._json(200, {"token": TOKEN, "expires_in": 300})
        else:
            self._error(401, "UNAUTHORIZED")

    # -- registry ------------------------------------------------------------

    def _target(self, name: str) -> str:
        if name == "downgrade":
            return self.state.base(self.name, "http")
        return self.state.base(name) if name in self.state.config["listeners"] else self.state.base(self.name)

    def _tags(self, repository: str, query: dict):
        scenario = repository.split("/", 1)[0]
        last = int(query.get("last", ["0"])[0] or 0)
        if repository == "good/app":
            self._json(200, {"name": repository, "tags": GOOD_TAGS + BAD_TAGS})
        elif scenario == "tags-huge":
            entries = (b'"' + b"a" * 1000 + b'",') * 64
            self._chunked(b'{"tags": [' if i == 0 else entries for i in range(1100))
        elif scenario == "tags-type":
            self._json(200, {"name": repository, "tags": "not a list"})
        elif scenario == "link-endless":
            self._json(200, {"name": repository, "tags": ["t%d" % last]},
                       {"Link": '</v2/%s/tags/list?n=1&last=%d>; rel="next"' % (repository, last + 1)})
        elif scenario == "link-loop":
            self._json(200, {"name": repository, "tags": ["t"]}, {"Link": '<%s>; rel="next"' % self.path})
        elif scenario.startswith("link-") and not last:
            target = self._target(scenario[len("link-"):])
            self._json(200, {"name": repository, "tags": ["1"]},
                       {"Link": '<%s/v2/%s/tags/list?n=1&last=1>; rel="next"' % (target, repository)})
        else:
            self._json(200, {"name": repository, "tags": ["2"] if last else ["1"]})

    def _manifest(self, repository: str, reference: str):
        scenario = repository.split("/", 1)[0]
        media_type = "application/vnd.docker.distribution.manifest.v2+json"
        body = None
        if repository == "good/app" and reference in GOOD_TAGS + [sha256_digest(self.state.manifest)]:
            body = self.state.manifest
        elif scenario == "blob-endless":
            body = self.state.endless_manifest
        elif scenario.startswith("bad-digest-"):
            body = self.state.bad_manifests[int(scenario[len("bad-digest-"):])]
        elif scenario == "manifest-slow":
            self.send_response(200)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(self.state.manifest)))
            self.end_headers()
            self._trickle(self.state.manifest)
            return
        elif scenario == "headers-slow":
            self._trickle(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"s" * 4096 + b"\r\n\r\n")
            return
        pushed = self.state.pushed.get("%s:%s" % (repository, reference))
        if body is None and pushed:
            media_type, body = pushed
        if body is None:
            self._error(404, "MANIFEST_UNKNOWN")
            return
        self._send(200, body, media_type, {"Docker-Content-Digest": sha256_digest(body)})

    def _trickle(self, data: bytes):
        """data (a body, or a whole answer with its headers) at four bytes a second (each read well within any
        timeout), for at most _SLOW_CAP seconds."""
        started = time.monotonic()
        try:
            for index in range(0, len(data), 2):
                if time.monotonic() - started > _SLOW_CAP:
                    break
                self.wfile.write(data[index:index + 2])
                self.wfile.flush()
                time.sleep(0.5)
        except OSError:
            pass
        self.close_connection = True

    def _blob(self, repository: str, digest: str):
        if repository.startswith("blob-endless/") and digest == self.state.endless_digest:
            if self.command == "HEAD":
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.end_headers()
                return
            self._chunked(b"e" * 65536 for _piece in range(_ENDLESS_CAP // 65536))
            return
        blob = self.state.blobs.get(digest)
        if blob is None or not (repository.startswith(("good/", "blob-endless/"))):
            self._error(404, "BLOB_UNKNOWN")
            return
        self._send(200, blob, "application/octet-stream", {"Docker-Content-Digest": digest})

    def _upload(self, repository: str):
        scenario = repository.split("/", 1)[0]
        self._read_body()
        if self.command == "POST":
            if scenario == "upload-no-location":
                self._send(202, b"")
                return
            target = self._target(scenario[len("loc-"):]) if scenario.startswith("loc-") else self.state.base(self.name)
            self._send(202, b"", headers={"Location": "%s/v2/%s/blobs/uploads/session-1?_state=x" % (target, repository)})
            return
        self._send(201, b"")

    def _read_body(self, keep: int = 4 * 1024 * 1024) -> bytes:
        """The request body (Content-Length or chunked); only its first `keep` bytes are kept."""
        kept = bytearray()
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if not size:
                    self.rfile.readline()
                    return bytes(kept)
                piece = self.rfile.read(size)
                self.rfile.readline()
                kept += piece[:max(0, keep - len(kept))]
        length = int(self.headers.get("Content-Length") or 0)
        while length > 0:
            piece = self.rfile.read(min(length, 65536))
            if not piece:
                break
            kept += piece[:max(0, keep - len(kept))]
            length -= len(piece)
        return bytes(kept)

    def _registry(self, path: str, query: dict):
        if path == "/token" and self.name == "plain":
            self._token(query)
            return
        if not path.startswith("/v2/"):
            self._error(404, "NOT_FOUND")
            return
        if path.startswith("/v2/realm-http/") and self.name == "tls":
            realm = "%s/token" % self.state.base("other_port")
            self._error(401, "UNAUTHORIZED", {"WWW-Authenticate": 'Bearer realm="%s",service="hostile"' % realm})
            return
        if not self._authorized():
            self._challenge()
            return
        if path == "/v2/":
            self._json(200, {})
            return
        if path == "/v2/_catalog":
            self._json(200, {"repositories": CATALOG})
            return
        match = re.match(r"^/v2/(.+)/(tags/list|manifests/([^/]+)|blobs/uploads/.*|blobs/([^/]+))$", path)
        if not match:
            self._error(404, "NOT_FOUND")
        elif match.group(2) == "tags/list":
            self._tags(match.group(1), query)
        elif match.group(3):
            if self.command == "PUT":
                body = self._read_body()
                with self.state.lock:
                    self.state.pushed["%s:%s" % (match.group(1), match.group(3))] = (self.headers.get("Content-Type"), body)
                self._send(201, b"", headers={"Docker-Content-Digest": sha256_digest(body)})
            else:
                self._manifest(match.group(1), match.group(3))
        elif match.group(2).startswith("blobs/uploads/"):
            self._upload(match.group(1))
        else:
            self._blob(match.group(1), match.group(4))

    def _handle(self):
        url = urlsplit(self.path)
        if url.path.startswith(CONTROL):
            if url.path == CONTROL + "reset":
                with self.state.lock:
                    self.state.records = []
            with self.state.lock:
                records = list(self.state.records)
            self._json(200, records)
            return
        listener = self.state.config["listeners"][self.name]
        authorization = self.headers.get("Authorization")
        self.state.record({"listener": self.name, "scheme": "https" if listener["tls"] else "http",
                           "host": listener["host"], "port": listener["port"], "method": self.command,
                           "path": url.path, "query": url.query,
                           "authorization": authorization.split(" ", 1)[0].lower() if authorization else None})
        try:
            if self.name in REGISTRIES:
                self._registry(url.path, parse_qs(url.query))
            else:
                self._read_body()
                self._error(404, "NOT_FOUND")
        except (OSError, ValueError):
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


def serve(config_path: str, lifetime: float = 900) -> None:
    """Serve every listener of the config until lifetime seconds have passed (blocking)."""
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    state = State(config)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(config["certificate"], config["key"])
    servers = []
    for name, listener in config["listeners"].items():
        handler = type("Hostile_" + name, (Handler,), {"state": state, "name": name})
        server = ThreadingHTTPServer((listener["host"], listener["port"]), handler)
        server.daemon_threads = True
        if listener["tls"]:
            server.socket = context.wrap_socket(server.socket, server_side=True)
        servers.append(server)
    threads = [threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    time.sleep(lifetime)
    for server in servers:
        server.shutdown()
        server.server_close()


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def listeners() -> dict:
    """Free ports for every listener (see the module docstring)."""
    layout = {"tls": ("127.0.0.1", True), "plain": ("127.0.0.1", False), "other_port": ("127.0.0.1", False),
              "other_port_tls": ("127.0.0.1", True), "other_host": ("127.0.0.2", False),
              "other_host_tls": ("127.0.0.2", True)}
    return {name: {"host": host, "port": free_port(host), "tls": tls} for name, (host, tls) in layout.items()}


def registry_of(config: dict, name: str) -> str:
    listener = config["listeners"][name]
    return "%s:%d" % (listener["host"], listener["port"])
