# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The registry options every module shares (documented in doc_fragments/registry.py) as
RegistryOptions, and the per-host clients built from them (Registries)."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ansible_collections.imagefleet.registry.plugins.module_utils._registry.credentials import Credentials, from_docker_config
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.client import RegistryClient
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.retry import DEFAULT_MAX_RETRY_WAIT

if TYPE_CHECKING:
    from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import ImageReference

REGISTRY_ARGSPEC = dict(
    username=dict(type='str'),
    password=dict(type='str', no_log=True),
    registry_credentials=dict(type='list', elements='dict', no_log=False, options=dict(
        registry=dict(type='str', required=True),
        username=dict(type='str', required=True),
        password=dict(type='str', required=True, no_log=True),
    )),
    auth_file=dict(type='path'),
    validate_certs=dict(type='bool', default=True),
    ca_path=dict(type='path'),
    insecure_registries=dict(type='list', elements='str', default=[]),
    timeout=dict(type='int', default=60),
    retries=dict(type='int', default=3),
    chunk_size=dict(type='int'),
    max_retry_wait=dict(type='int', default=DEFAULT_MAX_RETRY_WAIT),
    max_layer_uncompressed_mb=dict(type='int'),
    max_connections=dict(type='int', default=16),
)


def registry_argspec(**own: dict[str, Any]) -> dict[str, Any]:
    """A module's argspec: its own options plus a private copy of the shared ones."""
    spec = copy.deepcopy(REGISTRY_ARGSPEC)
    spec.update(own)
    return spec


@dataclass(frozen=True)
class RegistryOptions:
    """The shared registry options (REGISTRY_ARGSPEC), typed, with the same defaults.

    Modules build it with from_params(module.params); the inventory plugin builds it directly.
    """

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    registry_credentials: tuple[tuple[str, Credentials], ...] = ()
    auth_file: str | None = None
    validate_certs: bool = True
    ca_path: str | None = None
    insecure_registries: tuple[str, ...] = ()
    timeout: int = 60
    retries: int = 3
    chunk_size: int | None = None
    max_retry_wait: int = DEFAULT_MAX_RETRY_WAIT
    max_layer_uncompressed_mb: int | None = None
    max_connections: int = 16

    def __post_init__(self) -> None:
        _check_numbers(self)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> RegistryOptions:
        """The options from a module's params (absent or None values take the defaults)."""
        given = dict((name, params[name]) for name in _NAMES if params.get(name) is not None)
        given['registry_credentials'] = tuple((entry['registry'], Credentials(entry['username'], entry['password']))
                                              for entry in params.get('registry_credentials') or [])
        given['insecure_registries'] = tuple(params.get('insecure_registries') or ())
        return cls(**given)

    @property
    def max_layer_bytes(self) -> int | None:
        return (self.max_layer_uncompressed_mb or 0) * 1024 * 1024 or None


_NAMES = tuple(REGISTRY_ARGSPEC)


class Registries:
    """One RegistryClient per registry host, created on first use, shared by threads."""

    def __init__(self, options: RegistryOptions) -> None:
        self.options = options
        self._clients: dict[str, RegistryClient] = {}
        self._lock = threading.Lock()
        self._explicit = dict(options.registry_credentials)

    def credentials_for(self, registry: str) -> Credentials | None:
        """Per-registry entry, then username/password, then the Docker config, else anonymous."""
        if registry in self._explicit:
            return self._explicit[registry]
        if self.options.username:
            return Credentials(self.options.username, self.options.password)
        return from_docker_config(registry, self.options.auth_file)

    def client(self, reference: ImageReference) -> RegistryClient:
        """The client for a parsed ImageReference's registry."""
        with self._lock:
            client = self._clients.get(reference.registry)
            if client is None:
                options = self.options
                client = RegistryClient(
                    reference.api_host,
                    credentials=self.credentials_for(reference.registry),
                    validate_certs=options.validate_certs,
                    ca_path=options.ca_path,
                    insecure=reference.registry in options.insecure_registries,
                    timeout=options.timeout,
                    retries=options.retries,
                    max_connections=options.max_connections,
                    chunk_size=options.chunk_size,
                    max_retry_wait=options.max_retry_wait,
                    max_layer_bytes=options.max_layer_bytes,
                )
                self._clients[reference.registry] = client
            return client

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def _check_numbers(options: RegistryOptions) -> None:
    """Refuse option values no registry conversation could use, before any request."""
    if options.chunk_size is not None and options.chunk_size < 1:
        raise ImagefleetError('chunk_size must be a positive number of bytes (got %d); leave it unset to send '
                              'each blob in one PUT where the registry allows' % options.chunk_size)
    if options.timeout < 1:
        raise ImagefleetError('timeout must be 1 or more seconds (got %d)' % options.timeout)
    if options.retries < 0:
        raise ImagefleetError('retries must be 0 or more (got %d)' % options.retries)
    if options.max_connections < 1:
        raise ImagefleetError('max_connections must be 1 or more (got %d)' % options.max_connections)
    if options.max_retry_wait < 0:
        raise ImagefleetError('max_retry_wait must be 0 or more seconds (got %d)' % options.max_retry_wait)
