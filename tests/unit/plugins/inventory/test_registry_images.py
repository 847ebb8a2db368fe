# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The registry_images inventory plugin over a faked registry walk: groups, host
variables, defaults, constructed features, unsafe values and the cache."""

from __future__ import annotations

import textwrap

import pytest

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from ansible.template import Templar

from ansible.inventory.manager import split_host_pattern

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import AuthError
from ansible_collections.imagefleet.registry.plugins.plugin_utils._inventory_hosts import host_name

try:
    from ansible.template import trust_as_template as trusted  # ansible-core 2.19+: templates must be trusted
except ImportError:
    def trusted(value):
        return value

V1 = 'application/vnd.docker.distribution.manifest.v1+prettyjws'


def image(registry, repository, tag, fmt, **extra):
    facts = {'ref': '%s/%s:%s' % (registry, repository, tag), 'registry': registry, 'repository': repository,
             'tag': tag, 'format': fmt, 'digest': 'sha256:%064x' % abs(hash((registry, repository, tag))),
             'media_type': V1, 'size': 1234, 'platforms': [], 'error': None}
    facts.update(extra)
    return facts


IMAGES = [
    image('127.0.0.1:5000', 'legacy/app', '1', 'v2s1'),
    image('127.0.0.1:5000', 'legacy/app', '2', 'v2s1'),
    image('127.0.0.1:5000', 'modern/app', '1', 'v2s2', media_type='application/vnd.docker.distribution.manifest.v2+json'),
    image('127.0.0.1:5000', 'multi/app', '1', 'oci_index', media_type='application/vnd.oci.image.index.v1+json',
          platforms=[{'digest': 'sha256:' + 'a' * 64, 'platform': {'os': '{{ 7 * 6 }}', 'architecture': 'amd64'}}]),
    image('registry.example.com', 'legacy/db', '9.6', 'v2s1'),
]


class Walks:
    """Stands in for the registry walk; counts how often the registries would be walked."""

    def __init__(self, images=None, error=None):
        self.images = images if images is not None else IMAGES
        self.error = error
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.error:
            raise self.error
        return [dict(facts) for facts in self.images]


def load(tmp_path, config, walks, name='fleet.registry_images.yml', cache=True):
    path = tmp_path / name
    path.write_text(textwrap.dedent(config))
    plugin = inventory_loader.get('imagefleet.registry.registry_images')
    plugin._walk = walks
    inventory = InventoryData()
    assert plugin.verify_file(str(path))
    plugin.parse(inventory, DataLoader(), str(path), cache=cache)
    if plugin.get_option('cache'):
        plugin.update_cache_if_changed()
    return inventory


def members(inventory, group):
    """The references of a group's image hosts."""
    return sorted(host.get_vars()['imagefleet_ref'] for host in inventory.groups[group].get_hosts())


def host_of(inventory, ref):
    """The image host of a reference, by its default (pattern) name."""
    registry, path = ref.split('/', 1)
    repository, tag = path.rsplit(':', 1)
    return inventory.get_host(host_name({'ref': ref, 'registry': registry, 'repository': repository, 'tag': tag}))


BASIC = '''
    plugin: imagefleet.registry.registry_images
    registries:
      - url: 127.0.0.1:5000
      - url: registry.example.com
'''


def test_verify_file_wants_the_suffix(tmp_path):
    plugin = inventory_loader.get('imagefleet.registry.registry_images')
    for name, expected in (('fleet.registry_images.yml', True), ('registry_images.yaml', True),
                           ('fleet.yml', False), ('fleet.registry_images.json', False)):
        path = tmp_path / name
        path.write_text('plugin: imagefleet.registry.registry_images\n')
        assert plugin.verify_file(str(path)) is expected, name
    assert plugin.verify_file(str(tmp_path / 'absent.registry_images.yml')) is False


def test_images_become_hosts_grouped_by_format_and_registry(tmp_path):
    inventory = load(tmp_path, BASIC, Walks())
    assert sorted(inventory.hosts) == sorted(host_name(facts) for facts in IMAGES)
    assert '127.0.0.1_5000/legacy/app/1' in inventory.hosts
    assert members(inventory, 'format_v2s1') == [
        '127.0.0.1:5000/legacy/app:1', '127.0.0.1:5000/legacy/app:2', 'registry.example.com/legacy/db:9.6']
    assert members(inventory, 'format_v2s2') == ['127.0.0.1:5000/modern/app:1']
    assert members(inventory, 'format_oci_index') == ['127.0.0.1:5000/multi/app:1']
    # Every format group exists, empty or not, so --limit format_oci never fails.
    assert members(inventory, 'format_oci') == []
    assert members(inventory, 'format_v2s2_list') == []
    assert len(members(inventory, 'registry_127_0_0_1_5000')) == 4
    assert members(inventory, 'registry_registry_example_com') == ['registry.example.com/legacy/db:9.6']


def test_host_vars_and_local_connection_defaults(tmp_path):
    inventory = load(tmp_path, BASIC, Walks())
    hostvars = host_of(inventory, '127.0.0.1:5000/legacy/app:2').get_vars()
    assert hostvars['imagefleet_ref'] == '127.0.0.1:5000/legacy/app:2'
    assert hostvars['imagefleet_registry'] == '127.0.0.1:5000'
    assert hostvars['imagefleet_repository'] == 'legacy/app'
    assert hostvars['imagefleet_tag'] == '2'
    assert hostvars['imagefleet_format'] == 'v2s1'
    assert hostvars['imagefleet_digest'] == IMAGES[1]['digest']
    assert hostvars['imagefleet_media_type'] == V1
    assert hostvars['imagefleet_size'] == 1234
    assert hostvars['imagefleet_platforms'] == []
    assert 'imagefleet_error' not in hostvars
    assert hostvars['ansible_connection'] == 'local'
    templar = Templar(loader=DataLoader(), variables=dict(hostvars, ansible_playbook_python='/venv/bin/python'))
    assert templar.template(hostvars['ansible_python_interpreter']) == '/venv/bin/python'


def test_host_vars_defaults_can_be_replaced(tmp_path):
    inventory = load(tmp_path, BASIC + '''
    host_vars_defaults:
      ansible_connection: ssh
      ansible_host: converter.example.com
    ''', Walks())
    hostvars = host_of(inventory, '127.0.0.1:5000/legacy/app:1').get_vars()
    assert (hostvars['ansible_connection'], hostvars['ansible_host']) == ('ssh', 'converter.example.com')
    assert 'ansible_python_interpreter' not in hostvars


def test_remote_values_are_never_templated(tmp_path):
    inventory = load(tmp_path, BASIC, Walks())
    hostvars = host_of(inventory, '127.0.0.1:5000/multi/app:1').get_vars()
    templar = Templar(loader=DataLoader(), variables=hostvars)
    assert templar.template(trusted('{{ imagefleet_platforms[0].platform.os }}')) == '{{ 7 * 6 }}'


def test_compose_groups_and_keyed_groups(tmp_path):
    inventory = load(tmp_path, BASIC + '''
    compose:
      imagefleet_dest_prefix: "'127.0.0.1:5001/converted'"
      namespace: imagefleet_repository.split('/')[0]
    groups:
      needs_conversion: imagefleet_format == 'v2s1'
      multi_arch: imagefleet_platforms | length > 0
    keyed_groups:
      - key: namespace
        prefix: ns
    ''', Walks())
    hostvars = host_of(inventory, '127.0.0.1:5000/legacy/app:1').get_vars()
    assert hostvars['imagefleet_dest_prefix'] == '127.0.0.1:5001/converted'
    assert members(inventory, 'needs_conversion') == members(inventory, 'format_v2s1')
    assert members(inventory, 'multi_arch') == ['127.0.0.1:5000/multi/app:1']
    assert members(inventory, 'ns_legacy') == members(inventory, 'format_v2s1')
    assert members(inventory, 'ns_modern') == ['127.0.0.1:5000/modern/app:1']


def test_compose_can_override_the_defaults(tmp_path):
    inventory = load(tmp_path, BASIC + '''
    compose:
      ansible_connection: "'ssh'"
    ''', Walks())
    assert host_of(inventory, '127.0.0.1:5000/legacy/app:1').get_vars()['ansible_connection'] == 'ssh'


def test_strict_reports_bad_compose_expressions(tmp_path):
    config = BASIC + '''
    strict: {strict}
    compose:
      broken: no_such_variable.attribute
    '''
    inventory = load(tmp_path, config.format(strict='false'), Walks())
    assert 'broken' not in host_of(inventory, '127.0.0.1:5000/legacy/app:1').get_vars()
    with pytest.raises(AnsibleError):
        load(tmp_path, config.format(strict='true'), Walks())


def test_unreadable_manifests_get_their_own_group(tmp_path):
    odd = image('127.0.0.1:5000', 'odd/artifact', '1', 'unknown', digest=None, media_type=None, size=None,
                error='unknown media type application/x-thing')
    inventory = load(tmp_path, BASIC, Walks(IMAGES + [odd]))
    assert members(inventory, 'format_unknown') == ['127.0.0.1:5000/odd/artifact:1']
    assert host_of(inventory, odd['ref']).get_vars()['imagefleet_error'] == odd['error']


def test_registry_errors_fail_the_source(tmp_path):
    with pytest.raises(AnsibleParserError, match='registry_images: registry 127.0.0.1:5000: denied'):
        load(tmp_path, BASIC, Walks(error=AuthError('registry 127.0.0.1:5000: denied')))


def test_bad_registry_entries_fail_the_source(tmp_path):
    path = tmp_path / 'bad.registry_images.yml'
    path.write_text('plugin: imagefleet.registry.registry_images\nregistries:\n  - url: 127.0.0.1:5000/team\n')
    plugin = inventory_loader.get('imagefleet.registry.registry_images')
    with pytest.raises(AnsibleParserError, match='host'):
        plugin.parse(InventoryData(), DataLoader(), str(path))


def test_cache_avoids_the_second_walk(tmp_path):
    config = BASIC + '''
    cache: true
    cache_plugin: ansible.builtin.jsonfile
    cache_connection: {cache_dir}
    '''.format(cache_dir=tmp_path / 'cache')
    first = Walks()
    load(tmp_path, config, first)
    assert first.calls == 1
    assert list((tmp_path / 'cache').iterdir())

    # The registries are gone: the hosts come from the cache.
    gone = Walks(error=AuthError('registry 127.0.0.1:5000: cannot connect'))
    inventory = load(tmp_path, config, gone)
    assert gone.calls == 0
    assert sorted(inventory.hosts) == sorted(host_name(facts) for facts in IMAGES)
    assert '127.0.0.1_5000/legacy/app/1' in inventory.hosts
    assert len(members(inventory, 'format_v2s1')) == 3
    hostvars = host_of(inventory, '127.0.0.1:5000/multi/app:1').get_vars()
    templar = Templar(loader=DataLoader(), variables=hostvars)
    assert templar.template(trusted('{{ imagefleet_platforms[0].platform.os }}')) == '{{ 7 * 6 }}'

    # --flush-cache (cache=False) walks again and refreshes the cache.
    again = Walks(IMAGES[:2])
    inventory = load(tmp_path, config, again, cache=False)
    assert again.calls == 1
    assert len(inventory.hosts) == 2
    assert len(load(tmp_path, config, Walks(error=AuthError('gone'))).hosts) == 2


def test_without_cache_every_load_walks(tmp_path):
    walks = Walks()
    load(tmp_path, BASIC, walks)
    load(tmp_path, BASIC, walks)
    assert walks.calls == 2


def test_pattern_host_names_survive_host_patterns_and_stay_distinct():
    names = set()
    for registry, repository, tag in (('127.0.0.1:5000', 'legacy/app', '1'), ('127.0.0.1:5000', 'legacy/app/1', 'latest'),
                                      ('[::1]:5000', 'a_b', 'c'), ('[::1]:5000', 'a', 'b_c'), ('docker.io', 'library/x', 'v1.2-rc_3')):
        name = host_name({'ref': '%s/%s:%s' % (registry, repository, tag), 'registry': registry, 'repository': repository, 'tag': tag})
        assert split_host_pattern(name) == [name]
        names.add(name)
    assert len(names) == 5
