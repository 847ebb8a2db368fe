# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What format an image is in: the read-only audit behind image_manifest_info."""

from __future__ import annotations

import json

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError, NotFoundError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.manifest import describe
from ansible_collections.imagefleet.registry.plugins.module_utils._parallel import map_ordered
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import parse_reference


ON_ERROR_FAIL = 'fail'
ON_ERROR_REPORT = 'report'
# A config blob is a few KiB; anything far larger is not one.
CONFIG_LIMIT = 1 << 20


class Details:
    """What a manifest does not say, read once per distinct blob in a run: schema 1 layer sizes, config `created`.

    Shared by the threads of one run; a race only repeats a request.
    """

    def __init__(self, registries):
        self.registries = registries
        self.sizes = {}
        self.created = {}

    def _created(self, client, repository, config):
        digest = config.get('digest')
        if digest not in self.created:
            try:
                created = json.loads(client.get_blob_bytes(repository, digest, CONFIG_LIMIT)).get('created')
            except (ValueError, AttributeError):
                created = None
            self.created[digest] = created if isinstance(created, str) else None
        return self.created[digest]

    def fill(self, reference, facts):
        """Add layer sizes (schema 1) or `created` (v2s2, OCI) to the facts of one image."""
        client = self.registries.client(reference)
        if facts['format'] == mt.FORMAT_V2S1:
            for layer in facts['layers']:
                if layer['digest'] not in self.sizes:
                    self.sizes[layer['digest']] = client.blob_size(reference.repository, layer['digest'])
                layer['size'] = self.sizes[layer['digest']]
        elif facts.get('config'):
            facts['created'] = self._created(client, reference.repository, facts['config'])


def inspect_image(registries, reference, on_error=ON_ERROR_FAIL, details=None):
    """Facts about one parsed reference; exists=false (not an error) when it is not there.

    With on_error='report', any other error of this image (registry unreachable, refused
    credentials, a malformed manifest) gives exists=None and its message in ``error``
    instead of failing, so that one bad image does not hide the facts of the others.
    details: a Details, to also read layer sizes and creation times.
    """
    facts = _absent(reference)
    try:
        manifest = registries.client(reference).get_manifest(reference.repository, reference.ref)
        described = describe(manifest)
        if details is not None:
            details.fill(reference, described)
    except NotFoundError:
        return facts
    except ImagefleetError as exc:
        if on_error != ON_ERROR_REPORT:
            raise
        facts.update(exists=None, error=exc.message)
        return facts
    facts.update(described)
    facts['exists'] = True
    return facts


def _absent(reference):
    return {'reference': str(reference), 'registry': reference.registry, 'repository': reference.repository,
            'tag': reference.tag, 'exists': False}


def listed_tags(registries, references, parallel):
    """{(registry, repository): set of tags} for every repository of which two or more tags are asked for.

    One tags/list tells which of them exist, so a missing tag (a destination not written yet) costs no request. A
    repository whose listing fails is left out: its tags are read one by one, and fail or report there.
    """
    by_repository = {}
    for reference in references:
        if reference.tag and not reference.digest:
            by_repository.setdefault((reference.registry, reference.repository), []).append(reference)
    wanted = [(found[0], key) for key, found in by_repository.items() if len(found) > 1]

    def listing(pair):
        reference, key = pair
        try:
            return key, set(registries.client(reference).tags(reference.repository))
        except ImagefleetError:
            return key, None

    return dict((key, tags) for key, tags in map_ordered(listing, wanted, parallel) if tags is not None)


def inspect_images(registries, texts, parallel, on_error=ON_ERROR_FAIL, details=False):
    """Parse every reference first (a bad one fails before any request), then inspect them concurrently.

    A tag missing from its repository's listing (see listed_tags) is reported absent without a manifest request.
    """
    references = [parse_reference(text) for text in texts]
    reader = Details(registries) if details else None
    listed = listed_tags(registries, references, parallel)

    def inspect(reference):
        tags = listed.get((reference.registry, reference.repository))
        if tags is not None and not reference.digest and reference.tag not in tags:
            return _absent(reference)
        return inspect_image(registries, reference, on_error, reader)

    return map_ordered(inspect, references, parallel)
