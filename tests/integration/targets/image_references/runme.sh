#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# image_references_info and image_references, and the audit_workloads and rewrite_references playbooks, on a GitOps
# tree (files/gitops, as NAME.in templates: manifests with comments and several documents, a Helm chart's values, a
# kustomization, a compose file, multi-stage Dockerfiles) referencing the images of a private lab registry (started
# here, stopped on exit):
# every reference found at its line with the format the registry gives; recorded live objects giving the same rows;
# a migration (migrate.yml on the lab), then --check --diff showing the edits and writing nothing, the rewrite changing
# only the bytes of the references (every file compared with its references masked), a second run changing nothing;
# and bad input (unreadable files, invalid YAML, invalid references) reported per file and line, never written.

set -eu -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/integration/targets/setup_lab_shell/lab.sh
source "${HERE}/../setup_lab_shell/lab.sh" image_references

set -x
cd "${WORK}"
lab_up lab >lab.json
REG="$(json lab.json 'd["registry"]')"
recap_unchanged() { grep -Eq '^localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 ' "$1"; }

# The tree, the expected references and the live objects, with the lab's address and digests in place of placeholders;
# one manifest with CRLF line endings; a Helm template (not YAML before rendering, left out by exclude).
"${PYTHON}" - "${HERE}/files" "${WORK}" lab.json <<'PY'
import json
import os
import shutil
import sys

files, work, lab = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
fixtures = lab['fixtures']
values = {'LAB_REGISTRY': lab['registry'], 'MULTI_DIGEST': fixtures['v2s1_multi']['digest'],
          'REPEATED_DIGEST': fixtures['v2s1_repeated']['digest'], 'DUPID_DIGEST': fixtures['v2s1_dupid']['digest'],
          'SINGLE_DIGEST': fixtures['v2s1_single']['digest'],
          'V2S2_DIGEST': fixtures['v2s2']['digest'], 'GITOPS': os.path.join(work, 'gitops')}


def substitute(text):
    for key, value in values.items():
        text = text.replace(key, value)
    return text


shutil.copytree(os.path.join(files, 'gitops'), os.path.join(work, 'gitops'))
for folder, _dirs, names in os.walk(os.path.join(work, 'gitops')):
    for name in names:    # templates: NAME.in (yamllint would take the multi-document manifests for playbooks)
        path = os.path.join(folder, name)
        text = substitute(open(path).read())
        os.remove(path)
        if name == 'jobs.yaml.in':
            text = text.replace('\n', '\r\n')
        with open(path[:-len('.in')], 'w', newline='') as handle:
            handle.write(text)
import yaml  # noqa: E402 (PyYAML comes with ansible-core)
expected = yaml.safe_load(substitute(open(os.path.join(files, 'expected.yml')).read()))
objects = json.loads(substitute(open(os.path.join(files, 'live.json')).read()))
json.dump({'registry': lab['registry'], 'gitops': os.path.join(work, 'gitops'), 'expected': expected, 'live': objects,
           'digests': dict((key, value) for key, value in values.items() if key.endswith('_DIGEST'))},
          open(os.path.join(work, 'vars.json'), 'w'), indent=1)
json.dump({'imagefleet_workload_objects': objects}, open(os.path.join(work, 'live-vars.json'), 'w'))
# The expected lines hold what they claim to (an oracle independent of the scanner): the image's name is on that line,
# or on the next one for a map (Helm, Kustomize) or a block scalar, which are reported where they start.
for source, line, kind, _workload, _container, image, _status, _format in expected:
    lines = open(source, newline='').read().split('\n')
    window = lines[line - 1] if kind in ('dockerfile', 'compose') else ' '.join(lines[line - 1:line + 1])
    name = image.split('/')[-1].split('@')[0].split(':')[0]
    assert name in window, (source, line, image, window)
PY
mkdir -p gitops/charts/shop/templates
cat >gitops/charts/shop/templates/deployment.yaml <<'TPL'
{{- if .Values.backend.enabled }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "shop.fullname" . }}
spec:
  template:
    spec:
      containers:
        - name: backend
          image: "{{ .Values.backend.image.registry }}/{{ .Values.backend.image.repository }}:{{ .Values.backend.image.tag }}"
{{- end }}
TPL
ansible-playbook "${HERE}/test.yml" -e @vars.json -e phase=scan "$@"

# --- a migration on the lab writes mapping.json (legacy/dupid:1 stays unconverted) -------------------------------
cat >migrate.yml <<VARS
imagefleet_images:
  - {src: "${REG}/legacy/multi:1", dest: "${REG}/converted/multi:1"}
  - {src: "${REG}/legacy/multi:2", dest: "${REG}/converted/multi:2"}
  - {src: "${REG}/legacy/single:2", dest: "${REG}/converted/single:2"}
  - {src: "${REG}/legacy/repeated:1", dest: "${REG}/converted/repeated:1"}
imagefleet_report_dir: "${WORK}/report"
VARS
play migrate -e @migrate.yml "$@" | tee migrate.log
[ "$(json report/mapping.json 'len(d["images"])')" = 4 ]

# --- rewrite --check --diff: the edits shown, nothing written ------------------------------------------------------
cp -a gitops gitops.before
REWRITE=(-e "{\"imagefleet_workload_paths\": [\"${WORK}/gitops\"], \"imagefleet_workload_exclude\": [\"*/templates/*\"]}"
         -e "imagefleet_report_dir=${WORK}/report")
play rewrite_references "${REWRITE[@]}" --check --diff "$@" | tee check.log
diff -r gitops.before gitops
grep -q "14 references would move in 7 files; 2 to edit by hand" check.log
grep -Fq -- "-          image: \"${REG}/legacy/single:2\"     # schema migrations, run before the app" check.log
grep -Fq -- "+          image: \"${REG}/converted/single:2\"     # schema migrations, run before the app" check.log
grep -Fq -- "+    ${REG}/converted/multi@$(json report/mapping.json '[i["new_digest"] for i in d["images"] if i["old_reference"].endswith("multi:1")][0]') AS release" check.log

# --- the rewrite: only the bytes of the references change ----------------------------------------------------------
play rewrite_references "${REWRITE[@]}" "$@" | tee rewrite.log
grep -q "14 references moved in 7 files; 2 to edit by hand" rewrite.log
"${PYTHON}" - gitops.before gitops report/mapping.json <<'PY'
import json
import os
import re
import sys

before_root, after_root = sys.argv[1], sys.argv[2]
mapping = json.load(open(sys.argv[3]))['images']
# Mask what a rewrite may change: the repository of a legacy reference, and the digests of the mapping.
digests = [e['old_digest'] for e in mapping] + [e['new_digest'] for e in mapping]
changed = 0
for folder, _dirs, names in os.walk(before_root):
    for name in names:
        path = os.path.join(folder, name)
        before = open(path, 'rb').read()
        after = open(os.path.join(after_root, os.path.relpath(path, before_root)), 'rb').read()

        def mask(data):
            for digest in digests:
                data = data.replace(digest.encode(), b'<DIGEST>')
            return re.sub(rb'(legacy|converted)/(multi|single|repeated)\b', rb'<REPO>', data)
        assert mask(before) == mask(after), path
        changed += before != after
        assert before.count(b'\r\n') == after.count(b'\r\n'), path
print('files changed:', changed)
assert changed == 7, changed
PY
ansible-playbook "${HERE}/test.yml" -e @vars.json -e phase=rewritten "$@"
# A second run changes nothing, in check mode neither.
play rewrite_references "${REWRITE[@]}" "$@" | tee again.log
recap_unchanged again.log
play rewrite_references "${REWRITE[@]}" --check --diff "$@" | tee again-check.log
recap_unchanged again-check.log

# --- audit_workloads: files and live objects -> workloads.json, workloads.csv, audit.html; changed=0 on a re-run --------
AUDIT=(-e "{\"imagefleet_workload_paths\": [\"${WORK}/gitops\"], \"imagefleet_workload_exclude\": [\"*/templates/*\"]}"
       -e @live-vars.json -e "imagefleet_report_dir=${WORK}/report")
play audit_workloads "${AUDIT[@]}" "$@" | tee audit.log
grep -q "40 image references in 9 files and 4 live objects: 11 to schema 1 images in 7 workloads, 5 unresolved, 0 invalid, 0 of unknown format" audit.log
grep -q 'Workloads referencing legacy images' report/audit.html
grep -q 'id="registries"' report/audit.html      # the migration's audit is still there
[ "$(wc -l <report/workloads.csv)" = 41 ]
ansible-playbook "${HERE}/test.yml" -e @vars.json -e phase=report -e "report_dir=${WORK}/report" "$@"
play audit_workloads "${AUDIT[@]}" "$@" | tee audit-again.log
recap_unchanged audit-again.log

# --- bad input: reported per file and line, nothing written to a file that could not be parsed -------------------------
mkdir bad
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers:\n    - {name: a, image: %s/legacy/multi:1}\n---\nkind: [\n' "${REG}" >bad/invalid.yaml
printf 'image: %s/legacy/multi:1\n\xff\xfe\n' "${REG}" >bad/binary.yaml
ln -s "${WORK}/nowhere.yaml" bad/gone.yaml
printf 'app:\n  image: "Legacy App:1"\nok:\n  image: %s/legacy/multi:1\n' "${REG}" >bad/values.yaml
printf 'FROM\nFROM %s/legacy/multi:1\n' "${REG}" >bad/Dockerfile
cp -a bad bad.before
ansible-playbook "${HERE}/test.yml" -e @vars.json -e phase=bad -e "bad=${WORK}/bad" "$@"
if play rewrite_references -e "{\"imagefleet_workload_paths\": [\"${WORK}/bad\"]}" -e "imagefleet_report_dir=${WORK}/report" \
       -e imagefleet_backup=true "$@" >bad.log 2>&1; then
    cat bad.log; exit 1
fi
cat bad.log
if grep -q Traceback bad.log; then exit 1; fi
grep -q "2 references moved in 2 files; 0 to edit by hand" bad.log
cmp bad/invalid.yaml bad.before/invalid.yaml
cmp bad/binary.yaml bad.before/binary.yaml
grep -q "${REG}/converted/multi:1" bad/values.yaml
grep -q "Legacy App:1" bad/values.yaml
# backup: the files written were kept as they were (module.backup_local names them FILE.PID.DATE~).
cmp bad.before/values.yaml bad/values.yaml.*~
cmp bad.before/Dockerfile bad/Dockerfile.*~
[ "$(find bad -name '*~' | wc -l)" = 2 ]
