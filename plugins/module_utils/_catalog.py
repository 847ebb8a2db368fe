# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Expanding a registry's catalog and tags through glob patterns into image references.

Shared by the audit module and the registry_images inventory plugin.
"""

from __future__ import annotations

import fnmatch

from ansible_collections.imagefleet.registry.plugins.module_utils._parallel import map_ordered
from ansible_collections.imagefleet.registry.plugins.module_utils._reference import ImageReference, parse_reference


def _matches(name, patterns):
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _is_literal(pattern):
    return not any(char in pattern for char in '*?[')


def matching_repositories(client, patterns):
    """Repository names matching any glob; literal names are used as given, without walking the catalog."""
    patterns = list(patterns or ['*'])
    literal = [p for p in patterns if _is_literal(p)]
    if len(literal) == len(patterns):
        return sorted(set(literal))
    return sorted(name for name in client.catalog() if _matches(name, patterns))


def expand(registries, registry, repositories=None, tags=None, parallel=8):
    """Every registry/repository:tag matching the globs, sorted; repositories without a matching tag give nothing."""
    probe = parse_reference('%s/probe' % registry)  # validates the host and gives the client key
    client = registries.client(probe)
    names = matching_repositories(client, repositories)
    tag_patterns = list(tags or ['*'])

    def tags_of(name):
        return [tag for tag in sorted(client.tags(name)) if _matches(tag, tag_patterns)]

    found = []
    for name, repo_tags in zip(names, map_ordered(tags_of, names, parallel)):
        found.extend(ImageReference(probe.registry, name, tag) for tag in repo_tags)
    return found
