# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._host_audit import (
    NO_REGISTRY_NAME,
    NOT_IN_REGISTRY,
    ROW_FIELDS,
    apply_replacements,
    host_references,
    host_rows,
    host_totals,
    normalize_rows,
)

REG = 'r.example.com:5000'
OLD = 'sha256:' + '1' * 64
NEW = 'sha256:' + '2' * 64
V2S2 = 'sha256:' + '3' * 64
ID_SHARED = 'sha256:' + 'a' * 64
ID_V2S2 = 'sha256:' + 'b' * 64

# Podman, after pulling legacy/app:1 (schema 1) and its conversion converted/app:1, which kept its config and so its
# image id: one image, both names, and every digest under every name.
PODMAN = {
    'images': [
        {'id': ID_SHARED, 'repo_tags': ['%s/converted/app:1' % REG, '%s/legacy/app:1' % REG],
         'repo_digests': ['%s/%s@%s' % (REG, repo, digest) for repo in ('converted/app', 'legacy/app') for digest in (OLD, NEW)]},
        {'id': ID_V2S2, 'repo_tags': ['%s/modern/web:2' % REG], 'repo_digests': ['%s/modern/web@%s' % (REG, V2S2)]},
    ],
    'containers': [{'name': 'legacy', 'image': '%s/legacy/app:1' % REG, 'image_id': ID_SHARED, 'state': 'running'}],
}
# What the registries hold: each repository only the digest pushed to it.
INFOS = [
    {'reference': '%s/legacy/app@%s' % (REG, OLD), 'exists': True, 'format': 'v2s1', 'digest': OLD},
    {'reference': '%s/legacy/app@%s' % (REG, NEW), 'exists': False},
    {'reference': '%s/converted/app@%s' % (REG, OLD), 'exists': False},
    {'reference': '%s/converted/app@%s' % (REG, NEW), 'exists': True, 'format': 'v2s2', 'digest': NEW},
    {'reference': '%s/modern/web@%s' % (REG, V2S2), 'exists': True, 'format': 'v2s2', 'digest': V2S2},
]
MAPPING = [{'old_reference': '%s/legacy/app:1' % REG, 'old_digest': OLD, 'new_reference': '%s/converted/app:1' % REG,
            'new_digest': NEW, 'old_format': 'v2s1', 'new_format': 'v2s2'}]


def row(**values):
    return dict(dict((field, None) for field in ROW_FIELDS), **values)


def test_references_are_the_digests_each_name_holds():
    refs = host_references({'h1': PODMAN, 'h2': PODMAN})
    assert refs == sorted(info['reference'] for info in INFOS)


def test_rows_decide_each_name_by_the_digest_its_repository_holds():
    rows = host_rows({'h1': PODMAN}, INFOS)
    assert rows == [
        row(host='h1', container='legacy', image='%s/legacy/app:1' % REG, image_digest='%s/legacy/app@%s' % (REG, OLD), format='v2s1'),
        row(host='h1', image='%s/converted/app:1' % REG, image_digest='%s/converted/app@%s' % (REG, NEW), format='v2s2'),
        row(host='h1', image='%s/modern/web:2' % REG, image_digest='%s/modern/web@%s' % (REG, V2S2), format='v2s2'),
    ]


def test_a_schema1_digest_wins_when_a_repository_holds_several():
    # In-place conversion with a backup tag: legacy/app holds both the old and the new manifest.
    infos = [dict(info, exists=True, format='v2s2') if info['reference'] == '%s/legacy/app@%s' % (REG, NEW) else info for info in INFOS]
    rows = host_rows({'h': PODMAN}, infos)
    assert rows[0]['format'] == 'v2s1' and rows[0]['image_digest'].endswith(OLD)


def test_docker_short_names_and_containers_by_id():
    engine = {
        'images': [{'id': ID_V2S2, 'repo_tags': ['nginx:1'], 'repo_digests': ['nginx@' + V2S2]}],
        'containers': [{'name': 'web', 'image': 'b' * 12, 'image_id': ID_V2S2}],
    }
    assert host_references({'d': engine}) == ['docker.io/library/nginx@' + V2S2]
    infos = [{'reference': 'docker.io/library/nginx@' + V2S2, 'exists': True, 'format': 'v2s2'}]
    assert host_rows({'d': engine}, infos) == [
        row(host='d', container='web', image='b' * 12, image_digest='docker.io/library/nginx@' + V2S2, format='v2s2')]


def test_container_pinned_by_digest_is_asked_by_that_digest():
    engine = {'images': [{'id': ID_V2S2, 'repo_tags': [], 'repo_digests': ['%s/app@%s' % (REG, V2S2), '%s/app@%s' % (REG, OLD)]}],
              'containers': [{'name': 'c', 'image': '%s/app@%s' % (REG, V2S2), 'image_id': ID_V2S2}]}
    assert host_references({'h': engine}) == ['%s/app@%s' % (REG, V2S2)]


def test_local_images_are_never_looked_up():
    # Docker: `docker import ... standin/busybox:1` (its tag alone would name Docker Hub), a registry-looking tag
    # without a digest, and an untagged image; Podman: an imported image with its localhost/ digest.
    podman_local = 'localhost/standin/tool@sha256:' + 'c' * 64
    engine = {'images': [{'id': ID_V2S2, 'repo_tags': ['standin/busybox:1', '%s/built:1' % REG], 'repo_digests': []},
                         {'id': ID_SHARED, 'repo_tags': [], 'repo_digests': []},
                         {'id': OLD, 'repo_tags': ['localhost/standin/tool:1'], 'repo_digests': [podman_local]}],
              'containers': [{'name': 'local', 'image': 'standin/busybox:1', 'image_id': ID_V2S2},
                             {'name': 'tool', 'image': podman_local, 'image_id': OLD}]}
    assert host_references({'h': engine}) == []
    assert host_rows({'h': engine}, []) == [
        row(host='h', container='local', image='standin/busybox:1', error=NO_REGISTRY_NAME),
        row(host='h', container='tool', image=podman_local, error=NO_REGISTRY_NAME),
        row(host='h', image='%s/built:1' % REG, error=NO_REGISTRY_NAME),
        row(host='h', image=ID_SHARED, error=NO_REGISTRY_NAME),
    ]
    assert NO_REGISTRY_NAME.startswith('local, not from a registry')


def test_a_local_name_of_a_pulled_image_is_decided_by_its_digests():
    # `docker tag` of a pulled image: the new name has no digest of its own, and its registry is never asked.
    engine = {'images': [{'id': ID_V2S2, 'repo_tags': ['%s/app:1' % REG, 'mine/app:1'], 'repo_digests': ['%s/app@%s' % (REG, V2S2)]}],
              'containers': [{'name': 'c', 'image': 'mine/app:1', 'image_id': ID_V2S2}]}
    assert host_references({'h': engine}) == ['%s/app@%s' % (REG, V2S2)]
    rows = host_rows({'h': engine}, [{'reference': '%s/app@%s' % (REG, V2S2), 'exists': True, 'format': 'v2s1'}])
    assert rows == [row(host='h', container='c', image='mine/app:1', image_digest='%s/app@%s' % (REG, V2S2), format='v2s1'),
                    row(host='h', image='%s/app:1' % REG, image_digest='%s/app@%s' % (REG, V2S2), format='v2s1')]


def test_registry_errors_and_missing_images_are_rows_with_the_reason():
    infos = [dict(info, exists=None, error='registry r.example.com:5000: cannot connect') if 'legacy' in info['reference']
             else dict(info, exists=False) if 'modern' in info['reference'] else info for info in INFOS]
    rows = host_rows({'h': PODMAN}, infos)
    assert rows[0]['format'] is None and rows[0]['error'] == 'registry r.example.com:5000: cannot connect'
    assert rows[2] == row(host='h', image='%s/modern/web:2' % REG, image_digest='%s/modern/web@%s' % (REG, V2S2), error=NOT_IN_REGISTRY)
    assert host_rows({'h': PODMAN}, [])[2]['error'] == 'not inspected'


def test_hosts_whose_engine_could_not_be_read():
    engines = {
        'b': {'failed': True, 'msg': 'The container engine socket /x.sock does not exist', 'reason': 'socket_missing'},
        'a': {'unreachable': True, 'msg': 'ssh: connect refused'},
        'c': {},
        'd': {'skipped': True},
    }
    assert host_references(engines) == []
    rows = host_rows(engines, [])
    assert [(r['host'], r['image'], r['error']) for r in rows] == [
        ('a', None, 'unreachable: ssh: connect refused'),
        ('b', None, 'The container engine socket /x.sock does not exist'),
        ('c', None, 'not audited: no image_host_info result for this host'),
        ('d', None, 'not audited: image_host_info did not run on this host'),
    ]
    with pytest.raises(ImagefleetError, match='must be a dict'):
        host_rows([PODMAN], [])


def test_replacements_from_the_mapping():
    rows = apply_replacements(host_rows({'h': PODMAN}, INFOS), MAPPING)
    assert rows[0]['replacement'] == '%s/converted/app:1@%s' % (REG, NEW)
    assert [r['replacement'] for r in rows[1:]] == [None, None]
    assert apply_replacements(rows, None)[0]['replacement'] is None
    # Known by tag only: matched by the old reference.
    by_tag = [row(host='h', image='%s/legacy/app:1' % REG, format='v2s1')]
    assert apply_replacements(by_tag, MAPPING)[0]['replacement'] == '%s/converted/app:1@%s' % (REG, NEW)
    # The same digest converted from two repositories: the row's own repository first.
    other = dict(MAPPING[0], old_reference='%s/aaa/app:1' % REG, new_reference='%s/converted/aaa:1' % REG)
    assert apply_replacements(rows, [other] + MAPPING)[0]['replacement'] == '%s/converted/app:1@%s' % (REG, NEW)
    assert apply_replacements(rows, [other])[0]['replacement'] == '%s/converted/aaa:1@%s' % (REG, NEW)


def test_totals():
    rows = host_rows({'h1': PODMAN, 'h2': PODMAN, 'h3': {'failed': True, 'msg': 'no'}}, INFOS)
    assert host_totals(rows) == {'hosts': 3, 'hosts_failed': 1, 'hosts_with_legacy': 2, 'containers': 2, 'legacy_containers': 2,
                                 'images': 3, 'legacy_images': 1, 'unknown': 0}


def test_normalize_rows_orders_and_checks():
    rows = normalize_rows([{'host': 'b', 'image': 'x'}, {'host': 'a', 'image': 'z'}, {'host': 'a', 'container': 'c', 'image': 'y', 'extra': 1}])
    assert [(r['host'], r['container'], r['image']) for r in rows] == [('a', 'c', 'y'), ('a', None, 'z'), ('b', None, 'x')]
    assert all(set(r) == set(ROW_FIELDS) for r in rows)
    with pytest.raises(ImagefleetError, match='host row 0 has no host'):
        normalize_rows([{'image': 'x'}])
