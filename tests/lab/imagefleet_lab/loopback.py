# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one way the lab's helper servers (fault proxy, token issuer) listen: loopback only, bounded in time."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer


def serve_bounded(handler: type, port: int, lifetime: float) -> None:
    """Serve handler on 127.0.0.1:port until lifetime seconds have passed (blocking); never outlives a test run."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    timer = threading.Timer(lifetime, server.shutdown)
    timer.daemon = True
    timer.start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
