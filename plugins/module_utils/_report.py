# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Audit, mapping and hosts reports: audit.json, audit.md, audit.html, mapping.json, mapping.csv, hosts.json, hosts.md.

Pure rendering from audit records (see _plan.audit_records) and host rows (see
_host_audit.host_rows). The output is deterministic: the same records give the
same bytes, so re-writing a report over an unchanged fleet changes nothing. The
only clock value, generated_at, is kept from the previous audit.json while the
rest of it is unchanged.

One directory holds one report: audit.html has a section for the registry audit
(from audit.json) and one for the hosts (from hosts.json), and a run that brings
only one of them re-renders the page with the other as the directory holds it.
Host rows always take their replacement from the directory's mapping.json.
"""

from __future__ import annotations

import csv
import html
import io
import json

from ansible_collections.imagefleet.registry.plugins.module_utils import _media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils import _workload_report
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._host_audit import apply_replacements, host_totals, is_legacy, normalize_rows
from ansible_collections.imagefleet.registry.plugins.module_utils._plan import DONE, MISSING_SOURCE, NEEDS_CONVERSION, converted_format

AUDIT_SCHEMA = 'imagefleet.registry/audit/v1'
MAPPING_SCHEMA = 'imagefleet.registry/mapping/v1'
MISSING = 'missing'
# Column order of formats in tables and the chart; colours are the chart's.
FORMAT_ORDER = (mt.FORMAT_V2S1, mt.FORMAT_V2S2, mt.FORMAT_OCI, mt.FORMAT_V2S2_LIST, mt.FORMAT_OCI_INDEX, MISSING)
COLOURS = {
    mt.FORMAT_V2S1: '#d62728',
    mt.FORMAT_V2S2: '#1f77b4',
    mt.FORMAT_OCI: '#2ca02c',
    mt.FORMAT_V2S2_LIST: '#9467bd',
    mt.FORMAT_OCI_INDEX: '#17becf',
    MISSING: '#7f7f7f',
}
MAPPING_FIELDS = ('old_reference', 'old_digest', 'new_reference', 'new_digest')


def _format_key(record):
    return record.get('format') if record.get('exists') else MISSING


def legacy(record):
    """Whether the source is not in its target format (the images a report lists as needing conversion)."""
    return bool(record.get('exists')) and record.get('format') != converted_format(record.get('format'), record.get('target_format'))


def _sorted(records):
    return sorted(records, key=lambda r: (r['src'], r.get('dest') or ''))


def summarize(records):
    """Totals over all images and per registry: by source format and by status."""
    def empty():
        return {'images': 0, 'by_format': {}, 'by_status': {}, 'needs_conversion': 0, 'legacy': 0}

    totals = empty()
    per_registry = {}
    for record in records:
        for bucket in (totals, per_registry.setdefault(record['registry'], empty())):
            bucket['images'] += 1
            key = _format_key(record)
            bucket['by_format'][key] = bucket['by_format'].get(key, 0) + 1
            bucket['by_status'][record['status']] = bucket['by_status'].get(record['status'], 0) + 1
            bucket['needs_conversion'] += 1 if record['status'] == NEEDS_CONVERSION else 0
            bucket['legacy'] += 1 if legacy(record) else 0
    registries = [dict(per_registry[name], registry=name) for name in sorted(per_registry)]
    return totals, registries


def audit_document(records, generated_at):
    totals, registries = summarize(records)
    return {
        'schema': AUDIT_SCHEMA,
        'generated_at': generated_at,
        'totals': totals,
        'registries': registries,
        'images': _sorted(records),
    }


def stable_generated_at(previous_text, records, now):
    """The previous generated_at when the previous audit.json holds the same content, else now."""
    try:
        previous = json.loads(previous_text) if previous_text else None
    except ValueError:
        previous = None
    if isinstance(previous, dict) and previous.get('generated_at'):
        if dump_json(audit_document(records, previous['generated_at'])) == previous_text:
            return previous['generated_at']
    return now


def mapping_entries(records):
    """Old reference and digest -> new reference and digest, for every destination holding its conversion."""
    entries = []
    for record in _sorted(records):
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
        writer.writerow([entry[field] for field in MAPPING_FIELDS])
    return out.getvalue()


def _formats_present(registries):
    present = set()
    for bucket in registries:
        present.update(bucket['by_format'])
    return [fmt for fmt in FORMAT_ORDER if fmt in present]


def _destination_cell(record):
    if record['status'] == DONE:
        return 'done: %s %s' % (record['dest_format'], record['dest_digest'])
    if record['status'] == NEEDS_CONVERSION:
        return 'pending' + (' (holds %s)' % record['dest_format'] if record.get('dest_exists') else '')
    return record['status'].replace('_', ' ')


def _short(digest):
    return digest[:19] if digest else ''


def _short_pinned(reference):
    """The short digest of a repository@digest reference, '-' without one."""
    return _short(reference.rsplit('@', 1)[-1]) if reference else '-'


def render_markdown(document):
    totals, registries = document['totals'], document['registries']
    formats = _formats_present(registries)
    lines = [
        '# Container image audit',
        '',
        'Generated %s. %d images in %d registries: %d in a legacy format, %d still to convert, %d converted.' % (
            document['generated_at'], totals['images'], len(registries), totals['legacy'], totals['needs_conversion'],
            totals['by_status'].get(DONE, 0)),
        '',
        '## Totals per registry and format',
        '',
    ]
    lines += _md_table(['Registry'] + formats + ['Total', 'To convert'],
                       [[bucket['registry']] + [str(bucket['by_format'].get(f, 0)) for f in formats]
                        + [str(bucket['images']), str(bucket['needs_conversion'])]
                        for bucket in registries + [dict(totals, registry='**all**')]],
                       numeric_from=1)
    lines += ['', '## Images needing conversion', '']
    rows = [r for r in document['images'] if legacy(r) or r['status'] == MISSING_SOURCE]
    if not rows:
        lines.append('None: every image is in its target format.')
    else:
        lines += _md_table(['Image', 'Format', 'Digest', 'Destination', 'Target', 'State'],
                           [[_code(r['src']), r.get('format') or MISSING, _code(_short(r.get('digest'))), _code(r.get('dest') or '-'),
                             r['target_format'], _destination_cell(r)] for r in rows])
    return '\n'.join(lines) + '\n'


def _code(text):
    return '`%s`' % text


def _md_table(headers, rows, numeric_from=None):
    """Markdown table lines; columns from numeric_from on are right-aligned."""
    align = ['---:' if numeric_from is not None and i >= numeric_from else '---' for i in range(len(headers))]
    return ['| %s |' % ' | '.join(headers), '|%s|' % '|'.join(align)] + ['| %s |' % ' | '.join(cells) for cells in rows]


def render_svg(registries):
    """A horizontal stacked bar per registry, one colour per format, with counts and a legend."""
    formats = _formats_present(registries)
    label_width, bar_width, row_height = 220, 460, 28
    top = 30
    height = top + row_height * len(registries) + 20
    largest = max([b['images'] for b in registries] + [1])
    esc = html.escape
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Images per registry and format" '
             'width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">'
             % (label_width + bar_width + 60, height, label_width + bar_width + 60, height)]
    x = label_width
    for fmt in formats:
        parts.append('<rect x="%d" y="6" width="12" height="12" fill="%s"/><text x="%d" y="16">%s</text>' % (x, COLOURS[fmt], x + 16, esc(fmt)))
        x += 30 + 8 * len(fmt)
    for row, bucket in enumerate(registries):
        y = top + row * row_height
        parts.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (label_width - 8, y + 15, esc(bucket['registry'])))
        x = float(label_width)
        for fmt in formats:
            count = bucket['by_format'].get(fmt, 0)
            if not count:
                continue
            width = bar_width * count / largest
            parts.append('<rect x="%.1f" y="%d" width="%.1f" height="20" fill="%s"><title>%s: %d %s</title></rect>'
                         % (x, y, width, COLOURS[fmt], esc(bucket['registry']), count, esc(fmt)))
            if width >= 18:
                parts.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#fff">%d</text>' % (x + width / 2, y + 14, count))
            x += width
        parts.append('<text x="%.1f" y="%d">%d</text>' % (x + 6, y + 15, bucket['images']))
    parts.append('</svg>')
    return ''.join(parts)


_CSS = ('body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}'
        'th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}td.n{text-align:right}th{background:#f3f3f3}'
        'code{font-size:90%}.done{color:#2a7a2a}.needs_conversion{color:#b02020}.missing_source{color:#777}'
        '.legacy{color:#b02020}.unknown{color:#777}')


def _td(text, cls=None, code=False, title=None):
    """One escaped table cell."""
    esc = html.escape
    body = esc(text)
    if code:
        body = '<code%s>%s</code>' % (' title="%s"' % esc(title) if title else '', body)
    return '<td%s>%s</td>' % (' class="%s"' % esc(cls) if cls else '', body)


def _html_table(headers, rows):
    """A table from header texts and rows of _td cells."""
    out = ['<table><tr>%s</tr>' % ''.join('<th>%s</th>' % html.escape(h) for h in headers)]
    out += ['<tr>%s</tr>' % ''.join(cells) for cells in rows]
    out.append('</table>')
    return '\n'.join(out)


def audit_html_section(document):
    """The registry audit part of audit.html."""
    esc = html.escape
    totals, registries = document['totals'], document['registries']
    formats = _formats_present(registries)
    out = ['<p>Generated %s. <strong>%d</strong> images in %d registries: <strong>%d</strong> in a legacy format, '
           '<strong>%d</strong> still to convert, %d converted.</p>' % (
               esc(document['generated_at']), totals['images'], len(registries), totals['legacy'], totals['needs_conversion'],
               totals['by_status'].get(DONE, 0)),
           '<h2>Totals per registry and format</h2>', render_svg(registries),
           _html_table(['Registry'] + formats + ['Total', 'To convert'],
                       [[_td(bucket['registry'])] + [_td(str(bucket['by_format'].get(f, 0)), 'n') for f in formats]
                        + [_td(str(bucket['images']), 'n'), _td(str(bucket['needs_conversion']), 'n')]
                        for bucket in registries + [dict(totals, registry='all')]]),
           '<h2>Images needing conversion</h2>']
    rows = [r for r in document['images'] if legacy(r) or r['status'] == MISSING_SOURCE]
    if not rows:
        out.append('<p>None: every image is in its target format.</p>')
    else:
        out.append(_html_table(['Image', 'Format', 'Digest', 'Destination', 'Target', 'State'], [
            [_td(r['src'], code=True), _td(r.get('format') or MISSING), _td(_short(r.get('digest')), code=True, title=r.get('digest') or ''),
             _td(r.get('dest') or '-', code=True), _td(r['target_format']), _td(_destination_cell(r), r['status'])]
            for r in rows]))
    return '\n'.join(out)


def _hosts_summary(totals):
    return ('Hosts: %d, of which %d could not be read and %d hold schema 1 images. Containers: %d, of which %d on schema 1 '
            'images. Schema 1 images: %d. Format unknown: %d.' % (
                totals['hosts'], totals['hosts_failed'], totals['hosts_with_legacy'], totals['containers'],
                totals['legacy_containers'], totals['legacy_images'], totals['unknown']))


def _legacy_by_host(rows):
    """[(host, its legacy rows)], hosts in order."""
    grouped = {}
    for row in rows:
        if is_legacy(row):
            grouped.setdefault(row['host'], []).append(row)
    return sorted(grouped.items())


def _problems(rows):
    return [row for row in rows if row['error']]


_NO_REPLACEMENT = 'not converted yet'
_LEGACY_HEADERS = ['Container', 'Image', 'Digest', 'Switch to']
_PROBLEMS_TITLE = 'Not audited, or format unknown'
_PROBLEM_HEADERS = ['Host', 'Container', 'Image', 'Why']


def hosts_html_section(rows):
    """The 'Hosts running legacy images' part of audit.html."""
    esc = html.escape
    out = ['<h2>Hosts running legacy images</h2>', '<p>%s</p>' % esc(_hosts_summary(host_totals(rows)))]
    by_host = _legacy_by_host(rows)
    if not by_host:
        out.append('<p>None: no host holds a schema 1 image.</p>')
    for host, legacy_rows in by_host:
        out.append('<h3>%s</h3>' % esc(host))
        out.append(_html_table(_LEGACY_HEADERS, [
            [_td(r['container'] or '-'), _td(r['image'], code=True), _td(_short_pinned(r['image_digest']), code=True, title=r['image_digest'] or ''),
             _td(r['replacement'], 'done', code=True) if r['replacement'] else _td(_NO_REPLACEMENT, 'legacy')]
            for r in legacy_rows]))
    problems = _problems(rows)
    if problems:
        out.append('<h3>%s</h3>' % _PROBLEMS_TITLE)
        out.append(_html_table(_PROBLEM_HEADERS, [
            [_td(r['host']), _td(r['container'] or '-'), _td(r['image'] or '-', code=True), _td(r['error'], 'unknown')] for r in problems]))
    return '\n'.join(out)


def render_hosts_markdown(rows):
    lines = ['# Hosts running legacy images', '', _hosts_summary(host_totals(rows)), '']
    by_host = _legacy_by_host(rows)
    if not by_host:
        lines.append('None: no host holds a schema 1 image.')
    for host, legacy_rows in by_host:
        lines += ['## %s' % host, '']
        lines += _md_table(_LEGACY_HEADERS, [
            [r['container'] or '-', _code(r['image']), _code(_short_pinned(r['image_digest'])),
             _code(r['replacement']) if r['replacement'] else _NO_REPLACEMENT] for r in legacy_rows])
        lines.append('')
    problems = _problems(rows)
    if problems:
        lines += ['## %s' % _PROBLEMS_TITLE, '']
        lines += _md_table(_PROBLEM_HEADERS, [[r['host'], r['container'] or '-', _code(r['image'] or '-'), r['error']] for r in problems])
    return '\n'.join(lines).rstrip('\n') + '\n'


def render_html(document=None, host_rows=None, workload_rows=None):
    """audit.html: the registry audit (when there is one), the hosts and the workloads sections (when there are rows)."""
    sections = []
    if document is not None:
        sections.append(audit_html_section(document))
    if host_rows is not None:
        sections.append(hosts_html_section(host_rows))
    if workload_rows is not None:
        sections.append(_workload_report.workloads_html_section(workload_rows))
    out = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">', '<title>Container image audit</title>',
           '<style>%s</style></head><body>' % _CSS, '<h1>Container image audit</h1>'] + sections + ['</body></html>']
    return '\n'.join(out) + '\n'


def render_all(records, generated_at, mapping=False):
    """File name -> content of the registry audit reports alone."""
    document = audit_document(records, generated_at)
    files = {
        'audit.json': dump_json(document),
        'audit.md': render_markdown(document),
        'audit.html': render_html(document),
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
    if document and document.get('schema') == AUDIT_SCHEMA and all(key in document for key in ('totals', 'registries', 'images')):
        return document
    return None


def _previous_hosts(text):
    rows = _load(text, list)
    try:
        return normalize_rows(rows) if rows is not None else None
    except ImagefleetError:
        return None


def render_directory(previous, now, records=None, mapping=False, hosts=None, workloads=None):
    """(file name -> content of every report of a directory, facts), given its current files.

    previous: file name -> current text (None or absent when there is no such file).
    records: audit records, or None to keep the directory's audit.json. hosts: host rows,
    or None to keep the directory's hosts.json (its replacements refreshed from mapping.json).
    audit.html gets a section for each part the directory then holds. facts: the
    registry audit's generated_at (None without one) and host_totals (None without hosts).
    workloads: workload rows, or None to keep the directory's workloads.json (see
    _workload_report.render_files); facts then also have workload_totals.
    """
    files = {}
    if records is not None:
        document = audit_document(records, stable_generated_at(previous.get('audit.json'), records, now))
        files.update(render_all(records, document['generated_at'], mapping=mapping))
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
    workload_rows = _workload_report.render_files(files, previous, workloads)
    if document is not None or rows is not None or workload_rows is not None:
        files['audit.html'] = render_html(document, rows, workload_rows)
    facts = {
        'generated_at': document['generated_at'] if document else None,
        'host_totals': host_totals(rows) if rows is not None else None,
    }
    if workload_rows is not None:
        facts['workload_totals'] = _workload_report.workload_totals(workload_rows)
    return files, facts
