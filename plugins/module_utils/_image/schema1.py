# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Docker image manifest schema 1: signed payload, canonical digest, parsing and the layer chain.

A registry stores only the payload and re-signs it on every GET, so the bytes
differ per request; the digest is over the payload with the signatures
stripped (libtrust JWS: formatLength + formatTail in each signature's
protected header).
"""

from __future__ import annotations

import base64
import json
import re

from ansible_collections.imagefleet.registry.plugins.module_utils._image.digest import is_digest, sha256_digest
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ManifestError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.go_json import PairList, go_decode, go_zero, loads_pairs

_V1_ID_RE = re.compile(r'^[a-f0-9]{64}\Z')


def b64url_decode(text):
    text = text.encode('ascii') if isinstance(text, str) else text
    return base64.urlsafe_b64decode(text + b'=' * (-len(text) % 4))


def _protected_header(signature, index):
    try:
        header = json.loads(b64url_decode(signature['protected']))
        return int(header['formatLength']), b64url_decode(header['formatTail'])
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError('schema 1 signature %d has an unreadable protected header: %s' % (index, exc))


def signed_payload(raw, doc):
    """The bytes that were signed: raw[:formatLength] + formatTail.

    raw is the manifest as received, doc its parsed JSON. Unsigned manifests
    are their own payload.
    """
    signatures = doc.get('signatures')
    if signatures is None:
        return raw
    if not isinstance(signatures, list) or not signatures:
        raise ManifestError('schema 1 manifest has an empty or malformed "signatures" list')
    payload = None
    for index, signature in enumerate(signatures):
        if not isinstance(signature, dict):
            raise ManifestError('schema 1 signature %d is not an object' % index)
        length, tail = _protected_header(signature, index)
        if length < 0 or length > len(raw):
            raise ManifestError('schema 1 signature %d has formatLength %d outside the %d-byte manifest'
                                % (index, length, len(raw)))
        candidate = raw[:length] + tail
        if payload is not None and candidate != payload:
            raise ManifestError('schema 1 signatures disagree on the signed payload')
        payload = candidate
    return payload


def canonical_digest(raw, doc):
    """The digest a registry reports for this schema 1 manifest."""
    return sha256_digest(signed_payload(raw, doc))


# containers/image's Schema1V1Compatibility: the fields it reads from every v1Compatibility.
_V1_COMPATIBILITY = ('struct', (
    ('id', 'string', False), ('parent', 'string', True), ('comment', 'string', True), ('created', 'time', False),
    ('container_config', ('struct', (('Cmd', ('slice', 'string'), False),)), True), ('author', 'string', True),
    ('throwaway', 'bool', True),
))


def _v1_fields(text, index):
    """The Schema1V1Compatibility fields containers/image reads from one v1Compatibility string."""
    what = 'history[%d].v1Compatibility' % index
    try:
        pairs = loads_pairs(text)
    except ValueError as exc:
        raise ManifestError('%s is not valid JSON: %s' % (what, exc))
    if not isinstance(pairs, PairList):
        raise ManifestError('%s is not a JSON object' % what)
    try:
        fields = go_decode(pairs, _V1_COMPATIBILITY, go_zero(_V1_COMPATIBILITY), what)
    except ValueError as exc:
        raise ManifestError(str(exc))
    fields['cmd'] = fields.pop('container_config')['Cmd'] or []
    return fields


def _shape(raw):
    """The document of a schema 1 manifest whose JSON shape is right (v1Compatibility strings not yet read)."""
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise ManifestError('schema 1 manifest is not valid JSON: %s' % exc)
    if not isinstance(doc, dict):
        raise ManifestError('schema 1 manifest is not a JSON object')
    version = doc.get('schemaVersion')
    if version != 1 or isinstance(version, bool) or not isinstance(version, int):
        raise ManifestError('schemaVersion is %r, expected 1' % (version,))
    fs_layers = doc.get('fsLayers')
    history = doc.get('history')
    if not isinstance(fs_layers, list) or not isinstance(history, list):
        raise ManifestError('schema 1 manifest needs "fsLayers" and "history" lists')
    if len(fs_layers) != len(history):
        raise ManifestError('schema 1 manifest has %d fsLayers but %d history entries' % (len(fs_layers), len(history)))
    if not fs_layers:
        raise ManifestError('schema 1 manifest has no layers')
    for index, layer in enumerate(fs_layers):
        blob_sum = layer.get('blobSum') if isinstance(layer, dict) else None
        if not is_digest(blob_sum):
            raise ManifestError('fsLayers[%d].blobSum %r is not a valid digest' % (index, blob_sum))
    for index, entry in enumerate(history):
        text = entry.get('v1Compatibility') if isinstance(entry, dict) else None
        if not isinstance(text, str):
            raise ManifestError('history[%d].v1Compatibility is missing or not a string' % index)
    return doc


def parse(raw):
    """Parse and check a schema 1 manifest's shape; return the document (a dict).

    Checks what containers/image needs before it can convert: the JSON shape,
    schemaVersion 1, fsLayers and history of equal non-zero length, valid
    blobSums and v1Compatibility strings holding JSON objects.
    """
    doc = _shape(raw)
    for index, entry in enumerate(doc['history']):
        _v1_fields(entry['v1Compatibility'], index)
    return doc


def checked_chain(raw):
    """parse() and layers() in one walk: the layer chain of a schema 1 manifest, every check of both applied once."""
    return layers(_shape(raw))


def layers(doc):
    """The layer chain of a parsed schema 1 manifest, base first, after docker's sanity rules.

    Each entry: blob_sum, v1 (the parsed v1Compatibility), v1_raw (its text),
    fields (what containers/image reads: id, parent, created as Go writes it,
    author, comment, cmd, throwaway) and throwaway. Consecutive entries with the
    same id collapse into the base-most one, as containers/image does.
    """
    fs_layers = doc['fsLayers']
    history = doc['history']
    fields = [_v1_fields(entry['v1Compatibility'], index) for index, entry in enumerate(history)]
    for index, item in enumerate(fields):
        if not _V1_ID_RE.match(item['id']):
            raise ManifestError('history[%d] has invalid image id %r (need 64 lowercase hex digits)' % (index, item['id']))
    last = len(fields) - 1
    if fields[last]['parent']:
        raise ManifestError('history[%d] is the base layer but has parent %r' % (last, fields[last]['parent']))
    seen = {}
    previous = None
    for index, item in enumerate(fields):
        if item['id'] != previous and item['id'] in seen:
            raise ManifestError('image id %s appears at history[%d] and again, not consecutively, at history[%d]'
                                % (item['id'], seen[item['id']], index))
        seen.setdefault(item['id'], index)
        previous = item['id']
    chain = []
    for index in range(last, -1, -1):
        if index < last and fields[index]['id'] == fields[index + 1]['id']:
            continue  # a repeated id: the base-most entry of the run stands for all
        if index < last and fields[index]['parent'] != fields[index + 1]['id']:
            raise ManifestError('history[%d] (id %s) has parent %r, expected history[%d] id %s'
                                % (index, fields[index]['id'], fields[index]['parent'], index + 1, fields[index + 1]['id']))
        text = history[index]['v1Compatibility']
        chain.append({
            'blob_sum': fs_layers[index]['blobSum'],
            'v1': json.loads(text),
            'v1_raw': text,
            'fields': fields[index],
            'throwaway': fields[index]['throwaway'],
        })
    return chain
