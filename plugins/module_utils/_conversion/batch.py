# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A batch of conversions: several images at once, one failure not stopping the others.

Items are audit records (plan.audit_records) or the short form {src, dest, target_format}. What the audit
knows (digest, dest_exists, dest_digest, dest_format) is trusted instead of asking the registry again, and
tags sharing an image (image_key or digest, and target format) are converted once: every other tag is linked
to the result (converter.link) with one HEAD of its source and one manifest PUT.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.blobs import BlobMover
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.converter import ImageConverter, knows_enough, predict_from_audit
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.plan import TARGET_FORMATS, target_of
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.digest import is_digest
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import destination, parse_reference
from ansible_collections.imagefleet.registry.plugins.module_utils._module import error_result
from ansible_collections.imagefleet.registry.plugins.module_utils._parallel import map_ordered

if TYPE_CHECKING:
    from ansible_collections.imagefleet.registry.plugins.module_utils._registry.manifest_cache import ManifestCache
    from ansible_collections.imagefleet.registry.plugins.module_utils._registry.options import Registries

COUNTERS = ('blobs_uploaded', 'blobs_mounted', 'blobs_skipped', 'bytes_uploaded', 'bytes_read')
# What an audit record may tell about an image that a conversion trusts instead of asking again.
_KNOWLEDGE = ('digest', 'image_key', 'dest_exists', 'dest_digest', 'dest_format')
# Every key of an item parse_requests reads; the rest of an audit record is ignored.
ITEM_KEYS = ('src', 'dest', 'target_format', 'format', 'force', 'backup_tag') + _KNOWLEDGE


def conversion_item(record: dict[str, Any]) -> dict[str, Any]:
    """The part of an audit record image_convert reads (keys without a value left out): a batch of thousands of
    records is moved into the module and back several times, its layers and report fields would only weigh."""
    return dict((key, record[key]) for key in ITEM_KEYS if record.get(key) is not None)


def _knowledge(item, index):
    """The audit knowledge of an item, each value checked (it becomes a URL or a decision)."""
    known = dict((key, item.get(key)) for key in _KNOWLEDGE if item.get(key) is not None)
    for key in ('digest', 'dest_digest'):
        if key in known and not is_digest(known[key]):
            raise ImagefleetError('images[%d].%s %r is not a digest (algorithm:hex)' % (index, key, known[key]))
    if 'dest_exists' in known and not isinstance(known['dest_exists'], bool):
        raise ImagefleetError('images[%d].dest_exists must be true or false, not %r' % (index, known['dest_exists']))
    if 'image_key' in known and not isinstance(known['image_key'], str):
        raise ImagefleetError('images[%d].image_key must be a string' % index)
    if item.get('target_format') is not None and item.get('format') is not None:
        known['src_format'] = item['format']  # with target_format, `format` is the source's audited format
    return known


def parse_requests(items: list[dict[str, Any]], defaults: dict[str, Any]) -> list[dict[str, Any]]:
    """Validate every item before any request; bad input names itself. Extra keys (the rest of a record) are ignored."""
    parsed = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ImagefleetError('images[%d] is not a dictionary: give {src, dest, target_format} or an audit record' % index)
        for key in ('src', 'dest'):
            if not item.get(key) or not isinstance(item[key], str):
                raise ImagefleetError('images[%d] has no %s' % (index, key))
        target = target_of(item, defaults['format'])
        if target not in TARGET_FORMATS:
            raise ImagefleetError('images[%d] (%s): target_format %r is not one of %s'
                                  % (index, item['src'], target, ', '.join(TARGET_FORMATS)))
        request = {'src': item['src'], 'dest': item['dest'], 'format': target, 'known': _knowledge(item, index)}
        for key in ('force', 'backup_tag'):
            request[key] = item[key] if item.get(key) is not None else defaults[key]
        request['src_ref'] = parse_reference(request['src'])
        request['dest_ref'] = destination(request['src_ref'], request['dest'])
        parsed.append(request)
    return parsed


def _group_key(request):
    """Tags sharing this key hold the same image content and convert to the same manifest (None: not known)."""
    known = request['known']
    content = known.get('image_key') or known.get('digest')
    if content is None or request['backup_tag']:
        return None
    return request['src_ref'].registry, content, request['format']


def group_requests(requests: list[dict[str, Any]], todo: list[int]) -> tuple[list[int], dict[int, int]]:
    """Of the requests at indexes todo: (indexes to convert, {index of a tag to link: index of the conversion it reuses})."""
    first: dict[Any, int] = {}
    leaders, followers = [], {}
    for index in todo:
        request = requests[index]
        key = _group_key(request)
        if key is not None and key in first and 'dest_exists' in request['known']:
            followers[index] = first[key]
            continue
        if key is not None:
            first.setdefault(key, index)
        leaders.append(index)
    return leaders, followers


def summarize(results: list[dict[str, Any]]) -> dict[str, int]:
    """The summary of image_convert: images, converted, unchanged, failed, linked, and the blob and byte counters."""
    summary = dict((key, sum(r.get(key) or 0 for r in results)) for key in COUNTERS)
    summary.update(
        images=len(results),
        converted=sum(1 for r in results if r.get('changed') and not r.get('failed')),
        unchanged=sum(1 for r in results if not r.get('changed') and not r.get('failed')),
        failed=sum(1 for r in results if r.get('failed')),
        linked=sum(1 for r in results if r.get('linked_from') and not r.get('failed')),
    )
    return summary


def convert_all(registries: Registries, requests: list[dict[str, Any]], parallel: int, blob_parallel: int, check_mode: bool,
                raise_errors: bool = False, manifests: ManifestCache | None = None) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Run every request; return (per-image results in request order, summary).

    A failure becomes a result with failed=true, so one bad image does not
    stop the others; with raise_errors its typed error propagates instead.
    manifests: the audit's manifest cache, read instead of the sources it holds.
    """
    converter = ImageConverter(registries, BlobMover(reuse_hashed=True), blob_parallel=blob_parallel, check_mode=check_mode, manifests=manifests)
    results: list[dict[str, Any] | None] = [None] * len(requests)
    built = {}

    def guarded(request, work, *args):
        try:
            result = work(*args)
            result['failed'] = False
        except ImagefleetError as exc:
            if raise_errors:
                raise
            result = dict(src_digest=None, src_format=None, dest_digest=None, dest_format=None, backup=None)
            result.update(error_result(exc))  # a conflict names the digests it saw
            result.update(src=request['src'], dest=str(request['dest_ref']), target_format=request['format'], changed=False,
                          failed=True, verified=False, linked_from=None)
        return result

    def convert(index):
        request = requests[index]

        def work():
            result, target = converter.convert(request['src_ref'], request['dest_ref'], request['format'], force=request['force'],
                                               backup_tag=request['backup_tag'], known=request['known'])
            built[index] = target
            return result
        results[index] = guarded(request, work)

    def link(pair):
        index, leader = pair
        request = requests[index]
        if results[leader]['failed'] or check_mode or built.get(leader) is None:
            convert(index)  # nothing to reuse: a conversion of its own
            return
        results[index] = guarded(request, converter.link, request['src_ref'], request['dest_ref'], request['known'], request['force'],
                                 results[leader], built[leader])

    if check_mode:
        # The audit's answer where it knows enough: no request, no thread; a check over thousands of records stays cheap.
        for index, request in enumerate(requests):
            if knows_enough(request['known']):
                results[index] = guarded(request, predict_from_audit, request['src_ref'], request['dest_ref'], request['format'],
                                         request['known'], request['force'])
    leaders, followers = group_requests(requests, [index for index, result in enumerate(results) if result is None])
    map_ordered(convert, leaders, parallel)
    map_ordered(link, sorted(followers.items()), parallel)
    done = [result for result in results if result is not None]  # every index was filled
    return done, summarize(done)
