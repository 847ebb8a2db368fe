# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A signed schema 1 image with ONE big layer, for the peak-memory measure of `make bench`.

The layer is a gzipped tar of incompressible random bytes. It is streamed to a file (its digest and diff_id
computed while it is written) and uploaded from that file, so neither this helper nor the lab ever holds it in
memory. The file is kept in bench/out and reused by later runs of the same size.

    PYTHONPATH=tests/lab python bench/bigimage.py --state bench/out/state.json --mb 1024 --repository big/app
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import time
import urllib.parse
from pathlib import Path

from imagefleet_lab import fixtures, images, jws, state

MIB = 1024 * 1024
CHUNK = MIB


@dataclasses.dataclass(frozen=True)
class FileLayer:
    """What images.schema1_payload needs of a layer (digest), plus where its bytes are."""
    path: Path
    digest: str
    diff_id: str
    size: int


class _RandomReader(io.RawIOBase):
    """`size` random bytes, read in chunks (tarfile copies from it)."""

    def __init__(self, size: int):
        super().__init__()
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.left, CHUNK)
        if count <= 0:
            return 0
        buffer[:count] = os.urandom(count)
        self.left -= count
        return count


class _HashingWriter(io.RawIOBase):
    """Passes bytes on to `target` (or nowhere) and hashes them on the way."""

    def __init__(self, target=None):
        super().__init__()
        self.target = target
        self.sha256 = hashlib.sha256()
        self.count = 0

    def writable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.count

    def write(self, data) -> int:
        self.sha256.update(data)
        self.count += len(data)
        if self.target is not None:
            self.target.write(data)
        return len(data)


def make_layer_file(directory: Path, megabytes: int) -> FileLayer:
    """Write (or reuse) bench/out/layer-<MB>mb.tar.gz and its digests."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"layer-{megabytes}mb.tar.gz"
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("size") == path.stat().st_size:
            return FileLayer(path, meta["digest"], meta["diff_id"], meta["size"])
    partial = path.with_suffix(".partial")
    with open(partial, "wb") as raw:
        compressed = _HashingWriter(raw)
        # Level 1: random bytes do not compress; mtime 0 keeps the gzip header stable.
        with gzip.GzipFile(fileobj=compressed, mode="wb", filename="", mtime=0, compresslevel=1) as gz:
            uncompressed = _HashingWriter(gz)
            with tarfile.open(fileobj=uncompressed, mode="w", format=tarfile.PAX_FORMAT, copybufsize=CHUNK) as tar:
                info = tarfile.TarInfo(f"lab/big/{megabytes}mb.bin")
                info.size = megabytes * MIB
                info.mtime = 1551441600
                info.mode = 0o644
                tar.addfile(info, _RandomReader(info.size))
    layer = FileLayer(path, "sha256:" + compressed.sha256.hexdigest(), "sha256:" + uncompressed.sha256.hexdigest(),
                      compressed.count)
    partial.replace(path)
    meta_path.write_text(json.dumps({"digest": layer.digest, "diff_id": layer.diff_id, "size": layer.size}) + "\n",
                         encoding="utf-8")
    return layer


def upload_file(pusher, repository: str, layer: FileLayer) -> None:
    """Monolithic upload streamed from the file (requests sends a file object in chunks)."""
    if pusher.has_blob(repository, layer.digest):
        return
    response = pusher.session.post(f"{pusher.url}/v2/{repository}/blobs/uploads/", timeout=pusher.timeout,
                                   verify=pusher.verify)
    if response.status_code != 202:
        raise RuntimeError(f"start upload to {repository}: HTTP {response.status_code}: {response.text[:300]}")
    location = urllib.parse.urljoin(pusher.url + "/", response.headers["Location"])
    location += ("&" if "?" in location else "?") + urllib.parse.urlencode({"digest": layer.digest})
    with open(layer.path, "rb") as data:
        response = pusher.session.put(location, data=data, timeout=max(pusher.timeout, 600), verify=pusher.verify,
                                      headers={"Content-Type": "application/octet-stream",
                                               "Content-Length": str(layer.size)})
    if response.status_code != 201:
        raise RuntimeError(f"upload {layer.digest} to {repository}: HTTP {response.status_code}: {response.text[:300]}")


def push(lab: dict, directory: Path, megabytes: int, repository: str, tag: str = "1") -> dict:
    """Push `repository:tag`, a signed schema 1 image: the big layer plus a throwaway CMD entry."""
    started = time.monotonic()
    layer = make_layer_file(directory, megabytes)
    built = time.monotonic()
    pusher = state.pusher_for(lab)
    upload_file(pusher, repository, layer)
    pusher.put_blob(repository, images.EMPTY_LAYER)
    steps = [images.Step(f"#(nop) ADD file:big{megabytes} in / ", layer), images.Step("#(nop) CMD [\"--serve\"]")]
    payload, _blobs = images.schema1_payload(repository, tag, steps, fixtures.TOP_CONFIG, seed=repository)
    digest = pusher.put_manifest(repository, tag, jws.sign_payload(payload), images.MT_V1_SIGNED)
    if digest != jws.payload_digest(payload):
        raise RuntimeError(f"{repository}:{tag}: registry digest {digest} != payload digest")
    return {
        "ref": f"{lab['registry']}/{repository}:{tag}",
        "digest": digest,
        "layer_digest": layer.digest,
        "layer_bytes": layer.size,
        "build_seconds": round(built - started, 2),
        "push_seconds": round(time.monotonic() - built, 2),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", required=True, help="the lab's state file")
    parser.add_argument("--mb", type=int, required=True, help="uncompressed size of the layer, in MiB")
    parser.add_argument("--repository", required=True)
    parser.add_argument("--tag", default="1")
    parser.add_argument("--dir", default=None, help="where layer files are kept (default: next to the state file)")
    args = parser.parse_args(argv)
    lab = state.load(Path(args.state))
    if not state.alive(lab):
        raise SystemExit(f"no running lab in {args.state}")
    directory = Path(args.dir) if args.dir else Path(args.state).parent
    json.dump(push(lab, directory, args.mb, args.repository, args.tag), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
