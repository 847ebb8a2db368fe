# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma

import pytest
from hypothesis import assume, given, settings, strategies as st

from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.hashing import BlobHasher, compression_of, hashing_iter
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ConversionError, DigestMismatchError


def digest(data):
    return 'sha256:' + hashlib.sha256(data).hexdigest()


def chunks(data, size):
    return [data[i:i + size] for i in range(0, len(data), size)] or [b'']


COMPRESSORS = [gzip.compress, bz2.compress, lzma.compress, lambda data: data]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=5000), st.sampled_from(COMPRESSORS), st.integers(min_value=1, max_value=700))
def test_digest_and_diff_id_whatever_the_chunking(tar, compress, size):
    blob = compress(tar)
    assume(blob is not tar or compression_of(tar) == 'none')  # a real tar never starts with a magic number
    hasher = BlobHasher(digest(blob), want_diff_id=True)
    assert b''.join(hashing_iter(chunks(blob, size), hasher)) == blob
    assert hasher.finish() == digest(tar)
    assert hasher.size == len(blob)


def test_multi_member_gzip():
    blob = gzip.compress(b'a' * 100) + gzip.compress(b'b' * 100)
    hasher = BlobHasher(digest(blob), want_diff_id=True)
    list(hashing_iter(chunks(blob, 7), hasher))
    assert hasher.finish() == digest(b'a' * 100 + b'b' * 100)


def test_flipped_byte_names_the_digest():
    blob = gzip.compress(b'x' * 10000)
    bad = bytearray(blob)
    bad[len(bad) // 2] ^= 0xFF
    hasher = BlobHasher(digest(blob), want_diff_id=False)
    with pytest.raises(DigestMismatchError) as err:
        list(hashing_iter([bytes(bad)], hasher))
    assert digest(blob) in str(err.value) and 'corrupt' in str(err.value)
    assert hasher.failure is err.value


def test_undecompressable_is_corrupt():
    blob = gzip.compress(b'y' * 10000)
    bad = blob[:10] + b'\0' * 50 + blob[60:]
    hasher = BlobHasher(digest(blob), want_diff_id=True)
    with pytest.raises(DigestMismatchError, match='is corrupt'):
        list(hashing_iter([bad], hasher))


def test_truncated_stream_fails():
    blob = gzip.compress(b'z' * 1000)
    hasher = BlobHasher(digest(blob), want_diff_id=False)
    with pytest.raises(DigestMismatchError):
        list(hashing_iter([blob[:-5]], hasher))


def test_zstd_diff_id_refused():
    blob = b'\x28\xb5\x2f\xfd' + b'\0' * 20
    hasher = BlobHasher(digest(blob), want_diff_id=True)
    with pytest.raises(ConversionError, match='zstd'):
        list(hashing_iter([blob], hasher))


@pytest.mark.parametrize('compress', [gzip.compress, bz2.compress, lzma.compress])
def test_truncated_compressed_stream_is_corrupt_even_with_a_matching_digest(compress):
    blob = compress(b'layer data ' * 1000)[:-12]  # what a registry would serve under this very digest
    hasher = BlobHasher(digest(blob), want_diff_id=True)
    with pytest.raises(DigestMismatchError, match='ends early'):
        list(hashing_iter(chunks(blob, 100), hasher))


@pytest.mark.parametrize('kind', ['gzip', 'bzip2', 'xz'])
def test_each_decompression_call_is_bounded_in_its_output(kind):
    from ansible_collections.imagefleet.registry.plugins.module_utils._conversion import hashing

    inflated = 8 * 1024 * 1024 + 5
    bomb = {'gzip': gzip.compress, 'bzip2': bz2.compress, 'xz': lzma.compress}[kind](b'\0' * inflated)
    assert len(bomb) < 64 * 1024
    pieces = list(hashing._decompressor(kind, 'sha256:x').feed(bomb))  # one small chunk in
    assert max(len(piece) for piece in pieces) <= hashing.OUTPUT_CHUNK
    assert sum(len(piece) for piece in pieces) == inflated
    hasher = BlobHasher(digest(bomb), want_diff_id=True)
    list(hashing_iter([bomb], hasher))
    assert hasher.finish() == digest(b'\0' * inflated) and hasher.uncompressed == inflated


def test_gzip_members_after_a_full_output_are_still_read():
    from ansible_collections.imagefleet.registry.plugins.module_utils._conversion import hashing

    first = b'\0' * hashing.OUTPUT_CHUNK  # exactly one full output, then the next member
    blob = gzip.compress(first) + gzip.compress(b'tail')
    assert b''.join(hashing._Gunzip().feed(blob)) == first + b'tail'


def test_a_cap_on_the_uncompressed_size_names_the_layer():
    bomb = gzip.compress(b'\0' * (3 * 1024 * 1024))
    hasher = BlobHasher(digest(bomb), want_diff_id=True, max_uncompressed=2 * 1024 * 1024)
    with pytest.raises(ConversionError, match='inflates to more than 2 MiB uncompressed') as err:
        list(hashing_iter(chunks(bomb, 1000), hasher))
    assert digest(bomb) in str(err.value)
