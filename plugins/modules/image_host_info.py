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
  - With O(engine=containerd), asks containerd (Kubernetes nodes) instead, through C(ctr), the client that ships with
    containerd, for the images and containers of one namespace (V(k8s.io), where the kubelet keeps them, by default).
    Images converted from Docker schema 1 when containerd pulled them are marked
    (RV(images[].converted_from_schema1)).
  - Meant for fleet audits before an engine upgrade that drops Docker schema 1 support; pair the
    returned RV(images[].repo_digests) and RV(containers[].image) with
    M(imagefleet.registry.image_manifest_info) to learn which of them are schema 1.
  - Read-only; it never changes the engine.
author:
  - imagefleet team (@imagefleet)
options:
  engine:
    description:
      - Which engine to ask. V(docker) speaks the Docker Engine API (Docker or Podman) at O(docker_host);
        V(containerd) runs C(ctr) against O(containerd_address) and O(namespace).
    type: str
    choices: [docker, containerd]
    default: docker
    version_added: 0.1.0
  containerd_address:
    description:
      - The path of containerd's gRPC socket, with O(engine=containerd).
      - If not set, the value of the E(CONTAINERD_ADDRESS) environment variable on the host is used,
        else V(/run/containerd/containerd.sock).
    type: path
    default: /run/containerd/containerd.sock
    version_added: 0.1.0
  namespace:
    description:
      - The containerd namespace to read, with O(engine=containerd). Kubernetes (the CRI) keeps its images and
        containers in V(k8s.io); Docker's own containerd uses V(moby).
      - A namespace containerd does not have is an error, not an empty list.
    type: str
    default: k8s.io
    version_added: 0.1.0
  ctr_path:
    description:
      - The C(ctr) program, with O(engine=containerd); looked up in E(PATH) (and the usual sbin folders) by default.
    type: path
    version_added: 0.1.0
  docker_host:
    description:
      - The engine's API address, with O(engine=docker), for example V(unix:///var/run/docker.sock),
        V(unix:///run/podman/podman.sock) or V(tcp://127.0.0.1:2376).
      - If not set, the value of the E(DOCKER_HOST) environment variable on the host is used,
        else V(unix:///var/run/docker.sock).
    type: str
    default: unix:///var/run/docker.sock
  timeout:
    description:
      - Seconds to wait for each answer of the engine (with O(engine=containerd), for each C(ctr) run).
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
  - docker (Python library, the Docker SDK for Python) >= 7.0, with O(engine=docker)
  - C(ctr) (shipped with containerd) on the host, with O(engine=containerd)
notes:
  - The user running the module must be allowed to use the engine's socket (root, or a member of
    the group owning it; use become where needed). containerd's socket is usually root's only.
  - "With O(engine=containerd), C(ctr) is used rather than a Python client: the one on PyPI was last released for
    containerd 1.5, while C(ctr) always matches its daemon. C(ctr images ls) prints a table (no JSON before
    containerd 2); it is read by the positions of its header words and fails clearly if the columns differ."
  - "containerd 1.x converts a schema 1 image when it pulls it and keeps only the conversion, under a digest no
    registry has. 1.7.8 and later label it C(io.containerd.image/converted-docker-schema1) with the schema 1 digest;
    1.6 and earlier 1.7 releases only mark the converted layers (C(containerd.io/docker.schema1.empty-layer)),
    which this module reads from C(ctr content ls)."

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

- name: A Kubernetes node's containerd (the kubelet's namespace, k8s.io)
  imagefleet.registry.image_host_info:
    engine: containerd
  become: true
  register: node

- name: Pods whose image containerd converted from schema 1 when it pulled it
  ansible.builtin.debug:
    msg: "{{ node.containers | selectattr('image', 'in', converted) | map(attribute='name') }}"
  vars:
    converted: "{{ node.images | selectattr('converted_from_schema1') | map(attribute='name') }}"

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
      description: V(podman), V(docker), V(containerd), or V(unknown) when the answer does not say.
      type: str
      sample: podman
    version:
      description: The engine's own version.
      type: str
      sample: 4.3.1
    api_version:
      description: The Docker Engine API version it speaks; null for containerd.
      type: str
      sample: '1.41'
    namespace:
      description: The containerd namespace read.
      type: str
      returned: with O(engine=containerd)
      sample: k8s.io
      version_added: 0.1.0
images:
  description:
    - Every tagged or pulled image the engine holds (intermediate build layers excluded), sorted by RV(images[].repo_tags).
    - With O(engine=containerd), every image record of the namespace, sorted by RV(images[].name), with the fields
      RV(images[].name), RV(images[].digest), RV(images[].media_type), RV(images[].labels),
      RV(images[].converted_from_schema1) and RV(images[].schema1_digest) only. The CRI keeps each image under its
      name, and also under its id (V(sha256:<config digest>)), and under C(name@digest) when pulled by digest.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The image's name in containerd (C(registry/repository:tag), C(...@digest), or the CRI's V(sha256:<id>)).
      type: str
      returned: with O(engine=containerd)
      sample: registry.example.com/app:1.0
      version_added: 0.1.0
    digest:
      description: Digest of the manifest (or index) the name points to, as containerd holds it. For an image converted
        from schema 1 on pull, no registry has this digest.
      type: str
      returned: with O(engine=containerd)
      sample: sha256:073610ed6a8aacb02670273f7ea6df39759174e9d07b789a9b3de454b5951f15
      version_added: 0.1.0
    media_type:
      description: Media type of that manifest (containerd 1.x stores schema 1 conversions as OCI manifests).
      type: str
      returned: with O(engine=containerd)
      sample: application/vnd.oci.image.manifest.v1+json
      version_added: 0.1.0
    labels:
      description: The image record's labels (C(io.containerd.image/converted-docker-schema1), C(io.cri-containerd.image), ...).
      type: dict
      returned: with O(engine=containerd)
      sample: {io.cri-containerd.image: managed}
      version_added: 0.1.0
    converted_from_schema1:
      description: Whether containerd converted this image from a Docker schema 1 manifest when it pulled it
        (the image label of containerd 1.7.8+, else the converter's mark on its layers).
      type: bool
      returned: with O(engine=containerd)
      sample: true
      version_added: 0.1.0
    schema1_digest:
      description: The digest of the schema 1 manifest it was converted from, when containerd recorded it (1.7.8+), else null.
      type: str
      returned: with O(engine=containerd)
      sample: null
      version_added: 0.1.0
    id:
      description: Image id (digest of its config), as V(sha256:<hex>).
      type: str
      returned: with O(engine=docker)
      sample: sha256:62270faca824decaac9bff081a701f5eb9989c5dd045e7021281d3ff88129a76
    repo_tags:
      description: Its C(repository:tag) names; empty for an untagged image.
      type: list
      returned: with O(engine=docker)
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
      returned: with O(engine=docker)
      sample: [registry.example.com/app@sha256:f3d4aa86e7679acbde8c5171e4093c91114e252207c691efa7940291fe0cc1d7]
    created:
      description: When the image was built, ISO 8601 in UTC.
      type: str
      returned: with O(engine=docker)
      sample: '2026-11-28T13:49:26Z'
    size:
      description: Size in bytes as the engine reports it.
      type: int
      returned: with O(engine=docker)
      sample: 11329
containers:
  description: Every container, running or not, sorted by RV(containers[].name).
  returned: success
  type: list
  elements: dict
  contains:
    labels:
      description: The container's labels (the kubelet's C(io.kubernetes.*) among them).
      type: dict
      returned: with O(engine=containerd)
      sample: {io.kubernetes.pod.name: web-0, io.kubernetes.pod.namespace: shop, io.kubernetes.container.name: app}
      version_added: 0.1.0
    pod_name:
      description: The pod (label C(io.kubernetes.pod.name)); null for a container the kubelet did not make.
      type: str
      returned: with O(engine=containerd)
      sample: web-0
      version_added: 0.1.0
    pod_namespace:
      description: The pod's Kubernetes namespace (label C(io.kubernetes.pod.namespace)).
      type: str
      returned: with O(engine=containerd)
      sample: shop
      version_added: 0.1.0
    container_name:
      description: The container's name in its pod (label C(io.kubernetes.container.name)); null for a pod's sandbox.
      type: str
      returned: with O(engine=containerd)
      sample: app
      version_added: 0.1.0
    id:
      description: Container id.
      type: str
      sample: 8d9247febc6c362380780189867b1681c7493645e7d7b7c7c794d5cb22568a65
    name:
      description:
        - Container name, without the leading slash of the API.
        - With O(engine=containerd), C(pod namespace/pod/container) from the kubelet's labels, else the container id.
      type: str
      sample: legacy
    image:
      description: The image as the container references it (a name, a C(name@digest), or an id).
      type: str
      sample: registry.example.com/app:1.0
    image_id:
      description: Id of the image the container was created from, as V(sha256:<hex>).
      type: str
      returned: with O(engine=docker)
      sample: sha256:62270faca824decaac9bff081a701f5eb9989c5dd045e7021281d3ff88129a76
    state:
      description: V(created), V(running), V(paused), V(restarting), V(exited), V(removing) or V(dead).
      type: str
      returned: with O(engine=docker)
      sample: created
"""

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.imagefleet.registry.plugins.module_utils._engines import containerd as containerd_engine
from ansible_collections.imagefleet.registry.plugins.module_utils._engines import docker as docker_engine
from ansible_collections.imagefleet.registry.plugins.module_utils._module import run_module


def _argument_spec():
    return dict(
        engine=dict(type='str', default='docker', choices=['docker', 'containerd']),
        containerd_address=dict(type='path', default=containerd_engine.DEFAULT_ADDRESS,
                                fallback=(env_fallback, ['CONTAINERD_ADDRESS'])),
        namespace=dict(type='str', default=containerd_engine.DEFAULT_NAMESPACE),
        ctr_path=dict(type='path'),
        docker_host=dict(type='str', default=docker_engine.DEFAULT_DOCKER_HOST, fallback=(env_fallback, ['DOCKER_HOST'])),
        timeout=dict(type='int', default=docker_engine.DEFAULT_TIMEOUT),
        tls_verify=dict(type='bool', default=False),
        ca_path=dict(type='path'),
        client_cert=dict(type='path'),
        client_key=dict(type='path', no_log=False),
    )


def _engine_for(module):
    params = module.params
    if params['engine'] == 'containerd':
        ctr = module.get_bin_path(params['ctr_path'] or 'ctr', required=True)
        return containerd_engine.ContainerdEngine(module.run_command, ctr, address=params['containerd_address'],
                                                  namespace=params['namespace'], timeout=params['timeout'])
    if not docker_engine.HAS_DOCKER:
        module.fail_json(msg=missing_required_lib('docker'), exception=docker_engine.DOCKER_IMPORT_ERROR)
    return docker_engine.DockerEngine(
        docker_host=params['docker_host'],
        timeout=params['timeout'],
        tls_verify=params['tls_verify'],
        ca_path=params['ca_path'],
        client_cert=params['client_cert'],
        client_key=params['client_key'],
    )


def _body(module):
    return dict(changed=False, **_engine_for(module).gather())


def main():
    module = AnsibleModule(
        argument_spec=_argument_spec(),
        required_together=[('client_cert', 'client_key')],
        supports_check_mode=True,
    )
    run_module(module, _body)


if __name__ == '__main__':
    main()
