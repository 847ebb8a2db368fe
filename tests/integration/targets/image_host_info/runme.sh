#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# image_host_info against a real Docker Engine API on loopback: Debian's podman
# serving its Docker-compatible API on a unix socket made here, holding one
# schema 1 and one v2s2 image pulled from the lab registry and a container
# created from the schema 1 one. Then the audit_hosts playbook over that engine:
# the schema 1 image converted by the migrate playbook (so mapping.json exists)
# and its conversion pulled too, the report naming the legacy container and its
# replacement, changed=0 on a re-run, --check writing nothing to the registry,
# and an engine that cannot be read reported per host. Everything lives in a
# temporary directory and is stopped and removed on exit, whatever happens.

set -eu -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/integration/targets/setup_lab_shell/lab.sh
source "${HERE}/../setup_lab_shell/lab.sh" image_host_info
command -v podman >/dev/null || { echo "podman is needed (apt-get install podman)" >&2; exit 1; }
"${PYTHON}" -c 'import docker' || { echo "the docker Python SDK is needed by ${PYTHON}" >&2; exit 1; }

SOCKET="${WORK}/engine.sock"
SERVICE_PID=
PODMAN=(podman --root "${WORK}/root" --runroot "${WORK}/runroot" --tmpdir "${WORK}/tmp"
        --storage-driver vfs --events-backend file --cgroup-manager cgroupfs)
stop_engine() {
    if [ -n "${SERVICE_PID}" ]; then
        kill "${SERVICE_PID}" 2>/dev/null
        wait "${SERVICE_PID}" 2>/dev/null
    fi
    "${PODMAN[@]}" rm --all --force >/dev/null 2>&1
}
on_exit stop_engine

set -x
mkdir -p "${WORK}/tmp"
lab_up lab >"${WORK}/lab.json"

# Test variables from the lab's fixtures: one schema 1 image, one v2s2 one.
"${PYTHON}" - "${WORK}/lab.json" "${WORK}/vars.json" "${SOCKET}" "${WORK}/absent.sock" <<'PY'
import json
import sys

lab = json.load(open(sys.argv[1]))
out = {'engine_socket': sys.argv[3], 'absent_socket': sys.argv[4], 'registry': lab['registry']}
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

# --- audit_hosts -------------------------------------------------------------------------------------------------
REG="$("${PYTHON}" -c 'import json,sys; print(json.load(open(sys.argv[1]))["registry"])' "${WORK}/vars.json")"
CONVERTED="${REG}/converted/legacy/multi:1"
REPORT="${WORK}/report"
recap_unchanged() { grep -Eq '^localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 ' "$1"; }
registry_state() {    # every repository, tag and manifest digest of the lab registry
    "${PYTHON}" - "${REG}" <<'PY'
import json
import sys
import urllib.request

base = 'http://%s/v2/' % sys.argv[1]
ACCEPT = ', '.join('application/vnd.%s' % t for t in (
    'docker.distribution.manifest.v2+json', 'docker.distribution.manifest.list.v2+json', 'oci.image.manifest.v1+json',
    'oci.image.index.v1+json', 'docker.distribution.manifest.v1+prettyjws', 'docker.distribution.manifest.v1+json'))
def get(path, accept=None):
    request = urllib.request.Request(base + path, headers={'Accept': accept} if accept else {})
    with urllib.request.urlopen(request) as response:
        return response.headers.get('Docker-Content-Digest'), response.read()
for repo in sorted(json.loads(get('_catalog')[1])['repositories']):
    for tag in sorted(json.loads(get('%s/tags/list' % repo)[1])['tags'] or []):
        print(repo, tag, get('%s/manifests/%s' % (repo, tag), ACCEPT)[0])
PY
}

# The schema 1 image converted by the migrate playbook (which writes mapping.json), its conversion pulled too.
cat >"${WORK}/migrate.yml" <<VARS
imagefleet_images:
  - {src: "${SCHEMA1_REF}", dest: "${CONVERTED}"}
imagefleet_report_dir: "${REPORT}"
VARS
ansible-playbook -i "${HERE}/inventory" imagefleet.registry.migrate -e "@${WORK}/migrate.yml" \
    -e "ansible_python_interpreter=${PYTHON}" "$@" | tee "${WORK}/migrate.log"
"${PODMAN[@]}" pull --quiet --tls-verify=false "${CONVERTED}"

cat >"${WORK}/hosts.ini" <<INI
localhost ansible_connection=local ansible_python_interpreter=${PYTHON} imagefleet_docker_host=unix://${SOCKET}
INI
audit_hosts() { ansible-playbook -i "${WORK}/hosts.ini" imagefleet.registry.audit_hosts "$@"; }
checks() { ansible-playbook -i "${HERE}/inventory" "${HERE}/audit_hosts_checks.yml" -e "@${WORK}/vars.json" \
    -e "converted_ref=${CONVERTED}" -e "ansible_python_interpreter=${PYTHON}" "$@"; }

# --check first, into its own directory: the reports are written (that is the audit), the registry is untouched.
registry_state >"${WORK}/registry.before"
mkdir "${WORK}/report-check"
cp "${REPORT}/mapping.json" "${WORK}/report-check/"
audit_hosts -e "imagefleet_report_dir=${WORK}/report-check" --check "$@" | tee "${WORK}/check.log"
registry_state >"${WORK}/registry.after"
diff "${WORK}/registry.before" "${WORK}/registry.after"

# The real run, next to the migration's registry audit; then again, changing nothing (not even in check mode).
audit_hosts -e "imagefleet_report_dir=${REPORT}" "$@" | tee "${WORK}/audit_hosts.log"
grep -q "1 of 1 containers on schema 1 images: localhost/legacy;" "${WORK}/audit_hosts.log"
cmp "${REPORT}/hosts.json" "${WORK}/report-check/hosts.json"
checks -e "report_dir=${REPORT}" "$@"
audit_hosts -e "imagefleet_report_dir=${REPORT}" "$@" | tee "${WORK}/again.log"
recap_unchanged "${WORK}/again.log"
audit_hosts -e "imagefleet_report_dir=${REPORT}" --check "$@" | tee "${WORK}/again-check.log"
recap_unchanged "${WORK}/again-check.log"
# ... nor does the migration's re-run, which keeps the hosts section of audit.html.
ansible-playbook -i "${HERE}/inventory" imagefleet.registry.migrate -e "@${WORK}/migrate.yml" \
    -e "ansible_python_interpreter=${PYTHON}" "$@" | tee "${WORK}/migrate-again.log"
recap_unchanged "${WORK}/migrate-again.log"
grep -q 'Hosts running legacy images' "${REPORT}/audit.html"

# An engine that cannot be read, and an image name on a registry that is gone: the audit goes on, the report names
# both, the play fails at the end naming the host and its socket, and there is no traceback.
"${PODMAN[@]}" tag "${V2S2_REF}" 127.0.0.1:9/gone/app:1
cat >"${WORK}/broken.ini" <<INI
localhost ansible_connection=local ansible_python_interpreter=${PYTHON} imagefleet_docker_host=unix://${SOCKET}
broken ansible_connection=local ansible_python_interpreter=${PYTHON} imagefleet_docker_host=unix://${WORK}/absent.sock
INI
if ansible-playbook -i "${WORK}/broken.ini" imagefleet.registry.audit_hosts -e "imagefleet_report_dir=${WORK}/report-broken" \
       -e '{"imagefleet_registry_options": {"retries": 0, "timeout": 5}}' "$@" >"${WORK}/broken.log" 2>&1; then
    cat "${WORK}/broken.log"; exit 1
fi
cat "${WORK}/broken.log"
if grep -q Traceback "${WORK}/broken.log"; then exit 1; fi
grep -Eq "broken: The container engine socket ${WORK}/absent.sock does not exist" "${WORK}/broken.log"
grep -Eq '^broken +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 .*ignored=1' "${WORK}/broken.log"
checks -e "report_dir=${WORK}/report-broken" -e '{"broken": true}' "$@"
