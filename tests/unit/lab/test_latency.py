# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The lab's latency proxy against a tiny local upstream: delay, streaming both ways, rewritten URLs,
keep-alive, concurrent connections, and the counters."""

from __future__ import annotations

import hashlib
import pathlib
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "lab"))

from imagefleet_lab import latency  # noqa: E402  pylint: disable=wrong-import-position

PIECE = 64 * 1024
BIG = 16 * 1024 * 1024


class Upstream(BaseHTTPRequestHandler):
    """A registry-shaped upstream: records what reaches it; /stream and PATCH bodies wait on `gate` halfway."""
    protocol_version = "HTTP/1.1"
    seen: list
    gate: threading.Event
    barrier: threading.Barrier
    uploaded: dict

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        del format, args

    def _send(self, status, body=b"", headers=None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _base(self):
        return "http://%s:%d" % self.server.server_address[:2]

    def _handle(self):
        self.seen.append((self.command, self.path, self.client_address[1], self.headers.get("Host")))
        path = self.path
        if path == "/v2/":
            self._send(200, b"{}")
        elif path.startswith("/v2/auth/"):
            self._send(401, b"{}", {"WWW-Authenticate": f'Bearer realm="{self._base()}/token",service="lab"'})
        elif path.startswith("/v2/r/tags/list"):
            self._send(200, b'{"tags": ["a"]}', {"Link": f'<{self._base()}/v2/r/tags/list?n=1&last=a>; rel="next"'})
        elif path == "/v2/r/blobs/uploads/" and self.command == "POST":
            self._send(202, headers={"Location": f"{self._base()}/v2/r/blobs/uploads/u1?_state=x"})
        elif path.startswith("/v2/r/blobs/uploads/u1") and self.command == "PATCH":
            digest, size = hashlib.sha256(), 0
            for piece in self._body():
                digest.update(piece)
                size += len(piece)
                if size >= BIG // 2:
                    self.gate.set()  # half the body is here while the client still holds the rest
            self.uploaded.update(sha256=digest.hexdigest(), size=size)
            self._send(202, headers={"Location": f"{self._base()}/v2/r/blobs/uploads/u1?_state=y"})
        elif path.startswith("/v2/r/blobs/") and self.command in ("GET", "HEAD"):
            self._stream()
        elif path == "/v2/r/manifests/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"one,", b"two"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/v2/r/manifests/together":
            self.barrier.wait()  # answers only once 8 requests are in at the same time
            self._send(200, b"{}")
        else:
            self._send(404, b"{}")

    def _body(self):
        if self.headers.get("Transfer-Encoding") == "chunked":
            while size := int(self.rfile.readline().strip(), 16):
                yield self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
            return
        remaining = int(self.headers["Content-Length"])
        while remaining:
            piece = self.rfile.read(min(PIECE, remaining))
            remaining -= len(piece)
            yield piece

    def _stream(self):
        self.send_response(200)
        self.send_header("Content-Length", str(BIG))
        self.send_header("Docker-Content-Digest", "sha256:x")
        self.end_headers()
        if self.command == "HEAD":
            return
        for sent in range(0, BIG, PIECE):
            if sent == BIG // 2 and not self.gate.wait(30):
                return  # the client never saw the first half: the proxy held it back
            self.wfile.write(bytes([sent // PIECE % 256]) * PIECE)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = _handle


@pytest.fixture(name="lab")
def fixture_lab():
    handler = type("U", (Upstream,), {"seen": [], "gate": threading.Event(), "barrier": threading.Barrier(8, timeout=20),
                                      "uploaded": {}})
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    upstream.daemon_threads = True
    upstream_address = "127.0.0.1:%d" % upstream.server_address[1]
    proxy = latency.server(upstream_address, delay_ms=0, lifetime=120)
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
               for s in (upstream, proxy)]
    for thread in threads:
        thread.start()
    base = "http://127.0.0.1:%d" % proxy.server_address[1]
    try:
        yield {"base": base, "upstream": upstream_address, "handler": handler, "state": proxy.RequestHandlerClass.state}
    finally:
        for s in (proxy, upstream):
            s.shutdown()
            s.server_close()


@pytest.mark.parametrize("method, path, kind", [
    ("GET", "/v2/", "ping"),
    ("GET", "/v2/_catalog?n=100", "catalog"),
    ("GET", "/v2/team/app/tags/list?n=50&last=x", "tags"),
    ("GET", "/v2/team/app/manifests/1", "manifest GET"),
    ("HEAD", "/v2/team/app/manifests/sha256:" + "a" * 64, "manifest HEAD"),
    ("PUT", "/v2/a/b/c/manifests/v1.2", "manifest PUT"),
    ("GET", "/v2/team/app/blobs/sha256:" + "b" * 64, "blob GET"),
    ("HEAD", "/v2/team/app/blobs/sha256:" + "b" * 64, "blob HEAD"),
    ("POST", "/v2/team/app/blobs/uploads/", "upload POST"),
    ("POST", "/v2/team/app/blobs/uploads/?mount=sha256:" + "b" * 64 + "&from=base/app", "mount"),
    ("PATCH", "/v2/team/app/blobs/uploads/0a1b-2c?_state=x", "upload PATCH"),
    ("PUT", "/v2/team/app/blobs/uploads/0a1b-2c?_state=x&digest=sha256:" + "b" * 64, "upload PUT"),
    ("GET", "/token?scope=x", "other"),
])
def test_classify(method, path, kind):
    assert latency.classify(method, path) == kind


def test_every_request_waits_the_round_trip(lab):
    lab["state"].delay = 0.15
    with requests.Session() as session:
        started = time.monotonic()
        assert session.get(lab["base"] + "/v2/", timeout=10).status_code == 200
        assert session.get(lab["base"] + "/v2/", timeout=10).status_code == 200
        # A lower bound: the delay is behaviour, not speed.
        assert time.monotonic() - started >= 0.3
        control_started = time.monotonic()
        session.get(lab["base"] + latency.CONTROL + "stats", timeout=10)
        assert time.monotonic() - control_started < 0.15  # control calls are never delayed


def test_download_streams_without_buffering(lab):
    """The upstream sends the second half only after the client has read the first half through the proxy."""
    with requests.get(lab["base"] + "/v2/r/blobs/sha256:big", stream=True, timeout=30) as response:
        assert response.headers["Content-Length"] == str(BIG)
        received = 0
        for piece in response.iter_content(PIECE):
            received += len(piece)
            if received >= BIG // 2:
                lab["handler"].gate.set()
        assert received == BIG


def test_upload_streams_and_locations_come_back_through_the_proxy(lab):
    handler = lab["handler"]
    answer = requests.post(lab["base"] + "/v2/r/blobs/uploads/", timeout=10)
    location = answer.headers["Location"]
    assert location.startswith(lab["base"] + "/v2/r/blobs/uploads/u1")

    digest = hashlib.sha256()

    class Body:
        """A body of known length (sent with Content-Length) that holds its second half until the upstream
        has the first."""
        def __len__(self):
            return BIG

        def __iter__(self):
            for sent in range(0, BIG, PIECE):
                if sent == BIG // 2 + PIECE:
                    assert handler.gate.wait(30)
                piece = bytes([sent // PIECE % 256]) * PIECE
                digest.update(piece)
                yield piece

    answer = requests.patch(location, data=Body(), timeout=30)
    assert answer.status_code == 202
    assert answer.headers["Location"].startswith(lab["base"])
    assert handler.uploaded == {"sha256": digest.hexdigest(), "size": BIG}


def test_chunked_request_body_is_relayed(lab):
    handler = lab["handler"]
    handler.gate.set()
    pieces = [b"x" * 1000, b"y" * (BIG // 2)]
    answer = requests.patch(lab["base"] + "/v2/r/blobs/uploads/u1", data=iter(pieces), timeout=30)
    assert answer.status_code == 202
    assert handler.uploaded == {"sha256": hashlib.sha256(b"".join(pieces)).hexdigest(), "size": sum(map(len, pieces))}


def test_link_and_www_authenticate_are_rewritten(lab):
    tags = requests.get(lab["base"] + "/v2/r/tags/list?n=1", timeout=10)
    assert tags.headers["Link"] == f'<{lab["base"]}/v2/r/tags/list?n=1&last=a>; rel="next"'
    denied = requests.get(lab["base"] + "/v2/auth/manifests/1", timeout=10)
    assert denied.status_code == 401
    assert denied.headers["WWW-Authenticate"] == f'Bearer realm="{lab["base"]}/token",service="lab"'
    # The upstream is asked under its own name.
    assert {host for _m, _p, _port, host in lab["handler"].seen} == {lab["upstream"]}


def test_chunked_answer_and_head(lab):
    assert requests.get(lab["base"] + "/v2/r/manifests/chunked", timeout=10).content == b"one,two"
    head = requests.head(lab["base"] + "/v2/r/blobs/sha256:big", timeout=10)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(BIG) and not head.content


def test_keep_alive_both_sides(lab):
    with requests.Session() as session:
        for _round in range(5):
            assert session.get(lab["base"] + "/v2/", timeout=10).status_code == 200
            assert session.head(lab["base"] + "/v2/r/blobs/sha256:big", timeout=10).status_code == 200
    # One client connection, relayed over one upstream connection.
    assert len({port for _m, _p, port, _h in lab["handler"].seen}) == 1


def test_concurrent_connections(lab):
    """Eight requests must be at the upstream at the same time (its barrier) for any of them to be answered."""
    statuses = []

    def one():
        statuses.append(requests.get(lab["base"] + "/v2/r/manifests/together", timeout=30).status_code)

    threads = [threading.Thread(target=one) for _client in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8


def test_counters_and_reset(lab):
    base = lab["base"]
    requests.get(base + "/v2/", timeout=10)
    requests.head(base + "/v2/r/blobs/sha256:big", timeout=10)
    requests.post(base + "/v2/r/blobs/uploads/", timeout=10)
    requests.post(base + "/v2/r/blobs/uploads/?mount=sha256:abc&from=other", timeout=10)
    requests.get(base + "/v2/r/manifests/chunked", timeout=10)
    requests.get(base + "/v2/r/tags/list", timeout=10)
    stats = requests.get(base + latency.CONTROL + "stats", timeout=10).json()
    assert stats["total"] == 6
    assert stats["kinds"] == {"ping": 1, "blob HEAD": 1, "upload POST": 1, "mount": 1, "manifest GET": 1, "tags": 1}
    assert requests.post(base + latency.CONTROL + "reset", timeout=10).json()["total"] == 6
    assert requests.get(base + latency.CONTROL + "stats", timeout=10).json()["total"] == 0
    assert requests.get(base + latency.CONTROL + "nothing", timeout=10).status_code == 404
