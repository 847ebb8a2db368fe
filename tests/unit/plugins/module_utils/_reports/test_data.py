# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.plan import audit_records
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.writers import render_all, render_directory
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.data import (
    append_history, fleet_summary, history_entry, human_bytes, natural_key, repository_groups, run_counts,
)

D1, D2, D3 = ('sha256:' + c * 64 for c in 'abc')
BASE, OWN1, OWN2 = ('sha256:' + c * 64 for c in 'def')


def info(ref, digest, fmt='v2s1', created='2016-05-01T00:00:00Z', layers=((BASE, 1000), (OWN1, 24))):
    return {'reference': ref, 'exists': True, 'format': fmt, 'digest': digest, 'created': created,
            'layers': [{'digest': d, 'size': s} for d, s in layers]}


def fleet():
    """team-a/app: one digest under t1, t2, t10 (legacy, left); team-a/db: legacy, converted; team-b/web: v2s2."""
    plan, infos = [], []
    for tag in ('t10', 't2', 't1'):
        plan.append({'src': 'r.example.com/team-a/app:%s' % tag, 'dest': 'r.example.com/new/team-a/app:%s' % tag})
        infos.append(info('r.example.com/team-a/app:%s' % tag, D1))
    plan.append({'src': 'r.example.com/team-a/db:1', 'dest': 'r.example.com/new/team-a/db:1'})
    infos.append(info('r.example.com/team-a/db:1', D2, created='2018-01-01T00:00:00Z', layers=((BASE, 1000), (OWN2, 500))))
    infos.append(info('r.example.com/new/team-a/db:1', 'sha256:' + '9' * 64, fmt='v2s2'))
    plan.append({'src': 'r.example.com/team-b/sub/web:1', 'dest': None})
    infos.append(info('r.example.com/team-b/sub/web:1', D3, fmt='v2s2', created=None))
    return audit_records(plan, infos)


def test_natural_order():
    assert sorted(['t10', 't2', 't1', 'a', 't1b'], key=natural_key) == ['a', 't1', 't1b', 't2', 't10']


def test_summary_counts_tags_images_bytes_namespaces_and_age():
    summary = fleet_summary(fleet())
    assert summary['formats'] == [{'format': 'v2s1', 'tags': 4, 'images': 2}, {'format': 'v2s2', 'tags': 1, 'images': 1}]
    assert summary['counts'] == {'tags': 5, 'images': 3, 'legacy_tags': 4, 'legacy_images': 2, 'left_tags': 3, 'left_images': 1}
    # Unique layers: the base counts once on each side, whatever the number of tags.
    assert summary['bytes'] == {'left': 1024, 'done': 1500, 'left_layers': 2, 'done_layers': 2, 'images_with_unknown_sizes': 0}
    assert [(n['namespace'], n['left_images'], n['done_images'], n['images']) for n in summary['namespaces']] == [
        ('team-a', 1, 1, 2), ('team-b', 0, 0, 1)]
    assert [n['namespace'] for n in fleet_summary(fleet(), namespace_depth=2)['namespaces']][-1] == 'team-b/sub'
    assert summary['age'] == [{'year': '2016', 'images': 1}, {'year': '2018', 'images': 1}]


def test_one_row_per_image_with_its_tags_in_natural_order():
    groups = repository_groups(fleet())
    assert [(g['repository'], g['tags'], g['images']) for g in groups] == [('team-a/app', 3, 1), ('team-a/db', 1, 1), ('team-b/sub/web', 1, 1)]
    row = groups[0]['rows'][0]
    assert row['tags'] == ['t1', 't2', 't10'] and row['left'] and row['size'] == 1024
    assert row['statuses'] == [('needs_conversion', 3)] and row['dest_repositories'] == ['r.example.com/new/team-a/app']


def test_schema1_tags_of_one_image_are_one_image_although_their_digests_differ():
    """Each schema 1 manifest names its tag, so its tags differ in digest; the audit's image_key joins them."""
    key = 'sha256:' + '7' * 64
    plan = [{'src': 'r.example.com/team-a/app:%s' % tag, 'dest': None} for tag in ('1', '2')]
    infos = [dict(info('r.example.com/team-a/app:1', D1), image_key=key), dict(info('r.example.com/team-a/app:2', D2), image_key=key)]
    records = audit_records(plan, infos)
    assert fleet_summary(records)['counts']['images'] == 1
    groups = repository_groups(records)
    assert (groups[0]['tags'], groups[0]['images'], groups[0]['rows'][0]['tags']) == (2, 1, ['1', '2'])


def test_history_grows_only_when_the_fleet_changes_or_a_run_fails():
    summary = fleet_summary(fleet())
    history = append_history([], history_entry(summary, 'day1'))
    assert append_history(history, history_entry(summary, 'day2')) == history
    failed = history_entry(summary, 'day2', run_counts([{'failed': True}], []))
    assert append_history(history, failed)[-1] == dict(failed, converted=0, failed=1, verified=0, verify_failed=0)
    changed = dict(history[0], left_images=0, at='day3')
    assert len(append_history(history, changed)) == 2
    assert run_counts([], []) is None


def test_human_bytes():
    assert [human_bytes(n) for n in (0, 1023, 1536, 5 * 1024 ** 3)] == ['0 B', '1023 B', '1.5 KiB', '5.0 GiB']


def test_page_and_markdown_at_a_glance():
    files = render_all(fleet(), '2026-01-01T00:00:00Z')
    page, markdown = files['audit.html'], files['audit.md']
    assert '<b id="n-tags">5</b>' in page and '<b id="n-left-images">1</b>' in page
    assert '<code>t1</code> <code>t2</code> <code>t10</code>' in page          # one row, all tags, natural order
    assert page.count('<div class="g" data-k=') == 3
    assert '| `team-a` | 4 | 2 | 2 | 1 | 1 |' in markdown
    assert '| r.example.com | `team-a/app` | 3 | 1 | 1 | 1 |' in markdown
    assert 't10' not in markdown                                                 # a summary, not every tag
    document = json.loads(files['audit.json'])
    assert 'layers' not in document['images'][0] and document['images'][0]['size'] == 1024


def test_registry_values_are_escaped_everywhere():
    plan = [{'src': 'r.example.com/x:1', 'dest': None}]
    records = audit_records(plan, [info('r.example.com/x:1', D1, created='<b>2016')])
    records[0]['tag'] = '<script>alert(1)</script>'
    page = render_all(records, 'now')['audit.html']
    assert '<script>alert' not in page and '&lt;script&gt;alert(1)&lt;/script&gt;' in page


def test_history_and_migration_counts_on_the_page():
    records = fleet()
    files, _facts = render_directory({}, 'day1', records=records)
    assert len(json.loads(files['history.json'])) == 1 and 'Legacy images left per run' not in files['audit.html']
    done = [dict(r, status='done') for r in records]
    previous = dict(files)
    files, _facts = render_directory(previous, 'day2', records=done, run={'converted': 3, 'failed': 0, 'verified': 3, 'verify_failed': 0})
    assert [e['left_images'] for e in json.loads(files['history.json'])] == [1, 0]
    assert 'Legacy images left per run' in files['audit.html'] and '<b>3</b> converted' in files['audit.html']
    previous.update(files)
    # The same fleet again: nothing changes, not even the history.
    again, _facts = render_directory(previous, 'day3', records=done, run={'converted': 0, 'failed': 0, 'verified': 3, 'verify_failed': 0})
    assert all(again[name] == previous[name] for name in again)


def test_legacy_is_schema1_other_formats_are_to_convert_and_totals_equal_the_rows():
    """Target v2s2: schema 1 and a list with a schema 1 child are legacy; OCI and an OCI index of OCI images are left to
    convert but not legacy; a v2s2 image has nothing to do. Every total equals the rows the page and audit.md show."""
    child = {'digest': D3, 'size': 1, 'platform': None}
    plan, infos = [], []
    for name, fmt, children in (('s1', 'v2s1', None), ('oci', 'oci', None), ('v2s2', 'v2s2', None),
                                ('index', 'oci_index', 'application/vnd.oci.image.manifest.v1+json'),
                                ('list1', 'v2s2_list', 'application/vnd.docker.distribution.manifest.v1+prettyjws')):
        ref = 'r.example.com/team/%s:1' % name
        plan.append({'src': ref, 'dest': None})
        facts = info(ref, 'sha256:%064x' % len(plan), fmt=fmt)
        if children:
            facts['platforms'] = [dict(child, media_type=children)]
        infos.append(facts)
    records = audit_records(plan, infos, 'v2s2')
    assert dict((r['repository'], r['legacy']) for r in records) == {
        'team/s1': True, 'team/oci': False, 'team/v2s2': False, 'team/index': False, 'team/list1': True}
    summary = fleet_summary(records)
    assert (summary['counts']['legacy_images'], summary['counts']['left_images']) == (2, 4)
    files = render_all(records, 'now')
    document = json.loads(files['audit.json'])
    assert (document['totals']['legacy'], document['totals']['left']) == (2, 4)
    page, markdown = files['audit.html'], files['audit.md']
    assert page.count('<tr class="left"') == 4
    assert sum(int(line.split(' | ')[5].rstrip(' |')) for line in markdown.splitlines() if line.startswith('| r.example.com | `')) == 4
    assert '2 legacy images (2 tags), 4 still to convert (4 tags)' in markdown
