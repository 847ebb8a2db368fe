# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import email.utils
import time

import pytest
from hypothesis import given, strategies as st

from ansible_collections.imagefleet.registry.plugins.module_utils._registry.retry import (
    Retrier,
    backoff_delay,
    retry_after_seconds,
)


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


class Flaky(Exception):
    pass


def script(*outcomes):
    """An operation returning or raising outcomes in turn, recording the attempt numbers it was called with."""
    calls = []

    def operation(attempt):
        calls.append(attempt)
        outcome = outcomes[len(calls) - 1]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome
    return operation, calls


def test_retrier_retries_accepted_errors_and_waits_between_tries():
    operation, calls = script(Flaky('1'), Flaky('2'), 'done')
    waits = []
    retrier = Retrier(3, lambda attempt, outcome: waits.append((attempt, str(outcome))),
                      retry_error=lambda exc: isinstance(exc, Flaky))
    assert retrier.call(operation) == 'done'
    assert (calls, waits, retrier.tries) == ([0, 1, 2], [(0, '1'), (1, '2')], 3)


def test_retrier_out_of_tries_raises_the_last_error_without_waiting_after_it():
    operation, calls = script(Flaky('1'), Flaky('2'), Flaky('3'))
    waits = []
    retrier = Retrier(2, lambda attempt, outcome: waits.append(attempt), retry_error=lambda exc: True)
    with pytest.raises(Flaky, match='3'):
        retrier.call(operation)
    assert (calls, waits, retrier.tries) == ([0, 1, 2], [0, 1], 3)


def test_retrier_lets_other_errors_through_at_once():
    operation, calls = script(ValueError('final'))
    retrier = Retrier(5, lambda attempt, outcome: pytest.fail('no wait'), retry_error=lambda exc: isinstance(exc, Flaky))
    with pytest.raises(ValueError):
        retrier.call(operation)
    assert (calls, retrier.tries) == ([0], 1)


def test_retrier_takes_an_exception_class_for_what_to_retry():
    operation, calls = script(Flaky('1'), ValueError('final'))
    with pytest.raises(ValueError):
        Retrier(5, lambda attempt, outcome: None, retry_error=Flaky).call(operation)
    assert calls == [0, 1]


def test_retrier_retries_results_and_returns_the_last_when_out_of_tries():
    operation, calls = script(503, 503, 503)
    waits = []
    retrier = Retrier(2, lambda attempt, outcome: waits.append(outcome), retry_result=lambda status: status >= 500)
    assert retrier.call(operation) == 503
    assert (calls, waits) == ([0, 1, 2], [503, 503])


def test_retrier_without_retries_tries_once_and_an_error_in_wait_ends_it():
    operation, calls = script(Flaky('1'))
    with pytest.raises(Flaky):
        Retrier(0, lambda attempt, outcome: pytest.fail('no wait'), retry_error=lambda exc: True).call(operation)
    assert calls == [0]
    operation, calls = script(Flaky('1'), 'never')

    def refuse(attempt, outcome):
        raise RuntimeError('asked to wait too long')
    with pytest.raises(RuntimeError, match='too long'):
        Retrier(3, refuse, retry_error=lambda exc: True).call(operation)
    assert calls == [0]
