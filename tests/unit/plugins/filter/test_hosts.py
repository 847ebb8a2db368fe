# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.imagefleet.registry.plugins.filter.hosts import FilterModule, host_references, host_rows

ENGINE = {'images': [{'id': 'sha256:' + 'a' * 64, 'repo_tags': ['r.example.com/app:1'], 'repo_digests': ['r.example.com/app@sha256:' + '1' * 64]}],
          'containers': []}


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {'host_references', 'host_rows'}


def test_references_and_rows():
    assert host_references({'h': ENGINE}) == ['r.example.com/app@sha256:' + '1' * 64]
    infos = [{'reference': 'r.example.com/app@sha256:' + '1' * 64, 'exists': True, 'format': 'v2s1'}]
    assert host_rows({'h': ENGINE}, infos)[0]['format'] == 'v2s1'


def test_bad_input_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match='host name -> image_host_info result'):
        host_references(['h'])
    with pytest.raises(AnsibleFilterError):
        host_rows('h', [])
