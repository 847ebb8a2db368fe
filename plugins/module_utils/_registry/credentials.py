# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Registry credentials: given explicitly, or looked up the way Docker does.

The lookup (config.json ``credHelpers``, ``credsStore``, ``auths``) is the
Docker SDK's own, so credential helpers behave exactly as for ``docker pull``.
"""

from __future__ import annotations

import importlib.util
import os

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import AuthError

# The SDK is imported only when there is a Docker config to read: the import alone costs about 70 ms of CPU, paid
# by every module run otherwise (most runs on a CI runner or AWX have no config.json).
HAS_DOCKER_SDK = importlib.util.find_spec('docker') is not None


class Credentials:
    """Username/password or an identity (refresh) token. Never printed."""

    __slots__ = ('username', 'password', 'identity_token')

    def __init__(self, username=None, password=None, identity_token=None):
        self.username = username
        self.password = password
        self.identity_token = identity_token

    def __bool__(self):
        return bool(self.username or self.identity_token)

    def __repr__(self):
        return 'Credentials(username=%r, secret=<hidden>)' % (self.username,)

    @property
    def basic(self):
        return (self.username, self.password or '') if self.username else None


def from_docker_config(registry, auth_file=None):
    """Credentials Docker would use for registry (host[:port] or 'docker.io'), or None."""
    if not HAS_DOCKER_SDK or not _docker_config_exists(auth_file):
        return None
    from docker import auth as docker_auth, errors as docker_errors
    try:
        config = docker_auth.load_config(config_path=auth_file)
        entry = docker_auth.resolve_authconfig(config, registry=registry)
    except docker_errors.DockerException as exc:
        raise AuthError('cannot read credentials for %s from the Docker config%s: %s'
                        % (registry, ' %s' % auth_file if auth_file else '', exc), registry=registry)
    if not entry:
        return None
    # auths entries use lower-case keys, credential stores capitalised ones.
    creds = Credentials(
        username=entry.get('username') or entry.get('Username'),
        password=entry.get('password') or entry.get('Password'),
        identity_token=entry.get('IdentityToken'),
    )
    return creds or None


def _docker_config_exists(auth_file):
    """Whether one of the files the SDK looks in exists (its find_config_file order: the file given, $DOCKER_CONFIG,
    ~/.docker/config.json, ~/.dockercfg); without one it finds no credentials and no credential helper."""
    docker_config = os.environ.get('DOCKER_CONFIG')
    candidates = (auth_file, docker_config and os.path.join(docker_config, 'config.json'),
                  os.path.join(os.path.expanduser('~'), '.docker', 'config.json'),
                  os.path.join(os.path.expanduser('~'), '.dockercfg'))
    return any(path and os.path.exists(path) for path in candidates)
