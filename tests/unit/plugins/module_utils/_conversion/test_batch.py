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
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.batch import conversion_item, convert_all, parse_requests
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
    assert (summary['images'], summary['converted'], summary['unchanged'], summary['failed']) == (1, 1, 0, 0)


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


# -- the migrate-path contract: audit records in, what the audit knows trusted ---------------------------------

def record(src, dest, source=None, **known):
    """An audit record as the audit_records filter makes it (the fields a conversion reads, and some it ignores)."""
    item = {'src': src, 'dest': dest, 'target_format': 'v2s2', 'status': 'needs_conversion', 'layers': [], 'legacy': True}
    if source is not None:
        item.update(format=source.format, digest=source.digest, dest_exists=False, dest_format=None, dest_digest=None)
    item.update(known)
    return item


def run(registries, items, check_mode=False, parallel=1, **defaults):
    requests = parse_requests(items, dict(DEFAULTS, **defaults))
    return convert_all(registries, requests, parallel=parallel, blob_parallel=2, check_mode=check_mode)


def calls_since(registry, mark):
    return [call[0] for call in registry.calls[mark:]]


def test_results_carry_the_contract_fields(registry, registries):
    legacy = push_schema1(registry, 'legacy/app', '1')
    results, summary = run(registries, [record('reg.example/legacy/app:1', 'reg.example/new/app', legacy)])
    result = results[0]
    assert result['dest'] == 'reg.example/new/app:1'  # plain: the digest is dest_digest
    assert (result['target_format'], result['verified'], result['linked_from'], result['failed']) == ('v2s2', True, None, False)
    assert registry.get_manifest('new/app', '1').digest == result['dest_digest']
    assert dict((k, summary[k]) for k in ('images', 'converted', 'unchanged', 'failed', 'linked')) == {
        'images': 1, 'converted': 1, 'unchanged': 0, 'failed': 0, 'linked': 0}


def test_results_list_the_layers_of_the_destination_image(registry, registries):
    """What the report weighs a schema 1 image by (its manifest states no size): the pushed or found image's layers."""
    legacy = push_schema1(registry, 'legacy/app', '1', contents=('base', 'own'))
    item = record('reg.example/legacy/app:1', 'reg.example/new/app:1', legacy)
    results, _summary = run(registries, [item])
    layers = [{'digest': layer['digest'], 'size': layer['size']} for layer in registry.get_manifest('new/app', '1').doc['layers']]
    assert results[0]['layers'] == layers and len(layers) == 2 and all(layer['size'] > 0 for layer in layers)
    again, _summary = run(registries, [dict(item, dest_exists=True, dest_format='v2s2', dest_digest=results[0]['dest_digest'])])
    assert again[0]['changed'] is False and again[0]['layers'] == layers  # found already converted
    predicted, _summary = run(registries, [item], check_mode=True)
    assert predicted[0]['layers'] is None  # no layer read, no size known


def test_the_legacy_format_item_means_the_target(registry, registries):
    push_v2s2(registry, 'modern/app', '1')
    results, _summary = run(registries, [{'src': 'reg.example/modern/app:1', 'dest': 'reg.example/copy/app:1', 'format': 'oci'}])
    assert results[0]['target_format'] == 'oci' and registry.get_manifest('copy/app', '1').format == mt.FORMAT_OCI
    # With target_format, `format` is the source's audited format.
    results, _summary = run(registries, [{'src': 'reg.example/modern/app:1', 'dest': 'reg.example/copy/app:2', 'format': 'v2s2',
                                          'target_format': 'oci'}])
    assert results[0]['target_format'] == 'oci'


def test_bad_items_name_themselves_before_any_request(registry, registries):
    for item, message in (({'src': 'reg.example/a:1', 'dest': 'reg.example/b:1', 'target_format': 'v2s1'}, r"images\[0\].*'v2s1'"),
                          ({'src': 'reg.example/a:1', 'dest': 'reg.example/b:1', 'digest': 'nope'}, r"images\[0\]\.digest 'nope'"),
                          ({'src': 'reg.example/a:1', 'dest': 'reg.example/b:1', 'dest_exists': 'yes'}, r'images\[0\]\.dest_exists')):
        with pytest.raises(ImagefleetError, match=message):
            parse_requests([item], DEFAULTS)
    assert registry.calls == []


def test_audit_knowledge_spares_the_destination_check_and_the_read_back(registry, registries):
    """Per schema 1 image within one registry (shared base, two own layers): 8 calls, 9 HTTP requests on distribution 2.8
    (the config upload is a POST and a PUT there); the shared base is read once per run."""
    first = push_schema1(registry, 'fleet/a', '1', contents=('base', 'a1', 'a2'))
    second = push_schema1(registry, 'fleet/b', '1', contents=('base', 'b1', 'b2'))
    results, _summary = run(registries, [record('reg.example/fleet/a:1', 'reg.example/engine/fleet/a:1', first),
                                         record('reg.example/fleet/b:1', 'reg.example/engine/fleet/b:1', second)])
    calls = [call[0] for call in registry.calls if call[1].endswith('fleet/b')]
    assert sorted(calls) == ['get_manifest', 'mount_blob', 'mount_blob', 'mount_blob', 'open_blob', 'open_blob', 'put_manifest',
                             'upload_blob']
    assert registry.count('open_blob') == 5  # the base once for both
    assert all(r['verified'] for r in results)
    assert registry.get_manifest('engine/fleet/b', '1').digest == results[1]['dest_digest']


def test_in_place_reads_the_source_once_and_heads_only_the_layer_it_does_not_read(registry, registries):
    push_schema1(registry, 'fleet/a', '1', contents=('base', 'a1'))
    legacy = push_schema1(registry, 'fleet/b', '1', contents=('base', 'b1'))
    results, _summary = run(registries, [
        record('reg.example/fleet/a:1', 'reg.example/fleet/a:1'),  # no knowledge: reads the base for its diff_id
        record('reg.example/fleet/b:1', 'reg.example/fleet/b:1', legacy, dest_exists=True, dest_format='v2s1', dest_digest=legacy.digest)])
    assert results[1]['changed'] and results[1]['diff'] == {'before': {'format': 'v2s1', 'digest': legacy.digest},
                                                            'after': {'format': 'v2s2', 'digest': results[1]['dest_digest']}}
    assert sorted(call[0] for call in registry.calls if call[1] == 'fleet/b') == [
        'blob_size', 'get_manifest', 'open_blob', 'put_manifest', 'upload_blob']


def test_a_source_changed_since_the_audit_is_refused(registry, registries):
    legacy = push_schema1(registry, 'legacy/app', '1')
    stale = record('reg.example/legacy/app:1', 'reg.example/new/app:1', legacy, digest='sha256:' + '0' * 64)
    requests = parse_requests([stale], DEFAULTS)
    results, summary = convert_all(registries, requests, parallel=1, blob_parallel=1, check_mode=False)
    assert summary['failed'] == 1 and 'not sha256:%s as audited' % ('0' * 64) in results[0]['msg']
    assert registry.count('put_manifest') == 0


def test_a_conversion_item_is_read_as_its_whole_record(registry, registries):
    """migration_batches hands image_convert conversion_item(record): the same requests, so the same answers."""
    known = {'format': 'v2s1', 'digest': 'sha256:' + '1' * 64, 'image_key': 'sha256:' + '3' * 64, 'dest_exists': True,
             'dest_format': 'oci', 'dest_digest': 'sha256:' + '2' * 64, 'force': True, 'backup_tag': 'old'}
    whole = [record('reg.example/a:1', 'reg.example/new/a:1', **known), record('reg.example/b:1', 'reg.example/new/b:1')]
    items = [conversion_item(item) for item in whole]
    assert 'layers' not in items[0] and 'status' not in items[0] and 'dest_digest' in items[0]
    assert parse_requests(items, DEFAULTS) == parse_requests(whole, DEFAULTS)
    assert run(registries, items, check_mode=True) == run(registries, whole, check_mode=True)


def test_check_mode_with_audit_knowledge_sends_no_request(registry, registries):
    done = {'format': 'v2s1', 'digest': 'sha256:' + '1' * 64, 'dest_exists': True, 'dest_format': 'v2s2', 'dest_digest': 'sha256:' + '2' * 64}
    todo = dict(done, dest_exists=False, dest_format=None, dest_digest=None)
    other = dict(done, dest_format='oci')
    items = [dict(record('reg.example/a/%d:1' % i, 'reg.example/new/a/%d:1' % i), **(done if i % 2 else todo)) for i in range(5000)]
    items.append(dict(record('reg.example/b:1', 'reg.example/new/b:1'), **other))
    results, summary = run(registries, items, check_mode=True, parallel=8)
    assert registry.calls == []
    assert (summary['converted'], summary['unchanged'], summary['failed']) == (2500, 2500, 1)
    assert results[1]['dest_digest'] == 'sha256:' + '2' * 64 and results[0]['dest_digest'] is None
    assert 'set force' in results[-1]['msg']


def test_tags_of_one_image_convert_once_and_the_others_link(registry, registries):
    tags = ['1', '1.2', '1.2.3', 'latest'] + ['ci-%d' % i for i in range(46)]  # 50 tags of one schema 1 image
    sources = [push_schema1(registry, 'legacy/app', tag, contents=('base', 'own')) for tag in tags]
    assert len(set(source.digest for source in sources)) == 50  # each manifest names its tag
    items = [record('reg.example/legacy/app:%s' % tag, 'reg.example/new/app:%s' % tag, source, image_key='sha256:' + 'a' * 64)
             for tag, source in zip(tags, sources)]
    mark = len(registry.calls)
    results, summary = run(registries, items, parallel=4)
    calls = calls_since(registry, mark)
    first = results[0]
    assert (summary['converted'], summary['linked'], summary['failed']) == (50, 49, 0)
    assert all(r['dest_digest'] == first['dest_digest'] and r['verified'] for r in results)
    assert [r['linked_from'] for r in results] == [None] + ['reg.example/legacy/app:1'] * 49
    assert first['layers'] and [r['layers'] for r in results[1:]] == [None] * 49  # listed once, in the leader's result
    assert registry.get_manifest('new/app', 'ci-45').digest == first['dest_digest']
    # Beyond the first: one HEAD of the source and one manifest PUT per tag.
    assert len(calls) - first_conversion_calls(calls) == 2 * 49
    assert calls.count('head_manifest') == 49 and calls.count('put_manifest') == 50


def first_conversion_calls(calls):
    return len([c for c in calls if c != 'head_manifest']) - (calls.count('put_manifest') - 1)


def test_a_linked_tag_into_another_repository_mounts_the_blobs_first(registry, registries):
    one = push_schema1(registry, 'legacy/app', '1')
    two = push_schema1(registry, 'legacy/app', '2')
    key = {'image_key': 'sha256:' + 'b' * 64}
    results, _summary = run(registries, [record('reg.example/legacy/app:1', 'reg.example/new/app:1', one, **key),
                                         record('reg.example/legacy/app:2', 'reg.example/other/app:2', two, **key)])
    assert results[1]['linked_from'] == 'reg.example/legacy/app:1' and results[1]['blobs_mounted'] == 3  # config and two layers
    assert registry.get_manifest('other/app', '2').digest == results[0]['dest_digest']


def test_a_linked_tag_whose_source_moved_fails_alone(registry, registries):
    one = push_schema1(registry, 'legacy/app', '1')
    two = push_schema1(registry, 'legacy/app', '2')
    key = {'image_key': 'sha256:' + 'c' * 64}
    push_schema1(registry, 'legacy/app', '2', contents=('base', 'moved'))
    requests = parse_requests([record('reg.example/legacy/app:1', 'reg.example/new/app:1', one, **key),
                               record('reg.example/legacy/app:2', 'reg.example/new/app:2', two, **key)], DEFAULTS)
    results, summary = convert_all(registries, requests, parallel=1, blob_parallel=1, check_mode=False)
    assert (summary['converted'], summary['failed']) == (1, 1) and 'as audited' in results[1]['msg']
    assert 'new/app' in registry.tags_of and '2' not in registry.tags_of['new/app']


def test_a_rerun_of_linked_tags_pushes_nothing(registry, registries):
    sources = [push_schema1(registry, 'legacy/app', tag) for tag in ('1', '2', '3')]
    key = {'image_key': 'sha256:' + 'd' * 64}
    items = [record('reg.example/legacy/app:%d' % (i + 1), 'reg.example/new/app:%d' % (i + 1), s, **key) for i, s in enumerate(sources)]
    results, _summary = run(registries, items)
    done = [dict(item, dest_exists=True, dest_format='v2s2', dest_digest=results[0]['dest_digest']) for item in items]
    mark = len(registry.calls)
    results, summary = run(registries, done)
    assert summary['unchanged'] == 3 and registry.count('put_manifest') == 3
    assert 'put_manifest' not in calls_since(registry, mark) and 'open_blob' not in calls_since(registry, mark)


def test_in_place_a_layer_another_image_read_meanwhile_is_still_checked_here(registry):
    from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.blobs import BlobMover, Location, TransferStats
    base = push_schema1(registry, 'fleet/a', '1', contents=('base',)).doc['fsLayers'][0]['blobSum']
    push_schema1(registry, 'fleet/b', '1', contents=('base',))
    mover = BlobMover()
    mover.read_diff_id(Location(registry, 'fleet/a'), base, TransferStats())
    here = Location(registry, 'fleet/b')
    real_peek = mover._diff_ids.peek
    answers = iter([None])  # copy() looks before the other read lands; read_diff_id then finds it cached
    mover._diff_ids.peek = lambda digest: next(answers, real_peek(digest))
    mark = len(registry.calls)
    assert mover.copy(here, here, base, TransferStats(), want_diff_id=True)[0] == 'skipped'
    assert [call[0] for call in registry.calls[mark:]] == ['blob_size']


def test_the_batches_of_one_process_read_a_shared_layer_once_and_a_verification_reads_it_again(registry, registries):
    """Batches of one task in Ansible's worker process: a layer hashed by one batch is not read by the next (the
    mount still confirms it at each destination); a verifier's mover reads what the destination serves."""
    from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.blobs import BlobMover, Location, TransferStats
    first = push_schema1(registry, 'fleet/a', '1', contents=('base', 'own-a'))
    second = push_schema1(registry, 'fleet/b', '1', contents=('base', 'own-b'))
    base = first.doc['fsLayers'][-1]['blobSum']
    run(registries, [record('reg.example/fleet/a:1', 'reg.example/new/a:1', first)])
    mark = len(registry.calls)
    results, summary = run(registries, [record('reg.example/fleet/b:1', 'reg.example/new/b:1', second)])
    assert summary['converted'] == 1 and not results[0]['failed']
    read = [call for call in registry.calls[mark:] if call[0] == 'open_blob']
    assert base not in [call[-1] for call in read] and len(read) == 1
    mark = len(registry.calls)
    BlobMover().read_diff_id(Location(registry, 'new/b'), base, TransferStats())
    assert [call[0] for call in registry.calls[mark:]] == ['open_blob']


# -- the manifest cache: each source read once per run ----------------------------------------------------------

def test_sources_the_audit_filed_are_not_read_again(registry, registries, tmp_path):
    """With the audit's copies, a schema 1 image within one registry costs 7 calls (8 requests on distribution 2.8),
    and every other tag of it one manifest PUT."""
    from ansible_collections.imagefleet.registry.plugins.module_utils._registry.manifest_cache import ManifestCache
    cache = ManifestCache(str(tmp_path))
    tags = ['1', '2', '3']
    sources = [push_schema1(registry, 'legacy/app', tag, contents=('base', 'own1', 'own2')) for tag in tags]
    for source in sources:
        cache.put(source)
    items = [record('reg.example/legacy/app:%s' % tag, 'reg.example/new/app:%s' % tag, source, image_key='sha256:' + 'd' * 64)
             for tag, source in zip(tags, sources)]
    mark = len(registry.calls)
    results, summary = convert_all(registries, parse_requests(items, DEFAULTS), parallel=1, blob_parallel=1, check_mode=False,
                                   manifests=cache)
    calls = calls_since(registry, mark)
    assert (summary['converted'], summary['linked'], summary['failed']) == (3, 2, 0)
    assert 'get_manifest' not in calls and 'head_manifest' not in calls
    assert sorted(calls) == sorted(['mount_blob'] * 3 + ['open_blob'] * 3 + ['upload_blob'] + ['put_manifest'] * 3)
    assert [r['src_digest'] for r in results] == [s.digest for s in sources]
    assert registry.get_manifest('new/app', '3').digest == results[0]['dest_digest']


def test_a_source_not_filed_or_filed_wrong_is_read(registry, registries, tmp_path):
    from ansible_collections.imagefleet.registry.plugins.module_utils._registry.manifest_cache import ManifestCache
    cache = ManifestCache(str(tmp_path))
    one = push_schema1(registry, 'legacy/app', '1')
    two = push_schema1(registry, 'legacy/app', '2')
    cache.put(two)
    (tmp_path / two.digest.replace(':', '-')).write_bytes(b'application/json\n{}')  # not that manifest any more
    mark = len(registry.calls)
    results, summary = convert_all(registries, parse_requests([record('reg.example/legacy/app:1', 'reg.example/new/app:1', one),
                                                               record('reg.example/legacy/app:2', 'reg.example/new/app:2', two)],
                                                              DEFAULTS),
                                   parallel=1, blob_parallel=1, check_mode=False, manifests=cache)
    assert summary['converted'] == 2 and calls_since(registry, mark).count('get_manifest') == 2
    assert [r['src_digest'] for r in results] == [one.digest, two.digest]
