# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import base64
import json
import os
import stat

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._registry.credentials import Credentials
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._verification.peer_tools import (
    Access,
    PeerTools,
    ToolMissingError,
    auth_config,
    find_tools,
    read_tool_manifest,
    tool_command,
)
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import parse_reference
from ansible_collections.imagefleet.registry.plugins.module_utils._verification.verifier import Verifier, tool_problems
from ansible_collections.imagefleet.registry.tests.unit.plugins.module_utils.fake_registry import FakeRegistries, FakeRegistry
from ansible_collections.imagefleet.registry.tests.unit.plugins.module_utils.recorded import recorded


REF = parse_reference('reg.example.com:5000/team/app:1')


def recorded_raw(name):
    raw, _content_type, digest = recorded(name)
    return raw, digest


# -- command lines -----------------------------------------------------------------

def test_skopeo_command_verified_tls_with_a_ca_and_credentials():
    access = Access(tls_verify=True, ca_file='/ca.pem', cert_dir='/w/certs', auth_dir='/w/auth', timeout=60, retries=3)
    argv, environ = tool_command('skopeo', '/usr/bin/skopeo', REF, access)
    assert argv == ['/usr/bin/skopeo', '--command-timeout=60s', 'inspect', '--raw', '--tls-verify=true',
                    '--cert-dir=/w/certs', '--authfile=/w/auth/config.json', '--retry-times=3',
                    'docker://reg.example.com:5000/team/app:1']
    assert environ == {}


def test_skopeo_command_plain_http_anonymous():
    argv, environ = tool_command('skopeo', 'skopeo', parse_reference('127.0.0.1:5000/a@sha256:' + 'a' * 64), Access(tls_verify=False))
    assert argv == ['skopeo', 'inspect', '--raw', '--tls-verify=false', 'docker://127.0.0.1:5000/a@sha256:' + 'a' * 64]
    assert environ == {}


def test_crane_command():
    argv, environ = tool_command('crane', '/bin/crane', REF, Access(tls_verify=True, ca_file='/ca.pem', auth_dir='/w/auth'))
    assert argv == ['/bin/crane', 'manifest', 'reg.example.com:5000/team/app:1']
    assert environ == {'SSL_CERT_FILE': '/ca.pem', 'DOCKER_CONFIG': '/w/auth'}
    argv, environ = tool_command('crane', 'crane', REF, Access(tls_verify=False))
    assert argv == ['crane', 'manifest', '--insecure', 'reg.example.com:5000/team/app:1']
    assert environ == {}


def test_secrets_never_on_the_command_line():
    access = Access(auth_dir='/w/auth')
    for tool in ('skopeo', 'crane'):
        argv, environ = tool_command(tool, tool, REF, access)
        assert not any('creds' in arg or 'password' in arg for arg in argv)


def test_auth_config_docker_hub_under_both_keys():
    doc = auth_config('docker.io', Credentials('u', 'p:w'))
    assert set(doc['auths']) == {'docker.io', 'https://index.docker.io/v1/'}
    assert base64.b64decode(doc['auths']['docker.io']['auth']) == b'u:p:w'
    doc = auth_config('reg:5000', Credentials('u', None, identity_token='tok'))
    assert doc == {'auths': {'reg:5000': {'auth': base64.b64encode(b'u:').decode(), 'identitytoken': 'tok'}}}


# -- what the tools print ------------------------------------------------------------

@pytest.mark.parametrize('name, fmt', [
    ('schema1-multi', 'v2s1'), ('v2s2', 'v2s2'), ('oci', 'oci'), ('list', 'v2s2_list'), ('index', 'oci_index'),
])
def test_tool_output_is_parsed_and_digested_like_the_registry(name, fmt):
    raw, digest = recorded_raw(name)
    seen = read_tool_manifest('skopeo', 0, raw, '')
    assert (seen.format, seen.digest) == (fmt, digest)


def test_schema1_is_recognised_without_a_media_type_and_oci_without_one_too():
    raw, digest = recorded_raw('schema1-multi')
    assert 'mediaType' not in json.loads(raw)
    oci = json.loads(recorded_raw('oci')[0])
    del oci['mediaType']
    seen = read_tool_manifest('crane', 0, json.dumps(oci).encode(), '')
    assert seen.format == 'oci'


def test_a_media_type_in_a_layer_does_not_count():
    """What grep would get wrong: a v2s2 media type on a layer line of a schema 1 manifest."""
    doc = json.loads(recorded('schema1-multi')[0])
    doc['fsLayers'][0]['mediaType'] = 'application/vnd.docker.distribution.manifest.v2+json'
    assert read_tool_manifest('crane', 0, json.dumps(doc).encode(), '').format == 'v2s1'


def test_tool_failure_names_the_tool_with_its_last_error_line():
    err = 'time="x" level=warning msg="noise"\ntime="x" level=fatal msg="Error reading manifest 1: manifest unknown"\n'
    with pytest.raises(ImagefleetError, match=r'^skopeo failed \(exit 1\): time="x" level=fatal msg="Error reading manifest 1: manifest unknown"$'):
        read_tool_manifest('skopeo', 1, b'', err)
    with pytest.raises(ImagefleetError, match=r'^crane failed \(exit 2\): no error message$'):
        read_tool_manifest('crane', 2, b'', '')
    with pytest.raises(ImagefleetError, match='^crane printed no usable manifest: manifest is not JSON'):
        read_tool_manifest('crane', 0, b'Error: nope', '')
    with pytest.raises(ImagefleetError, match="^skopeo printed no usable manifest: manifest has unsupported schemaVersion 3"):
        read_tool_manifest('skopeo', 0, b'{"schemaVersion": 3}', '')


def test_find_tools():
    which = {'skopeo': '/usr/bin/skopeo'}.get
    assert find_tools(['skopeo', 'skopeo'], which) == {'skopeo': '/usr/bin/skopeo'}
    with pytest.raises(ToolMissingError, match='crane is not installed .* imagefleet.registry.crane role.* imagefleet.registry.install_tools'):
        find_tools(['skopeo', 'crane'], which)


# -- reaching the registry as our client does -----------------------------------------

def peers(tmp_path, base, credentials=None, calls=None, hidden=None, answer=(0, b'', ''), **params):
    def run(argv, environ):
        if calls is not None:
            calls.append((argv, environ))
        return answer

    scheme, host = base.split('://')
    return PeerTools({'skopeo': 'skopeo', 'crane': 'crane'}, FakeRegistries(FakeRegistry(host, scheme), credentials=credentials),
                     dict(dict(validate_certs=True, insecure_registries=[], timeout=60, retries=3), **params),
                     run, str(tmp_path), hide=hidden.append if hidden is not None else None)


def test_plain_http_is_not_verified_and_https_is(tmp_path):
    tools = peers(tmp_path, 'http://127.0.0.1:5000')
    assert tools.access(parse_reference('127.0.0.1:5000/a:1')).tls_verify is False
    tools = peers(tmp_path, 'https://reg.example.com:5000')
    assert tools.access(REF).tls_verify is True
    tools = peers(tmp_path, 'https://reg.example.com:5000', insecure_registries=['reg.example.com:5000'])
    assert tools.access(REF).tls_verify is False
    tools = peers(tmp_path, 'https://reg.example.com:5000', validate_certs=False)
    assert tools.access(REF).tls_verify is False


def test_ca_path_becomes_a_cert_dir(tmp_path):
    ca = tmp_path / 'bundle.pem'
    ca.write_text('PEM')
    tools = peers(tmp_path / 'work', 'https://reg.example.com:5000', ca_path=str(ca))
    access = tools.access(REF)
    assert access.ca_file == str(ca)
    assert os.listdir(access.cert_dir) == ['ca.crt']
    with open(os.path.join(access.cert_dir, 'ca.crt')) as f:
        assert f.read() == 'PEM'


def test_credentials_go_to_a_private_auth_file_and_are_hidden(tmp_path):
    calls, hidden = [], []
    tools = peers(tmp_path, 'https://reg.example.com:5000', Credentials('u', 's3cret'), calls=calls, hidden=hidden,
                  answer=(0, recorded('v2s2')[0], ''))
    seen = tools.manifest('skopeo', REF)
    assert seen.format == 'v2s2'
    assert hidden == ['s3cret']
    auth_file = tools.access(REF).auth_file
    assert stat.S_IMODE(os.stat(auth_file).st_mode) == 0o600
    with open(auth_file) as f:
        assert json.load(f)['auths']['reg.example.com:5000']['auth'] == base64.b64encode(b'u:s3cret').decode()
    argv = calls[0][0]
    assert '--authfile=%s' % auth_file in argv
    assert not any('s3cret' in arg for arg in argv)


def test_access_is_worked_out_once_per_registry(tmp_path):
    tools = peers(tmp_path, 'https://reg.example.com:5000')
    assert tools.access(REF) is tools.access(parse_reference('reg.example.com:5000/other:2'))


# -- the cross-check in the verifier ---------------------------------------------------

class FakePeers:
    tools = ('skopeo', 'crane')

    def __init__(self, answers):
        self.answers = answers

    def manifest(self, tool, reference):
        answer = self.answers[tool]
        if isinstance(answer, Exception):
            raise answer
        return read_tool_manifest(tool, 0, answer, '')


def cross_checked(monkeypatch, ours, answers):
    raw, digest = recorded_raw(ours)
    seen = read_tool_manifest('ours', 0, raw, '')

    def fake_verify(self, result, ref, target_format, src_ref, dest_digest):
        result['format'], result['digest'] = seen.format, seen.digest

    monkeypatch.setattr(Verifier, '_verify', fake_verify)
    return Verifier(registries=None, peers=FakePeers(answers)).verify('reg.example.com/a:1', 'v2s2')


def test_cross_check_agreeing_tools(monkeypatch):
    raw = recorded('v2s2')[0]
    result = cross_checked(monkeypatch, 'v2s2', {'skopeo': raw, 'crane': raw})
    assert result['ok'] and result['problems'] == []
    assert result['tools']['crane']['media_type'] == 'application/vnd.docker.distribution.manifest.v2+json'
    assert result['tools']['skopeo']['schema_version'] == 2


def test_cross_check_names_the_tool(monkeypatch):
    result = cross_checked(monkeypatch, 'v2s2', {'skopeo': recorded('schema1-multi')[0],
                                                 'crane': ImagefleetError('crane failed (exit 1): boom')})
    assert result['problems'] == ['skopeo reads it as v2s1, not v2s2 as read from the registry API',
                                  'crane failed (exit 1): boom']
    assert not result['ok'] and list(result['tools']) == ['skopeo']


def test_tool_problems_digest():
    raw, digest = recorded_raw('v2s2')
    seen = read_tool_manifest('crane', 0, raw, '')
    assert tool_problems('crane', seen, 'v2s2', digest) == []
    assert tool_problems('crane', seen, 'v2s2', 'sha256:' + 'f' * 64) == [
        'crane reads digest %s, not sha256:%s as read from the registry API' % (digest, 'f' * 64)]
