#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A real Docker Engine in the lab: Debian's docker.io (dockerd 20.10, installed here with apt-get as root) started on a
# private socket under a temporary folder, with vfs storage and no bridge or iptables, and stopped on exit whatever
# happens. Nothing may look up a registry outside loopback: HTTP(S)_PROXY point at a loopback sink that refuses and
# counts every request, and the test ends by checking it saw none.
#
# 1. The skopeo role's dockerfile method (the seed's option 2) with docker, then with podman. Go and GitHub are out of
#    reach offline, so the base images are stand-ins served by the lab registry, made from Debian's static busybox
#    with a stand-in `make` (files/make) whose bin/skopeo reports the version in the source tarball; the tarball (a
#    stand-in of GitHub's archive) is served from loopback with its checksum. Check mode builds nothing, a wrong
#    checksum fails before any build, the real run installs skopeo and policy.json, a second run reports changed=0.
# 2. Docker pulls every image image_convert makes of the lab fixtures: each v2s2 conversion has the image ID of
#    Docker's own pull of the original (for schema 1: Docker's own conversion agrees with ours), each OCI one pulls.
# 3. image_host_info and audit_hosts.yml against this engine: a container on a schema 1 image pulled from the lab,
#    its conversion pulled too, a locally imported image (reported local, nothing looked up), and a host whose user
#    (nobody) may not use the socket (a permission error for that host only).

set -eu -o pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "docker_engine: SKIPPED, needs root (apt-get install docker.io busybox-static, and dockerd)"
    exit 0
fi

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/integration/targets/setup_lab_shell/lab.sh
source "${HERE}/../setup_lab_shell/lab.sh" docker_engine

# --- setup: packages ---------------------------------------------------------------------------------------------
apt_install docker.io busybox-static podman
"${PYTHON}" -c 'import docker' || { echo "the docker Python SDK is needed by ${PYTHON}" >&2; exit 1; }
# Debian's CLI, which speaks BuildKit itself: a newer docker CLI elsewhere on PATH may lack the buildx plugin.
DOCKER_CLI=/usr/bin/docker

pids=()
stop_pids() { local pid; for pid in "${pids[@]}"; do kill "${pid}" 2>/dev/null; wait "${pid}" 2>/dev/null; done; }
on_exit stop_pids

set -x
chmod 0755 "${WORK}"     # nobody must reach the socket itself to be refused by it (part 3)

sink_up     # a dead end for everything outside loopback

lab_up lab >"${WORK}/lab.json"
REG="$(json "${WORK}/lab.json" 'd["registry"]')"

# --- dockerd on a private socket ----------------------------------------------------------------------------------
DD="${WORK}/dockerd"
mkdir -p "${DD}" && chmod 0755 "${DD}"
echo '{}' >"${DD}/daemon.json"
SOCK="${DD}/docker.sock"
stop_dockerd() {
    local pid
    pid="$(cat "${DD}/docker.pid" 2>/dev/null)" || return 0
    kill "${pid}" 2>/dev/null
    for _ in $(seq 1 150); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.2; done
    kill -9 "${pid}" 2>/dev/null
    # vfs layers are plain folders; the exec root may hold mounts of containers that never ran.
    umount -R "${DD}/exec" 2>/dev/null
    return 0
}
on_exit stop_dockerd
dockerd --config-file "${DD}/daemon.json" --data-root "${DD}/root" --exec-root "${DD}/exec" -H "unix://${SOCK}" \
    --pidfile "${DD}/docker.pid" --storage-driver vfs --iptables=false --ip6tables=false --bridge=none \
    >"${DD}/dockerd.log" 2>&1 &
for _ in $(seq 1 150); do
    [ -S "${SOCK}" ] && "${DOCKER_CLI}" -H "unix://${SOCK}" version >/dev/null 2>&1 && break
    sleep 0.2
done
export DOCKER_HOST="unix://${SOCK}"
dk() { "${DOCKER_CLI}" "$@"; }
dk version --format '{{.Server.Version}}' || { cat "${DD}/dockerd.log" >&2; exit 1; }
image_id() { dk image inspect --format '{{.Id}}' "$1"; }

# --- 1. the skopeo role's dockerfile method -----------------------------------------------------------------------
# Stand-in base images: a static busybox with the applets the build runs, and the stand-in make.
ROOTFS="${WORK}/standin-rootfs"
mkdir -p "${ROOTFS}/bin" "${ROOTFS}/usr/local/bin" "${ROOTFS}/tmp"
cp /bin/busybox "${ROOTFS}/bin/busybox"
for applet in sh tar gzip sed mkdir chmod cp rm printf echo cat; do ln -s busybox "${ROOTFS}/bin/${applet}"; done
install -m 0755 "${HERE}/files/make" "${ROOTFS}/usr/local/bin/make"
tar -C "${ROOTFS}" -cf "${WORK}/standin-rootfs.tar" .
GOLANG_IMAGE="${REG}/standin/golang:1.23"
TEST_IMAGE="${REG}/standin/ubuntu:24.04"
dk import "${WORK}/standin-rootfs.tar" "${GOLANG_IMAGE}"
dk tag "${GOLANG_IMAGE}" "${TEST_IMAGE}"
dk push "${GOLANG_IMAGE}"
dk push "${TEST_IMAGE}"
dk rmi "${GOLANG_IMAGE}" "${TEST_IMAGE}"     # the builds must take them from the lab registry

# The source tarball, shaped like GitHub's archive (one top-level folder), served from loopback.
SRC="${WORK}/src/skopeo-1.18.0"
mkdir -p "${SRC}/version" "${WORK}/www"
printf 'package version\n\nconst Version = "1.18.0"\n' >"${SRC}/version/version.go"
printf '{"default": [{"type": "insecureAcceptAnything"}], "lab": "stand-in policy"}\n' >"${SRC}/default-policy.json"
tar -C "${WORK}/src" -czf "${WORK}/www/v1.18.0.tar.gz" skopeo-1.18.0
CHECKSUM="sha256:$(sha256sum "${WORK}/www/v1.18.0.tar.gz" | cut -d' ' -f1)"
WWW_PORT="$(free_port)"
"${PYTHON}" -m http.server --bind 127.0.0.1 --directory "${WORK}/www" "${WWW_PORT}" >"${WORK}/www.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do
    "${PYTHON}" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "${WWW_PORT}" \
        2>/dev/null && break
    sleep 0.2
done

# Podman: private storage; this machine's hybrid cgroups need runc with cgroups off (crun refuses them); the lab
# registry is plain HTTP, so it is listed as insecure (Docker treats 127.0.0.0/8 so by default).
PODMAN_DIR="${WORK}/podman"
mkdir -p "${PODMAN_DIR}"
printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/root"\nrunroot = "%s/run"\n' "${PODMAN_DIR}" "${PODMAN_DIR}" \
    >"${PODMAN_DIR}/storage.conf"
printf '[containers]\ncgroups = "disabled"\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "runc"\n' \
    >"${PODMAN_DIR}/containers.conf"
printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "${REG}" >"${PODMAN_DIR}/registries.conf"
export CONTAINERS_STORAGE_CONF="${PODMAN_DIR}/storage.conf" CONTAINERS_CONF="${PODMAN_DIR}/containers.conf" \
    CONTAINERS_REGISTRIES_CONF="${PODMAN_DIR}/registries.conf"

recap_unchanged() { grep -Eq '^localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 ' "$1"; }
skopeo_role() {    # skopeo_role ENGINE CASE [ansible-playbook options]
    ansible-playbook -i "${HERE}/inventory" "${HERE}/skopeo_role.yml" \
        -e "engine_command=$1" -e "case=$2" -e "test_dir=${WORK}/skopeo-$(basename "$1")" \
        -e "golang_image=${GOLANG_IMAGE}" -e "test_image=${TEST_IMAGE}" -e "expected_policy=${SRC}/default-policy.json" \
        -e "source_url=http://127.0.0.1:${WWW_PORT}/v\${SKOPEO_VERSION}.tar.gz" -e "checksum=${CHECKSUM}" "${@:3}"
}
for engine in "${DOCKER_CLI}" podman; do
    name="$(basename "${engine}")"
    skopeo_role "${engine}" check --check "$@" | tee "${WORK}/${name}-check.log"
    grep -A1 'TASK \[imagefleet.registry.skopeo : Build the skopeo-rootfs stage without network\]' "${WORK}/${name}-check.log" \
        | grep -q '^skipping:'
    skopeo_role "${engine}" bad_checksum -e "checksum=sha256:$(printf 'not the tarball' | sha256sum | cut -d' ' -f1)" "$@" \
        | tee "${WORK}/${name}-bad.log"
    if grep -q 'TASK \[imagefleet.registry.skopeo : Build the skopeo-rootfs stage' "${WORK}/${name}-bad.log"; then exit 1; fi
    skopeo_role "${engine}" install "$@" | tee "${WORK}/${name}-install.log"
    grep -q -- '--network=none' "${WORK}/${name}-install.log"
    skopeo_role "${engine}" install "$@" | tee "${WORK}/${name}-again.log"
    recap_unchanged "${WORK}/${name}-again.log"
done
grep -q 'DOCKER_BUILDKIT=1 /usr/bin/docker build --network=none' "${WORK}/docker-install.log"
grep -q '"podman build --network=none' "${WORK}/podman-install.log"

# --- 2. Docker pulls every conversion of the lab fixtures ---------------------------------------------------------
"${PYTHON}" - "${WORK}/lab.json" "${WORK}/convert.json" <<'PY'
import json
import sys

lab = json.load(open(sys.argv[1]))
images = [{'src': fixture['ref'], 'dest': '%s/converted/%s:%s' % (lab['registry'], name, fmt), 'format': fmt}
          for name, fixture in sorted(lab['fixtures'].items()) for fmt in ('v2s2', 'oci')]
json.dump({'convert_images': images}, open(sys.argv[2], 'w'), indent=2)
PY
ansible-playbook -i "${HERE}/inventory" "${HERE}/convert_fixtures.yml" -e "@${WORK}/convert.json" \
    -e "out_json=${WORK}/converted.json" "$@"
fixtures=0 equal=0 oci_listed=0 oci_equal=0
for name in $(json "${WORK}/lab.json" '" ".join(sorted(d["fixtures"]))'); do
    src="$(json "${WORK}/lab.json" "d['fixtures']['${name}']['ref']")"
    dk pull -q "${src}"
    dk pull -q "${REG}/converted/${name}:v2s2"
    dk pull -q "${REG}/converted/${name}:oci"
    fixtures=$((fixtures + 1))
    original="$(image_id "${src}")" v2s2="$(image_id "${REG}/converted/${name}:v2s2")"
    echo "fixture ${name}: Docker's pull of the original ${original}, of the v2s2 conversion ${v2s2}, of the OCI one $(image_id "${REG}/converted/${name}:oci")"
    [ "${original}" = "${v2s2}" ] && equal=$((equal + 1))
    [ "${original}" = "$(image_id "${REG}/converted/${name}:oci")" ] && oci_equal=$((oci_equal + 1))
    dk images --format '{{.Repository}}:{{.Tag}}' | grep -qx "${REG}/converted/${name}:oci" && oci_listed=$((oci_listed + 1))
done
echo "FIGURES: ${fixtures} fixtures; v2s2 conversion with the image ID of Docker's pull of the original: ${equal};" \
     "OCI conversions pulled and listed: ${oci_listed} (with that same image ID: ${oci_equal})"
[ "${equal}" -eq "${fixtures}" ] && [ "${oci_listed}" -eq "${fixtures}" ]

# --- 3. image_host_info and audit_hosts.yml against Docker --------------------------------------------------------
SCHEMA1_REF="$(json "${WORK}/lab.json" 'd["fixtures"]["v2s1_multi"]["ref"]')"
CONVERTED="${REG}/converted/v2s1_multi:v2s2"
LOCAL=standin/busybox:1
dk create --name legacy "${SCHEMA1_REF}" /bin/sh
dk import "${WORK}/standin-rootfs.tar" "${LOCAL}"
dk create --name local "${LOCAL}" /bin/sh
ansible-playbook -i "${HERE}/inventory" "${HERE}/host_info.yml" -e "engine_socket=${SOCK}" -e "schema1_ref=${SCHEMA1_REF}" \
    -e "local_ref=${LOCAL}" "$@"

# nobody runs Python from the system with the controller's packages (its own venv is under /root, out of its reach).
SITE="$("${PYTHON}" -c 'import os, docker; print(os.path.dirname(os.path.dirname(docker.__file__)))')"
printf '#!/bin/sh\nPYTHONPATH=%s exec /usr/bin/python3 "$@"\n' "${SITE}" >"${WORK}/nobody-python"
chmod 0755 "${WORK}/nobody-python"
cat >"${WORK}/hosts.ini" <<INI
localhost ansible_connection=local ansible_python_interpreter=${PYTHON} imagefleet_docker_host=unix://${SOCK}
nobody ansible_connection=local ansible_python_interpreter=${WORK}/nobody-python imagefleet_docker_host=unix://${SOCK} ansible_become=true ansible_become_method=su ansible_become_user=nobody ansible_become_flags='-s /bin/sh'
INI
REPORT="${WORK}/report"
if ansible-playbook -i "${WORK}/hosts.ini" imagefleet.registry.audit_hosts -e "imagefleet_report_dir=${REPORT}" \
       "$@" >"${WORK}/audit.log" 2>&1; then
    cat "${WORK}/audit.log"; exit 1
fi
cat "${WORK}/audit.log"
if grep -q Traceback "${WORK}/audit.log"; then exit 1; fi
grep -q "nobody: Permission denied on the container engine socket ${SOCK}" "${WORK}/audit.log"
grep -Eq '^nobody +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 .*ignored=1' "${WORK}/audit.log"
grep -q "1 of 2 containers on schema 1 images: localhost/legacy;" "${WORK}/audit.log"
"${PYTHON}" - "${REPORT}/hosts.json" "${SCHEMA1_REF}" "${CONVERTED}" "${LOCAL}" "${SOCK}" <<'PY'
import json
import sys

rows, schema1, converted, local, sock = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
by = dict(((r['host'], r['container'] or r['image']), r) for r in rows)
legacy = by[('localhost', 'legacy')]
assert legacy['image'] == schema1 and legacy['format'] == 'v2s1' and legacy['image_digest'], legacy
assert by[('localhost', converted)]['format'] == 'v2s2', by[('localhost', converted)]
row = by[('localhost', 'local')]     # the container on the imported image (which no other row repeats)
assert row['image'] == local and row['format'] is None and row['image_digest'] is None, row
assert row['error'].startswith('local, not from a registry'), row
assert [r for r in rows if r['error'] and r['error'].startswith('local')] == [row], rows
nobody = [r for r in rows if r['host'] == 'nobody']
assert len(nobody) == 1 and nobody[0]['image'] is None and 'Permission denied' in nobody[0]['error'] and sock in nobody[0]['error'], nobody
assert not any('docker.io' in (r['image_digest'] or '') for r in rows), rows
print('hosts.json: %d rows, as expected' % len(rows))
PY

# Nothing was looked up outside loopback: not the local image at Docker Hub, not a base image, not the tarball.
sink_empty
# ... and the sink does catch such a lookup: the local image's name asked about as the audit used to (by its tag, at
# Docker Hub) reaches it.
ansible localhost -i "${HERE}/inventory" -e "ansible_python_interpreter=${PYTHON}" -m imagefleet.registry.image_manifest_info \
    -a '{"images": ["'"${LOCAL}"'"], "on_error": "report", "retries": 0, "timeout": 10}' "$@"
grep -q '^CONNECT registry-1.docker.io:443' "${SINK_LOG}"
