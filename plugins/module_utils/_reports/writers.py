# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Audit, mapping and hosts reports: audit.json, audit.md, audit.html, mapping.json, mapping.csv, hosts.json, hosts.md,
history.json.

Pure rendering from audit records (see _conversion/plan.audit_records) and host rows (see
_audit/hosts.host_rows): the numbers come from data.py, the pages from markdown.py
and html.py; this module puts a report directory together. The output is deterministic: the same records give the
same bytes, so re-writing a report over an unchanged fleet changes nothing. The
only clock value, generated_at, is kept from the previous audit.json while the
rest of it is unchanged.

One directory holds one report: audit.html has a section for the registry audit
(from audit.json) and one for the hosts (from hosts.json), and a run that brings
only one of them re-renders the page with the other as the directory holds it.
Host rows always take their replacement from the directory's mapping.json.
history.json gets an entry when the fleet's numbers change (or a run failed something),
so the page can draw legacy images left per run and stays unchanged over an unchanged fleet.
"""

from __future__ import annotations

import csv
import io
import json

from ansible_collections.imagefleet.registry.plugins.module_utils._reports import workloads as workload_report
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._escape import csv_cell
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.hosts import apply_replacements, host_totals, normalize_rows
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.plan import DONE
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.data import (
    append_history, fleet_summary, history_entry, image_size, sorted_records, summarize,
)
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.html import render_html
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.markdown import render_hosts_markdown, render_markdown
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.schemas import AUDIT_SCHEMA, MAPPING_FIELDS, MAPPING_SCHEMA


def _document_image(record):
    """A record as audit.json keeps it: its layers summed into one size (the layer list stays out of the file)."""
    image = dict((key, value) for key, value in record.items() if key != 'layers')
    image['size'] = image_size(record)
    return image


def audit_document(records, generated_at, namespace_depth=1):
    totals, registries = summarize(records)
    return {
        'schema': AUDIT_SCHEMA,
        'generated_at': generated_at,
        'totals': totals,
        'summary': fleet_summary(records, namespace_depth),
        'registries': registries,
        'images': [_document_image(record) for record in sorted_records(records)],
    }


def stable_generated_at(previous_text, records, now, namespace_depth=1):
    """The previous generated_at when the previous audit.json holds the same content, else now."""
    try:
        previous = json.loads(previous_text) if previous_text else None
    except ValueError:
        previous = None
    if isinstance(previous, dict) and previous.get('generated_at'):
        if dump_json(audit_document(records, previous['generated_at'], namespace_depth)) == previous_text:
            return previous['generated_at']
    return now


def mapping_entries(records):
    """Old reference and digest -> new reference and digest, for every destination holding its conversion."""
    entries = []
    for record in sorted_records(records):
        if record['status'] == DONE and record.get('digest') and record.get('dest_digest'):
            entries.append({
                'old_reference': record['src'],
                'old_digest': record['digest'],
                'new_reference': record['dest'],
                'new_digest': record['dest_digest'],
                'old_format': record['format'],
                'new_format': record['dest_format'],
            })
    return entries


def dump_json(data):
    return json.dumps(data, indent=2, sort_keys=True) + '\n'


def mapping_csv(entries):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(MAPPING_FIELDS)
    for entry in entries:
        writer.writerow([csv_cell(entry[field]) for field in MAPPING_FIELDS])
    return out.getvalue()


def render_all(records, generated_at, mapping=False, namespace_depth=1, history=None):
    """File name -> content of the registry audit reports alone."""
    document = audit_document(records, generated_at, namespace_depth)
    files = {
        'audit.json': dump_json(document),
        'audit.md': render_markdown(document),
        'audit.html': render_html(document, history=history),
    }
    if mapping:
        entries = mapping_entries(records)
        files['mapping.json'] = dump_json({'schema': MAPPING_SCHEMA, 'images': entries})
        files['mapping.csv'] = mapping_csv(entries)
    return files


def _load(text, kind):
    """The JSON document in text when it is a `kind`, else None."""
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return None
    return data if isinstance(data, kind) else None


def _previous_audit(text):
    document = _load(text, dict)
    if document and document.get('schema') == AUDIT_SCHEMA and all(key in document for key in ('totals', 'summary', 'registries', 'images')):
        return document
    return None


def _previous_hosts(text):
    rows = _load(text, list)
    try:
        return normalize_rows(rows) if rows is not None else None
    except ImagefleetError:
        return None


def render_directory(previous, now, records=None, mapping=False, hosts=None, namespace_depth=1, run=None, sections=(),
                     workloads=None):
    """(file name -> content of every report of a directory, facts), given its current files.

    previous: file name -> current text (None or absent when there is no such file).
    records: audit records, or None to keep the directory's audit.json. hosts: host rows,
    or None to keep the directory's hosts.json (its replacements refreshed from mapping.json).
    run: the counts of a migrate run (see data.run_counts), kept in history.json.
    sections: further (anchor, title, body html) parts of audit.html, after the hosts: the
    slot for reports of other kinds (such as workloads) that a directory may hold.
    audit.html gets a section for each part the directory then holds. facts: the
    registry audit's generated_at (None without one) and host_totals (None without hosts).
    workloads: workload rows, or None to keep the directory's workloads.json (see
    workload_report.render_files); facts then also have workload_totals.
    """
    files = {}
    history = _load(previous.get('history.json'), list) or []
    if records is not None:
        generated_at = stable_generated_at(previous.get('audit.json'), records, now, namespace_depth)
        document = audit_document(records, generated_at, namespace_depth)
        history = append_history(history, history_entry(document['summary'], generated_at, run))
        files['history.json'] = dump_json(history)
        files.update(render_all(records, generated_at, mapping=mapping, namespace_depth=namespace_depth, history=history))
    else:
        document = _previous_audit(previous.get('audit.json'))
    if hosts is None:
        hosts = _previous_hosts(previous.get('hosts.json'))
    rows = None
    if hosts is not None:
        mapping_document = _load(files.get('mapping.json') or previous.get('mapping.json'), dict) or {}
        rows = apply_replacements(hosts, mapping_document.get('images'))
        files['hosts.json'] = dump_json(rows)
        files['hosts.md'] = render_hosts_markdown(rows)
    workload_rows = workload_report.render_files(files, previous, workloads)
    sections = list(sections)
    if workload_rows is not None:
        sections.append(('workloads', workload_report.SECTION_TITLE, workload_report.workloads_html_section(workload_rows)))
    if document is not None or rows is not None or workload_rows is not None:
        files['audit.html'] = render_html(document, rows, history=history, sections=sections)
    facts = {
        'generated_at': document['generated_at'] if document else None,
        'host_totals': host_totals(rows) if rows is not None else None,
    }
    if workload_rows is not None:
        facts['workload_totals'] = workload_report.workload_totals(workload_rows)
    return files, facts
