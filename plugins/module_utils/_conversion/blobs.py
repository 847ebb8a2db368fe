# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Moving blobs between repositories: skip when present, mount inside a registry,
else stream source to destination, hashing as the bytes pass.

diff_ids are cached per compressed digest for the whole run (one module call),
so a base layer shared by a hundred images is decompressed once; and for the
process, so that the batches of one task running in Ansible's worker process
(plugin_utils/_in_process.py) read a shared base layer once between them.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.hashing import BlobHasher, hashing_iter
from ansible_collections.imagefleet.registry.plugins.module_utils._image.media_types import MAX_MANIFEST_BYTES
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.blob_upload import RestartUpload
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import RegistryError
from ansible_collections.imagefleet.registry.plugins.module_utils._parallel import OncePerKey
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.client import BrokenTransferError

if TYPE_CHECKING:
    from ansible_collections.imagefleet.registry.plugins.module_utils._registry.client import RegistryClient

SKIPPED = 'skipped'
MOUNTED = 'mounted'
UPLOADED = 'uploaded'

# digest -> (diff_id, size) of every blob this process hashed whole and found to have its digest: facts of the bytes,
# the same in every registry. Never what a config or a descriptor claims.
_HASHED: dict[str, tuple[str, int]] = {}


class Location:
    """A repository on a registry client."""

    __slots__ = ('client', 'repository')

    def __init__(self, client: RegistryClient, repository: str) -> None:
        self.client = client
        self.repository = repository

    @property
    def key(self) -> str:
        return '%s/%s' % (self.client.host, self.repository)


class TransferStats:
    """Counts for the module result; updated from worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts = {UPLOADED: 0, MOUNTED: 0, SKIPPED: 0}
        self.bytes_uploaded = 0
        self.bytes_read = 0

    def record(self, outcome: str | None, uploaded: int = 0, read: int = 0) -> None:
        with self._lock:
            if outcome:
                self.counts[outcome] += 1
            self.bytes_uploaded += uploaded
            self.bytes_read += read

    def as_dict(self) -> dict[str, int]:
        return {
            'blobs_uploaded': self.counts[UPLOADED],
            'blobs_mounted': self.counts[MOUNTED],
            'blobs_skipped': self.counts[SKIPPED],
            'bytes_uploaded': self.bytes_uploaded,
            'bytes_read': self.bytes_read,
        }


def read_config(location: Location, digest: str) -> bytes:
    """A config blob, read whole (capped at the manifest size limit) and checked against its digest: the one way the
    converter and the verifier read configs."""
    raw = location.client.get_blob_bytes(location.repository, digest, MAX_MANIFEST_BYTES)
    hasher = BlobHasher(digest, want_diff_id=False)
    hasher.update(raw)
    hasher.finish()  # DigestMismatchError naming the blob when it does not match
    return raw


def _stream(location, digest, hasher, response=None, size=None):
    """Chunks of a source blob, hashed on the way, never more than size bytes (its descriptor's, when known);
    the response is closed however iteration ends."""
    response = response or location.client.open_blob(location.repository, digest)
    try:
        yield from hashing_iter(location.client.iter_body(response, 'blob %s from %s' % (digest, location.key), size), hasher)
    finally:
        response.close()


class BlobMover:
    """Copies blobs and computes diff_ids for one run; safe to share between threads.

    It owns what is known of each blob (its size and its diff_id): callers tell it what manifests and
    configs say (learn) and ask (size_of, diff_id_of, facts); copies and reads record what they see.
    """

    def __init__(self, reuse_hashed: bool = False) -> None:
        # reuse_hashed: take diff_ids this process hashed before (_HASHED) instead of reading again; a conversion
        # does, a verification that must read what the destination serves does not.
        self._reuse_hashed = reuse_hashed
        self._diff_ids = OncePerKey()  # digest -> diff_id, each layer hashed once per run
        self._sizes: dict[str, int] = {}  # digest -> size, as descriptors, registries or streams told
        self._read_at: set[tuple[str, str]] = set()  # (repository key, digest) read whole and verified there

    def learn(self, digest: str, size: int | None = None, diff_id: str | None = None) -> None:
        """Record a blob's size (from a descriptor: it bounds every later read) and diff_id (from a config) if not known."""
        if size is not None and digest not in self._sizes:
            self._sizes[digest] = size
        if self._diff_ids.peek(digest) is None:
            self._diff_ids.put(digest, diff_id)

    def size_of(self, digest: str) -> int | None:
        return self._sizes.get(digest)

    def diff_id_of(self, digest: str) -> str | None:
        return self._diff_ids.peek(digest)

    def facts(self, digests: list[str]) -> tuple[dict[str, str], dict[str, int]] | None:
        """(diff_id by digest, size by digest) of every digest, or None while any is unknown."""
        diff_ids = {}
        for digest in digests:
            diff_id = self._diff_ids.peek(digest)
            if diff_id is None or digest not in self._sizes:
                return None
            diff_ids[digest] = diff_id
        return diff_ids, dict((digest, self._sizes[digest]) for digest in digests)

    def confirm_size(self, location: Location, digest: str) -> None:
        """Learn the size of a blob present at location that no descriptor or read told (a mounted schema 1 layer)."""
        if digest in self._sizes:
            return
        size = location.client.blob_size(location.repository, digest)
        if size is None:
            raise RegistryError('blob %s is not present in %s after the copy' % (digest, location.key),
                                registry=location.client.host, digest=digest)
        self._sizes[digest] = size

    def read_diff_id(self, location: Location, digest: str, stats: TransferStats) -> str:
        """diff_id of a blob, from the cache or by streaming it once (verified against its digest)."""

        def read_once(_attempt):
            hasher = BlobHasher(digest, want_diff_id=True, max_uncompressed=location.client.max_layer_bytes)
            for _chunk in _stream(location, digest, hasher, size=self._sizes.get(digest)):
                pass
            return hasher

        def read():
            hashed = _HASHED.get(digest) if self._reuse_hashed else None
            if hashed is not None:  # by an earlier run in this process (a batch before this one)
                self._sizes.setdefault(digest, hashed[1])
                return hashed[0]
            hasher = location.client.retrier(BrokenTransferError).call(read_once)
            diff_id = hasher.finish()
            stats.record(None, read=hasher.size)
            self._sizes[digest] = hasher.size
            self._read_at.add((location.key, digest))
            _HASHED[digest] = (diff_id, hasher.size)
            return diff_id

        return self._diff_ids.get(digest, read)

    def copy(self, source: Location, dest: Location, digest: str, stats: TransferStats,
             want_diff_id: bool = False) -> tuple[str, str | None]:
        """Make digest present in dest; return (outcome, diff_id or None).

        Every outcome means the destination registry confirmed the blob: a HEAD
        answer (skipped), a 201 to a mount, or a committed upload. Inside one
        registry the mount is tried first: it answers 201 whether or not the
        blob was already linked, so a HEAD before it would only cost a request.
        """
        same_registry = source.client is dest.client and source.repository != dest.repository
        if source.client is dest.client and source.repository == dest.repository and want_diff_id and not self._diff_ids.peek(digest):
            # In place: the read for the diff_id, checked against the digest, shows the blob is there
            # (unless another image read it elsewhere meanwhile: then a HEAD below asks).
            diff_id = self.read_diff_id(dest, digest, stats)
            if (dest.key, digest) in self._read_at:
                stats.record(SKIPPED)
                return SKIPPED, diff_id
        mounted = same_registry and dest.client.mount_blob(dest.repository, digest, source.repository)
        if mounted is True:
            outcome = MOUNTED
        elif mounted:
            # 202: the registry opened an upload session instead (ECR, GCR, Nexus); use it.
            return UPLOADED, self._upload(source, dest, digest, stats, want_diff_id, session_url=mounted)
        else:
            size = dest.client.blob_size(dest.repository, digest)
            if size is None:
                return UPLOADED, self._upload(source, dest, digest, stats, want_diff_id)
            self._sizes[digest] = size
            outcome = SKIPPED
        stats.record(outcome)
        return outcome, self.read_diff_id(dest, digest, stats) if want_diff_id else None

    def _upload(self, source, dest, digest, stats, want_diff_id, session_url=None):
        """Stream source -> dest; a broken upload starts again from the source, a bounded number of times.

        A chunked upload resumes a broken chunk itself (_registry/blob_upload.py); what reaches here
        starts over with a fresh hasher, so the digest and diff_id are always computed from
        bytes that were actually sent. A switch of upload protocol costs one re-read, no try.
        """
        want_diff_id = want_diff_id and not self._diff_ids.peek(digest)
        switched = 0
        first_session = [session_url]  # the session a mount opened serves the first try only

        def upload_once(_attempt):
            nonlocal switched
            while True:  # a switch of upload protocol re-reads without using up a try
                hasher = BlobHasher(digest, want_diff_id, max_uncompressed=source.client.max_layer_bytes)
                session, first_session[0] = first_session[0], None
                response = None
                try:
                    response = source.client.open_blob(source.repository, digest)
                    declared = response.headers.get('Content-Length')
                    size = int(declared) if declared and declared.isdigit() else self._sizes.get(digest)
                    return hasher, dest.client.upload_blob(dest.repository, digest,
                                                           _stream(source, digest, hasher, response, self._sizes.get(digest)),
                                                           size=size, session_url=session)
                except RestartUpload:
                    switched += 1
                    if switched > 1:
                        raise
                except BrokenTransferError:
                    # A corrupt source shows up as a failed upload: report the cause, never retry it.
                    if hasher.failure is not None:
                        raise hasher.failure
                    raise
                finally:
                    if response is not None:
                        response.close()

        hasher, committed = dest.client.retrier(BrokenTransferError).call(upload_once)
        if not committed:
            # A concurrent writer's copy is there; our stream may have stopped part-way.
            stats.record(SKIPPED)
            return self.read_diff_id(dest, digest, stats) if want_diff_id else self._diff_ids.peek(digest)
        diff_id = hasher.finish() if want_diff_id else self._diff_ids.peek(digest)
        if want_diff_id:
            _HASHED[digest] = (diff_id, hasher.size)
        self._diff_ids.put(digest, diff_id)
        self._sizes[digest] = hasher.size
        stats.record(UPLOADED, uploaded=hasher.size, read=hasher.size)
        return diff_id
