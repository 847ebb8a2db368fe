#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# What ships, tried as a user would: a copy of the collection with the leftovers of make demo, make bench and
# make test (bench/out with a registry's blobs, imagefleet-report/, build/, .lab, .venv, .tools, tests/output, an old
# tarball, __pycache__), then
#  1. ansible-galaxy collection build: the tarball holds only what users need (tarball_files.py);
#  2. ansible-galaxy collection install of the directory gives the same files;
#  3. a fresh venv with ansible-core and the collection's own requirements.txt (from the package index), the tarball
#     installed into an empty collections path, and ansible-playbook imagefleet.registry.audit by FQCN against a
#     lab registry;
#  4. the AWX project requirements: collections/requirements.yml at the repository root (type dir) installs the
#     checkout; examples/awx/collections/requirements.yml (type git) installs from a git clone of it.

set -eu -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/integration/targets/setup_lab_shell/lab.sh
source "${HERE}/../setup_lab_shell/lab.sh" collection_tarball
CORE_VERSION="$("${PYTHON}" -c 'import ansible.release; print(ansible.release.__version__)')"

set -x
# 0. A source tree with leftovers (ROOT is the collection; its tests/output is ansible-test's own).
SRC="${WORK}/src/ansible_collections/imagefleet/registry"
mkdir -p "${SRC}"
(cd "${ROOT}" && tar -cf - --exclude=./tests/output .) | tar -xf - -C "${SRC}"
mkdir -p "${SRC}/bench/out/registry/docker/registry/v2/blobs/sha256/00" "${SRC}/imagefleet-report" "${SRC}/build/ee" \
    "${SRC}/.lab/lab" "${SRC}/.venv/bin" "${SRC}/.venv-2.17/bin" "${SRC}/.tools/usr/bin" "${SRC}/tests/output/junit" \
    "${SRC}/plugins/modules/__pycache__" "${SRC}/.pytest_cache"
head -c 1048576 /dev/urandom >"${SRC}/bench/out/registry/docker/registry/v2/blobs/sha256/00/data"
for name in audit.html audit.json mapping.csv; do echo leftover >"${SRC}/imagefleet-report/${name}"; done
echo leftover | tee "${SRC}/build/ee/imagefleet-registry.tar.gz" "${SRC}/.lab/state.json" "${SRC}/.venv/bin/python" \
    "${SRC}/.venv-2.17/bin/python" "${SRC}/.tools/usr/bin/skopeo" "${SRC}/tests/output/junit/x.xml" \
    "${SRC}/plugins/modules/__pycache__/image_convert.cpython-311.pyc" "${SRC}/imagefleet-registry-0.0.1.tar.gz" \
    "${SRC}/bench/results.md" >/dev/null

# 1. The tarball.
ansible-galaxy collection build --output-path "${WORK}/dist" "${SRC}"
TARBALL="$(ls "${WORK}"/dist/imagefleet-registry-*.tar.gz)"
"${PYTHON}" "${HERE}/tarball_files.py" tarball "${TARBALL}"

# 2. Installing the directory ships the same files (--force: the collection under test is installed already).
ansible-galaxy collection install --force -p "${WORK}/from-dir" "${SRC}"
"${PYTHON}" "${HERE}/tarball_files.py" tree "${WORK}/from-dir/ansible_collections/imagefleet/registry"

# 3. A user's fresh environment: ansible-core, the collection's requirements.txt, the tarball; nothing of ours
# (ansible-test's PYTHONPATH would make pip see its ansible-core as installed already).
unset PYTHONPATH
export ANSIBLE_COLLECTIONS_PATH="${WORK}/collections" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
"${PYTHON}" -m venv "${WORK}/venv"
"${WORK}/venv/bin/pip" install --quiet --disable-pip-version-check "ansible-core==${CORE_VERSION}" \
    -r "${SRC}/requirements.txt"
"${WORK}/venv/bin/ansible-galaxy" collection install -p "${WORK}/collections" "${TARBALL}"
lab_up lab >"${WORK}/lab.json"
REG="$(json "${WORK}/lab.json" 'd["registry"]')"
mkdir -p "${WORK}/user"
(
    cd "${WORK}/user"
    "${WORK}/venv/bin/ansible-playbook" imagefleet.registry.audit \
        -e "{\"imagefleet_sources\": [{\"registry\": \"${REG}\", \"repositories\": [\"legacy/*\"]}]}" | tee audit.out
)
json "${WORK}/user/imagefleet-report/audit.json" 'd["totals"]["images"] >= 5 and d["totals"]["legacy"] >= 5 or exit(1)'
grep -q "imagefleet-report/audit.html" "${WORK}/user/audit.out"

# 4. AWX project syncs (ansible-galaxy runs in the project's root).
(cd "${SRC}" && ansible-galaxy collection install --force -r collections/requirements.yml -p "${WORK}/awx-root")
"${PYTHON}" "${HERE}/tarball_files.py" tree "${WORK}/awx-root/ansible_collections/imagefleet/registry"
git -C "${SRC}" init -q -b main
git -C "${SRC}" -c user.name=test -c user.email=test@example.invalid add -A .
git -C "${SRC}" -c user.name=test -c user.email=test@example.invalid commit -qm leftovers-too
sed "s|https://example.invalid/imagefleet/registry.git|git+file://${SRC}/.git|" \
    "${SRC}/examples/awx/collections/requirements.yml" >"${WORK}/git-requirements.yml"
grep -q 'type: git' "${WORK}/git-requirements.yml"
ansible-galaxy collection install --force -r "${WORK}/git-requirements.yml" -p "${WORK}/awx-git"
"${PYTHON}" "${HERE}/tarball_files.py" tree "${WORK}/awx-git/ansible_collections/imagefleet/registry"
