# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import InvalidReferenceError, NotFoundError, RegistryError
from ansible_collections.imagefleet.registry.plugins.module_utils._image_info import inspect_images
from ansible_collections.imagefleet.registry.plugins.module_utils._manifest import parse_manifest

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')


def manifest(name):
    with open(os.path.join(FIXTURES, 'recorded.json')) as handle:
        entry = json.load(handle)[name]
    with open(os.path.join(FIXTURES, entry['file']), 'rb') as handle:
        return parse_manifest(handle.read(), entry['content_type'])


class FakeRegistries:
    """client(reference).get_manifest(): a manifest, or raises, per registry host."""

    def __init__(self, answers):
        self.answers = answers

    def client(self, reference):
        return self

    def get_manifest(self, repository, ref):
        answer = self.answers[repository]
        if isinstance(answer, Exception):
            raise answer
        return answer


REGISTRIES = FakeRegistries({
    'legacy/app': manifest('schema1-multi'),
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


class DetailsRegistries(FakeRegistries):
    """Also answers blob HEADs (sizes) and config GETs, counting them."""

    def __init__(self, answers, blobs):
        super().__init__(answers)
        self.blobs = blobs
        self.requests = []

    def blob_size(self, repository, digest):
        self.requests.append(('HEAD', digest))
        return len(self.blobs[digest])

    def get_blob_bytes(self, repository, digest, limit):
        self.requests.append(('GET', digest))
        return self.blobs[digest]


def test_details_add_schema1_layer_sizes_once_per_blob():
    legacy = manifest('schema1-multi')
    layers = [layer['blobSum'] for layer in legacy.doc['fsLayers']]
    registries = DetailsRegistries({'legacy/app': legacy}, dict((digest, b'x' * (index + 1)) for index, digest in enumerate(layers)))
    first, second = inspect_images(registries, ['127.0.0.1:5000/legacy/app:1', '127.0.0.1:5000/legacy/app:2'], 1, details=True)
    assert all(layer['size'] for layer in first['layers']) and first['layers'] == second['layers']
    assert len(registries.requests) == len(set(layers))
    assert first['created'] and first['created'][:4].isdigit()
    assert inspect_images(FakeRegistries({'legacy/app': legacy}), ['127.0.0.1:5000/legacy/app:1'], 1)[0]['layers'][0]['size'] is None


def test_details_read_created_from_the_config_once():
    image = manifest('v2s2')
    config = image.doc['config']['digest']
    registries = DetailsRegistries({'modern/app': image}, {config: b'{"created": "2021-02-03T04:05:06Z", "rootfs": {}}'})
    facts = inspect_images(registries, ['127.0.0.1:5000/modern/app:1', '127.0.0.1:5000/modern/app:2'], 1, details=True)
    assert [f['created'] for f in facts] == ['2021-02-03T04:05:06Z'] * 2 and registries.requests == [('GET', config)]
