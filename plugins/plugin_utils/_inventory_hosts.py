# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Images as inventory hosts: the registry walk and the pure functions behind the
registry_images inventory plugin (host names, host variables, group names).

Nothing here knows about Ansible's inventory objects, so it is unit-tested
with fake registries and plain dicts.
"""

from __future__ import annotations

import dataclasses
import re

from ansible_collections.imagefleet.registry.plugins.module_utils._audit.catalog import expand
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError, ManifestError
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.image_info import inspect_image
from ansible_collections.imagefleet.registry.plugins.module_utils._image.media_types import FORMATS
from ansible_collections.imagefleet.registry.plugins.module_utils._parallel import map_ordered
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.options import Registries, RegistryOptions

FORMAT_UNKNOWN = 'unknown'
VAR_PREFIX = 'imagefleet_'
# The facts an image host carries (as imagefleet_<name>), in the order they are listed.
HOST_FACTS = ('ref', 'registry', 'repository', 'tag', 'format', 'digest', 'image_key', 'media_type', 'size', 'platforms')
_UNSAFE_GROUP_CHARS = re.compile(r'[^A-Za-z0-9_]')
_SCHEME = re.compile(r'^(https?)://', re.IGNORECASE)


class RegistryEntry:
    """One item of the plugin's `registries` option, normalised."""

    def __init__(self, url, repositories=None, tags=None, username=None, password=None,
                 validate_certs=True, ca_path=None, insecure=False, auth_file=None):
        text = (url or '').strip()
        match = _SCHEME.match(text)
        if match:
            text = text[match.end():]
            # http:// says the registry has no TLS: that is what insecure means.
            insecure = insecure or match.group(1).lower() == 'http'
        self.registry = text.rstrip('/')
        if not self.registry or '/' in self.registry:
            raise ImagefleetError('registries: url must be a registry host[:port] (got %r)' % url)
        self.repositories = list(repositories or ['*'])
        self.tags = list(tags or ['*'])
        self.username = username
        self.password = password
        self.validate_certs = validate_certs if validate_certs is not None else True
        self.ca_path = ca_path
        self.insecure = bool(insecure)
        self.auth_file = auth_file

    @classmethod
    def from_option(cls, item):
        known = ('url', 'repositories', 'tags', 'username', 'password', 'validate_certs', 'ca_path', 'insecure', 'auth_file')
        unknown = sorted(set(item) - set(known))
        if unknown:
            raise ImagefleetError('registries: unknown key(s) %s in the entry for %s' % (', '.join(unknown), item.get('url')))
        if not item.get('url'):
            raise ImagefleetError('registries: every entry needs a url')
        return cls(**item)

    def options(self, defaults):
        """This registry's RegistryOptions: its own credentials and TLS settings over the plugin-wide defaults."""
        return dataclasses.replace(
            defaults, username=self.username, password=self.password, auth_file=self.auth_file or defaults.auth_file,
            validate_certs=self.validate_certs, ca_path=self.ca_path,
            insecure_registries=(self.registry,) if self.insecure else ())


def inventory_facts(facts):
    """The part of inspect_image's facts an inventory keeps (and caches): no layers or config."""
    return {
        'ref': facts['reference'],
        'registry': facts['registry'],
        'repository': facts['repository'],
        'tag': facts['tag'],
        'format': facts.get('format') or FORMAT_UNKNOWN,
        'digest': facts.get('digest'),
        'image_key': facts.get('image_key'),
        'media_type': facts.get('media_type'),
        'size': facts.get('size'),
        'platforms': facts.get('platforms') or [],
        'error': facts.get('error'),
    }


def _inspect(registries, reference, manifests=None):
    """Inventory facts of one tag; None when the tag vanished since the listing.

    A manifest this collection cannot read (an artifact, a malformed document) does
    not sink the whole inventory: the image becomes a host of format `unknown`
    with the reason in `error`. Registry errors (auth, connection) still propagate.
    """
    try:
        facts = inspect_image(registries, reference, manifests=manifests)
    except ManifestError as exc:
        facts = {'reference': str(reference), 'registry': reference.registry, 'repository': reference.repository,
                 'tag': reference.tag, 'exists': True, 'format': FORMAT_UNKNOWN, 'error': exc.message}
    if not facts.get('exists'):
        return None
    return inventory_facts(facts)


def walk(entries, parallel=16, defaults=None, registries_factory=Registries, skipped=None, manifests=None):
    """Inventory facts of every tag the entries select, in listing order, each image once.

    defaults: the plugin-wide options (auth_file, timeout, retries); each entry adds its own (RegistryEntry.options).
    manifests: a ManifestCache to file every manifest read in, for the conversions of a playbook run.

    Catalogs and tag lists of all registries are read concurrently, then every
    manifest is fetched with up to `parallel` requests in flight overall. Names
    that are not valid in the distribution grammar are left out, with a message
    in skipped (a list, when given).
    """
    parallel = max(int(parallel or 1), 1)
    defaults = defaults or RegistryOptions()
    # `parallel` is what the plugin documents as the requests in flight: per registry too.
    pools = [registries_factory(dataclasses.replace(entry.options(defaults), max_connections=parallel)) for entry in entries]
    try:
        listings = map_ordered(
            lambda pair: expand(pair[0], pair[1].registry, pair[1].repositories, pair[1].tags, parallel, skipped),
            list(zip(pools, entries)), len(entries))
        seen = set()
        work = []
        for registries, references in zip(pools, listings):
            for reference in references:
                if str(reference) not in seen:
                    seen.add(str(reference))
                    work.append((registries, reference))
        found = map_ordered(lambda pair: _inspect(pair[0], pair[1], manifests), work, parallel)
    finally:
        for registries in pools:
            registries.close()
    return [facts for facts in found if facts is not None]


def safe_group_name(text):
    """A group name Ansible accepts without a warning: letters, digits and underscores."""
    return _UNSAFE_GROUP_CHARS.sub('_', text)


def registry_group(registry):
    """registry_127_0_0_1_5000 for 127.0.0.1:5000."""
    return safe_group_name('registry_%s' % registry)


def format_group(image_format):
    """format_v2s1, format_v2s2, format_oci, format_v2s2_list, format_oci_index (format_unknown)."""
    return safe_group_name('format_%s' % (image_format or FORMAT_UNKNOWN))


def all_format_groups():
    return [format_group(name) for name in FORMATS]


# How image hosts are named (the plugin's host_names option).
NAMES_PATTERN = 'pattern'
NAMES_REFERENCE = 'reference'
HOST_NAME_STYLES = (NAMES_PATTERN, NAMES_REFERENCE)


def host_name(facts, style=NAMES_PATTERN):
    """The image's host name: usable in host patterns by default, else the reference itself.

    Ansible splits a host pattern on ``:`` (and ``,``), so ``127.0.0.1:5000/legacy/app:1`` cannot be given to
    ``--limit`` or ``ansible-inventory --host``. The pattern style writes the port colon as ``_`` (a registry host
    has no ``_``) and the tag as the last path component: ``127.0.0.1_5000/legacy/app/1``. Every name ends with its
    tag, so names stay distinct; IPv6 brackets are dropped (``[::1]:5000`` is ``__1_5000``).
    """
    if style == NAMES_REFERENCE:
        return facts['ref']
    registry = facts['registry'].replace('[', '').replace(']', '').replace(':', '_')
    return '%s/%s/%s' % (registry, facts['repository'], facts['tag'])


def host_vars(facts):
    """imagefleet_* variables of an image host; imagefleet_error only when the manifest was unreadable."""
    result = dict((VAR_PREFIX + key, facts.get(key)) for key in HOST_FACTS)
    if facts.get('error'):
        result[VAR_PREFIX + 'error'] = facts['error']
    return result


def host_groups(facts):
    """The groups an image host joins by itself (before constructed groups)."""
    return [format_group(facts.get('format')), registry_group(facts['registry'])]
