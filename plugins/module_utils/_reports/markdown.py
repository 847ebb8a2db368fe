# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""audit.md and hosts.md: readable summaries (per namespace and per repository, not every tag).

Every tag stays in audit.json and mapping.csv; these pages lay out what data.py computed.
"""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.module_utils._escape import markdown_code, markdown_text
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.hosts import host_totals
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.data import (
    legacy_by_host, hosts_summary, human_bytes, problems, repository_groups, short_pinned,
    LEGACY_HEADERS, NO_REPLACEMENT, PROBLEM_HEADERS, PROBLEMS_TITLE,
)


def code(text):
    return markdown_code(text)


def md_table(headers, rows, numeric_from=None):
    """Markdown table lines; columns from numeric_from on are right-aligned."""
    align = ['---:' if numeric_from is not None and i >= numeric_from else '---' for i in range(len(headers))]
    return ['| %s |' % ' | '.join(headers), '|%s|' % '|'.join(align)] + ['| %s |' % ' | '.join(cells) for cells in rows]


def headline(document):
    """The one-sentence answer: how many tags and images, how many legacy, how many left, how many bytes."""
    summary = document['summary']
    counts, size = summary['counts'], summary['bytes']
    return ('%d tags (%d distinct images) in %d registries: %d legacy images (%d tags), %d still to convert (%d tags); '
            'bytes to move (unique layers): %s left, %s done.' % (
                counts['tags'], counts['images'], len(document['registries']), counts['legacy_images'], counts['legacy_tags'],
                counts['left_images'], counts['left_tags'], human_bytes(size['left']), human_bytes(size['done'])))


def render_markdown(document):
    summary = document['summary']
    lines = ['# Container image audit', '', 'Generated %s. %s' % (document['generated_at'], headline(document)), '',
             '## Formats', '']
    lines += md_table(['Format', 'Tags', 'Images'],
                      [[f['format'], str(f['tags']), str(f['images'])] for f in summary['formats']], numeric_from=1)
    lines += ['', '## Per namespace (first %d path component%s)' % (summary['namespace_depth'], 's' if summary['namespace_depth'] > 1 else ''), '']
    lines += md_table(['Namespace', 'Tags', 'Images', 'Legacy images', 'Left', 'Done'],
                      [[code(n['namespace']), str(n['tags']), str(n['images']), str(n['legacy_images']), str(n['left_images']),
                        str(n['done_images'])] for n in summary['namespaces']], numeric_from=1)
    if summary['age']:
        lines += ['', '## Legacy images by year built', '']
        lines += md_table(['Year', 'Images'], [[a['year'], str(a['images'])] for a in summary['age']], numeric_from=1)
    lines += ['', '## Per repository', '']
    lines += md_table(['Registry', 'Repository', 'Tags', 'Images', 'Legacy images', 'Left'],
                      [[markdown_text(g['registry']), code(g['repository']), str(g['tags']), str(g['images']), str(g['legacy_images']),
                        str(g['left_images'])] for g in repository_groups(document['images'])], numeric_from=2)
    lines += ['', 'Every tag, digest and destination: audit.json (and mapping.csv after a migration).']
    return '\n'.join(lines) + '\n'


def render_hosts_markdown(rows):
    lines = ['# Hosts running legacy images', '', hosts_summary(host_totals(rows)), '']
    by_host = legacy_by_host(rows)
    if not by_host:
        lines.append('None: no host holds a schema 1 image.')
    for host, legacy_rows in by_host:
        lines += ['## %s' % markdown_text(host), '']
        lines += md_table(LEGACY_HEADERS, [
            [markdown_text(r['container'] or '-'), code(r['image']), code(short_pinned(r['image_digest'])),
             code(r['replacement']) if r['replacement'] else NO_REPLACEMENT] for r in legacy_rows])
        lines.append('')
    found = problems(rows)
    if found:
        lines += ['## %s' % PROBLEMS_TITLE, '']
        lines += md_table(PROBLEM_HEADERS, [[markdown_text(r['host']), markdown_text(r['container'] or '-'), code(r['image'] or '-'),
                                             markdown_text(r['error'])] for r in found])
    return '\n'.join(lines).rstrip('\n') + '\n'
