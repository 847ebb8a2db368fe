# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import hashlib
import json

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._reports import artifact as ra

FILES = [('audit.json', b'{"images": []}\n'), ('mapping.csv', b'old,new\n')]


def test_empty_config_digest_is_the_digest_of_the_empty_blob():
    assert ra.EMPTY_DIGEST == 'sha256:' + hashlib.sha256(ra.EMPTY_BLOB).hexdigest()


def test_manifest_layout_and_stable_digest():
    raw, digest = ra.build_manifest(FILES, '900', '901')
    doc = json.loads(raw)
    assert doc['mediaType'] == 'application/vnd.oci.image.manifest.v1+json'
    assert doc['artifactType'] == ra.ARTIFACT_TYPE
    assert doc['config'] == {'mediaType': ra.EMPTY_MEDIA_TYPE, 'digest': ra.EMPTY_DIGEST, 'size': 2}
    assert [(layer['annotations'][ra.TITLE], layer['mediaType']) for layer in doc['layers']] == \
        [('audit.json', 'application/json'), ('mapping.csv', 'text/csv')]
    assert digest == 'sha256:' + hashlib.sha256(raw).hexdigest()
    assert ra.build_manifest(FILES, '900', '901') == (raw, digest)
    assert ra.build_manifest(FILES, '900', '902')[1] != digest


def test_read_manifest_round_trip_and_refusals():
    raw = ra.build_manifest(FILES, 'r', 's')[0]
    read = ra.read_manifest(raw, 'x')
    assert [layer['name'] for layer in read['layers']] == ['audit.json', 'mapping.csv']
    assert (read['run'], read['slice']) == ('r', 's')
    doc = json.loads(raw)
    for bad, message in (
            (dict(doc, artifactType='application/vnd.other'), 'not an imagefleet report'),
            (dict(doc, layers=[dict(doc['layers'][0], annotations={ra.TITLE: '../etc/passwd'})]), 'not a plain file name'),
            (dict(doc, layers=[doc['layers'][0], doc['layers'][0]]), 'two layers'),
            (dict(doc, mediaType='application/vnd.docker.distribution.manifest.v2+json'), 'not an OCI image manifest')):
        with pytest.raises(ra.ReportArtifactError, match=message):
            ra.read_manifest(ra.dump_manifest(bad), 'x')


@pytest.mark.parametrize('name', ['', 'a.b', '-x', 'a/b', 'x' * 64, None])
def test_bad_names_are_refused_naming_the_rule(name):
    with pytest.raises(ra.ReportArtifactError, match='no dots'):
        ra.tag_for(name, 'all')


def test_run_tags_select_one_run_only():
    tags = ['900.903', '900.901', '9001.1', 'latest', '900', '90.1', '900.902']
    assert ra.run_tags(tags, '900') == ['900.901', '900.902', '900.903']


class FakeClient:
    host = 'registry.test'

    def __init__(self):
        self.blobs, self.manifests, self.uploads = {}, {}, []

    def head_manifest(self, repository, ref):
        raw = self.manifests.get(ref)
        return {'digest': 'sha256:' + hashlib.sha256(raw).hexdigest()} if raw else None

    def blob_size(self, repository, digest):
        return len(self.blobs[digest]) if digest in self.blobs else None

    def upload_blob(self, repository, digest, body, size=None):
        assert size == len(body)
        self.uploads.append(digest)
        self.blobs[digest] = body

    def put_manifest(self, repository, ref, raw, media_type):
        assert all(layer['digest'] in self.blobs for layer in json.loads(raw)['layers'])
        self.manifests[ref] = raw
        return 'sha256:' + hashlib.sha256(raw).hexdigest()


def test_push_uploads_blobs_first_then_nothing_on_the_second_push_and_nothing_in_check_mode():
    client = FakeClient()
    assert ra.push(client, 'r', '1.a', FILES, '1', 'a', check_mode=True)['changed'] is True
    assert not client.uploads and not client.manifests
    first = ra.push(client, 'r', '1.a', FILES, '1', 'a')
    assert first['changed'] and len(client.uploads) == 3 and ra.EMPTY_DIGEST in client.blobs
    again = ra.push(client, 'r', '1.a', FILES, '1', 'a')
    assert not again['changed'] and again['digest'] == first['digest'] and len(client.uploads) == 3
