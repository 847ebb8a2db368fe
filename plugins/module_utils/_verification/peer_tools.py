# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Asking skopeo or crane for a manifest, to cross-check what our own client read.

The tools are reached the way our client reaches the registry: plain HTTP only
where our client uses it, the same CA file, the same credentials (handed over in
a private Docker-format auth file, never on the command line). What a tool
prints is parsed as a manifest (``_image/manifest.parse_manifest``), never grepped:
schema 1 has no top-level mediaType and OCI's is optional.

Commands run through a ``run_command(args, environ_update)`` callable that
returns ``(rc, stdout bytes, stderr text)``; modules pass AnsibleModule.run_command.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError, ManifestError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.manifest import parse_manifest
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import DEFAULT_REGISTRY

TOOLS = ('skopeo', 'crane')
# crane (go-containerregistry's keychain) looks Docker Hub up under Docker's legacy index key.
_DOCKER_HUB_AUTH_KEYS = (DEFAULT_REGISTRY, 'https://index.docker.io/v1/')
_MAX_ERROR_CHARS = 400


class ToolMissingError(ImagefleetError):
    """A tool asked for is not installed where the task runs."""


def missing_tool_message(tool):
    """What to do when a requested tool is not on PATH."""
    return ('%s is not installed on the host this task runs on (for the verify playbook: the controller), or not on its '
            'PATH; install it with the imagefleet.registry.%s role, for instance: ansible-playbook '
            'imagefleet.registry.install_tools -e imagefleet_tool_hosts=localhost -e \'{"imagefleet_tools": ["%s"]}\''
            % (tool, tool, tool))


def find_tools(tools, which):
    """tool -> executable path for each requested tool (which(name) -> path or None); ToolMissingError otherwise."""
    paths = {}
    for tool in dict.fromkeys(tools):
        if tool not in TOOLS:
            raise ImagefleetError('unknown tool %r: choose from %s' % (tool, ', '.join(TOOLS)))
        paths[tool] = which(tool)
        if not paths[tool]:
            raise ToolMissingError(missing_tool_message(tool), tool=tool)
    return paths


@dataclass(frozen=True)
class Access:
    """How a tool reaches one registry: TLS, CA, credentials, limits."""

    tls_verify: bool = True
    ca_file: str | None = None
    cert_dir: str | None = None
    auth_dir: str | None = None
    timeout: int | None = None
    retries: int | None = None

    @property
    def auth_file(self):
        return os.path.join(self.auth_dir, 'config.json') if self.auth_dir else None


def tool_command(tool, path, reference, access):
    """(argv, environ_update) that prints the raw manifest of reference (an ImageReference)."""
    if tool == 'skopeo':
        argv = [path]
        if access.timeout:
            argv.append('--command-timeout=%ds' % access.timeout)
        argv.extend(['inspect', '--raw', '--tls-verify=%s' % ('true' if access.tls_verify else 'false')])
        if access.cert_dir:
            argv.append('--cert-dir=%s' % access.cert_dir)
        if access.auth_file:
            argv.append('--authfile=%s' % access.auth_file)
        if access.retries:
            argv.append('--retry-times=%d' % access.retries)
        argv.append('docker://%s' % reference)
        return argv, {}
    if tool == 'crane':
        argv = [path, 'manifest']
        if not access.tls_verify:
            argv.append('--insecure')
        argv.append(str(reference))
        environ = {}
        if access.ca_file:
            environ['SSL_CERT_FILE'] = access.ca_file  # Go's TLS stack reads its roots from here
        if access.auth_dir:
            environ['DOCKER_CONFIG'] = access.auth_dir
        return argv, environ
    raise ImagefleetError('unknown tool %r: choose from %s' % (tool, ', '.join(TOOLS)))


def auth_config(registry, credentials):
    """A Docker config.json document holding credentials for registry (skopeo's --authfile reads the same)."""
    entry = {'auth': base64.b64encode(('%s:%s' % (credentials.username or '', credentials.password or '')).encode('utf-8')).decode('ascii')}
    if credentials.identity_token:
        entry['identitytoken'] = credentials.identity_token
    keys = _DOCKER_HUB_AUTH_KEYS if registry == DEFAULT_REGISTRY else (registry,)
    return {'auths': dict((key, entry) for key in keys)}


def _error_text(stderr):
    lines = [line.strip() for line in (stderr or '').splitlines() if line.strip()]
    text = lines[-1] if lines else 'no error message'
    return text if len(text) <= _MAX_ERROR_CHARS else text[:_MAX_ERROR_CHARS] + '...'


def read_tool_manifest(tool, rc, out, err):
    """The Manifest a tool printed; ImagefleetError naming the tool when it failed or printed no manifest."""
    if rc != 0:
        raise ImagefleetError('%s failed (exit %d): %s' % (tool, rc, _error_text(err)), tool=tool)
    try:
        return parse_manifest(out)
    except ManifestError as exc:
        raise ImagefleetError('%s printed no usable manifest: %s' % (tool, exc.message), tool=tool)


@dataclass
class PeerTools:
    """The requested tools and what they see of destinations; one instance per module run, shared by threads.

    paths: tool -> executable; params: the shared registry options; workdir: a private directory for
    auth files and certificate directories; hide(secret) keeps a secret out of the task's output.
    """

    paths: dict[str, str]
    registries: Any
    params: dict[str, Any]
    run_command: Callable[..., tuple[int, str, str]]
    workdir: str
    hide: Callable[[str], None] | None = None
    _access: dict[str, Access] = field(default_factory=dict, init=False, repr=False)
    _lock: Any = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def tools(self):
        return tuple(self.paths)

    def manifest(self, tool, reference):
        """The manifest tool reads for reference (an ImageReference)."""
        argv, environ = tool_command(tool, self.paths[tool], reference, self.access(reference))
        rc, out, err = self.run_command(argv, environ)
        return read_tool_manifest(tool, rc, out, err)

    def access(self, reference):
        """How the tools reach reference's registry, worked out once per registry."""
        with self._lock:
            access = self._access.get(reference.registry)
            if access is None:
                access = self._access[reference.registry] = self._make_access(reference)
            return access

    def _make_access(self, reference):
        params = self.params
        # Our client has already talked to the registry; reuse the scheme it settled on.
        scheme = self.registries.client(reference).ping().split('://', 1)[0]
        insecure = reference.registry in (params.get('insecure_registries') or [])
        tls_verify = scheme == 'https' and not insecure and params.get('validate_certs', True)
        ca_file = params.get('ca_path') if tls_verify else None
        directory = os.path.join(self.workdir, reference.registry.replace(':', '_').replace('/', '_'))
        os.makedirs(directory, mode=0o700, exist_ok=True)
        cert_dir = None
        if ca_file:
            # skopeo reads the *.crt files of a directory, not one named file.
            cert_dir = os.path.join(directory, 'certs')
            os.makedirs(cert_dir, mode=0o700, exist_ok=True)
            shutil.copyfile(ca_file, os.path.join(cert_dir, 'ca.crt'))
        auth_dir = None
        credentials = self.registries.credentials_for(reference.registry)
        if credentials:
            for secret in (credentials.password, credentials.identity_token):
                if secret and self.hide:
                    self.hide(secret)
            auth_dir = os.path.join(directory, 'auth')
            os.makedirs(auth_dir, mode=0o700, exist_ok=True)
            descriptor = os.open(os.path.join(auth_dir, 'config.json'), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, 'w') as handle:
                json.dump(auth_config(reference.registry, credentials), handle)
        return Access(tls_verify=tls_verify, ca_file=ca_file, cert_dir=cert_dir, auth_dir=auth_dir,
                      timeout=params.get('timeout'), retries=params.get('retries'))
