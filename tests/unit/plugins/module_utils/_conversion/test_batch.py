# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The conversion core (_conversion: batch, converter, blobs) against the shared fake registry.

Through the functions image_convert calls: parse_requests and convert_all.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.batch import convert_all, parse_requests
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import (
    ConflictError,
    ImagefleetError,
    InvalidReferenceError,
    RegistryError,
)
from ansible_collections.imagefleet.registry.tests.unit.plugins.module_utils.fake_registry import (
    FakeRegistries,
    FakeRegistry,
    push_schema1,
    push_v2s2,
)

DEFAULTS = {'format': 'v2s2', 'force': False, 'backup_tag': None}


def convert(registries, *items, check_mode=False, raise_errors=True, **defaults):
    requests = parse_requests([dict(src=src, dest=dest) for src, dest in items], dict(DEFAULTS, **defaults))
    return convert_all(registries, requests, parallel=1, blob_parallel=2, check_mode=check_mode, raise_errors=raise_errors)


@pytest.fixture
def registry():
    return FakeRegistry('reg.example')


@pytest.fixture
def registries(registry):
    return FakeRegistries(registry)


def test_schema1_converts_in_place_and_reads_back(registry, registries):
    legacy = push_schema1(registry, 'legacy/app', '1')
    results, summary = convert(registries, ('reg.example/legacy/app:1', 'reg.example/legacy/app:1'))
    result = results[0]
    converted = registry.get_manifest('legacy/app', '1')
    assert converted.format == mt.FORMAT_V2S2 and result['dest_digest'] == converted.digest
    assert (result['src_digest'], result['src_format'], result['changed']) == (legacy.digest, 'v2s1', True)
    assert result['diff'] == {'before': {'format': 'v2s1', 'digest': legacy.digest}, 'after': {'format': 'v2s2', 'digest': converted.digest}}
    config = json.loads(registry.get_blob_bytes('legacy/app', converted.doc['config']['digest'], mt.MAX_MANIFEST_BYTES))
    assert len(config['rootfs']['diff_ids']) == 2
    # Same repository: every layer is already there, and is read once for its diff_id.
    assert (summary['blobs_skipped'], summary['blobs_uploaded'], summary['blobs_mounted']) == (2, 0, 0)
    assert summary['bytes_read'] == sum(layer['size'] for layer in converted.doc['layers'])
    assert (summary['total'], summary['converted'], summary['unchanged'], summary['failed']) == (1, 1, 0, 0)


def test_a_rerun_reads_no_layer(registry, registries):
    push_schema1(registry, 'legacy/app', '1')
    convert(registries, ('reg.example/legacy/app:1', 'reg.example/new/app:1'))
    before = list(registry.calls)
    # A fresh run (a new module call): what is known comes from the destination's own config.
    results, summary = convert(registries, ('reg.example/legacy/app:1', 'reg.example/new/app:1'))
    again = registry.calls[len(before):]
    assert results[0]['changed'] is False and summary['unchanged'] == 1
    assert not [call for call in again if call[0] in ('open_blob', 'upload_blob', 'put_manifest', 'mount_blob')]
    assert summary['bytes_read'] == 0


def test_check_mode_writes_nothing_and_reads_no_layer(registry, registries):
    push_schema1(registry, 'legacy/app', '1')
    results, _summary = convert(registries, ('reg.example/legacy/app:1', 'reg.example/new/app:1'), check_mode=True)
    assert results[0]['changed'] is True and results[0]['dest_digest'] is None  # unknown without reading layers
    assert not [call for call in registry.calls if call[0] in ('open_blob', 'upload_blob', 'put_manifest', 'mount_blob')]
    assert 'new/app' not in registry.tags_of


def test_another_image_at_the_destination_is_a_conflict_unless_forced(registry, registries):
    push_schema1(registry, 'legacy/app', '1')
    other = push_v2s2(registry, 'new/app', '1', contents=('something else',))
    with pytest.raises(ConflictError, match=r'destination reg.example/new/app:1 already holds %s .*set force' % other.digest):
        convert(registries, ('reg.example/legacy/app:1', 'reg.example/new/app:1'))
    assert registry.count('put_manifest') == 0
    results, _summary = convert(registries, ('reg.example/legacy/app:1', 'reg.example/new/app:1'), force=True)
    assert results[0]['changed'] and registry.get_manifest('new/app', '1').digest == results[0]['dest_digest'] != other.digest


def test_a_conflict_in_a_batch_fails_that_image_only(registry, registries):
    push_schema1(registry, 'legacy/app', '1')
    push_schema1(registry, 'legacy/app', '2', contents=('base', 'two'))
    push_v2s2(registry, 'new/app', '1', contents=('something else',))
    results, summary = convert(registries, ('reg.example/legacy/app:1', 'reg.example/new/app:1'),
                               ('reg.example/legacy/app:2', 'reg.example/new/app:2'), raise_errors=False)
    assert [r['failed'] for r in results] == [True, False] and 'set force' in results[0]['msg']
    assert (summary['converted'], summary['failed']) == (1, 1)


def test_backup_tag_keeps_the_replaced_manifest(registry, registries):
    legacy = push_schema1(registry, 'legacy/app', '1')
    results, _summary = convert(registries, ('reg.example/legacy/app:1', 'reg.example/legacy/app:1'), backup_tag='1-schema1')
    assert results[0]['backup'] == 'reg.example/legacy/app:1-schema1'
    assert registry.get_manifest('legacy/app', '1-schema1').digest == legacy.digest


def test_backup_tag_holding_something_else_is_a_conflict_unless_forced(registry, registries):
    legacy = push_schema1(registry, 'legacy/app', '1')
    other = push_v2s2(registry, 'legacy/app', 'old', contents=('other',))
    with pytest.raises(ConflictError, match='backup tag reg.example/legacy/app:old already holds %s' % other.digest):
        convert(registries, ('reg.example/legacy/app:1', 'reg.example/legacy/app:1'), backup_tag='old')
    assert registry.get_manifest('legacy/app', '1').digest == legacy.digest  # nothing replaced
    convert(registries, ('reg.example/legacy/app:1', 'reg.example/legacy/app:1'), backup_tag='old', force=True)
    assert registry.get_manifest('legacy/app', 'old').digest == legacy.digest


def test_the_manifest_push_race_is_retried(registry, registries):
    push_schema1(registry, 'legacy/app', '1')
    registry.push_races = 2
    results, _summary = convert(registries, ('reg.example/legacy/app:1', 'reg.example/new/app:1'))
    assert results[0]['changed'] and registry.count('put_manifest') == 3 and registry.waited == [0, 1]
    assert registry.get_manifest('new/app', '1').digest == results[0]['dest_digest']


def test_a_push_race_that_does_not_end_fails(registry, registries):
    push_schema1(registry, 'legacy/app', '1')
    registry.push_races = 100
    with pytest.raises(RegistryError) as caught:
        convert(registries, ('reg.example/legacy/app:1', 'reg.example/new/app:1'))
    assert caught.value.code == 'DIGEST_INVALID' and registry.count('put_manifest') == 6


def test_blobs_are_mounted_within_a_registry_and_skipped_when_present(registry, registries):
    push_v2s2(registry, 'modern/app', '1')
    _results, summary = convert(registries, ('reg.example/modern/app:1', 'reg.example/copy/app:1'), format='oci')
    assert (summary['blobs_mounted'], summary['blobs_skipped'], summary['blobs_uploaded']) == (2, 0, 0)
    assert registry.count('open_blob') == 0  # v2s2 -> oci needs no layer bytes
    push_v2s2(registry, 'modern/app', '2', contents=('base', 'other'))
    _results, summary = convert(registries, ('reg.example/modern/app:2', 'reg.example/modern/app:2'), format='oci')
    assert (summary['blobs_mounted'], summary['blobs_skipped'], summary['blobs_uploaded']) == (0, 2, 0)
    assert registry.get_manifest('modern/app', '2').format == mt.FORMAT_OCI


def test_blobs_are_uploaded_across_registries(registry):
    target = FakeRegistry('other.example')
    push_schema1(registry, 'legacy/app', '1')
    results, summary = convert(FakeRegistries(registry, target), ('reg.example/legacy/app:1', 'other.example/legacy/app:1'))
    assert (summary['blobs_mounted'], summary['blobs_skipped'], summary['blobs_uploaded']) == (0, 0, 2)
    assert summary['bytes_uploaded'] == summary['bytes_read'] > 0
    assert target.count('mount_blob') == 0 and target.get_manifest('legacy/app', '1').digest == results[0]['dest_digest']
    assert registry.count('put_manifest') == 0  # the source is never written to


def test_a_202_to_a_mount_uploads_into_the_session_it_opened(registry, registries):
    push_v2s2(registry, 'modern/app', '1')
    registry.mount_opens_session = True
    _results, summary = convert(registries, ('reg.example/modern/app:1', 'reg.example/copy/app:1'), format='oci')
    assert (summary['blobs_mounted'], summary['blobs_uploaded']) == (0, 2)
    assert registry.count('upload_blob', 'copy/app') == 3  # two layers and the new config


def test_a_broken_upload_starts_again_from_the_source(registry):
    target = FakeRegistry('other.example')
    push_schema1(registry, 'legacy/app', '1', contents=('only',))
    target.break_uploads = 2
    results, summary = convert(FakeRegistries(registry, target), ('reg.example/legacy/app:1', 'other.example/legacy/app:1'))
    assert results[0]['changed'] and summary['blobs_uploaded'] == 1
    assert registry.count('open_blob') == 3 and target.waited == [0, 1]
    layer = target.get_manifest('legacy/app', '1').doc['layers'][0]
    assert summary['bytes_uploaded'] == layer['size']  # only the attempt that got through counts


def test_an_upload_that_keeps_breaking_fails(registry):
    target = FakeRegistry('other.example')
    push_schema1(registry, 'legacy/app', '1', contents=('only',))
    target.break_uploads = 10
    with pytest.raises(RegistryError, match='Connection reset'):
        convert(FakeRegistries(registry, target), ('reg.example/legacy/app:1', 'other.example/legacy/app:1'))
    assert registry.count('open_blob') == 3 and target.count('put_manifest') == 0


def test_a_missing_source_names_itself(registries):
    results, summary = convert(registries, ('reg.example/nothing/here:1', 'reg.example/new/app:1'), raise_errors=False)
    assert summary['failed'] == 1 and results[0]['msg'] == 'source image reg.example/nothing/here:1 does not exist'


def test_requests_are_validated_before_any_request(registry, registries):
    with pytest.raises(ImagefleetError, match=r'images\[1\] has no dest'):
        parse_requests([{'src': 'reg.example/a:1', 'dest': 'reg.example/b:1'}, {'src': 'reg.example/a:2'}], DEFAULTS)
    with pytest.raises(InvalidReferenceError, match='pinned by digest'):
        convert(registries, ('reg.example/a:1', 'reg.example/b@sha256:' + '0' * 64))
    assert registry.calls == []
