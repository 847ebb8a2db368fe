#!/usr/bin/python
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: image_report_artifact
short_description: Keep report directories in a registry as OCI artifacts, and get them back
version_added: 0.1.0
description:
  - Reports written into a job's own file system (an AWX execution environment, a CI runner) are gone when the job ends.
    This module pushes a report directory (C(audit.json), C(audit.md), C(audit.html), C(mapping.json), C(mapping.csv),
    C(hosts.json), C(hosts.md), C(workloads.json), C(workloads.csv), C(history.json), those present) to a registry as one
    OCI artifact, and pulls every artifact of a run back.
  - 'The artifact is an OCI image manifest with C(artifactType: application/vnd.imagefleet.report.v1+json), the empty
    config (C(application/vnd.oci.empty.v1+json), the 2-byte C({})) and one layer per file with its media type
    (C(application/json), C(text/markdown), C(text/html), C(text/csv)) and its name in the C(org.opencontainers.image.title)
    annotation: the layout C(oras pull) understands.'
  - It is tagged C(<run>.<slice>) (O(run), O(slice)), so that the slices of an AWX sliced job each push their own
    artifact and O(state=pull) finds all of a run's through the repository's tag list.
  - With O(state=push) the manifest is built from the files alone (no timestamp of its own), so pushing an unchanged
    directory again changes nothing.
  - With O(state=pull) every artifact of O(run) is written into O(path)C(/<slice>/), each file checked against the size
    and digest its manifest gives; a file is only written when its content changes.
author:
  - imagefleet team (@imagefleet)
extends_documentation_fragment:
  - imagefleet.registry.registry
options:
  state:
    description:
      - V(push) the report directory O(path) as the artifact of O(run) and O(slice).
      - V(pull) every artifact of O(run) into O(path).
    type: str
    choices: [push, pull]
    default: push
  repository:
    description:
      - The report repository, C(<registry>/<repository>) without a tag, for example V(registry.example.com/imagefleet/reports).
    type: str
    required: true
  run:
    description:
      - Name of the run the artifact belongs to (1-63 letters, digits, V(_) or V(-), no dots), for example the AWX
        workflow job id of a sliced job.
    type: str
    required: true
  slice:
    description:
      - Name of this slice of the run, with the same rules as O(run); required with O(state=push).
    type: str
  path:
    description:
      - V(push) - the report directory to push.
      - V(pull) - the directory that receives one sub-directory per slice; created when missing.
    type: path
    required: true
  files:
    description:
      - V(push) - the file names in O(path) to push, in this order; default every report file present.
    type: list
    elements: str
attributes:
  check_mode:
    support: full
    description:
      - O(state=push) only reads the registry and reports whether it would push; O(state=pull) reads the registry and
        writes no file. Playbooks that want the push in check mode too set C(check_mode=false) on the task.
  diff_mode:
    support: none
    description: Artifacts are replaced whole; see RV(digest) and RV(files).
  idempotent:
    support: full
    description: The same files give the same manifest digest; nothing is pushed or written when it is already there.
seealso:
  - module: imagefleet.registry.image_report
  - name: OCI image manifest (artifacts guidance)
    description: How artifacts use C(artifactType) and the empty config.
    link: https://github.com/opencontainers/image-spec/blob/main/manifest.md#guidelines-for-artifact-usage
'''

EXAMPLES = r'''
- name: Keep this run's report (AWX slice) in the registry
  imagefleet.registry.image_report_artifact:
    repository: registry.example.com/imagefleet/reports
    run: "{{ awx_workflow_job_id | default(awx_job_id) }}"
    slice: "{{ awx_job_id }}"
    path: ./imagefleet-report
  register: artifact    # artifact.pinned: registry.example.com/imagefleet/reports@sha256:...

- name: Get every slice's report of run 4711 back
  imagefleet.registry.image_report_artifact:
    state: pull
    repository: registry.example.com/imagefleet/reports
    run: "4711"
    path: ./reports-4711
  register: pulled      # pulled.artifacts[].files['audit.json'], ...
'''

RETURN = r'''
reference:
  description: The artifact as C(<registry>/<repository>:<tag>).
  returned: O(state=push)
  type: str
  sample: registry.example.com/imagefleet/reports:4711.4712
pinned:
  description: The artifact as C(<registry>/<repository>@<digest>).
  returned: O(state=push)
  type: str
digest:
  description: Digest of the artifact's manifest.
  returned: O(state=push)
  type: str
tag:
  description: The tag, C(<run>.<slice>).
  returned: O(state=push)
  type: str
files:
  description: The layers pushed, in order - C(name), C(media_type), C(digest), C(size).
  returned: O(state=push)
  type: list
  elements: dict
artifacts:
  description:
    - One entry per slice of the run - C(tag), C(slice), C(reference), C(digest), C(directory) and C(files)
      (file name to local path).
  returned: O(state=pull)
  type: list
  elements: dict
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.imagefleet.registry.plugins.module_utils._reports import artifact as ra
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.files import write_if_changed
from ansible_collections.imagefleet.registry.plugins.module_utils._module import require_libraries, run_module
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import parse_reference, split_repository
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.options import Registries, RegistryOptions, registry_argspec


def _client(registries, registry, repository):
    return registries.client(parse_reference('%s/%s' % (registry, repository)))


def push(module, registries, registry, repository):
    params = module.params
    run = ra.check_name(params['run'], 'run')
    slice_name = ra.check_name(params['slice'], 'slice')
    tag = ra.tag_for(run, slice_name)
    files = ra.report_files(params['path'], params['files'])
    result = ra.push(_client(registries, registry, repository), repository, tag, files, run, slice_name,
                     check_mode=module.check_mode)
    layers = result['manifest']['layers']
    return {
        'changed': result['changed'],
        'tag': tag,
        'reference': '%s/%s:%s' % (registry, repository, tag),
        'pinned': '%s/%s@%s' % (registry, repository, result['digest']),
        'digest': result['digest'],
        'files': [{'name': layer['annotations'][ra.TITLE], 'media_type': layer['mediaType'], 'digest': layer['digest'],
                   'size': layer['size']} for layer in layers],
    }


def pull(module, registries, registry, repository):
    params = module.params
    run = ra.check_name(params['run'], 'run')
    client = _client(registries, registry, repository)
    artifacts, changed = [], False
    for tag in ra.run_tags(client.tags(repository), run):
        what = '%s/%s:%s' % (registry, repository, tag)
        raw, digest = ra.fetch_manifest(client, repository, tag)
        manifest = ra.read_manifest(raw, what)
        slice_name = ra.run_of_tag(tag)[1]
        directory = os.path.join(os.path.abspath(params['path']), slice_name)
        if not module.check_mode and not os.path.isdir(directory):
            os.makedirs(directory)
        files = {}
        for layer in manifest['layers']:
            path = os.path.join(directory, layer['name'])
            changed = write_if_changed(module, path, ra.fetch_file(client, repository, layer, what)) or changed
            files[layer['name']] = path
        artifacts.append({'tag': tag, 'slice': slice_name, 'reference': what, 'digest': digest, 'directory': directory,
                          'files': files})
    return {'changed': changed, 'artifacts': artifacts}


def main_body(module):
    registry, repository = split_repository(module.params['repository'])
    registries = Registries(RegistryOptions.from_params(module.params))
    try:
        action = push if module.params['state'] == 'push' else pull
        return action(module, registries, registry, repository)
    finally:
        registries.close()


def main():
    module = AnsibleModule(
        argument_spec=registry_argspec(
            state=dict(type='str', default='push', choices=['push', 'pull']),
            repository=dict(type='str', required=True),
            run=dict(type='str', required=True),
            slice=dict(type='str'),
            path=dict(type='path', required=True),
            files=dict(type='list', elements='str'),
        ),
        required_if=[('state', 'push', ('slice',))],
        supports_check_mode=True,
    )
    require_libraries(module)
    run_module(module, main_body)


if __name__ == '__main__':
    main()
