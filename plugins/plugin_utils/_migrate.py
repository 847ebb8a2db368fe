# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the migrate playbook's filters compute: the registry credentials its tasks share, the batches (records
grouped by image), and the batches' image_convert results added up once.

Pure functions, controller-side only (plugins/filter/migrate.py).
"""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.batch import conversion_item, summarize
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError

SUMMARY_KEYS = ('images', 'converted', 'unchanged', 'failed', 'linked')


def image_of(record):
    """What image_convert converts once per call: tags sharing the content (image_key, else digest) and target."""
    return (record.get('image_key') or record.get('digest') or record.get('src'), record.get('target_format'))


def image_batches(records, size=50):
    """The records in batches of at most `size` distinct images, every tag of an image in the same batch.

    Images keep the order of their first tag; so do the tags of one image.
    """
    try:
        size = int(size)
    except (TypeError, ValueError):
        size = 0
    if size < 1:
        raise ImagefleetError('imagefleet_batch_size must be a positive number of images, not %r' % (size,))
    groups = {}
    for record in records or []:
        groups.setdefault(image_of(record), []).append(record)
    images = list(groups.values())
    return [[record for group in images[start:start + size] for record in group] for start in range(0, len(images), size)]


def selected_batches(chosen, size=50):
    """{selected, batches, homeless}: how many chosen records have an existing source, their conversion items in
    image_batches, and the sources among them without a destination (then there are no batches: the playbook fails
    naming them)."""
    selected = [record for record in chosen or [] if record.get('exists')]
    homeless = [record.get('src') for record in selected if not record.get('dest')]
    batches = [] if homeless else [[conversion_item(record) for record in batch] for batch in image_batches(selected, size)]
    return {'selected': len(selected), 'batches': batches, 'homeless': homeless}


def conversion_outcome(results, batches, check_mode=False):
    """image_convert's results over all batches (a loop's ``results``, one per batch), read once.

    Returns images (every per-image result), summary (the batches' summaries added up), failures ("<src>: <msg>",
    also one per image of a batch whose call failed as a whole), unconfirmed (the results that did not fail and that
    image_convert did not confirm, verified not true: what migrate.yml verifies), confirmed (how many it did confirm)
    and progress (one line per batch).
    In check mode nothing was converted: images and unconfirmed stay empty (the predictions are counted in summary
    and progress, not copied around once more: thousands of them in a fleet's check run).
    """
    images, failures, progress = [], [], []
    total = dict((key, 0) for key in SUMMARY_KEYS)
    count = len(batches or [])
    for index, (result, batch) in enumerate(zip(results or [], batches or [])):
        done = result.get('images')
        if done is None:
            msg = result.get('msg') or 'image_convert failed'
            summary = dict(summarize([]), images=len(batch), failed=len(batch))
            batch_failures = ['%s: %s' % (record.get('src'), msg) for record in batch]
        else:
            # The module's own counts where it gives them; counted from its per-image results otherwise.
            given = result.get('summary') or {}
            summary = dict((key, given[key]) for key in SUMMARY_KEYS if key in given)
            if len(summary) < len(SUMMARY_KEYS):  # counted only when the module's own counts are incomplete
                summary = dict(summarize(done), **summary)
            batch_failures = result.get('failures')
            if batch_failures is None:
                batch_failures = ['%s: %s' % (item.get('src'), item.get('msg')) for item in done if item.get('failed')]
            if not check_mode:
                images.extend(done)
        failures.extend(batch_failures)
        for key in SUMMARY_KEYS:
            total[key] += int(summary.get(key) or 0)
        progress.append('batch %d/%d: %d %s, %d %s (%d reusing another tag\'s conversion), %d already done, %d failed' % (
            index + 1, count, summary['images'], 'tag' if summary['images'] == 1 else 'tags', summary['converted'],
            'to convert' if check_mode else 'converted', summary['linked'], summary['unchanged'], summary['failed']))
    unconfirmed = [item for item in images if not item.get('failed') and item.get('verified') is not True]
    confirmed = sum(1 for item in images if not item.get('failed') and item.get('verified') is True)
    return {'images': images, 'summary': total, 'failures': failures, 'unconfirmed': unconfirmed, 'confirmed': confirmed,
            'progress': progress}


def rule_credentials(sources, registry_options=None):
    """registry_credentials for every registry module of a run: imagefleet_registry_options' own, then one entry per
    imagefleet_sources rule that gives a username (its password, or empty)."""
    found = list((registry_options or {}).get('registry_credentials') or [])
    for rule in sources or []:
        if rule.get('username') is not None:
            found.append({'registry': rule.get('registry'), 'username': rule['username'], 'password': rule.get('password') or ''})
    return found
