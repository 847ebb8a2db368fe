# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


import csv
import io
import json

from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.plan import audit_records
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.writers import render_all, render_directory, stable_generated_at, summarize

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
    # Legacy is schema 1 only: the OCI source (target v2s2) is to convert (left), not legacy.
    assert totals['legacy'] == 2 and totals['left'] == 2
    assert [r['registry'] for r in registries] == ['a.example.com', 'c.example.com']
    assert registries[0]['needs_conversion'] == 1


def test_reports_are_deterministic_and_self_contained():
    first = render_all(records(), '2026-01-01T00:00:00Z', mapping=True)
    assert first == render_all(list(reversed(records())), '2026-01-01T00:00:00Z', mapping=True)
    assert set(first) == {'audit.json', 'audit.md', 'audit.html', 'mapping.json', 'mapping.csv'}
    page = first['audit.html']
    # One file: inline script and SVG, nothing loaded from elsewhere.
    assert '<svg' in page and '<script>' in page and 'src=' not in page and '<link' not in page and 'http' not in page.replace(
        'http://www.w3.org/2000/svg', '')
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


REG = 'r.example.com'
OLD, NEW = 'sha256:' + '1' * 64, 'sha256:' + '2' * 64
HOST_ROWS = [
    {'host': 'web1', 'container': 'legacy', 'image': REG + '/legacy/app:1', 'image_digest': '%s/legacy/app@%s' % (REG, OLD),
     'format': 'v2s1', 'replacement': None, 'error': None},
    {'host': 'web1', 'container': None, 'image': REG + '/converted/app:1', 'image_digest': '%s/converted/app@%s' % (REG, NEW),
     'format': 'v2s2', 'replacement': None, 'error': None},
    {'host': 'web2', 'container': None, 'image': None, 'image_digest': None, 'format': None, 'replacement': None,
     'error': 'The container engine socket /run/docker.sock does not exist'},
]
MAPPING_JSON = json.dumps({'schema': 'imagefleet.registry/mapping/v1', 'images': [
    {'old_reference': REG + '/legacy/app:1', 'old_digest': OLD, 'new_reference': REG + '/converted/app:1', 'new_digest': NEW}]})


def test_hosts_alone_give_hosts_reports_and_a_page_with_only_the_hosts_section():
    files, facts = render_directory({}, 'now', hosts=HOST_ROWS)
    assert set(files) == {'hosts.json', 'hosts.md', 'audit.html'}
    rows = json.loads(files['hosts.json'])
    assert [r['replacement'] for r in rows] == [None, None, None]
    assert 'Hosts running legacy images' in files['audit.html'] and 'Tags per registry' not in files['audit.html']
    assert '| legacy | `r.example.com/legacy/app:1` | `sha256:111111111111` | not converted yet |' in files['hosts.md']
    assert 'web2 | - | `-` | The container engine socket /run/docker.sock does not exist |' in files['hosts.md']
    totals = {'hosts': 2, 'hosts_failed': 1, 'hosts_with_legacy': 1, 'containers': 1, 'legacy_containers': 1, 'images': 2,
              'legacy_images': 1, 'unknown': 0}
    assert facts == {'generated_at': None, 'host_totals': totals}
    assert files == render_directory({}, 'later', hosts=list(reversed(HOST_ROWS)))[0]


def test_replacements_come_from_the_directory_mapping():
    files = render_directory({'mapping.json': MAPPING_JSON}, 'now', hosts=HOST_ROWS)[0]
    assert json.loads(files['hosts.json'])[0]['replacement'] == '%s/converted/app:1@%s' % (REG, NEW)
    assert '<code>r.example.com/converted/app:1@%s</code>' % NEW in files['audit.html']


def test_each_run_keeps_the_other_part_of_the_page():
    audit_files = render_all(records(), '2026-01-01T00:00:00Z', mapping=True)
    # audit_hosts after an audit: the registry audit stays on the page.
    previous = dict(audit_files)
    files, facts = render_directory(previous, 'now', hosts=HOST_ROWS)
    assert set(files) == {'hosts.json', 'hosts.md', 'audit.html'}
    assert 'Tags per registry' in files['audit.html'] and 'Hosts running legacy images' in files['audit.html']
    assert facts['generated_at'] == '2026-01-01T00:00:00Z'
    # A migrate run after it: the hosts section stays, and the new mapping refreshes the replacements.
    previous.update(files)
    previous['mapping.json'] = None
    again, _facts = render_directory(previous, 'later', records=records(), mapping=True)
    assert 'Hosts running legacy images' in again['audit.html']
    assert json.loads(again['audit.json'])['generated_at'] == '2026-01-01T00:00:00Z'
    assert json.loads(again['hosts.json']) == json.loads(files['hosts.json'])
    with_mapping, _facts = render_directory(dict(previous, **{'mapping.json': MAPPING_JSON}), 'later', records=records())
    assert json.loads(with_mapping['hosts.json'])[0]['replacement'].endswith(NEW)


def test_unreadable_previous_parts_are_left_out():
    previous = {'audit.json': '{"schema": "other"}', 'hosts.json': '[{"image": "no host"}]'}
    files, facts = render_directory(previous, 'now', hosts=None, records=None)
    assert files == {} and facts == {'generated_at': None, 'host_totals': None}
    files = render_directory({'hosts.json': 'not json', 'mapping.json': '[]'}, 'now', hosts=HOST_ROWS)[0]
    assert json.loads(files['hosts.json'])[0]['replacement'] is None


def test_hosts_section_escapes_and_says_when_nothing_is_legacy():
    rows = [dict(HOST_ROWS[1], host='<h>', image='<img>')]
    page = render_directory({}, 'now', hosts=rows)[0]['audit.html']
    assert '<h>' not in page and '<img>' not in page and '&lt;img&gt;' not in page  # only legacy and unknown rows are listed
    assert 'None: no host holds a schema 1 image.' in page
    page = render_directory({}, 'now', hosts=[dict(HOST_ROWS[0], host='<h>', image='<img>')])[0]['audit.html']
    assert '<h3>&lt;h&gt;</h3>' in page and '&lt;img&gt;' in page and '<img>' not in page


def test_registry_text_is_escaped_in_every_written_report():
    recs = records()
    for record in recs:  # registry text where a registry could put it, as finished conversions (the mapping lists them)
        record.update(src=record['src'] + '`|<script>alert(1)\x1b[31m', dest='=HYPERLINK("http://evil")', digest='+sha256:\n1',
                      status='done', dest_digest='-1+2', dest_format='v2s2', format='v2s1', exists=True,
                      registry='reg|<b>\x1b')
    files = render_all(recs, 'now', mapping=True)
    for name in ('audit.md', 'audit.html', 'mapping.csv'):
        assert '\x1b' not in files[name] and (name == 'mapping.csv' or '<script>alert' not in files[name]), name
    assert 'reg\\|&lt;b&gt;\\\\x1b' in files['audit.md']  # the escape's backslash, itself escaped for Markdown
    assert 'reg|&lt;b&gt;\\x1b' in files['audit.html']
    cells = [cell for row in csv.reader(io.StringIO(files['mapping.csv'])) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ('=', '+', '-', '@', '\t', '\r')]


def test_hosts_markdown_escapes_registry_and_engine_text():
    rows = [dict(HOST_ROWS[0], host='h|<b>', container='c\x1b[2J', error=None)]
    text = render_directory({}, 'now', hosts=rows)[0]['hosts.md']
    assert '\x1b' not in text and '<b>' not in text and '## h\\|&lt;b&gt;' in text
