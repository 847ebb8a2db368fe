#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# hacking/ee-context.sh [DIST [CONTEXT]]: the execution environment's build context (ansible-builder create; no
# container engine needed) with the collection tarball of the version galaxy.yml names, taken from DIST (default: the
# checkout, where ansible-galaxy collection build puts it). ansible-builder itself only says "No matches" and exits 0
# when a file is missing, so a missing tarball fails here, before any build.
set -eu -o pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="${1:-${ROOT}}"
CONTEXT="${2:-${ROOT}/build/ee/context}"
VERSION="$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' "${ROOT}/galaxy.yml")"
TARBALL="${DIST}/imagefleet-registry-${VERSION}.tar.gz"
if [ ! -f "${TARBALL}" ]; then
    echo "ee-context: ${TARBALL} is missing: build the collection first (ansible-galaxy collection build --output-path ${DIST})" >&2
    exit 1
fi
mkdir -p "${ROOT}/build/ee"
cp "${TARBALL}" "${ROOT}/build/ee/imagefleet-registry.tar.gz"
ansible-builder create -f "${ROOT}/execution-environment.yml" -c "${CONTEXT}"
if [ ! -s "${CONTEXT}/_build/collections/imagefleet-registry.tar.gz" ]; then
    echo "ee-context: the collection tarball is not in the build context ${CONTEXT}" >&2
    exit 1
fi
echo "ee-context: ${CONTEXT} holds imagefleet.registry ${VERSION}; build it with:"
echo "  ansible-builder build -c ${CONTEXT} -t imagefleet-ee:${VERSION}"
