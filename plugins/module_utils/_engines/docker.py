# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Docker Engine API access (Docker, or Podman's Docker-compatible service) through the docker SDK.

Everything the SDK raises on purpose is turned into an ImagefleetError whose
message says what went wrong in the operator's terms (which socket is missing,
which one is not permitted); the details carry the engine address and a short
machine-readable ``reason``.
"""

from __future__ import annotations

import datetime
import re
import socket
import traceback

try:
    import docker
    import docker.errors
    import docker.tls
    import requests.exceptions
except ImportError:
    HAS_DOCKER = False
    DOCKER_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_DOCKER = True
    DOCKER_IMPORT_ERROR = None

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError

DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock'
DEFAULT_TIMEOUT = 60

_BARE_ID = re.compile(r'^[0-9a-f]{64}$')
_NONE_TAGS = ('<none>:<none>', '<none>@<none>')


def resolve_docker_host(docker_host=None):
    """The engine address: the given one, else the usual socket ($DOCKER_HOST is read once, by image_host_info's argspec)."""
    return docker_host or DEFAULT_DOCKER_HOST


def socket_path(docker_host):
    """The filesystem path of a unix:// engine address, None for any other scheme."""
    if docker_host.startswith('unix://'):
        return docker_host[len('unix://'):]
    return None


def _engine_error(message, docker_host, reason, **details):
    return ImagefleetError(message, docker_host=docker_host, reason=reason, **details)


def _causes(exc):
    """exc and every exception it was raised from or while handling."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        # urllib3 keeps the underlying error in .reason instead of chaining it.
        nxt = exc.__cause__ or exc.__context__
        if nxt is None and isinstance(getattr(exc, 'reason', None), BaseException):
            nxt = exc.reason
        if nxt is None and exc.args and isinstance(exc.args[-1], BaseException):
            nxt = exc.args[-1]
        exc = nxt


def map_error(exc, docker_host, timeout=None):
    """An ImagefleetError saying, in the operator's terms, why talking to the engine failed."""
    path = socket_path(docker_host)
    where = 'socket %s' % path if path else docker_host
    for cause in _causes(exc):
        if isinstance(cause, FileNotFoundError):
            return _engine_error(
                'The container engine socket %s does not exist: is Docker (or `podman system service`) running on this host,'
                ' and is docker_host right?' % (path or docker_host),
                docker_host, 'socket_missing')
        if isinstance(cause, PermissionError):
            return _engine_error(
                'Permission denied on the container engine %s: run as a user allowed to use it'
                ' (root, or a member of the group owning the socket, e.g. with become).' % where,
                docker_host, 'permission_denied')
        if isinstance(cause, ConnectionRefusedError):
            return _engine_error(
                'Connection refused by the container engine at %s: nothing is listening there.' % where,
                docker_host, 'connection_refused')
        if isinstance(cause, socket.timeout) or (HAS_DOCKER and isinstance(cause, requests.exceptions.Timeout)):
            return _engine_error(
                'The container engine at %s did not answer within %s seconds.' % (where, timeout),
                docker_host, 'timeout')
        if HAS_DOCKER and isinstance(cause, docker.errors.APIError):
            status = cause.status_code
            return _engine_error(
                'The container engine at %s answered with an error%s: %s'
                % (where, ' (HTTP %s)' % status if status else '', cause.explanation or cause),
                docker_host, 'api_error', status=status)
        if HAS_DOCKER and isinstance(cause, docker.errors.TLSParameterError):
            return _engine_error('Invalid TLS settings for the container engine at %s: %s' % (where, cause),
                                 docker_host, 'tls')
    return _engine_error('Cannot talk to the container engine at %s: %s' % (where, exc), docker_host, 'engine_error')


def connect(docker_host=None, timeout=DEFAULT_TIMEOUT, tls_verify=False, ca_path=None, client_cert=None, client_key=None):
    """A docker.DockerClient for the engine; raises ImagefleetError when it cannot be reached.

    The SDK asks the engine for its API version while connecting, so a missing
    socket or a refused connection shows up here.
    """
    docker_host = resolve_docker_host(docker_host)
    kwargs = {'base_url': docker_host, 'version': 'auto', 'timeout': timeout}
    try:
        if tls_verify or ca_path or client_cert:
            cert = (client_cert, client_key) if client_cert else None
            kwargs['tls'] = docker.tls.TLSConfig(client_cert=cert, ca_cert=ca_path, verify=bool(tls_verify))
        return docker.DockerClient(**kwargs)
    except docker.errors.DockerException as exc:
        raise map_error(exc, docker_host, timeout) from exc
    except requests.exceptions.RequestException as exc:
        raise map_error(exc, docker_host, timeout) from exc


def normalize_id(value):
    """Image ids as Docker spells them (``sha256:<hex>``); Podman's libpod side gives bare hex."""
    if value and _BARE_ID.match(value):
        return 'sha256:' + value
    return value


def _iso(epoch):
    if not isinstance(epoch, (int, float)) or isinstance(epoch, bool):
        return epoch
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _real(names):
    return [name for name in (names or []) if name not in _NONE_TAGS]


def image_facts(raw):
    """One entry of ``GET /images/json`` as the module returns it."""
    return {
        'id': normalize_id(raw.get('Id')),
        'repo_tags': _real(raw.get('RepoTags')),
        'repo_digests': _real(raw.get('RepoDigests')),
        'created': _iso(raw.get('Created')),
        'size': raw.get('Size'),
    }


def container_facts(raw):
    """One entry of ``GET /containers/json?all=1`` as the module returns it."""
    names = raw.get('Names') or []
    name = names[0].lstrip('/') if names else (raw.get('Name') or '').lstrip('/')
    return {
        'id': raw.get('Id'),
        'name': name,
        'image': raw.get('Image'),
        'image_id': normalize_id(raw.get('ImageID')),
        'state': (raw.get('State') or '').lower() or None,
    }


def engine_name(version):
    """``podman``, ``docker`` or ``unknown`` from a ``GET /version`` answer."""
    for component in version.get('Components') or []:
        name = (component.get('Name') or '').lower()
        if 'podman' in name:
            return 'podman'
        if name == 'engine':
            return 'docker'
    return 'unknown'


def engine_facts(version):
    return {
        'name': engine_name(version),
        'version': version.get('Version'),
        'api_version': version.get('ApiVersion'),
    }


def host_inventory(client, docker_host, timeout=None):
    """``{engine, images, containers}`` read from the engine; read-only."""
    try:
        version = client.version()
        images = client.api.images()
        containers = client.api.containers(all=True)
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise map_error(exc, docker_host, timeout) from exc
    image_list = sorted((image_facts(raw) for raw in images), key=lambda i: (i['repo_tags'], i['id'] or ''))
    container_list = sorted((container_facts(raw) for raw in containers), key=lambda c: (c['name'], c['id'] or ''))
    return {
        'engine': engine_facts(version),
        'images': image_list,
        'containers': container_list,
    }


def gather(docker_host=None, timeout=DEFAULT_TIMEOUT, **tls):
    """Connect, read the inventory, close the client."""
    docker_host = resolve_docker_host(docker_host)
    client = connect(docker_host, timeout=timeout, **tls)
    try:
        return host_inventory(client, docker_host, timeout)
    finally:
        client.close()


class DockerEngine:
    """The Docker Engine API (Docker, or Podman's service) beside containerd.ContainerdEngine: gather() gives both
    engines' ``{engine, images, containers}``."""

    def __init__(self, docker_host=None, timeout=DEFAULT_TIMEOUT, **tls):
        self.docker_host = docker_host
        self.timeout = timeout
        self.tls = tls

    def gather(self):
        return gather(docker_host=self.docker_host, timeout=self.timeout, **self.tls)
