#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The whole story on a lab registry: audit, migrate --check, migrate, migrate again (nothing changes), verify.
# Usage: bash hacking/demo.sh STATE_FILE   (make demo sets PATH, ANSIBLE_COLLECTIONS_PATH and PYTHONPATH=tests/lab)
# Each step's full output goes to a log next to the state file; the terminal gets the lines that matter.

set -eu -o pipefail

STATE="${1:?usage: demo.sh STATE_FILE}"
mkdir -p "$(dirname "${STATE}")"
DIR="$(cd "$(dirname "${STATE}")" && pwd)"
STATE="${DIR}/$(basename "${STATE}")"
REPORT="${DIR}/imagefleet-report"
LOGS="${DIR}/logs"
PYTHON="${PYTHON:-python}"
command -v "${PYTHON}" >/dev/null || PYTHON=python3
export ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false

if [ -t 1 ]; then BOLD=$'\e[1m'; DIM=$'\e[2m'; GREEN=$'\e[32m'; RED=$'\e[31m'; OFF=$'\e[0m'; else BOLD='' DIM='' GREEN='' RED='' OFF=''; fi
step=0
title() { step=$((step + 1)); printf '\n%s%d. %s%s\n' "${BOLD}" "${step}" "$1" "${OFF}"; }
say() { printf '   %s\n' "$@"; }

# Runs ansible-playbook into a log; prints the progress, summary and recap lines; stops the demo on failure.
play() {
    local log="${LOGS}/$1.log"; shift
    if ! ansible-playbook "$@" >"${log}" 2>&1; then
        printf '%s   failed; the end of %s:%s\n' "${RED}" "${log}" "${OFF}"
        tail -25 "${log}" | sed 's/^/   /'
        exit 1
    fi
    grep -E '"msg": "(audit:|batch [0-9]+/[0-9]+:|verify:)|^ +"(CHECK MODE|migration finished|images:|converted:|would convert:|already done|verified:|report:)' "${log}" \
        | sed -E 's/^ *"msg": "//; s/^ *"//; s/",?$//; s/^/   /'
    grep -E '^localhost +:' "${log}" | sed -E "s/^localhost +: /   ${DIM}recap: /; s/$/${OFF}/"
}

mkdir -p "${LOGS}"
rm -rf "${REPORT}"

title "Start the lab registry (legacy schema 1 images, v2s2, OCI, a manifest list, an OCI index)"
"${PYTHON}" -m imagefleet_lab up --state "${STATE}" >"${LOGS}/lab.json"
REG="$("${PYTHON}" -c 'import json,sys; print(json.load(open(sys.argv[1]))["registry"])' "${LOGS}/lab.json")"
say "registry ${BOLD}${REG}${OFF} (state in ${STATE})"

cat >"${DIR}/demo-vars.yml" <<VARS
# Every tag of legacy/* and tag 1 of modern/*, converted to v2s2 under ${REG}/converted.
imagefleet_sources:
  - registry: "${REG}"
    repositories: ['legacy/*']
    dest_prefix: "${REG}/converted"
  - registry: "${REG}"
    repositories: ['modern/*']
    tags: ['1']
    dest_prefix: "${REG}/converted"
imagefleet_report_dir: "${REPORT}"
imagefleet_batch_size: 4
VARS
say "what to migrate: ${DIR}/demo-vars.yml"

title "Audit: walk the catalog and every manifest (read-only)"
play 1-audit imagefleet.registry.audit -e "@${DIR}/demo-vars.yml"
{ grep '^Generated' "${REPORT}/audit.md" | fold -s -w 110; echo; sed -n '/^| Namespace/,/^$/p' "${REPORT}/audit.md"; } | sed 's/^/   /'

title "Migrate in check mode: what would change (nothing is written to the registry; the reports are)"
play 2-migrate-check imagefleet.registry.migrate -e "@${DIR}/demo-vars.yml" --check

title "Migrate: convert in batches, verify, write the reports and the digest mapping"
play 3-migrate imagefleet.registry.migrate -e "@${DIR}/demo-vars.yml"

title "Migrate again: everything is already done"
play 4-migrate-again imagefleet.registry.migrate -e "@${DIR}/demo-vars.yml"
if grep -Eq '^localhost +: ok=[0-9]+ +changed=0 ' "${LOGS}/4-migrate-again.log"; then
    say "${GREEN}changed=0: nothing to do, nothing rewritten${OFF}"
else
    say "${RED}the re-run changed something: see ${LOGS}/4-migrate-again.log${OFF}"; exit 1
fi

title "Verify every destination, re-hashing each layer against its diff_id"
play 5-verify imagefleet.registry.verify -e "@${DIR}/demo-vars.yml" -e imagefleet_verify_deep=true

title "Results"
say "HTML report:  ${BOLD}${REPORT}/audit.html${OFF}  (self-contained; open it in a browser)"
say "also:         ${REPORT}/audit.md, audit.json, mapping.json, mapping.csv"
say "logs:         ${LOGS}/"
say "" "old reference -> new digest (first lines of mapping.csv):"
"${PYTHON}" - "${REPORT}/mapping.csv" <<'PY'
import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
for row in rows[:6]:
    print('   %-40s %s -> %s' % (row['old_reference'], row['old_digest'][7:19], row['new_digest'][7:19]))
if len(rows) > 6:
    print('   ... %d more' % (len(rows) - 6))
PY
say "" "stop the lab with: make lab-down"
