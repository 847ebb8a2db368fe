# shellcheck shell=bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Sourced by runme.sh targets that run against lab registries of their own:
#   source "${HERE}/../setup_lab_shell/lab.sh" TARGET_NAME      (alias: needs/target/setup_lab_shell)
# Sets ROOT (the collection), PYTHON and WORK (a temporary folder), exports ANSIBLE_COLLECTIONS_PATH, and offers
# lab, lab_up, play, json and on_exit. On exit, every lab started with lab_up is stopped, the on_exit commands
# run, and WORK is removed, whatever happened.

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

_lab_cleanup() {
    set +e
    local command state
    for command in "${_LAB_EXIT[@]}"; do eval "${command}"; done
    for state in "${_LAB_STATES[@]}"; do
        [ -f "${state}" ] && lab down --state "${state}" >/dev/null
    done
    rm -rf "${WORK}"
}
trap _lab_cleanup EXIT
