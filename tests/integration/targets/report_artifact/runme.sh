#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Reports that outlive the job, the way AWX runs a sliced migrate job: ansible-runner with the shipped example project
# (examples/awx), an image inventory (registry_images) over a lab registry, the schema 1 images dealt into three
# --limit slices (slices.py of inventory_registry_images), each run with the extra vars AWX gives a slice of a sliced
# job (awx_workflow_job_id shared, awx_job_id its own) and imagefleet_report_registry. Then:
#  - each slice pushed its report as an OCI artifact <run>.<slice> and set_stats names it;
#  - --check pushes nothing, unless imagefleet_report_push_in_check_mode;
#  - fetch_reports.yml pulls the three artifacts and merges them; the merged mapping is byte for byte the mapping of
#    one unsliced run over the same images; the pulled files are byte for byte what each slice wrote;
#  - skopeo reads the manifest: a valid OCI artifact manifest (artifactType, empty config, titled layers).

set -eu -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/integration/targets/setup_lab_shell/lab.sh
source "${HERE}/../setup_lab_shell/lab.sh" report_artifact
"${PYTHON}" -c 'import ansible_runner' || { echo "ansible-runner is needed (requirements-dev.txt)" >&2; exit 1; }
export ANSIBLE_INVENTORY_UNPARSED_FAILED=true

set -x
lab_up lab >"${WORK}/lab.json"
REG="$(json "${WORK}/lab.json" 'd["registry"]')"
# The reports go to a second registry that needs a login, given only the way the AWX credential type
# (examples/awx/credential-type.yml) gives it: its env injector, rendered here as AWX renders it.
SECRET='rep0rt-s3cret"x'
lab_up reports --no-fixtures --auth token --user reporter --password "${SECRET}" >"${WORK}/reports.json"
REPORTS="$(json "${WORK}/reports.json" 'd["registry"]')/imagefleet/reports"
IMAGEFLEET_REGISTRY_OPTIONS="$("${PYTHON}" "${HERE}/check_reports.py" inject "${ROOT}/examples/awx/credential-type.yml" \
    "${REPORTS%%/*}" reporter "${SECRET}")"
export IMAGEFLEET_REGISTRY_OPTIONS

PDD="${WORK}/pdd"
mkdir -p "${PDD}/env" "${PDD}/inventory"
cp -r "${ROOT}/examples/awx" "${PDD}/project"
# legacy/multi (3 tags) and legacy/single (2 tags): five schema 1 images.
cat >"${PDD}/inventory/fleet.registry_images.yml" <<YAML
plugin: imagefleet.registry.registry_images
registries:
  - url: ${REG}
    repositories: ['legacy/multi', 'legacy/single']
compose:
  imagefleet_dest_prefix: "'${REG}/converted'"
YAML
cat >"${PDD}/env/extravars" <<VARS
imagefleet_target_format: v2s2
imagefleet_report_registry: "${REPORTS}"
VARS
cat >"${PDD}/env/envvars" <<VARS
ANSIBLE_COLLECTIONS_PATH: "${ANSIBLE_COLLECTIONS_PATH}"
ANSIBLE_NOCOLOR: "1"
ANSIBLE_INVENTORY_UNPARSED_FAILED: "1"
IMAGEFLEET_REGISTRY_OPTIONS: '${IMAGEFLEET_REGISTRY_OPTIONS}'
VARS
# runner IDENT PLAYBOOK ansible-playbook options...: one job (env/cmdline is kept by ansible-runner: start without it).
# A failed job shows the end of its output (kept in the artifacts, quiet otherwise).
runner() {
    rm -f "${PDD}/env/cmdline"
    "${PYTHON}" -m ansible_runner run "${PDD}" -p "$2" --ident "$1" --cmdline "${*:3}" >/dev/null \
        || { tail -40 "${PDD}/artifacts/$1/stdout" >&2; return 1; }
}
check() { "${PYTHON}" "${HERE}/check_reports.py" "$@"; }

ansible-inventory -i "${PDD}/inventory/fleet.registry_images.yml" --list >"${WORK}/list.json"
"${PYTHON}" "${HERE}/../inventory_registry_images/slices.py" split "${WORK}/list.json" format_v2s1 \
    "registry_${REG//[.:]/_}" 3 "${WORK}/slice"

# Check mode pushes nothing ...
runner check migrate.yml --check --limit format_v2s1 -e awx_job_id=801 -e "imagefleet_report_dir=${WORK}/check"
check stats "${PDD}/artifacts/check" '{"imagefleet_check_mode": true}' imagefleet_report_artifact
check tags "${REPORTS}" '[]'
# ... unless asked to.
runner check-optin migrate.yml --check --limit format_v2s1 -e awx_job_id=802 -e imagefleet_report_push_in_check_mode=true \
    -e "imagefleet_report_dir=${WORK}/check"
check stats "${PDD}/artifacts/check-optin" '{"imagefleet_check_mode": true, "imagefleet_report_tag": "'"${REPORTS}"':802.all"}'

# Three slices of run 900, as AWX runs a sliced job template (one after another here: the point is the reports).
for index in 1 2 3; do
    runner "slice${index}" migrate.yml --limit "@${WORK}/slice${index}.txt" -e awx_workflow_job_id=900 \
        -e "awx_job_id=90${index}" -e "imagefleet_report_dir=${WORK}/slice${index}"
    check stats "${PDD}/artifacts/slice${index}" \
        '{"imagefleet_images": '"$(wc -l <"${WORK}/slice${index}.txt")"', "imagefleet_failed": 0,
          "imagefleet_report_tag": "'"${REPORTS}"':900.90'"${index}"'"}'
done
# One unsliced run over the same images (an AWX job without slicing: its own job id, slice "all").
runner single migrate.yml --limit format_v2s1 -e awx_job_id=700 -e "imagefleet_report_dir=${WORK}/single"
check stats "${PDD}/artifacts/single" '{"imagefleet_images": 5, "imagefleet_mapped": 5}'
check tags "${REPORTS}" '["700.all", "802.all", "900.901", "900.902", "900.903"]'

# Merge run 900 (through the example project's wrapper, as an AWX job template would).
runner fetch fetch_reports.yml -e imagefleet_report_run=900 -e "imagefleet_report_dir=${WORK}/merged"
check stats "${PDD}/artifacts/fetch" '{"imagefleet_report_slices": 3, "imagefleet_mapped": 5}'
check merged "${WORK}/merged" "${WORK}/single" 90 "${WORK}/slice1" "${WORK}/slice2" "${WORK}/slice3"
# Fetching again changes nothing.
runner fetch-again fetch_reports.yml -e imagefleet_report_run=900 -e "imagefleet_report_dir=${WORK}/merged"
sed 's/\x1b\[[0-9;]*m//g' "${PDD}/artifacts/fetch-again/stdout" | grep -Eq 'localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 '

# skopeo, independently: the manifest as the registry serves it, and the artifact's digest set_stats named.
for index in 1 2 3; do
    skopeo inspect --raw --tls-verify=false --creds "reporter:${SECRET}" "docker://${REPORTS}:900.90${index}" \
        >"${WORK}/manifest${index}.json"
    check artifact "${WORK}/manifest${index}.json" "${WORK}/slice${index}" "${PDD}/artifacts/slice${index}" "${REPORTS}"
done
# The password never shows in the jobs' output and events (AWX keeps those) nor in the reports. (ansible-runner's
# own artifacts/*/command records the environment it was given; AWX redacts credential injections there.)
! grep -rlF "rep0rt-s3cret" "${PDD}"/artifacts/*/stdout "${PDD}"/artifacts/*/job_events "${WORK}/merged" "${WORK}/single"
