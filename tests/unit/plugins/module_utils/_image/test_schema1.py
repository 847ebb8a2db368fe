# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ManifestError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.schema1 import layers, parse

BLOB_A = 'sha256:' + 'a' * 64
BLOB_B = 'sha256:' + 'b' * 64
EMPTY = 'sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4'


def ident(n):
    return ('%02x' % n) * 32


def manifest(entries):
    """entries base first: (blob, v1 dict); returns raw bytes with index 0 newest."""
    return json.dumps({
        'schemaVersion': 1, 'name': 'x', 'tag': 't', 'architecture': 'amd64',
        'fsLayers': [{'blobSum': blob} for blob, dummy in reversed(entries)],
        'history': [{'v1Compatibility': json.dumps(v1)} for dummy, v1 in reversed(entries)],
    }).encode()


def test_single_layer():
    result = layers(parse(manifest([(BLOB_A, {'id': ident(1), 'created': '2020-01-01T00:00:00Z'})])))
    assert [(e['blob_sum'], e['throwaway'], e['v1']['id']) for e in result] == [(BLOB_A, False, ident(1))]


def test_base_first_throwaway_and_repeated_blobs():
    entries = [
        (BLOB_A, {'id': ident(1)}),
        (EMPTY, {'id': ident(2), 'parent': ident(1), 'throwaway': True, 'container_config': {'Cmd': ['/bin/sh', '-c', 'x']}}),
        (EMPTY, {'id': ident(3), 'parent': ident(2)}),
        (BLOB_B, {'id': ident(4), 'parent': ident(3)}),
    ]
    result = layers(parse(manifest(entries)))
    assert [e['blob_sum'] for e in result] == [BLOB_A, EMPTY, EMPTY, BLOB_B]
    assert [e['throwaway'] for e in result] == [False, True, False, False]
    assert result[1]['fields']['cmd'] == ['/bin/sh', '-c', 'x']
    assert result[0]['fields']['created'] == '0001-01-01T00:00:00Z'


def test_consecutive_duplicate_ids_collapse_to_the_base_most():
    entries = [
        (BLOB_A, {'id': ident(1)}),
        (BLOB_B, {'id': ident(2), 'parent': ident(1), 'comment': 'kept'}),
        (EMPTY, {'id': ident(2), 'parent': ident(1), 'comment': 'dropped'}),
    ]
    result = layers(parse(manifest(entries)))
    assert [e['v1'].get('comment') for e in result] == [None, 'kept']
    assert [e['blob_sum'] for e in result] == [BLOB_A, BLOB_B]


def test_non_consecutive_repeat_is_an_error():
    entries = [(BLOB_A, {'id': ident(1)}), (BLOB_A, {'id': ident(2), 'parent': ident(1)}), (BLOB_A, {'id': ident(1), 'parent': ident(2)})]
    with pytest.raises(ManifestError, match='appears at history.0. and again.*history.2.'):
        layers(parse(manifest(entries)))


def test_broken_parent_chain_names_index_and_ids():
    entries = [(BLOB_A, {'id': ident(1)}), (BLOB_A, {'id': ident(2), 'parent': ident(9)})]
    with pytest.raises(ManifestError, match=r'history\[0\] \(id %s\) has parent .*%s.*history\[1\] id %s' % (ident(2), ident(9), ident(1))):
        layers(parse(manifest(entries)))


def test_base_with_parent_and_bad_ids():
    with pytest.raises(ManifestError, match='base layer but has parent'):
        layers(parse(manifest([(BLOB_A, {'id': ident(1), 'parent': ident(2)})])))
    with pytest.raises(ManifestError, match=r'history\[0\] has invalid image id'):
        layers(parse(manifest([(BLOB_A, {'id': 'A' * 64})])))


@pytest.mark.parametrize('doc, message', [
    ([], 'not a JSON object'),
    ({'schemaVersion': 2}, 'schemaVersion is 2'),
    ({'schemaVersion': 1, 'fsLayers': [], 'history': []}, 'no layers'),
    ({'schemaVersion': 1, 'fsLayers': [{'blobSum': BLOB_A}], 'history': []}, '1 fsLayers but 0 history'),
    ({'schemaVersion': 1, 'fsLayers': [{'blobSum': 'md5:x'}], 'history': [{'v1Compatibility': '{}'}]}, r'fsLayers\[0\].blobSum'),
    ({'schemaVersion': 1, 'fsLayers': [{'blobSum': BLOB_A}], 'history': [{'v1Compatibility': '[]'}]}, 'not a JSON object'),
    ({'schemaVersion': 1, 'fsLayers': [{'blobSum': BLOB_A}], 'history': [{'v1Compatibility': '{'}]}, 'not valid JSON'),
    ({'schemaVersion': 1, 'fsLayers': [{'blobSum': BLOB_A}], 'history': [{}]}, 'missing or not a string'),
    ({'schemaVersion': 1, 'fsLayers': [{'blobSum': BLOB_A}], 'history': [{'v1Compatibility': '{"throwaway":"yes"}'}]}, 'boolean'),
    ({'schemaVersion': 1, 'fsLayers': [{'blobSum': BLOB_A}], 'history': [{'v1Compatibility': '{"created":"now"}'}]}, 'created'),
])
def test_parse_errors(doc, message):
    with pytest.raises(ManifestError, match=message):
        parse(json.dumps(doc))


def test_parse_rejects_garbage():
    with pytest.raises(ManifestError, match='not valid JSON'):
        parse(b'\x00')
