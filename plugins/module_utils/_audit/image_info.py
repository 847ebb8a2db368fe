# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What format an image is in: the read-only audit behind image_manifest_info."""

from __future__ import annotations

import json

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError, NotFoundError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.manifest import describe
from ansible_collections.imagefleet.registry.plugins.module_utils._parallel import OncePerKey, map_ordered
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import parse_reference


ON_ERROR_FAIL = 'fail'
ON_ERROR_REPORT = 'report'
# A config blob is a few KiB; anything far larger is not one.
CONFIG_LIMIT = 1 << 20


class Details:
    """What a manifest does not say, read once per distinct blob in a run: schema 1 layer sizes, config `created`.

    Shared by the threads of one run: tags of one image read side by side ask for a blob once, not once each.
    """

    def __init__(self, registries):
        self.registries = registries
        self.sizes = OncePerKey()
        self.created = OncePerKey()

    @staticmethod
    def _created(client, repository, config):
        try:
            created = json.loads(client.get_blob_bytes(repository, config.get('digest'), CONFIG_LIMIT)).get('created')
        except (ValueError, AttributeError):
            created = None
        return created if isinstance(created, str) else None

    def fill(self, reference, facts):
        """Add layer sizes (schema 1) or `created` (v2s2, OCI) to the facts of one image."""
        client = self.registries.client(reference)
        if facts['format'] == mt.FORMAT_V2S1:
            for layer in facts['layers']:
                digest = layer['digest']
                layer['size'] = self.sizes.get(digest, lambda digest=digest: client.blob_size(reference.repository, digest))
        elif facts.get('config'):
            config = facts['config']
            facts['created'] = self.created.get(config.get('digest'), lambda: self._created(client, reference.repository, config))


def inspect_image(registries, reference, on_error=ON_ERROR_FAIL, details=None, manifests=None):
    """Facts about one parsed reference; exists=false (not an error) when it is not there.

    With on_error='report', any other error of this image (registry unreachable, refused
    credentials, a malformed manifest) gives exists=None and its message in ``error``
    instead of failing, so that one bad image does not hide the facts of the others.
    details: a Details, to also read layer sizes and creation times.
    manifests: a ManifestCache to file the manifest in, for a conversion later in the run.
    """
    facts = _absent(reference)
    try:
        manifest = registries.client(reference).get_manifest(reference.repository, reference.ref)
        if manifests is not None:
            manifests.put(manifest)
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


class TagLists:
    """Which tags of a repository exist, from one tags/list taken once a tag of it turned out missing.

    Destinations not written yet are missing together, sources exist together: so a repository is listed only after
    its first missing tag, and only when more of its tags are asked for; then its other missing tags cost no request.
    A repository with LIST_FIRST or more tags asked for is listed before any of them is read (one request more when
    all exist, few against its reads; else tags read at the same time would all miss before the listing is back).
    A repository whose listing fails is not listed again: its tags are read one by one, and fail or report there.
    """

    LIST_FIRST = 8

    def __init__(self, registries, references, parallel=1):
        self.registries = registries
        counts = {}
        first = {}
        for reference in references:
            if reference.tag and not reference.digest:
                counts[self._key(reference)] = counts.get(self._key(reference), 0) + 1
                first.setdefault(self._key(reference), reference)
        self.several = set(key for key, count in counts.items() if count > 1)
        self.listed = OncePerKey()  # repository -> its set of tags, or False when the listing failed
        map_ordered(self.learn, [first[key] for key, count in counts.items() if count >= self.LIST_FIRST], parallel)

    @staticmethod
    def _key(reference):
        return (reference.registry, reference.repository)

    def missing(self, reference):
        """Whether the repository's listing, when taken, lacks this tag."""
        tags = self.listed.peek(self._key(reference))
        return isinstance(tags, set) and not reference.digest and reference.tag not in tags

    def learn(self, reference):
        """After a tag was not found: list its repository, once."""
        key = self._key(reference)
        if key in self.several:
            self.listed.get(key, lambda: self._list(reference))

    def _list(self, reference):
        try:
            return set(self.registries.client(reference).tags(reference.repository))
        except ImagefleetError:
            return False


def inspect_images(registries, texts, parallel, on_error=ON_ERROR_FAIL, details=False, manifests=None):
    """Parse every reference first (a bad one fails before any request), then inspect them concurrently.

    A tag missing from its repository's listing (see TagLists) is reported absent without a manifest request.
    """
    references = [parse_reference(text) for text in texts]
    reader = Details(registries) if details else None
    tag_lists = TagLists(registries, references, parallel)

    def inspect(reference):
        if tag_lists.missing(reference):
            return _absent(reference)
        facts = inspect_image(registries, reference, on_error, reader, manifests)
        if facts['exists'] is False:
            tag_lists.learn(reference)
        return facts

    return map_ordered(inspect, references, parallel)
