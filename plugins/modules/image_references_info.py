#!/usr/bin/python
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: image_references_info
short_description: Find the image references of workloads (Kubernetes, Helm values, Kustomize, Compose, Dockerfiles) and their formats
version_added: 0.1.0
description:
  - Scans files and folders for every image reference with its file, line and the kind of place it comes from, and
    asks each reference's registry which manifest format it names, so that the workloads that reference Docker schema 1
    images (by tag, or pinned by a schema 1 digest) are known before containerd 2.0 or Docker 26 refuse to pull them.
  - "Kubernetes manifests (V(kubernetes)): multi-document YAML (or JSON, such as C(kubectl get -o json) writes), every
    object with a pod spec at any depth - Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, and custom
    resources with pod templates such as Argo Rollouts - and C(List) objects; C(initContainers), C(containers) and
    C(ephemeralContainers)."
  - "Live objects (O(objects)), as M(kubernetes.core.k8s_info) returns them: the same extraction, plus each pod's
    C(status.containerStatuses[].imageID) (V(kubernetes_status)) in its forms C(docker-pullable://repo@sha256:...) and
    C(repo@sha256:...); a bare C(sha256:...) is the node's local image id and is reported unresolved."
  - "Kustomize (V(kustomize)): the C(images) entries of C(kustomization.yaml) (C(name), C(newName), C(newTag), C(digest))."
  - "Compose (V(compose)): C(services.*.image) of files named like C(compose.yaml) or C(docker-compose.*.yml), or whose
    services all have an C(image) or C(build)."
  - "Helm values and any other YAML (V(helm)): every C(image) key holding a reference, or a map
    C({registry, repository, tag, digest})."
  - "Dockerfiles and Containerfiles (V(dockerfile), by file name): C(FROM) (with C(--platform)) and C(COPY --from=image).
    A stage name, or a reference built from C(ARG) values, is reported unresolved, not guessed."
  - Read-only. A file that cannot be read or parsed, and a reference that does not parse, are reported with file and
    line in RV(errors) and do not stop the scan.
extends_documentation_fragment:
  - imagefleet.registry.attributes.read_only
  - imagefleet.registry.registry
options:
  paths:
    description:
      - Files, folders (walked for C(*.yaml), C(*.yml) and Dockerfiles, hidden folders skipped) and glob patterns
        (C(**) for any depth) to scan.
      - At least one of O(paths) and O(objects) is required.
    type: list
    elements: path
    default: []
  exclude:
    description:
      - Glob patterns of files to leave out, matched against the path and the file name (for example V(*/templates/*) for
        Helm chart templates, which are not YAML before rendering).
    type: list
    elements: str
    default: []
  objects:
    description:
      - Live Kubernetes objects, exactly as the API returns them, for example the C(resources) of
        M(kubernetes.core.k8s_info) results. Objects of a C(List) kind are expanded.
      - Their references have RV(references[].source=live) and no line.
    type: list
    elements: dict
    default: []
  resolve:
    description:
      - Ask the registries for the format of every resolved reference (RV(references[].format)).
      - With V(false) nothing is sent to any registry.
    type: bool
    default: true
  parallel:
    description:
      - How many references are looked up at the same time.
    type: int
    default: 8
requirements:
  - PyYAML (it comes with ansible-core)
notes:
  - Lines and columns are 1-based and come from the YAML parser's own positions. A value reached through a YAML alias is
    reported where its anchor is, which is also where a rewrite changes it.
  - A registry that cannot be read, or a reference it does not have, leaves that reference's format null with the reason
    in RV(references[].message); it does not fail the task.
seealso:
  - module: imagefleet.registry.image_references
  - module: imagefleet.registry.image_manifest_info
  - module: imagefleet.registry.image_report
author:
  - imagefleet team (@imagefleet)
'''

EXAMPLES = r'''
- name: Which workloads of this GitOps checkout reference schema 1 images?
  imagefleet.registry.image_references_info:
    paths: [./clusters, ./charts/*/values*.yaml, ./docker/**/Dockerfile*]
    exclude: ['*/templates/*']
  register: refs

- name: The schema 1 ones
  ansible.builtin.debug:
    msg: "{{ refs.references | selectattr('legacy') | map(attribute='source') | zip(refs.references | selectattr('legacy') | map(attribute='line')) }}"

- name: Live objects of a cluster (kubernetes.core is only needed for this task)
  kubernetes.core.k8s_info:
    kind: "{{ item }}"
  loop: [Pod, Deployment, StatefulSet, DaemonSet, Job, CronJob]
  register: live

- name: Their references, pods' imageID included
  imagefleet.registry.image_references_info:
    objects: "{{ live.results | map(attribute='resources') | flatten }}"
  register: live_refs
'''

RETURN = r'''
references:
  description: Every image reference found, sorted by source and line.
  returned: success
  type: list
  elements: dict
  contains:
    source:
      description: The file, or V(live) for O(objects).
      type: str
      sample: clusters/prod/web.yaml
    line:
      description: 1-based line of the reference (of its map, for Helm image maps and Kustomize entries); null for live objects.
      type: int
      sample: 21
    kind:
      description: V(kubernetes), V(kubernetes_status), V(helm), V(kustomize), V(compose) or V(dockerfile).
      type: str
    workload:
      description:
        - Kubernetes C(Kind/namespace/name), the Compose service, the Dockerfile stage (C(stage NAME) or C(stage N)), the
          Kustomize image name, or the Helm values path holding the C(image) key.
      type: str
      sample: Deployment/shop/web
    container:
      description: The container (Kubernetes, Compose), else null.
      type: str
    field:
      description: Where in the file or object, as a path (C(spec.template.spec.containers[0].image)) or an instruction
        (C(FROM --platform=linux/amd64)).
      type: str
    image:
      description: The reference as written (Helm maps and Kustomize entries put together from their keys).
      type: str
      sample: registry.example.com/legacy/app:1.0
    reference:
      description: The reference normalised (C(nginx) is C(docker.io/library/nginx:latest)); null unless RV(references[].status=resolved).
      type: str
    status:
      description:
        - V(resolved), V(unresolved) (decided elsewhere - a Dockerfile stage or C(ARG), a template, a chart's default tag,
          a node's local image id) or V(invalid) (not an image reference).
      type: str
    format:
      description: Manifest format at the registry (V(v2s1) is Docker schema 1); null when not resolved or not looked up.
      type: str
    digest:
      description: Manifest digest the reference names at the registry.
      type: str
    legacy:
      description: Whether the reference names a Docker schema 1 image (by tag, or pinned by a schema 1 digest).
      type: bool
    replacement:
      description: Always null here; M(imagefleet.registry.image_report) fills it from C(mapping.json).
      type: str
    message:
      description: Why the reference is unresolved or invalid, or why its format is unknown.
      type: str
errors:
  description: Files that could not be read or parsed, paths matching nothing, and invalid references - C({source, line, message}).
  returned: success
  type: list
  elements: dict
  sample: [{source: clusters/broken.yaml, line: 7, message: "not valid YAML: mapping values are not allowed here"}]
files:
  description: How many files were scanned.
  returned: success
  type: int
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.imagefleet.registry.plugins.module_utils._audit.image_info import ON_ERROR_REPORT, inspect_images
from ansible_collections.imagefleet.registry.plugins.module_utils._module import require_libraries, run_module
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.options import Registries, RegistryOptions, registry_argspec
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.workloads import attach_formats, references_to_ask
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.workload_scan import (
    HAS_YAML,
    YAML_IMPORT_ERROR,
    errors_of,
    expand_paths,
    scan_file,
    scan_objects,
)


def find(module):
    params = module.params
    files, file_errors = expand_paths(params['paths'], params['exclude'])
    references = []
    for path in files:
        found, error = scan_file(path)
        references += found
        if error:
            file_errors.append(error)
    references += scan_objects(params['objects'])
    infos = []
    if params['resolve']:
        registries = Registries(RegistryOptions.from_params(params))
        try:
            infos = inspect_images(registries, references_to_ask(references), params['parallel'], ON_ERROR_REPORT)
        finally:
            registries.close()
    return {'changed': False, 'references': attach_formats(references, infos), 'errors': errors_of(references, file_errors),
            'files': len(files)}


def main():
    module = AnsibleModule(
        argument_spec=registry_argspec(
            paths=dict(type='list', elements='path', default=[]),
            exclude=dict(type='list', elements='str', default=[]),
            objects=dict(type='list', elements='dict', default=[]),
            resolve=dict(type='bool', default=True),
            parallel=dict(type='int', default=8),
        ),
        supports_check_mode=True,
    )
    if not HAS_YAML:
        module.fail_json(msg=missing_required_lib('PyYAML'), exception=YAML_IMPORT_ERROR)
    if not module.params['paths'] and not module.params['objects']:
        module.fail_json(msg='nothing to scan: give paths (files, folders, globs) and/or objects (live Kubernetes objects)')
    if module.params['resolve']:
        require_libraries(module)
    run_module(module, find)


if __name__ == '__main__':
    main()
