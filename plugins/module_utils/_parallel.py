# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run a function over items on a bounded thread pool, keeping the input order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor


def map_ordered(function, items, workers):
    """[function(item) for item in items], at most `workers` at a time; the first exception propagates."""
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(function, items))
