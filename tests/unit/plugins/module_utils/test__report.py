# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


import csv
import io
import json

from ansible_collections.imagefleet.registry.plugins.module_utils._plan import audit_records
from ansible_collections.imagefleet.registry.plugins.module_utils._report import render_all, stable_generated_at, summarize

PLAN = [
    {'src': 'a.example.com/legacy/app:1', 'dest': 'b.example.com/legacy/app:1'},
    {'src': 'a.example.com/legacy/db:1', 'dest': 'b.example.com/legacy/db:1'},
    {'src': 'c.example.com/modern/web:2', 'dest': 'b.example.com/modern/web:2'},
    {'src': 'c.example.com/gone:1', 'dest': 'b.example.com/gone:1'},
]
INFOS = [
    {'reference': 'a.example.com/legacy/app:1', 'exists': True, 'format': 'v2s1', 'digest': 'sha256:' + '1' * 64},
    {'reference': 'b.example.com/legacy/app:1', 'exists': True, 'format': 'v2s2', 'digest': 'sha256:' + '2' * 64},
    {'reference': 'a.example.com/legacy/db:1', 'exists': True, 'format': 'v2s1', 'digest': 'sha256:' + '3' * 64},
    {'reference': 'c.example.com/modern/web:2', 'exists': True, 'format': 'oci', 'digest': 'sha256:' + '4' * 64},
    {'reference': 'c.example.com/gone:1', 'exists': False},
]


def records():
    return audit_records(PLAN, INFOS)


def test_totals_per_registry_and_format():
    totals, registries = summarize(records())
    assert totals['images'] == 4
    assert totals['by_format'] == {'v2s1': 2, 'oci': 1, 'missing': 1}
    assert totals['by_status'] == {'done': 1, 'needs_conversion': 2, 'missing_source': 1}
    assert totals['legacy'] == 3
    assert [r['registry'] for r in registries] == ['a.example.com', 'c.example.com']
    assert registries[0]['needs_conversion'] == 1


def test_reports_are_deterministic_and_self_contained():
    first = render_all(records(), '2026-01-01T00:00:00Z', mapping=True)
    assert first == render_all(list(reversed(records())), '2026-01-01T00:00:00Z', mapping=True)
    assert set(first) == {'audit.json', 'audit.md', 'audit.html', 'mapping.json', 'mapping.csv'}
    page = first['audit.html']
    assert '<svg' in page and '<script' not in page and 'src=' not in page and '<link' not in page
    assert json.loads(first['audit.json'])['totals']['needs_conversion'] == 2


def test_mapping_lists_converted_images_only():
    files = render_all(records(), 'now', mapping=True)
    rows = list(csv.DictReader(io.StringIO(files['mapping.csv'])))
    assert rows == [{'old_reference': 'a.example.com/legacy/app:1', 'old_digest': 'sha256:' + '1' * 64,
                     'new_reference': 'b.example.com/legacy/app:1', 'new_digest': 'sha256:' + '2' * 64}]
    assert json.loads(files['mapping.json'])['images'][0]['new_format'] == 'v2s2'


def test_html_escapes_registry_values():
    plan = [{'src': 'a.example.com/x:1', 'dest': None}]
    infos = [{'reference': 'a.example.com/x:1', 'exists': True, 'format': 'v2s1', 'digest': 'sha256:<i>'}]
    page = render_all(audit_records(plan, infos), '<now>')['audit.html']
    assert '<i>' not in page and '&lt;now&gt;' in page


def test_generated_at_kept_while_content_is_unchanged():
    old = render_all(records(), '2026-01-01T00:00:00Z')['audit.json']
    assert stable_generated_at(old, records(), 'later') == '2026-01-01T00:00:00Z'
    changed = records()[:2]
    assert stable_generated_at(old, changed, 'later') == 'later'
    assert stable_generated_at(None, records(), 'later') == 'later'
    assert stable_generated_at('not json', records(), 'later') == 'later'
