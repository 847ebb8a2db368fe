# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which workloads reference legacy images: rows, their formats from the registries, workloads.json/.csv and the
"Workloads referencing legacy images" section of audit.html.

Pure functions over the references image_references_info finds (_audit/workload_scan.py) and
the image_manifest_info facts of those references (_audit/image_info.py).
"""

from __future__ import annotations

import csv
import io
import json

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._escape import html_text
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.hosts import NOT_IN_REGISTRY
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.html import html_table, td
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.schemas import MappingIndex
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.workload_rewrite import replacement_text
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.workload_scan import INVALID, REFERENCE_FIELDS, RESOLVED, UNRESOLVED

ROW_FIELDS = ('source', 'line', 'kind', 'workload', 'container', 'field', 'image', 'reference', 'status', 'format', 'digest',
              'legacy', 'replacement', 'message')
SECTION_TITLE = 'Workloads referencing legacy images'


def references_to_ask(references):
    """Every resolved reference once, sorted: what the registries are asked about."""
    return sorted(set(ref['reference'] for ref in references if ref.get('status') == RESOLVED and ref.get('reference')))


def attach_formats(references, infos):
    """The references as rows with format, digest and legacy from image_manifest_info facts (asked with on_error=report).

    A reference the registry does not have, or could not be read for, keeps format null with the reason in message.
    A reference pinned by a schema 1 digest is legacy like a tag that names a schema 1 image.
    """
    by_ref = dict((info['reference'], info) for info in infos or [] if isinstance(info, dict) and info.get('reference'))
    rows = []
    for ref in references:
        row = dict((field, ref.get(field)) for field in REFERENCE_FIELDS if field != 'column')
        info = by_ref.get(ref.get('reference')) if ref.get('status') == RESOLVED else None
        if info is not None:
            if info.get('exists'):
                row.update(format=info.get('format'), digest=info.get('digest'))
            else:
                row['message'] = info.get('error') or NOT_IN_REGISTRY
        rows.append(row)
    return normalize_rows(rows)


def normalize_rows(rows):
    """Rows with exactly ROW_FIELDS (legacy recomputed from format), in report order (source, line)."""
    normalized = []
    for index, row in enumerate(rows or []):
        if not isinstance(row, dict) or not row.get('source') or not row.get('status'):
            raise ImagefleetError('workload row %d needs a source and a status: %r' % (index, row))
        values = dict((field, row.get(field)) for field in ROW_FIELDS)
        values['legacy'] = values['format'] in mt.LEGACY_FORMATS
        normalized.append(values)
    return sorted(normalized, key=lambda r: (r['source'], r['line'] or 0, r['workload'] or '', r['field'] or ''))


def apply_replacements(rows, entries):
    """Rows with replacement: what each legacy reference should point at after the migration of mapping `entries`."""
    index = MappingIndex(entries)
    return [dict(row, replacement=replacement_text(row['reference'], index) if row['legacy'] else None)
            for row in normalize_rows(rows)]


def _load(text):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def render_files(files, previous, workloads):
    """Add workloads.json and workloads.csv to files (name -> text); the rows, or None when there are none.

    workloads: rows from image_references_info, or None to keep the directory's workloads.json (previous: name -> text).
    Replacements always come from the mapping.json this run writes, else the directory's.
    """
    if workloads is None:
        workloads = _load(previous.get('workloads.json'))
        if not isinstance(workloads, list):
            return None
        try:
            workloads = normalize_rows(workloads)
        except ImagefleetError:
            return None
    mapping = _load(files.get('mapping.json') or previous.get('mapping.json'))
    rows = apply_replacements(workloads, mapping.get('images') if isinstance(mapping, dict) else None)
    files['workloads.json'] = json.dumps(rows, indent=2, sort_keys=True) + '\n'
    files['workloads.csv'] = workloads_csv(rows)
    return rows


def workload_totals(rows):
    """Numbers over the rows: references, sources, legacy (references), legacy_workloads, unresolved, invalid, unknown."""
    return {
        'references': len(rows),
        'sources': len(set(row['source'] for row in rows)),
        'legacy': sum(1 for row in rows if row['legacy']),
        'legacy_workloads': len(set((row['source'], row['workload']) for row in rows if row['legacy'])),
        'unresolved': sum(1 for row in rows if row['status'] == UNRESOLVED),
        'invalid': sum(1 for row in rows if row['status'] == INVALID),
        'unknown': sum(1 for row in rows if row['status'] == RESOLVED and not row['format']),
    }


def workloads_csv(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(ROW_FIELDS)
    for row in rows:
        writer.writerow(['' if row[field] is None else str(row[field]).lower() if isinstance(row[field], bool) else row[field]
                         for field in ROW_FIELDS])
    return out.getvalue()


def _where(row):
    return '%s:%s' % (row['source'], row['line']) if row['line'] else row['source']


def workloads_html_section(rows):
    """The body of the "Workloads referencing legacy images" section of audit.html (every value escaped)."""
    totals = workload_totals(rows)
    out = ['<p>%s</p>' % html_text('References: %d in %d files or objects. Schema 1: %d references in %d workloads. Unresolved '
                                   '(ARG, stage, template, chart default): %d. Invalid: %d. Format unknown: %d.' % (
                                       totals['references'], totals['sources'], totals['legacy'], totals['legacy_workloads'],
                                       totals['unresolved'], totals['invalid'], totals['unknown']))]
    legacy = [row for row in rows if row['legacy']]
    if not legacy:
        out.append('<p>None: no workload references a schema 1 image.</p>')
    else:
        out.append(html_table(['Where', 'Kind', 'Workload', 'Container', 'Image', 'Switch to'], [
            [td(_where(r), code=True), td(r['kind']), td(r['workload'] or '-'), td(r['container'] or '-'),
             td(r['image'], 'legacy', code=True),
             td(r['replacement'], 'done', code=True) if r['replacement'] else td('not converted yet', 'legacy')] for r in legacy]))
    problems = [row for row in rows if row['status'] != RESOLVED or not row['format']]
    if problems:
        out.append('<h3>Unresolved, invalid, or format unknown</h3>')
        out.append(html_table(['Where', 'Kind', 'Field', 'Image', 'Why'], [
            [td(_where(r), code=True), td(r['kind']), td(r['field'] or '-'), td(r['image'] or '-', code=True),
             td(r['message'] or r['status'], 'unknown')] for r in problems]))
    return '\n'.join(out)
