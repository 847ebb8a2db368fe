# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Audit and mapping reports: audit.json, audit.md, audit.html, mapping.json and mapping.csv.

Pure rendering from audit records (see _plan.audit_records). The output is
deterministic: the same records give the same bytes, so re-writing a report
over an unchanged fleet changes nothing. The only clock value, generated_at,
is kept from the previous audit.json while the rest of it is unchanged.
"""

from __future__ import annotations

import csv
import html
import io
import json

from ansible_collections.imagefleet.registry.plugins.module_utils import _media_types as mt
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
        '| Registry | %s | Total | To convert |' % ' | '.join(formats),
        '|---|%s---:|---:|' % ('---:|' * len(formats)),
    ]
    for bucket in registries + [dict(totals, registry='**all**')]:
        counts = ' | '.join(str(bucket['by_format'].get(f, 0)) for f in formats)
        lines.append('| %s | %s | %d | %d |' % (bucket['registry'], counts, bucket['images'], bucket['needs_conversion']))
    lines += ['', '## Images needing conversion', '']
    rows = [r for r in document['images'] if legacy(r) or r['status'] == MISSING_SOURCE]
    if not rows:
        lines.append('None: every image is in its target format.')
    else:
        lines.append('| Image | Format | Digest | Destination | Target | State |')
        lines.append('|---|---|---|---|---|---|')
        for r in rows:
            cells = (r['src'], r.get('format') or MISSING, _short(r.get('digest')), r.get('dest') or '-', r['target_format'],
                     _destination_cell(r))
            lines.append('| `%s` | %s | `%s` | `%s` | %s | %s |' % cells)
    return '\n'.join(lines) + '\n'


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
        'code{font-size:90%}.done{color:#2a7a2a}.needs_conversion{color:#b02020}.missing_source{color:#777}')


def render_html(document):
    esc = html.escape
    totals, registries = document['totals'], document['registries']
    formats = _formats_present(registries)
    out = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">', '<title>Container image audit</title>',
           '<style>%s</style></head><body>' % _CSS, '<h1>Container image audit</h1>',
           '<p>Generated %s. <strong>%d</strong> images in %d registries: <strong>%d</strong> in a legacy format, '
           '<strong>%d</strong> still to convert, %d converted.</p>' % (
               esc(document['generated_at']), totals['images'], len(registries), totals['legacy'], totals['needs_conversion'],
               totals['by_status'].get(DONE, 0)),
           '<h2>Totals per registry and format</h2>', render_svg(registries),
           '<table><tr><th>Registry</th>%s<th>Total</th><th>To convert</th></tr>' % ''.join('<th>%s</th>' % esc(f) for f in formats)]
    for bucket in registries + [dict(totals, registry='all')]:
        out.append('<tr><td>%s</td>%s<td class="n">%d</td><td class="n">%d</td></tr>' % (
            esc(bucket['registry']), ''.join('<td class="n">%d</td>' % bucket['by_format'].get(f, 0) for f in formats),
            bucket['images'], bucket['needs_conversion']))
    out.append('</table><h2>Images needing conversion</h2>')
    rows = [r for r in document['images'] if legacy(r) or r['status'] == MISSING_SOURCE]
    if not rows:
        out.append('<p>None: every image is in its target format.</p>')
    else:
        out.append('<table><tr><th>Image</th><th>Format</th><th>Digest</th><th>Destination</th><th>Target</th><th>State</th></tr>')
        for r in rows:
            out.append('<tr><td><code>%s</code></td><td>%s</td><td><code title="%s">%s</code></td><td><code>%s</code></td>'
                       '<td>%s</td><td class="%s">%s</td></tr>' % (
                           esc(r['src']), esc(r.get('format') or MISSING), esc(r.get('digest') or ''), esc(_short(r.get('digest'))),
                           esc(r.get('dest') or '-'), esc(r['target_format']), esc(r['status']), esc(_destination_cell(r))))
        out.append('</table>')
    out.append('</body></html>')
    return '\n'.join(out) + '\n'


def render_all(records, generated_at, mapping=False):
    """File name -> content of every report."""
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
