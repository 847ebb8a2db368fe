# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one way the lab's helper servers (fault proxy, token issuer, quirk proxy) listen: loopback only,
bounded in time."""

from __future__ import annotations

import ipaddress
import ssl
import threading
from http.server import ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    # A listen backlog for many clients connecting at once (the default 5 drops SYNs: 1 s retransmit stalls).
    request_queue_size = 128


def bounded_server(handler: type, port: int, lifetime: float, host: str = "127.0.0.1",
                   tls: tuple | None = None) -> ThreadingHTTPServer:
    """A server on a loopback host:port (HTTPS with tls=(certificate, key)) that shuts down after lifetime seconds."""
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"lab servers listen on loopback addresses only, not {host}")
    server = _Server((host, port), handler)
    server.daemon_threads = True
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    timer = threading.Timer(lifetime, server.shutdown)
    timer.daemon = True
    timer.start()
    return server


def run(server: ThreadingHTTPServer) -> None:
    """Serve until the lifetime ends (blocking)."""
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


def serve_bounded(handler: type, port: int, lifetime: float) -> None:
    """Serve handler on 127.0.0.1:port until lifetime seconds have passed (blocking); never outlives a test run."""
    run(bounded_server(handler, port, lifetime))
