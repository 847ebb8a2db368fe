# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import base64
import json
import os
import stat

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._registry.credentials import Credentials, from_docker_config
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import AuthError


def write_config(tmp_path, doc):
    path = tmp_path / 'config.json'
    path.write_text(json.dumps(doc))
    return str(path)


def test_repr_hides_the_secret():
    creds = Credentials('u', 'hunter2-secret')
    assert 'hunter2' not in repr(creds) and 'hunter2' not in str(creds)
    assert creds.basic == ('u', 'hunter2-secret')


def test_auths_entry(tmp_path):
    path = write_config(tmp_path, {'auths': {'reg.example:5000': {'auth': base64.b64encode(b'u:p:w').decode()}}})
    creds = from_docker_config('reg.example:5000', path)
    assert (creds.username, creds.password) == ('u', 'p:w')
    assert from_docker_config('other.example', path) is None


def test_credential_helper(tmp_path, monkeypatch):
    helper = tmp_path / 'docker-credential-unittest'
    helper.write_text('#!/bin/sh\nread -r server || true\n'
                      'echo \'{"ServerURL": "\'"$server"\'", "Username": "hu", "Secret": "hs"}\'\n')
    helper.chmod(helper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv('PATH', str(tmp_path) + os.pathsep + os.environ.get('PATH', ''))
    path = write_config(tmp_path, {'credHelpers': {'reg.example': 'unittest'}})
    creds = from_docker_config('reg.example', path)
    assert (creds.username, creds.password) == ('hu', 'hs')


def test_missing_helper_is_a_clear_error(tmp_path):
    path = write_config(tmp_path, {'credHelpers': {'reg.example': 'does-not-exist-anywhere'}})
    with pytest.raises(AuthError, match='reg.example'):
        from_docker_config('reg.example', path)


def test_the_docker_config_is_found_where_the_sdk_looks(tmp_path, monkeypatch):
    home = tmp_path / 'home'
    home.mkdir()
    monkeypatch.setenv('HOME', str(home))
    monkeypatch.delenv('DOCKER_CONFIG', raising=False)
    # Nothing to read: no credentials, and the SDK is not even loaded.
    assert from_docker_config('reg.example:5000') is None
    (home / '.docker').mkdir()
    (home / '.docker' / 'config.json').write_text(json.dumps(
        {'auths': {'reg.example:5000': {'auth': base64.b64encode(b'u:p').decode()}}}))
    assert from_docker_config('reg.example:5000').username == 'u'
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    (elsewhere / 'config.json').write_text(json.dumps({'auths': {'reg.example:5000': {'auth': base64.b64encode(b'v:p').decode()}}}))
    monkeypatch.setenv('DOCKER_CONFIG', str(elsewhere))
    assert from_docker_config('reg.example:5000').username == 'v'
