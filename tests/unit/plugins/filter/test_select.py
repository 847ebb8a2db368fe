# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.imagefleet.registry.plugins.filter.audit import audit_records
from ansible_collections.imagefleet.registry.plugins.filter.select import jmespath_select

RECORDS = [{'src': 'r/a:1', 'format': 'v2s1'}, {'src': 'r/b:1', 'format': 'v2s2'}]


def test_select_by_expression():
    assert jmespath_select(RECORDS, "[?format=='v2s1']") == [RECORDS[0]]
    assert jmespath_select(RECORDS, '') == RECORDS
    assert jmespath_select(RECORDS, "[?format=='oci']") == []


def test_bad_expressions_fail_naming_them():
    with pytest.raises(AnsibleFilterError, match='not a valid JMESPath'):
        jmespath_select(RECORDS, '[?format==')
    with pytest.raises(AnsibleFilterError, match='must give a list'):
        jmespath_select(RECORDS, 'length(@)')


def test_audit_records_errors_become_filter_errors():
    with pytest.raises(AnsibleFilterError, match='has no src'):
        audit_records([{'dest': 'r/a:1'}], [])
