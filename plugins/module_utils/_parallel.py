# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run a function over items on a bounded thread pool, keeping the input order; compute a value once per key."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor


def map_ordered(function, items, workers):
    """[function(item) for item in items], at most `workers` at a time; the first exception propagates."""
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(function, items))


class OncePerKey:
    """Values computed once per key, shared by threads: a thread asking for a key being computed waits for it
    instead of asking the registry again (the tags of one image are read side by side, images share layers).
    None (nothing learnt) and failures are not kept."""

    def __init__(self):
        self._values = {}
        self._locks = {}
        self._guard = threading.Lock()

    def peek(self, key):
        """The value if known, else None; never computes."""
        return self._values.get(key)

    def put(self, key, value):
        """Keep a value learnt elsewhere (a config's diff_id, an upload's hash)."""
        if value is not None:
            self._values[key] = value

    def get(self, key, compute):
        if key in self._values:
            return self._values[key]
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._values:
                self.put(key, compute())
            return self._values.get(key)
