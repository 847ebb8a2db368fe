# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.imagefleet.registry.plugins.filter.audit import audit_records
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.plugin_utils._filter import filter_errors


def test_an_imagefleet_error_becomes_a_filter_error_with_its_message():
    def broken(value, extra=None):
        raise ImagefleetError('record %r has no src; give one' % (value,))

    wrapped = filter_errors(broken)
    assert wrapped.__name__ == 'broken'
    with pytest.raises(AnsibleFilterError, match="record 'x' has no src; give one"):
        wrapped('x', extra=1)


def test_other_errors_and_results_pass_through():
    assert filter_errors(lambda a, b=2: a + b)(1) == 3
    with pytest.raises(KeyError):
        filter_errors(lambda: {}['missing'])()


def test_the_audit_filter_keeps_its_defaults():
    assert audit_records([], []) == []
