# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.hosts import (
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


# A Kubernetes node's containerd 1.6 (image_host_info engine=containerd): legacy/app:1 (schema 1, OLD at the registry)
# was converted on pull and is held under LOCAL, which no registry has; converted/app:1 (NEW) was pulled as it is. The
# CRI keeps a second record of each image under its id.
LOCAL = 'sha256:' + '4' * 64
CRI_ID = 'sha256:' + 'c' * 64


def containerd_node(legacy_labels=None, converted=True):
    legacy = {'name': '%s/legacy/app:1' % REG, 'digest': LOCAL, 'labels': legacy_labels or {},
              'converted_from_schema1': converted, 'schema1_digest': (legacy_labels or {}).get('io.containerd.image/converted-docker-schema1')}
    return {
        'engine': {'name': 'containerd', 'namespace': 'k8s.io'},
        'images': [
            legacy,
            {'name': '%s/converted/app:1' % REG, 'digest': NEW, 'labels': {}, 'converted_from_schema1': False, 'schema1_digest': None},
            dict(legacy, name=CRI_ID),
        ],
        'containers': [
            {'id': 'c1', 'name': 'shop/web-0/app', 'image': '%s/legacy/app:1' % REG},
            {'id': 'c2', 'name': 'shop/web-1/app', 'image': CRI_ID},     # by id: the CRI record leads to legacy/app:1
            {'id': 'c3', 'name': 'shop/gone-0/app', 'image': '%s/removed/app:1' % REG},
        ],
    }


CONTAINERD_INFOS = [
    {'reference': '%s/legacy/app@%s' % (REG, LOCAL), 'exists': False},
    {'reference': '%s/legacy/app:1' % REG, 'registry': REG, 'repository': 'legacy/app', 'exists': True, 'format': 'v2s1', 'digest': OLD},
    {'reference': '%s/converted/app@%s' % (REG, NEW), 'exists': True, 'format': 'v2s2', 'digest': NEW},
    {'reference': '%s/converted/app:1' % REG, 'registry': REG, 'repository': 'converted/app', 'exists': True, 'format': 'v2s2', 'digest': NEW},
]


def test_containerd_references_are_what_the_node_holds_and_what_it_was_pulled_as():
    refs = host_references({'node': containerd_node()})
    assert refs == sorted(['%s/legacy/app@%s' % (REG, LOCAL), '%s/legacy/app:1' % REG,
                           '%s/converted/app@%s' % (REG, NEW), '%s/converted/app:1' % REG])


def test_containerd_conversion_on_pull_is_judged_by_its_source():
    rows = apply_replacements(host_rows({'node': containerd_node()}, CONTAINERD_INFOS), MAPPING)
    by = dict((r['container'] or r['image'], r) for r in rows)
    assert sorted(by) == ['%s/converted/app:1' % REG, 'shop/gone-0/app', 'shop/web-0/app', 'shop/web-1/app']
    for name in ('shop/web-0/app', 'shop/web-1/app'):
        assert by[name]['format'] == 'v2s1' and by[name]['error'] is None, by[name]
        assert by[name]['image_digest'] == '%s/legacy/app@%s' % (REG, OLD)
        assert by[name]['replacement'] == '%s/converted/app:1@%s' % (REG, NEW)
    fine = by['%s/converted/app:1' % REG]
    assert fine['format'] == 'v2s2' and fine['image_digest'] == '%s/converted/app@%s' % (REG, NEW) and fine['replacement'] is None
    assert by['shop/gone-0/app']['error'] == "the image is not in the node's image store any more"
    assert host_totals(rows)['legacy_containers'] == 2


def test_containerd_conversion_whose_tag_was_converted_since_is_flagged():
    infos = CONTAINERD_INFOS[:1] + [dict(CONTAINERD_INFOS[1], format='v2s2', digest=NEW)] + CONTAINERD_INFOS[2:]
    rows = host_rows({'node': containerd_node()}, infos)
    legacy = next(r for r in rows if r['container'] == 'shop/web-0/app')
    assert legacy['format'] == 'v2s1' and legacy['image_digest'] == '%s/legacy/app@%s' % (REG, LOCAL)
    assert legacy['error'] == ('converted from schema 1 on pull; %s/legacy/app:1 now resolves to %s/legacy/app@%s (v2s2), '
                               'which this node has not pulled again' % (REG, REG, NEW))
    # The node's digest is no schema 1 digest of the mapping: the replacement is found by the tag it was pulled as.
    replaced = dict((r['container'], r['replacement']) for r in apply_replacements(rows, MAPPING))
    assert replaced['shop/web-0/app'] == '%s/converted/app:1@%s' % (REG, NEW)
    assert not any(r['replacement'] for r in apply_replacements(rows, []))
    # Without a conversion mark, only staleness is known: format unknown, and why.
    rows = host_rows({'node': containerd_node(converted=False)}, infos)
    stale = next(r for r in rows if r['container'] == 'shop/web-0/app')
    assert stale['format'] is None and 'now resolves to %s/legacy/app@%s (v2s2)' % (REG, NEW) in stale['error']


def test_containerd_records_the_schema1_digest_since_1_7_8():
    node = containerd_node({'io.containerd.image/converted-docker-schema1': OLD})
    backup = {'reference': '%s/legacy/app@%s' % (REG, OLD), 'registry': REG, 'repository': 'legacy/app', 'exists': True,
              'format': 'v2s1', 'digest': OLD}
    moved = dict(CONTAINERD_INFOS[1], format='v2s2', digest=NEW)
    assert backup['reference'] in host_references({'node': node})
    rows = apply_replacements(host_rows({'node': node}, [CONTAINERD_INFOS[0], moved, backup] + CONTAINERD_INFOS[2:]), MAPPING)
    legacy = next(r for r in rows if r['container'] == 'shop/web-0/app')
    assert legacy['format'] == 'v2s1' and legacy['image_digest'] == backup['reference'] and 'not pulled again' in legacy['error']
    assert legacy['replacement'] == '%s/converted/app:1@%s' % (REG, NEW)     # the mapping's, by the schema 1 digest


def test_containerd_source_that_cannot_be_read():
    infos = [CONTAINERD_INFOS[0], {'reference': '%s/legacy/app:1' % REG, 'exists': None, 'error': 'registry down'}]
    rows = host_rows({'node': containerd_node()}, infos)
    legacy = next(r for r in rows if r['container'] == 'shop/web-0/app')
    assert legacy['format'] == 'v2s1' and 'registry down' in legacy['error'] and 'converted from schema 1' in legacy['error']
    plain = next(r for r in host_rows({'node': containerd_node(converted=False)}, infos) if r['container'] == 'shop/web-0/app')
    assert plain['format'] is None and plain['error'] == 'registry down'
    gone = [CONTAINERD_INFOS[0], {'reference': '%s/legacy/app:1' % REG, 'exists': False}]
    plain = next(r for r in host_rows({'node': containerd_node(converted=False)}, gone) if r['container'] == 'shop/web-0/app')
    assert plain['error'] == NOT_IN_REGISTRY
