# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Planning a migration: where each image goes, and the audited state of each source/destination pair.

Pure functions over plain data, shared by image_catalog_info (destinations from a rule)
and the audit_records filter the playbooks use to join image_manifest_info results.
"""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.formats import converted_format
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError, InvalidReferenceError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.manifest import is_size
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import DEFAULT_TAG, destination, parse_reference

TARGET_FORMATS = (mt.FORMAT_V2S2, mt.FORMAT_OCI)

# Audit status of one image, from its source and destination.
MISSING_SOURCE = 'missing_source'
NO_DESTINATION = 'no_destination'
NEEDS_CONVERSION = 'needs_conversion'
DONE = 'done'


def target_of(item, default):
    """The target format of an image_convert or image_verify item: its target_format; else, in the deprecated 0.1 form,
    a `format` that is a target format (with target_format present, `format` is the source's audited format)."""
    target = item.get('target_format')
    if target is None and item.get('format') in TARGET_FORMATS:
        target = item['format']
    return target or default


def derive_dest(src, dest_registry=None, dest_prefix=None):
    """The destination of src under a rule: same repository path (and tag) below dest_prefix or on dest_registry.

    ``127.0.0.1:5000/legacy/app:1`` with dest_prefix ``mirror:5001/converted`` is
    ``mirror:5001/converted/legacy/app:1``. None when the rule names no destination.
    """
    if dest_registry and dest_prefix:
        raise ImagefleetError('give dest_registry or dest_prefix, not both (%s, %s)' % (dest_registry, dest_prefix))
    base = dest_prefix or dest_registry
    if not base:
        return None
    ref = parse_reference(src)
    tag = ref.tag or (None if ref.digest else DEFAULT_TAG)
    if not tag:
        raise InvalidReferenceError('source %s is pinned by digest only; give its destination with a tag' % src, reference=src)
    return str(parse_reference('%s/%s:%s' % (base.rstrip('/'), ref.repository, tag)))


def is_legacy(info):
    """Whether an image is legacy: Docker schema 1, or a list or index with a schema 1 child.

    Another modern format than the target (OCI when v2s2 is wanted) is not legacy: it is to convert.
    """
    if info.get('format') == mt.FORMAT_V2S1:
        return True
    return any((child.get('media_type') or '') in (mt.DOCKER_V2S1, mt.DOCKER_V2S1_SIGNED) for child in info.get('platforms') or [])


def resolve_plan(plan, default_format=mt.FORMAT_V2S2):
    """The plan ({src, dest, format}) with normalised references, each destination with its tag, and the format.

    A destination without a tag takes the source's (_image/reference.destination), so the audit reads the
    tag image_convert writes. Invalid entries fail naming their position.
    """
    resolved = []
    for index, item in enumerate(plan):
        if not isinstance(item, dict) or not item.get('src'):
            raise ImagefleetError('image %d of the plan has no src: %r' % (index, item))
        src = parse_reference(item['src'])
        target = item.get('format') or default_format
        if target not in TARGET_FORMATS:
            raise ImagefleetError('image %s: format %r is not one of %s' % (src, target, ', '.join(TARGET_FORMATS)))
        resolved.append({'src': str(src), 'dest': str(destination(src, item['dest'])) if item.get('dest') else None,
                         'format': target})
    return resolved


def _status(src_info, dest_info, target_format):
    if not src_info.get('exists'):
        return MISSING_SOURCE
    if dest_info is None:
        return NO_DESTINATION
    if dest_info.get('exists') and dest_info.get('format') == converted_format(src_info.get('format'), target_format):
        return DONE
    return NEEDS_CONVERSION


def _size(value):
    """A layer size as a registry stated it, or None: anything but a non-negative int is not one."""
    return value if is_size(value) else None


def known_sizes(images):
    """{digest: size} of every layer whose size a manifest or conversion stated (image_manifest_info facts, or
    image_convert results): a digest names the same bytes wherever it is, so one statement serves every image."""
    sizes = {mt.EMPTY_LAYER_DIGEST: mt.EMPTY_LAYER_SIZE}
    for image in images:
        for layer in image.get('layers') or []:
            if isinstance(layer, dict) and _size(layer.get('size')) is not None:
                sizes.setdefault(layer.get('digest'), layer['size'])
    return sizes


def sized_layers(layers, sizes):
    """[{digest, size}] of layers, an unknown size (schema 1 states none) taken from sizes by digest."""
    sized = []
    for layer in layers or []:
        size = _size(layer.get('size'))
        sized.append({'digest': layer.get('digest'), 'size': size if size is not None else sizes.get(layer.get('digest'))})
    return sized


def audit_records(plan, infos, default_format=mt.FORMAT_V2S2):
    """Join a plan ({src, dest, format}) with image_manifest_info results into one record per planned image.

    infos holds the facts of every source and destination (keyed by their normalised
    reference; a later entry for the same reference wins). Records keep the plan's order; a source planned twice
    appears once.
    Each record: src, dest, target_format, registry, repository, tag, format (the
    source's), digest, image_key (the content's identity across tags), exists, dest_exists, dest_format,
    dest_digest, status, needs_conversion, legacy (see is_legacy), created (of a legacy source) and layers (the
    source's digest and size of each, as far as known). A source whose facts carry no layers (layers null: known from an image inventory)
    takes layers and created from another tag of the same image_key that has them. A layer size the source does not
    state (schema 1) is taken from any manifest of infos listing the same digest (a destination already converted
    lists them all), so the audit needs no blob HEAD for them.
    """
    return join_resolved(resolve_plan(plan, default_format), infos)


def join_resolved(resolved, infos):
    """audit_records of a plan resolve_plan already resolved (image_manifest_info resolves it once, for what to read
    and for the join)."""
    by_ref = dict((info['reference'], info) for info in infos)
    sizes = known_sizes(by_ref.values())
    details = {}
    for info in by_ref.values():
        if info.get('image_key') and info.get('layers') is not None:
            details.setdefault(info['image_key'], info)
    records = []
    seen = set()
    for item in resolved:
        src, dest, target = item['src'], item['dest'], item['format']
        if (src, dest) in seen:
            continue
        seen.add((src, dest))
        src_info = by_ref.get(src) or {'exists': False}
        # Layers and creation time are read where they are, not copied into a merged dict per tag: over an image
        # inventory thousands of tags share a few images, and each copy renders a whole fact on the controller.
        detailed = src_info
        if src_info.get('layers') is None and src_info.get('image_key') in details:
            detailed = details[src_info['image_key']]
        dest_info = (by_ref.get(dest) or {'exists': False}) if dest else None
        status = _status(src_info, dest_info, target)
        legacy = bool(src_info.get('exists')) and is_legacy(src_info)
        ref = parse_reference(src)
        records.append({
            'src': src,
            'dest': dest,
            'target_format': target,
            'registry': ref.registry,
            'repository': ref.repository,
            'tag': ref.tag,
            'exists': bool(src_info.get('exists')),
            'format': src_info.get('format'),
            'digest': src_info.get('digest'),
            'image_key': src_info.get('image_key') or src_info.get('digest'),
            'dest_exists': bool(dest_info and dest_info.get('exists')),
            'dest_format': dest_info.get('format') if dest_info else None,
            'dest_digest': dest_info.get('digest') if dest_info else None,
            'status': status,
            'needs_conversion': status == NEEDS_CONVERSION,
            'legacy': legacy,
            # The age of a legacy image (schema 1: from its history, no request). Not of another: its config is read
            # only by an audit with details, so migrate.yml and its --check would tell it differently.
            'created': detailed.get('created') if legacy else None,
            'layers': sized_layers(detailed.get('layers'), sizes),
        })
    return records


def apply_conversions(records, conversions):
    """Records as they stand after image_convert ran (not in check mode): converted destinations are done.

    conversions are image_convert's per-image results (dest a plain reference; a 0.1 result's 'ref@digest'
    is still understood); failed ones leave their record as it was. Layer sizes a record does not know (an audit
    without details) are taken from the conversions' layers, by digest.
    """
    done = dict(((c['src'], c['dest'].split('@')[0]), c) for c in conversions or [] if not c.get('failed') and c.get('dest_digest'))
    sizes = known_sizes(conversions or [])
    updated = []
    for record in records:
        result = done.get((record['src'], record['dest']))
        if result is not None:
            record = dict(record, dest_exists=True, dest_format=result['dest_format'], dest_digest=result['dest_digest'],
                          status=DONE, needs_conversion=False)
        if any(layer.get('size') is None for layer in record.get('layers') or []):
            record = dict(record, layers=sized_layers(record['layers'], sizes))
        updated.append(record)
    return updated
