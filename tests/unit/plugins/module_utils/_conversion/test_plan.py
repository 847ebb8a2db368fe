# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError, InvalidReferenceError
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.plan import (
    apply_conversions, audit_records, converted_format, derive_dest, resolve_plan,
)

SRC = 'old.example.com:5000/legacy/app:1'
DEST = 'new.example.com/converted/legacy/app:1'


def info(reference, fmt=None, digest=None):
    if fmt is None:
        return {'reference': reference, 'exists': False}
    return {'reference': reference, 'exists': True, 'format': fmt, 'digest': digest}


def test_derive_dest_keeps_repository_and_tag():
    assert derive_dest(SRC, dest_prefix='new.example.com/converted/') == DEST
    assert derive_dest(SRC, dest_registry='new.example.com') == 'new.example.com/legacy/app:1'
    assert derive_dest('nginx', dest_registry='mirror:5000') == 'mirror:5000/library/nginx:latest'
    assert derive_dest(SRC) is None


def test_derive_dest_refuses_ambiguity_and_untagged_sources():
    with pytest.raises(ImagefleetError):
        derive_dest(SRC, dest_registry='a.example.com', dest_prefix='b.example.com/x')
    with pytest.raises(InvalidReferenceError):
        derive_dest('old.example.com/app@sha256:' + 'a' * 64, dest_registry='new.example.com')


def test_lists_stay_lists():
    assert converted_format('oci_index', 'v2s2') == 'v2s2_list'
    assert converted_format('v2s2_list', 'oci') == 'oci_index'
    assert converted_format('v2s1', 'oci') == 'oci'


def test_audit_records_statuses():
    plan = [
        {'src': SRC, 'dest': DEST},
        {'src': 'old.example.com:5000/legacy/db:9', 'dest': 'new.example.com/db:9', 'format': 'oci'},
        {'src': 'old.example.com:5000/gone:1', 'dest': 'new.example.com/gone:1'},
        {'src': 'old.example.com:5000/legacy/solo:1', 'dest': None},
        {'src': SRC, 'dest': DEST},  # duplicate
    ]
    infos = [info(SRC, 'v2s1', 'sha256:s'), info(DEST, 'v2s2', 'sha256:d'),
             info('old.example.com:5000/legacy/db:9', 'v2s1', 'sha256:x'), info('new.example.com/db:9', 'v2s2', 'sha256:y'),
             info('old.example.com:5000/gone:1'), info('old.example.com:5000/legacy/solo:1', 'v2s2', 'sha256:z')]
    records = audit_records(plan, infos)
    assert [r['status'] for r in records] == ['done', 'needs_conversion', 'missing_source', 'no_destination']
    assert records[0]['format'] == 'v2s1' and records[0]['dest_digest'] == 'sha256:d'
    assert records[1]['target_format'] == 'oci' and records[1]['needs_conversion']
    assert records[0]['registry'] == 'old.example.com:5000' and records[0]['repository'] == 'legacy/app'


def test_audit_records_rejects_bad_formats():
    with pytest.raises(ImagefleetError, match='not one of'):
        audit_records([{'src': SRC, 'dest': DEST, 'format': 'v2s1'}], [])


def test_apply_conversions_marks_done():
    records = audit_records([{'src': SRC, 'dest': DEST}], [info(SRC, 'v2s1', 'sha256:s')])
    assert records[0]['status'] == 'needs_conversion'
    after = apply_conversions(records, [{'src': SRC, 'dest': DEST, 'dest_digest': 'sha256:n', 'dest_format': 'v2s2',
                                         'failed': False}])
    assert after[0]['status'] == 'done' and after[0]['dest_digest'] == 'sha256:n'
    assert records[0]['status'] == 'needs_conversion'  # not mutated
    failed = apply_conversions(records, [{'src': SRC, 'dest': DEST, 'failed': True}])
    assert failed[0]['status'] == 'needs_conversion'


def test_untagged_destination_is_the_source_tag_everywhere():
    plan = [{'src': SRC, 'dest': 'new.example.com/converted/legacy/app'}]
    assert resolve_plan(plan) == [{'src': SRC, 'dest': DEST, 'format': 'v2s2'}]
    # The audit reads DEST (what image_convert writes), so a finished conversion is done and mapped.
    records = audit_records(plan, [info(SRC, 'v2s1', 'sha256:s'), info(DEST, 'v2s2', 'sha256:n')])
    assert records[0]['dest'] == DEST and records[0]['status'] == 'done'


def test_legacy_is_schema1_and_lists_with_schema1_children():
    child = {'digest': 'sha256:c', 'size': 1, 'platform': None}
    schema1_child = dict(child, media_type='application/vnd.docker.distribution.manifest.v1+json')
    infos = [info(SRC, 'oci', 'sha256:o'), dict(info('a.example.com/l:1', 'v2s2_list', 'sha256:l'), platforms=[schema1_child])]
    records = audit_records([{'src': SRC, 'dest': DEST}, {'src': 'a.example.com/l:1', 'dest': None}], infos)
    assert [r['legacy'] for r in records] == [False, True]


def test_audit_records_carry_image_key_and_share_details_across_tags():
    src2 = 'old.example.com:5000/legacy/app:2'
    plan = [{'src': SRC, 'dest': DEST}, {'src': src2, 'dest': 'new.example.com/converted/legacy/app:2'}]
    layers = [{'digest': 'sha256:l', 'size': 3, 'media_type': None}]
    known = [dict(info(SRC, 'v2s1', 'sha256:s1'), image_key='sha256:k', layers=None, created=None),
             dict(info(src2, 'v2s1', 'sha256:s2'), image_key='sha256:k', layers=None, created=None)]
    read = [dict(info(SRC, 'v2s1', 'sha256:s1'), image_key='sha256:k', layers=layers, created='2016-01-01T00:00:00Z')]
    records = audit_records(plan, known + read)
    assert [r['image_key'] for r in records] == ['sha256:k', 'sha256:k']
    assert [r['digest'] for r in records] == ['sha256:s1', 'sha256:s2']
    assert records[1]['layers'] == [{'digest': 'sha256:l', 'size': 3}] and records[1]['created'] == '2016-01-01T00:00:00Z'
    # facts without image_key (an older caller): the digest stands for the image
    assert audit_records([{'src': SRC, 'dest': DEST}], [info(SRC, 'v2s1', 'sha256:s')])[0]['image_key'] == 'sha256:s'


# -- layer sizes without blob HEADs: from converted destinations and image_convert's results ----------------------

BASE, OWN = 'sha256:' + 'b' * 64, 'sha256:' + 'c' * 64
SRC2 = 'old.example.com:5000/legacy/app:2'
DEST2 = 'new.example.com/converted/legacy/app:2'


def schema1_info(reference, digest='sha256:s'):
    """A schema 1 source as image_manifest_info reads it without details: its layers' sizes unknown."""
    layers = [{'digest': digest_, 'size': None, 'media_type': None} for digest_ in (BASE, mt.EMPTY_LAYER_DIGEST, OWN)]
    return dict(info(reference, 'v2s1', digest), layers=layers, created='2015-06-01T00:00:00Z')


def test_audit_records_size_schema1_layers_from_a_converted_destination():
    layers = [{'digest': BASE, 'size': 100, 'media_type': mt.DOCKER_LAYER_GZIP}, {'digest': OWN, 'size': 7, 'media_type': mt.DOCKER_LAYER_GZIP}]
    dest = dict(info(DEST, 'v2s2', 'sha256:d'), layers=layers)
    record = audit_records([{'src': SRC, 'dest': DEST}], [schema1_info(SRC), dest])[0]
    assert record['status'] == 'done' and record['created'] == '2015-06-01T00:00:00Z'
    # the history-only step's blob is the gzipped empty tar, whose size its digest fixes
    assert record['layers'] == [{'digest': BASE, 'size': 100}, {'digest': mt.EMPTY_LAYER_DIGEST, 'size': 32},
                                {'digest': OWN, 'size': 7}]


def test_audit_records_leave_sizes_nobody_stated_unknown_and_ignore_bad_ones():
    other = 'old.example.com:5000/legacy/other:1'
    dest = dict(info(DEST, 'v2s2', 'sha256:d'), layers=[{'digest': BASE, 'size': -1}, {'digest': OWN, 'size': True}])
    records = audit_records([{'src': SRC, 'dest': DEST}, {'src': other, 'dest': None}],
                            [schema1_info(SRC), dest, dict(info(other, 'v2s2', 'sha256:o'), layers=[{'digest': BASE, 'size': 5}])])
    # the shared base's size comes from any manifest that states it; OWN's stated sizes are not sizes
    assert records[0]['layers'] == [{'digest': BASE, 'size': 5}, {'digest': mt.EMPTY_LAYER_DIGEST, 'size': 32},
                                    {'digest': OWN, 'size': None}]


def test_apply_conversions_size_layers_from_the_conversions():
    records = audit_records([{'src': SRC, 'dest': DEST}, {'src': SRC2, 'dest': DEST2}],
                            [schema1_info(SRC), schema1_info(SRC2, 'sha256:t')])
    assert records[0]['layers'][0]['size'] is None
    converted = {'src': SRC, 'dest': DEST, 'dest_digest': 'sha256:n', 'dest_format': 'v2s2', 'failed': False,
                 'layers': [{'digest': BASE, 'size': 100}, {'digest': OWN, 'size': 7}]}
    linked = dict(converted, src=SRC2, dest=DEST2, layers=None, linked_from=SRC)  # a linked tag lists no layers
    after = apply_conversions(records, [converted, linked])
    assert [[layer['size'] for layer in r['layers']] for r in after] == [[100, 32, 7], [100, 32, 7]]
    assert after[1]['status'] == 'done'
    assert records[0]['layers'][0]['size'] is None  # not mutated
