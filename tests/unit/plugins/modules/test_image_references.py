# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.imagefleet.registry.plugins.modules import image_references, image_references_info

REG = '127.0.0.1:5000'
OLD, NEW = 'sha256:' + '1' * 64, 'sha256:' + '2' * 64
MAPPING = {'schema': 'imagefleet.registry/mapping/v1', 'images': [
    {'old_reference': REG + '/legacy/app:1', 'old_digest': OLD, 'new_reference': REG + '/converted/app:1', 'new_digest': NEW,
     'old_format': 'v2s1', 'new_format': 'v2s2'}]}
MANIFEST = 'kind: Pod\napiVersion: v1\nspec:\n  containers:\n    - name: a   # app\n      image: %s/legacy/app:1\n' % REG


def run(module, args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / 'mapping.json').write_text(json.dumps(MAPPING))
    (tmp_path / 'k8s').mkdir()
    (tmp_path / 'k8s' / 'pod.yaml').write_text(MANIFEST)
    (tmp_path / 'k8s' / 'broken.yaml').write_text('image: %s/legacy/app:1\n---\n[\n' % REG)
    return tmp_path


def test_check_diff_then_write_with_backup_then_nothing(tree, capsys):
    args = {'paths': [str(tree / 'k8s')], 'mapping': str(tree / 'mapping.json')}
    checked = run(image_references, dict(args, _ansible_check_mode=True, _ansible_diff=True), capsys)
    assert checked['changed'] and checked['changed_files'] == [str(tree / 'k8s' / 'pod.yaml')]
    assert checked['diff'][0]['after'] == MANIFEST.replace('legacy', 'converted')
    assert (tree / 'k8s' / 'pod.yaml').read_text() == MANIFEST
    assert [(e['line'], e['after']) for e in checked['edits']] == [(6, REG + '/converted/app:1')]
    assert [(e['line'], e['message'][:14]) for e in checked['errors']] == [(4, 'not valid YAML')]

    written = run(image_references, dict(args, backup=True), capsys)
    assert written['changed'] and (tree / 'k8s' / 'pod.yaml').read_text() == MANIFEST.replace('legacy', 'converted')
    backup = written['backup_files'][str(tree / 'k8s' / 'pod.yaml')]
    assert open(backup).read() == MANIFEST
    assert (tree / 'k8s' / 'broken.yaml').read_text().startswith('image: %s/legacy/app:1' % REG)   # never written

    again = run(image_references, args, capsys)
    assert not again['changed'] and again['edits'] == []


def test_a_bad_mapping_fails_naming_it(tree, capsys):
    (tree / 'other.json').write_text('{"images": []}')
    result = run(image_references, {'paths': [str(tree)], 'mapping': str(tree / 'other.json')}, capsys)
    assert result['failed'] and str(tree / 'other.json') in result['msg'] and 'mapping' in result['msg']


def test_info_without_registry_lookups(tree, capsys):
    result = run(image_references_info, {'paths': [str(tree / 'k8s')], 'resolve': False}, capsys)
    assert not result['changed'] and result['files'] == 2
    assert [(r['line'], r['container'], r['reference'], r['format']) for r in result['references']] == [
        (6, 'a', REG + '/legacy/app:1', None)]
    assert [e['source'] for e in result['errors']] == [str(tree / 'k8s' / 'broken.yaml')]


def test_info_needs_something_to_scan(capsys):
    result = run(image_references_info, {'resolve': False}, capsys)
    assert result['failed'] and 'nothing to scan' in result['msg']
