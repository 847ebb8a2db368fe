# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fleet mode: the plan and the already known source facts of an image inventory's hosts, without a request.

An image inventory (imagefleet.registry.registry_images) has read every source manifest to build its hosts; these
pure functions turn the hosts' imagefleet_* variables into the migration plan and into image_manifest_info-shaped
facts, so the audit reads only what the inventory does not tell.
"""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.plan import derive_dest
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.media_types import FORMATS
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import parse_reference

# Host variables copied into the facts, as image_manifest_info names them.
_FACTS_OF_HOST = ('registry', 'repository', 'tag', 'format', 'digest', 'image_key', 'media_type', 'size', 'platforms')


def _image_hosts(hosts):
    return [host for host in hosts or [] if host.get('imagefleet_ref')]


def fleet_plan(hosts, target_format, dest_prefix=None, dest_registry=None):
    """One {src, dest, format} per image host: its own imagefleet_dest, else the rule's destination (or None)."""
    plan = []
    for host in _image_hosts(hosts):
        src = host['imagefleet_ref']
        dest = host.get('imagefleet_dest') or derive_dest(src, dest_registry, dest_prefix)
        plan.append({'src': src, 'dest': dest, 'format': target_format})
    return plan


def fleet_facts(hosts):
    """image_manifest_info-shaped facts of every image host whose manifest the inventory read in full.

    A host with an unreadable manifest (imagefleet_error), an unknown format or no image_key (an inventory cache
    written by an older version) is left out: the audit reads it again.
    """
    facts = []
    for host in _image_hosts(hosts):
        if host.get('imagefleet_error') or host.get('imagefleet_format') not in FORMATS or not host.get('imagefleet_image_key'):
            continue
        try:
            reference = str(parse_reference(host['imagefleet_ref']))
        except ImagefleetError:
            continue  # the audit names it
        item = dict((key, host.get('imagefleet_' + key)) for key in _FACTS_OF_HOST)
        item.update(reference=reference, exists=True, layers=None, created=None)
        facts.append(item)
    return facts


def fleet_images(hosts, target_format, dest_prefix=None, dest_registry=None):
    """{plan, known}: fleet_plan and fleet_facts of the same hosts, whose variables are gathered once."""
    hosts = _image_hosts(hosts)
    return {'plan': fleet_plan(hosts, target_format, dest_prefix, dest_registry), 'known': fleet_facts(hosts)}
