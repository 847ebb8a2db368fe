# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Registry credentials: given explicitly, or looked up the way Docker does.

The lookup (config.json ``credHelpers``, ``credsStore``, ``auths``) is the
Docker SDK's own, so credential helpers behave exactly as for ``docker pull``.
"""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import AuthError

try:
    from docker import auth as docker_auth
    from docker import errors as docker_errors
    HAS_DOCKER_SDK = True
except ImportError:
    docker_auth = docker_errors = None
    HAS_DOCKER_SDK = False


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
    if not HAS_DOCKER_SDK:
        return None
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
