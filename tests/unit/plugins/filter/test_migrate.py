# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.imagefleet.registry.plugins.filter.migrate import FilterModule, migration_batches, rule_credentials


def test_every_filter_is_exported():
    assert sorted(FilterModule().filters()) == ['audit_summary', 'conversion_outcome', 'fleet_images', 'migration_batches',
                                                'references_to_read', 'rule_credentials']


def test_errors_become_filter_errors():
    with pytest.raises(AnsibleFilterError, match='imagefleet_batch_size'):
        migration_batches([{'src': 'a:1', 'dest': 'b:1', 'exists': True, 'needs_conversion': True}], 0)


def test_rule_credentials_follow_the_options_own():
    own = {'registry': 'a', 'username': 'u', 'password': 'p'}
    options = {'registry_credentials': [own]}
    rules = [{'registry': 'b', 'username': 'v'}, {'registry': 'c'}]
    assert rule_credentials(rules, options) == [own, {'registry': 'b', 'username': 'v', 'password': ''}]
    assert options == {'registry_credentials': [own]}  # not modified
    assert rule_credentials([], None) == []


def test_migration_batches_choose_by_expression_or_need():
    records = [{'src': 'a:1', 'dest': 'm/a:1', 'exists': True, 'needs_conversion': True, 'format': 'v2s1', 'target_format': 'v2s2'},
               {'src': 'b:1', 'dest': 'm/b:1', 'exists': True, 'needs_conversion': False, 'format': 'v2s2', 'target_format': 'v2s2'}]
    # A batch holds what image_convert reads of each record.
    assert migration_batches(records)['batches'] == [[{'src': 'a:1', 'dest': 'm/a:1', 'format': 'v2s1', 'target_format': 'v2s2'}]]
    assert [[item['src'] for item in batch] for batch in migration_batches(records, 50, "[?format=='v2s2']")['batches']] == [['b:1']]
    with pytest.raises(AnsibleFilterError, match='not a valid JMESPath'):
        migration_batches(records, 50, '[?')
