# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Media type constants and the format names the collection reports."""

from __future__ import annotations

DOCKER_V2S1 = 'application/vnd.docker.distribution.manifest.v1+json'
DOCKER_V2S1_SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws'
DOCKER_V2S2 = 'application/vnd.docker.distribution.manifest.v2+json'
DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'
OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

# Every manifest type goes into Accept, else a registry may down-convert to
# schema 1 or hide OCI content.
MANIFEST_ACCEPT = (
    OCI_INDEX,
    DOCKER_LIST,
    OCI_MANIFEST,
    DOCKER_V2S2,
    DOCKER_V2S1_SIGNED,
    DOCKER_V2S1,
)

DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json'
OCI_CONFIG = 'application/vnd.oci.image.config.v1+json'

DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip'
DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar'
DOCKER_FOREIGN_GZIP = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip'
DOCKER_FOREIGN_TAR = 'application/vnd.docker.image.rootfs.foreign.diff.tar'
OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip'
OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar'
OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd'
OCI_FOREIGN_GZIP = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip'
OCI_FOREIGN_TAR = 'application/vnd.oci.image.layer.nondistributable.v1.tar'

# Layer media types, Docker v2s2 -> OCI; the reverse map serves OCI -> v2s2.
DOCKER_TO_OCI_LAYER = {
    DOCKER_LAYER_GZIP: OCI_LAYER_GZIP,
    DOCKER_LAYER_TAR: OCI_LAYER_TAR,
    DOCKER_FOREIGN_GZIP: OCI_FOREIGN_GZIP,
    DOCKER_FOREIGN_TAR: OCI_FOREIGN_TAR,
}
OCI_TO_DOCKER_LAYER = dict((v, k) for k, v in DOCKER_TO_OCI_LAYER.items())

# Format names, as reported by the modules and accepted as conversion targets.
FORMAT_V2S1 = 'v2s1'
FORMAT_V2S2 = 'v2s2'
FORMAT_OCI = 'oci'
FORMAT_V2S2_LIST = 'v2s2_list'
FORMAT_OCI_INDEX = 'oci_index'
FORMATS = (FORMAT_V2S1, FORMAT_V2S2, FORMAT_OCI, FORMAT_V2S2_LIST, FORMAT_OCI_INDEX)
# The formats the next engines refuse: what the audits and reports call legacy.
LEGACY_FORMATS = (FORMAT_V2S1,)

MEDIA_TYPE_OF_FORMAT = {
    FORMAT_V2S2: DOCKER_V2S2,
    FORMAT_OCI: OCI_MANIFEST,
    FORMAT_V2S2_LIST: DOCKER_LIST,
    FORMAT_OCI_INDEX: OCI_INDEX,
}

# The gzipped empty tar that schema 1 uses for history-only steps, and its diff_id.
EMPTY_LAYER_DIGEST = 'sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4'
EMPTY_LAYER_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef'
EMPTY_LAYER_SIZE = 32

# What clients (containerd: 4,393,216 bytes) accept for a manifest or config.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
