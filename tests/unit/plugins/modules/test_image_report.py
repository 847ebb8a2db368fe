# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.imagefleet.registry.plugins.modules import image_report

RECORDS = [{'src': 'a.example.com/app:1', 'dest': 'b.example.com/app:1', 'target_format': 'v2s2', 'registry': 'a.example.com',
            'repository': 'app', 'tag': '1', 'exists': True, 'format': 'v2s1', 'digest': 'sha256:' + '1' * 64,
            'dest_exists': False, 'dest_format': None, 'dest_digest': None, 'status': 'needs_conversion', 'needs_conversion': True}]
CONVERTED = [{'src': 'a.example.com/app:1', 'dest': 'b.example.com/app:1@sha256:' + '2' * 64, 'dest_digest': 'sha256:' + '2' * 64,
              'dest_format': 'v2s2', 'failed': False, 'changed': True}]


def run(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            image_report.main()
    return json.loads(capsys.readouterr().out)


def test_writes_then_changes_nothing(tmp_path, capsys):
    args = {'path': str(tmp_path / 'report'), 'records': RECORDS, 'conversions': CONVERTED, 'mapping': True}
    first = run(args, capsys)
    assert first['changed'] and first['mapping_count'] == 1
    assert sorted(first['changed_files']) == ['audit.html', 'audit.json', 'audit.md', 'mapping.csv', 'mapping.json']
    assert json.loads((tmp_path / 'report' / 'audit.json').read_text())['totals']['by_status'] == {'done': 1}
    second = run(args, capsys)
    assert not second['changed'] and second['generated_at'] == first['generated_at']


def test_check_mode_writes_nothing(tmp_path, capsys):
    result = run({'path': str(tmp_path / 'r'), 'records': RECORDS, '_ansible_check_mode': True}, capsys)
    assert result['changed'] and result['totals']['needs_conversion'] == 1
    assert not (tmp_path / 'r').exists()
