# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.writers import render_directory
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.workloads import (
    ROW_FIELDS,
    attach_formats,
    normalize_rows,
    references_to_ask,
    workload_totals,
    workloads_csv,
    workloads_html_section,
)
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.workload_scan import scan_text

REG = '127.0.0.1:5000'
OLD, NEW = 'sha256:' + '1' * 64, 'sha256:' + '2' * 64
TEXT = ("services:\n  web: {image: '%s/legacy/multi:1'}\n  pinned: {image: '%s/legacy/multi@%s'}\n"
        "  modern: {image: '%s/modern/v2s2:1'}\n  gone: {image: '%s/gone/app:1'}\n  env: {image: '${X}<b>'}\n"
        % (REG, REG, OLD, REG, REG))
INFOS = [
    {'reference': REG + '/legacy/multi:1', 'exists': True, 'format': 'v2s1', 'digest': OLD},
    {'reference': '%s/legacy/multi@%s' % (REG, OLD), 'exists': True, 'format': 'v2s1', 'digest': OLD},
    {'reference': REG + '/modern/v2s2:1', 'exists': True, 'format': 'v2s2', 'digest': 'sha256:' + '3' * 64},
    {'reference': REG + '/gone/app:1', 'exists': False},
]
MAPPING = {'schema': 'imagefleet.registry/mapping/v1', 'images': [
    {'old_reference': REG + '/legacy/multi:1', 'old_digest': OLD, 'new_reference': REG + '/converted/multi:1', 'new_digest': NEW}]}


def _rows():
    return attach_formats(scan_text('compose.yaml', TEXT), INFOS)


def test_rows_carry_formats_and_legacy_for_tags_and_schema1_pins():
    refs = scan_text('compose.yaml', TEXT)
    assert references_to_ask(refs) == sorted(info['reference'] for info in INFOS)
    rows = _rows()
    assert all(tuple(row) == ROW_FIELDS for row in rows)
    assert [(r['workload'], r['format'], r['legacy'], r['status']) for r in rows] == [
        ('web', 'v2s1', True, 'resolved'), ('pinned', 'v2s1', True, 'resolved'), ('modern', 'v2s2', False, 'resolved'),
        ('gone', None, False, 'resolved'), ('env', None, False, 'unresolved')]
    assert rows[3]['message'] == 'the registry does not have it (any more)'
    assert workload_totals(rows) == {'references': 5, 'sources': 1, 'legacy': 2, 'legacy_workloads': 2, 'unresolved': 1,
                                     'invalid': 0, 'unknown': 1}


def test_csv_and_escaped_html_section():
    rows = _rows()
    lines = workloads_csv(rows).splitlines()
    assert lines[0] == ','.join(ROW_FIELDS) and len(lines) == 6 and ',true,' in lines[1]
    section = workloads_html_section(rows)
    assert section.startswith('<p>References: 5 in 1 files')
    assert '${X}&lt;b&gt;' in section and '<b>' not in section
    assert 'not converted yet' in section


def test_html_section_shows_no_control_characters_from_a_workload():
    rows = _rows()
    rows[0] = dict(rows[0], workload='web\x1b[31m', container='a"b')
    section = workloads_html_section(rows)
    assert '\x1b' not in section and 'web\\x1b[31m' in section and 'a&quot;b' in section


def test_directory_keeps_workloads_and_takes_replacements_from_the_mapping():
    previous = {'mapping.json': json.dumps(MAPPING)}
    files, facts = render_directory(previous, '2026-01-01T00:00:00Z', workloads=_rows())
    rows = json.loads(files['workloads.json'])
    assert [r['replacement'] for r in rows[:2]] == [REG + '/converted/multi:1', '%s/converted/multi@%s' % (REG, NEW)]
    assert 'Workloads referencing legacy images' in files['audit.html'] and 'workloads.csv' in files
    assert facts['workload_totals']['legacy'] == 2
    # A later run bringing only hosts keeps the workloads section, unchanged.
    again, _facts = render_directory(dict(previous, **{'workloads.json': files['workloads.json']}), 'later', hosts=[])
    assert again['workloads.json'] == files['workloads.json']
    assert 'Workloads referencing legacy images' in again['audit.html']


def test_rows_need_a_source_and_a_status():
    with pytest.raises(ImagefleetError, match='row 0'):
        normalize_rows([{'image': 'x'}])
