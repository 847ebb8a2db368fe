# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hash a blob as it streams past: its own digest and, when asked, its diff_id.

A diff_id is the sha256 of the uncompressed tar. The compression is found
from the first bytes (gzip, bzip2, xz, zstd, or none), never from a media
type, and nothing is held in memory beyond one chunk.
"""

from __future__ import annotations

import bz2
import hashlib
import lzma
import zlib

from ansible_collections.imagefleet.registry.plugins.module_utils._digest import hasher_for
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ConversionError, DigestMismatchError

_MAGIC = (
    (b'\x1f\x8b', 'gzip'),
    (b'BZh', 'bzip2'),
    (b'\xfd7zXZ\x00', 'xz'),
    (b'\x28\xb5\x2f\xfd', 'zstd'),
)


def compression_of(head):
    """The compression the first bytes announce, or 'none'."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return 'none'


class _Gunzip:
    """Multi-member gzip, as `gzip -c a b > c` writes and Go's reader accepts."""

    def __init__(self):
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)

    @property
    def complete(self):
        return self._inflate.eof

    def feed(self, data):
        out = []
        while data:
            out.append(self._inflate.decompress(data))
            data = self._inflate.unused_data
            if data:
                self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        return b''.join(out)


class _Decompressor:
    def __init__(self, factory):
        self._obj = factory()

    @property
    def complete(self):
        return self._obj.eof

    def feed(self, data):
        return self._obj.decompress(data)


class _Identity:
    complete = True

    @staticmethod
    def feed(data):
        return data


def _decompressor(name, digest):
    if name == 'gzip':
        return _Gunzip()
    if name == 'bzip2':
        return _Decompressor(bz2.BZ2Decompressor)
    if name == 'xz':
        return _Decompressor(lzma.LZMADecompressor)
    if name == 'zstd':
        raise ConversionError('layer %s is zstd-compressed; its diff_id cannot be computed here and '
                              'Docker v2s2 cannot carry zstd layers' % digest, digest=digest)
    return _Identity()


class BlobHasher:
    """Feed chunks in order; finish() verifies the digest and returns the diff_id (or None)."""

    def __init__(self, digest, want_diff_id):
        self.digest = digest
        self.size = 0
        self._hasher = hasher_for(digest)
        self._want_diff_id = want_diff_id
        self._diff_hasher = hashlib.sha256() if want_diff_id else None
        self._inflate = None
        self._head = b''
        self.failure = None

    def update(self, chunk):
        self._hasher.update(chunk)
        self.size += len(chunk)
        if not self._want_diff_id:
            return
        if self._inflate is None:
            # Wait for enough bytes to read the longest magic number.
            self._head += chunk
            if len(self._head) < 6:
                return
            chunk, self._head = self._head, b''
            self._inflate = _decompressor(compression_of(chunk), self.digest)
        try:
            self._diff_hasher.update(self._inflate.feed(chunk))
        except (zlib.error, OSError, EOFError, lzma.LZMAError) as exc:
            raise DigestMismatchError('blob %s is corrupt: it does not decompress (%s)' % (self.digest, exc), digest=self.digest)

    def finish(self):
        if self._want_diff_id and self._inflate is None:
            head, self._head = self._head, b''
            self._inflate = _decompressor(compression_of(head), self.digest)
            self._diff_hasher.update(self._inflate.feed(head))
        actual = '%s:%s' % (self._hasher.name, self._hasher.hexdigest())
        if actual != self.digest:
            raise DigestMismatchError('blob %s is corrupt: its content hashes to %s' % (self.digest, actual),
                                      digest=self.digest, actual=actual)
        if not self._want_diff_id:
            return None
        if not self._inflate.complete:
            # A registry serves a truncated layer under its own digest: its diff_id would be wrong, silently.
            raise DigestMismatchError('blob %s is corrupt: its compressed stream ends early' % self.digest, digest=self.digest)
        return 'sha256:' + self._diff_hasher.hexdigest()


def hashing_iter(chunks, hasher):
    """Yield chunks unchanged while hashing them; verify at the end.

    Raising here stops an upload before its last chunk, so the registry
    commits nothing; the error is also kept on hasher.failure because a
    transport layer may wrap it.
    """
    try:
        for chunk in chunks:
            if chunk:
                hasher.update(chunk)
                yield chunk
        hasher.finish()
    except (DigestMismatchError, ConversionError) as exc:
        hasher.failure = exc
        raise
