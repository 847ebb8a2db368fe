# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test variables from the two labs' state and fleet JSON: registries, expected group sizes, fixtures.

python expected.py A_UP A_FLEET B_UP B_FLEET OUT
"""

from __future__ import annotations

import json
import re
import sys


def group(registry):
    return 'registry_' + re.sub(r'[^A-Za-z0-9_]', '_', registry)


def main(a_up, a_fleet, b_up, b_fleet, out):
    counts = dict(('format_' + name, 0) for name in ('v2s1', 'v2s2', 'oci', 'v2s2_list', 'oci_index'))
    refs = {}
    registries = []
    fixtures = {}
    for up_path, fleet_path, name in ((a_up, a_fleet, 'a'), (b_up, b_fleet, 'b')):
        with open(up_path) as f:
            lab = json.load(f)
        with open(fleet_path) as f:
            fleet = json.load(f)
        registry = lab['registry']
        registries.append(registry)
        mine = []
        for key, fixture in lab['fixtures'].items():
            for tag in fixture['tags']:
                ref = '%s/%s:%s' % (registry, fixture['repository'], tag)
                refs[ref] = fixture['format']
                mine.append(ref)
                counts['format_' + fixture['format']] += 1
            fixtures['%s_%s' % (name, key)] = {'ref': fixture['ref'], 'digest': fixture['digest'], 'format': fixture['format']}
        for ref in fleet['refs']:
            refs[ref] = 'v2s1'
            mine.append(ref)
            counts['format_v2s1'] += 1
        counts[group(registry)] = len(mine)
    result = {
        'registry_a': registries[0],
        'registry_b': registries[1],
        'expected_groups': counts,
        'expected_hosts': len(refs),
        'expected_v2s1': sorted(ref for ref, fmt in refs.items() if fmt == 'v2s1'),
        'fixtures': fixtures,
    }
    with open(out, 'w') as f:
        json.dump(result, f, indent=2, sort_keys=True)


if __name__ == '__main__':
    main(*sys.argv[1:6])
