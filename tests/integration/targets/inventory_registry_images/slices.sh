#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# AWX job slicing by hand: the schema 1 images of registry A split into three disjoint
# --limit partitions (tags of one repository dealt to different slices, so slices push
# the same blobs into the same destination repositories), migrated by three
# ansible-playbook processes at the same time. Then: no run failed, each image was
# converted by exactly one slice, and every destination is v2s2 with the digest of a
# single reference conversion. Called by runme.sh with INVENTORY, WORK, REGISTRY_B, ROOT.

set -eux

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"
REGISTRY_A="$("${PYTHON}" -c 'import json,sys; print(json.load(open(sys.argv[1]))["registry_a"])' "${WORK}/vars.json")"
REGISTRY_A_GROUP="registry_${REGISTRY_A//[.:]/_}"

ansible-inventory -i "${INVENTORY}" --list >"${WORK}/list.json"
"${PYTHON}" "${HERE}/slices.py" split "${WORK}/list.json" format_v2s1 "${REGISTRY_A_GROUP}" 3 "${WORK}/slice"

pids=()
for index in 1 2 3; do
    ANSIBLE_SHOW_CUSTOM_STATS=true ANSIBLE_NOCOLOR=true \
        ansible-playbook -i "${INVENTORY}" "${ROOT}/playbooks/migrate.yml" \
        --limit "@${WORK}/slice${index}.txt" \
        -e "imagefleet_report_dir=${WORK}/report${index}" \
        >"${WORK}/slice${index}.out" 2>"${WORK}/slice${index}.err" &
    pids+=("$!")
done
status=0
for index in 1 2 3; do
    wait "${pids[$((index - 1))]}" || { status=$?; echo "slice ${index} failed (rc ${status})" >&2; tail -n 60 "${WORK}/slice${index}.out" >&2; cat "${WORK}/slice${index}.err" >&2; }
done
[ "${status}" = 0 ]

"${PYTHON}" "${HERE}/slices.py" results "${WORK}/slices.json" \
    "${WORK}/slice1.txt" "${WORK}/slice1.out" "${WORK}/slice2.txt" "${WORK}/slice2.out" "${WORK}/slice3.txt" "${WORK}/slice3.out"
ansible-playbook -i "${INVENTORY}" "${HERE}/slices_check.yml" -e "@${WORK}/vars.json" -e "@${WORK}/slices.json" "$@"
