# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What format an image is in: the read-only audit behind image_manifest_info."""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import NotFoundError
from ansible_collections.imagefleet.registry.plugins.module_utils._manifest import describe
from ansible_collections.imagefleet.registry.plugins.module_utils._parallel import map_ordered
from ansible_collections.imagefleet.registry.plugins.module_utils._reference import parse_reference


def inspect_image(registries, reference):
    """Facts about one parsed reference; exists=false (not an error) when it is not there."""
    facts = {'reference': str(reference), 'registry': reference.registry, 'repository': reference.repository,
             'tag': reference.tag, 'exists': False}
    try:
        manifest = registries.client(reference).get_manifest(reference.repository, reference.ref)
    except NotFoundError:
        return facts
    facts.update(describe(manifest))
    facts['exists'] = True
    return facts


def inspect_images(registries, texts, parallel):
    """Parse every reference first (a bad one fails before any request), then inspect them concurrently."""
    references = [parse_reference(text) for text in texts]
    return map_ordered(lambda ref: inspect_image(registries, ref), references, parallel)
