# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._audit.workload_scan import (
    INVALID,
    RESOLVED,
    UNRESOLVED,
    FileError,
    errors_of,
    expand_paths,
    image_id_reference,
    public,
    scan_file,
    scan_objects,
    scan_text,
)

REG = '127.0.0.1:5000'
D1 = 'sha256:' + '1' * 64

MANIFESTS = """\
# web tier
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: "%(reg)s/legacy/single:1"   # quoted
      containers:
        - name: app
          image: %(reg)s/legacy/multi:1
      ephemeralContainers:
        - {name: debug, image: 'busybox:1.36'}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: ops}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: job
              image: %(reg)s/legacy/multi@%(d1)s
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: canary
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {image: not-a-workload}
""" % {'reg': REG, 'd1': D1}


def _brief(refs):
    return [(r['line'], r['kind'], r['workload'], r['container'], r['field'], r['image'], r['status']) for r in refs]


def test_kubernetes_every_workload_kind_and_container_list_with_lines():
    refs = scan_text('k8s/app.yaml', MANIFESTS)
    assert _brief(refs) == [
        (12, 'kubernetes', 'Deployment/shop/web', 'migrate', 'spec.template.spec.initContainers[0].image', REG + '/legacy/single:1', RESOLVED),
        (15, 'kubernetes', 'Deployment/shop/web', 'app', 'spec.template.spec.containers[0].image', REG + '/legacy/multi:1', RESOLVED),
        (17, 'kubernetes', 'Deployment/shop/web', 'debug', 'spec.template.spec.ephemeralContainers[0].image', 'busybox:1.36', RESOLVED),
        (29, 'kubernetes', 'CronJob/ops/nightly', 'job', 'spec.jobTemplate.spec.template.spec.containers[0].image',
         REG + '/legacy/multi@' + D1, RESOLVED),
        (40, 'kubernetes', 'Rollout/canary', 'app', 'spec.template.spec.containers[0].image', 'nginx', RESOLVED),
    ]
    assert refs[4]['reference'] == 'docker.io/library/nginx:latest'
    assert refs[0]['column'] == 18


def test_spans_cover_exactly_the_reference_text():
    refs = scan_text('k8s/app.yaml', MANIFESTS)
    for ref in refs:
        start, end = ref['_spans']['image']
        assert MANIFESTS[start:end] == ref['image']


def test_helm_values_strings_and_maps():
    text = (
        "global: {imageRegistry: ''}\n"
        "backend:\n"
        "  image:\n"
        "    registry: %s\n"
        "    repository: legacy/multi\n"
        "    tag: 1.10\n"
        "  sidecar:\n"
        "    image: %s/legacy/single@%s\n"
        "frontend:\n"
        "  image: {repository: team/web}\n"
        "jobs:\n"
        "  - name: a\n"
        "    image: Not A Reference\n" % (REG, REG, D1))
    refs = scan_text('chart/values.yaml', text)
    assert _brief(refs) == [
        (4, 'helm', 'backend', None, 'backend.image', REG + '/legacy/multi:1.10', RESOLVED),
        (8, 'helm', 'backend.sidecar', None, 'backend.sidecar.image', '%s/legacy/single@%s' % (REG, D1), RESOLVED),
        (10, 'helm', 'frontend', None, 'frontend.image', 'team/web', UNRESOLVED),
        (13, 'helm', 'jobs[0]', 'a', 'jobs[0].image', 'Not A Reference', INVALID),
    ]
    # The tag is the text as written, not the YAML float 1.1.
    assert refs[0]['reference'] == REG + '/legacy/multi:1.10'
    assert 'appVersion' in refs[2]['message']


def test_kustomize_images():
    text = ("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deploy.yaml]\nimages:\n"
            "  - name: app\n    newName: %s/legacy/multi\n    newTag: \"2\"\n"
            "  - name: %s/legacy/single\n    digest: %s\n"
            "  - name: web\n    newName: team/web\n" % (REG, REG, D1))
    refs = scan_text('overlays/prod/kustomization.yaml', text)
    assert _brief(refs) == [
        (5, 'kustomize', 'app', None, 'images[0]', REG + '/legacy/multi:2', RESOLVED),
        (8, 'kustomize', REG + '/legacy/single', None, 'images[1]', '%s/legacy/single@%s' % (REG, D1), RESOLVED),
        (10, 'kustomize', 'web', None, 'images[2]', 'team/web', UNRESOLVED),
    ]


def test_compose_services_and_interpolation():
    text = "services:\r\n  web:\r\n    image: %s/legacy/multi:1\r\n  api:\r\n    image: ${API_IMAGE}\r\n  built:\r\n    build: .\r\n" % REG
    refs = scan_text('docker-compose.prod.yml', text)
    assert _brief(refs) == [
        (3, 'compose', 'web', 'web', 'services.web.image', REG + '/legacy/multi:1', RESOLVED),
        (5, 'compose', 'api', 'api', 'services.api.image', '${API_IMAGE}', UNRESOLVED),
    ]


DOCKERFILE = """\
# syntax=docker/dockerfile:1
ARG BASE=%(reg)s/legacy/multi:1
FROM --platform=$BUILDPLATFORM %(reg)s/legacy/single:1 AS build
RUN make \\
    && make install
FROM ${BASE} AS runtime
COPY --from=build /out /app
COPY --from=%(reg)s/modern/v2s2:1 /bin/tool /bin/tool
FROM runtime
FROM \\
    %(reg)s/legacy/repeated:1
FROM scratch
""" % {'reg': REG}


def test_dockerfile_from_platform_stages_args_and_continuations():
    refs = scan_text('docker/Dockerfile', DOCKERFILE)
    assert _brief(refs) == [
        (3, 'dockerfile', 'stage build', None, 'FROM --platform=$BUILDPLATFORM', REG + '/legacy/single:1', RESOLVED),
        (6, 'dockerfile', 'stage runtime', None, 'FROM', '${BASE}', UNRESOLVED),
        (8, 'dockerfile', 'stage runtime', None, 'COPY --from', REG + '/modern/v2s2:1', RESOLVED),
        (9, 'dockerfile', 'stage 2', None, 'FROM', 'runtime', UNRESOLVED),
        (11, 'dockerfile', 'stage 3', None, 'FROM', REG + '/legacy/repeated:1', RESOLVED),
    ]
    assert 'not guessed' in refs[1]['message']
    assert refs[4]['column'] == 5
    for ref in refs:
        start, end = ref['_spans']['image']
        assert DOCKERFILE[start:end] == ref['image']


def test_dockerfile_escape_directive():
    text = "# escape=`\nFROM `\n  %s/legacy/multi:1\n" % REG
    refs = scan_text('Containerfile', text)
    assert _brief(refs) == [(3, 'dockerfile', 'stage 0', None, 'FROM', REG + '/legacy/multi:1', RESOLVED)]


@pytest.mark.parametrize('image_id, status, text', [
    ('docker-pullable://%s/legacy/multi@%s' % (REG, D1), RESOLVED, '%s/legacy/multi@%s' % (REG, D1)),
    ('%s/legacy/multi@%s' % (REG, D1), RESOLVED, '%s/legacy/multi@%s' % (REG, D1)),
    (D1, UNRESOLVED, D1),
    ('docker://' + D1, UNRESOLVED, D1),
    ('%s/legacy/multi:1' % REG, INVALID, '%s/legacy/multi:1' % REG),
])
def test_image_id_forms(image_id, status, text):
    assert image_id_reference(image_id)[:2] == (status, text)


def test_live_objects_same_rows_as_files_plus_pod_status():
    deployment = {'apiVersion': 'apps/v1', 'kind': 'Deployment', 'metadata': {'name': 'web', 'namespace': 'shop'},
                  'spec': {'replicas': 2, 'template': {'spec': {
                      'initContainers': [{'name': 'migrate', 'image': REG + '/legacy/single:1'}],
                      'containers': [{'name': 'app', 'image': REG + '/legacy/multi:1', 'ports': [{'containerPort': 8080}]}],
                      'ephemeralContainers': [{'name': 'debug', 'image': 'busybox:1.36'}]}}},
                  'status': {'replicas': 2}}
    pod = {'apiVersion': 'v1', 'kind': 'Pod', 'metadata': {'name': 'web-1', 'namespace': 'shop'},
           'spec': {'containers': [{'name': 'app', 'image': REG + '/legacy/multi:1'}]},
           'status': {'containerStatuses': [
               {'name': 'app', 'image': REG + '/legacy/multi:1', 'imageID': 'docker-pullable://%s/legacy/multi@%s' % (REG, D1)}]}}
    live = scan_objects([{'apiVersion': 'v1', 'kind': 'List', 'items': [deployment]}, pod])
    from_file = scan_text('k8s/app.yaml', MANIFESTS)[:3]
    keys = ('kind', 'workload', 'container', 'image', 'reference', 'status')
    assert [[r[k] for k in keys] for r in live[:3]] == [[r[k] for k in keys] for r in from_file]
    assert live[0]['field'] == 'items[0].spec.template.spec.initContainers[0].image'
    assert all(r['source'] == 'live' and r['line'] is None for r in live)
    assert _brief(live[3:]) == [
        (None, 'kubernetes', 'Pod/shop/web-1', 'app', 'spec.containers[0].image', REG + '/legacy/multi:1', RESOLVED),
        (None, 'kubernetes_status', 'Pod/shop/web-1', 'app', 'status.containerStatuses[0].imageID',
         '%s/legacy/multi@%s' % (REG, D1), RESOLVED),
    ]


def test_invalid_yaml_is_a_file_error_with_its_line(tmp_path):
    path = tmp_path / 'broken.yaml'
    path.write_text('apiVersion: v1\nkind: Pod\n---\nspec:\n  containers: [\n  - bad: : :\n')
    refs, error = scan_file(str(path))
    assert refs == []
    assert error['source'] == str(path) and error['line'] == 6 and error['message'].startswith('not valid YAML')
    with pytest.raises(FileError):
        scan_text('x.yaml', 'a: [')


def test_unreadable_and_undecodable_files(tmp_path):
    binary = tmp_path / 'blob.yaml'
    binary.write_bytes(b'image: ok\n\xff\xfe\n')
    dangling = tmp_path / 'gone.yaml'
    os.symlink(str(tmp_path / 'nowhere'), str(dangling))
    assert scan_file(str(binary))[1] == {'source': str(binary), 'line': 2, 'message': 'not UTF-8 text (byte 10): only UTF-8 files are scanned'}
    error = scan_file(str(dangling))[1]
    assert error['line'] is None and error['message'].startswith('cannot be read')


def test_expand_paths_folders_globs_exclude_and_misses(tmp_path):
    (tmp_path / 'k8s').mkdir()
    (tmp_path / 'k8s' / 'a.yaml').write_text('a: 1\n')
    (tmp_path / 'k8s' / 'notes.txt').write_text('x\n')
    (tmp_path / 'chart' / 'templates').mkdir(parents=True)
    (tmp_path / 'chart' / 'values.yaml').write_text('a: 1\n')
    (tmp_path / 'chart' / 'templates' / 'd.yaml').write_text('{{ x }}\n')
    (tmp_path / 'Dockerfile.build').write_text('FROM x\n')
    (tmp_path / '.git').mkdir()
    (tmp_path / '.git' / 'c.yaml').write_text('a: 1\n')
    files, errors = expand_paths([str(tmp_path), str(tmp_path / 'chart' / '**' / '*.yaml'), str(tmp_path / 'missing.yaml')],
                                 exclude=['*/templates/*'])
    assert files == [str(tmp_path / p) for p in ('Dockerfile.build', 'chart/values.yaml', 'k8s/a.yaml')]
    assert errors == [{'source': str(tmp_path / 'missing.yaml'), 'line': None, 'message': 'no such file or folder, or nothing matches'}]


def test_errors_of_lists_files_and_invalid_references():
    refs = scan_text('chart/values.yaml', 'image: "has space:1"\nb:\n  image: ok/fine:1\n')
    problems = errors_of(refs, [{'source': 'a.yaml', 'line': 3, 'message': 'not valid YAML'}])
    assert [(p['source'], p['line']) for p in problems] == [('a.yaml', 3), ('chart/values.yaml', 1)]
    assert 'image:' in problems[1]['message']
    assert '_spans' not in public(refs[0]) and public(refs[0])['status'] == INVALID


def test_pure_python_and_libyaml_composers_give_the_same_positions(monkeypatch):
    import yaml   # pylint: disable=import-outside-toplevel
    from ansible_collections.imagefleet.registry.plugins.module_utils._audit import workload_scan

    text = MANIFESTS.replace('\n', '\r\n').replace('# web tier', '# tier web: é ✓')
    results = []
    for loader in (yaml.SafeLoader, getattr(yaml, 'CSafeLoader', yaml.SafeLoader)):
        monkeypatch.setattr(workload_scan, '_LOADER', loader)
        results.append(scan_text('k8s/app.yaml', text))
    assert results[0] == results[1]
    assert all(text[r['_spans']['image'][0]:r['_spans']['image'][1]] == r['image'] for r in results[0])
