# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks audit_hosts' report on the containerd node (run by runme.sh).

check_report.py REPORT_DIR SCHEMA1_REF SCHEMA1_DIGEST CONVERTED_REF SOCKET ABSENT_SOCKET fine|stale

fine: the tag still holds the schema 1 image; the broken hosts are in the report too.
stale: the tag was converted in place since; the node has not pulled it again.
"""

import json
import sys

report, schema1, schema1_digest, converted, sock, absent, case = sys.argv[1:8]
rows = json.load(open(report + '/hosts.json'))
mapping = json.load(open(report + '/mapping.json'))['images']
entry = next(e for e in mapping if e['old_reference'] == schema1 and e['new_reference'] == converted)
repository = schema1.rsplit(':', 1)[0]
by = dict(((r['host'], r['container'] or r['image']), r) for r in rows)
legacy, fine = by[('node-1', 'shop/web-0/app')], by[('node-1', 'shop/web-1/app')]
assert legacy['image'] == schema1 and legacy['format'] == 'v2s1', legacy
assert fine['image'] == converted and fine['format'] == 'v2s2' and fine['error'] is None, fine
assert fine['image_digest'] == converted.rsplit(':', 1)[0] + '@' + entry['new_digest'] and fine['replacement'] is None, fine
node_rows = [r for r in rows if r['host'] == 'node-1']
assert len(node_rows) == 2, node_rows      # the containers; their images (and the CRI's id records) are not repeated
if case == 'fine':
    # Judged by its source: the tag it was pulled from is schema 1; the replacement is migrate's conversion.
    assert legacy['image_digest'] == '%s@%s' % (repository, schema1_digest) and legacy['error'] is None, legacy
    assert legacy['replacement'] == '%s@%s' % (entry['new_reference'], entry['new_digest']), legacy
    errors = dict((r['host'], r['error']) for r in rows if r['host'] != 'node-1')
    assert sorted(errors) == ['node-absent', 'node-badns', 'node-nobody'], rows
    assert all(r['image'] is None and r['container'] is None for r in rows if r['host'] != 'node-1'), rows
    assert absent in errors['node-absent'] and 'does not exist' in errors['node-absent'], errors
    assert 'Permission denied' in errors['node-nobody'] and sock in errors['node-nobody'], errors
    assert "no namespace 'kube-system'" in errors['node-badns'], errors
    markdown = open(report + '/hosts.md').read()
    assert '## node-1' in markdown and 'shop/web-0/app' in markdown and legacy['replacement'] in markdown, markdown
    assert 'shop/web-1/app' not in markdown, markdown
else:
    # The tag now resolves to its in-place conversion (the same bytes as migrate's), which the node has not pulled: still
    # flagged, saying so; what it holds is its own copy (a digest no registry has); the replacement is found by its tag.
    assert legacy['image_digest'].startswith(repository + '@sha256:') and legacy['image_digest'] != '%s@%s' % (
        repository, schema1_digest), legacy
    assert legacy['error'] == ('converted from schema 1 on pull; %s now resolves to %s@%s (v2s2), which this node has not'
                               ' pulled again' % (schema1, repository, entry['new_digest'])), legacy
    assert legacy['replacement'] == '%s@%s' % (entry['new_reference'], entry['new_digest']), legacy
print('%s: %d rows, as expected' % (report, len(rows)))
