#!/usr/bin/python
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: image_report
short_description: Write the fleet audit report (JSON, Markdown, HTML), the old-to-new digest mapping and the hosts report
version_added: 0.1.0
description:
  - Writes C(audit.json), C(audit.md) and C(audit.html) into O(path) from audit records.
  - C(audit.html) starts with a summary - tags and distinct images (by digest) per format, legacy images left and
    converted, the bytes a migration moves (unique layers, left and done), a chart per namespace (see
    O(namespace_depth)), a histogram of the years legacy images were built, and the legacy images left per run - then
    lists every image grouped by registry and repository, one row per digest with all its tags, in natural order
    (V(t2) before V(t10)). It is one self-contained file (inline CSS, SVG charts and a few lines of script that filter
    and page the rows; no external assets), so it opens on air-gapped networks; with scripts off it shows every row.
  - C(audit.md) is a readable summary (per format, namespace and repository); every tag, digest and destination is in
    C(audit.json) (with C(size) and C(created) per image, and the C(summary) numbers the page shows).
  - C(history.json) gets an entry (time, state numbers, and for migrate runs the O(conversions) and O(verified) counts)
    whenever the fleet's numbers change or a run failed something; it feeds the progress chart.
  - With O(mapping=true) also writes C(mapping.json) and C(mapping.csv) - every old reference and digest with the new
    reference and digest of its conversion, for rewriting digest-pinned Kubernetes manifests and Helm values.
  - The records are what the P(imagefleet.registry.audit_records#filter) filter builds from
    M(imagefleet.registry.image_manifest_info) results; O(conversions) (the RV(imagefleet.registry.image_convert#module:images)
    of real, not check-mode, runs) update them to the state after the conversion.
  - With O(hosts) (the rows the P(imagefleet.registry.host_rows#filter) filter builds) writes C(hosts.json) and C(hosts.md)
    - which hosts hold or run Docker schema 1 images - with each row's C(replacement) taken from the C(mapping.json) in O(path)
    (the converted C(reference@digest) to switch to).
  - With O(workloads) (the RV(imagefleet.registry.image_references_info#module:references)) writes C(workloads.json) and
    C(workloads.csv) - which workloads reference Docker schema 1 images - with each legacy row's C(replacement) from the
    C(mapping.json) in O(path), and a C(Workloads referencing legacy images) section in C(audit.html), kept like the hosts part.
  - The directory is one report. C(audit.html) has a section for the registry audit whenever O(path) holds (or this run
    writes) C(audit.json), and a C(Hosts running legacy images) section whenever it holds C(hosts.json); a run with only
    O(records) or only O(hosts) keeps the other part as the directory has it, and refreshes the replacements of C(hosts.json)
    from a new C(mapping.json).
  - Idempotent - a file is only written when its content changes; C(generated_at) keeps its earlier value while
    nothing else in the audit changes, so re-running over an unchanged fleet reports C(changed=false).
author:
  - imagefleet team (@imagefleet)
attributes:
  check_mode:
    support: full
    description: Writes nothing and reports which files would change. Playbooks that want the report even in check mode
      (an audit) set C(check_mode=false) on the task.
  diff_mode:
    support: none
    description: Reports are regenerated whole; see RV(changed_files).
  idempotent:
    support: full
    description: A file is only written when its content changes.
options:
  path:
    description:
      - Directory the reports are written to; created when missing.
    type: path
    required: true
  records:
    description:
      - Audit records, one per image, as built by the P(imagefleet.registry.audit_records#filter) filter.
      - Without them C(audit.json), C(audit.md) and the mapping are left as they are.
      - At least one of O(records), O(hosts) and O(workloads) is required.
    type: list
    elements: dict
  hosts:
    description:
      - Host rows C({host, container, image, image_digest, format, replacement, error}), as built by the
        P(imagefleet.registry.host_rows#filter) filter; C(replacement) is always recomputed from C(mapping.json).
      - Without them C(hosts.json) is kept, with its replacements refreshed.
    type: list
    elements: dict
  workloads:
    description:
      - Workload references, as RV(imagefleet.registry.image_references_info#module:references) returns them; writes
        C(workloads.json) and C(workloads.csv) (one row per reference) and the C(Workloads referencing legacy images)
        section of C(audit.html). C(replacement) is always recomputed from C(mapping.json).
      - Without them C(workloads.json) is kept, with its replacements refreshed.
    type: list
    elements: dict
    version_added: 0.1.0
  conversions:
    description:
      - Per-image results of M(imagefleet.registry.image_convert) (its RV(imagefleet.registry.image_convert#module:images)),
        applied to the records. Pass only results of runs that wrote to registries.
      - Layer sizes the records do not know (a schema 1 source read without O(imagefleet.registry.image_manifest_info#module:details))
        are taken from the results' C(layers), by digest.
    type: list
    elements: dict
    default: []
  mapping:
    description:
      - Also write C(mapping.json) and C(mapping.csv). Needs O(records).
    type: bool
    default: false
  verified:
    description:
      - Per-image results of M(imagefleet.registry.image_verify) (its RV(imagefleet.registry.image_verify#module:images)),
        counted in the history entry of this run with O(conversions).
    type: list
    elements: dict
    default: []
  namespace_depth:
    description:
      - How many leading path components of a repository name its namespace (the team owning it) in the per-namespace
        summary - V(1) groups V(team/app/web) under V(team), V(2) under V(team/app).
    type: int
    default: 1
notes:
  - The result's C(invocation.module_args) gives O(records), O(hosts), O(workloads), O(conversions) and O(verified) as
    their numbers of items, not the items, which would all travel back to the controller.
seealso:
  - module: imagefleet.registry.image_manifest_info
  - module: imagefleet.registry.image_convert
  - module: imagefleet.registry.image_host_info
'''

EXAMPLES = r'''
- name: Audit two images and their destinations
  imagefleet.registry.image_manifest_info:
    images: [old.example.com/app:1, new.example.com/app:1]
  register: info

- name: Write the report
  imagefleet.registry.image_report:
    path: ./imagefleet-report
    records: "{{ [{'src': 'old.example.com/app:1', 'dest': 'new.example.com/app:1'}] | imagefleet.registry.audit_records(info.images) }}"
    namespace_depth: 2   # per team/product rather than per team
  check_mode: false

- name: Add which hosts run schema 1 images (engines is host -> image_host_info result, host_info the image_manifest_info result)
  imagefleet.registry.image_report:
    path: ./imagefleet-report
    hosts: "{{ engines | imagefleet.registry.host_rows(host_info.images) }}"
  check_mode: false
  register: hosts_report
'''

RETURN = r'''
files:
  description: Absolute path of each report, by name.
  returned: always
  type: dict
  sample: {audit.html: /srv/reports/audit.html, audit.json: /srv/reports/audit.json}
changed_files:
  description: Names of the files written (or that would be, in check mode).
  returned: always
  type: list
  elements: str
totals:
  description:
    - Totals over all tags - C(images), C(legacy) (Docker schema 1 sources, and lists or indexes with schema 1
      children; another modern format than the target is not legacy), C(left) (still to convert, legacy or in
      another format than the target, the rows the reports mark left), C(needs_conversion) (planned conversions not
      done yet, copies of images already in the target format included), C(by_format) (source format, or
      C(missing)) and C(by_status) (C(done), C(needs_conversion), C(missing_source), C(no_destination)).
  returned: when O(records) is given
  type: dict
mapping_count:
  description: Entries in the mapping (0 without O(mapping)).
  returned: always
  type: int
generated_at:
  description: The C(generated_at) the registry audit carries (UTC, ISO 8601); null when there is none.
  returned: always
  type: str
host_totals:
  description:
    - Numbers over the host rows - C(hosts), C(hosts_failed) (engines that could not be read), C(hosts_with_legacy),
      C(containers), C(legacy_containers) (containers on schema 1 images), C(images) (distinct, fleet-wide),
      C(legacy_images), C(unknown) (rows whose format could not be told).
  returned: when there are host rows (O(hosts), or C(hosts.json) in O(path))
  type: dict
  sample: {hosts: 1, hosts_failed: 0, hosts_with_legacy: 1, containers: 1, legacy_containers: 1, images: 2, legacy_images: 1, unknown: 0}
workload_totals:
  description:
    - Numbers over the workload rows - C(references), C(sources) (files and live objects), C(legacy) (references to schema 1
      images), C(legacy_workloads), C(unresolved), C(invalid), C(unknown) (format could not be told).
  returned: when there are workload rows (O(workloads), or C(workloads.json) in O(path))
  type: dict
  sample: {references: 12, sources: 5, legacy: 7, legacy_workloads: 4, unresolved: 2, invalid: 0, unknown: 0}
'''

import datetime
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.files import write_atomic
from ansible_collections.imagefleet.registry.plugins.module_utils._module import run_module
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.plan import apply_conversions
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.writers import mapping_entries, render_directory, summarize
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.data import run_counts

# Files a run reads back: the parts of the report it does not bring itself.
_KEPT = ('audit.json', 'mapping.json', 'hosts.json', 'workloads.json', 'history.json')


def _read(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read().decode('utf-8')
    except (IOError, OSError, UnicodeDecodeError):
        return None


def report(module):
    params = module.params
    if params['namespace_depth'] < 1:
        raise ImagefleetError('namespace_depth must be 1 or more (the leading path components naming a team), got %d' % params['namespace_depth'])
    directory = os.path.abspath(params['path'])
    records = apply_conversions(params['records'], params['conversions']) if params['records'] is not None else None
    now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    previous = dict((name, _read(os.path.join(directory, name))) for name in _KEPT)
    files, facts = render_directory(previous, now, records=records, mapping=params['mapping'], hosts=params['hosts'],
                                    workloads=params['workloads'], namespace_depth=params['namespace_depth'],
                                    run=run_counts(params['conversions'], params['verified']))
    paths = dict((name, os.path.join(directory, name)) for name in files)
    changed_files = sorted(name for name, text in files.items() if (previous[name] if name in previous else _read(paths[name])) != text)
    if changed_files and not module.check_mode:
        if not os.path.isdir(directory):
            os.makedirs(directory)
        for name in changed_files:
            write_atomic(module, paths[name], to_bytes(files[name]))
    result = {
        'changed': bool(changed_files),
        'files': paths,
        'changed_files': changed_files,
        'mapping_count': len(mapping_entries(records)) if params['mapping'] else 0,
        'generated_at': facts['generated_at'],
    }
    if records is not None:
        result['totals'] = summarize(records)[0]
    if facts['host_totals'] is not None:
        result['host_totals'] = facts['host_totals']
    if 'workload_totals' in facts:
        result['workload_totals'] = facts['workload_totals']
    return result


def main(module_class=AnsibleModule):
    # module_class: ControllerModule when the action plugin runs this in its worker process (plugin_utils/_in_process.py).
    module = module_class(
        argument_spec=dict(
            path=dict(type='path', required=True),
            records=dict(type='list', elements='dict'),
            hosts=dict(type='list', elements='dict'),
            workloads=dict(type='list', elements='dict'),
            conversions=dict(type='list', elements='dict', default=[]),
            mapping=dict(type='bool', default=False),
            verified=dict(type='list', elements='dict', default=[]),
            namespace_depth=dict(type='int', default=1),
        ),
        required_one_of=[('records', 'hosts', 'workloads')],
        required_if=[('mapping', True, ('records',))],
        supports_check_mode=True,
    )
    run_module(module, report, bulky=('records', 'hosts', 'workloads', 'conversions', 'verified'))


if __name__ == '__main__':
    main()
