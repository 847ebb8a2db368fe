# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Expanding a registry's catalog and tags through glob patterns into image references.

Shared by the image_catalog_info module and the registry_images inventory plugin. Names a
registry lists are checked against the distribution grammar before they are
used in a URL, a reference or output: an invalid one is skipped and reported
(escaped), never fatal for the rest.
"""

from __future__ import annotations

import fnmatch

from ansible_collections.imagefleet.registry.plugins.module_utils._escape import quoted
from ansible_collections.imagefleet.registry.plugins.module_utils._parallel import map_ordered
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import (
    ImageReference,
    is_repository_name,
    is_tag,
    parse_reference,
)


def _matches(name, patterns):
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _is_literal(pattern):
    return not any(char in pattern for char in '*?[')


def _valid(names, check, what, skipped):
    """The names that pass check; each other one is reported in skipped (a list, when given)."""
    good = []
    for name in names:
        if check(name):
            good.append(name)
        elif skipped is not None:
            skipped.append('skipped %s %s: not a valid name (distribution grammar)' % (what, quoted(name)))
    return good


def matching_repositories(client, patterns, skipped=None, registry='the registry'):
    """Repository names matching any glob; literal names are used as given, without walking the catalog."""
    patterns = list(patterns or ['*'])
    literal = [p for p in patterns if _is_literal(p)]
    if len(literal) == len(patterns):
        return sorted(set(literal))
    names = _valid(client.catalog(), is_repository_name, 'repository from the catalog of %s' % registry, skipped)
    return sorted(name for name in names if _matches(name, patterns))


def expand(registries, registry, repositories=None, tags=None, parallel=8, skipped=None):
    """Every registry/repository:tag matching the globs, sorted; repositories without a matching tag give nothing.

    Invalid names from the registry are left out; skipped (a list, when given) gets a message for each.
    """
    probe = parse_reference('%s/probe' % registry)  # validates the host and gives the client key
    client = registries.client(probe)
    names = matching_repositories(client, repositories, skipped, probe.registry)
    tag_patterns = list(tags or ['*'])

    def tags_of(name):
        valid = _valid(client.tags(name), is_tag, 'tag of %s/%s' % (probe.registry, name), skipped)
        return [tag for tag in sorted(valid) if _matches(tag, tag_patterns)]

    found = []
    for name, repo_tags in zip(names, map_ordered(tags_of, names, parallel)):
        found.extend(ImageReference(probe.registry, name, tag) for tag in repo_tags)
    return found
