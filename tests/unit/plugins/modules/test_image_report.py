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
    assert sorted(first['changed_files']) == ['audit.html', 'audit.json', 'audit.md', 'history.json', 'mapping.csv', 'mapping.json']
    assert json.loads((tmp_path / 'report' / 'audit.json').read_text())['totals']['by_status'] == {'done': 1}
    second = run(args, capsys)
    assert not second['changed'] and second['generated_at'] == first['generated_at']


def test_check_mode_writes_nothing(tmp_path, capsys):
    result = run({'path': str(tmp_path / 'r'), 'records': RECORDS, '_ansible_check_mode': True}, capsys)
    assert result['changed'] and result['totals']['needs_conversion'] == 1
    assert not (tmp_path / 'r').exists()


HOSTS = [{'host': 'web1', 'container': 'legacy', 'image': 'a.example.com/app:1', 'image_digest': 'a.example.com/app@sha256:' + '1' * 64,
          'format': 'v2s1', 'replacement': None, 'error': None}]


def test_hosts_then_records_share_the_page(tmp_path, capsys):
    path = str(tmp_path / 'report')
    first = run({'path': path, 'hosts': HOSTS}, capsys)
    assert first['changed_files'] == ['audit.html', 'hosts.json', 'hosts.md']
    assert first['host_totals']['legacy_containers'] == 1 and 'totals' not in first and first['generated_at'] is None
    assert not run({'path': path, 'hosts': HOSTS}, capsys)['changed']
    # A migrate run: the mapping turns up, the hosts report takes its replacement, the page gets both sections.
    second = run({'path': path, 'records': RECORDS, 'conversions': CONVERTED, 'mapping': True}, capsys)
    assert 'hosts.json' in second['changed_files'] and second['host_totals']['hosts'] == 1
    rows = json.loads((tmp_path / 'report' / 'hosts.json').read_text())
    assert rows[0]['replacement'] == 'b.example.com/app:1@sha256:' + '2' * 64
    page = (tmp_path / 'report' / 'audit.html').read_text()
    assert 'Hosts running legacy images' in page and 'Tags per registry' in page
    third = run({'path': path, 'hosts': HOSTS}, capsys)
    assert not third['changed'] and third['generated_at'] == second['generated_at']


def test_hosts_in_check_mode_write_nothing(tmp_path, capsys):
    result = run({'path': str(tmp_path / 'r'), 'hosts': HOSTS, '_ansible_check_mode': True}, capsys)
    assert result['changed'] and not (tmp_path / 'r').exists()


def test_needs_records_or_hosts_and_mapping_needs_records(tmp_path, capsys):
    assert 'one of the following is required: records, hosts' in run({'path': str(tmp_path)}, capsys)['msg']
    assert 'mapping is True but all of the following are missing: records' in run({'path': str(tmp_path), 'hosts': HOSTS, 'mapping': True}, capsys)['msg']
    result = run({'path': str(tmp_path), 'hosts': [{'image': 'x'}]}, capsys)
    assert result['failed'] and result['msg'].startswith('host row 0 has no host')


def test_namespace_depth_below_one_is_refused_before_writing(tmp_path, capsys):
    result = run({'path': str(tmp_path / 'r'), 'records': RECORDS, 'namespace_depth': 0}, capsys)
    assert result['failed'] and 'namespace_depth must be 1 or more' in result['msg']
    assert not (tmp_path / 'r').exists()


def test_bytes_of_schema1_images_come_from_the_conversions(tmp_path, capsys):
    """An audit without details leaves schema 1 layer sizes unknown: image_convert's layers tell them."""
    base, own = 'sha256:' + 'b' * 64, 'sha256:' + 'c' * 64
    records = [dict(RECORDS[0], layers=[{'digest': base, 'size': None}, {'digest': own, 'size': None}])]
    conversions = [dict(CONVERTED[0], layers=[{'digest': base, 'size': 1000}, {'digest': own, 'size': 24}])]
    run({'path': str(tmp_path / 'r'), 'records': records, 'conversions': conversions}, capsys)
    audit = json.loads((tmp_path / 'r' / 'audit.json').read_text())
    assert audit['summary']['bytes'] == {'left': 0, 'done': 1024, 'left_layers': 0, 'done_layers': 2, 'images_with_unknown_sizes': 0}
    assert audit['images'][0]['size'] == 1024
