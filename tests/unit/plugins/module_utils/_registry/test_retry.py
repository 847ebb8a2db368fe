# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import email.utils
import time

from hypothesis import given, strategies as st

from ansible_collections.imagefleet.registry.plugins.module_utils._registry.retry import backoff_delay, retry_after_seconds


def test_retry_after_seconds_and_dates():
    assert retry_after_seconds('7') == 7.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds('soon') is None
    future = email.utils.formatdate(time.time() + 100, usegmt=True)
    assert 90 < retry_after_seconds(future) <= 100
    past = email.utils.formatdate(time.time() - 100, usegmt=True)
    assert retry_after_seconds(past) == 0.0


def test_retry_after_wins_but_is_bounded():
    assert backoff_delay(0, '3') == 3.0
    assert backoff_delay(0, '100000') == 30.0


@given(st.integers(min_value=0, max_value=200))
def test_backoff_is_bounded_and_grows(attempt):
    delay = backoff_delay(attempt)
    assert 0 <= delay <= min(30.0, 0.5 * 2 ** min(attempt, 10))
