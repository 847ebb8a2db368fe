# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The audit of a migration plan, as image_manifest_info(plan=...) gives it: what to read, one record per image, and
the counts the playbooks print.

Joining and counting here, on plain data, is what keeps the playbooks' audit cheap: as Jinja filters over registered
results, every value of thousands of facts goes through Ansible's templating once per task that touches it.
"""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.module_utils._audit.image_info import inspect_images
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.plan import join_resolved, resolve_plan
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import parse_reference


def references_to_read(plan, known):
    """What the audit still reads: every destination, every source the known facts lack, and one source per image.

    Tags sharing an image_key share their layers and creation time, so one of them read with details serves all
    (audit_records copies them).
    """
    by_ref = dict((item['reference'], item) for item in known or [])
    wanted = []
    images = set()
    for item in plan:
        src = str(parse_reference(item['src']))
        fact = by_ref.get(src)
        if fact is None or fact.get('image_key') not in images:
            if fact is not None:
                images.add(fact.get('image_key'))
            wanted.append(src)
        if item.get('dest'):
            wanted.append(str(parse_reference(item['dest'])))
    return list(dict.fromkeys(wanted))


def audit_summary(records):
    """{images, registries, formats, missing, to_convert, done, line} of the audit records, in one pass: what the
    playbooks print after the audit ("audit: ...") and hand to AWX.

    formats: [[format, tags]] of the sources found, by format name.
    """
    registries = set()
    formats = {}
    missing = to_convert = done = 0
    for record in records or []:
        registries.add(record.get('registry'))
        if record.get('exists'):
            formats[record.get('format')] = formats.get(record.get('format'), 0) + 1
        else:
            missing += 1
        to_convert += 1 if record.get('needs_conversion') else 0
        done += 1 if record.get('status') == 'done' else 0
    found = [[fmt, formats[fmt]] for fmt in sorted(formats, key=str)]
    count = len(records or [])
    line = 'audit: %d images in %d registries; %s%d missing; %d to convert, %d already converted' % (
        count, len(registries), ''.join('%d %s, ' % (tags, fmt) for fmt, tags in found), missing, to_convert, done)
    return {'images': count, 'registries': len(registries), 'formats': found, 'missing': missing,
            'to_convert': to_convert, 'done': done, 'line': line}


def checked_known(known):
    """The known facts, each a dict naming its reference (normalised as the audit's own): a bad one fails naming it."""
    checked = []
    for index, fact in enumerate(known or []):
        if not isinstance(fact, dict) or not isinstance(fact.get('reference'), str):
            raise ImagefleetError('known[%d] is not the facts of an image (a dict with a reference): %r' % (index, fact))
        checked.append(dict(fact, reference=str(parse_reference(fact['reference']))))
    return checked


def audit_plan(registries, plan, known, target_format, parallel, on_error, details=False, manifests=None):
    """(records, summary) of a plan ({src, dest, format}): the manifests not known yet are read, concurrently.

    Every entry of the plan and of known is checked before the first request.
    """
    resolved = resolve_plan(plan, target_format)
    known = checked_known(known)
    infos = inspect_images(registries, references_to_read(resolved, known), parallel, on_error, details, manifests)
    records = join_resolved(resolved, known + infos)
    return records, audit_summary(records)
