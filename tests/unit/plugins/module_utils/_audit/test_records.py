# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._audit.records import (
    audit_plan,
    audit_summary,
    references_to_read,
)
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.plan import audit_records
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError, InvalidReferenceError
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.image_info import inspect_images
from ansible_collections.imagefleet.registry.plugins.plugin_utils._fleet import fleet_facts, fleet_plan
from ansible_collections.imagefleet.registry.tests.unit.plugins.module_utils.fake_registry import FakeRegistry, push_v2s2
from ansible_collections.imagefleet.registry.tests.unit.plugins.module_utils.recorded import recorded


def host(tag, key='sha256:k'):
    return {'imagefleet_ref': '127.0.0.1:5000/legacy/app:%s' % tag, 'imagefleet_registry': '127.0.0.1:5000',
            'imagefleet_repository': 'legacy/app', 'imagefleet_tag': tag, 'imagefleet_format': 'v2s1',
            'imagefleet_digest': 'sha256:d' + tag, 'imagefleet_image_key': key,
            'imagefleet_media_type': 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'imagefleet_size': 100,
            'imagefleet_platforms': []}


def test_the_audit_reads_destinations_unknown_sources_and_one_tag_per_image():
    hosts = [host('1'), host('2'), host('3', key='sha256:other')]
    plan = fleet_plan(hosts, 'v2s2', dest_registry='mirror:5001') + [
        {'src': '127.0.0.1:5000/extra/app:1', 'dest': None, 'format': 'v2s2'}]
    assert references_to_read(plan, fleet_facts(hosts)) == [
        '127.0.0.1:5000/legacy/app:1', 'mirror:5001/legacy/app:1', 'mirror:5001/legacy/app:2',
        '127.0.0.1:5000/legacy/app:3', 'mirror:5001/legacy/app:3', '127.0.0.1:5000/extra/app:1']
    assert references_to_read(plan, []) == [
        '127.0.0.1:5000/legacy/app:1', 'mirror:5001/legacy/app:1', '127.0.0.1:5000/legacy/app:2',
        'mirror:5001/legacy/app:2', '127.0.0.1:5000/legacy/app:3', 'mirror:5001/legacy/app:3', '127.0.0.1:5000/extra/app:1']


def test_audit_summary_counts_in_one_pass_what_the_playbooks_print():
    records = ([{'registry': 'a', 'exists': True, 'format': 'v2s1', 'needs_conversion': True, 'status': 'needs_conversion'}] * 9
               + [{'registry': 'a', 'exists': True, 'format': 'oci', 'needs_conversion': False, 'status': 'done'}]
               + [{'registry': 'b', 'exists': False, 'format': None, 'needs_conversion': False, 'status': 'missing'}])
    summary = audit_summary(records)
    assert summary['line'] == 'audit: 11 images in 2 registries; 1 oci, 9 v2s1, 1 missing; 9 to convert, 1 already converted'
    assert (summary['formats'], summary['missing'], summary['to_convert'], summary['done']) == ([['oci', 1], ['v2s1', 9]], 1, 9, 1)
    assert audit_summary([])['line'] == 'audit: 0 images in 0 registries; 0 missing; 0 to convert, 0 already converted'


def lab():
    fake = FakeRegistry('127.0.0.1:5000')
    legacy = fake.add_manifest('legacy/app', '1', *recorded('schema1-multi')[:2])
    fake.tags_of['legacy/app']['2'] = legacy.digest
    push_v2s2(fake, 'converted/legacy/app', '1')
    return fake


PLAN = [{'src': '127.0.0.1:5000/legacy/app:1', 'dest': '127.0.0.1:5000/converted/legacy/app:1'},
        {'src': '127.0.0.1:5000/legacy/app:2', 'dest': '127.0.0.1:5000/converted/legacy/app', 'format': 'oci'},
        {'src': '127.0.0.1:5000/legacy/gone:1'}]


def test_a_plan_audit_is_the_join_the_playbooks_made_of_the_same_reads():
    records, summary = audit_plan(lab(), PLAN, None, 'v2s2', 4, 'fail')
    refs = ['127.0.0.1:5000/legacy/app:1', '127.0.0.1:5000/converted/legacy/app:1', '127.0.0.1:5000/legacy/app:2',
            '127.0.0.1:5000/converted/legacy/app:2', '127.0.0.1:5000/legacy/gone:1']
    assert records == audit_records(PLAN, inspect_images(lab(), refs, 1), 'v2s2')
    assert [(r['dest'], r['target_format'], r['status']) for r in records] == [
        ('127.0.0.1:5000/converted/legacy/app:1', 'v2s2', 'done'),
        ('127.0.0.1:5000/converted/legacy/app:2', 'oci', 'needs_conversion'),
        (None, 'v2s2', 'missing_source')]
    assert summary == audit_summary(records)
    assert summary['line'] == 'audit: 3 images in 1 registries; 2 v2s1, 1 missing; 1 to convert, 1 already converted'


def test_known_tags_of_one_image_cost_one_read_for_its_layers():
    fake = lab()
    known = [dict(fact, layers=None, created=None)  # as an image inventory knows them
             for fact in inspect_images(fake, ['127.0.0.1:5000/legacy/app:1', '127.0.0.1:5000/legacy/app:2'], 1)]
    reads = fake.count('get_manifest', 'legacy/app')
    records, _summary = audit_plan(fake, PLAN[:2], known, 'v2s2', 2, 'fail')
    assert fake.count('get_manifest', 'legacy/app') - reads == 1
    assert records[0]['layers'] and records[0]['layers'] == records[1]['layers']


@pytest.mark.parametrize('plan, known, match', [
    ([{'src': '127.0.0.1:5000/legacy/app:1'}, {'dest': 'x'}], None, 'image 1 of the plan has no src'),
    ([{'src': '127.0.0.1:5000/legacy/app:1', 'format': 'v2s1'}], None, "format 'v2s1' is not one of v2s2, oci"),
    ([{'src': '127.0.0.1:5000/legacy/app:1'}], ['127.0.0.1:5000/legacy/app:1'], r'known\[0\] is not the facts of an image'),
])
def test_a_bad_plan_or_known_fact_fails_naming_it_before_any_request(plan, known, match):
    fake = lab()
    with pytest.raises(ImagefleetError, match=match):
        audit_plan(fake, plan, known, 'v2s2', 1, 'fail')
    assert fake.calls == []


def test_a_malformed_reference_in_the_plan_fails_before_any_request():
    fake = lab()
    with pytest.raises(InvalidReferenceError):
        audit_plan(fake, [{'src': '127.0.0.1:5000/legacy/app:1'}, {'src': 'UPPER/Case:1'}], None, 'v2s2', 1, 'fail')
    assert fake.calls == []
