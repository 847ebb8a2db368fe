# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Slicing helpers for slices.sh.

python slices.py split INVENTORY_LIST_JSON GROUP1 GROUP2 N OUT_PREFIX
    Hosts in both groups, dealt round-robin into N --limit files OUT_PREFIX<i>.txt (one name per line),
    so that tags of one repository (same blobs, same destination repository) land in different slices.
python slices.py results VARS_OUT SLICE_FILE RUN_OUTPUT [SLICE_FILE RUN_OUTPUT ...]
    Checks each run's output (default callback with ANSIBLE_SHOW_CUSTOM_STATS=true: the PLAY RECAP
    and migrate.yml's set_stats numbers): no failure, its own images converted, nothing else.
    Writes the test variables for slices_check.yml.
"""

from __future__ import annotations

import json
import re
import sys

_RECAP = re.compile(r'^(?P<host>\S+)\s+:\s+ok=\d+\s+changed=\d+\s+unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)')


def read_run(path):
    """(hosts in the PLAY RECAP that failed or were unreachable, the run's set_stats) from the output."""
    failed = []
    stats = None
    recap = False
    with open(path) as f:
        for line in f:
            if line.startswith('PLAY RECAP'):
                recap = True
            elif recap and _RECAP.match(line):
                match = _RECAP.match(line)
                if int(match.group('failed')) or int(match.group('unreachable')):
                    failed.append(match.group('host'))
            elif line.startswith('\tRUN: '):
                stats = json.loads(line[len('\tRUN: '):])
    assert recap, '%s: no PLAY RECAP' % path
    return failed, stats


def _name(host):
    """A host name from ansible-inventory --list; ansible-core before 2.19 writes unsafe strings as {"__ansible_unsafe": name}."""
    return host['__ansible_unsafe'] if isinstance(host, dict) else host


def split(listing, first, second, count, prefix):
    with open(listing) as f:
        inventory = json.load(f)
    hosts = sorted(set(map(_name, inventory[first]['hosts'])) & set(map(_name, inventory[second]['hosts'])))
    for index in range(int(count)):
        with open('%s%d.txt' % (prefix, index + 1), 'w') as f:
            f.write(''.join(host + '\n' for host in hosts[index::int(count)]))
    print('%d hosts in %s and %s, %d slices' % (len(hosts), first, second, int(count)))


def results(out, *pairs):
    slices = []
    for slice_file, run_output in zip(pairs[0::2], pairs[1::2]):
        with open(slice_file) as f:
            hosts = [line.strip() for line in f if line.strip()]
        failed, stats = read_run(run_output)
        assert not failed, '%s: failed hosts %s' % (slice_file, failed)
        assert stats, '%s: no set_stats from migrate.yml' % slice_file
        # Every image of the slice converted by this slice, nothing else, nothing failed.
        assert int(stats['imagefleet_images']) == len(hosts), (slice_file, stats, len(hosts))
        assert int(stats['imagefleet_converted']) == len(hosts), (slice_file, stats, len(hosts))
        assert int(stats['imagefleet_failed']) == 0, (slice_file, stats)
        assert int(stats['imagefleet_verified_bad']) == 0, (slice_file, stats)
        slices.append({'file': slice_file, 'hosts': hosts, 'stats': stats})
    everything = [host for item in slices for host in item['hosts']]
    assert len(everything) == len(set(everything)), 'slices overlap'
    with open(out, 'w') as f:
        json.dump({'slices': slices, 'sliced_images': sorted(everything)}, f, indent=2, sort_keys=True)
    print('%d slices, %d images, each converted by exactly one slice' % (len(slices), len(everything)))


if __name__ == '__main__':
    {'split': split, 'results': results}[sys.argv[1]](*sys.argv[2:])
