# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hash a blob as it streams past: its own digest and, when asked, its diff_id.

A diff_id is the sha256 of the uncompressed tar. The compression is found
from the first bytes (gzip, bzip2, xz, zstd, or none), never from a media
type, and nothing is held in memory beyond one chunk: every decompression
call is bounded in its output (OUTPUT_CHUNK), so memory stays flat whatever
the compression ratio.
"""

from __future__ import annotations

import bz2
import hashlib
import lzma
import zlib

from ansible_collections.imagefleet.registry.plugins.module_utils._image.digest import hasher_for
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ConversionError, DigestMismatchError

# Most bytes one decompression call may produce: memory stays flat whatever the compression ratio. Kept under glibc's
# 128 KiB mmap threshold like the client's CHUNK_SIZE (larger pieces cost page faults on every call).
OUTPUT_CHUNK = 96 * 1024
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
        """The decompressed pieces of data, each at most OUTPUT_CHUNK bytes (what is left waits in unconsumed_tail)."""
        while True:
            out = self._inflate.decompress(data, OUTPUT_CHUNK)
            if out:
                yield out
            if self._inflate.eof:
                data = self._inflate.unused_data
                if not data:
                    return
                self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            else:
                data = self._inflate.unconsumed_tail
                # A full output may leave more inside zlib even when all input is taken: ask again until it runs dry.
                if not data and len(out) < OUTPUT_CHUNK:
                    return


class _Decompressor:
    def __init__(self, factory):
        self._obj = factory()

    @property
    def complete(self):
        return self._obj.eof

    def feed(self, data):
        """The decompressed pieces of data, each at most OUTPUT_CHUNK bytes (bz2 and lzma keep what is left over)."""
        out = self._obj.decompress(data, OUTPUT_CHUNK)
        while True:
            if out:
                yield out
            if self._obj.eof or self._obj.needs_input:
                return
            out = self._obj.decompress(b'', OUTPUT_CHUNK)


class _Identity:
    complete = True

    @staticmethod
    def feed(data):
        yield data


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

    def __init__(self, digest, want_diff_id, max_uncompressed=None):
        self.digest = digest
        self.size = 0
        self.uncompressed = 0
        self._max_uncompressed = max_uncompressed
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
        self._inflate_into_diff_id(chunk)

    def _inflate_into_diff_id(self, chunk):
        try:
            for piece in self._inflate.feed(chunk):
                self.uncompressed += len(piece)
                if self._max_uncompressed is not None and self.uncompressed > self._max_uncompressed:
                    raise ConversionError('layer %s inflates to more than %d MiB uncompressed (max_layer_uncompressed_mb); '
                                          'raise that limit if the layer is genuine'
                                          % (self.digest, self._max_uncompressed // (1024 * 1024)), digest=self.digest)
                self._diff_hasher.update(piece)
        except (zlib.error, OSError, EOFError, lzma.LZMAError) as exc:
            raise DigestMismatchError('blob %s is corrupt: it does not decompress (%s)' % (self.digest, exc), digest=self.digest)

    def finish(self):
        if self._want_diff_id and self._inflate is None:
            head, self._head = self._head, b''
            self._inflate = _decompressor(compression_of(head), self.digest)
            self._inflate_into_diff_id(head)
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
