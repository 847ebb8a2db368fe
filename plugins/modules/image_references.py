#!/usr/bin/python
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: image_references
short_description: Point workloads' image references at converted images, with the mapping of a migration
version_added: 0.1.0
description:
  - Rewrites the image references of Kubernetes manifests, Helm values, Kustomize C(images), Compose files and
    Dockerfiles (the places M(imagefleet.registry.image_references_info) finds) with the C(mapping.json) that
    M(imagefleet.registry.image_report) writes for a migration.
  - A reference by tag moves to the destination of its conversion when that is another reference (an in-place
    conversion keeps its tag, so nothing changes). A reference pinned by digest moves to the new digest, in the
    destination repository; a tag written next to the digest follows the destination's tag.
  - Only the text of the reference changes - comments, key order, quoting, anchors, indentation and line endings stay
    byte for byte as they were (the file is never re-dumped). The edited text is parsed again and must hold exactly the
    planned references, else the file is left alone and reported in RV(errors).
  - A file that cannot be read or parsed is never written. A reference the mapping has a replacement for but that
    cannot be edited safely (a block scalar, an escaped string, a Helm map or Kustomize entry lacking the key to change)
    is reported in RV(by_hand) with the replacement to apply by hand.
  - Unresolved references (Dockerfile C(ARG) values and stages, templates) are not touched.
author:
  - imagefleet team (@imagefleet)
attributes:
  check_mode:
    support: full
    description: Writes nothing and reports the edits and the files that would change.
  diff_mode:
    support: full
    description: The before and after text of every file that changes.
  idempotent:
    support: full
    description: Once moved, references no longer match the mapping's old references and digests; a second run reports
      C(changed=false).
options:
  paths:
    description:
      - Files, folders (walked for C(*.yaml), C(*.yml) and Dockerfiles, hidden folders skipped) and glob patterns
        (C(**) for any depth), as for M(imagefleet.registry.image_references_info).
    type: list
    elements: path
    required: true
  exclude:
    description:
      - Glob patterns of files to leave out, matched against the path and the file name.
    type: list
    elements: str
    default: []
  mapping:
    description:
      - The C(mapping.json) of a migration (written by M(imagefleet.registry.image_report) with O(imagefleet.registry.image_report#module:mapping=true),
        which the C(migrate) playbook does).
    type: path
    required: true
  backup:
    description:
      - Keep a timestamped copy of each file before it is changed.
    type: bool
    default: false
requirements:
  - PyYAML (it comes with ansible-core)
seealso:
  - module: imagefleet.registry.image_references_info
  - module: imagefleet.registry.image_report
'''

EXAMPLES = r'''
- name: What would move (run with --check --diff to see every edit)
  imagefleet.registry.image_references:
    paths: [./clusters, ./charts/app/values.yaml, ./docker]
    mapping: ./imagefleet-report/mapping.json
  check_mode: true
  diff: true
  register: planned

- name: Move them, keeping backups
  imagefleet.registry.image_references:
    paths: [./clusters, ./charts/app/values.yaml, ./docker]
    exclude: ['*/templates/*']
    mapping: ./imagefleet-report/mapping.json
    backup: true
'''

RETURN = r'''
edits:
  description: Every reference moved (or that would be, in check mode), in file order.
  returned: success
  type: list
  elements: dict
  contains:
    source:
      description: The file.
      type: str
    line:
      description: 1-based line of the reference (of its map, for Helm image maps and Kustomize entries).
      type: int
    kind:
      description: V(kubernetes), V(helm), V(kustomize), V(compose) or V(dockerfile).
      type: str
    workload:
      description: As in RV(imagefleet.registry.image_references_info#module:references[].workload).
      type: str
    container:
      description: The container, where there is one.
      type: str
    field:
      description: Where in the file.
      type: str
    before:
      description: The reference as it was written.
      type: str
      sample: registry.example.com/legacy/app@sha256:0b7e...
    after:
      description: The reference as it is written now.
      type: str
      sample: registry.example.com/converted/app@sha256:9f1c...
changed_files:
  description: Files written (or that would be, in check mode).
  returned: success
  type: list
  elements: str
backup_files:
  description: Backup copy of each file written, by file (with O(backup)).
  returned: success
  type: dict
by_hand:
  description: References the mapping has a replacement for that were not edited, with the RV(edits[].after) to apply by
    hand and the reason in C(message).
  returned: success
  type: list
  elements: dict
errors:
  description: Files that could not be read, parsed or safely edited (none of them written), and paths matching nothing -
    C({source, line, message}).
  returned: success
  type: list
  elements: dict
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.files import write_atomic
from ansible_collections.imagefleet.registry.plugins.module_utils._module import run_module
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.schemas import MappingIndex
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.workload_rewrite import load_mapping, rewrite_text
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.workload_scan import (
    HAS_YAML,
    YAML_IMPORT_ERROR,
    FileError,
    expand_paths,
    read_file,
)


def _mapping(path):
    try:
        text = read_file(path)
    except FileError as exc:
        raise ImagefleetError('the mapping %s %s: give the mapping.json a migration wrote' % (path, exc.message))
    return MappingIndex(load_mapping(text, path))


def rewrite(module):
    params = module.params
    index = _mapping(params['mapping'])
    files, errors = expand_paths(params['paths'], params['exclude'])
    result = {'changed': False, 'edits': [], 'by_hand': [], 'changed_files': [], 'backup_files': {}}
    diffs = []
    for path in files:
        try:
            text = read_file(path)
            new_text, edits, skipped = rewrite_text(path, text, index)
        except FileError as exc:
            errors.append({'source': path, 'line': exc.line, 'message': exc.message})
            continue
        result['by_hand'] += skipped
        if new_text == text:
            continue
        result['edits'] += edits
        result['changed_files'].append(path)
        diffs.append({'before_header': path, 'after_header': path, 'before': text, 'after': new_text})
        if not module.check_mode:
            if params['backup']:
                result['backup_files'][path] = module.backup_local(path)
            write_atomic(module, path, new_text.encode('utf-8'))
    result['changed'] = bool(result['changed_files'])
    result['errors'] = sorted(errors, key=lambda e: (e['source'], e['line'] or 0))
    for error in result['errors']:
        module.warn('%s%s: %s' % (error['source'], ':%d' % error['line'] if error['line'] else '', error['message']))
    if module._diff:
        result['diff'] = diffs
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type='list', elements='path', required=True),
            exclude=dict(type='list', elements='str', default=[]),
            mapping=dict(type='path', required=True),
            backup=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    if not HAS_YAML:
        module.fail_json(msg=missing_required_lib('PyYAML'), exception=YAML_IMPORT_ERROR)
    run_module(module, rewrite)


if __name__ == '__main__':
    main()
