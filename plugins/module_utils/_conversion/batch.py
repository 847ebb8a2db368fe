# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A batch of conversions: several images at once, one failure not stopping the others."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.blobs import BlobMover
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.converter import ImageConverter
from ansible_collections.imagefleet.registry.plugins.module_utils._module import error_result
from ansible_collections.imagefleet.registry.plugins.module_utils._parallel import map_ordered
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import destination, parse_reference

if TYPE_CHECKING:
    from ansible_collections.imagefleet.registry.plugins.module_utils._registry.options import Registries

_COUNTERS = ('blobs_uploaded', 'blobs_mounted', 'blobs_skipped', 'bytes_uploaded', 'bytes_read')


def parse_requests(items: list[dict[str, Any]], defaults: dict[str, Any]) -> list[dict[str, Any]]:
    """Validate every {src, dest, format, force, backup_tag} before any request; bad input names itself."""
    parsed = []
    for index, item in enumerate(items):
        merged = dict(defaults)
        merged.update(dict((k, v) for k, v in item.items() if v is not None))
        for key in ('src', 'dest'):
            if not merged.get(key):
                raise ImagefleetError('images[%d] has no %s' % (index, key))
        merged['src_ref'] = parse_reference(merged['src'])
        merged['dest_ref'] = destination(merged['src_ref'], merged['dest'])
        parsed.append(merged)
    return parsed


def convert_all(registries: Registries, requests: list[dict[str, Any]], parallel: int, blob_parallel: int, check_mode: bool,
                raise_errors: bool = False) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Run every request; return (per-image results, summary).

    A failure becomes a result with failed=true, so one bad image does not
    stop the others; with raise_errors its typed error propagates instead.
    """
    converter = ImageConverter(registries, BlobMover(), blob_parallel=blob_parallel, check_mode=check_mode)

    def one(request):
        try:
            result = converter.convert(request['src_ref'], request['dest_ref'], request['format'],
                                       force=request['force'], backup_tag=request['backup_tag'])
            result['failed'] = False
        except ImagefleetError as exc:
            if raise_errors:
                raise
            result = dict(error_result(exc), src=request['src'], dest=request['dest'], changed=False, failed=True)
        return result

    results = map_ordered(one, requests, parallel)
    summary = dict((key, sum(r.get(key) or 0 for r in results)) for key in _COUNTERS)
    summary.update(
        total=len(results),
        converted=sum(1 for r in results if r['changed']),
        unchanged=sum(1 for r in results if not r['changed'] and not r['failed']),
        failed=sum(1 for r in results if r['failed']),
    )
    return results, summary
