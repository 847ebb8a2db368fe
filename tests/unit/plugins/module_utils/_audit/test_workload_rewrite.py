# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import re

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.schemas import MappingIndex
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.workload_rewrite import (
    load_mapping,
    replacement_text,
    rewrite_text,
    splice,
)
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.workload_scan import FileError

REG = '127.0.0.1:5000'
OLD_MULTI, NEW_MULTI = 'sha256:' + '1' * 64, 'sha256:' + '2' * 64
OLD_SINGLE, NEW_SINGLE = 'sha256:' + '3' * 64, 'sha256:' + '4' * 64
OLD_HUB, NEW_HUB = 'sha256:' + '5' * 64, 'sha256:' + '6' * 64
ENTRIES = [
    {'old_reference': REG + '/legacy/multi:1', 'old_digest': OLD_MULTI, 'new_reference': REG + '/converted/multi:1',
     'new_digest': NEW_MULTI, 'old_format': 'v2s1', 'new_format': 'v2s2'},
    {'old_reference': REG + '/legacy/single:1', 'old_digest': OLD_SINGLE, 'new_reference': REG + '/legacy/single:1',
     'new_digest': NEW_SINGLE, 'old_format': 'v2s1', 'new_format': 'v2s2'},
    {'old_reference': 'docker.io/library/busybox:1', 'old_digest': OLD_HUB, 'new_reference': 'docker.io/library/busybox:1-v2',
     'new_digest': NEW_HUB, 'old_format': 'v2s1', 'new_format': 'v2s2'},
    {'old_reference': REG + '/broken:1', 'old_digest': None, 'new_reference': None, 'new_digest': None},
]
INDEX = MappingIndex(ENTRIES)


def _masked(text, references):
    """text with each reference-looking token at the given (line, column) replaced by one marker."""
    lines = text.splitlines(True)
    for line, column in references:
        body = lines[line - 1]
        start = column - 1
        if body[start] in '"\'':
            start += 1
        match = re.compile(r'[A-Za-z0-9._:/@-]+').match(body, start)
        lines[line - 1] = body[:start] + '<REF>' + body[match.end():]
    return ''.join(lines)


MANIFEST = """\
# keep me
apiVersion: apps/v1   # and me
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: app
          image: '%(reg)s/legacy/multi:1'
        - name: pinned
          image: "%(reg)s/legacy/multi@%(old_multi)s"
        - name: inplace
          image: %(reg)s/legacy/single:1
        - name: inplace-pinned
          image: %(reg)s/legacy/single:1@%(old_single)s
        - name: hub
          image: busybox:1
        - name: untouched
          image: %(reg)s/modern/v2s2:1
""" % {'reg': REG, 'old_multi': OLD_MULTI, 'old_single': OLD_SINGLE}


def test_tags_move_to_their_destination_and_pins_to_the_new_digest():
    text = MANIFEST.replace('\n', '\r\n')
    new, edits, skipped = rewrite_text('deploy.yaml', text, INDEX)
    assert skipped == []
    assert [(e['line'], e['container'], e['before'], e['after']) for e in edits] == [
        (10, 'app', REG + '/legacy/multi:1', REG + '/converted/multi:1'),
        (12, 'pinned', '%s/legacy/multi@%s' % (REG, OLD_MULTI), '%s/converted/multi@%s' % (REG, NEW_MULTI)),
        (16, 'inplace-pinned', '%s/legacy/single:1@%s' % (REG, OLD_SINGLE), '%s/legacy/single:1@%s' % (REG, NEW_SINGLE)),
        (18, 'hub', 'busybox:1', 'busybox:1-v2'),
    ]
    positions = [(10, 18), (12, 18), (16, 18), (18, 18)]
    assert _masked(new, positions) == _masked(text, positions)
    assert new.count('\r\n') == text.count('\r\n') and "'%s/converted/multi:1'" % REG in new
    # Idempotent: the moved references no longer match the mapping.
    assert rewrite_text('deploy.yaml', new, INDEX) == (new, [], [])


def test_helm_maps_kustomize_compose_and_dockerfile_parts():
    values = ("backend:\n  image:\n    registry: %s\n    repository: legacy/multi   # repo\n    tag: \"1\"\n"
              "pinned:\n  image: {repository: %s/legacy/multi, digest: '%s'}\n" % (REG, REG, OLD_MULTI))
    new, edits, _skipped = rewrite_text('values.yaml', values, INDEX)
    assert new == values.replace('legacy/multi   #', 'converted/multi   #').replace(
        "%s/legacy/multi, digest: '%s'" % (REG, OLD_MULTI), "%s/converted/multi, digest: '%s'" % (REG, NEW_MULTI))
    assert len(edits) == 2

    kustomization = ("images:\n  - name: app\n    newName: %s/legacy/multi\n    newTag: '1'\n"
                     "  - name: %s/legacy/multi\n    digest: %s\n" % (REG, REG, OLD_MULTI))
    new, edits, skipped = rewrite_text('kustomization.yaml', kustomization, INDEX)
    assert new.splitlines()[2] == '    newName: %s/converted/multi' % REG
    assert len(edits) == 1
    # The second entry's name must keep matching the resources: a newName is needed, which is not ours to add.
    assert [(s['line'], s['after']) for s in skipped] == [(5, '%s/converted/multi@%s' % (REG, NEW_MULTI))]
    assert 'add "newName: %s/converted/multi"' % REG in skipped[0]['message']

    dockerfile = "FROM --platform=linux/amd64 %s/legacy/multi:1 AS base\nARG X\nFROM ${X}\nFROM base\n" % REG
    new, edits, _skipped = rewrite_text('Dockerfile', dockerfile, INDEX)
    assert new == dockerfile.replace('legacy/multi:1', 'converted/multi:1')

    compose = "services:\n  web: {image: '%s/legacy/multi:1'}   # web\n" % REG
    assert rewrite_text('compose.yaml', compose, INDEX)[0] == compose.replace('legacy', 'converted')


def test_anchors_are_edited_once_where_they_are_defined():
    text = ("x-app: &app %s/legacy/multi:1\nservices:\n  a: {image: *app}\n  b:\n    image: *app\n" % REG)
    new, edits, _skipped = rewrite_text('compose.yaml', text, INDEX)
    assert new == text.replace('legacy/multi', 'converted/multi')
    assert [e['line'] for e in edits] == [1, 1]


def test_block_and_escaped_scalars_are_skipped_not_guessed():
    text = 'a:\n  image: >-\n    %s/legacy/multi:1\nb:\n  image: "%s/legacy/\\x6dulti:1"\n' % (REG, REG)
    new, edits, skipped = rewrite_text('values.yaml', text, INDEX)
    assert new == text and edits == []
    assert [s['line'] for s in skipped] == [2, 5]


def test_an_unparsable_file_is_refused_whole():
    with pytest.raises(FileError) as caught:
        rewrite_text('deploy.yaml', MANIFEST + 'oops: [\n', INDEX)
    assert caught.value.line == 22


def test_replacement_text_and_mapping_loading():
    assert replacement_text('%s/legacy/multi@%s' % (REG, OLD_MULTI), INDEX) == '%s/converted/multi@%s' % (REG, NEW_MULTI)
    assert replacement_text(REG + '/legacy/single:1', INDEX) is None      # converted in place: the tag stays
    assert replacement_text(REG + '/modern/v2s2:1', INDEX) is None
    assert load_mapping(json.dumps({'schema': 'imagefleet.registry/mapping/v1', 'images': ENTRIES})) == ENTRIES
    with pytest.raises(ImagefleetError, match='not a mapping'):
        load_mapping('{"images": []}', 'm.json')
    with pytest.raises(ImagefleetError, match='not JSON'):
        load_mapping('{', 'm.json')


def test_splice_refuses_overlaps():
    assert splice('abcdef', [(4, 5, 'E'), (0, 1, 'A')]) == 'AbcdEf'
    with pytest.raises(ValueError):
        splice('abcdef', [(0, 3, 'x'), (2, 4, 'y')])
