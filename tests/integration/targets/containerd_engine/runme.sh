#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A Kubernetes node's containerd in the lab: Debian's containerd (1.6, installed here with apt-get as root) started
# with its own config, root, state and socket under a temporary folder, and stopped on exit whatever happens. Its CRI
# plugin runs, so images pulled into namespace k8s.io get the CRI's records (a second name, sha256:<image id>).
# Nothing may look up a registry outside loopback: HTTP(S)_PROXY point at a loopback sink that
# refuses and counts every request (setup_lab_shell's sink_up), and the test ends by checking it saw none.
#
# The node pulls from the lab registry a schema 1 image (kube/app:1, which containerd 1.6 converts on pull and keeps
# under a digest the registry does not have) and that image's conversion made by the migrate playbook (which wrote
# mapping.json); two containers are created, labelled as the kubelet labels them (pod, namespace, container name).
# 1. image_host_info engine=containerd: the images (the schema 1 one marked converted on pull), the containers with
#    their pods, check mode giving the same answer, clear errors for an absent socket and an unknown namespace.
# 2. audit_hosts.yml over the node and three hosts that cannot be read (absent socket, a socket `nobody` may not use,
#    an unknown namespace): the report names the node, pod and container on the schema 1 image with its
#    replacement, the converted one as fine, and each broken host with its own error; --check gives the same report;
#    the node is left as it was.
# 3. The tag converted in place in the registry since (image_convert, with a backup tag): the node, which has not
#    pulled it again, is flagged, with what the tag resolves to now as its replacement.

set -eu -o pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "containerd_engine: SKIPPED, needs root (apt-get install containerd, and containerd itself)"
    exit 0
fi

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/integration/targets/setup_lab_shell/lab.sh
source "${HERE}/../setup_lab_shell/lab.sh" containerd_engine

apt_install containerd

set -x
chmod 0755 "${WORK}"     # nobody must reach the socket itself to be refused by it

sink_up     # a dead end for everything outside loopback

lab_up lab >"${WORK}/lab.json"
REG="$(json "${WORK}/lab.json" 'd["registry"]')"

# --- the images: a schema 1 one with an /etc/passwd (ctr resolves the image's user in it), and its conversion ------
SCHEMA1="${REG}/kube/app:1"
CONVERTED="${REG}/converted/kube/app:1"
REPORT="${WORK}/report"
SCHEMA1_DIGEST="$(PYTHONPATH="${ROOT}/tests/lab" "${PYTHON}" "${HERE}/files/push_kube_image.py" "${WORK}/lab/state.json" kube/app 1)"
cat >"${WORK}/migrate.yml" <<VARS
imagefleet_images:
  - {src: "${SCHEMA1}", dest: "${CONVERTED}"}
imagefleet_report_dir: "${REPORT}"
VARS
ansible-playbook -i "${HERE}/inventory" imagefleet.registry.migrate -e "@${WORK}/migrate.yml" \
    -e "ansible_python_interpreter=${PYTHON}" "$@"

# --- containerd on a private socket ---------------------------------------------------------------------------------
CD="${WORK}/containerd"
SOCK="${CD}/containerd.sock"
mkdir -p "${CD}" && chmod 0755 "${CD}"
cat >"${CD}/config.toml" <<TOML
version = 2
root = "${CD}/root"
state = "${CD}/state"
[grpc]
  address = "${SOCK}"
[ttrpc]
  address = "${CD}/containerd.sock.ttrpc"
[debug]
  address = "${CD}/debug.sock"
TOML
stop_containerd() {
    local pid
    pid="$(cat "${CD}/pid" 2>/dev/null)" || return 0
    kill "${pid}" 2>/dev/null
    for _ in $(seq 1 150); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.2; done
    kill -9 "${pid}" 2>/dev/null
    # Snapshots of containers that never ran may still be mounted under the root.
    grep -o " ${CD}/[^ ]*" /proc/mounts | sort -r | while read -r mnt; do umount "${mnt}" 2>/dev/null; done
    return 0
}
on_exit stop_containerd
containerd --config "${CD}/config.toml" >"${CD}/containerd.log" 2>&1 &
echo $! >"${CD}/pid"
c() { ctr --address "${SOCK}" --namespace k8s.io "$@"; }
for _ in $(seq 1 150); do
    [ -S "${SOCK}" ] && ctr --address "${SOCK}" version >/dev/null 2>&1 && break
    sleep 0.2
done
ctr --address "${SOCK}" version || { cat "${CD}/containerd.log" >&2; exit 1; }

c images pull --plain-http "${SCHEMA1}"
c images pull --plain-http "${CONVERTED}"
c containers create --label io.kubernetes.pod.name=web-0 --label io.kubernetes.pod.namespace=shop \
    --label io.kubernetes.container.name=app --label io.kubernetes.pod.uid=0d9f "${SCHEMA1}" legacy-app
c containers create --label io.kubernetes.pod.name=web-1 --label io.kubernetes.pod.namespace=shop \
    --label io.kubernetes.container.name=app --label io.kubernetes.pod.uid=5e1a "${CONVERTED}" fine-app
c images ls
node_state() { c images ls; c containers ls; ctr --address "${SOCK}" namespaces ls; }
node_state >"${WORK}/node.before"

# --- 1. image_host_info ---------------------------------------------------------------------------------------------
ansible-playbook -i "${HERE}/inventory" "${HERE}/host_info.yml" -e "socket=${SOCK}" -e "absent_socket=${CD}/absent.sock" \
    -e "schema1=${SCHEMA1}" -e "converted=${CONVERTED}" -e "registry=${REG}" "$@"

# --- 2. audit_hosts over the node and three hosts that cannot be read ------------------------------------------------
node() { echo "$1 ansible_connection=local ansible_python_interpreter=$2 imagefleet_engine=containerd imagefleet_containerd_address=$3 ${*:4}"; }
node node-1 "${PYTHON}" "${SOCK}" >"${WORK}/node.ini"
{
    cat "${WORK}/node.ini"
    node node-absent "${PYTHON}" "${CD}/absent.sock"
    # nobody runs the system's Python (the controller's venv is under /root, out of its reach).
    node node-nobody /usr/bin/python3 "${SOCK}" ansible_become=true ansible_become_method=su ansible_become_user=nobody \
        "ansible_become_flags='-s /bin/sh'"
    node node-badns "${PYTHON}" "${SOCK}" imagefleet_containerd_namespace=kube-system
} >"${WORK}/hosts.ini"
cat "${WORK}/hosts.ini"
audit() { ansible-playbook -i "$1" imagefleet.registry.audit_hosts -e "imagefleet_report_dir=$2" "${@:3}"; }

mkdir -p "${WORK}/report-check"
cp "${REPORT}/mapping.json" "${WORK}/report-check/"
audit "${WORK}/node.ini" "${WORK}/report-check" --check "$@" | tee "${WORK}/check.log"
audit "${WORK}/node.ini" "${REPORT}" "$@" | tee "${WORK}/node.log"
grep -q "1 of 2 containers on schema 1 images: node-1/shop/web-0/app;" "${WORK}/node.log"
cmp "${REPORT}/hosts.json" "${WORK}/report-check/hosts.json"

mkdir -p "${WORK}/report-all"
cp "${REPORT}/mapping.json" "${WORK}/report-all/"
if audit "${WORK}/hosts.ini" "${WORK}/report-all" "$@" >"${WORK}/all.log" 2>&1; then cat "${WORK}/all.log"; exit 1; fi
cat "${WORK}/all.log"
if grep -q Traceback "${WORK}/all.log"; then exit 1; fi
grep -q "node-absent: The containerd socket ${CD}/absent.sock does not exist" "${WORK}/all.log"
grep -q "node-nobody: Permission denied on the containerd socket ${SOCK}" "${WORK}/all.log"
grep -q "node-badns: containerd at ${SOCK} has no namespace 'kube-system'" "${WORK}/all.log"
for host in node-absent node-nobody node-badns; do
    grep -Eq "^${host} +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 .*ignored=1" "${WORK}/all.log"
done

"${PYTHON}" "${HERE}/files/check_report.py" "${WORK}/report-all" "${SCHEMA1}" "${SCHEMA1_DIGEST}" "${CONVERTED}" "${SOCK}" \
    "${CD}/absent.sock" fine
node_state >"${WORK}/node.after"
diff "${WORK}/node.before" "${WORK}/node.after"

# --- 3. the tag converted in place since: the node has not pulled it again -------------------------------------------
ansible localhost -i "${HERE}/inventory" -e "ansible_python_interpreter=${PYTHON}" -m imagefleet.registry.image_convert \
    -a '{"src": "'"${SCHEMA1}"'", "dest": "'"${SCHEMA1}"'", "backup_tag": "1-schema1"}' "$@"
audit "${WORK}/node.ini" "${REPORT}" "$@" | tee "${WORK}/stale.log"
"${PYTHON}" "${HERE}/files/check_report.py" "${REPORT}" "${SCHEMA1}" "${SCHEMA1_DIGEST}" "${CONVERTED}" "${SOCK}" \
    "${CD}/absent.sock" stale
cat "${REPORT}/hosts.md"
audit "${WORK}/node.ini" "${REPORT}" "$@" | tee "${WORK}/again.log"     # a re-run over an unchanged node changes nothing
grep -Eq '^node-1 +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 ' "${WORK}/again.log"

sink_empty     # nothing was looked up outside loopback
