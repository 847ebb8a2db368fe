# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.imagefleet.registry.plugins.plugin_utils._fleet import fleet_facts, fleet_images, fleet_plan
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError


def host(tag, key='sha256:k', **extra):
    ref = '127.0.0.1:5000/legacy/app:%s' % tag
    facts = {'imagefleet_ref': ref, 'imagefleet_registry': '127.0.0.1:5000', 'imagefleet_repository': 'legacy/app',
             'imagefleet_tag': tag, 'imagefleet_format': 'v2s1', 'imagefleet_digest': 'sha256:d' + tag,
             'imagefleet_image_key': key, 'imagefleet_media_type': 'application/vnd.docker.distribution.manifest.v1+prettyjws',
             'imagefleet_size': 100, 'imagefleet_platforms': []}
    facts.update(extra)
    return facts


LOCALHOST = {'inventory_hostname': 'localhost'}


def test_fleet_plan_takes_each_hosts_own_dest_else_the_rule():
    hosts = [LOCALHOST, host('1'), host('2', imagefleet_dest='mirror:5001/own/app:2')]
    assert fleet_plan(hosts, 'oci', dest_prefix='mirror:5001/converted') == [
        {'src': '127.0.0.1:5000/legacy/app:1', 'dest': 'mirror:5001/converted/legacy/app:1', 'format': 'oci'},
        {'src': '127.0.0.1:5000/legacy/app:2', 'dest': 'mirror:5001/own/app:2', 'format': 'oci'}]
    assert fleet_plan([host('1')], 'v2s2')[0]['dest'] is None
    with pytest.raises(ImagefleetError, match='not both'):
        fleet_plan([host('1')], 'v2s2', 'a:1/x', 'b:2')


def test_fleet_facts_are_what_the_inventory_read_in_full():
    hosts = [LOCALHOST, host('1'), host('2', imagefleet_error='bad', imagefleet_format='unknown'),
             host('3', key=None)]  # a cache of an older inventory: read again
    (facts,) = fleet_facts(hosts)
    assert facts == {'reference': '127.0.0.1:5000/legacy/app:1', 'registry': '127.0.0.1:5000', 'repository': 'legacy/app',
                     'tag': '1', 'exists': True, 'format': 'v2s1', 'digest': 'sha256:d1', 'image_key': 'sha256:k',
                     'media_type': 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'size': 100,
                     'platforms': [], 'layers': None, 'created': None}


def test_fleet_images_is_plan_and_known_of_the_same_hosts():
    hosts = [LOCALHOST, host('1')]
    assert fleet_images(hosts, 'v2s2', None, 'mirror:5001') == {'plan': fleet_plan(hosts, 'v2s2', None, 'mirror:5001'),
                                                                'known': fleet_facts(hosts)}
