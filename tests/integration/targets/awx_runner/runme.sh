#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# migrate.yml the way AWX runs it: ansible-runner with a private data dir whose project is the shipped example
# (examples/awx: import_playbook wrappers), extra vars as the survey gives them, an inventory, on a private lab
# registry. Checks the job status and that the set_stats numbers are in the artifacts (the playbook_on_stats
# event's artifact_data), for a --check run and a real one.

set -eu -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/integration/targets/setup_lab_shell/lab.sh
source "${HERE}/../setup_lab_shell/lab.sh" awx_runner
"${PYTHON}" -c 'import ansible_runner' || { echo "ansible-runner is needed (requirements-dev.txt)" >&2; exit 1; }

set -x
lab_up lab >"${WORK}/lab.json"
REG="$(json "${WORK}/lab.json" 'd["registry"]')"

# The private data dir: project (the shipped example), inventory, env.
PDD="${WORK}/pdd"
mkdir -p "${PDD}/env" "${PDD}/inventory"
cp -r "${ROOT}/examples/awx" "${PDD}/project"
cp "${ROOT}/examples/awx/inventory/localhost.yml" "${PDD}/inventory/hosts.yml"
# What the survey (examples/awx/migrate-survey.json) hands over: strings, one glob per line.
cat >"${PDD}/env/extravars" <<VARS
imagefleet_source_registry: "${REG}"
imagefleet_source_repositories: "legacy/multi\nlegacy/s*"
imagefleet_source_tags: "*"
imagefleet_dest_prefix: "${REG}/awx"
imagefleet_target_format: v2s2
imagefleet_batch_size: 2
imagefleet_verify_deep: "true"
imagefleet_report_dir: "${WORK}/report"
VARS
cat >"${PDD}/env/envvars" <<VARS
ANSIBLE_COLLECTIONS_PATH: "${ANSIBLE_COLLECTIONS_PATH}"
ANSIBLE_NOCOLOR: "1"
VARS

# --cmdline is kept in env/cmdline for later runs of the same data dir: start each run without it.
runner() { rm -f "${PDD}/env/cmdline"; "${PYTHON}" -m ansible_runner run "${PDD}" -p migrate.yml --ident "$1" "${@:2}"; }

# Stats of run $1 (artifact_data of the playbook_on_stats event) checked against the expected values in $2 (JSON).
check_stats() {
    "${PYTHON}" - "${PDD}/artifacts/$1" "$2" <<'PY'
import glob
import json
import os
import sys

artifacts, expected = sys.argv[1], json.loads(sys.argv[2])
status = open(os.path.join(artifacts, 'status')).read().strip()
assert status == 'successful', status
stats = [json.load(open(path)) for path in glob.glob(os.path.join(artifacts, 'job_events', '*.json'))]
stats = [event for event in stats if event.get('event') == 'playbook_on_stats']
assert len(stats) == 1, len(stats)
data = stats[0]['event_data']['artifact_data']
print(json.dumps(data, indent=2, sort_keys=True))
for key, value in expected.items():
    assert data.get(key) == value, (key, data.get(key), value)
PY
}

# legacy/multi (3 tags) and legacy/single (2 tags): five schema 1 tags of two images (the tags of each share their
# image_key), so with imagefleet_batch_size 2 (images) one batch.
runner check --cmdline=--check
check_stats check '{"imagefleet_check_mode": true, "imagefleet_images": 5, "imagefleet_legacy": 5, "imagefleet_selected": 5,
                    "imagefleet_batches": 1, "imagefleet_converted": 5, "imagefleet_failed": 0, "imagefleet_mapped": 0}'
runner real
check_stats real '{"imagefleet_check_mode": false, "imagefleet_images": 5, "imagefleet_selected": 5, "imagefleet_batches": 1,
                   "imagefleet_converted": 5, "imagefleet_unchanged": 0, "imagefleet_failed": 0,
                   "imagefleet_verified_ok": 5, "imagefleet_verified_bad": 0, "imagefleet_mapped": 5}'
# imagefleet_verify_deep: every conversion is verified, also those image_convert confirmed itself.
grep -Eq 'batch 1/1: 5 tags, 5 converted \([0-9] reusing another tag.s conversion\), 0 already done, 0 failed' "${PDD}/artifacts/real/stdout"
runner again
check_stats again '{"imagefleet_selected": 0, "imagefleet_converted": 0, "imagefleet_verified_ok": 0, "imagefleet_mapped": 5}'
sed 's/\x1b\[[0-9;]*m//g' "${PDD}/artifacts/again/stdout" | grep -Eq 'localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 '
[ -f "${WORK}/report/audit.html" ]
