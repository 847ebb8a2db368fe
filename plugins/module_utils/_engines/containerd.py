# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""containerd access through `ctr`, the client that ships with every containerd.

Why ctr and not a Python client: the one on PyPI (``containerd``, generated gRPC
stubs) was last released in 2021 for containerd 1.5's API, and a module shipping
its own generated stubs would have to follow containerd's API by hand. ctr comes
with the daemon, so it always speaks its version. Its cost is its output: 1.6
has no JSON for image and content lists, only tables. The parsers below are pure
functions (unit-tested on recorded output) and read those tables by the
positions of their header words (``images ls``: cells such as ``224.2 KiB`` hold
spaces) or by tabs (``content ls``); ``containers info`` is JSON.

Read-only: only ``version``, ``namespaces ls``, ``images ls``, ``content ls``,
``containers ls`` and ``containers info`` are run.
"""

from __future__ import annotations

import json
import re
import socket

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError

DEFAULT_ADDRESS = '/run/containerd/containerd.sock'
DEFAULT_NAMESPACE = 'k8s.io'
ENGINE_NAME = 'containerd'

# Set by containerd 1.7.8+ on an image it converted from schema 1 when pulling it; the value is the schema 1 digest.
CONVERTED_LABEL = 'io.containerd.image/converted-docker-schema1'
# Set by the schema 1 converter (1.x, before that label existed too) on every layer blob of a converted image.
SCHEMA1_LAYER_LABEL = 'containerd.io/docker.schema1.empty-layer'
_GC_CONTENT_LABEL = 'containerd.io/gc.ref.content.'
# Set on what containerd fetched from a registry; a manifest it made itself (a conversion) has none.
_DISTRIBUTION_SOURCE_LABEL = 'containerd.io/distribution.source.'
K8S_POD = 'io.kubernetes.pod.name'
K8S_NAMESPACE = 'io.kubernetes.pod.namespace'
K8S_CONTAINER = 'io.kubernetes.container.name'

_IMAGE_COLUMNS = ('REF', 'TYPE', 'DIGEST', 'LABELS')
_DIGEST = re.compile(r'^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$')


def _error(message, address, reason, **details):
    return ImagefleetError(message, containerd_address=address, reason=reason, **details)


def parse_labels(cell):
    """``k=v,k2=v2`` (``-`` or empty for none) -> dict; a comma inside a value stays in that value."""
    labels = {}
    last = None
    for part in (cell or '').strip().split(','):
        if not part or part == '-':
            continue
        key, sep, value = part.partition('=')
        if sep and key.strip():
            last = key.strip()
            labels[last] = value
        elif last is not None:
            labels[last] += ',' + part
    return labels


def parse_columns(text, command):
    """Rows of a ctr table padded with spaces, as dicts header word -> cell, read by the header words' positions."""
    lines = [line.rstrip() for line in (text or '').splitlines() if line.strip()]
    if not lines:
        raise ImagefleetError('`%s` printed nothing, not even its header' % command, reason='ctr_output')
    starts = [(m.group(0), m.start()) for m in re.finditer(r'\S+', lines[0])]
    rows = []
    for line in lines[1:]:
        row = {}
        for index, (name, start) in enumerate(starts):
            end = starts[index + 1][1] if index + 1 < len(starts) else None
            row[name] = line[start:end].strip()
        rows.append(row)
    return [name for name, _start in starts], rows


def parse_image_list(text):
    """``ctr images ls`` -> [{name, digest, media_type, labels}] in its order."""
    columns, rows = parse_columns(text, 'ctr images ls')
    missing = [name for name in _IMAGE_COLUMNS if name not in columns]
    if missing:
        raise ImagefleetError('`ctr images ls` printed columns %s, without %s: this ctr is not supported'
                              % (' '.join(columns), ' '.join(missing)), reason='ctr_output')
    images = []
    for row in rows:
        if not row['REF'] or not _DIGEST.match(row['DIGEST']) or ' ' in row['REF']:
            raise ImagefleetError('`ctr images ls` printed a line that does not fit its header: %r' % row, reason='ctr_output')
        images.append({'name': row['REF'], 'digest': row['DIGEST'], 'media_type': row['TYPE'],
                       'labels': parse_labels(row['LABELS'])})
    return images


def parse_content_list(text):
    """``ctr content ls`` (tab-separated: DIGEST SIZE AGE LABELS) -> {digest: labels}."""
    content = {}
    for line in (text or '').splitlines()[1:]:
        cells = [cell for cell in line.split('\t') if cell.strip()]
        if not cells or not _DIGEST.match(cells[0].strip()):
            continue
        content[cells[0].strip()] = parse_labels(cells[3]) if len(cells) > 3 else {}
    return content


def converted_from_schema1(image, content):
    """Whether containerd made this image from a schema 1 manifest when it pulled it: the image label (1.7.8+), or
    (1.6 and 1.7 before 1.7.8 leave no image label) a manifest containerd made itself, not fetched, whose layers carry
    the converter's mark. The mark alone is not enough: a conversion in a registry, pulled as such, shares the layers."""
    if CONVERTED_LABEL in image['labels']:
        return True
    manifest = content.get(image['digest']) or {}
    if not manifest or any(key.startswith(_DISTRIBUTION_SOURCE_LABEL) for key in manifest):
        return False
    refs = [digest for key, digest in manifest.items() if key.startswith(_GC_CONTENT_LABEL)]
    return any(SCHEMA1_LAYER_LABEL in (content.get(digest) or {}) for digest in refs)


def image_facts(image, content):
    """One image of ``ctr images ls`` with what tells a conversion on pull."""
    return dict(image, converted_from_schema1=converted_from_schema1(image, content),
                schema1_digest=image['labels'].get(CONVERTED_LABEL) or None)


def container_facts(info):
    """``ctr containers info ID`` (JSON) -> {id, name, image, labels, pod_name, pod_namespace, container_name}.

    name is ``pod namespace/pod/container`` for a container the kubelet made (from its io.kubernetes.* labels),
    else the id.
    """
    labels = info.get('Labels') or {}
    pod, namespace, container = labels.get(K8S_POD), labels.get(K8S_NAMESPACE), labels.get(K8S_CONTAINER)
    parts = [part for part in (namespace, pod, container) if part]
    return {
        'id': info.get('ID'),
        'name': '/'.join(parts) if pod else info.get('ID'),
        'image': info.get('Image') or None,
        'labels': labels,
        'pod_name': pod,
        'pod_namespace': namespace,
        'container_name': container,
    }


def parse_server_version(text):
    """The server's ``Version:`` from ``ctr version``."""
    in_server = False
    for line in (text or '').splitlines():
        if line.strip() == 'Server:':
            in_server = True
        elif in_server and line.strip().startswith('Version:'):
            return line.split(':', 1)[1].strip()
    return None


def check_socket(address, timeout):
    """Connect to the socket once, so that a missing or forbidden socket gets a clear error before ctr runs
    (ctr itself only says ``context deadline exceeded`` after its timeout for a missing one)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(address)
    except FileNotFoundError:
        raise _error('The containerd socket %s does not exist: is containerd running on this host, and is'
                     ' containerd_address right?' % address, address, 'socket_missing')
    except PermissionError:
        raise _error('Permission denied on the containerd socket %s: run as a user allowed to use it (root, usually,'
                     ' e.g. with become).' % address, address, 'permission_denied')
    except ConnectionRefusedError:
        raise _error('Connection refused by the containerd socket %s: nothing is listening there.' % address,
                     address, 'connection_refused')
    except socket.timeout:
        raise _error('containerd at %s did not answer within %s seconds.' % (address, timeout), address, 'timeout')
    except OSError as exc:
        raise _error('Cannot connect to the containerd socket %s: %s' % (address, exc), address, 'engine_error')
    finally:
        sock.close()


def ctr_failure(args, rc, stderr, address):
    """An ImagefleetError for a ctr run that failed."""
    text = (stderr or '').strip() or 'exit code %s' % rc
    if 'permission denied' in text.lower():
        return _error('Permission denied on the containerd socket %s: run as a user allowed to use it (root, usually,'
                      ' e.g. with become). ctr said: %s' % (address, text), address, 'permission_denied')
    return _error('`ctr %s` failed against containerd at %s: %s' % (' '.join(args), address, text), address, 'ctr_error',
                  rc=rc)


class ContainerdEngine:
    """Images and containers of one containerd namespace, read with ctr.

    run_command is AnsibleModule.run_command (or a stand-in with its signature, for tests).
    """

    def __init__(self, run_command, ctr_path, address=DEFAULT_ADDRESS, namespace=DEFAULT_NAMESPACE, timeout=60):
        self.run_command = run_command
        self.ctr_path = ctr_path
        self.address = address
        self.namespace = namespace
        self.timeout = timeout

    def ctr(self, *args):
        command = [self.ctr_path, '--address', self.address, '--namespace', self.namespace,
                   '--connect-timeout', '%ss' % self.timeout, '--timeout', '%ss' % self.timeout] + list(args)
        rc, out, err = self.run_command(command, check_rc=False)
        if rc != 0:
            raise ctr_failure(args, rc, err, self.address)
        return out

    def gather(self):
        """``{engine, images, containers}``; read-only."""
        check_socket(self.address, self.timeout)
        version = parse_server_version(self.ctr('version'))
        namespaces = [line.strip() for line in self.ctr('namespaces', 'ls', '-q').splitlines() if line.strip()]
        if self.namespace not in namespaces:
            # ctr would list an unknown namespace as empty: an audit must not take that for a clean node.
            raise _error('containerd at %s has no namespace %r (it has: %s); Kubernetes uses k8s.io, Docker moby.'
                         % (self.address, self.namespace, ', '.join(sorted(namespaces)) or 'none'),
                         self.address, 'namespace_unknown', namespace=self.namespace)
        content = parse_content_list(self.ctr('content', 'ls'))
        images = [image_facts(image, content) for image in parse_image_list(self.ctr('images', 'ls'))]
        ids = [line.strip() for line in self.ctr('containers', 'ls', '-q').splitlines() if line.strip()]
        containers = []
        for container_id in ids:
            try:
                text = self.ctr('containers', 'info', container_id)
            except ImagefleetError as exc:
                if 'not found' in exc.message:
                    continue    # removed since `containers ls`: the kubelet does that all the time
                raise
            try:
                info = json.loads(text)
            except ValueError:
                raise _error('`ctr containers info %s` did not print JSON: %s' % (container_id, text[:200]),
                             self.address, 'ctr_output')
            containers.append(container_facts(info))
        return {
            'engine': {'name': ENGINE_NAME, 'version': version, 'api_version': None, 'namespace': self.namespace},
            'images': sorted(images, key=lambda i: i['name']),
            'containers': sorted(containers, key=lambda c: (c['name'] or '', c['id'] or '')),
        }
