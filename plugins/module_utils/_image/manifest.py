# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Manifests as received: classification by content, canonical digest, description."""

from __future__ import annotations

import json

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._image.digest import is_digest, sha256_digest
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import DigestMismatchError, ManifestError
from ansible_collections.imagefleet.registry.plugins.module_utils._escape import quoted
from ansible_collections.imagefleet.registry.plugins.module_utils._image.schema1 import canonical_digest

_FORMAT_OF_MEDIA_TYPE = {
    mt.DOCKER_V2S2: mt.FORMAT_V2S2,
    mt.OCI_MANIFEST: mt.FORMAT_OCI,
    mt.DOCKER_LIST: mt.FORMAT_V2S2_LIST,
    mt.OCI_INDEX: mt.FORMAT_OCI_INDEX,
}
LIST_FORMATS = (mt.FORMAT_V2S2_LIST, mt.FORMAT_OCI_INDEX)


class Manifest:
    """A manifest body with what it is: format, canonical digest, parsed document."""

    __slots__ = ('raw', 'doc', 'format', 'digest', 'media_type')

    def __init__(self, raw, doc, fmt, digest, media_type):
        self.raw = raw
        self.doc = doc
        self.format = fmt
        self.digest = digest
        self.media_type = media_type

    @property
    def is_list(self):
        return self.format in LIST_FORMATS

    @property
    def signed(self):
        return self.format == mt.FORMAT_V2S1 and 'signatures' in self.doc

    @property
    def size(self):
        return len(self.raw)


def _load(raw):
    if len(raw) > mt.MAX_MANIFEST_BYTES:
        raise ManifestError('manifest is %d bytes, over the %d-byte limit' % (len(raw), mt.MAX_MANIFEST_BYTES))
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise ManifestError('manifest is not JSON (%s); first bytes: %r' % (exc, raw[:60]))
    if not isinstance(doc, dict):
        raise ManifestError('manifest is JSON but not an object')
    return doc


def classify(doc, content_type=None):
    """Format name of a parsed manifest; the body decides, the header only breaks ties."""
    version = doc.get('schemaVersion')
    if version == 1:
        return mt.FORMAT_V2S1
    if version != 2:
        raise ManifestError('manifest has unsupported schemaVersion %r' % (version,))
    media_type = doc.get('mediaType') or content_type
    if media_type in _FORMAT_OF_MEDIA_TYPE:
        fmt = _FORMAT_OF_MEDIA_TYPE[media_type]
    elif not doc.get('mediaType') and ('manifests' in doc or 'config' in doc):
        # OCI makes mediaType optional; registries may send a generic Content-Type.
        fmt = mt.FORMAT_OCI_INDEX if 'manifests' in doc else mt.FORMAT_OCI
    else:
        raise ManifestError('manifest has unknown media type %r' % (media_type,))
    is_index = fmt in LIST_FORMATS
    if is_index and not isinstance(doc.get('manifests'), list):
        raise ManifestError('%s manifest has no "manifests" list' % fmt)
    if not is_index and not (isinstance(doc.get('config'), dict) and isinstance(doc.get('layers'), list)):
        raise ManifestError('%s manifest needs a "config" object and a "layers" list' % fmt)
    return fmt


def _descriptors(doc, fmt):
    """(where, descriptor dict) of every blob or child manifest a document references."""
    if fmt == mt.FORMAT_V2S1:
        entries = doc.get('fsLayers')
        if not isinstance(entries, list):
            raise ManifestError('schema 1 manifest needs an "fsLayers" list')
        return [('fsLayers[%d]' % i, entry) for i, entry in enumerate(entries)]
    if fmt in LIST_FORMATS:
        return [('manifests[%d]' % i, entry) for i, entry in enumerate(doc['manifests'])]
    return [('config', doc['config'])] + [('layers[%d]' % i, entry) for i, entry in enumerate(doc['layers'])]


def check_descriptors(doc, fmt):
    """Refuse a manifest with a descriptor whose digest is not algorithm:hex (lowercase, of the right length) or whose
    size is not a non-negative integer: those values become URLs and Content-Lengths, so they are checked first."""
    key = 'blobSum' if fmt == mt.FORMAT_V2S1 else 'digest'
    for where, entry in _descriptors(doc, fmt):
        if not isinstance(entry, dict):
            raise ManifestError('manifest %s is not an object' % where)
        if not is_digest(entry.get(key)):
            raise ManifestError('manifest %s has %s %s, not a sha256 or sha512 digest (lowercase hex of the right length)'
                                % (where, key, quoted(entry.get(key), 100)))
        size = entry.get('size')
        if size is not None and not is_size(size):
            raise ManifestError('manifest %s has size %s, not a non-negative integer' % (where, quoted(size, 40)))


def is_size(value):
    """Whether value is a byte count: a non-negative integer (JSON true is not one)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def parse_manifest(raw, content_type=None):
    """Build a Manifest from bytes as received (Content-Type as the registry sent it)."""
    content_type = (content_type or '').split(';', 1)[0].strip() or None
    doc = _load(raw)
    fmt = classify(doc, content_type)
    check_descriptors(doc, fmt)
    if fmt == mt.FORMAT_V2S1:
        digest = canonical_digest(raw, doc)
        media_type = mt.DOCKER_V2S1_SIGNED if 'signatures' in doc else mt.DOCKER_V2S1
    else:
        digest = sha256_digest(raw)
        media_type = doc.get('mediaType') or mt.MEDIA_TYPE_OF_FORMAT[fmt]
    return Manifest(raw, doc, fmt, digest, content_type or media_type)


def verify_manifest(manifest, expected, what='manifest'):
    """Raise unless the manifest's canonical digest is the expected one."""
    if expected and manifest.digest != expected:
        raise DigestMismatchError('%s does not match its digest: expected %s, got %s' % (what, expected, manifest.digest),
                                  expected=expected, actual=manifest.digest)
    return manifest


# What makes two schema 1 manifests tags of one image although their digests differ: each names its tag (and
# repository), and the registry re-signs it per request.
_SCHEMA1_PER_TAG_FIELDS = ('name', 'tag', 'signatures')


def image_key(manifest):
    """The identity of a manifest's content across tags: what tags converted once can share.

    For Docker schema 1, ``sha256:<hex>`` of the document without name, tag and signatures, serialised canonically
    (sorted keys, no spaces); for every other format the manifest digest, which already names the content.
    """
    if manifest.format != mt.FORMAT_V2S1:
        return manifest.digest
    content = dict((key, value) for key, value in manifest.doc.items() if key not in _SCHEMA1_PER_TAG_FIELDS)
    return sha256_digest(json.dumps(content, sort_keys=True, separators=(',', ':')).encode('utf-8'))


def _descriptor(item):
    return {
        'digest': item.get('digest'),
        'size': item.get('size'),
        'media_type': item.get('mediaType'),
    }


def _schema1_layers(doc):
    """fsLayers base first, with the throwaway flag from each history entry."""
    layers = []
    history = doc.get('history') or []
    for index in reversed(range(len(doc.get('fsLayers') or []))):
        try:
            v1 = json.loads(history[index]['v1Compatibility'])
        except (IndexError, KeyError, TypeError, ValueError):
            v1 = {}
        layers.append({
            'digest': doc['fsLayers'][index].get('blobSum'),
            'size': None,
            'media_type': None,
            'throwaway': bool(v1.get('throwaway')),
        })
    return layers


def _schema1_created(doc):
    """The image's creation time: `created` of the top (first) history entry, None when absent."""
    try:
        created = json.loads(doc['history'][0]['v1Compatibility']).get('created')
    except (IndexError, KeyError, TypeError, ValueError, AttributeError):
        return None
    return created if isinstance(created, str) else None


def describe(manifest):
    """Plain-data facts about a manifest, as the info modules return them."""
    doc = manifest.doc
    facts = {
        'digest': manifest.digest,
        'image_key': image_key(manifest),
        'media_type': manifest.media_type,
        'schema_version': doc.get('schemaVersion'),
        'format': manifest.format,
        'size': manifest.size,
        'signed': manifest.signed,
        'layers': [],
        'config': None,
        'platforms': [],
        'created': None,
    }
    if manifest.format == mt.FORMAT_V2S1:
        facts['layers'] = _schema1_layers(doc)
        facts['created'] = _schema1_created(doc)
        facts['architecture'] = doc.get('architecture')
    elif manifest.is_list:
        facts['platforms'] = [dict(_descriptor(child), platform=child.get('platform')) for child in doc['manifests']]
    else:
        facts['layers'] = [_descriptor(layer) for layer in doc['layers']]
        facts['config'] = _descriptor(doc['config'])
    return facts
