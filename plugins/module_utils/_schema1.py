# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Docker image manifest schema 1: the signed payload and its canonical digest.

A registry stores only the payload and re-signs it on every GET, so the bytes
differ per request; the digest is over the payload with the signatures
stripped (libtrust JWS: formatLength + formatTail in each signature's
protected header).
"""

from __future__ import annotations

import base64
import json

from ansible_collections.imagefleet.registry.plugins.module_utils._digest import sha256_digest
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ManifestError


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
