# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The per-request deadline against a loopback socket that trickles its answer (each read well within the timeout)."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from ansible_collections.imagefleet.registry.plugins.module_utils._registry.deadline import DeadlineAdapter, Watch


@pytest.fixture
def trickling_server():
    """http://127.0.0.1:port: GET /headers trickles its headers, GET /body its body, a byte every 0.1 s, for at most 10 s."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(4)
    stop = threading.Event()

    def answer(conn):
        request = conn.recv(65536)
        head, trickle = (b'HTTP/1.1 200 OK\r\nX-Slow: ', b's') if b'/headers' in request else \
            (b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n', b'x')
        conn.sendall(head)
        for _index in range(100):
            if stop.is_set():
                return
            conn.sendall(trickle)
            time.sleep(0.1)

    def serve():
        while not stop.is_set():
            try:
                conn, _addr = listener.accept()
            except OSError:
                return
            with conn:
                try:
                    answer(conn)
                except OSError:
                    pass

    threading.Thread(target=serve, daemon=True).start()
    yield 'http://127.0.0.1:%d' % listener.getsockname()[1]
    stop.set()
    listener.close()


@pytest.mark.parametrize('path', ['/headers', '/body'])
def test_a_trickling_answer_is_cut_off_at_the_deadline(trickling_server, path):
    session = requests.Session()
    session.mount('http://', DeadlineAdapter())
    with Watch(0.5) as watch:
        try:
            session.get(trickling_server + path, timeout=2, stream=True).content  # noqa: B018  # pylint: disable=expression-not-assigned
        except requests.exceptions.RequestException:
            pass
    assert watch.expired  # cut off: without it the trickle would run its 10 s (each read is within the timeout)


def test_a_watch_that_does_not_expire_changes_nothing():
    with Watch(30) as watch:
        pass
    assert not watch.expired
    with Watch(None) as watch:  # untimed (a streamed upload)
        pass
    assert not watch.expired


def test_deadlines_share_one_thread_and_a_finished_watch_never_fires():
    before = threading.active_count()
    finished = []
    for _round in range(2100):  # past the heap's compaction point, twice
        with Watch(0.05) as watch:
            pass
        finished.append(watch)
    with Watch(0.05) as pending:
        time.sleep(0.3)  # the watchdog cuts this one off while it runs
    time.sleep(0.1)
    assert pending.expired
    assert not any(watch.expired for watch in finished)
    assert threading.active_count() <= before + 1  # at most the one watchdog thread, started once


def test_a_shorter_deadline_armed_while_a_longer_one_waits_still_fires():
    # The watchdog is woken only by a new earliest deadline: one armed behind a long wait must wake it.
    with Watch(60) as long_wait:
        with Watch(0.05) as short:
            time.sleep(0.3)
        with Watch(120):  # later than the pending earliest: no wake-up needed, nothing fires early
            time.sleep(0.05)
    assert short.expired and not long_wait.expired
