# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks for runme.sh.

python check_reports.py inject CREDENTIAL_TYPE REGISTRY USERNAME PASSWORD
    Prints the credential type's IMAGEFLEET_REGISTRY_OPTIONS rendered as AWX renders injectors.
python check_reports.py stats ARTIFACTS EXPECTED_JSON [ABSENT_KEY ...]
    The ansible-runner job succeeded; its set_stats (artifact_data) hold EXPECTED and none of ABSENT_KEY.
python check_reports.py tags REGISTRY/REPOSITORY EXPECTED_JSON
    The repository's tags are exactly EXPECTED (a missing repository has none).
python check_reports.py merged MERGED SINGLE SLICE_PREFIX SLICE_DIR...
    The merged mapping equals the unsliced run's byte for byte; the pulled files of slice SLICE_PREFIX<i> equal what SLICE_DIR i holds.
python check_reports.py artifact MANIFEST SLICE_DIR ARTIFACTS REGISTRY/REPOSITORY
    MANIFEST (skopeo inspect --raw) is an OCI artifact manifest of ours whose layers are the slice's files, and its
    digest is the one set_stats named; the config blob is the 2-byte {}.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import sys

import requests

ARTIFACT_TYPE = 'application/vnd.imagefleet.report.v1+json'
EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
REPORT_FILES = ('audit.json', 'audit.md', 'audit.html', 'mapping.json', 'mapping.csv', 'hosts.json', 'hosts.md',
                'workloads.json', 'workloads.csv', 'history.json')


def auth():
    """Basic credentials of the report registry, from the variable the AWX credential type injects."""
    entry = json.loads(os.environ.get('IMAGEFLEET_REGISTRY_OPTIONS') or '{}').get('registry_credentials', [{}])[0]
    return (entry['username'], entry['password']) if entry else None


def get(url):
    """GET with the report registry's login: Basic, or a bearer token from the realm its challenge names."""
    response = requests.get(url, auth=auth(), timeout=30)
    challenge = response.headers.get('WWW-Authenticate', '')
    if response.status_code == 401 and challenge.startswith('Bearer '):
        params = dict(part.split('=', 1) for part in challenge[len('Bearer '):].replace('"', '').split(','))
        token = requests.get(params.pop('realm'), params=params, auth=auth(), timeout=30).json()['token']
        response = requests.get(url, headers={'Authorization': 'Bearer ' + token}, timeout=30)
    return response


def inject(credential_type, registry, username, password):
    """Print IMAGEFLEET_REGISTRY_OPTIONS as AWX renders the credential type's env injector (sandboxed Jinja)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    import yaml
    with open(credential_type) as handle:
        template = yaml.safe_load(handle)['injectors']['env']['IMAGEFLEET_REGISTRY_OPTIONS']
    print(ImmutableSandboxedEnvironment(undefined=StrictUndefined).from_string(template).render(
        registry=registry, username=username, password=password))


def read(path):
    with open(path, 'rb') as handle:
        return handle.read()


def sha256(data):
    return 'sha256:' + hashlib.sha256(data).hexdigest()


def run_stats(artifacts):
    status = open(os.path.join(artifacts, 'status')).read().strip()
    assert status == 'successful', (artifacts, status, open(os.path.join(artifacts, 'stdout')).read()[-4000:])
    events = [json.load(open(path)) for path in glob.glob(os.path.join(artifacts, 'job_events', '*.json'))]
    stats = [event for event in events if event.get('event') == 'playbook_on_stats']
    assert len(stats) == 1, len(stats)
    return stats[0]['event_data']['artifact_data']


def stats(artifacts, expected, *absent):
    data = run_stats(artifacts)
    for key, value in json.loads(expected).items():
        # ansible-core before 2.19 renders "{{ x | length }}" as a string.
        found = int(data[key]) if isinstance(value, int) and not isinstance(value, bool) and key in data else data.get(key)
        assert found == value, (artifacts, key, data.get(key), value)
    for key in absent:
        assert key not in data, (artifacts, key, data[key])
    print('%s: %s' % (os.path.basename(artifacts), expected))


def tags(repository, expected):
    registry, name = repository.split('/', 1)
    response = get('http://%s/v2/%s/tags/list' % (registry, name))
    found = sorted(response.json().get('tags') or []) if response.status_code == 200 else []
    assert found == json.loads(expected), (found, expected)
    print('tags of %s: %s' % (repository, found))


def merged(merged_dir, single_dir, slice_prefix, *slice_dirs):
    for name in ('mapping.json', 'mapping.csv'):
        assert read(os.path.join(merged_dir, name)) == read(os.path.join(single_dir, name)), name
    mapping = json.loads(read(os.path.join(merged_dir, 'mapping.json')))['images']
    assert len(mapping) == 5 and all(entry['new_format'] == 'v2s2' for entry in mapping), mapping
    audit = json.loads(read(os.path.join(merged_dir, 'audit.json')))
    assert len(audit['images']) == 5, audit['totals']
    assert os.path.isfile(os.path.join(merged_dir, 'audit.html'))
    compared = 0
    for index, slice_dir in enumerate(slice_dirs, 1):
        pulled = os.path.join(merged_dir, 'slices', '%s%d' % (slice_prefix, index))
        written = [name for name in REPORT_FILES if os.path.isfile(os.path.join(slice_dir, name))]
        assert written and sorted(os.listdir(pulled)) == sorted(written), (pulled, os.listdir(pulled), written)
        for name in written:
            assert read(os.path.join(pulled, name)) == read(os.path.join(slice_dir, name)), (pulled, name)
            compared += 1
    print('merged mapping == unsliced mapping (%d images); %d pulled files identical' % (len(mapping), compared))


def artifact(manifest_path, slice_dir, artifacts, repository):
    raw = read(manifest_path)
    manifest = json.loads(raw)
    assert manifest['schemaVersion'] == 2
    assert manifest['mediaType'] == 'application/vnd.oci.image.manifest.v1+json'
    assert manifest['artifactType'] == ARTIFACT_TYPE
    assert manifest['config'] == {'mediaType': 'application/vnd.oci.empty.v1+json', 'digest': EMPTY_DIGEST, 'size': 2}
    titles = []
    for layer in manifest['layers']:
        name = layer['annotations']['org.opencontainers.image.title']
        data = read(os.path.join(slice_dir, name))
        assert layer['digest'] == sha256(data) and layer['size'] == len(data), name
        assert layer['mediaType'] in ('application/json', 'text/markdown', 'text/html', 'text/csv'), layer
        titles.append(name)
    assert sorted(titles) == sorted(name for name in REPORT_FILES if os.path.isfile(os.path.join(slice_dir, name)))
    pinned = run_stats(artifacts)['imagefleet_report_artifact']
    assert pinned == '%s@%s' % (repository, sha256(raw)), (pinned, sha256(raw))
    registry, name = repository.split('/', 1)
    config = get('http://%s/v2/%s/blobs/%s' % (registry, name, EMPTY_DIGEST))
    assert config.status_code == 200 and config.content == b'{}', config.status_code
    print('%s: OCI artifact, %d layers %s' % (pinned, len(titles), titles))


if __name__ == '__main__':
    {'inject': inject, 'stats': stats, 'tags': tags, 'merged': merged, 'artifact': artifact}[sys.argv[1]](*sys.argv[2:])
