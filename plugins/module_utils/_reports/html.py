# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""audit.html: one self-contained page (inline CSS, SVG and a few lines of script; no external assets).

Summary first (numbers, charts, progress), then every image: one table body per repository,
one row per image (image_key) listing all its tags. With scripts off every row is in the page; the
script only filters and pages them. Everything that came from a registry or a host is
HTML-escaped here, at the point of output.
"""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.module_utils._escape import html_text
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.hosts import host_totals
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.data import (
    FORMAT_ORDER, LEGACY_HEADERS, MISSING, NO_REPLACEMENT, PROBLEM_HEADERS, PROBLEMS_TITLE,
    hosts_summary, human_bytes, legacy_by_host, plural, problems, repository_groups, short_pinned,
)
from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt

# Namespaces drawn in the chart; the rest are summed into one bar.
CHART_NAMESPACES = 15
COLOURS = {
    mt.FORMAT_V2S1: '#d62728',
    mt.FORMAT_V2S2: '#1f77b4',
    mt.FORMAT_OCI: '#2ca02c',
    mt.FORMAT_V2S2_LIST: '#9467bd',
    mt.FORMAT_OCI_INDEX: '#17becf',
    MISSING: '#7f7f7f',
}
LEFT, DONE_COLOUR, MODERN = '#d62728', '#2ca02c', '#9ab8d6'

_CSS = ('body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1400px}'
        'table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}'
        'td.n{text-align:right}th{background:#f3f3f3}code{font-size:90%;overflow-wrap:anywhere}'
        '.done{color:#2a7a2a}.needs_conversion,.legacy{color:#b02020}.missing_source,.unknown{color:#777}'
        'nav a{margin-right:1em}.cards{display:flex;flex-wrap:wrap;gap:.8em}.card{border:1px solid #ccc;border-radius:6px;padding:.5em .9em}'
        '.card b{display:block;font-size:1.6em}.charts{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}'
        '#images table,table.head{table-layout:fixed;width:100%;margin:0}#images td{overflow-wrap:anywhere}'
        '#images .g{content-visibility:auto;contain-intrinsic-size:auto 4em}'
        '#images h4{background:#e8eef6;font-weight:normal;margin:0;padding:3px 6px;border:1px solid #ccc;border-bottom:0}'
        '.tags code{margin-right:.5em;white-space:nowrap}.tags div{max-height:7.5em;overflow:auto}'
        'td.digest code{display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}'
        '.controls{position:sticky;top:0;background:#fff;padding:.4em 0;z-index:1}.controls input[type=search]{width:24em}')

# Filter: a repository whose registry/name holds the text shows all its rows, else the rows whose text holds it;
# "only what is left" keeps rows of images still to convert. Rendering stays lazy (content-visibility) either way.
_SCRIPT = '''(function(){
var q=document.getElementById('q'),only=document.getElementById('only-left'),shown=document.getElementById('shown'),
groups=[].slice.call(document.querySelectorAll('#images .g')),keys=null;
function apply(){var t=q.value.trim().toLowerCase(),n=0;
if(!keys){keys=groups.map(function(g){return [].map.call(g.querySelectorAll('tr'),function(r){return r.textContent.toLowerCase();});});}
groups.forEach(function(g,i){var whole=g.getAttribute('data-k').indexOf(t)>=0,rows=g.querySelectorAll('tr'),any=false;
for(var j=0;j<rows.length;j++){var ok=(whole||keys[i][j].indexOf(t)>=0)&&(!only.checked||rows[j].className=='left');
rows[j].hidden=!ok;if(ok){n++;any=true;}}g.hidden=!any;});
shown.textContent=n+' matching rows';}
q.addEventListener('input',apply);only.addEventListener('change',apply);})();'''

esc = html_text  # printable and HTML-escaped: registry text carries no markup and no control characters


def td(text, cls=None, code=False, title=None):
    """One escaped table cell."""
    body = esc(text)
    if code:
        body = '<code%s>%s</code>' % (' title="%s"' % esc(title) if title else '', body)
    return '<td%s>%s</td>' % (' class="%s"' % esc(cls) if cls else '', body)


def html_table(headers, rows, attrs=''):
    """A table from header texts and rows of td cells."""
    out = ['<table%s><tr>%s</tr>' % (attrs, ''.join('<th>%s</th>' % esc(h) for h in headers))]
    out += ['<tr>%s</tr>' % ''.join(cells) for cells in rows]
    out.append('</table>')
    return '\n'.join(out)


def bar_chart(title, rows, segments, label_width=200, bar_width=420):
    """Horizontal stacked bars: rows are (label, [count per segment]), segments (name, colour); a legend on top."""
    row_height, top = 24, 28
    height = top + row_height * len(rows) + 8
    width = label_width + bar_width + 70
    largest = max([sum(row[1]) for row in rows] + [1])
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="%s" width="%d" height="%d" viewBox="0 0 %d %d" '
             'font-family="sans-serif" font-size="12">' % (esc(title), width, height, width, height)]
    x = label_width
    for name, colour in segments:
        parts.append('<rect x="%d" y="6" width="12" height="12" fill="%s"/><text x="%d" y="16">%s</text>' % (x, colour, x + 16, esc(name)))
        x += 30 + 7 * len(name)
    for index, (label, counts) in enumerate(rows):
        y = top + index * row_height
        parts.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (label_width - 8, y + 14, esc(label[:32])))
        x = float(label_width)
        for (name, colour), count in zip(segments, counts):
            if not count:
                continue
            span = bar_width * count / largest
            parts.append('<rect x="%.1f" y="%d" width="%.1f" height="18" fill="%s"><title>%s: %d %s</title></rect>'
                         % (x, y, span, colour, esc(label), count, esc(name)))
            if span >= 22:
                parts.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#fff">%d</text>' % (x + span / 2, y + 13, count))
            x += span
        parts.append('<text x="%.1f" y="%d">%d</text>' % (x + 6, y + 14, sum(counts)))
    parts.append('</svg>')
    return ''.join(parts)


def line_chart(title, points, width=520, height=180):
    """Legacy images left per run: points are (label, value), oldest first."""
    left_pad, bottom, top = 50, 30, 14
    largest = max([point[1] for point in points] + [1])
    step = (width - left_pad - 20) / max(len(points) - 1, 1)

    def xy(index, value):
        return left_pad + index * step, top + (height - top - bottom) * (1 - float(value) / largest)

    coords = [xy(i, point[1]) for i, point in enumerate(points)]
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="%s" width="%d" height="%d" viewBox="0 0 %d %d" '
             'font-family="sans-serif" font-size="11">' % (esc(title), width, height, width, height),
             '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>' % (left_pad, height - bottom, width - 10, height - bottom),
             '<text x="%d" y="%d" text-anchor="end">%d</text><text x="%d" y="%d" text-anchor="end">0</text>' % (
                 left_pad - 6, top + 4, largest, left_pad - 6, height - bottom),
             '<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (LEFT, ' '.join('%.1f,%.1f' % c for c in coords))]
    for (label, value), (x, y) in zip(points, coords):
        parts.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s: %d left</title></circle>' % (x, y, LEFT, esc(label), value))
    parts.append('<text x="%d" y="%d">%s</text><text x="%d" y="%d" text-anchor="end">%s</text>' % (
        left_pad, height - 8, esc(points[0][0][:10]), width - 10, height - 8, esc(points[-1][0][:10])))
    parts.append('</svg>')
    return ''.join(parts)


def _card(key, value, label, extra=''):
    return '<div class="card"><b id="n-%s">%s</b>%s%s</div>' % (esc(key), esc(str(value)), esc(label), extra)


def _namespace_chart(summary):
    spaces = summary['namespaces']
    rows = [(n['namespace'], [n['left_images'], n['done_images'], n['images'] - n['left_images'] - n['done_images']])
            for n in spaces[:CHART_NAMESPACES]]
    chart = bar_chart('Images per namespace', rows, [('left to convert', LEFT), ('legacy, converted', DONE_COLOUR), ('nothing to do', MODERN)])
    rest = spaces[CHART_NAMESPACES:]
    if rest:
        # Summed as a caption, not a bar: one long bar would squash the others.
        chart += '<p>and %d more namespaces: %d images left, %d converted, %d with nothing to do (see audit.md).</p>' % (
            len(rest), sum(n['left_images'] for n in rest), sum(n['done_images'] for n in rest),
            sum(n['images'] - n['left_images'] - n['done_images'] for n in rest))
    return chart


def _progress(history):
    """The chart of legacy images left per run, and the counts of the last migration run."""
    out = []
    if len(history) >= 2:
        out.append(line_chart('Legacy images left per run', [(entry.get('at') or '?', entry.get('left_images', 0)) for entry in history]))
    runs = [entry for entry in history if 'converted' in entry]
    if runs:
        run = runs[-1]
        out.append('<p id="last-run">Last migration run (%s): <b>%d</b> converted, <b>%d</b> failed, <b>%d</b> verified, '
                   '<b>%d</b> failed verification.</p>' % (esc(run.get('at') or '?'), run.get('converted', 0), run.get('failed', 0),
                                                           run.get('verified', 0), run.get('verify_failed', 0)))
    return out


def summary_html(document, history):
    summary = document['summary']
    counts, size = summary['counts'], summary['bytes']
    unknown = size['images_with_unknown_sizes']
    registries = len(document['registries'])
    out = ['<p>Generated %s. %d registr%s.</p>' % (esc(document['generated_at']), registries, 'y' if registries == 1 else 'ies'),
           '<div class="cards">',
           _card('tags', counts['tags'], 'tags'),
           _card('images', counts['images'], 'distinct images'),
           _card('legacy-images', counts['legacy_images'], 'legacy images', ' (<span id="n-legacy-tags">%d</span> tags)' % counts['legacy_tags']),
           _card('left-images', counts['left_images'], 'left to convert', ' (<span id="n-left-tags">%d</span> tags)' % counts['left_tags']),
           _card('bytes-left', human_bytes(size['left']), 'to move (unique layers),',
                 ' <span id="n-bytes-done">%s</span> moved' % esc(human_bytes(size['done']))),
           '</div>']
    if unknown:
        out.append('<p>%d legacy images have layers of unknown size (not counted).</p>' % unknown)
    out.append('<h3>Tags and distinct images per format</h3>')
    out.append(html_table(['Format', 'Tags', 'Images'], [
        [td(f['format']), '<td class="n" id="f-%s-tags">%d</td>' % (esc(f['format']), f['tags']),
         '<td class="n" id="f-%s-images">%d</td>' % (esc(f['format']), f['images'])] for f in summary['formats']]))
    charts = ['<div><h3>Per namespace (depth %d)</h3>%s</div>' % (summary['namespace_depth'], _namespace_chart(summary))]
    if summary['age']:
        charts.append('<div><h3>Legacy images by year built</h3>%s</div>' % bar_chart(
            'Legacy images by year built', [(a['year'], [a['images']]) for a in summary['age']], [('images', LEFT)], label_width=70, bar_width=300))
    progress = _progress(history or [])
    if progress:
        charts.append('<div><h3>Progress</h3>%s</div>' % ''.join(progress))
    out.append('<div class="charts">%s</div>' % ''.join(charts))
    return '\n'.join(out)


def registries_html(document):
    totals, registries = document['totals'], document['registries']
    present = set()
    for bucket in registries:
        present.update(bucket['by_format'])
    formats = [fmt for fmt in FORMAT_ORDER if fmt in present]
    chart = bar_chart('Tags per registry and format', [(b['registry'], [b['by_format'].get(f, 0) for f in formats]) for b in registries],
                      [(f, COLOURS[f]) for f in formats])
    table = html_table(['Registry'] + formats + ['Tags', 'To convert'],
                       [[td(bucket['registry'])] + [td(str(bucket['by_format'].get(f, 0)), 'n') for f in formats]
                        + [td(str(bucket['images']), 'n'), td(str(bucket['left']), 'n')]
                        for bucket in registries + [dict(totals, registry='all')]])
    return '<h3>Tags per registry and format</h3>\n%s\n%s' % (chart, table)


def _state(row):
    """'done' when all its tags are; 'done 2, needs conversion 1' when they differ."""
    if len(row['statuses']) == 1:
        return row['statuses'][0][0].replace('_', ' ')
    return ', '.join('%s %d' % (status.replace('_', ' '), count) for status, count in row['statuses'])


def _row(row):
    tags = ''.join('<code>%s</code> ' % esc(tag) for tag in row['tags'])
    dest = ', '.join(row['dest_repositories'])
    if row['dest_formats']:
        dest += ' (%s)' % ', '.join(row['dest_formats'])
    state_class = 'done' if not row['left'] and row['legacy'] else ('legacy' if row['left'] else '')
    return ('<tr%s><td class="tags"><div>%s</div></td>%s%s%s%s%s%s</tr>' % (
        ' class="left"' if row['left'] else '', tags, td(row['digest'] or '-', 'digest', code=True),
        td('%s → %s' % (row['format'], row['converted_format']) if row['legacy'] or row['left'] else row['format']),
        td((row['created'] or '-')[:10]), td(human_bytes(row['size']) if row['size'] is not None else '-', 'n'),
        td(_state(row), state_class), td(dest, code=True)))


IMAGE_COLUMNS = (('Tags', 27), ('Digest', 12), ('Format', 10), ('Built', 8), ('Size', 7), ('State', 13), ('Destination', 23))
# Column widths for every repository's table (table-layout:fixed takes them from the first row), so they line up.
_COLUMN_CSS = ''.join('#images td:nth-child(%d),table.head th:nth-child(%d){width:%d%%}' % (i + 1, i + 1, width)
                      for i, (name, width) in enumerate(IMAGE_COLUMNS))


def images_html(document):
    """One block per repository (a heading and its table), so that the browser renders only those on screen."""
    groups = repository_groups(document['images'])
    rows = sum(len(g['rows']) for g in groups)
    out = ['<div class="controls"><input type="search" id="q" placeholder="Filter: repository, tag, digest, format, state" '
           'aria-label="Filter"> <label><input type="checkbox" id="only-left"> only what is left</label> '
           '<span id="shown">%d rows</span>' % rows,
           '<table class="head"><tr>%s</tr></table></div>' % ''.join('<th>%s</th>' % column[0] for column in IMAGE_COLUMNS),
           '<div id="images">']
    for group in groups:
        out.append('<div class="g" data-k="%s"><h4>%s/<b>%s</b>: %s, %s, %d legacy, %d left</h4><table>' % (
            esc(('%s/%s' % (group['registry'], group['repository'])).lower()), esc(group['registry']), esc(group['repository']),
            plural(group['tags'], 'tag'), plural(group['images'], 'image'), group['legacy_images'], group['left_images']))
        out.extend(_row(row) for row in group['rows'])
        out.append('</table></div>')
    out.append('</div>')
    return '\n'.join(out)


def hosts_html(rows):
    """The body of the 'Hosts running legacy images' section."""
    out = ['<p>%s</p>' % esc(hosts_summary(host_totals(rows)))]
    by_host = legacy_by_host(rows)
    if not by_host:
        out.append('<p>None: no host holds a schema 1 image.</p>')
    for host, legacy_rows in by_host:
        out.append('<h3>%s</h3>' % esc(host))
        out.append(html_table(LEGACY_HEADERS, [
            [td(r['container'] or '-'), td(r['image'], code=True), td(short_pinned(r['image_digest']), code=True, title=r['image_digest'] or ''),
             td(r['replacement'], 'done', code=True) if r['replacement'] else td(NO_REPLACEMENT, 'legacy')]
            for r in legacy_rows]))
    found = problems(rows)
    if found:
        out.append('<h3>%s</h3>' % PROBLEMS_TITLE)
        out.append(html_table(PROBLEM_HEADERS, [
            [td(r['host']), td(r['container'] or '-'), td(r['image'] or '-', code=True), td(r['error'], 'unknown')] for r in found]))
    return '\n'.join(out)


def render_html(document=None, host_rows=None, history=None, sections=()):
    """audit.html from the parts a report directory holds.

    document: the registry audit (summary, per registry, every image); host_rows: the hosts
    report; history: the history entries; sections: more (anchor, title, body html) parts,
    placed after the hosts (the slot for further reports, such as workloads).
    """
    parts = []
    if document is not None:
        parts.append(('summary', 'Summary', summary_html(document, history)))
    if host_rows is not None:
        parts.append(('hosts', 'Hosts running legacy images', hosts_html(host_rows)))
    parts.extend(sections)
    if document is not None:
        parts.append(('registries', 'Per registry', registries_html(document)))
        parts.append(('all-images', 'Images by registry and repository', images_html(document)))
    out = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">', '<title>Container image audit</title>',
           '<style>%s%s</style></head><body>' % (_CSS, _COLUMN_CSS), '<h1>Container image audit</h1>',
           '<nav>%s</nav>' % ''.join('<a href="#%s">%s</a>' % (esc(part[0]), esc(part[1])) for part in parts)]
    out += ['<section id="%s"><h2>%s</h2>\n%s\n</section>' % (esc(anchor), esc(title), body) for anchor, title, body in parts]
    if document is not None:
        out.append('<script>%s</script>' % _SCRIPT)
    out.append('</body></html>')
    return '\n'.join(out) + '\n'
