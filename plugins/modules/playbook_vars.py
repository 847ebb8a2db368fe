#!/usr/bin/python
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: playbook_vars
short_description: Check the variables of one of the collection's playbooks before anything runs
version_added: 0.1.0
description:
  - Checks every C(imagefleet_*) variable the task sees against the spec of one of the collection's playbooks
    (C(meta/playbook_argument_specs.yml) in the collection, one entry per playbook, each variable described there),
    on the controller, without contacting any registry or host. Each playbook runs it as its first task.
  - 'Checked: types (V(5) given as text with C(-e) is a number), choices (an unknown format), required keys of
    C(imagefleet_sources) rules and C(imagefleet_images) entries, keys that exclude each other (C(dest_prefix) and
    C(dest_registry)), image references and registry hosts, and the registry options of
    C(imagefleet_registry_options).'
  - An unknown key in a rule or image entry, and an unknown C(imagefleet_*) variable, is an error naming the closest
    valid name, for example C(`repositores` - did you mean `repositories`?). Variables of the collection's other playbooks, and the
    facts the P(imagefleet.registry.registry_images#inventory) inventory sets on image hosts, are accepted, so that one
    group_vars file can serve every playbook.
  - Every problem is listed at once; each message names the rule or image by its position and registry
    (C(imagefleet_sources[1] (registry registry.example.com)) first) and never shows the value of a secret option
    (passwords).
  - In fleet mode (the host carries C(imagefleet_ref)) the inventory's facts, C(imagefleet_format) among them (the
    image's current format), are not checked; the target format there is C(imagefleet_target_format).
  - This is an action plugin; it runs on the controller.
author:
  - imagefleet team (@imagefleet)
extends_documentation_fragment:
  - imagefleet.registry.attributes.read_only
options:
  playbook:
    description:
      - The playbook whose spec applies.
    type: str
    required: true
    choices: [migrate, audit, verify, audit_hosts, audit_workloads, rewrite_references, fetch_reports, install_tools]
notes:
  - The spec file has the shape of a role's C(meta/argument_specs.yml) (C(type), C(elements), C(choices), C(required),
    C(options), C(mutually_exclusive), C(no_log)) with a few keys of its own, described in its header.
seealso:
  - module: ansible.builtin.validate_argument_spec
'''

EXAMPLES = r'''
- name: Check the variables before anything else (the first task of imagefleet.registry.migrate)
  imagefleet.registry.playbook_vars:
    playbook: migrate
'''

RETURN = r'''
playbook:
  description: The playbook whose spec was applied.
  returned: success
  type: str
  sample: migrate
checked:
  description: The names of the C(imagefleet_*) variables that were checked.
  returned: success
  type: list
  elements: str
  sample: [imagefleet_format, imagefleet_sources]
errors:
  description: One message per problem (also joined in C(msg)).
  returned: failure
  type: list
  elements: str
  sample: ["imagefleet_sources[0] (registry registry.example.com): unknown key `repositores`: did you mean `repositories`?"]
'''
