# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import time

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import InvalidReferenceError, NotFoundError, RegistryError
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.image_info import inspect_images
from ansible_collections.imagefleet.registry.tests.unit.plugins.module_utils.fake_registry import FakeRegistry, push_v2s2
from ansible_collections.imagefleet.registry.tests.unit.plugins.module_utils.recorded import recorded


def registry(**repositories):
    """A fake registry whose repositories hold, at tag 1, a recorded manifest or an error."""
    fake = FakeRegistry('127.0.0.1:5000')
    for repository, what in repositories.items():
        if isinstance(what, Exception):
            fake.errors[(repository, '1')] = what
        else:
            fake.add_manifest(repository, '1', *recorded(what)[:2])
    return fake


REGISTRIES = registry(**{
    'legacy/app': 'schema1-multi',
    'gone/app': NotFoundError('manifest unknown', status=404),
    'down/app': RegistryError('registry 127.0.0.1:1: cannot connect (tried 1 times): connection refused', registry='127.0.0.1:1'),
})
REFS = ['127.0.0.1:5000/legacy/app:1', '127.0.0.1:5000/gone/app:1', '127.0.0.1:1/down/app:1']


def test_on_error_fail_raises_the_first_error():
    with pytest.raises(RegistryError, match='cannot connect'):
        inspect_images(REGISTRIES, REFS, 2)


def test_on_error_report_keeps_going():
    legacy, gone, down = inspect_images(REGISTRIES, REFS, 2, on_error='report')
    assert legacy['exists'] is True and legacy['format'] == 'v2s1' and 'error' not in legacy
    assert gone['exists'] is False and 'error' not in gone
    assert down == {'reference': '127.0.0.1:1/down/app:1', 'registry': '127.0.0.1:1', 'repository': 'down/app', 'tag': '1',
                    'exists': None, 'error': 'registry 127.0.0.1:1: cannot connect (tried 1 times): connection refused'}


def test_a_malformed_reference_fails_either_way():
    with pytest.raises(InvalidReferenceError):
        inspect_images(REGISTRIES, ['UPPER/Case:1'], 1, on_error='report')


def test_details_add_schema1_layer_sizes_once_per_blob():
    fake = FakeRegistry('127.0.0.1:5000')
    legacy = fake.add_manifest('legacy/app', '1', *recorded('schema1-multi')[:2])
    fake.tags_of['legacy/app']['2'] = legacy.digest
    layers = [layer['blobSum'] for layer in legacy.doc['fsLayers']]
    for index, digest in enumerate(layers):
        fake.add_blob('legacy/app', b'x' * (index + 1), digest=digest)
    first, second = inspect_images(fake, ['127.0.0.1:5000/legacy/app:1', '127.0.0.1:5000/legacy/app:2'], 1, details=True)
    assert all(layer['size'] for layer in first['layers']) and first['layers'] == second['layers']
    assert fake.count('blob_size') + fake.count('get_blob_bytes') == len(set(layers))
    assert first['created'] and first['created'][:4].isdigit()
    assert inspect_images(registry(**{'legacy/app': 'schema1-multi'}), ['127.0.0.1:5000/legacy/app:1'], 1)[0]['layers'][0]['size'] is None


def test_details_read_created_from_the_config_once():
    fake = FakeRegistry('127.0.0.1:5000')
    image = fake.add_manifest('modern/app', '1', *recorded('v2s2')[:2])
    fake.tags_of['modern/app']['2'] = image.digest
    config = image.doc['config']['digest']
    fake.add_blob('modern/app', b'{"created": "2021-02-03T04:05:06Z", "rootfs": {}}', digest=config)
    facts = inspect_images(fake, ['127.0.0.1:5000/modern/app:1', '127.0.0.1:5000/modern/app:2'], 1, details=True)
    assert [f['created'] for f in facts] == ['2021-02-03T04:05:06Z'] * 2
    assert (fake.count('get_blob_bytes'), fake.count('blob_size')) == (1, 0)


def test_after_a_missing_tag_its_repository_is_listed_and_other_missing_tags_cost_no_request():
    fake = FakeRegistry('127.0.0.1:5000')
    push_v2s2(fake, 'converted/app', '1')
    push_v2s2(fake, 'legacy/app', '1')
    fake.tags_of['legacy/app']['2'] = fake.tags_of['legacy/app']['1']
    refs = (['127.0.0.1:5000/legacy/app:1', '127.0.0.1:5000/legacy/app:2']
            + ['127.0.0.1:5000/converted/app:%d' % n for n in range(1, 6)] + ['127.0.0.1:5000/converted/solo:1'])
    listings = []
    tags = fake.tags
    fake.tags = lambda repository: listings.append(repository) or tags(repository)
    facts = inspect_images(fake, refs, 1)
    assert [f['exists'] for f in facts] == [True, True, True, False, False, False, False, False]
    assert facts[3] == {'reference': refs[3], 'registry': '127.0.0.1:5000', 'repository': 'converted/app', 'tag': '2',
                        'exists': False}
    # sources that exist are not listed; converted/app is listed after its first missing tag, converted/solo (one tag) never
    assert listings == ['converted/app']
    assert fake.count('get_manifest', 'converted/app') == 2 and fake.count('get_manifest', 'converted/solo') == 1


def test_a_repository_whose_listing_fails_is_read_tag_by_tag():
    fake = FakeRegistry('127.0.0.1:5000')
    push_v2s2(fake, 'app', '1')

    def refuse(repository):
        raise RegistryError('listing refused', registry='127.0.0.1:5000')

    fake.tags = refuse
    refs = ['127.0.0.1:5000/app:1', '127.0.0.1:5000/app:2', '127.0.0.1:5000/app:3']
    facts = inspect_images(fake, refs, 1)
    assert [f['exists'] for f in facts] == [True, False, False] and fake.count('get_manifest') == 3


def test_a_repository_with_many_tags_asked_for_is_listed_before_reading():
    fake = FakeRegistry('127.0.0.1:5000')
    push_v2s2(fake, 'converted/app', '1')
    refs = ['127.0.0.1:5000/converted/app:%d' % n for n in range(1, 9)]
    facts = inspect_images(fake, refs, 4)
    assert [f['exists'] for f in facts] == [True] + [False] * 7
    assert fake.count('get_manifest') == 1


def test_details_of_tags_read_side_by_side_ask_for_each_blob_once(monkeypatch):
    fake = FakeRegistry('127.0.0.1:5000')
    legacy = fake.add_manifest('legacy/app', '1', *recorded('schema1-multi')[:2])
    tags = [str(number) for number in range(1, 9)]
    for tag in tags[1:]:
        fake.tags_of['legacy/app'][tag] = legacy.digest
    layers = [layer['blobSum'] for layer in legacy.doc['fsLayers']]
    for index, digest in enumerate(layers):
        fake.add_blob('legacy/app', b'x' * (index + 1), digest=digest)
    blob_size = fake.blob_size

    def slow_blob_size(*args, **kwargs):
        time.sleep(0.05)  # a registry's round trip: the other tags' threads ask meanwhile
        return blob_size(*args, **kwargs)

    monkeypatch.setattr(fake, 'blob_size', slow_blob_size)
    facts = inspect_images(fake, ['127.0.0.1:5000/legacy/app:%s' % tag for tag in tags], 8, details=True)
    assert all(f['layers'] == facts[0]['layers'] for f in facts)
    assert fake.count('blob_size') == len(set(layers))


def test_the_manifests_read_are_filed_for_the_conversion(tmp_path):
    from ansible_collections.imagefleet.registry.plugins.module_utils._registry.manifest_cache import ManifestCache
    cache = ManifestCache(str(tmp_path))
    fake = registry(**{'legacy/app': 'schema1-multi'})
    facts = inspect_images(fake, ['127.0.0.1:5000/legacy/app:1', '127.0.0.1:5000/gone/app:1'], 2, manifests=cache)
    assert facts[1]['exists'] is False
    assert [entry.name for entry in tmp_path.iterdir()] == [facts[0]['digest'].replace(':', '-')]
    assert cache.get(facts[0]['digest']).digest == facts[0]['digest']
