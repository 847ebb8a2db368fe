#!/usr/bin/env bash
# Integration test of the imagefleet.registry.skopeo role on the local host.
# - package: installs the distribution's skopeo for real (needs root), twice;
#   the second run must report changed=0.
# - dockerfile: renders the multi-stage Dockerfile and, with no Docker
#   engine reachable, must fail early saying a Docker/BuildKit engine is
#   needed; check mode must show the commands that would run and write nothing.
set -eux -o pipefail

cd "$(dirname "$0")"

work="$(mktemp -d)"
cleanup() {
    rm -rf "${work}"
}
trap cleanup EXIT

inventory="${INVENTORY_PATH:-}"
if [ -z "${inventory}" ]; then
    inventory="${work}/inventory.yml"
    printf 'all:\n  hosts:\n    localhost:\n      ansible_connection: local\n      ansible_python_interpreter: "{{ ansible_playbook_python }}"\n' > "${inventory}"
fi

# Asserts the play recap of $1 reports changed=0 and failed=0.
assert_unchanged() {
    grep -E '^localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 ' "$1"
}

run() {
    ansible-playbook -i "${inventory}" "$@"
}

# --- package ---------------------------------------------------------------
run package.yml "$@" | tee "${work}/package1.log"
run package.yml "$@" | tee "${work}/package2.log"
assert_unchanged "${work}/package2.log"
run package.yml --check "$@" | tee "${work}/package3.log"
assert_unchanged "${work}/package3.log"
# Pinned to the installed distribution version: still nothing to change.
if command -v dpkg-query >/dev/null 2>&1; then
    pinned="$(dpkg-query -W -f='${Version}' skopeo)"
    run package.yml -e "skopeo_version=${pinned}" "$@" | tee "${work}/package4.log"
    assert_unchanged "${work}/package4.log"
fi

# --- dockerfile ------------------------------------------------------------
# The failure branch needs a host without a usable engine. Where an engine
# answers, point the role at a stand-in docker CLI that cannot reach one.
docker_cmd=docker
if docker info >/dev/null 2>&1; then
    docker_cmd="${work}/docker-without-engine"
    printf '#!/bin/sh\necho "Cannot connect to the Docker daemon (test stand-in)" >&2\nexit 1\n' > "${docker_cmd}"
    chmod 0755 "${docker_cmd}"
fi

common=(-e "skopeo_test_dir=${work}/dockerfile" -e "skopeo_test_docker_command=${docker_cmd}")

run dockerfile.yml --check -e skopeo_test_check_mode=true "${common[@]}" "$@" | tee "${work}/dockerfile-check.log"
grep -- '--target skopeo-rootfs' "${work}/dockerfile-check.log"

run dockerfile.yml -e skopeo_test_check_mode=false "${common[@]}" "$@" | tee "${work}/dockerfile.log"
