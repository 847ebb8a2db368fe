# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.test import legacy_format as plugin


def test_schema1_is_legacy_and_nothing_else():
    assert plugin.TestModule().tests() == {'legacy_format': plugin.legacy_format}
    assert plugin.legacy_format('v2s1')
    assert not any(plugin.legacy_format(value) for value in ('v2s2', 'oci', 'v2s2_list', 'oci_index', None, 'unknown'))
