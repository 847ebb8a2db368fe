# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""When to try a registry request again, and how long to wait first."""

from __future__ import annotations

import email.utils
import random
import time

RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
_BASE_DELAY = 0.5
_MAX_DELAY = 30.0
DEFAULT_MAX_RETRY_WAIT = 120


def retry_after_seconds(value):
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_delay(attempt, retry_after=None):
    """Exponential backoff with full jitter, bounded; a server's Retry-After wins (bounded too)."""
    hinted = retry_after_seconds(retry_after)
    if hinted is not None:
        return min(hinted, _MAX_DELAY)
    return random.uniform(0, min(_MAX_DELAY, _BASE_DELAY * (2 ** attempt)))


def backoff_bound(attempt):
    """The longest wait our own backoff would choose before this attempt."""
    return min(_MAX_DELAY, _BASE_DELAY * (2 ** attempt))


def hinted_wait(attempt, retry_after, max_wait):
    """(seconds, beyond) for a Retry-After hint: the wait it asks for, and whether that is beyond our backoff.

    None when the hint asks for more than max_wait: waiting part of it would only be refused again
    (Docker Hub counts those refusals too), so the caller fails at once, naming the wait asked for.
    """
    hinted = retry_after_seconds(retry_after)
    if hinted is None:
        return backoff_delay(attempt), False
    if hinted > max_wait:
        return None
    return hinted, hinted > backoff_bound(attempt)
