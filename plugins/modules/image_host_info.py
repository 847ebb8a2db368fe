#!/usr/bin/python
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: image_host_info
short_description: List the images and containers a host's container engine holds
version_added: 0.1.0
description:
  - Asks a container engine through the Docker Engine API (Docker, or Podman's Docker-compatible
    C(podman system service)) for its images and for all its containers, running or not.
  - Meant for fleet audits before an engine upgrade that drops Docker schema 1 support; pair the
    returned RV(images[].repo_digests) and RV(containers[].image) with
    M(imagefleet.registry.image_manifest_info) to learn which of them are schema 1.
  - Read-only; it never changes the engine.
author:
  - imagefleet team (@imagefleet)
options:
  docker_host:
    description:
      - The engine's API address, for example V(unix:///var/run/docker.sock),
        V(unix:///run/podman/podman.sock) or V(tcp://127.0.0.1:2376).
      - If not set, the value of the E(DOCKER_HOST) environment variable on the host is used,
        else V(unix:///var/run/docker.sock).
    type: str
    default: unix:///var/run/docker.sock
  timeout:
    description:
      - Seconds to wait for each answer of the engine.
    type: int
    default: 60
  tls_verify:
    description:
      - Talk TLS to a V(tcp://) engine and verify its certificate against O(ca_path)
        (or the system's certificate authorities).
    type: bool
    default: false
  ca_path:
    description:
      - PEM file of the certificate authority that signed the engine's certificate.
      - Setting it turns TLS on.
    type: path
  client_cert:
    description:
      - PEM client certificate presented to an engine that requires mutual TLS.
      - Setting it turns TLS on; needs O(client_key).
    type: path
  client_key:
    description:
      - PEM private key of O(client_cert).
    type: path
extends_documentation_fragment:
  - imagefleet.registry.attributes.read_only
requirements:
  - docker (Python library, the Docker SDK for Python) >= 7.0
notes:
  - The user running the module must be allowed to use the engine's socket (root, or a member of
    the group owning it; use become where needed).
  - Image and container lists come from C(GET /images/json) and C(GET /containers/json?all=1); with
    Podman, images pulled by C(podman pull) into the same storage are listed too.
seealso:
  - module: imagefleet.registry.image_manifest_info
"""

EXAMPLES = r"""
- name: What does this host's Docker hold?
  imagefleet.registry.image_host_info:
  register: host_images

- name: Ask a rootful Podman's Docker-compatible service instead
  imagefleet.registry.image_host_info:
    docker_host: unix:///run/podman/podman.sock
  become: true
  register: host_images

- name: Names of the containers and the image each one references
  ansible.builtin.debug:
    msg: "{{ host_images.containers | items2dict(key_name='name', value_name='image') }}"

- name: A remote engine over mutual TLS
  imagefleet.registry.image_host_info:
    docker_host: tcp://engine.example.com:2376
    tls_verify: true
    ca_path: /etc/docker/certs/ca.pem
    client_cert: /etc/docker/certs/cert.pem
    client_key: /etc/docker/certs/key.pem
  delegate_to: localhost
"""

RETURN = r"""
engine:
  description: The engine that answered.
  returned: success
  type: dict
  contains:
    name:
      description: V(podman), V(docker), or V(unknown) when the answer does not say.
      type: str
      sample: podman
    version:
      description: The engine's own version.
      type: str
      sample: 4.3.1
    api_version:
      description: The Docker Engine API version it speaks.
      type: str
      sample: '1.41'
images:
  description: Every tagged or pulled image the engine holds (intermediate build layers excluded), sorted by RV(images[].repo_tags).
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Image id (digest of its config), as V(sha256:<hex>).
      type: str
      sample: sha256:62270faca824decaac9bff081a701f5eb9989c5dd045e7021281d3ff88129a76
    repo_tags:
      description: Its C(repository:tag) names; empty for an untagged image.
      type: list
      elements: str
      sample: [registry.example.com/app:1.0]
    repo_digests:
      description:
        - Its C(repository@digest) names, the manifest digests it was pulled by or pushed as.
        - Empty for an image that was built, imported or loaded locally and never pushed or pulled (Podman gives
          such an image a C(localhost/name@digest) instead); the host audit reports those as local and asks no
          registry about them.
      type: list
      elements: str
      sample: [registry.example.com/app@sha256:f3d4aa86e7679acbde8c5171e4093c91114e252207c691efa7940291fe0cc1d7]
    created:
      description: When the image was built, ISO 8601 in UTC.
      type: str
      sample: '2026-11-28T13:49:26Z'
    size:
      description: Size in bytes as the engine reports it.
      type: int
      sample: 11329
containers:
  description: Every container, running or not, sorted by RV(containers[].name).
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Container id.
      type: str
      sample: 8d9247febc6c362380780189867b1681c7493645e7d7b7c7c794d5cb22568a65
    name:
      description: Container name, without the leading slash of the API.
      type: str
      sample: legacy
    image:
      description: The image as the container references it (a name, a C(name@digest), or an id).
      type: str
      sample: registry.example.com/app:1.0
    image_id:
      description: Id of the image the container was created from, as V(sha256:<hex>).
      type: str
      sample: sha256:62270faca824decaac9bff081a701f5eb9989c5dd045e7021281d3ff88129a76
    state:
      description: V(created), V(running), V(paused), V(restarting), V(exited), V(removing) or V(dead).
      type: str
      sample: created
"""

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.imagefleet.registry.plugins.module_utils import _engine
from ansible_collections.imagefleet.registry.plugins.module_utils._module import run_module


def _argument_spec():
    return dict(
        docker_host=dict(type='str', default=_engine.DEFAULT_DOCKER_HOST, fallback=(env_fallback, ['DOCKER_HOST'])),
        timeout=dict(type='int', default=_engine.DEFAULT_TIMEOUT),
        tls_verify=dict(type='bool', default=False),
        ca_path=dict(type='path'),
        client_cert=dict(type='path'),
        client_key=dict(type='path', no_log=False),
    )


def _body(module):
    params = module.params
    facts = _engine.gather(
        docker_host=params['docker_host'],
        timeout=params['timeout'],
        tls_verify=params['tls_verify'],
        ca_path=params['ca_path'],
        client_cert=params['client_cert'],
        client_key=params['client_key'],
    )
    return dict(changed=False, **facts)


def main():
    module = AnsibleModule(
        argument_spec=_argument_spec(),
        required_together=[('client_cert', 'client_key')],
        supports_check_mode=True,
    )
    if not _engine.HAS_DOCKER:
        module.fail_json(msg=missing_required_lib('docker'), exception=_engine.DOCKER_IMPORT_ERROR)
    run_module(module, _body)


if __name__ == '__main__':
    main()
