#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The registry_images inventory plugin against two real registries on loopback:
# two lab instances of their own (fixtures of every format, plus a synthetic
# schema 1 fleet in each: 200 + 40 tags), in a temporary directory, stopped and
# removed on exit whatever happens.
#
#  1. ansible-inventory --graph shows the format and registry groups; a playbook
#     checks group sizes, host variables, compose/groups/keyed_groups and that
#     image hosts run tasks on the controller.
#  2. slices.sh (when playbooks/migrate.yml has its fleet mode): three disjoint
#     --limit partitions of format_v2s1 migrated at the same time.
#  3. The cache: a second load with both registries stopped still has every host.

set -eu

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/integration/targets/setup_lab_shell/lab.sh
source "${HERE}/../setup_lab_shell/lab.sh" inventory_registry_images
# An inventory source that fails to parse is an error here, not a warning and an empty inventory.
export ANSIBLE_INVENTORY_UNPARSED_FAILED=true
export ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true
export ANSIBLE_HOST_PATTERN_MISMATCH=error

set -x
mkdir -p "${WORK}/a" "${WORK}/b" "${WORK}/cache"
# Small layers: this is about listing and manifests, not bytes.
lab_up a >"${WORK}/a/up.json"
lab fleet --state "${WORK}/a/state.json" --count 50 --tags-per-repo 4 --base-mb 0.2 --own-mb 0.05 >"${WORK}/a/fleet.json"
lab_up b >"${WORK}/b/up.json"
lab fleet --state "${WORK}/b/state.json" --count 20 --tags-per-repo 2 --prefix legacy --base-mb 0.2 --own-mb 0.05 \
    >"${WORK}/b/fleet.json"
"${PYTHON}" "${HERE}/expected.py" "${WORK}/a/up.json" "${WORK}/a/fleet.json" "${WORK}/b/up.json" "${WORK}/b/fleet.json" \
    "${WORK}/vars.json"
REGISTRY_A="$(json "${WORK}/vars.json" 'd["registry_a"]')"
REGISTRY_B="$(json "${WORK}/vars.json" 'd["registry_b"]')"

INVENTORY="${WORK}/fleet.registry_images.yml"
cat >"${INVENTORY}" <<YAML
plugin: imagefleet.registry.registry_images
registries:
  - url: ${REGISTRY_A}
  - url: http://${REGISTRY_B}
    repositories: ['legacy/*', 'modern/*']
parallel: 16
strict: true
# The checks here key hosts by their reference; the default, pattern-safe names are tested in playbook_migrate.
host_names: reference
compose:
  imagefleet_dest_prefix: "'${REGISTRY_B}/converted'"
groups:
  multi_arch: imagefleet_format in ['v2s2_list', 'oci_index']
  needs_conversion: imagefleet_format == 'v2s1'
keyed_groups:
  - key: imagefleet_repository.split('/')[0]
    prefix: ns
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ${WORK}/cache
YAML

# 1. Groups and variables. --flush-cache: this load walks the registries and fills the cache.
ansible-inventory -i "${INVENTORY}" --graph --flush-cache >"${WORK}/graph.txt"
for group in format_v2s1 format_v2s2 format_oci format_v2s2_list format_oci_index \
             "registry_${REGISTRY_A//[.:]/_}" "registry_${REGISTRY_B//[.:]/_}" ns_fleet ns_legacy ns_modern multi_arch; do
    grep -q -- "--@${group}:" "${WORK}/graph.txt" || { echo "no group ${group} in --graph" >&2; cat "${WORK}/graph.txt" >&2; exit 1; }
done
ansible-playbook -i "${INVENTORY}" "${HERE}/check_inventory.yml" -e "@${WORK}/vars.json" "$@"

# 2. Three slices of the schema 1 images migrated at the same time.
if [ -f "${HERE}/slices.sh" ]; then
    INVENTORY="${INVENTORY}" WORK="${WORK}" REGISTRY_B="${REGISTRY_B}" ROOT="${ROOT}" bash "${HERE}/slices.sh" "$@"
fi

# 3. The cache: with both registries stopped, a second load has every host without walking anything.
ansible-inventory -i "${INVENTORY}" --list >"${WORK}/before.json"
lab down --state "${WORK}/a/state.json"
lab down --state "${WORK}/b/state.json"
ansible-inventory -i "${INVENTORY}" --list >"${WORK}/cached.json"
"${PYTHON}" - "${WORK}/before.json" "${WORK}/cached.json" "${WORK}/vars.json" <<'PY'
import json
import sys

before, cached, expected = (json.load(open(path)) for path in sys.argv[1:4])
hosts = sorted(cached['_meta']['hostvars'])
assert len(hosts) == expected['expected_hosts'], (len(hosts), expected['expected_hosts'])
assert hosts == sorted(before['_meta']['hostvars'])
assert sorted(cached['format_v2s1']['hosts']) == expected['expected_v2s1']
assert cached['_meta']['hostvars'] == before['_meta']['hostvars']
print('cache: %d hosts with both registries stopped' % len(hosts))
PY
# Without the cache the same file fails now: the load above did not walk by accident.
if ansible-inventory -i "${INVENTORY}" --list --flush-cache >/dev/null 2>"${WORK}/flush.err"; then
    echo "a load with --flush-cache and no registry did not fail" >&2
    exit 1
fi
grep -q "registry_images" "${WORK}/flush.err"
