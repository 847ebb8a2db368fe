# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.imagefleet.registry.plugins.module_utils._engines import containerd as containerd_engine
from ansible_collections.imagefleet.registry.plugins.module_utils._engines import docker as docker_engine
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.modules import image_host_info

FACTS = {
    'engine': {'name': 'podman', 'version': '4.3.1', 'api_version': '1.41'},
    'images': [{'id': 'sha256:' + 'a' * 64, 'repo_tags': ['reg/a:1'], 'repo_digests': ['reg/a@sha256:' + 'c' * 64],
                'created': '2026-01-01T00:00:00Z', 'size': 3}],
    'containers': [{'id': '1', 'name': 'legacy', 'image': 'reg/a:1', 'image_id': 'sha256:' + 'a' * 64, 'state': 'created'}],
}


def run(capsys, args):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as excinfo:
            image_host_info.main()
    result = json.loads(capsys.readouterr().out)
    return excinfo.value.code, result


@pytest.fixture
def gathered(monkeypatch):
    calls = []

    def fake_gather(**kwargs):
        calls.append(kwargs)
        return FACTS

    monkeypatch.setattr(docker_engine, 'HAS_DOCKER', True)
    monkeypatch.setattr(docker_engine, 'gather', fake_gather)
    return calls


def test_defaults_and_result(capsys, gathered, monkeypatch):
    monkeypatch.delenv('DOCKER_HOST', raising=False)
    code, result = run(capsys, {})
    assert code == 0
    assert result['changed'] is False
    assert result['images'] == FACTS['images']
    assert result['containers'] == FACTS['containers']
    assert result['engine'] == FACTS['engine']
    assert gathered == [{'docker_host': 'unix:///var/run/docker.sock', 'timeout': 60, 'tls_verify': False,
                         'ca_path': None, 'client_cert': None, 'client_key': None}]


def test_docker_host_from_environment(capsys, gathered, monkeypatch):
    monkeypatch.setenv('DOCKER_HOST', 'unix:///run/podman/podman.sock')
    code, dummy = run(capsys, {})
    assert code == 0
    assert gathered[0]['docker_host'] == 'unix:///run/podman/podman.sock'


def test_check_mode_reads_the_same(capsys, gathered):
    code, result = run(capsys, {'docker_host': 'unix:///x.sock', '_ansible_check_mode': True, 'timeout': 5})
    assert code == 0
    assert result['changed'] is False
    assert result['containers'] == FACTS['containers']
    assert gathered[0]['docker_host'] == 'unix:///x.sock' and gathered[0]['timeout'] == 5


def test_typed_error_becomes_failure(capsys, monkeypatch):
    def fake_gather(**kwargs):
        raise ImagefleetError('The container engine socket /x.sock does not exist', docker_host='unix:///x.sock', reason='socket_missing')

    monkeypatch.setattr(docker_engine, 'HAS_DOCKER', True)
    monkeypatch.setattr(docker_engine, 'gather', fake_gather)
    code, result = run(capsys, {'docker_host': 'unix:///x.sock'})
    assert code == 1
    assert result['failed'] is True
    assert '/x.sock' in result['msg']
    assert result['reason'] == 'socket_missing'
    assert result['error_type'] == 'ImagefleetError'


def test_missing_docker_sdk(capsys, monkeypatch):
    monkeypatch.setattr(docker_engine, 'HAS_DOCKER', False)
    monkeypatch.setattr(docker_engine, 'DOCKER_IMPORT_ERROR', 'Traceback: no module named docker')
    code, result = run(capsys, {})
    assert code == 1
    assert 'docker' in result['msg']


def test_client_cert_needs_key(capsys, gathered):
    code, result = run(capsys, {'client_cert': '/c.pem'})
    assert code == 1
    assert 'client_key' in result['msg']
    assert not gathered


CONTAINERD_FACTS = {
    'engine': {'name': 'containerd', 'version': '1.6.20', 'api_version': None, 'namespace': 'k8s.io'},
    'images': [{'name': 'reg/a:1', 'digest': 'sha256:' + 'd' * 64, 'media_type': 'application/vnd.oci.image.manifest.v1+json',
                'labels': {}, 'converted_from_schema1': True, 'schema1_digest': None}],
    'containers': [{'id': 'c1', 'name': 'shop/web-0/app', 'image': 'reg/a:1', 'labels': {}, 'pod_name': 'web-0',
                    'pod_namespace': 'shop', 'container_name': 'app'}],
}


def test_containerd_through_ctr_without_the_docker_sdk(capsys, monkeypatch):
    engines = []

    def fake_gather(self):
        engines.append(self)
        return CONTAINERD_FACTS

    monkeypatch.setattr(docker_engine, 'HAS_DOCKER', False)
    monkeypatch.setattr(containerd_engine.ContainerdEngine, 'gather', fake_gather)
    monkeypatch.setenv('CONTAINERD_ADDRESS', '/run/k3s/containerd/containerd.sock')
    code, result = run(capsys, {'engine': 'containerd', 'ctr_path': '/bin/sh', '_ansible_check_mode': True})
    assert code == 0 and result['changed'] is False
    assert result['images'] == CONTAINERD_FACTS['images'] and result['containers'] == CONTAINERD_FACTS['containers']
    ctd = engines[0]
    assert (ctd.ctr_path, ctd.address, ctd.namespace, ctd.timeout) == ('/bin/sh', '/run/k3s/containerd/containerd.sock', 'k8s.io', 60)


def test_containerd_without_ctr(capsys, monkeypatch):
    code, result = run(capsys, {'engine': 'containerd', 'ctr_path': '/nonexistent/ctr'})
    assert code == 1 and 'ctr' in result['msg']
