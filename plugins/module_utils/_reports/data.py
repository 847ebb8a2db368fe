# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the audit report says, as plain data: totals, the fleet summary, grouped rows, history.

Pure functions over audit records (see _conversion/plan.audit_records); the writers (markdown.py,
html.py) only lay these out. Which record is legacy is decided here, in legacy(),
and nowhere in the writers: every total is counted from the same rows the tables show.
"""

from __future__ import annotations

import re

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.hosts import is_legacy
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.plan import DONE, NEEDS_CONVERSION, converted_format

MISSING = 'missing'
# Column order of formats in tables and charts.
FORMAT_ORDER = (mt.FORMAT_V2S1, mt.FORMAT_V2S2, mt.FORMAT_OCI, mt.FORMAT_V2S2_LIST, mt.FORMAT_OCI_INDEX, MISSING)
UNKNOWN_AGE = 'unknown'
# History entries: the fleet's state numbers (an entry is added when they change) and the run's own counts.
STATE_KEYS = ('tags', 'images', 'legacy_tags', 'legacy_images', 'left_tags', 'left_images')
RUN_KEYS = ('converted', 'failed', 'verified', 'verify_failed')
HISTORY_LIMIT = 500


def format_key(record):
    return record.get('format') if record.get('exists') else MISSING


def legacy(record):
    """Whether the source is legacy: Docker schema 1, or a list or index with schema 1 children (_conversion/plan.is_legacy).

    Another modern format than the target (OCI when v2s2 is wanted) is not legacy: see left(). Records of an
    audit.json written before the flag existed are legacy when they are schema 1.
    """
    return bool(record.get('exists')) and bool(record.get('legacy', record.get('format') == mt.FORMAT_V2S1))


def left(record):
    """An image still to convert: legacy, or in another format than its target, and its conversion not done yet."""
    off_target = bool(record.get('exists')) and record.get('format') != converted_format(record.get('format'), record.get('target_format'))
    return (legacy(record) or off_target) and record['status'] != DONE


def natural_key(text):
    """Sort key putting t2 before t10: digit runs compare as numbers."""
    parts = re.split(r'(\d+)', text or '')
    return [int(part) if index % 2 else part for index, part in enumerate(parts)]


def sorted_records(records):
    return sorted(records, key=lambda r: (r['src'], r.get('dest') or ''))


def summarize(records):
    """Totals over all images (tags) and per registry: by source format and by status.

    legacy counts legacy() tags, left the tags still to convert (left(), what the tables mark left), and
    needs_conversion the planned conversions not done yet (status, also copies of images already in their format).
    """
    def empty():
        return {'images': 0, 'by_format': {}, 'by_status': {}, 'needs_conversion': 0, 'legacy': 0, 'left': 0}

    totals = empty()
    per_registry = {}
    for record in records:
        for bucket in (totals, per_registry.setdefault(record['registry'], empty())):
            bucket['images'] += 1
            key = format_key(record)
            bucket['by_format'][key] = bucket['by_format'].get(key, 0) + 1
            bucket['by_status'][record['status']] = bucket['by_status'].get(record['status'], 0) + 1
            bucket['needs_conversion'] += 1 if record['status'] == NEEDS_CONVERSION else 0
            bucket['legacy'] += 1 if legacy(record) else 0
            bucket['left'] += 1 if left(record) else 0
    registries = [dict(per_registry[name], registry=name) for name in sorted(per_registry)]
    return totals, registries


def image_key(record):
    """One image in one repository: its audited image_key (schema 1 tags of one image differ in digest, each naming
    its tag, but share it), else its digest; a missing source is an image of its own."""
    return (record['registry'], record['repository'], record.get('image_key') or record.get('digest') or record['src'])


def namespace(repository, depth):
    """The first `depth` path components of a repository (the team owning it, by convention)."""
    return '/'.join(repository.split('/')[:max(depth, 1)])


def _age_bucket(created):
    match = re.match(r'(\d{4})-', created or '')
    return match.group(1) if match else UNKNOWN_AGE


def _counter(keys):
    return dict((key, 0) for key in keys)


def fleet_summary(records, namespace_depth=1):
    """The numbers an operator reads first.

    formats: tags and distinct images per source format. legacy/left/done: tags and
    images (left: still to convert, legacy or not, see left()). bytes: unique layers (by
    digest) of the images still to convert ('left') and of the legacy images already
    converted ('done'), with how many of them have a layer of unknown size.
    namespaces: per first `namespace_depth` repository components. age: legacy images per
    year of their config `created`.
    """
    formats = {}
    images = {}
    for record in records:
        entry = formats.setdefault(format_key(record), {'tags': 0, 'images': set()})
        entry['tags'] += 1
        entry['images'].add(image_key(record))
        images.setdefault(image_key(record), []).append(record)
    counts = _counter(STATE_KEYS)
    layers = {'left': {}, 'done': {}}
    unsized = set()
    spaces = {}
    age = {}
    for key, tags in images.items():
        space = spaces.setdefault(namespace(key[1], namespace_depth), dict(_counter(STATE_KEYS), done_images=0))
        any_legacy = any(legacy(r) for r in tags)
        any_left = any(left(r) for r in tags)
        for bucket in (counts, space):
            bucket['tags'] += len(tags)
            bucket['images'] += 1
            bucket['legacy_tags'] += sum(1 for r in tags if legacy(r))
            bucket['legacy_images'] += 1 if any_legacy else 0
            bucket['left_tags'] += sum(1 for r in tags if left(r))
            bucket['left_images'] += 1 if any_left else 0
        if any_legacy:
            space['done_images'] += 0 if any_left else 1
            year = _age_bucket(tags[0].get('created'))
            age[year] = age.get(year, 0) + 1
        elif not any_left:
            continue
        for layer in tags[0].get('layers') or []:
            layers['left' if any_left else 'done'][layer['digest']] = layer.get('size')
            if layer.get('size') is None:
                unsized.add(key)
    return {
        'formats': [{'format': fmt, 'tags': formats[fmt]['tags'], 'images': len(formats[fmt]['images'])}
                    for fmt in FORMAT_ORDER if fmt in formats],
        'counts': counts,
        'bytes': {
            'left': sum(size or 0 for size in layers['left'].values()),
            'done': sum(size or 0 for size in layers['done'].values()),
            'left_layers': len(layers['left']),
            'done_layers': len(layers['done']),
            'images_with_unknown_sizes': len(unsized),
        },
        'namespace_depth': namespace_depth,
        'namespaces': [dict(spaces[name], namespace=name)
                       for name in sorted(spaces, key=lambda n: (-spaces[n]['left_images'], -spaces[n]['legacy_images'], natural_key(n)))],
        'age': [{'year': year, 'images': age[year]} for year in sorted(age, key=lambda y: (y == UNKNOWN_AGE, y))],
    }


def _tags(rows):
    return sorted((r['tag'] or r['src'].rsplit('@', 1)[-1] for r in rows), key=natural_key)


def _statuses(rows):
    counts = {}
    for row in rows:
        counts[row['status']] = counts.get(row['status'], 0) + 1
    return sorted(counts.items())


def _image_row(rows):
    first = rows[0]
    dests = sorted(set(r['dest'].rsplit(':', 1)[0] if r.get('dest') else '-' for r in rows))
    return {
        'digest': first.get('digest'),
        'format': format_key(first),
        'target_format': first.get('target_format'),
        'converted_format': converted_format(first.get('format'), first.get('target_format')) if first.get('exists') else None,
        'tags': _tags(rows),
        'statuses': _statuses(rows),
        'dest_formats': sorted(set(r['dest_format'] for r in rows if r.get('dest_format'))),
        'dest_repositories': dests,
        'legacy': any(legacy(r) for r in rows),
        'left': any(left(r) for r in rows),
        'created': first.get('created'),
        'size': image_size(first),
    }


def image_size(record):
    """Bytes of an image's layers (a document image carries it as `size`); None when a size is unknown."""
    if 'layers' not in record:
        return record.get('size')
    sizes = [layer.get('size') for layer in record['layers']]
    return sum(sizes) if sizes and None not in sizes else None


def repository_groups(records):
    """[{registry, repository, tags, images, legacy_images, left_images, rows}], natural order; one row per image
    (image_key), showing its first tag's digest."""
    repositories = {}
    for record in records:
        repositories.setdefault((record['registry'], record['repository']), {}).setdefault(image_key(record)[2], []).append(record)
    groups = []
    for (registry, repository) in sorted(repositories, key=lambda k: (natural_key(k[0]), natural_key(k[1]))):
        rows = [_image_row(tags) for tags in repositories[(registry, repository)].values()]
        rows.sort(key=lambda row: (not row['left'], natural_key(row['tags'][0]) if row['tags'] else []))
        groups.append({
            'registry': registry,
            'repository': repository,
            'tags': sum(len(row['tags']) for row in rows),
            'images': len(rows),
            'legacy_images': sum(1 for row in rows if row['legacy']),
            'left_images': sum(1 for row in rows if row['left']),
            'rows': rows,
        })
    return groups


def history_entry(summary, at, run=None):
    """One point of the history: the fleet's state numbers, and the run's counts when it was a migration."""
    entry = dict((key, summary['counts'][key]) for key in STATE_KEYS)
    entry['at'] = at
    if run:
        entry.update((key, run.get(key, 0)) for key in RUN_KEYS)
    return entry


def append_history(history, entry):
    """history with entry added when the fleet's numbers changed or the run failed something; else as it was."""
    history = [item for item in history or [] if isinstance(item, dict)]
    last = history[-1] if history else None
    same_state = last is not None and all(last.get(key) == entry.get(key) for key in STATE_KEYS)
    if same_state and not (entry.get('failed') or entry.get('verify_failed')):
        return history
    return (history + [entry])[-HISTORY_LIMIT:]


def run_counts(conversions, verified):
    """Counts of a migrate run from image_convert's and image_verify's per-image results; None for an audit."""
    if not conversions and not verified:
        return None
    return {
        'converted': sum(1 for c in conversions or [] if c.get('changed') and not c.get('failed')),
        'failed': sum(1 for c in conversions or [] if c.get('failed')),
        'verified': sum(1 for v in verified or [] if v.get('ok')),
        'verify_failed': sum(1 for v in verified or [] if not v.get('ok')),
    }


def plural(count, word):
    """'1 tag', '2 tags'."""
    return '%d %s%s' % (count, word, '' if count == 1 else 's')


def human_bytes(size):
    """1536 -> '1.5 KiB'."""
    value = float(size or 0)
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if value < 1024 or unit == 'TiB':
            return ('%d %s' % (value, unit)) if unit == 'B' else ('%.1f %s' % (value, unit))
        value /= 1024
    return '%d B' % size


def short_digest(digest):
    return digest[:19] if digest else ''


def short_pinned(reference):
    """The short digest of a repository@digest reference, '-' without one."""
    return short_digest(reference.rsplit('@', 1)[-1]) if reference else '-'


# The hosts report (rows of _audit/hosts.host_rows).
NO_REPLACEMENT = 'not converted yet'
LEGACY_HEADERS = ['Container', 'Image', 'Digest', 'Switch to']
PROBLEMS_TITLE = 'Not audited, or format unknown'
PROBLEM_HEADERS = ['Host', 'Container', 'Image', 'Why']


def hosts_summary(totals):
    return ('Hosts: %d, of which %d could not be read and %d hold schema 1 images. Containers: %d, of which %d on schema 1 '
            'images. Schema 1 images: %d. Format unknown: %d.' % (
                totals['hosts'], totals['hosts_failed'], totals['hosts_with_legacy'], totals['containers'],
                totals['legacy_containers'], totals['legacy_images'], totals['unknown']))


def legacy_by_host(rows):
    """[(host, its legacy rows)], hosts in order."""
    grouped = {}
    for row in rows:
        if is_legacy(row):
            grouped.setdefault(row['host'], []).append(row)
    return sorted(grouped.items(), key=lambda item: natural_key(item[0]))


def problems(rows):
    return [row for row in rows if row['error']]
