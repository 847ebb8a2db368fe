# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Property-based tests: reference parsing and the schema 1 signed-payload digest."""

from __future__ import annotations

import base64
import hashlib
import json

from hypothesis import assume, given, settings, strategies as st

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import InvalidReferenceError, ManifestError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.manifest import parse_manifest
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import parse_reference
from ansible_collections.imagefleet.registry.plugins.module_utils._image.schema1 import layers, parse, signed_payload

COMPONENT = st.from_regex(r'\A[a-z0-9]+(?:[._-][a-z0-9]+)?\Z', fullmatch=True).filter(lambda s: len(s) <= 20)
HOST = st.one_of(st.just('docker.io'), st.from_regex(r'\A[a-z][a-z0-9]{0,8}\.[a-z]{2,5}(?::[1-9][0-9]{0,4})?\Z', fullmatch=True),
                 st.just('localhost:5000'), st.just('127.0.0.1:5000'))
TAG = st.from_regex(r'\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}\Z', fullmatch=True)
DIGEST = st.binary(min_size=1, max_size=8).map(lambda b: 'sha256:' + hashlib.sha256(b).hexdigest())


@given(st.text(max_size=120))
def test_parse_reference_only_raises_its_own_error(text):
    try:
        ref = parse_reference(text)
    except InvalidReferenceError as exc:
        assert repr(text)[1:-1][:20] in str(exc) or not text.strip()
    else:
        assert parse_reference(str(ref)) == ref


@given(HOST, st.lists(COMPONENT, min_size=1, max_size=3), st.one_of(st.none(), TAG), st.one_of(st.none(), DIGEST))
def test_parse_reference_round_trips(host, path, tag, digest):
    text = '%s/%s' % (host, '/'.join(path))
    assume(len(text) < 200)
    text += (':' + tag if tag else '') + ('@' + digest if digest else '')
    ref = parse_reference(text)
    assert ref.registry == host
    assert ref.repository == '/'.join(path) or (host == 'docker.io' and ref.repository == 'library/' + path[0])
    assert ref.tag == tag and ref.digest == digest
    assert parse_reference(str(ref)) == ref


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def signed_length(payload):
    """libtrust's formatLength: the payload up to its closing brace, less trailing whitespace."""
    return len(payload[:len(payload.rstrip()) - 1].rstrip())


def sign(payload, signatures=1):
    """A libtrust-shaped signed manifest (signature bytes are not checked by the digest code)."""
    length = signed_length(payload)
    tail = payload[length:]
    protected = b64url(json.dumps({'formatLength': length, 'formatTail': b64url(tail), 'time': 't'}).encode())
    sigs = [{'header': {'alg': 'ES256'}, 'signature': 'c2ln', 'protected': protected}] * signatures
    return payload[:length] + b',\n   "signatures": ' + json.dumps(sigs, indent=3).encode() + tail


V1_ID = st.binary(min_size=1, max_size=4).map(lambda b: hashlib.sha256(b).hexdigest())


@st.composite
def schema1(draw):
    count = draw(st.integers(min_value=1, max_value=5))
    ids = draw(st.lists(V1_ID, min_size=count, max_size=count, unique=True))
    history, fs_layers = [], []
    for index, ident in enumerate(ids):  # index 0 is the newest
        v1 = {'id': ident, 'created': '2020-01-01T00:00:00Z'}
        if index + 1 < count:
            v1['parent'] = ids[index + 1]
        history.append({'v1Compatibility': json.dumps(v1)})
        fs_layers.append({'blobSum': draw(DIGEST)})
    doc = {'schemaVersion': 1, 'name': 'a/b', 'tag': 't', 'architecture': 'amd64', 'fsLayers': fs_layers,
           'history': history}
    return json.dumps(doc, indent=draw(st.sampled_from([None, 2, 3]))).encode()


@settings(max_examples=60, deadline=None)
@given(schema1(), st.integers(min_value=1, max_value=3))
def test_schema1_digest_is_the_payload_digest_however_signed(payload, signatures):
    signed = sign(payload, signatures)
    assert signed_payload(signed, json.loads(signed)) == payload
    assert parse_manifest(signed).digest == 'sha256:' + hashlib.sha256(payload).hexdigest()
    assert parse_manifest(payload).digest == parse_manifest(signed).digest
    assert len(layers(parse(signed))) == len(json.loads(payload)['fsLayers'])


@settings(max_examples=100, deadline=None)
@given(schema1(), st.integers(min_value=0, max_value=10000), st.integers(min_value=0, max_value=255))
def test_schema1_damage_only_raises_manifest_error(payload, position, value):
    """A damaged byte gives a ManifestError or, in the signed part, a different digest: never a traceback, never silence."""
    signed = bytearray(sign(payload))
    original = parse_manifest(bytes(signed)).digest
    index = position % len(signed)
    assume(signed[index] != value)
    signed[index] = value
    try:
        doc = parse(bytes(signed))
        layers(doc)
        damaged = parse_manifest(bytes(signed))
    except ManifestError:
        return
    if index < signed_length(payload):
        assert damaged.digest != original


@settings(max_examples=60, deadline=None)
@given(schema1(), st.data())
def test_broken_parent_chain_is_refused(payload, data):
    doc = json.loads(payload)
    assume(len(doc['history']) > 1)
    index = data.draw(st.integers(min_value=0, max_value=len(doc['history']) - 2))
    v1 = json.loads(doc['history'][index]['v1Compatibility'])
    v1['parent'] = 'f' * 64
    assume(v1['parent'] != json.loads(doc['history'][index + 1]['v1Compatibility'])['id'])
    doc['history'][index]['v1Compatibility'] = json.dumps(v1)
    try:
        layers(parse(json.dumps(doc).encode()))
    except ManifestError as exc:
        assert 'parent' in str(exc)
    else:
        raise AssertionError('a broken parent chain was accepted')
