# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A synthetic schema 1 fleet for benchmarks: N repositories sharing one base layer."""

from __future__ import annotations

import concurrent.futures
import time

from .fixtures import MIB, push_schema1
from .images import Step, make_layer
from .push import Pusher


def _steps(base, name: str, own_bytes: int) -> list:
    return [
        Step("#(nop) ADD file:fleetbase in / ", base),
        Step("#(nop) ENV APP=" + name),
        Step("install " + name, make_layer(f"{name}/deps", own_bytes, files=2, compressible=False)),
        Step("#(nop) COPY dir:app in /srv/app ", make_layer(f"{name}/app", own_bytes, files=2, compressible=False)),
        Step("#(nop) CMD [\"--serve\"]"),
    ]


def build(pusher: Pusher, registry: str, count: int, base_mb: float, own_mb: float,
          tags_per_repo: int = 1, prefix: str = "fleet", workers: int = 4) -> dict:
    """Push `count` signed schema 1 images; each has `tags_per_repo` tags on the same manifest."""
    started = time.monotonic()
    base = make_layer(f"{prefix}/base", int(base_mb * MIB), files=4, compressible=False)
    repositories = [f"{prefix}/app-{index:03d}" for index in range(count)]
    tags = [str(number) for number in range(1, max(tags_per_repo, 1) + 1)]
    if repositories:
        # Upload the base once; every other repository mounts it (as a real fleet's registry would hold it).
        pusher.put_blob(repositories[0], base.blob)

    def one(repository: str) -> str:
        pusher.put_blob(repository, base.blob, mount_from=repositories[0])
        return push_schema1(pusher, repository, tags, _steps(base, repository, int(own_mb * MIB)), seed=repository)

    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        digests = list(pool.map(one, repositories))
    return {
        "count": count,
        "tags": count * len(tags),
        "base_digest": base.digest,
        "refs": [f"{registry}/{repository}:{tag}" for repository in repositories for tag in tags],
        "digests": dict(zip(repositories, digests)),
        "seconds": round(time.monotonic() - started, 2),
    }
