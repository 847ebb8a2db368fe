# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._image.digest import sha256_digest
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import DigestMismatchError, ManifestError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.manifest import (
    classify,
    describe,
    image_key,
    parse_manifest,
    verify_manifest,
)
from ansible_collections.imagefleet.registry.tests.unit.plugins.module_utils.fake_registry import FakeRegistry, push_schema1
from ansible_collections.imagefleet.registry.tests.unit.plugins.module_utils.recorded import recorded


@pytest.mark.parametrize('name, fmt', [
    ('schema1-multi', 'v2s1'), ('schema1-repeated', 'v2s1'), ('v2s2', 'v2s2'), ('oci', 'oci'),
    ('list', 'v2s2_list'), ('index', 'oci_index'),
])
def test_recorded_manifests_classify_and_digest_like_the_registry(name, fmt):
    raw, content_type, registry_digest = recorded(name)
    manifest = parse_manifest(raw, content_type)
    assert manifest.format == fmt
    assert manifest.digest == registry_digest
    assert verify_manifest(manifest, registry_digest) is manifest


def test_signed_schema1_digest_is_not_the_hash_of_its_bytes():
    raw, content_type, registry_digest = recorded('schema1-multi')
    assert sha256_digest(raw) != registry_digest
    manifest = parse_manifest(raw, content_type)
    assert manifest.signed
    assert manifest.media_type == mt.DOCKER_V2S1_SIGNED
    with pytest.raises(DigestMismatchError) as exc:
        verify_manifest(manifest, sha256_digest(raw))
    assert registry_digest in str(exc.value)


def test_unsigned_schema1_digest_is_its_bytes():
    raw, _ct, _d = recorded('schema1-multi')
    doc = json.loads(raw)
    del doc['signatures']
    unsigned = json.dumps(doc).encode()
    manifest = parse_manifest(unsigned, 'application/json')
    assert manifest.format == 'v2s1'
    assert not manifest.signed
    assert manifest.digest == sha256_digest(unsigned)


def test_body_decides_over_a_generic_content_type():
    raw, _ct, digest = recorded('oci')
    doc = json.loads(raw)
    doc.pop('mediaType', None)
    assert classify(doc, 'application/octet-stream') == 'oci'
    assert classify(json.loads(recorded('schema1-multi')[0]), 'text/plain') == 'v2s1'
    assert classify({'schemaVersion': 2, 'manifests': []}, None) == 'oci_index'


@pytest.mark.parametrize('raw, message', [
    (b'<html>502 Bad Gateway</html>', 'not JSON'),
    (b'[1, 2]', 'not an object'),
    (b'{"schemaVersion": 3}', 'schemaVersion 3'),
    (b'{"schemaVersion": 2, "mediaType": "application/vnd.example+json", "config": {}, "layers": []}', 'unknown media type'),
    (b'{"schemaVersion": 2, "mediaType": "' + mt.DOCKER_V2S2.encode() + b'"}', 'needs a "config"'),
    (b'{"schemaVersion": 2, "mediaType": "' + mt.DOCKER_LIST.encode() + b'"}', 'no "manifests"'),
    (b' ' * (mt.MAX_MANIFEST_BYTES + 1), 'limit'),
] + [(json.dumps({'schemaVersion': 2, 'mediaType': mt.OCI_MANIFEST, 'config': {'digest': 'sha256:' + 'a' * 64},
                  'layers': [{'digest': bad, 'size': 1}]}).encode(), 'not a sha256 or sha512 digest')
     for bad in ('sha256:x/../../../../../v2/_catalog', 'sha256:' + 'a' * 64 + '?x=1', 'sha256:' + 'A' * 64,
                 'md5:' + 'a' * 32, 'sha256:' + 'a' * 64 + '\n', 'sha256:' + 'a' * 63, None, 7)] + [
    (json.dumps({'schemaVersion': 2, 'mediaType': mt.DOCKER_LIST, 'manifests': [{'digest': 'sha256:../x'}]}).encode(),
     'manifests[0] has digest'),
    (json.dumps({'schemaVersion': 1, 'fsLayers': [{'blobSum': 'tarsum.v1+sha256:x'}]}).encode(), 'fsLayers[0] has blobSum'),
    (json.dumps({'schemaVersion': 1, 'fsLayers': 'x'}).encode(), 'needs an "fsLayers" list'),
    (json.dumps({'schemaVersion': 2, 'mediaType': mt.OCI_MANIFEST, 'config': {'digest': 'sha256:' + 'a' * 64, 'size': -1},
                 'layers': []}).encode(), 'not a non-negative integer'),
    (json.dumps({'schemaVersion': 2, 'mediaType': mt.OCI_MANIFEST, 'config': {'digest': 'sha256:' + 'a' * 64},
                 'layers': ['sha256:' + 'a' * 64]}).encode(), 'layers[0] is not an object'),
])
def test_bad_manifests_are_refused_clearly(raw, message):
    with pytest.raises(ManifestError) as exc:
        parse_manifest(raw, None)
    assert message in str(exc.value)


def test_describe_schema1_layers_base_first_with_throwaway():
    raw, content_type, _d = recorded('schema1-multi')
    doc = json.loads(raw)
    facts = describe(parse_manifest(raw, content_type))
    assert [layer['digest'] for layer in facts['layers']] == [entry['blobSum'] for entry in reversed(doc['fsLayers'])]
    assert [layer['throwaway'] for layer in facts['layers']] == [
        bool(json.loads(h['v1Compatibility']).get('throwaway')) for h in reversed(doc['history'])]
    assert facts['config'] is None and facts['signed'] and facts['schema_version'] == 1


def test_describe_list_platforms():
    raw, content_type, _d = recorded('list')
    facts = describe(parse_manifest(raw, content_type))
    assert [p['platform']['architecture'] for p in facts['platforms']] == ['amd64', 'arm64']
    assert facts['layers'] == [] and facts['config'] is None


def test_image_key_is_shared_by_the_tags_of_one_schema1_image():
    fake = FakeRegistry('127.0.0.1:5000')
    first = push_schema1(fake, 'legacy/app', '1')
    second = push_schema1(fake, 'legacy/app', '2')
    elsewhere = push_schema1(fake, 'other/app', '1')  # another repository: another name, history ids differ too
    assert first.digest != second.digest
    assert image_key(first) == image_key(second) != first.digest
    assert image_key(elsewhere) != image_key(first)
    content = dict((k, v) for k, v in first.doc.items() if k not in ('name', 'tag', 'signatures'))
    assert image_key(first) == sha256_digest(json.dumps(content, sort_keys=True, separators=(',', ':')).encode())
    assert describe(first)['image_key'] == image_key(first)


def test_image_key_of_other_formats_is_the_digest():
    for name in ('v2s2', 'oci', 'list', 'index'):
        manifest = parse_manifest(*recorded(name)[:2])
        assert image_key(manifest) == manifest.digest == describe(manifest)['image_key']
