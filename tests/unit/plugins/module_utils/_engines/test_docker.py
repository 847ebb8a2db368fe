# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

docker = pytest.importorskip('docker')

import requests.exceptions  # noqa: E402  pylint: disable=wrong-import-position
import urllib3.exceptions  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.imagefleet.registry.plugins.module_utils._engines import docker as docker_engine  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError  # noqa: E402  pylint: disable=wrong-import-position

SOCK = 'unix:///run/test/engine.sock'
HEX = '62270faca824decaac9bff081a701f5eb9989c5dd045e7021281d3ff88129a76'

PODMAN_VERSION = {
    'Components': [{'Name': 'Podman Engine', 'Version': '4.3.1'}, {'Name': 'Conmon', 'Version': '2.1.6'}],
    'Version': '4.3.1',
    'ApiVersion': '1.41',
}
DOCKER_VERSION = {
    'Components': [{'Name': 'Engine', 'Version': '26.1.0'}, {'Name': 'containerd', 'Version': '1.7.0'}],
    'Version': '26.1.0',
    'ApiVersion': '1.45',
}


def connection_error(cause):
    """The chain the SDK raises when the socket connect fails, as seen with docker 7.2."""
    try:
        try:
            raise requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError('Connection aborted.', cause))
        except requests.exceptions.ConnectionError as exc:
            raise docker.errors.DockerException('Error while fetching server API version: %s' % exc) from exc
    except docker.errors.DockerException as exc:
        return exc


class FakeResponse:
    def __init__(self, status_code, reason='Internal Server Error'):
        self.status_code = status_code
        self.reason = reason
        self.url = 'http+docker://localhost/v1.41/images/json'


class FakeAPI:
    def __init__(self, images=None, containers=None, fail=None):
        self._images = images or []
        self._containers = containers or []
        self.fail = fail
        self.calls = []

    def images(self, **kwargs):
        self.calls.append(('images', kwargs))
        if self.fail:
            raise self.fail
        return self._images

    def containers(self, **kwargs):
        self.calls.append(('containers', kwargs))
        return self._containers


class FakeClient:
    """Stands in for docker.DockerClient; records how it was built."""

    instances = []
    connect_error = None
    version_answer = PODMAN_VERSION
    api_answer = None

    def __init__(self, **kwargs):
        if FakeClient.connect_error is not None:
            raise FakeClient.connect_error
        self.kwargs = kwargs
        self.api = FakeClient.api_answer or FakeAPI()
        self.closed = False
        FakeClient.instances.append(self)

    def version(self):
        return FakeClient.version_answer

    def close(self):
        self.closed = True


@pytest.fixture
def fake_client(monkeypatch):
    FakeClient.instances = []
    FakeClient.connect_error = None
    FakeClient.version_answer = PODMAN_VERSION
    FakeClient.api_answer = None
    monkeypatch.setattr(docker_engine.docker, 'DockerClient', FakeClient)
    return FakeClient


def test_resolve_docker_host(monkeypatch):
    monkeypatch.setenv('DOCKER_HOST', 'tcp://127.0.0.1:2375')  # read by the module's argspec, not here
    assert docker_engine.resolve_docker_host() == 'unix:///var/run/docker.sock'
    assert docker_engine.resolve_docker_host(SOCK) == SOCK


def test_socket_path():
    assert docker_engine.socket_path(SOCK) == '/run/test/engine.sock'
    assert docker_engine.socket_path('tcp://127.0.0.1:2375') is None


def test_image_facts_normalizes_ids_and_drops_none_names():
    facts = docker_engine.image_facts({
        'Id': HEX, 'RepoTags': ['<none>:<none>'], 'RepoDigests': ['<none>@<none>'], 'Created': 0, 'Size': 5,
    })
    assert facts == {'id': 'sha256:' + HEX, 'repo_tags': [], 'repo_digests': [], 'created': '1970-01-01T00:00:00Z', 'size': 5}
    facts = docker_engine.image_facts({'Id': 'sha256:' + HEX, 'RepoTags': None, 'RepoDigests': None})
    assert facts['repo_tags'] == [] and facts['repo_digests'] == [] and facts['created'] is None


def test_container_facts():
    facts = docker_engine.container_facts({
        'Id': 'abc', 'Names': ['/legacy'], 'Image': 'reg/app:1', 'ImageID': HEX, 'State': 'Exited',
    })
    assert facts == {'id': 'abc', 'name': 'legacy', 'image': 'reg/app:1', 'image_id': 'sha256:' + HEX, 'state': 'exited'}


@pytest.mark.parametrize('answer, name', [(PODMAN_VERSION, 'podman'), (DOCKER_VERSION, 'docker'), ({'Version': '1'}, 'unknown')])
def test_engine_name(answer, name):
    assert docker_engine.engine_name(answer) == name


def test_gather_reads_all_containers_and_closes(fake_client):
    fake_client.api_answer = FakeAPI(
        images=[
            {'Id': 'sha256:' + 'b' * 64, 'RepoTags': ['reg/z:1'], 'RepoDigests': ['reg/z@sha256:' + 'c' * 64], 'Created': 1, 'Size': 2},
            {'Id': 'sha256:' + 'a' * 64, 'RepoTags': ['reg/a:1'], 'RepoDigests': [], 'Created': 1, 'Size': 2},
        ],
        containers=[
            {'Id': '2', 'Names': ['/web'], 'Image': 'reg/z:1', 'ImageID': 'sha256:' + 'b' * 64, 'State': 'running'},
            {'Id': '1', 'Names': ['/legacy'], 'Image': 'reg/a:1', 'ImageID': 'sha256:' + 'a' * 64, 'State': 'created'},
        ],
    )
    facts = docker_engine.gather(SOCK, timeout=7)
    client = fake_client.instances[0]
    assert client.kwargs == {'base_url': SOCK, 'version': 'auto', 'timeout': 7}
    assert client.closed
    assert ('containers', {'all': True}) in client.api.calls
    assert facts['engine'] == {'name': 'podman', 'version': '4.3.1', 'api_version': '1.41'}
    assert [i['repo_tags'] for i in facts['images']] == [['reg/a:1'], ['reg/z:1']]
    assert [c['name'] for c in facts['containers']] == ['legacy', 'web']


def test_connect_with_tls(fake_client, tmp_path):
    paths = {}
    for name in ('ca', 'cert', 'key'):
        paths[name] = str(tmp_path / ('%s.pem' % name))
        with open(paths[name], 'w') as f:
            f.write('PEM')
    docker_engine.connect('tcp://engine:2376', timeout=5, tls_verify=True, ca_path=paths['ca'], client_cert=paths['cert'], client_key=paths['key'])
    tls = fake_client.instances[0].kwargs['tls']
    assert tls.verify is True
    assert tls.ca_cert == paths['ca']
    assert tls.cert == (paths['cert'], paths['key'])


def test_missing_tls_files_are_typed(fake_client, tmp_path):
    with pytest.raises(ImagefleetError) as excinfo:
        docker_engine.connect('tcp://engine:2376', client_cert=str(tmp_path / 'none.pem'), client_key=str(tmp_path / 'none.key'))
    assert excinfo.value.details['reason'] == 'tls'
    assert 'tcp://engine:2376' in excinfo.value.message


@pytest.mark.parametrize('cause, reason, words', [
    (FileNotFoundError(2, 'No such file or directory'), 'socket_missing', ['/run/test/engine.sock', 'does not exist']),
    (PermissionError(13, 'Permission denied'), 'permission_denied', ['Permission denied', '/run/test/engine.sock']),
    (ConnectionRefusedError(111, 'Connection refused'), 'connection_refused', ['refused', '/run/test/engine.sock']),
])
def test_connect_errors_are_typed(fake_client, cause, reason, words):
    fake_client.connect_error = connection_error(cause)
    with pytest.raises(ImagefleetError) as excinfo:
        docker_engine.gather(SOCK, timeout=3)
    assert excinfo.value.details == {'docker_host': SOCK, 'reason': reason}
    for word in words:
        assert word in excinfo.value.message


def test_timeout_while_listing(fake_client):
    fake_client.api_answer = FakeAPI(fail=requests.exceptions.ReadTimeout('read timed out'))
    with pytest.raises(ImagefleetError) as excinfo:
        docker_engine.gather(SOCK, timeout=3)
    assert excinfo.value.details['reason'] == 'timeout'
    assert 'within 3 seconds' in excinfo.value.message
    assert fake_client.instances[0].closed


def test_api_error_while_listing(fake_client):
    fake_client.api_answer = FakeAPI(fail=docker.errors.APIError('500 Server Error', response=FakeResponse(500), explanation='storage is broken'))
    with pytest.raises(ImagefleetError) as excinfo:
        docker_engine.gather(SOCK)
    assert excinfo.value.details == {'docker_host': SOCK, 'reason': 'api_error', 'status': 500}
    assert 'HTTP 500' in excinfo.value.message and 'storage is broken' in excinfo.value.message


def test_unknown_sdk_error_still_typed(fake_client):
    fake_client.connect_error = docker.errors.DockerException('something odd')
    with pytest.raises(ImagefleetError) as excinfo:
        docker_engine.connect('tcp://127.0.0.1:2375')
    assert excinfo.value.details['reason'] == 'engine_error'
    assert 'tcp://127.0.0.1:2375' in excinfo.value.message and 'something odd' in excinfo.value.message
