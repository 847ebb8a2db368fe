# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Upload protocols against a scripted session: Content-Length always, chunks resumed at the registry's Range,
fallbacks between one PUT and chunks, remembered per client."""

from __future__ import annotations

import json

import pytest
import requests

from ansible_collections.imagefleet.registry.plugins.module_utils._registry import blob_upload
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.blob_upload import CHUNKED, MONOLITHIC, RestartUpload, SizedBody
from ansible_collections.imagefleet.registry.plugins.module_utils._notices import take
from ansible_collections.imagefleet.registry.tests.unit.plugins.module_utils._registry.test_client import client, response
# The scripted client's fixture, used through pytestmark below.
from ansible_collections.imagefleet.registry.tests.unit.plugins.module_utils._registry.test_client import no_sleep  # noqa: F401 pylint: disable=unused-import

DIGEST = 'sha256:' + 'b' * 64
SESSION = {'Location': '/v2/a/blobs/uploads/u1'}
pytestmark = pytest.mark.usefixtures('no_sleep')


def accepted(held, location='/v2/a/blobs/uploads/u1?state=%d'):
    return response(202, headers={'Location': location % held, 'Range': '0-%d' % (held - 1)})


def sent(c, method):
    return [(url, kwargs) for m, url, kwargs in c.session.calls if m == method]


def test_a_streamed_put_carries_content_length_never_chunked_encoding():
    prepared = requests.Request('PUT', 'https://reg.example/u', data=SizedBody(iter([b'ab', b'cde']), 5)).prepare()
    assert prepared.headers['Content-Length'] == '5'
    assert 'Transfer-Encoding' not in prepared.headers
    c = client([response(202, headers=SESSION), response(201)])
    assert c.upload_blob('a', DIGEST, iter([b'ab', b'cde']), size=5)
    put = sent(c, 'PUT')[0]
    assert len(put[1]['data']) == 5 and put[0].endswith('digest=' + DIGEST.replace(':', '%3A'))


def test_a_refused_put_switches_the_registry_to_chunks_for_the_run():
    take()
    c = client([response(202, headers=SESSION), response(413), response(202, headers=SESSION),
                accepted(3), response(201)])
    assert c.upload_blob('a', DIGEST, b'abc')
    assert c.upload_mode == CHUNKED
    assert sent(c, 'PATCH')[0][1]['headers']['Content-Range'] == '0-2'
    assert any('sending chunks' in text for text in take())


def test_a_refused_stream_is_read_again_from_the_source():
    c = client([response(202, headers=SESSION), response(411)])
    with pytest.raises(RestartUpload):
        c.upload_blob('a', DIGEST, iter([b'abc']), size=3)
    assert c.upload_mode == CHUNKED


def test_a_broken_chunk_resumes_at_the_registrys_range():
    c = client([response(202, headers={'Location': '/v2/a/blobs/uploads/u1', 'OCI-Chunk-Min-Length': '4'}),
                accepted(4),
                requests.exceptions.ConnectionError('reset'),
                response(204, headers={'Location': '/v2/a/blobs/uploads/u1?state=6', 'Range': '0-5'}),
                accepted(8), accepted(10), response(201)], chunk_size=2)
    assert c.upload_blob('a', DIGEST, iter([b'0123', b'456789']), size=10)
    patches = sent(c, 'PATCH')
    # Chunks of the registry's minimum (4, above chunk_size 2); the broken one resent from byte 6 only.
    assert [p[1]['headers']['Content-Range'] for p in patches] == ['0-3', '4-7', '6-7', '8-9']
    assert [p[1]['data'] for p in patches] == [b'0123', b'4567', b'67', b'89']
    assert patches[2][0].endswith('state=6')
    assert len(sent(c, 'POST')) == 1


def test_a_lost_session_restarts_the_blob():
    c = client([response(202, headers=SESSION), requests.exceptions.ConnectionError('reset'), response(404)],
               chunk_size=4, retries=1)
    with pytest.raises(blob_upload.BrokenTransferError, match='lost the upload session'):
        c.upload_blob('a', DIGEST, b'0123')


def test_a_chunk_refused_for_its_offset_resumes_where_the_session_stands_without_waiting():
    c = client([response(202, headers=SESSION), response(416),
                response(204, headers={'Location': '/v2/a/blobs/uploads/u1?state=2', 'Range': '0-1'}),
                accepted(4), response(201)], chunk_size=4)
    waits = []
    c.backoff = lambda attempt, outcome=None: waits.append(attempt)
    assert c.upload_blob('a', DIGEST, b'0123')
    assert [p[1]['headers']['Content-Range'] for p in sent(c, 'PATCH')] == ['0-3', '2-3']
    assert waits == []


def test_a_chunk_that_keeps_breaking_fails_after_its_retries():
    broken = requests.exceptions.ConnectionError('reset')
    still = response(204, headers={'Location': '/v2/a/blobs/uploads/u1?state=0', 'Range': '0-0'})
    c = client([response(202, headers=SESSION), broken, still, broken], chunk_size=4, retries=1)
    with pytest.raises(blob_upload.BrokenTransferError, match='reset'):
        c.upload_blob('a', DIGEST, b'0123')
    assert len(sent(c, 'PATCH')) == 2


def test_patch_refused_sends_the_blob_in_one_put_into_the_same_session():
    c = client([response(202, headers=SESSION), response(405), response(201)], chunk_size=2)
    assert c.upload_blob('a', DIGEST, iter([b'ab', b'cd']), size=4)
    assert c.upload_mode == MONOLITHIC
    put = sent(c, 'PUT')[0][1]['data']
    assert len(put) == 4 and b''.join(put) == b'abcd'


def test_a_chunk_over_a_body_cap_is_halved(monkeypatch):
    monkeypatch.setattr(blob_upload, '_SMALLEST_CHUNK', 2)
    c = client([response(202, headers=SESSION), response(413), accepted(4), accepted(8), response(201)], chunk_size=8)
    assert c.upload_blob('a', DIGEST, iter([b'abcdefgh']), size=8) is True
    assert [p[1]['data'] for p in sent(c, 'PATCH')] == [b'abcdefgh', b'abcd', b'efgh']
    assert c.chunk_size == 4


def test_mount_answers_other_than_201_fall_back():
    c = client([response(202, headers={'Location': 'uploads/u9'})])
    assert c.mount_blob('b', DIGEST, 'a') == 'https://reg.example/uploads/u9'
    for status in (404, 403):
        c = client([response(status)])
        assert c.mount_blob('b', DIGEST, 'a') is None and not c.mounts_refused
    for status in (401, 405):
        c = client([response(status)])
        assert c.mount_blob('b', DIGEST, 'a') is None and c.mounts_refused
        assert c.mount_blob('b', DIGEST, 'a') is None  # no second request
        assert len(c.session.calls) == 1


def test_a_token_service_keeping_the_last_scope_gets_one_token_per_scope():
    import base64
    claims = {'access': [{'type': 'repository', 'name': 'a', 'actions': ['pull']}]}
    token = 'h.%s.s' % base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip('=')
    c = client([response(200, json.dumps({'token': token}).encode())])
    c._challenge = _blob_upload_challenge()
    c._fetch_token('repository:b:pull,push repository:a:pull')
    assert c.one_scope_per_token
    assert c._tokens.get('repository:a:pull') == token
    assert c.mount_blob('b', DIGEST, 'a') is None


def _blob_upload_challenge():
    from ansible_collections.imagefleet.registry.plugins.module_utils._registry.auth import parse_challenge
    return parse_challenge('Bearer realm="https://auth.example/token",service="reg"')
