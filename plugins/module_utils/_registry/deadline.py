# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A wall-clock deadline per HTTP request, besides the per-read timeout of requests.

The read timeout bounds each socket read, so a server that sends one byte of headers
or body every few seconds keeps a request alive for ever. A Watch, armed around a
request in the thread that sends it, shuts the connection's socket down when the
deadline passes; the blocked read then fails and the caller reports the deadline.
The connection is learnt from the urllib3 connection class of the adapter's pools.
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time

try:
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
except ImportError:  # the modules fail earlier with missing_required_lib('requests')
    HTTPAdapter = HTTPConnection = HTTPSConnection = HTTPConnectionPool = HTTPSConnectionPool = object  # type: ignore[misc,assignment]

_current = threading.local()


def _shutdown(connection):
    sock = getattr(connection, 'sock', None)
    if sock is not None:
        try:
            # The plain socket's shutdown, also under TLS: it wakes the reading thread without touching its SSL object.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass


class _Watchdog:
    """One thread for every deadline of the process: a Timer per request (a thread started and stopped for each)
    cost about 10 ms of CPU per converted image. Deadlines sit in a heap; a cancelled one is skipped when it comes up."""

    def __init__(self):
        self.reset()

    def reset(self):
        """No deadline and no thread yet; also in a forked child (Ansible's worker), where the parent's thread is gone."""
        self._heap = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._thread = None

    def arm(self, watch, seconds):
        with self._cond:
            order = next(self._order)
            if order % 1024 == 1023:
                # Finished requests wait in the heap until their deadline comes up: drop them now and then.
                self._heap = [entry for entry in self._heap if not entry[2].done]
                heapq.heapify(self._heap)
            heapq.heappush(self._heap, (time.monotonic() + seconds, order, watch))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name='imagefleet-deadlines', daemon=True)
                self._thread.start()
            # The thread sleeps until the earliest deadline: only a new earliest one must wake it (a wake-up per
            # request cost the GIL ping-pong of thousands of requests).
            if self._heap[0][2] is watch:
                self._cond.notify()

    def _run(self):
        while True:
            with self._cond:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                watch = heapq.heappop(self._heap)[2]
            watch.expire()


_WATCHDOG = _Watchdog()
os.register_at_fork(after_in_child=_WATCHDOG.reset)


class Watch:
    """Arm around one request (`with Watch(seconds) as watch:`); watch.expired tells whether it cut the request off."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.expired = False
        self.done = False
        self._connection = None
        self._lock = threading.Lock()

    def attach(self, connection):
        with self._lock:
            self._connection = connection
            expired = self.expired
        if expired:
            _shutdown(connection)

    def expire(self):
        with self._lock:
            if self.done:
                return
            self.expired = True
            connection = self._connection
        if connection is not None:
            _shutdown(connection)

    def __enter__(self):
        _current.watch = self
        if self.seconds:
            _WATCHDOG.arm(self, self.seconds)
        return self

    def __exit__(self, *exc_info):
        with self._lock:
            self.done = True
        _current.watch = None
        return False


class _Watched:
    """Tells the thread's Watch which connection carries its request."""

    def connect(self):
        super().connect()
        self._tell_watch()

    def request(self, *args, **kwargs):  # pylint: disable=arguments-differ
        self._tell_watch()
        return super().request(*args, **kwargs)

    def _tell_watch(self):
        watch = getattr(_current, 'watch', None)
        if watch is not None:
            watch.attach(self)


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {'http': _HTTPPool, 'https': _HTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """requests' HTTPAdapter whose connections (direct or through a proxy) report to the thread's Watch."""

    def init_poolmanager(self, *args, **kwargs):  # pylint: disable=signature-differs
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager
