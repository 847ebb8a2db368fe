# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pointing workloads at converted images, with the mapping.json of a migration (see _reports/writers.mapping_entries).

- A reference by tag moves to the destination of its conversion when that is another reference
  (an in-place conversion keeps the tag, so nothing changes).
- A reference pinned by digest moves to the new digest, in the destination repository (the old
  digest names a schema 1 manifest there is no other way to translate); a tag next to the digest
  follows the destination's tag.

Edits are spliced into the file's text at the offsets the scanner found (workload_scan.py), so
nothing else changes: comments, key order, quoting, anchors, indentation, line endings. The new
text is scanned again before it is returned, and must parse and hold exactly the references
planned, or the file is refused whole.
"""

from __future__ import annotations

import json

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError, InvalidReferenceError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import DEFAULT_REGISTRY, ImageReference, parse_reference
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.schemas import MAPPING_SCHEMA
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.workload_scan import (
    RESOLVED,
    FileError,
    scan_text,
)

EDIT_FIELDS = ('source', 'line', 'kind', 'workload', 'container', 'field', 'before', 'after')


def load_mapping(text, source='mapping.json'):
    """The entries of a mapping.json text; ImagefleetError naming the file when it is not one."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ImagefleetError('%s is not JSON (%s): give the mapping.json a migration wrote' % (source, exc))
    if not isinstance(document, dict) or document.get('schema') != MAPPING_SCHEMA or not isinstance(document.get('images'), list):
        raise ImagefleetError('%s is not a mapping (schema %s with a list of images): give the mapping.json a migration wrote'
                              % (source, MAPPING_SCHEMA))
    return document['images']


def _same_repository(entry, ref):
    try:
        old = parse_reference(entry['old_reference'])
    except InvalidReferenceError:
        return False
    return (old.registry, old.repository) == (ref.registry, ref.repository)


def replacement(reference, index):
    """The ImageReference a normalised reference should become, None when the mapping has nothing new for it."""
    ref = parse_reference(reference)
    if ref.digest:
        entries = index.by_digest.get(ref.digest) or []
        entry = next((e for e in entries if _same_repository(e, ref)), entries[0] if entries else None)
        if entry is None:
            return None
        new = parse_reference(entry['new_reference'])
        target = ImageReference(new.registry, new.repository, new.tag if ref.tag else None, entry['new_digest'])
    else:
        entry = index.by_reference.get(str(ref))
        if entry is None:
            return None
        new = parse_reference(entry['new_reference'])
        target = new.with_tag(new.tag)
    return None if target == ref else target


def _explicit_domain(name):
    first, sep, _rest = (name or '').partition('/')
    return bool(sep) and ('.' in first or ':' in first or first == 'localhost')


def _name_like(new, original_name):
    """registry/repository of new, written the short way (``nginx``, ``team/app``) when the original was."""
    if new.registry == DEFAULT_REGISTRY and not _explicit_domain(original_name):
        repository = new.repository
        if repository.startswith('library/') and not (original_name or '').split('@')[0].startswith('library/'):
            repository = repository[len('library/'):]
        return repository
    return new.name


def _written(new, original):
    text = _name_like(new, original)
    if new.tag:
        text += ':' + new.tag
    if new.digest:
        text += '@' + new.digest
    return text


def _wanted(reference, new):
    """Part name -> text each part of the reference must have to name `new`."""
    parts = reference['_parts']
    if 'image' in parts:
        return {'image': _written(new, parts['image'])}
    if 'repository' in parts:     # a Helm image map
        if parts.get('registry'):
            name = _name_like(new, '%s/%s' % (parts['registry'], parts['repository']))
            registry, _sep, repository = name.partition('/')
            wanted = {'registry': registry, 'repository': repository}
        else:
            wanted = {'repository': _name_like(new, parts['repository'])}
        return dict(wanted, tag=new.tag, digest=new.digest)
    name_key = 'newName' if parts.get('newName') else 'name'     # a Kustomize entry: name must keep matching the resources
    name = _name_like(new, parts.get(name_key))
    if name_key == 'name' and name != parts.get('name'):
        return {'newName': name, 'newTag': new.tag, 'digest': new.digest}
    return {name_key: name, 'newTag': new.tag, 'digest': new.digest}


def _changes(reference, new):
    """[(start, end, text)] splices that make the reference name `new`; ValueError saying why it cannot be done."""
    changes = []
    for part, value in _wanted(reference, new).items():
        if (reference['_parts'].get(part) or None) == (value or None):
            continue
        if part not in reference['_spans']:
            raise ValueError('the %s key is missing: add "%s: %s" by hand' % (part, part, value) if value
                             else 'remove the %s key by hand' % part)
        span = reference['_spans'][part]
        if span is None:
            raise ValueError('the %s text is not a plain or simply quoted value on one line: edit it by hand' % part)
        changes.append((span[0], span[1], value or ''))
    return changes


def _public_edit(reference, after):
    return {'source': reference['source'], 'line': reference['line'], 'kind': reference['kind'], 'workload': reference['workload'],
            'container': reference['container'], 'field': reference['field'], 'before': reference['image'], 'after': after}


def splice(text, changes):
    """text with each (start, end, new text) applied; changes must not overlap."""
    out, position = [], 0
    for start, end, value in sorted(set(changes)):
        if start < position:
            raise ValueError('overlapping edits at offset %d' % start)
        out += [text[position:start], value]
        position = end
    out.append(text[position:])
    return ''.join(out)


def rewrite_text(source, text, index):
    """(new text, edits, skipped) for one file's text.

    edits: {source, line, kind, workload, container, field, before, after} per reference moved; skipped: references
    the mapping has a replacement for that cannot be edited safely, with the replacement and the reason in message.
    FileError when the file cannot be parsed, or when the edited text would not hold exactly the planned references
    (then nothing of it may be written).
    """
    references = scan_text(source, text)
    changes, planned, skipped = [], {}, []
    for position, reference in enumerate(references):
        if reference['status'] != RESOLVED:
            continue
        new = replacement(reference['reference'], index)
        if new is None:
            continue
        try:
            splices = _changes(reference, new)
        except ValueError as exc:
            skipped.append(dict(_public_edit(reference, str(new)), message=str(exc)))
            continue
        changes += splices
        planned[position] = str(new)
    if not changes:
        return text, [], skipped
    try:
        new_text = splice(text, changes)
    except ValueError as exc:
        raise FileError('cannot rewrite: %s' % exc)
    return new_text, _verify(source, references, new_text, planned), skipped


def _verify(source, references, new_text, planned):
    """The edits, after checking that the new text scans to the same references with the planned ones moved."""
    try:
        after = scan_text(source, new_text)
    except FileError as exc:
        raise FileError('the edited text would not parse (%s): nothing written' % exc.message, exc.line)
    if len(after) != len(references):
        raise FileError('the edited text would hold %d references instead of %d: nothing written' % (len(after), len(references)))
    edits = []
    for position, (old, new) in enumerate(zip(references, after)):
        expected = planned.get(position, old['reference'])
        if new['reference'] != expected or new['field'] != old['field']:
            raise FileError('the edited text would reference %s instead of %s at %s: nothing written'
                            % (new['reference'] or new['image'], expected, old['field']), old['line'])
        if position in planned:
            edits.append(_public_edit(old, new['image']))
    return edits


def replacement_text(reference, index):
    """What a resolved reference should point at now (normalised), None when the mapping has nothing new for it."""
    try:
        new = replacement(reference, index) if reference else None
    except InvalidReferenceError:
        return None
    return str(new) if new is not None else None
