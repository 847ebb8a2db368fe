# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Deterministic image content: layers, schema 1 / v2s2 / OCI manifests, lists and indexes."""

from __future__ import annotations

import dataclasses
import datetime
import gzip
import hashlib
import io
import json
import random
import tarfile

from . import jws

# containers/image's GzippedEmptyLayer, byte for byte (a Python gzip of the same tar differs).
EMPTY_LAYER = bytes([31, 139, 8, 0, 0, 9, 110, 136, 0, 255, 98, 24, 5, 163, 96, 20, 140, 88,
                     0, 8, 0, 0, 255, 255, 46, 175, 181, 239, 0, 4, 0, 0])
EMPTY_LAYER_DIGEST = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
EMPTY_LAYER_DIFF_ID = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"

MT_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
MT_V2S2 = "application/vnd.docker.distribution.manifest.v2+json"
MT_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MT_DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
MT_DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
MT_OCI = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"

EPOCH = datetime.datetime(2019, 3, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def compact(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


@dataclasses.dataclass(frozen=True)
class Layer:
    """A gzipped tar blob and the digest of its uncompressed tar (its diff_id)."""
    blob: bytes
    diff_id: str

    @property
    def digest(self) -> str:
        return sha256_digest(self.blob)

    @property
    def size(self) -> int:
        return len(self.blob)


EMPTY = Layer(EMPTY_LAYER, EMPTY_LAYER_DIFF_ID)


def _file_bytes(rng: random.Random, size: int, compressible: bool) -> bytes:
    if not compressible:
        return rng.randbytes(size)
    # Hex text: gzip roughly halves it, like typical file system content.
    return rng.randbytes((size + 1) // 2).hex().encode()[:size]


def make_layer(seed: str, size: int, files: int = 3, compressible: bool = True) -> Layer:
    """A layer of `files` files totalling about `size` bytes, the same bytes for the same seed."""
    rng = random.Random(seed)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for index in range(files):
            data = _file_bytes(rng, size // files, compressible)
            info = tarfile.TarInfo(f"lab/{seed.replace('/', '_')}/file{index}.bin")
            info.size = len(data)
            info.mtime = 1551441600
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    tar_bytes = raw.getvalue()
    out = io.BytesIO()
    # mtime=0 and no file name keep the gzip header (so the digest) stable; level 1 because
    # incompressible data gains nothing from harder work.
    with gzip.GzipFile(fileobj=out, mode="wb", filename="", mtime=0, compresslevel=1 if not compressible else 6) as gz:
        gz.write(tar_bytes)
    return Layer(out.getvalue(), sha256_digest(tar_bytes))


@dataclasses.dataclass
class Step:
    """One build step, base first. layer None means a history-only (throwaway) step."""
    command: str
    layer: Layer | None = None
    author: str | None = None
    duplicate_of_previous: bool = False  # docker bug shape: the same v1 entry twice in a row


def v1_id(seed: str, index: int) -> str:
    return hashlib.sha256(f"{seed}/v1/{index}".encode()).hexdigest()


def timestamp(index: int) -> str:
    return (EPOCH + datetime.timedelta(minutes=index)).strftime("%Y-%m-%dT%H:%M:%S.") + f"{index:09d}Z"


def shell(command: str) -> list:
    return ["/bin/sh", "-c", command]


def schema1_payload(name: str, tag: str, steps: list, top_config: dict, seed: str,
                    architecture: str = "amd64", os_name: str = "linux", docker_1_8_2: bool = False) -> tuple:
    """Unsigned schema 1 payload bytes, and the blobs it references (distinct, in order).

    docker_1_8_2: every history entry shaped as docker 1.8.2 wrote them (docker_1_8_2_v1).
    """
    entries = []  # base first: (blobSum, v1Compatibility dict)
    used = []
    parent = None
    for index, step in enumerate(steps):
        if step.duplicate_of_previous:
            entries.append(entries[-1])
            continue
        layer = step.layer or EMPTY
        used.append(layer)
        v1 = {"id": v1_id(seed, index)}
        if parent:
            v1["parent"] = parent
        v1["created"] = timestamp(index)
        v1["container_config"] = {"Cmd": shell(step.command)}
        if step.author:
            v1["author"] = step.author
        if step.layer is None:
            v1["throwaway"] = True
        if docker_1_8_2:
            v1 = docker_1_8_2_v1(v1, seed, step, top_config, index == len(steps) - 1, architecture, os_name)
        entries.append((layer.digest, v1))
        parent = v1["id"]
    if not docker_1_8_2:
        top = dict(entries[-1][1])
        top.update({
            "container": hashlib.sha256(f"{seed}/container".encode()).hexdigest(),
            "docker_version": "18.09.7",
            "config": top_config,
            "architecture": architecture,
            "os": os_name,
        })
        entries[-1] = (entries[-1][0], top)
    manifest = {
        "schemaVersion": 1,
        "name": name,
        "tag": tag,
        "architecture": architecture,
        "fsLayers": [{"blobSum": blob} for blob, _v1 in reversed(entries)],
        "history": [{"v1Compatibility": compact(v1).decode()} for _blob, v1 in reversed(entries)],
    }
    return json.dumps(manifest, indent=3).encode(), _distinct(used)


def _docker_1_8_2_runtime(config: dict, cmd, image: str, hostname: str) -> dict:
    # runconfig.Config of docker 1.8: every field written, none omitted, in this order.
    return {"Hostname": hostname, "Domainname": "", "User": config.get("User", ""), "AttachStdin": False,
            "AttachStdout": False, "AttachStderr": False, "ExposedPorts": config.get("ExposedPorts"), "PublishService": "",
            "Tty": False, "OpenStdin": False, "StdinOnce": False, "Env": config.get("Env"), "Cmd": cmd, "Image": image,
            "Volumes": config.get("Volumes"), "VolumeDriver": "", "WorkingDir": config.get("WorkingDir", ""),
            "Entrypoint": config.get("Entrypoint"), "NetworkDisabled": False, "MacAddress": "", "OnBuild": None,
            "Labels": config.get("Labels", {})}


def docker_1_8_2_v1(v1: dict, seed: str, step: Step, top_config: dict, is_top: bool, architecture: str, os_name: str) -> dict:
    """A v1Compatibility entry as docker 1.8.2 pushed it: no throwaway (history-only steps carry the empty
    layer), every field of container_config and config written (null or empty included), and Size.

    config is top_config on the top entry; container_config, and config below the top, lack what the
    last steps set (Cmd, Entrypoint, ExposedPorts), so `"ExposedPorts":null` appears as docker wrote it.
    """
    container = hashlib.sha256(f"{seed}/{v1['id']}/container".encode()).hexdigest()
    parent = v1.get("parent", "")
    earlier = {key: value for key, value in top_config.items() if key not in ("Cmd", "Entrypoint", "ExposedPorts")}
    config = top_config if is_top else earlier
    entry = {"id": v1["id"]}
    if parent:
        entry["parent"] = parent
    entry.update({
        "created": v1["created"],
        "container": container,
        "container_config": _docker_1_8_2_runtime(earlier, v1["container_config"]["Cmd"], parent, container[:12]),
        "docker_version": "1.8.2-el7.centos",
    })
    if step.author:
        entry["author"] = step.author
    entry.update({
        "config": _docker_1_8_2_runtime(config, config.get("Cmd"), parent, container[:12]),
        "architecture": architecture,
        "os": os_name,
        "Size": len(step.layer.blob) * 2 if step.layer else 0,
    })
    return entry


def signed_schema1(*args, **kwargs) -> tuple:
    """(signed bytes, payload digest, blobs) for schema1_payload(*args)."""
    payload, blobs = schema1_payload(*args, **kwargs)
    return jws.sign_payload(payload), jws.payload_digest(payload), blobs


def _distinct(layers: list) -> list:
    seen = {}
    for layer in layers:
        seen.setdefault(layer.digest, layer)
    return list(seen.values())


def image_config(layers: list, top_config: dict, architecture: str, os_name: str = "linux",
                 variant: str | None = None, commands: list | None = None) -> bytes:
    """A v2s2/OCI config: one history item per layer, rootfs.diff_ids from the uncompressed tars."""
    commands = commands or [f"COPY layer{i} /" for i in range(len(layers))]
    config = {"architecture": architecture, "os": os_name}
    if variant:
        config["variant"] = variant
    config.update({
        "config": top_config,
        "created": timestamp(len(layers)),
        "history": [{"created": timestamp(i), "created_by": " ".join(shell(cmd))} for i, cmd in enumerate(commands)],
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]},
    })
    return compact(config)


def image_manifest(config: bytes, layers: list, oci: bool = False) -> bytes:
    """A v2s2 (or OCI) manifest over an already built config."""
    layer_type = MT_OCI_LAYER if oci else MT_DOCKER_LAYER
    manifest = {
        "schemaVersion": 2,
        "mediaType": MT_OCI if oci else MT_V2S2,
        "config": {"mediaType": MT_OCI_CONFIG if oci else MT_DOCKER_CONFIG, "size": len(config),
                   "digest": sha256_digest(config)},
        "layers": [{"mediaType": layer_type, "size": layer.size, "digest": layer.digest} for layer in layers],
    }
    return json.dumps(manifest, indent=3).encode()


def manifest_list(children: list, oci: bool = False) -> bytes:
    """children: (manifest bytes, platform dict) pairs; a Docker list or an OCI index."""
    body = {
        "schemaVersion": 2,
        "mediaType": MT_INDEX if oci else MT_LIST,
        "manifests": [{"mediaType": MT_OCI if oci else MT_V2S2, "size": len(raw), "digest": sha256_digest(raw),
                       "platform": platform} for raw, platform in children],
    }
    return json.dumps(body, indent=3).encode()
