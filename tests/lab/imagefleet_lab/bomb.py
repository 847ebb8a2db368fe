# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Schema 1 images whose one layer is a decompression bomb (512 MiB of zeros as gzip, bzip2 or xz: about
510 KB, 400 bytes and 80 KB), and a normal one of the same compressed size, for the peak-memory test.

The tar is generated and compressed in 1 MiB pieces (never whole in memory); compressed layers are cached
as files, since compressing takes a few seconds each.
"""

from __future__ import annotations

import bz2
import hashlib
import lzma
import tarfile
import zlib
from pathlib import Path

from .fixtures import push_schema1
from .images import Layer, Step, make_layer
from .push import Pusher

MIB = 1024 * 1024
KINDS = ("gzip", "bzip2", "xz")


def _compressor(kind: str):
    if kind == "gzip":
        return zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip header with mtime 0
    if kind == "bzip2":
        return bz2.BZ2Compressor(9)
    return lzma.LZMACompressor(format=lzma.FORMAT_XZ, preset=1)


def bomb_layer(kind: str, inflated_mib: int = 512) -> Layer:
    """A tar of one file of zeros, inflated_mib MiB, compressed with kind."""
    info = tarfile.TarInfo("bomb/zeros")
    info.size = inflated_mib * MIB
    info.mtime = 1551441600
    header = info.tobuf(format=tarfile.PAX_FORMAT)
    # The file, then two zero blocks ending the archive, padded to tarfile's 10240-byte records.
    trailer = 1024 + (-(len(header) + info.size + 1024)) % tarfile.RECORDSIZE
    compressor, diff_id, out = _compressor(kind), hashlib.sha256(), []
    for piece in [header] + [bytes(MIB)] * inflated_mib + [bytes(trailer)]:
        diff_id.update(piece)
        out.append(compressor.compress(piece))
    out.append(compressor.flush())
    return Layer(b"".join(out), "sha256:" + diff_id.hexdigest())


def _cached(kind: str, cache: Path) -> Layer:
    blob_path, diff_path = cache / f"bomb-{kind}.blob", cache / f"bomb-{kind}.diff_id"
    if blob_path.exists() and diff_path.exists():
        return Layer(blob_path.read_bytes(), diff_path.read_text(encoding="utf-8").strip())
    layer = bomb_layer(kind)
    cache.mkdir(parents=True, exist_ok=True)
    blob_path.write_bytes(layer.blob)
    diff_path.write_text(layer.diff_id, encoding="utf-8")
    return layer


def push_all(pusher: Pusher, registry: str, cache: Path) -> dict:
    """kind -> {ref, compressed, inflated} for bomb/KIND:1 and bomb/normal:1 (random bytes: inflates ~1:1)."""
    layers = {kind: _cached(kind, cache) for kind in KINDS}
    layers["normal"] = make_layer("bomb/normal", 512 * 1024, files=1, compressible=False)
    found = {}
    for kind, layer in layers.items():
        repository = f"bomb/{kind}"
        push_schema1(pusher, repository, ["1"], [Step("ADD layer /", layer)], repository)
        found[kind] = {"ref": f"{registry}/{repository}:1", "compressed": layer.size}
    return found
