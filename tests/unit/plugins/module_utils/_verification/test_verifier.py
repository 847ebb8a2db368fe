# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


import gzip
import hashlib
import json

from ansible_collections.imagefleet.registry.plugins.module_utils._verification.verifier import (
    config_problems,
    diff_id_problems,
    failure_message,
    format_problems,
    semantic_problems,
    semantics_of_config,
    verify_all,
)
from ansible_collections.imagefleet.registry.tests.unit.plugins.module_utils.fake_registry import FakeRegistry, push_v2s2

D1 = 'sha256:' + 'a' * 64
D2 = 'sha256:' + 'b' * 64


def manifest(*digests):
    return {'layers': [{'digest': d, 'size': 1} for d in digests]}


def test_schema1_destination_is_named():
    assert format_problems('v2s1', 'v2s2') == ['is still Docker schema 1 (v2s1), not v2s2']
    assert format_problems('oci', 'v2s2') == ['is in format oci, not v2s2 or v2s2_list']
    assert format_problems('v2s2', 'v2s2', src_format='oci_index') == ['is in format v2s2, not v2s2_list']
    assert format_problems('v2s2_list', 'v2s2', src_format='oci_index') == []
    assert format_problems('oci', 'oci') == []


def test_config_problems():
    good = {'rootfs': {'diff_ids': [D1, D2]}, 'history': [{'created_by': 'a'}, {'empty_layer': True}, {'created_by': 'b'}]}
    assert config_problems(manifest(D1, D2), good) == []
    assert config_problems(manifest(D1), good) == ['config has 2 diff_ids for 1 layers', 'config history has 2 entries with a layer for 1 layers']
    assert config_problems(manifest(D1), {'rootfs': {}}) == ['config has no rootfs.diff_ids list']
    assert 'not digests' in config_problems(manifest(D1), {'rootfs': {'diff_ids': ['nope']}})[0]


def test_semantic_problems_ignore_empty_values():
    src = semantics_of_config({'config': {'Env': ['A=1'], 'Cmd': ['x'], 'Labels': None}, 'history': [{}, {}], 'architecture': 'amd64', 'os': 'linux'})
    same = semantics_of_config({'config': {'Env': ['A=1'], 'Cmd': ['x'], 'Labels': {}}, 'history': [{}, {}], 'architecture': 'amd64', 'os': 'linux'})
    assert semantic_problems(src, same) == []
    other = semantics_of_config({'config': {'Env': ['A=2'], 'Cmd': ['x']}, 'history': [{}], 'architecture': 'amd64', 'os': 'linux'})
    problems = semantic_problems(src, other)
    assert problems == ['Env differs from the source: ["A=2"] instead of ["A=1"]', 'history has 1 entries, the source has 2']


def test_diff_id_problems():
    tar = b'layer content'
    blob = gzip.compress(tar)
    digest = 'sha256:' + hashlib.sha256(blob).hexdigest()
    diff_id = 'sha256:' + hashlib.sha256(tar).hexdigest()
    layers = [{'digest': digest}]
    assert diff_id_problems(layers, [diff_id], {digest: diff_id}) == []
    assert 'uncompresses to' in diff_id_problems(layers, [D1], {digest: diff_id})[0]


def test_failure_message_lists_each_bad_image():
    results = [{'reference': 'r/a:1', 'ok': True, 'problems': []},
               {'reference': 'r/b:1', 'ok': False, 'problems': ['does not exist']},
               {'reference': 'r/c:1', 'ok': False, 'problems': ['x', 'y']}]
    assert failure_message(results) == '2 of 3 images failed verification:\nr/b:1: does not exist\nr/c:1: x; y'
    assert json.dumps(results)


# -- deep verification over a connection that breaks off mid-body ----------------------------------------

def flaky_registry(breaks):
    """Two repositories holding one image; GETs of its layer break off `breaks` times, then work."""
    registry = FakeRegistry('reg.example')
    for repository in ('a', 'b'):
        image = push_v2s2(registry, repository, '1', contents=('layer content ' * 64,))
    registry.break_reads = breaks
    return registry, image.doc['layers'][0]['digest']


def test_deep_verify_reads_a_broken_body_again():
    registry, _layer = flaky_registry(breaks=2)
    results, summary, _problems = verify_all(registry, [{'dest': 'reg.example/a:1'}, {'dest': 'reg.example/b:1'}], 'v2s2', True, 1)
    assert summary == {'verified': 2, 'ok': 2, 'bad': 0}
    assert [r['layers_rehashed'] for r in results] == [1, 1]
    assert registry.count('open_blob') == 3 and registry.waited == [0, 1]  # two breaks, then one read serves both images


def test_deep_verify_reports_a_body_that_keeps_breaking_for_that_image():
    registry, layer = flaky_registry(breaks=3)
    results, summary, _problems = verify_all(registry, [{'dest': 'reg.example/a:1'}, {'dest': 'reg.example/b:1'}], 'v2s2', True, 1)
    assert summary == {'verified': 2, 'ok': 1, 'bad': 1}
    assert results[0]['problems'] == ['blob %s from reg.example/a broke off while reading: Connection broken: IncompleteRead'
                                      % layer]
    assert results[1]['ok'] and registry.count('open_blob') == 4


def test_results_and_records_verify_as_they_are_with_dest_digest_checked_first():
    registry = FakeRegistry('reg.example')
    image = push_v2s2(registry, 'new/app', '1')
    converted = {'src': 'reg.example/old/app:1', 'dest': 'reg.example/new/app:1', 'dest_digest': image.digest, 'target_format': 'v2s2',
                 'format': 'v2s1', 'verified': True, 'linked_from': None, 'changed': True, 'failed': False}
    moved = dict(converted, dest_digest=D1)
    results, summary, problems = verify_all(registry, [dict(converted, src=None), dict(moved, src=None)], 'oci', False, 1)
    assert summary == {'verified': 2, 'ok': 1, 'bad': 1}
    assert problems == ['reg.example/new/app:1: is %s, not %s as converted: the tag changed since' % (image.digest, D1)]
    assert results[1]['layers_checked'] == 2  # the other checks still ran


def test_the_legacy_format_item_means_the_target():
    registry = FakeRegistry('reg.example')
    push_v2s2(registry, 'new/app', '1')
    _results, summary, problems = verify_all(registry, [{'dest': 'reg.example/new/app:1', 'format': 'oci'}], 'v2s2', False, 1)
    assert summary['bad'] == 1 and problems == ['reg.example/new/app:1: is in format v2s2, not oci or oci_index']
