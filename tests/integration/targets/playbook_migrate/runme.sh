#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The operator playbooks (audit, migrate, verify) end to end with ansible-playbook, as operators run them, on a
# private lab registry (started here, stopped on exit): rule globs through the real catalog, --check writing nothing
# but the reports (no write request at all), batched conversion by image with progress lines, changed=0 on a re-run, the report counts, the mapping,
# verify passing (deep) and failing on schema 1 and missing destinations, imagefleet_select, fleet mode through
# the registry_images inventory with --limit (groups and one host's name), bad input refused before any registry
# request, a destination without a tag, and the -v output of a 500-image audit.

set -eu -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/integration/targets/setup_lab_shell/lab.sh
source "${HERE}/../setup_lab_shell/lab.sh" playbook_migrate

set -x
cd "${WORK}"
lab_up lab --access-log >lab.json
REG="$(json lab.json 'd["registry"]')"

# Two rules: every tag of legacy/* (9 schema 1 images), tag 1 of modern/* (v2s2, OCI, a list, an index).
demo_rules "${REG}" "${WORK}/report" >rules.yml
# Batches count images (tags sharing an image_key and target format): 13 tags of 10 images, so 2 batches.
echo 'imagefleet_batch_size: 5' >>rules.yml
DESTS="$("${PYTHON}" -c 'import json,sys; print(json.dumps({"dests": sys.argv[1:]}))' \
    "${REG}"/converted/legacy/{multi:1,multi:2,multi:latest,repeated:1,single:1,single:2,big:1,dupid:1,docker182:1} \
    "${REG}"/converted/modern/{v2s2:1,oci:1,list:1,index:1})"

# --- bad input: refused before any registry request, naming the input and the fix -----------------------------
# The registry's access log has a line per request it served: its length must not change.
LOG="$(json lab.json 'd["log"]')"
served() { grep -Ec '"[A-Z]+ /v2/' "${LOG}" || true; }
# writes: the registry's count of write requests (PUT, POST, PATCH, DELETE) so far.
writes() { grep -Ec '"(PUT|POST|PATCH|DELETE) /v2/' "${LOG}" || true; }
# kinds_since LINE: the requests the access log shows after that line, counted by kind ("GET manifests", "HEAD blobs",
# "ping", ...), as JSON; mark: the log's current line count.
mark() { wc -l <"${LOG}"; }
kinds_since() {
    tail -n +"$(($1 + 1))" "${LOG}" | "${PYTHON}" -c '
import json, re, sys
kinds = {}
for method, path in re.findall(r"\"([A-Z]+) (/v2/\S*) HTTP/", sys.stdin.read()):
    kind = ("ping" if path == "/v2/" else "catalog" if path.startswith("/v2/_catalog") else
            method + " " + ("uploads" if "/blobs/uploads" in path else "blobs" if "/blobs/" in path else
                            "manifests" if "/manifests/" in path else "tags" if "/tags/list" in path else path))
    kinds[kind] = kinds.get(kind, 0) + 1
print(json.dumps(kinds, sort_keys=True))'
}
# refused PLAYBOOK LOGFILE [ansible-playbook options]: the playbook fails at its first task and the registry saw nothing.
refused() {
    local before
    before="$(served)"
    if play "$1" "${@:3}" >"$2" 2>&1; then cat "$2"; exit 1; fi
    [ "$(served)" = "${before}" ]
    grep -q 'nothing was done' "$2"
    if grep -q 'TASK \[Plan\|TASK \[Images and containers\|TASK \[Gather facts' "$2"; then cat "$2"; exit 1; fi
}
cat >typos.yml <<VARS
imagefleet_sources:
  - registry: "${REG}"
    repositores: ['legacy/single']
    dest_prefix: "${REG}/typo"
    password: s3cret-in-a-rule
  - {registry: "${REG}", format: oic, dest_prefix: "${REG}/a", dest_registry: "${REG}"}
imagefleet_images:
  - {src: "${REG}/legacy/single:1", dst: "${REG}/typo/single:1"}
imagefleet_batch_size: abc
imagefleet_registry_options: "ca_path=/etc/ssl/ca.pem"
VARS
refused migrate typos.log -e @typos.yml -e imagefleet_formt=oci -v "$@"
grep -q "imagefleet_sources\[0\] (registry ${REG}): unknown key \`repositores\`: did you mean \`repositories\`?" typos.log
grep -q "unknown variable \`imagefleet_formt\`: did you mean \`imagefleet_format\`?" typos.log
grep -q "imagefleet_images\[0\] (src ${REG}/legacy/single:1): unknown key \`dst\`: did you mean \`dest\`?" typos.log
grep -q "imagefleet_sources\[1\] (registry ${REG}): \`format\` must be one of v2s2, oci, got a string 'oic': did you mean \`oci\`?" typos.log
grep -q "imagefleet_sources\[1\] (registry ${REG}): give only one of \`dest_prefix\`, \`dest_registry\`" typos.log
grep -q "\`imagefleet_batch_size\` must be an integer, got a string 'abc'" typos.log
grep -q "\`imagefleet_registry_options\` must be a mapping, got a string" typos.log
if grep -q 's3cret-in-a-rule' typos.log; then exit 1; fi
# Each playbook checks its own variables: an unknown format, a rule given as a string, a typo'd variable.
refused audit format.log -e imagefleet_format=v2s3 -e "imagefleet_report_dir=${WORK}/nothing" "$@"
grep -q "\`imagefleet_format\` must be one of v2s2, oci, got a string 'v2s3': did you mean \`v2s2\`?" format.log
refused verify string.log -e '{"imagefleet_sources": "'"${REG}"'"}' "$@"
grep -q "\`imagefleet_sources\` must be a list, got a string" string.log
refused audit_hosts hosts.log -e imagefleet_engine_hosts=localhost -e imagefleet_paralel=2 "$@"
grep -q "unknown variable \`imagefleet_paralel\`: did you mean \`imagefleet_parallel\`?" hosts.log
refused install_tools tools.log -e imagefleet_tool_hosts=localhost -e imagefleet_tools=skopeo,crain "$@"
grep -q "\`imagefleet_tools\[1\]\` must be one of skopeo, crane, got a string 'crain': did you mean \`crane\`?" tools.log
[ ! -e "${WORK}/nothing" ]

# --- audit: the globs expand through the catalog; read-only; the report counts --------------------------------
play audit -e @rules.yml "$@" | tee audit.log
json report/audit.json 'd["totals"]["images"], d["totals"]["by_format"], d["totals"]["legacy"], d["totals"]["needs_conversion"]' | tee counts
# Legacy is schema 1 only: with target v2s2, the OCI image and the OCI index are to convert, not legacy.
[ "$(cat counts)" = "13 {'oci': 1, 'oci_index': 1, 'v2s1': 9, 'v2s2': 1, 'v2s2_list': 1} 9 13" ]
# The line the playbook prints after its audit (the audit_summary filter) says the same.
grep -q 'audit: 13 images in 1 registries; 1 oci, 1 oci_index, 9 v2s1, 1 v2s2, 1 v2s2_list, 0 missing; 13 to convert, 0 already converted' audit.log
[ "$(json report/audit.json '[i["legacy"] for i in d["images"] if i["format"] in ("oci", "oci_index")]')" = "[False, False]" ]
[ "$(json report/audit.json 'sorted(i["src"] for i in d["images"] if i["repository"] == "legacy/multi")')" = \
  "['${REG}/legacy/multi:1', '${REG}/legacy/multi:2', '${REG}/legacy/multi:latest']" ]
grep -q '<svg' report/audit.html
# One self-contained page: its script is inline, nothing is loaded from elsewhere.
if grep -Eq '<script [^>]|<link|src=|@import|url\(' report/audit.html; then exit 1; fi
# audit.md summarises per repository (10 of them), it does not list every tag.
[ "$(grep -c "^| ${REG} | \`" report/audit.md)" = 10 ]
grep -q "^| ${REG} | \`legacy/multi\` | 3 | " report/audit.md
[ "$(json report/audit.json 'd["summary"]["counts"]["tags"], d["summary"]["bytes"]["images_with_unknown_sizes"]')" = "13 0" ]
# Every total equals the rows listed: legacy is schema 1 only (9 tags, 6 distinct images; the OCI image and the OCI
# index are left to convert with target v2s2, not legacy), left to convert are 11 tags, 8 images, which are the rows
# (one per digest) marked left in audit.html and the sum of the Left column of audit.md.
[ "$(json report/audit.json 'd["summary"]["counts"]["legacy_tags"], d["summary"]["counts"]["left_tags"]')" = "9 11" ]
[ "$(json report/audit.json 'd["summary"]["counts"]["legacy_images"], d["summary"]["counts"]["left_images"]')" = "6 8" ]
[ "$(grep -o '<tr class="left"' report/audit.html | wc -l)" = 8 ]
[ "$(awk -F' [|] ' '$2 ~ /`/ {s += $6} END {print s}' report/audit.md)" = 8 ]
grep -q ': 6 legacy images (9 tags), 8 still to convert (11 tags);' report/audit.md
ansible-playbook "${HERE}/dests.yml" -e "${DESTS}" -e expect_exists=false "$@"

# --- migrate --check: nothing written to the registry, the reports are -----------------------------------------
rm -rf report
WRITES="$(writes)"
MARK="$(mark)"
play migrate -e @rules.yml --check "$@" | tee check.log
kinds_since "${MARK}" | tee check.kinds
[ "$(writes)" = "${WRITES}" ]
grep -Eq 'batch 2/2: [0-9]+ tags, [0-9]+ to convert' check.log
if grep -q 'batch 3/' check.log; then exit 1; fi
grep -q "would convert: 13 (" check.log
ansible-playbook "${HERE}/dests.yml" -e "${DESTS}" -e expect_exists=false "$@"
[ "$(json report/audit.json 'd["totals"]["needs_conversion"]')" = 13 ]
[ "$(wc -l <report/mapping.csv)" = 1 ]          # the header: nothing converted yet
cp report/audit.json audit.check.json

# --- migrate: every image converted, in three batches, one progress line each ---------------------------------
MARK="$(mark)"
play migrate -e @rules.yml "$@" | tee migrate.log
kinds_since "${MARK}" | tee migrate.kinds
# The audit asked for no layer size (the check run above sent a blob HEAD per schema 1 layer); the conversions here
# know every size from the layers they read or the descriptors they copy, so no HEAD of a blob at all.
[ "$(json migrate.kinds '"HEAD blobs" in d, d["PUT manifests"] > 0')" = "False True" ]
[ "$(json check.kinds 'd["HEAD blobs"] > 0')" = "True" ]
# Each source tag's manifest is read once in the run: by the audit, which files it for image_convert (the manifest
# cache); list children are read by digest.
tail -n +"$((MARK + 1))" "${LOG}" | grep -Eo '"GET /v2/(legacy|modern)/[^ ]*/manifests/[^ @]* ' \
    | grep -v '/manifests/sha256:' | sort | uniq -c >source-reads.txt
cat source-reads.txt
[ "$(wc -l <source-reads.txt)" = 13 ]
awk '$1 != 1 {bad = 1} END {exit bad}' source-reads.txt
grep -Eq 'batch 1/2: [0-9]+ tags, [0-9]+ converted \([0-9]+ reusing another tag.s conversion\), 0 already done, 0 failed' migrate.log
grep -Eq 'batch 2/2: [0-9]+ tags, [0-9]+ converted \([0-9]+ reusing another tag.s conversion\), 0 already done, 0 failed' migrate.log
grep -q "converted: 13 (" migrate.log
# Verified: what image_convert did not confirm itself (all of it with imagefleet_verify_all), never a bad one.
grep -Eq 'verified: [0-9]+ good, 0 bad' migrate.log
ansible-playbook "${HERE}/dests.yml" -e "${DESTS}" -e expect_exists=true -e "mapping_file=${WORK}/report/mapping.json" "$@"
[ "$(json report/audit.json 'd["totals"]["needs_conversion"], d["totals"]["by_status"]')" = "0 {'done': 13}" ]
[ "$(wc -l <report/mapping.csv)" = 14 ]
"${PYTHON}" "${HERE}/check_mapping.py" report
# History: the --check run (everything left), then this run (nothing left; its counts).
[ "$(json report/history.json '[(e["left_tags"], e.get("converted")) for e in d]')" = "[(11, None), (0, 13)]" ]
cp report/audit.json audit.first.json
# Outside check mode the audit asks for no layer size (no blob HEAD, no config GET): the report weighs the images
# with the sizes image_convert's results give, and finds the same as the check run's audit did with its HEADs.
sizes() { json "$1" 'sorted((i["src"], i["size"], i["created"] if i["legacy"] else "-") for i in d["images"])'; }
[ "$(sizes audit.first.json)" = "$(sizes audit.check.json)" ]
[ "$(json audit.first.json 'd["summary"]["bytes"]["images_with_unknown_sizes"], d["summary"]["bytes"]["done"] > 0')" = "0 True" ]

# --- the modules run in the worker process on the controller, as a module process elsewhere: one result ---------
REFS="$("${PYTHON}" -c 'import json,sys; print(json.dumps({"refs": sys.argv[1:]}))' "${REG}"/legacy/{multi:1,single:1} \
    "${REG}/converted/legacy/single:1" "${REG}/no/such:1")"
ansible-playbook -vvv "${HERE}/in_process.yml" -e "${REFS}" "$@" >in_process.log
grep -q 'imagefleet.registry.image_manifest_info runs in the worker process' in_process.log
grep -q 'imagefleet.registry.image_manifest_info runs as a module process (a task environment)' in_process.log

# --- migrate again: nothing changes, not even the reports ------------------------------------------------------
MARK="$(mark)"
play migrate -e @rules.yml "$@" | tee again.log
grep -Eq '^localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 ' again.log
cmp report/audit.json audit.first.json
# Two requests per image, the source's and the destination's manifest GET; besides them only the rules' expansion
# (catalog, tag lists): no blob HEAD for sizes, no config GET, and no GET /v2/ ping (each module's first request
# to the registry stands in for it).
kinds_since "${MARK}" | tee again.kinds
json again.kinds 'd.pop("GET manifests"), sorted(d)' | tee again.counts
[ "$(cat again.counts)" = "26 ['GET tags', 'catalog']" ]
# ... and in check mode neither, writing nothing
WRITES="$(writes)"
play migrate -e @rules.yml --check "$@" | tee again-check.log
grep -Eq '^localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 ' again-check.log
[ "$(writes)" = "${WRITES}" ]

# --- verify: passes, also re-hashing every layer ----------------------------------------------------------------
play verify -e @rules.yml -e imagefleet_verify_deep=true "$@" | tee verify.log
grep -q 'verify: 13 destinations, 13 good, 0 bad (every layer re-hashed)' verify.log

# --- verify fails on a schema 1 destination and on a missing one, naming each and why ---------------------------
cat >bad.yml <<VARS
imagefleet_images:
  - {src: "${REG}/legacy/single:1", dest: "${REG}/converted/legacy/single:1"}
  - {src: "${REG}/legacy/single:1", dest: "${REG}/legacy/multi:1"}
  - {src: "${REG}/legacy/single:1", dest: "${REG}/nowhere/missing:1"}
VARS
if play verify -e @bad.yml "$@" >bad.log 2>&1; then cat bad.log; exit 1; fi
cat bad.log
grep -q "verification failed: ${REG}/legacy/multi:1: is still Docker schema 1 (v2s1), not v2s2" bad.log
grep -q "verification failed: ${REG}/nowhere/missing:1: does not exist" bad.log
if grep -q "verification failed: ${REG}/converted/legacy/single:1" bad.log; then exit 1; fi
grep -Eq '^localhost +: .*failed=1 ' bad.log

# --- imagefleet_select: only what the JMESPath expression chooses -----------------------------------------------
cat >select.yml <<VARS
imagefleet_sources:
  - {registry: "${REG}", repositories: ['legacy/single', 'modern/*'], tags: ['1'], dest_prefix: "${REG}/selected"}
imagefleet_select: "[?format=='v2s1' || format=='oci']"
imagefleet_report_dir: "${WORK}/report-select"
VARS
play migrate -e @select.yml "$@" | tee select.log
grep -Eq 'batch 1/1: 2 tags, 2 converted \(0 reusing another tag.s conversion\), 0 already done, 0 failed' select.log
[ "$(json report-select/mapping.json '[i["old_reference"] for i in d["images"]]')" = "['${REG}/legacy/single:1', '${REG}/modern/oci:1']" ]
"${PYTHON}" "${HERE}/check_mapping.py" report-select

# --- a destination without a tag: the source's tag, in the audit, the conversion, the verification and the mapping --
cat >untagged.yml <<VARS
imagefleet_images:
  - {src: "${REG}/legacy/single:2", dest: "${REG}/untagged/single"}
imagefleet_report_dir: "${WORK}/report-untagged"
VARS
play migrate -e @untagged.yml "$@" | tee untagged.log
grep -Eq 'batch 1/1: 1 tag, 1 converted \(0 reusing another tag.s conversion\), 0 already done, 0 failed' untagged.log
grep -Eq 'verified: [01] good, 0 bad' untagged.log
[ "$(json report-untagged/audit.json '[(i["dest"], i["status"]) for i in d["images"]]')" = "[('${REG}/untagged/single:2', 'done')]" ]
[ "$(json report-untagged/mapping.json '[i["new_reference"] for i in d["images"]]')" = "['${REG}/untagged/single:2']" ]
play migrate -e @untagged.yml "$@" | tee untagged-again.log
grep -Eq '^localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 ' untagged-again.log
play verify -e @untagged.yml "$@" | tee untagged-verify.log
grep -q 'verify: 1 destinations, 1 good, 0 bad' untagged-verify.log

# --- fleet mode: the registry_images inventory, --limit to a format group, destinations from a prefix -------------
cat >fleet.registry_images.yml <<VARS
plugin: imagefleet.registry.registry_images
registries:
  - url: "${REG}"
    repositories: ['legacy/*', 'modern/*']
    tags: ['1']
compose:
  imagefleet_dest_prefix: "'${REG}/fleet'"
VARS
ansible-playbook -i fleet.registry_images.yml "${ROOT}/playbooks/migrate.yml" --limit format_v2s1 \
    -e "imagefleet_report_dir=${WORK}/report-fleet" -e imagefleet_batch_size=2 -e imagefleet_verify_all=true "$@" | tee fleet.log
grep -Eq 'batch [23]/[23]: [0-9]+ tags, [0-9]+ converted' fleet.log
grep -q 'converted: 6 (' fleet.log
grep -q 'verify: 6 destinations, 6 good, 0 bad' fleet.log
"${PYTHON}" "${HERE}/check_mapping.py" report-fleet
[ "$(json report-fleet/audit.json 'd["totals"]["images"], d["totals"]["by_format"]')" = "6 {'v2s1': 6}" ]
ansible-playbook -i fleet.registry_images.yml "${ROOT}/playbooks/migrate.yml" --limit format_v2s1 \
    -e "imagefleet_report_dir=${WORK}/report-fleet" "$@" | tee fleet-again.log
grep -Eq ' : ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 ' fleet-again.log
ansible-playbook -i fleet.registry_images.yml "${ROOT}/playbooks/verify.yml" --limit format_v2s1 "$@" | tee fleet-verify.log
grep -q 'verify: 6 destinations, 6 good, 0 bad' fleet-verify.log
# Host names work in host patterns: one image by its name, with --limit and with ansible-inventory --host.
HOST="${REG//:/_}/legacy/single/1"
ansible-inventory -i fleet.registry_images.yml --list | "${PYTHON}" -c 'import json,sys; assert sys.argv[1] in json.load(sys.stdin)["_meta"]["hostvars"]' "${HOST}"
ansible-inventory -i fleet.registry_images.yml --host "${HOST}" >host.json
[ "$(json host.json 'd["imagefleet_ref"], d["imagefleet_format"]')" = "${REG}/legacy/single:1 v2s1" ]
ANSIBLE_HOST_PATTERN_MISMATCH=error ansible-playbook -i fleet.registry_images.yml "${ROOT}/playbooks/verify.yml" \
    --limit "${HOST}" "$@" | tee fleet-one.log
grep -q 'verify: 1 destinations, 1 good, 0 bad' fleet-one.log

# --- fleet mode with per-host destinations: a host's imagefleet_dest wins over the play-wide prefix ----------------
cat >fleet-own.registry_images.yml <<VARS
plugin: imagefleet.registry.registry_images
registries:
  - url: "${REG}"
    repositories: ['legacy/single']
    tags: ['1', '2']
compose:
  imagefleet_dest_prefix: "'${REG}/not-used'"
  imagefleet_dest: "'${REG}/own/' ~ imagefleet_repository ~ ':t' ~ imagefleet_tag"
VARS
ansible-playbook -i fleet-own.registry_images.yml "${ROOT}/playbooks/migrate.yml" --limit format_v2s1 \
    -e "imagefleet_report_dir=${WORK}/report-own" "$@" | tee own.log
grep -Eq 'batch 1/1: 2 tags, 2 converted \([01] reusing another tag.s conversion\), 0 already done, 0 failed' own.log
[ "$(json report-own/mapping.json 'sorted(i["new_reference"].split("@")[0] for i in d["images"])')" = "['${REG}/own/legacy/single:t1', '${REG}/own/legacy/single:t2']" ]

# --- output size: a 500-image audit with -v prints a bounded summary, not the images -------------------------------
# Per-image data goes to the report files; what is printed grows with the rules, not the images (4.5 KB measured
# here for one rule; 1,005 KB before, about 2 KB an image).
lab fleet --state "${WORK}/lab/state.json" --count 500 --base-mb 0.01 --own-mb 0.002 --prefix big >fleet500.json
cat >big.yml <<VARS
imagefleet_sources:
  - {registry: "${REG}", repositories: ['big/*'], dest_prefix: "${REG}/bigconverted"}
imagefleet_report_dir: "${WORK}/report-big"
VARS
play audit -e @big.yml -v >big-v.log 2>&1
[ "$(json report-big/audit.json 'd["totals"]["images"], d["totals"]["legacy"]')" = "500 500" ]
wc -c <big-v.log
[ "$(wc -c <big-v.log)" -lt 12000 ]
