# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The registry options every module shares (documented in doc_fragments/registry.py)
and the per-host client pool built from them."""

from __future__ import annotations

import copy
import threading
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
)


def registry_argspec(**own: dict[str, Any]) -> dict[str, Any]:
    """A module's argspec: its own options plus a private copy of the shared ones."""
    spec = copy.deepcopy(REGISTRY_ARGSPEC)
    spec.update(own)
    return spec


class Registries:
    """One RegistryClient per registry host, created on first use, shared by threads."""

    def __init__(self, params: dict[str, Any], pool_size: int = 16) -> None:
        _check_numbers(params)
        self._params = params
        self._pool_size = pool_size
        self._clients: dict[str, RegistryClient] = {}
        self._lock = threading.Lock()
        self._explicit = dict((entry['registry'], Credentials(entry['username'], entry['password']))
                              for entry in params.get('registry_credentials') or [])

    def credentials_for(self, registry: str) -> Credentials | None:
        """Per-registry entry, then username/password, then the Docker config, else anonymous."""
        if registry in self._explicit:
            return self._explicit[registry]
        if self._params.get('username'):
            return Credentials(self._params['username'], self._params.get('password'))
        return from_docker_config(registry, self._params.get('auth_file'))

    def client(self, reference: ImageReference) -> RegistryClient:
        """The client for a parsed ImageReference's registry."""
        with self._lock:
            client = self._clients.get(reference.registry)
            if client is None:
                params = self._params
                client = RegistryClient(
                    reference.api_host,
                    credentials=self.credentials_for(reference.registry),
                    validate_certs=params.get('validate_certs', True),
                    ca_path=params.get('ca_path'),
                    insecure=reference.registry in (params.get('insecure_registries') or []),
                    timeout=params.get('timeout') or 60,
                    retries=params.get('retries', 3),
                    pool_size=self._pool_size,
                    chunk_size=params.get('chunk_size'),
                    max_retry_wait=params.get('max_retry_wait', DEFAULT_MAX_RETRY_WAIT),
                    max_layer_bytes=(params.get('max_layer_uncompressed_mb') or 0) * 1024 * 1024 or None,
                )
                self._clients[reference.registry] = client
            return client

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def _check_numbers(params):
    """Refuse option values no registry conversation could use, before any request."""
    chunk_size = params.get('chunk_size')
    if chunk_size is not None and chunk_size < 1:
        raise ImagefleetError('chunk_size must be a positive number of bytes (got %d); leave it unset to send '
                              'each blob in one PUT where the registry allows' % chunk_size)
    max_wait = params.get('max_retry_wait', DEFAULT_MAX_RETRY_WAIT)
    if max_wait is not None and max_wait < 0:
        raise ImagefleetError('max_retry_wait must be 0 or more seconds (got %d)' % max_wait)
