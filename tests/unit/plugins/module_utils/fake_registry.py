# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One in-memory registry for unit tests, speaking the RegistryClient interface the module_utils use.

A FakeRegistry holds repositories (tags -> manifest digest), manifests by digest and blobs, each blob
linked into the repositories that hold it, as distribution does. Every call is logged in `calls`
((operation, repository, ref)), so a test can count what was read or written. Failures are switched on
per instance: `break_uploads` (uploads that lose the connection mid-body), `push_races` (manifest PUTs
answered DIGEST_INVALID, as while a concurrent writer links the same blobs), `mount_opens_session`
(a mount answered 202 with an upload session), `break_reads` (blob GETs that break off mid-body) and
`errors` ((repository, ref) -> exception raised by get_manifest).

FakeRegistries maps registry hosts to FakeRegistry instances as _registry/options.Registries does.
Integration tests never use this: they run against real registries (tests/lab).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading

import requests

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import NotFoundError, RegistryError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.manifest import parse_manifest
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.client import BrokenTransferError, RegistryClient


def digest_of(data):
    return 'sha256:' + hashlib.sha256(data).hexdigest()


class FakeBody:
    """A streamed blob response: yields the blob in two halves, or breaks off after the first."""

    def __init__(self, blob, breaks=False):
        self.blob = blob
        self.breaks = breaks
        self.headers = {'Content-Length': str(len(blob))}
        self.closed = False

    def iter_content(self, size):
        half = len(self.blob) // 2
        yield self.blob[:half]
        if self.breaks:
            raise requests.exceptions.ChunkedEncodingError('Connection broken: IncompleteRead')
        yield self.blob[half:]

    def close(self):
        self.closed = True


class FakeRegistry:
    """One registry host: repositories, manifests and blobs in memory, behind the RegistryClient methods."""

    retries = 2
    max_layer_bytes = None  # no cap on what a diff_id computation decompresses
    iter_body = staticmethod(RegistryClient.iter_body)
    retrier = RegistryClient.retrier  # the real retry loop, over this fake's retries and backoff

    def __init__(self, host='reg.example', scheme='https'):
        self.host = host
        self.scheme = scheme  # what ping() found the registry to speak
        self.tags_of = {}  # repository -> {tag: manifest digest}
        self.manifests = {}  # digest -> (raw, media type)
        self.blobs = {}  # digest -> bytes
        self.links = {}  # repository -> set of blob digests
        self.calls = []
        self.waited = []
        self.errors = {}
        self.break_uploads = 0
        self.break_reads = 0
        self.push_races = 0
        self.mount_opens_session = False
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    # -- filling it -------------------------------------------------------------

    def add_blob(self, repository, data, digest=None):
        """Link data into repository; under a given digest when a recorded manifest names blobs we do not have."""
        digest = digest or digest_of(data)
        self.blobs[digest] = data
        self.links.setdefault(repository, set()).add(digest)
        return digest

    def add_manifest(self, repository, ref, raw, media_type):
        """Store a manifest under its digest and, when ref is a tag, tag it; return the parsed manifest."""
        manifest = parse_manifest(raw, media_type)
        self.manifests[manifest.digest] = (raw, media_type)
        self.tags_of.setdefault(repository, {})
        if ref != manifest.digest:
            self.tags_of[repository][ref] = manifest.digest
        return manifest

    def add_repository(self, repository, tags=()):
        """A repository whose tags point at nothing readable (for catalog and tag listings)."""
        self.tags_of.setdefault(repository, {}).update((tag, None) for tag in tags)

    def count(self, operation, repository=None):
        return sum(1 for call in self.calls if call[0] == operation and repository in (None, call[1]))

    def _log(self, *call):
        with self._lock:
            self.calls.append(call)

    # -- the RegistryClient interface ---------------------------------------------

    def client(self, reference):
        """So that one FakeRegistry can stand for a Registries pool of one host."""
        return self

    def ping(self):
        return '%s://%s' % (self.scheme, self.host)

    def catalog(self, page_size=1000):
        self._log('catalog', None, None)
        return iter(sorted(self.tags_of))

    def tags(self, repository):
        return list(self.tags_of.get(repository, {}))

    def _resolve(self, repository, ref):
        if (repository, ref) in self.errors:
            raise self.errors[(repository, ref)]
        digest = self.tags_of.get(repository, {}).get(ref, ref)
        if digest not in self.manifests:
            raise NotFoundError('registry %s: manifest unknown' % self.host, status=404, code='MANIFEST_UNKNOWN', registry=self.host)
        return self.manifests[digest]

    def get_manifest(self, repository, ref):
        self._log('get_manifest', repository, ref)
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return parse_manifest(*self._resolve(repository, ref))
        finally:
            with self._lock:
                self.in_flight -= 1

    def head_manifest(self, repository, ref):
        self._log('head_manifest', repository, ref)
        try:
            raw, media_type = self._resolve(repository, ref)
        except NotFoundError:
            return None
        return {'digest': parse_manifest(raw, media_type).digest, 'media_type': media_type, 'size': len(raw)}

    def put_manifest(self, repository, ref, raw, media_type):
        self._log('put_manifest', repository, ref)
        if self.push_races:
            self.push_races -= 1
            raise RegistryError('registry %s: manifest invalid: digest invalid' % self.host, status=400, code='DIGEST_INVALID',
                                registry=self.host)
        manifest = parse_manifest(raw, media_type)
        missing = [d for d in _referenced_blobs(manifest) if d not in self.links.get(repository, ())]
        if missing:
            raise RegistryError('registry %s: blob unknown to registry' % self.host, status=400, code='MANIFEST_BLOB_UNKNOWN',
                                registry=self.host)
        self.add_manifest(repository, ref, raw, media_type)
        return manifest.digest

    def blob_size(self, repository, digest):
        self._log('blob_size', repository, digest)
        if digest in self.links.get(repository, ()):
            return len(self.blobs[digest])
        return None

    def open_blob(self, repository, digest):
        self._log('open_blob', repository, digest)
        self._linked(repository, digest)
        breaks = self.break_reads > 0
        self.break_reads -= breaks
        return FakeBody(self.blobs[digest], breaks)

    def get_blob_bytes(self, repository, digest, limit):
        self._log('get_blob_bytes', repository, digest)
        self._linked(repository, digest)
        return self.blobs[digest]

    def _linked(self, repository, digest):
        if digest not in self.links.get(repository, ()):
            raise NotFoundError('registry %s: blob unknown to registry' % self.host, status=404, code='BLOB_UNKNOWN', registry=self.host)

    def mount_blob(self, repository, digest, from_repository):
        self._log('mount_blob', repository, digest)
        if self.mount_opens_session:
            return 'https://%s/v2/%s/blobs/uploads/session' % (self.host, repository)
        if digest not in self.links.get(from_repository, ()):
            return None
        self.links.setdefault(repository, set()).add(digest)
        return True

    def upload_blob(self, repository, digest, body, size=None, session_url=None):
        """Read the body (bytes or chunks), check its digest and link it; break mid-body while break_uploads lasts."""
        self._log('upload_blob', repository, digest)
        chunks = [body] if isinstance(body, bytes) else body
        received = []
        for chunk in chunks:
            received.append(chunk)
            if self.break_uploads:
                self.break_uploads -= 1
                raise BrokenTransferError('registry %s: PUT blob failed: Connection reset by peer' % self.host, registry=self.host)
        data = b''.join(received)
        if digest_of(data) != digest:
            raise RegistryError('registry %s: blob upload invalid: digest invalid' % self.host, status=400, code='DIGEST_INVALID',
                                registry=self.host)
        self.blobs[digest] = data
        self.links.setdefault(repository, set()).add(digest)
        return True

    def backoff(self, attempt, _outcome=None):
        self.waited.append(attempt)

    def close(self):
        pass


class FakeRegistries:
    """FakeRegistry instances by registry host, with the Registries interface (client, credentials_for, close)."""

    def __init__(self, *registries, credentials=None):
        self.by_host = dict((registry.host, registry) for registry in registries)
        self.credentials = credentials
        self.asked = []
        self.closed = False

    def client(self, reference):
        self.asked.append(reference.registry)
        return self.by_host[reference.registry]

    def credentials_for(self, registry):
        return self.credentials

    def close(self):
        self.closed = True


def _referenced_blobs(manifest):
    if manifest.is_list or manifest.format == mt.FORMAT_V2S1:
        return []
    return [manifest.doc['config']['digest']] + [layer['digest'] for layer in manifest.doc['layers']]


# -- images to put into it ----------------------------------------------------------------

def layer(text):
    """A gzip layer blob and its diff_id (the digest of the uncompressed bytes)."""
    raw = text.encode() * 64
    return gzip.compress(raw, mtime=0), digest_of(raw)


def push_schema1(registry, repository, tag, contents=('base', 'app')):
    """An unsigned schema 1 image, base layer first in contents; return its parsed manifest."""
    blobs = [registry.add_blob(repository, layer(text)[0]) for text in contents]
    history = []
    parent = None
    for index, text in enumerate(contents):
        v1 = {'id': hashlib.sha256(('%s/%d/%s' % (repository, index, text)).encode()).hexdigest(),
              'created': '2016-01-02T03:04:0%dZ' % index, 'container_config': {'Cmd': ['/bin/sh', '-c', 'add ' + text]}}
        if parent:
            v1['parent'] = parent
        if index == len(contents) - 1:
            v1.update(architecture='amd64', os='linux', config={'Cmd': ['/bin/sh']})
        parent = v1['id']
        history.insert(0, {'v1Compatibility': json.dumps(v1)})
    doc = {'schemaVersion': 1, 'name': repository, 'tag': tag, 'architecture': 'amd64',
           'fsLayers': [{'blobSum': digest} for digest in reversed(blobs)], 'history': history}
    return registry.add_manifest(repository, tag, json.dumps(doc, indent=3).encode(), mt.DOCKER_V2S1)


def push_v2s2(registry, repository, tag, contents=('base', 'app')):
    """A v2s2 image whose config carries the right diff_ids; return its parsed manifest."""
    layers = [layer(text) for text in contents]
    config = json.dumps({'architecture': 'amd64', 'os': 'linux', 'config': {},
                         'rootfs': {'type': 'layers', 'diff_ids': [diff_id for _blob, diff_id in layers]}}).encode()
    doc = {'schemaVersion': 2, 'mediaType': mt.DOCKER_V2S2,
           'config': {'mediaType': mt.DOCKER_CONFIG, 'size': len(config), 'digest': registry.add_blob(repository, config)},
           'layers': [{'mediaType': mt.DOCKER_LAYER_GZIP, 'size': len(blob), 'digest': registry.add_blob(repository, blob)}
                      for blob, _diff_id in layers]}
    return registry.add_manifest(repository, tag, json.dumps(doc).encode(), mt.DOCKER_V2S2)
