#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# hacking/publish-check.sh: what Galaxy and AWX will take, checked offline (make publish-check, part of make test):
#  1. antsibull-changelog lint (fragments and changelogs/changelog.yaml);
#  2. the tarball, built from this checkout as it is (galaxy.yml build_ignore keeps the leftovers out);
#  3. galaxy-importer on it, configured to run without containers or network (hacking/galaxy-importer.cfg);
#  4. ansible-builder create of the execution environment from that tarball, and its loud failure without one.
set -eu -o pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/publish-check.XXXXXX")"
trap 'rm -rf "${WORK}"' EXIT
cd "${ROOT}"

antsibull-changelog lint
echo "publish-check: antsibull-changelog lint passed"

ansible-galaxy collection build --output-path "${WORK}/dist" "${ROOT}" >/dev/null
TARBALL="$(ls "${WORK}"/dist/imagefleet-registry-*.tar.gz)"

# galaxy-importer writes importer_result.json into the current directory.
if ! (cd "${WORK}" && GALAXY_IMPORTER_CONFIG="${ROOT}/hacking/galaxy-importer.cfg" \
        python -m galaxy_importer.main "${TARBALL}" >"${WORK}/importer.log" 2>&1) \
        || ! grep -q 'Importer processing completed successfully' "${WORK}/importer.log"; then
    cat "${WORK}/importer.log" >&2
    echo "publish-check: galaxy-importer rejected ${TARBALL##*/}" >&2
    exit 1
fi
grep -E '^(WARNING|ERROR)' "${WORK}/importer.log" || true
echo "publish-check: galaxy-importer accepted ${TARBALL##*/}"

bash "${ROOT}/hacking/ee-context.sh" "${WORK}/dist" "${WORK}/context"
# Containerfile when ansible-builder finds podman, Dockerfile otherwise (a machine without podman).
grep -qs '^ARG EE_BASE_IMAGE=' "${WORK}/context/Containerfile" "${WORK}/context/Dockerfile"
mkdir "${WORK}/empty"
if bash "${ROOT}/hacking/ee-context.sh" "${WORK}/empty" "${WORK}/context-without" 2>"${WORK}/ee.err"; then
    echo "publish-check: ee-context succeeded without a collection tarball" >&2
    exit 1
fi
grep -q 'is missing: build the collection first' "${WORK}/ee.err"
echo "publish-check: execution environment build context created; refused without the tarball"
