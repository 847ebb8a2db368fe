# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What format an image is in: the read-only audit behind image_manifest_info."""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError, NotFoundError
from ansible_collections.imagefleet.registry.plugins.module_utils._manifest import describe
from ansible_collections.imagefleet.registry.plugins.module_utils._parallel import map_ordered
from ansible_collections.imagefleet.registry.plugins.module_utils._reference import parse_reference


ON_ERROR_FAIL = 'fail'
ON_ERROR_REPORT = 'report'


def inspect_image(registries, reference, on_error=ON_ERROR_FAIL):
    """Facts about one parsed reference; exists=false (not an error) when it is not there.

    With on_error='report', any other error of this image (registry unreachable, refused
    credentials, a malformed manifest) gives exists=None and its message in ``error``
    instead of failing, so that one bad image does not hide the facts of the others.
    """
    facts = {'reference': str(reference), 'registry': reference.registry, 'repository': reference.repository,
             'tag': reference.tag, 'exists': False}
    try:
        manifest = registries.client(reference).get_manifest(reference.repository, reference.ref)
    except NotFoundError:
        return facts
    except ImagefleetError as exc:
        if on_error != ON_ERROR_REPORT:
            raise
        facts.update(exists=None, error=exc.message)
        return facts
    facts.update(describe(manifest))
    facts['exists'] = True
    return facts


def inspect_images(registries, texts, parallel, on_error=ON_ERROR_FAIL):
    """Parse every reference first (a bad one fails before any request), then inspect them concurrently."""
    references = [parse_reference(text) for text in texts]
    return map_ordered(lambda ref: inspect_image(registries, ref, on_error), references, parallel)
