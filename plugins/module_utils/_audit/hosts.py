# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which hosts run legacy images: join image_host_info results with image_manifest_info facts.

Pure functions over plain data, used by the host_references and host_rows
filters (audit_hosts.yml) and by image_report (hosts.json, hosts.md and the
hosts section of audit.html).

A host's engine knows each image by one or more names (repositories) and by the
manifest digests it was pulled by or pushed as (``RepoDigests``). What the host
holds is what those digests name, so the registry is asked by
``repository@digest`` and only by that: a registry is contacted only for the
digests that name it. An image without any repo digest was built, imported or
loaded on the host; it is reported as local, not from a registry, and nothing
is looked up for it (its tag, ``app:1``, would otherwise send its name to Docker
Hub, or to whatever registry the tag happens to spell). Podman names such images
``localhost/...`` and gives them a ``localhost/...@digest``: that is no registry
either. A name of an image without a digest of its own (``docker tag`` of a
pulled image) is decided by the image's other digests. Podman lists every digest
of an image under every one of its names (an image pulled both as
``legacy/app:1`` and as its conversion ``converted/app:1`` has one id when the
conversion kept its config), so a name's candidates are all its digests and the
one its repository really holds decides; if several do, a schema 1 one wins, so
that nothing legacy is hidden.

One row per container, then one per image name no container on that host uses;
a host whose engine could not be read gives one row carrying the error.

containerd (image_host_info engine=containerd) keys images by name, not by id,
and containerd 1.x converts a schema 1 image when it pulls it, keeping only the
conversion under a digest no registry has. Such an image is judged by its
source: the registry is asked about what the node holds (``repository@digest``),
about the name it was pulled as (its tag, or its digest), and about the schema 1
digest containerd 1.7.8+ records. What the node holds decides when the registry
has it; else the source does: a schema 1 source is a legacy image (pinned by the
schema 1 digest, so that mapping.json gives its replacement); a conversion on
pull whose tag now resolves to a converted image is legacy too (the node has not
pulled it again; its error says so), its replacement found in mapping.json by
that tag.
"""

from __future__ import annotations

import re

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError, InvalidReferenceError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import parse_reference
from ansible_collections.imagefleet.registry.plugins.module_utils._reports.schemas import MappingIndex

ROW_FIELDS = ('host', 'container', 'image', 'image_digest', 'format', 'replacement', 'error')
NOT_IN_REGISTRY = 'the registry does not have it (any more)'
NO_REGISTRY_NAME = 'local, not from a registry (no repo digest: built, imported or loaded on the host)'
# Podman's namespace for images built or imported on the host (a registry would be written localhost:PORT).
PODMAN_LOCAL_REGISTRY = 'localhost'

_HEX_ID = re.compile(r'^(sha256:)?[0-9a-f]{12,64}$')
_CRI_IMAGE_ID = re.compile(r'^sha256:[0-9a-f]{64}$')
CONTAINERD = 'containerd'
NOT_ON_NODE = 'the image is not in the node\'s image store any more'


def is_legacy(row):
    """Whether a row's image is in a format the next engines refuse (Docker schema 1)."""
    return row.get('format') in mt.LEGACY_FORMATS


def _parse(text):
    try:
        return parse_reference(text)
    except InvalidReferenceError:
        return None


def _repository(text):
    """registry/repository of a reference, None when it does not parse."""
    ref = _parse(text)
    return '%s/%s' % (ref.registry, ref.repository) if ref else None


def _names(image):
    """repository -> {'tags': [...], 'digests': [...]} of one image, references normalised, sorted."""
    names = {}
    for key, texts in (('tags', image.get('repo_tags')), ('digests', image.get('repo_digests'))):
        for text in texts or []:
            ref = _parse(text)
            if ref is None or (key == 'digests' and (not ref.digest or ref.registry == PODMAN_LOCAL_REGISTRY)):
                continue
            name = names.setdefault('%s/%s' % (ref.registry, ref.repository), {'tags': [], 'digests': []})
            if str(ref) not in name[key]:
                name[key].append(str(ref))
    for name in names.values():
        name['tags'].sort()
        name['digests'].sort()
    return names


def _by_id(container_image, image_id):
    """Whether a container references its image by id (full, short, or with sha256:) rather than by name."""
    if not container_image or not _HEX_ID.match(container_image):
        return False
    return (image_id or '').split(':')[-1].startswith(container_image.split(':')[-1])


def _digests(names):
    """Every repo digest of an image, over all its names, sorted."""
    return sorted(set(digest for name in names.values() for digest in name['digests']))


def _candidates(reference, name, names):
    """The digests to ask about for a name: the one it was referenced by, else its own, else the image's other ones;
    none at all for a local image (never a tag: see the module docstring)."""
    ref = _parse(reference) if reference else None
    if ref is not None and ref.digest and ref.registry != PODMAN_LOCAL_REGISTRY:
        return [str(ref)]
    return list((name and name['digests']) or _digests(names))


def _host_error(result):
    if not isinstance(result, dict) or not result:
        return 'not audited: no image_host_info result for this host'
    if result.get('unreachable'):
        return 'unreachable: %s' % result.get('msg', '')
    if result.get('failed') or result.get('skipped') or not isinstance(result.get('images'), list):
        return result.get('msg') or 'not audited: image_host_info did not run on this host'
    return None


def _blank(host, **values):
    row = dict((field, None) for field in ROW_FIELDS)
    row['host'] = host
    row.update(values)
    return row


def plan_rows(engines):
    """The rows of every host, each with the ``_candidates`` (repository@digest references the host holds) to ask
    the registries about; none for a local image. Sorted by host.

    engines: host name -> image_host_info result (a failed or unreachable one too).
    """
    if not isinstance(engines, dict):
        raise ImagefleetError('the engines must be a dict of host name -> image_host_info result, not %s' % type(engines).__name__)
    rows = []
    for host in sorted(engines):
        result = engines[host]
        error = _host_error(result)
        if error:
            rows.append(dict(_blank(host, error=error), _candidates=[]))
            continue
        if (result.get('engine') or {}).get('name') == CONTAINERD:
            rows.extend(_containerd_plan(host, result))
            continue
        images = dict((image.get('id'), image) for image in result['images'])
        used = set()
        for container in result.get('containers') or []:
            image = images.get(container.get('image_id')) or {}
            names = _names(image)
            if _by_id(container.get('image'), container.get('image_id')):
                repository = sorted(names)[0] if names else None
                reference = None
            else:
                repository = _repository(container.get('image'))
                reference = container.get('image')
            used.add((image.get('id'), repository))
            rows.append(dict(_blank(host, container=container.get('name'), image=container.get('image')),
                             _candidates=_candidates(reference, names.get(repository), names)))
        for image in result['images']:
            names = _names(image)
            if not names and (image.get('id'), None) not in used:
                rows.append(dict(_blank(host, image=image.get('id')), _candidates=[]))
            for repository in sorted(names):
                if (image.get('id'), repository) in used:
                    continue
                name = names[repository]
                label = name['tags'][0] if name['tags'] else name['digests'][0]
                rows.append(dict(_blank(host, image=label), _candidates=_candidates(None, name, names)))
    return rows


def _containerd_sources(image):
    """What the registry is asked about for a containerd image record: held (repository@digest the node holds), source
    (the name it was pulled as), original (the schema 1 digest containerd 1.7.8+ records), converted (on pull)."""
    ref = _parse(image['name'])
    repository = '%s/%s' % (ref.registry, ref.repository)
    original = image.get('schema1_digest')
    return {
        'held': '%s@%s' % (repository, image.get('digest')),
        'source': str(ref),
        'original': '%s@%s' % (repository, original) if original else None,
        'converted': bool(image.get('converted_from_schema1')),
    }


def _containerd_row(host, record, **values):
    if record is None:
        return dict(_blank(host, error=NOT_ON_NODE, **values), _candidates=[])
    sources = _containerd_sources(record)
    candidates = []
    for ref in (sources['held'], sources['source'], sources['original']):
        if ref and ref not in candidates:
            candidates.append(ref)
    return dict(_blank(host, **values), _candidates=candidates, _containerd=sources)


def _containerd_plan(host, result):
    """Rows of one containerd host: per container, then per image name no container uses. The CRI's second record
    of each image, named by its id (sha256:<config digest>), only serves to find a container's image by id."""
    named, by_digest, by_id = {}, {}, {}
    for image in result['images']:
        name = image.get('name') or ''
        if _CRI_IMAGE_ID.match(name):
            by_id[name] = image
        elif _parse(name) is not None:
            named[name] = image
            by_digest.setdefault(image.get('digest'), image)
    rows, used = [], set()
    for container in result.get('containers') or []:
        reference = container.get('image')
        image = named.get(reference) or by_digest.get((by_id.get(reference) or {}).get('digest'))
        if image is not None:
            used.add(image['name'])
        rows.append(_containerd_row(host, image, container=container.get('name'), image=reference))
    for name in sorted(named):
        if name not in used:
            rows.append(_containerd_row(host, named[name], image=name))
    return rows


def _pinned(info):
    """repository@digest of what a reference resolved to."""
    return '%s/%s@%s' % (info['registry'], info['repository'], info['digest'])


def _not_pulled(sources, now, what='converted from schema 1 on pull'):
    """Why what a node holds is not what its tag is (any more)."""
    return ('%s; %s now resolves to %s (%s), which this node has not pulled again'
            % (what, sources['source'], _pinned(now), now.get('format')))


def _fact(infos, reference):
    if not reference:
        return {}
    return infos.get(reference) or {'reference': reference, 'exists': None, 'error': 'not inspected'}


def _resolve_containerd(row, infos):
    """image_digest, format, replacement and error of a containerd row (see the module docstring)."""
    sources = row['_containerd']
    held, source, original = (_fact(infos, sources[key]) for key in ('held', 'source', 'original'))
    if held.get('exists'):
        return dict(row, image_digest=sources['held'], format=held.get('format'), error=None)
    now = source if source.get('exists') else None
    stale = now is not None and now.get('format') not in mt.LEGACY_FORMATS
    if original.get('exists') or (now and not stale):
        origin = original if original.get('exists') else now
        return dict(row, image_digest=_pinned(origin), format=origin.get('format'), error=_not_pulled(sources, now) if stale else None)
    if stale and sources['converted']:
        # Converted from schema 1 on pull; the tag was converted since, and this node still has its own conversion.
        return dict(row, image_digest=sources['held'], format=mt.LEGACY_FORMATS[0], error=_not_pulled(sources, now))
    if stale:
        return dict(row, image_digest=sources['held'], error=_not_pulled(sources, now, NOT_IN_REGISTRY))
    failed = next((info for info in (held, source, original) if info and info.get('exists') is None), None)
    error = (failed.get('error') or 'not inspected') if failed else NOT_IN_REGISTRY
    if sources['converted']:
        return dict(row, image_digest=sources['held'], format=mt.LEGACY_FORMATS[0],
                    error='converted from schema 1 on pull; its source %s cannot be told: %s' % (sources['source'], error))
    return dict(row, image_digest=sources['held'], error=error)


def host_references(engines):
    """Every reference the registries must be asked about for these hosts, once each, sorted."""
    return sorted(set(ref for row in plan_rows(engines) for ref in row['_candidates']))


def _resolve(row, infos):
    """Fill image_digest, format and error of a planned row from the registry facts of its candidates."""
    if row.get('_containerd'):
        return _resolve_containerd(row, infos)
    facts = [_fact(infos, ref) for ref in row['_candidates']]
    existing = [info for info in facts if info.get('exists')]
    if existing:
        chosen = next((info for info in existing if info.get('format') in mt.LEGACY_FORMATS), existing[0])
        return dict(row, image_digest=chosen['reference'], format=chosen.get('format'), error=None)
    if not facts:
        return row if row['error'] or not row['image'] else dict(row, error=NO_REGISTRY_NAME)
    failed = [info for info in facts if info.get('exists') is None]
    digest = facts[0]['reference'] if len(facts) == 1 else None
    return dict(row, image_digest=digest, error=(failed[0].get('error') or 'unknown error') if failed else NOT_IN_REGISTRY)


def host_rows(engines, infos):
    """Rows {host, container, image, image_digest, format, replacement, error} for these hosts.

    infos are image_manifest_info's images for host_references(engines) (asked with
    on_error=report); replacement is left None (image_report fills it from mapping.json).
    """
    by_ref = dict((info['reference'], info) for info in infos or [] if isinstance(info, dict) and info.get('reference'))
    return normalize_rows(_resolve(row, by_ref) for row in plan_rows(engines))


def normalize_rows(rows):
    """Rows with exactly ROW_FIELDS, in report order (host, containers first, then images)."""
    normalized = []
    for index, row in enumerate(rows or []):
        if not isinstance(row, dict) or not row.get('host'):
            raise ImagefleetError('host row %d has no host: %r' % (index, row))
        normalized.append(dict((field, row.get(field)) for field in ROW_FIELDS))
    return sorted(normalized, key=lambda r: (r['host'], r['container'] is None, r['container'] or '', r['image'] or '',
                                             r['image_digest'] or ''))


def _replacement(row, by_digest, by_reference):
    """The new reference@digest of a row's image from the mapping, None when it was not converted."""
    entry = None
    if row['image_digest']:
        digest = row['image_digest'].rsplit('@', 1)[-1]
        entries = by_digest.get(digest) or []
        repository = _repository(row['image_digest'])
        entry = next((e for e in entries if _repository(e['old_reference']) == repository), entries[0] if entries else None)
    # By name: a row without a digest, or a schema 1 image held under a digest of its own (containerd's conversion on
    # pull, whose tag may have been converted in place since).
    if entry is None and (not row['image_digest'] or is_legacy(row)):
        ref = _parse(row['image']) if row['image'] else None
        entry = by_reference.get(str(ref)) if ref else None
    if entry is None:
        return None
    return '%s@%s' % (entry['new_reference'], entry['new_digest'])


def apply_replacements(rows, entries):
    """Rows with ``replacement`` from mapping entries (old_digest -> new_reference@new_digest), None where none applies.

    A row pinned to a digest matches an entry by that digest (one of the same repository first); a row known only
    by tag matches an entry by its old_reference.
    """
    index = MappingIndex(entries)
    return [dict(row, replacement=_replacement(row, index.by_digest, index.by_reference)) for row in normalize_rows(rows)]


def host_totals(rows):
    """Numbers over the rows: hosts, hosts_failed, containers, legacy_containers, images, legacy_images, unknown.

    images count distinct images (by digest, else name) across the fleet; unknown counts rows whose format could not
    be told (registry error, image gone, or no registry name).
    """
    hosts = set(row['host'] for row in rows)
    failed = set(row['host'] for row in rows if row['image'] is None and row['error'])
    images = set((row['image_digest'] or row['image']) for row in rows if row['image'])
    legacy = set((row['image_digest'] or row['image']) for row in rows if row['image'] and is_legacy(row))
    return {
        'hosts': len(hosts),
        'hosts_failed': len(failed),
        'hosts_with_legacy': len(set(row['host'] for row in rows if is_legacy(row))),
        'containers': sum(1 for row in rows if row['container']),
        'legacy_containers': sum(1 for row in rows if row['container'] and is_legacy(row)),
        'images': len(images),
        'legacy_images': len(legacy),
        'unknown': sum(1 for row in rows if row['image'] and not row['format']),
    }
