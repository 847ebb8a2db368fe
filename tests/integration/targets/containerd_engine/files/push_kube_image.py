# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Push a signed schema 1 image whose base layer has /etc/passwd and /etc/group, to the lab registry.

`ctr containers create` (containerd 1.6) resolves the image's user in the image's own /etc/passwd and refuses an
image without one; the lab's standard fixtures have none (their user is `app`). Usage: push_kube_image.py STATE REPO TAG
(STATE is the lab's state.json; PYTHONPATH must hold tests/lab). Prints the manifest digest.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import tarfile

from imagefleet_lab import fixtures, images
from imagefleet_lab.push import Pusher


def etc_layer() -> images.Layer:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, text in (("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/srv/app:/bin/sh\n"),
                           ("etc/group", "root:x:0:\napp:x:1000:\n")):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 1551441600, 0o644
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", filename="", mtime=0) as gz:
        gz.write(raw.getvalue())
    return images.Layer(out.getvalue(), images.sha256_digest(raw.getvalue()))


def main() -> None:
    state, repository, tag = sys.argv[1:4]
    lab = json.load(open(state))
    steps = [images.Step("#(nop) ADD file:etc in / ", etc_layer()),
             images.Step("#(nop) COPY dir:app in /srv/app ", images.make_layer(repository + "/app", 16 * fixtures.KIB)),
             images.Step("#(nop) USER app")]
    auth = (lab["username"], lab["password"]) if lab.get("username") else None
    print(fixtures.push_schema1(Pusher(lab["url"], auth=auth, ca_path=lab.get("ca_path")), repository, [tag], steps,
                                repository))


if __name__ == "__main__":
    main()
