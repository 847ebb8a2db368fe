# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The standard fixture set: one image per manifest shape the collection must handle."""

from __future__ import annotations

from . import images
from .images import Step, make_layer
from .push import Pusher

KIB = 1024
MIB = 1024 * 1024

TOP_CONFIG = {
    "User": "app",
    "ExposedPorts": {"8080/tcp": {}},
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "A=1"],
    "Cmd": ["--serve"],
    "Entrypoint": ["/usr/local/bin/app"],
    "WorkingDir": "/srv/app",
    # `<`, `>` and `&` test byte-exact config encoding (Go escapes them).
    "Labels": {"maintainer": "Ops <ops@example.com>", "org.example.note": "a&b"},
}


def _record(name: str, repository: str, tags: list, fmt: str, digest: str, registry: str) -> tuple:
    return name, {"ref": f"{registry}/{repository}:{tags[0]}", "repository": repository, "tag": tags[0],
                  "tags": tags, "format": fmt, "digest": digest}


def push_schema1(pusher: Pusher, repository: str, tags: list, steps: list, seed: str, **kwargs) -> str:
    """Push the blobs, then the signed manifest under every tag (the payload names the first tag)."""
    signed, digest, blobs = images.signed_schema1(repository, tags[0], steps, TOP_CONFIG, seed, **kwargs)
    for layer in blobs:
        pusher.put_blob(repository, layer.blob)
    for tag in tags:
        answered = pusher.put_manifest(repository, tag, signed, images.MT_V1_SIGNED)
        if answered != digest:
            raise AssertionError(f"{repository}:{tag}: registry digest {answered} != payload digest {digest}")
    return digest


def push_image(pusher: Pusher, repository: str, reference: str | None, layers: list, oci: bool,
               architecture: str = "amd64", variant: str | None = None) -> tuple:
    """Push a v2s2 or OCI image under a tag (by digest when None); returns (manifest bytes, digest)."""
    config = images.image_config(layers, TOP_CONFIG, architecture, variant=variant)
    for layer in layers:
        pusher.put_blob(repository, layer.blob)
    pusher.put_blob(repository, config)
    manifest = images.image_manifest(config, layers, oci=oci)
    reference = reference or images.sha256_digest(manifest)
    return manifest, pusher.put_manifest(repository, reference, manifest, images.MT_OCI if oci else images.MT_V2S2)


def push_list(pusher: Pusher, repository: str, tags: list, oci: bool, platforms: list) -> str:
    children = []
    for platform in platforms:
        seed = f"{repository}/{platform['architecture']}"
        layers = [make_layer(seed + "/0", 64 * KIB), make_layer(seed + "/1", 16 * KIB)]
        manifest = push_image(pusher, repository, None, layers, oci, platform["architecture"], platform.get("variant"))[0]
        children.append((manifest, platform))
    body = images.manifest_list(children, oci=oci)
    media_type = images.MT_INDEX if oci else images.MT_LIST
    return [pusher.put_manifest(repository, tag, body, media_type) for tag in tags][0]


def _schema1_multi() -> list:
    return [
        Step("#(nop) ADD file:3e2a1b4c in / ", make_layer("multi/base", 256 * KIB, files=5)),
        Step("#(nop) ENV A=1"),
        Step("apt-get install -y app", make_layer("multi/run", 96 * KIB), author="Ops <ops@example.com>"),
        Step("#(nop) COPY dir:7d1c in /srv/app ", make_layer("multi/copy", 32 * KIB)),
        Step("#(nop) CMD [\"--serve\"]", author="Ops <ops@example.com>"),
    ]


def _schema1_repeated() -> list:
    shared = make_layer("repeated/shared", 24 * KIB)
    return [
        Step("#(nop) ADD file:aa in / ", make_layer("repeated/base", 64 * KIB)),
        Step("cp /seed /etc/seed", shared),
        Step("rm -rf /tmp/x", make_layer("repeated/middle", 8 * KIB)),
        Step("cp /seed /etc/seed", shared),
        Step("#(nop) USER app"),
    ]


def _schema1_big() -> list:
    return [
        Step("#(nop) ADD file:bb in / ", make_layer("big/0", 3 * MIB, files=2, compressible=False)),
        Step("dd if=/dev/urandom of=/blob", make_layer("big/1", 3 * MIB, files=2, compressible=False)),
        Step("#(nop) ENTRYPOINT [\"/usr/local/bin/app\"]"),
    ]


def _schema1_dupid() -> list:
    return [
        Step("#(nop) ADD file:cc in / ", make_layer("dupid/base", 32 * KIB)),
        Step("make install", make_layer("dupid/make", 16 * KIB)),
        Step("make install", duplicate_of_previous=True),
        Step("#(nop) CMD [\"--serve\"]"),
    ]


def _schema1_docker182() -> list:
    # Pushed by docker 1.8.2: metadata steps carry the empty layer as a real one (no throwaway yet).
    return [
        Step("#(nop) ADD file:ee in / ", make_layer("docker182/base", 64 * KIB)),
        Step("#(nop) MAINTAINER Ops <ops@example.com>", images.EMPTY, author="Ops <ops@example.com>"),
        Step("yum install -y app && yum clean all", make_layer("docker182/run", 24 * KIB), author="Ops <ops@example.com>"),
        Step("#(nop) EXPOSE 8080/tcp", images.EMPTY, author="Ops <ops@example.com>"),
        Step("#(nop) CMD [\"--serve\"]", images.EMPTY, author="Ops <ops@example.com>"),
    ]


SCHEMA1 = {
    # name: (repository, tags, steps builder)
    "v2s1_multi": ("legacy/multi", ["1", "2", "latest"], _schema1_multi),
    "v2s1_repeated": ("legacy/repeated", ["1"], _schema1_repeated),
    "v2s1_single": ("legacy/single", ["1", "2"], lambda: [Step("#(nop) ADD file:dd in / ", make_layer("single/0", 48 * KIB))]),
    "v2s1_big": ("legacy/big", ["1"], _schema1_big),
    "v2s1_dupid": ("legacy/dupid", ["1"], _schema1_dupid),
    "v2s1_docker182": ("legacy/docker182", ["1"], _schema1_docker182),
}
# Extra arguments of images.schema1_payload per fixture.
SCHEMA1_SHAPES = {"v2s1_docker182": {"docker_1_8_2": True}}

PLATFORMS_LIST = [{"architecture": "amd64", "os": "linux"}, {"architecture": "arm64", "os": "linux", "variant": "v8"}]
PLATFORMS_INDEX = [{"architecture": "amd64", "os": "linux"}, {"architecture": "arm64", "os": "linux"}]


def push_all(pusher: Pusher, registry: str) -> dict:
    """Push every fixture; return name -> record."""
    records = []
    for name, (repository, tags, steps) in SCHEMA1.items():
        digest = push_schema1(pusher, repository, tags, steps(), seed=name, **SCHEMA1_SHAPES.get(name, {}))
        records.append(_record(name, repository, tags, "v2s1", digest, registry))
    for name, repository, oci in (("v2s2", "modern/v2s2", False), ("oci", "modern/oci", True)):
        layers = [make_layer(f"{name}/0", 128 * KIB), make_layer(f"{name}/1", 32 * KIB)]
        tags = ["1", "latest"]
        digests = {push_image(pusher, repository, tag, layers, oci)[1] for tag in tags}
        records.append(_record(name, repository, tags, name, digests.pop(), registry))
    digest = push_list(pusher, "modern/list", ["1"], False, PLATFORMS_LIST)
    records.append(_record("v2s2_list", "modern/list", ["1"], "v2s2_list", digest, registry))
    digest = push_list(pusher, "modern/index", ["1"], True, PLATFORMS_INDEX)
    records.append(_record("oci_index", "modern/index", ["1"], "oci_index", digest, registry))
    return dict(records)
