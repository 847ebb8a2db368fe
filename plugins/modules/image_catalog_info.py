#!/usr/bin/python
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: image_catalog_info
short_description: List the images of a registry through its catalog and tags, with glob patterns
version_added: 0.1.0
description:
  - Walks a registry's catalog (C(/v2/_catalog)) and each matching repository's tags, and returns every
    C(registry/repository:tag) whose repository matches one of O(repositories) and whose tag matches one of O(tags).
  - With O(dest_prefix) or O(dest_registry) it also plans where each image goes, keeping its repository path and tag,
    in the shape O(imagefleet.registry.image_convert#module:images) takes.
  - Read-only; it never reads a manifest (use M(imagefleet.registry.image_manifest_info) for formats).
extends_documentation_fragment:
  - imagefleet.registry.attributes.read_only
  - imagefleet.registry.registry
options:
  registry:
    description:
      - Registry host, with its port if any (V(registry.example.com:5000)). Its catalog is walked unless every
        pattern in O(repositories) is a literal name.
      - Mutually exclusive with O(references).
    type: str
  repositories:
    description:
      - Shell-style glob patterns (C(*), C(?), C([...])) over repository names; V(legacy/*) matches
        V(legacy/app) and V(legacy/team/app).
    type: list
    elements: str
    default: ['*']
  tags:
    description:
      - Glob patterns over tags.
    type: list
    elements: str
    default: ['*']
  references:
    description:
      - Image references given as is, instead of walking a catalog; only the destination rule is applied to them.
      - Mutually exclusive with O(registry).
    type: list
    elements: str
  dest_prefix:
    description:
      - Where converted images go - the source's repository path and tag below this prefix.
        V(mirror.example.com/converted) turns V(old.example.com/team/app:1) into V(mirror.example.com/converted/team/app:1).
    type: str
  dest_registry:
    description:
      - Where converted images go - the same repository path and tag on this registry.
    type: str
  format:
    description:
      - Target format written into each entry of RV(images).
    type: str
    choices: [v2s2, oci]
  parallel:
    description:
      - How many repositories' tags are listed at the same time.
    type: int
    default: 8
notes:
  - Listing the catalog needs the C(registry:catalog:*) scope on registries with token auth.
seealso:
  - module: imagefleet.registry.image_manifest_info
  - module: imagefleet.registry.image_convert
author:
  - imagefleet team (@imagefleet)
'''

EXAMPLES = r'''
- name: Every tag of the legacy repositories
  imagefleet.registry.image_catalog_info:
    registry: registry.example.com
    repositories: ['legacy/*']
  register: legacy

- name: Plan moving release tags to another registry
  imagefleet.registry.image_catalog_info:
    registry: old.example.com
    repositories: ['team/*', 'base/python']
    tags: ['v[0-9]*', 'latest']
    dest_registry: new.example.com
  register: plan

- name: Convert them, a batch per call
  imagefleet.registry.image_convert:
    images: "{{ plan.images }}"
'''

RETURN = r'''
references:
  description: Every matching image reference, sorted.
  returned: always
  type: list
  elements: str
  sample: [registry.example.com/legacy/app:1, registry.example.com/legacy/app:2]
images:
  description:
    - One C({src, dest, format}) per reference, in the same order; C(dest) is null without O(dest_prefix) or
      O(dest_registry), C(format) is null without O(format).
  returned: always
  type: list
  elements: dict
  sample: [{src: old.example.com/team/app:1, dest: new.example.com/team/app:1, format: v2s2}]
invalid_names:
  description:
    - One message per repository or tag name the registry listed that is not valid in the distribution grammar
      (non-ASCII, C(..), C(%2F), control characters, ...). Such names are left out of the results, never fatal for the
      rest; each is also a warning. The names are escaped (control characters as C(\\xNN)).
  returned: always
  type: list
  elements: str
  sample: ["skipped tag of registry.example.com/team/app 'x\\x1b[31m': not a valid name (distribution grammar)"]
  version_added: 0.1.0
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.imagefleet.registry.plugins.module_utils._audit.catalog import expand
from ansible_collections.imagefleet.registry.plugins.module_utils._module import require_libraries, run_module
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.plan import derive_dest
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import parse_reference
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.options import Registries, RegistryOptions, registry_argspec


def catalog(module):
    params = module.params
    skipped = []
    if params['references'] is not None:
        references = [str(parse_reference(text)) for text in params['references']]
    else:
        registries = Registries(RegistryOptions.from_params(params))
        try:
            references = [str(ref) for ref in expand(registries, params['registry'], params['repositories'], params['tags'],
                                                     parallel=params['parallel'], skipped=skipped)]
        finally:
            registries.close()
    for message in skipped:
        module.warn(message)
    images = [{'src': ref, 'dest': derive_dest(ref, params['dest_registry'], params['dest_prefix']), 'format': params['format']}
              for ref in references]
    return {'changed': False, 'references': references, 'images': images, 'invalid_names': skipped}


def main(module_class=AnsibleModule):
    # module_class: ControllerModule when the action plugin runs this in its worker process (plugin_utils/_in_process.py).
    module = module_class(
        argument_spec=registry_argspec(
            registry=dict(type='str'),
            repositories=dict(type='list', elements='str', default=['*']),
            tags=dict(type='list', elements='str', default=['*']),
            references=dict(type='list', elements='str'),
            dest_prefix=dict(type='str'),
            dest_registry=dict(type='str'),
            format=dict(type='str', choices=['v2s2', 'oci']),
            parallel=dict(type='int', default=8),
        ),
        mutually_exclusive=[('registry', 'references'), ('dest_prefix', 'dest_registry')],
        required_one_of=[('registry', 'references')],
        supports_check_mode=True,
    )
    require_libraries(module)
    run_module(module, catalog)


if __name__ == '__main__':
    main()
