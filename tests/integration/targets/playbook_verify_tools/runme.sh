#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# verify.yml with imagefleet_verify_tools, on a private lab registry (started here, stopped on exit): each destination
# is read again with Debian's real skopeo (and a stand-in crane) and must agree with the registry API. It passes on
# converted images (v2s2, a manifest list, OCI), fails on a schema 1 one, fails naming the tool and the image when a
# tool reads something else or fails, and fails early, saying how to install it, when a tool is missing.
#
# crane cannot be installed here (no release downloads): the crane on PATH in this test is a stand-in script that
# answers `crane manifest [--insecure] REF` with `skopeo inspect --raw`, which prints the same raw bytes.

set -eu -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/integration/targets/setup_lab_shell/lab.sh
source "${HERE}/../setup_lab_shell/lab.sh" playbook_verify_tools

command -v skopeo >/dev/null || { echo "skopeo is needed (hacking/ensure-tools.sh)" >&2; exit 1; }

set -x
cd "${WORK}"
lab_up lab >lab.json
REG="$(json lab.json 'd["registry"]')"
must_fail() { if "$@" >fail.log 2>&1; then cat fail.log; exit 1; fi; cat fail.log; }

# Stand-in crane programs, each in its own directory put on PATH when wanted.
mkdir -p crane-standin crane-liar crane-broken
cat >crane-standin/crane <<'SH'
#!/bin/sh
# Stand-in for `crane manifest [--insecure] REF` (real crane cannot be installed here): skopeo prints the same raw bytes.
[ "$1" = manifest ] || { echo "stand-in crane: only 'manifest' is supported" >&2; exit 2; }
shift
tls=true
[ "$1" = --insecure ] && { tls=false; shift; }
exec skopeo inspect --raw --tls-verify="${tls}" "docker://$1"
SH
cat >crane-liar/crane <<SH
#!/bin/sh
# A crane that reads every image as the schema 1 ${REG}/legacy/multi:1.
exec skopeo inspect --raw --tls-verify=false "docker://${REG}/legacy/multi:1"
SH
cat >crane-broken/crane <<'SH'
#!/bin/sh
echo 'Error: GET https://example.invalid/v2/: unexpected status code 503 Service Unavailable' >&2
exit 1
SH
chmod +x crane-*/crane

# --- convert a few images: schema 1 (two shapes) and a manifest list to v2s2, schema 1 to OCI ---------------------
cat >images.yml <<VARS
imagefleet_images:
  - {src: "${REG}/legacy/single:1", dest: "${REG}/converted/legacy/single:1"}
  - {src: "${REG}/legacy/multi:1", dest: "${REG}/converted/legacy/multi:1"}
  - {src: "${REG}/modern/list:1", dest: "${REG}/converted/modern/list:1"}
  - {src: "${REG}/legacy/repeated:1", dest: "${REG}/converted-oci/legacy/repeated:1", format: oci}
imagefleet_report_dir: "${WORK}/report"
VARS
play migrate -e @images.yml "$@" | tee migrate.log
grep -q 'verified: 4 good, 0 bad (4 confirmed by image_convert as pushed, 0 read again)' migrate.log

# --- verify with skopeo: passes on the converted images, the OCI one included ----------------------------------------
play verify -e @images.yml -e '{"imagefleet_verify_tools": ["skopeo"]}' "$@" | tee skopeo.log
grep -q 'verify: 4 destinations, 4 good, 0 bad, cross-checked with skopeo' skopeo.log

# ... also given as a string on the command line, with crane as well
PATH="${WORK}/crane-standin:${PATH}" play verify -e @images.yml -e imagefleet_verify_tools=skopeo,crane "$@" | tee both.log
grep -q 'verify: 4 destinations, 4 good, 0 bad, cross-checked with skopeo and crane' both.log

# ... and on unconverted OCI images and an OCI index, verified as OCI destinations
cat >oci.yml <<VARS
imagefleet_images:
  - {src: "${REG}/modern/oci:1", dest: "${REG}/modern/oci:1", format: oci}
  - {src: "${REG}/modern/index:1", dest: "${REG}/modern/index:1", format: oci}
VARS
play verify -e @oci.yml -e '{"imagefleet_verify_tools": ["skopeo"]}' "$@" | tee oci.log
grep -q 'verify: 2 destinations, 2 good, 0 bad, cross-checked with skopeo' oci.log

# --- verify with skopeo fails on a schema 1 destination, naming it; the good one stays good --------------------------
cat >schema1.yml <<VARS
imagefleet_images:
  - {src: "${REG}/legacy/single:1", dest: "${REG}/converted/legacy/single:1"}
  - {src: "${REG}/legacy/multi:1", dest: "${REG}/legacy/multi:1"}
VARS
must_fail play verify -e @schema1.yml -e '{"imagefleet_verify_tools": ["skopeo"]}' "$@"
grep -q 'verify: 2 destinations, 1 good, 1 bad, cross-checked with skopeo' fail.log
grep -q "verification failed: ${REG}/legacy/multi:1: is still Docker schema 1 (v2s1), not v2s2" fail.log
if grep -q "verification failed: ${REG}/converted/legacy/single:1" fail.log; then exit 1; fi
ansible-playbook "${HERE}/tool_facts.yml" -e "reg=${REG}" "$@"

# --- a tool that reads something else, or fails, is a problem naming the tool and the image --------------------------
PATH="${WORK}/crane-liar:${PATH}" must_fail play verify -e @schema1.yml -e imagefleet_verify_tools=crane "$@"
grep -q "verification failed: ${REG}/converted/legacy/single:1: crane reads it as v2s1, not v2s2 as read from the registry API" fail.log
# (the schema 1 destination is the image this crane reads, so crane agrees with us on it)
grep -Eq "verification failed: ${REG}/legacy/multi:1: is still Docker schema 1 \(v2s1\), not v2s2[\"']" fail.log

PATH="${WORK}/crane-broken:${PATH}" must_fail play verify -e @images.yml -e imagefleet_verify_tools=crane "$@"
grep -q "verification failed: ${REG}/converted/legacy/single:1: crane failed (exit 1): Error: GET https://example.invalid/v2/: unexpected status code 503" fail.log
grep -q 'verify: 4 destinations, 0 good, 4 bad, cross-checked with crane' fail.log

# --- over verified TLS with a private CA and credentials: skopeo gets --cert-dir and a private auth file ------------
lab_up tls-lab --tls --auth htpasswd --user alice --password 'pa ss:w0rd' >tls-lab.json
TLS_REG="$("${PYTHON}" -c 'import json,sys; print(json.load(open(sys.argv[1]))["registry"])' tls-lab.json)"
TLS_CA="$("${PYTHON}" -c 'import json,sys; print(json.load(open(sys.argv[1]))["ca_path"])' tls-lab.json)"
cat >tls.yml <<VARS
imagefleet_images:
  - {src: "${TLS_REG}/modern/v2s2:1", dest: "${TLS_REG}/modern/v2s2:1"}
  - {src: "${TLS_REG}/modern/index:1", dest: "${TLS_REG}/modern/index:1", format: oci}
imagefleet_registry_options:
  ca_path: "${TLS_CA}"
  registry_credentials: [{registry: "${TLS_REG}", username: alice, password: "pa ss:w0rd"}]
imagefleet_verify_tools: [skopeo]
VARS
play verify -e @tls.yml "$@" | tee tls.log
grep -q 'verify: 2 destinations, 2 good, 0 bad, cross-checked with skopeo' tls.log

# --- a missing tool fails before anything is verified, saying how to install it --------------------------------------
must_fail play verify -e @images.yml -e imagefleet_verify_tools=crane "$@"
grep -q 'crane is not installed on the host this task runs on' fail.log
grep -q 'install it with the imagefleet.registry.crane role' fail.log
grep -q 'imagefleet.registry.install_tools' fail.log
must_fail play verify -e @images.yml -e imagefleet_verify_tools=regctl "$@"
# The playbook refuses it before anything is verified (its variables are checked first).
grep -q "\`imagefleet_verify_tools\[0\]\` must be one of skopeo, crane, got a string 'regctl'" fail.log
