# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""When to try a registry request again, how long to wait first, and the one retry loop (Retrier)."""

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


def _never(_outcome):
    return False


def _instance_of(kinds):
    return lambda exc: isinstance(exc, kinds)


class Retrier:
    """Tries one operation up to retries + 1 times: the one retry loop of the collection.

    operation(attempt) is called with attempt 0, 1, ... After a try that raised an error
    retry_error(error) accepts, or returned a result retry_result(result) accepts, and
    while tries remain, wait(attempt, error_or_result) runs (back off, honour a
    Retry-After, close a response that is thrown away), then the next try. Out of tries
    the last error propagates and the last result is returned as it is; an error
    retry_error refuses propagates at once. retry_error may also be an exception class
    (or a tuple of them): its instances are retried. `tries` counts the tries made, for
    messages ("tried N times").
    """

    def __init__(self, retries, wait, retry_error=_never, retry_result=_never):
        self.retries = max(retries, 0)
        self.wait = wait
        if isinstance(retry_error, (type, tuple)):
            retry_error = _instance_of(retry_error)
        self.retry_error = retry_error
        self.retry_result = retry_result
        self.tries = 0

    def call(self, operation):
        attempt = 0
        while True:
            self.tries = attempt + 1
            last = attempt >= self.retries
            try:
                result = operation(attempt)
            except Exception as exc:  # pylint: disable=broad-except
                if last or not self.retry_error(exc):
                    raise
                self.wait(attempt, exc)
            else:
                if last or not self.retry_result(result):
                    return result
                self.wait(attempt, result)
            attempt += 1
