#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# image_host_info against a real Docker Engine API on loopback: Debian's podman
# serving its Docker-compatible API on a unix socket made here, holding one
# schema 1 and one v2s2 image pulled from the lab registry and a container
# created from the schema 1 one. Everything lives in a temporary directory and
# is stopped and removed on exit, whatever happens.

set -eu

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The collection root (.../ansible_collections/imagefleet/registry) is the nearest folder
# above with a galaxy.yml: ansible-test runs a copy of this target under tests/output/.tmp/.
ROOT="${HERE}"
while [ "${ROOT}" != / ] && [ ! -f "${ROOT}/galaxy.yml" ]; do ROOT="$(dirname "${ROOT}")"; done
COLLECTIONS="$(cd "${ROOT}/../../.." && pwd)"       # the folder holding ansible_collections/
PYTHON="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"

if [ "$(basename "$(dirname "$(dirname "${ROOT}")")")" != ansible_collections ]; then
    echo "run this from a tree at .../ansible_collections/imagefleet/registry (not ${ROOT})" >&2
    exit 1
fi
command -v podman >/dev/null || { echo "podman is needed (apt-get install podman)" >&2; exit 1; }
"${PYTHON}" -c 'import docker' || { echo "the docker Python SDK is needed by ${PYTHON}" >&2; exit 1; }

export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-${COLLECTIONS}}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/image_host_info.XXXXXX")"
SOCKET="${WORK}/engine.sock"
STATE="${WORK}/lab/state.json"
SERVICE_PID=
PODMAN=(podman --root "${WORK}/root" --runroot "${WORK}/runroot" --tmpdir "${WORK}/tmp"
        --storage-driver vfs --events-backend file --cgroup-manager cgroupfs)
lab() { PYTHONPATH="${ROOT}/tests/lab" "${PYTHON}" -m imagefleet_lab "$@"; }

cleanup() {
    set +e
    if [ -n "${SERVICE_PID}" ]; then
        kill "${SERVICE_PID}" 2>/dev/null
        wait "${SERVICE_PID}" 2>/dev/null
    fi
    [ -f "${STATE}" ] && lab down --state "${STATE}" >/dev/null
    "${PODMAN[@]}" rm --all --force >/dev/null 2>&1
    rm -rf "${WORK}"
}
trap cleanup EXIT

set -x
mkdir -p "${WORK}/lab" "${WORK}/tmp"
lab up --state "${STATE}" >"${WORK}/lab.json"

# Test variables from the lab's fixtures: one schema 1 image, one v2s2 one.
"${PYTHON}" - "${WORK}/lab.json" "${WORK}/vars.json" "${SOCKET}" "${WORK}/absent.sock" <<'PY'
import json
import sys

lab = json.load(open(sys.argv[1]))
out = {'engine_socket': sys.argv[3], 'absent_socket': sys.argv[4]}
for key, name in (('schema1', 'v2s1_multi'), ('v2s2', 'v2s2')):
    fixture = lab['fixtures'][name]
    repo = '%s/%s' % (lab['registry'], fixture['repository'])
    out[key] = {'ref': fixture['ref'], 'repo_digest': '%s@%s' % (repo, fixture['digest']), 'format': fixture['format']}
json.dump(out, open(sys.argv[2], 'w'), indent=2)
PY
cat "${WORK}/vars.json"

SCHEMA1_REF="$("${PYTHON}" -c 'import json,sys; print(json.load(open(sys.argv[1]))["schema1"]["ref"])' "${WORK}/vars.json")"
V2S2_REF="$("${PYTHON}" -c 'import json,sys; print(json.load(open(sys.argv[1]))["v2s2"]["ref"])' "${WORK}/vars.json")"
"${PODMAN[@]}" pull --quiet --tls-verify=false "${SCHEMA1_REF}"
"${PODMAN[@]}" pull --quiet --tls-verify=false "${V2S2_REF}"
"${PODMAN[@]}" create --name legacy "${SCHEMA1_REF}" /bin/sh

"${PODMAN[@]}" system service --time=0 "unix://${SOCKET}" >"${WORK}/service.log" 2>&1 &
SERVICE_PID=$!
for _ in $(seq 1 100); do
    [ -S "${SOCKET}" ] && break
    kill -0 "${SERVICE_PID}" || { cat "${WORK}/service.log" >&2; exit 1; }
    sleep 0.1
done
[ -S "${SOCKET}" ] || { echo "podman did not create ${SOCKET}" >&2; cat "${WORK}/service.log" >&2; exit 1; }

ansible-playbook -i "${HERE}/inventory" "${HERE}/test.yml" -e "@${WORK}/vars.json" "$@"
