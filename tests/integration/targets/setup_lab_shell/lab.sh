# shellcheck shell=bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Sourced by runme.sh targets that run against lab registries of their own:
#   source "${HERE}/../setup_lab_shell/lab.sh" TARGET_NAME      (alias: needs/target/setup_lab_shell)
# Sets ROOT (the collection), PYTHON and WORK (a temporary folder), exports ANSIBLE_COLLECTIONS_PATH, and offers
# lab, lab_up, play, json, on_exit, free_port, sink_up and sink_empty. On exit, the on_exit commands run, every lab
# started with lab_up and the sink are stopped, and WORK is removed, whatever happened.

# The collection root is the nearest folder above with a galaxy.yml: ansible-test runs a copy of the target.
ROOT="${HERE:?set HERE to the target folder before sourcing lab.sh}"
while [ "${ROOT}" != / ] && [ ! -f "${ROOT}/galaxy.yml" ]; do ROOT="$(dirname "${ROOT}")"; done
if [ "$(basename "$(dirname "$(dirname "${ROOT}")")")" != ansible_collections ]; then
    echo "run this from a tree at .../ansible_collections/imagefleet/registry (not ${ROOT})" >&2
    exit 1
fi
PYTHON="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"
export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$(cd "${ROOT}/../../.." && pwd)}"
export ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1

WORK="$(mktemp -d "${TMPDIR:-/tmp}/${1:-lab}.XXXXXX")"
_LAB_STATES=()
_LAB_EXIT=()

# The lab harness CLI (tests/lab): up, down, fleet, proxy, ...
lab() { PYTHONPATH="${ROOT}/tests/lab" "${PYTHON}" -m imagefleet_lab "$@"; }

# lab_up NAME [up options]: start a lab whose state is WORK/NAME/state.json (stopped on exit); prints its JSON.
lab_up() {
    local state="${WORK}/$1/state.json"
    shift
    _LAB_STATES+=("${state}")
    lab up --state "${state}" "$@"
}

# apt_install PACKAGE...: install the Debian packages this machine lacks (as root; the targets that use it skip
# without root), refreshing the package lists once when an install fails on stale ones.
apt_install() {
    local missing=() pkg
    for pkg in "$@"; do
        [ "$(dpkg-query -W -f='${db:Status-Status}' "${pkg}" 2>/dev/null || true)" = installed ] || missing+=("${pkg}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" \
        || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"; }
}

# play NAME [ansible-playbook options]: one of the collection's playbooks.
play() { ansible-playbook "${ROOT}/playbooks/$1.yml" "${@:2}"; }

# json FILE EXPRESSION: print a Python expression over the JSON document d in FILE.
json() { "${PYTHON}" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# demo_rules REGISTRY REPORT_DIR: the vars of the 13-image demo set (every tag of legacy/*, tag 1 of modern/*: 9 schema
# 1 images, v2s2, OCI, a list, an index), converted under REGISTRY/converted, reports in REPORT_DIR.
demo_rules() {
    cat <<VARS
imagefleet_sources:
  - registry: "$1"
    repositories: ['legacy/*']
    dest_prefix: "$1/converted"
  - registry: "$1"
    repositories: ['modern/*']
    tags: ['1']
    dest_prefix: "$1/converted"
imagefleet_report_dir: "$2"
VARS
}

# on_exit COMMAND...: run at exit, before the labs stop (newest first).
on_exit() { _LAB_EXIT=("$*" "${_LAB_EXIT[@]}"); }

# free_port: a free TCP port on 127.0.0.1.
free_port() { "${PYTHON}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# sink_up: a dead end for everything outside loopback. HTTP(S)_PROXY (both spellings) point at a loopback sink
# (sink_proxy.py) that refuses every request and writes it to SINK_LOG; loopback itself is in NO_PROXY.
_LAB_SINK_PID=
sink_up() {
    SINK_LOG="${WORK}/outside-requests.log"
    local port
    port="$(free_port)"
    PYTHONPATH="${ROOT}/tests/lab" "${PYTHON}" "${ROOT}/tests/integration/targets/setup_lab_shell/sink_proxy.py" \
        "${port}" "${SINK_LOG}" 1800 &
    _LAB_SINK_PID=$!
    export HTTPS_PROXY="http://127.0.0.1:${port}" HTTP_PROXY="http://127.0.0.1:${port}" NO_PROXY=127.0.0.1,localhost
    export https_proxy="${HTTPS_PROXY}" http_proxy="${HTTP_PROXY}" no_proxy="${NO_PROXY}"
}

# sink_empty: fail listing every request that tried to leave loopback since sink_up.
sink_empty() {
    if [ -s "${SINK_LOG}" ]; then
        echo "requests that tried to leave loopback:" >&2; cat "${SINK_LOG}" >&2; return 1
    fi
    echo "outside requests: 0"
}

_lab_cleanup() {
    set +e
    local command state
    for command in "${_LAB_EXIT[@]}"; do eval "${command}"; done
    if [ -n "${_LAB_SINK_PID}" ]; then kill "${_LAB_SINK_PID}" 2>/dev/null; wait "${_LAB_SINK_PID}" 2>/dev/null; fi
    for state in "${_LAB_STATES[@]}"; do
        [ -f "${state}" ] && lab down --state "${state}" >/dev/null
    done
    rm -rf "${WORK}"
}
trap _lab_cleanup EXIT
