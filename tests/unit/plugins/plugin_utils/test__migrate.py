# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.imagefleet.registry.plugins.plugin_utils._migrate import conversion_outcome, image_batches, selected_batches
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.batch import conversion_item
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError


def record(src, key, target='v2s2'):
    return {'src': src, 'dest': 'mirror/' + src, 'image_key': key, 'digest': 'sha256:' + src, 'target_format': target}


def test_batches_count_images_and_keep_every_tag_of_an_image_together():
    records = [record('a:1', 'k1'), record('b:1', 'k2'), record('a:2', 'k1'), record('c:1', 'k3'),
               record('a:3', 'k1', target='oci'), record('d:1', None)]
    batches = image_batches(records, 2)
    assert [[r['src'] for r in batch] for batch in batches] == [['a:1', 'a:2', 'b:1'], ['c:1', 'a:3'], ['d:1']]
    assert image_batches([], 50) == []
    assert len(image_batches(records, '50')) == 1


@pytest.mark.parametrize('size', [0, -1, 'many', None])
def test_a_bad_batch_size_fails_naming_the_variable(size):
    with pytest.raises(ImagefleetError, match='imagefleet_batch_size'):
        image_batches([record('a:1', 'k')], size)


def test_outcome_adds_up_the_batches_once():
    batches = [[record('a:1', 'k1'), record('a:2', 'k1')], [record('b:1', 'k2')], [record('c:1', 'k3')]]
    results = [
        {'images': [{'src': 'a:1', 'changed': True, 'verified': True}, {'src': 'a:2', 'changed': True, 'linked_from': 'a:1'}],
         'summary': {'images': 2, 'converted': 2, 'unchanged': 0, 'failed': 0, 'linked': 1}, 'failures': []},
        {'images': [{'src': 'b:1', 'changed': False, 'failed': True, 'msg': 'gone'}],
         'summary': {'images': 1, 'converted': 0, 'unchanged': 0, 'failed': 1, 'linked': 0}, 'failures': ['b:1: gone']},
        {'failed': True, 'msg': 'registry down'},
    ]
    outcome = conversion_outcome(results, batches)
    assert [item['src'] for item in outcome['images']] == ['a:1', 'a:2', 'b:1']
    assert outcome['summary'] == {'images': 4, 'converted': 2, 'unchanged': 0, 'failed': 2, 'linked': 1}
    assert outcome['failures'] == ['b:1: gone', 'c:1: registry down']
    assert [item['src'] for item in outcome['unconfirmed']] == ['a:2']
    assert outcome['confirmed'] == 1
    assert outcome['progress'][0] == "batch 1/3: 2 tags, 2 converted (1 reusing another tag's conversion), 0 already done, 0 failed"
    assert outcome['progress'][2].endswith('1 failed')
    # Check mode converted nothing: the same counts and failures, no per-image results kept.
    checked = conversion_outcome(results, batches, True)
    assert (checked['images'], checked['unconfirmed']) == ([], [])
    assert (checked['summary'], checked['failures']) == (outcome['summary'], outcome['failures'])
    assert checked['progress'][0] == "batch 1/3: 2 tags, 2 to convert (1 reusing another tag's conversion), 0 already done, 0 failed"
    assert conversion_outcome([], []) == {'images': [], 'summary': dict.fromkeys(('images', 'converted', 'unchanged', 'failed', 'linked'), 0),
                                          'failures': [], 'unconfirmed': [], 'confirmed': 0, 'progress': []}


def test_outcome_of_results_without_a_summary():
    outcome = conversion_outcome([{'images': [{'src': 'a:1', 'changed': True}, {'src': 'b:1', 'failed': True, 'msg': 'x'}]}],
                                 [[record('a:1', 'k1'), record('b:1', 'k2')]])
    assert outcome['summary'] == {'images': 2, 'converted': 1, 'unchanged': 0, 'failed': 1, 'linked': 0}
    assert outcome['failures'] == ['b:1: x']


def test_outcome_counts_what_a_partial_summary_lacks():
    outcome = conversion_outcome([{'images': [{'src': 'a:1', 'changed': True, 'linked_from': None}],
                                   'summary': {'total': 1, 'converted': 1, 'unchanged': 0, 'failed': 0}}],
                                 [[record('a:1', 'k1')]])
    assert outcome['summary'] == {'images': 1, 'converted': 1, 'unchanged': 0, 'failed': 0, 'linked': 0}


def test_selected_batches_keep_existing_sources_and_name_those_without_destination():
    records = [record('a:1', 'k1'), dict(record('b:1', 'k2'), exists=False), dict(record('c:1', 'k3'), exists=True)]
    records[0]['exists'] = True
    assert selected_batches(records, 1) == {'selected': 2, 'batches': [[conversion_item(records[0])], [conversion_item(records[2])]],
                                            'homeless': []}
    homeless = dict(records[2], dest=None)
    assert selected_batches([records[0], homeless], 1) == {'selected': 2, 'batches': [], 'homeless': ['c:1']}
