# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import (
    AuthError,
    ImagefleetError,
    ManifestError,
    NotFoundError,
)
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.options import RegistryOptions
from ansible_collections.imagefleet.registry.plugins.plugin_utils._inventory_hosts import (
    RegistryEntry,
    all_format_groups,
    format_group,
    host_groups,
    host_name,
    host_vars,
    inventory_facts,
    registry_group,
    safe_group_name,
    walk,
)
from ansible_collections.imagefleet.registry.tests.unit.plugins.module_utils.fake_registry import FakeRegistries, FakeRegistry
from ansible_collections.imagefleet.registry.tests.unit.plugins.module_utils.recorded import recorded


def fake_registry(host, repos):
    """A fake registry holding {repository: {tag: recorded fixture name or the exception its GET raises}}."""
    registry = FakeRegistry(host)
    for repository, tags in repos.items():
        registry.add_repository(repository)
        for tag, what in tags.items():
            if isinstance(what, Exception):
                registry.add_repository(repository, [tag])
                registry.errors[(repository, tag)] = what
            else:
                registry.add_manifest(repository, tag, *recorded(what)[:2])
    return registry


class MadeRegistries(FakeRegistries):
    """Stands for the Registries class walk() builds a pool from: serves the fakes in CLIENTS, records each pool."""

    made = []

    def __init__(self, options):
        super().__init__(*CLIENTS.values())
        self.options = options
        MadeRegistries.made.append(self)


CLIENTS = {}


@pytest.fixture(autouse=True)
def registries():
    MadeRegistries.made = []
    CLIENTS.clear()
    CLIENTS['a.example:5000'] = fake_registry('a.example:5000', {
        'legacy/app': {'1': 'schema1-multi', '2': 'schema1-repeated', 'gone': NotFoundError('no such manifest')},
        'modern/app': {'1': 'v2s2', '2': 'oci'},
        'multi/app': {'1': 'list', '2': 'index'},
        'odd/artifact': {'1': ManifestError('unknown media type application/x-thing')},
    })
    CLIENTS['127.0.0.1:5001'] = fake_registry('127.0.0.1:5001', {'legacy/db': {'9.6': 'schema1-multi'}})
    return MadeRegistries


def test_entry_accepts_host_port_and_schemes():
    assert RegistryEntry('127.0.0.1:5000').registry == '127.0.0.1:5000'
    entry = RegistryEntry('https://registry.example.com/')
    assert (entry.registry, entry.insecure) == ('registry.example.com', False)
    entry = RegistryEntry('http://10.0.0.5:5000')
    assert (entry.registry, entry.insecure) == ('10.0.0.5:5000', True)
    assert RegistryEntry('r.example').repositories == ['*']
    assert RegistryEntry('r.example').tags == ['*']


@pytest.mark.parametrize('url', ['', 'registry.example.com/team', None])
def test_entry_rejects_what_is_not_a_host(url):
    with pytest.raises(ImagefleetError, match='host'):
        RegistryEntry(url)


def test_entry_from_option_names_unknown_keys():
    with pytest.raises(ImagefleetError, match='unknown key.*passwd'):
        RegistryEntry.from_option({'url': 'r.example', 'passwd': 'x'})
    with pytest.raises(ImagefleetError, match='url'):
        RegistryEntry.from_option({'repositories': ['*']})


def test_entry_options_are_its_own_over_the_plugin_defaults():
    entry = RegistryEntry.from_option({'url': 'r.example:5000', 'username': 'u', 'password': 'pw-s3cret', 'insecure': True,
                                       'ca_path': '/ca.pem', 'validate_certs': None})
    options = entry.options(RegistryOptions(auth_file='/cfg.json', timeout=5, retries=1))
    assert options == RegistryOptions(username='u', password='pw-s3cret', auth_file='/cfg.json', validate_certs=True,
                                      ca_path='/ca.pem', insecure_registries=('r.example:5000',), timeout=5, retries=1)
    assert 'pw-s3cret' not in repr(options)
    assert RegistryEntry('r.example', auth_file='/own.json').options(RegistryOptions(auth_file='/cfg.json')).auth_file == '/own.json'


def test_walk_gives_each_pool_its_entry_options(registries):
    walk([RegistryEntry('a.example:5000', username='u'), RegistryEntry('http://127.0.0.1:5001')],
         defaults=RegistryOptions(timeout=9), registries_factory=registries)
    first, second = (made.options for made in registries.made)
    assert (first.username, first.timeout, first.insecure_registries) == ('u', 9, ())
    assert (second.username, second.timeout, second.insecure_registries) == (None, 9, ('127.0.0.1:5001',))


def test_walk_makes_one_summary_per_existing_tag(registries):
    found = walk([RegistryEntry('a.example:5000'), RegistryEntry('127.0.0.1:5001')], parallel=4,
                 registries_factory=registries)
    by_ref = dict((facts['ref'], facts) for facts in found)
    assert sorted(by_ref) == [
        '127.0.0.1:5001/legacy/db:9.6',
        'a.example:5000/legacy/app:1', 'a.example:5000/legacy/app:2',
        'a.example:5000/modern/app:1', 'a.example:5000/modern/app:2',
        'a.example:5000/multi/app:1', 'a.example:5000/multi/app:2',
        'a.example:5000/odd/artifact:1',
    ]
    schema1 = by_ref['a.example:5000/legacy/app:1']
    assert schema1 == {
        'ref': 'a.example:5000/legacy/app:1', 'registry': 'a.example:5000', 'repository': 'legacy/app', 'tag': '1',
        'format': 'v2s1', 'digest': recorded('schema1-multi')[2], 'image_key': schema1['image_key'],
        'media_type': 'application/vnd.docker.distribution.manifest.v1+prettyjws',
        'size': schema1['size'], 'platforms': [], 'error': None,
    }
    assert schema1['size'] > 0 and schema1['image_key'].startswith('sha256:') and schema1['image_key'] != schema1['digest']
    assert by_ref['a.example:5000/modern/app:1']['image_key'] == by_ref['a.example:5000/modern/app:1']['digest']
    assert [by_ref['a.example:5000/%s' % ref]['format'] for ref in ('modern/app:1', 'modern/app:2', 'multi/app:1', 'multi/app:2')] \
        == ['v2s2', 'oci', 'v2s2_list', 'oci_index']
    assert len(by_ref['a.example:5000/multi/app:1']['platforms']) >= 2
    assert 'platform' in by_ref['a.example:5000/multi/app:1']['platforms'][0]
    odd = by_ref['a.example:5000/odd/artifact:1']
    assert (odd['format'], odd['digest']) == ('unknown', None)
    assert 'unknown media type' in odd['error']
    assert [r.options.max_connections for r in registries.made] == [4, 4]
    assert all(r.closed for r in registries.made)
    # The cached form is plain JSON.
    assert json.loads(json.dumps(found)) == found


def test_walk_applies_globs_and_keeps_each_image_once(registries):
    entries = [RegistryEntry('a.example:5000', repositories=['legacy/*'], tags=['[0-9]*']),
               RegistryEntry('a.example:5000', repositories=['legacy/app', 'modern/app'], tags=['1'])]
    found = walk(entries, parallel=2, registries_factory=registries)
    assert [facts['ref'] for facts in found] == [
        'a.example:5000/legacy/app:1', 'a.example:5000/legacy/app:2', 'a.example:5000/modern/app:1']


def test_walk_skips_names_no_registry_may_use_and_reports_them(registries):
    CLIENTS['bad.example'] = fake_registry('bad.example', {'ok/app': {'1': 'v2s2', 'x\n': 'v2s2'}, '../etc': {'1': 'v2s2'}})
    skipped = []
    found = walk([RegistryEntry('bad.example')], registries_factory=registries, skipped=skipped)
    assert [facts['ref'] for facts in found] == ['bad.example/ok/app:1']
    assert len(skipped) == 2 and "'x\\x0a'" in ' '.join(skipped) and "'../etc'" in ' '.join(skipped)


def test_walk_keeps_requests_in_flight(registries):
    many = dict(('fleet/app-%03d' % index, {'1': 'v2s2', '2': 'oci'}) for index in range(40))
    CLIENTS['big.example'] = client = fake_registry('big.example', many)
    found = walk([RegistryEntry('big.example')], parallel=8, registries_factory=registries)
    assert len(found) == 80
    assert client.count('get_manifest') == 80
    assert 1 <= client.max_in_flight <= 8


def test_walk_lets_registry_errors_through_and_closes(registries):
    CLIENTS['a.example:5000'].errors[('legacy/app', '1')] = AuthError('registry a.example:5000: denied')
    with pytest.raises(AuthError, match='denied'):
        walk([RegistryEntry('a.example:5000')], parallel=3, registries_factory=registries)
    assert registries.made[0].closed


def test_group_names():
    assert registry_group('127.0.0.1:5000') == 'registry_127_0_0_1_5000'
    assert registry_group('registry-1.example.com') == 'registry_registry_1_example_com'
    assert registry_group('[::1]:5000') == 'registry____1__5000'
    assert format_group('v2s2_list') == 'format_v2s2_list'
    assert format_group(None) == 'format_unknown'
    assert all_format_groups() == ['format_v2s1', 'format_v2s2', 'format_oci', 'format_v2s2_list', 'format_oci_index']
    assert safe_group_name('a-b.c/d') == 'a_b_c_d'


def test_host_name_vars_and_groups():
    facts = inventory_facts({'reference': '127.0.0.1:5000/legacy/app:1', 'registry': '127.0.0.1:5000',
                             'repository': 'legacy/app', 'tag': '1', 'exists': True, 'format': 'v2s1', 'digest': 'sha256:ab',
                             'image_key': 'sha256:ef',
                             'media_type': 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'size': 3000,
                             'platforms': [], 'layers': [{'digest': 'sha256:cd'}], 'config': None, 'signed': True})
    assert 'layers' not in facts
    assert host_name(facts) == '127.0.0.1_5000/legacy/app/1'
    assert host_name(facts, 'reference') == '127.0.0.1:5000/legacy/app:1'
    assert host_vars(facts) == {
        'imagefleet_ref': '127.0.0.1:5000/legacy/app:1', 'imagefleet_registry': '127.0.0.1:5000',
        'imagefleet_repository': 'legacy/app', 'imagefleet_tag': '1', 'imagefleet_format': 'v2s1',
        'imagefleet_digest': 'sha256:ab', 'imagefleet_image_key': 'sha256:ef',
        'imagefleet_media_type': 'application/vnd.docker.distribution.manifest.v1+prettyjws',
        'imagefleet_size': 3000, 'imagefleet_platforms': [],
    }
    assert host_groups(facts) == ['format_v2s1', 'registry_127_0_0_1_5000']
    facts.update(format='unknown', error='unreadable')
    assert host_vars(facts)['imagefleet_error'] == 'unreadable'
    assert host_groups(facts)[0] == 'format_unknown'


def test_walk_files_what_it_reads_in_a_manifest_cache(registries, tmp_path):
    from ansible_collections.imagefleet.registry.plugins.module_utils._registry.manifest_cache import ManifestCache
    cache = ManifestCache(str(tmp_path))
    found = walk([RegistryEntry('127.0.0.1:5001')], parallel=2, registries_factory=registries, manifests=cache)
    assert [facts['ref'] for facts in found] == ['127.0.0.1:5001/legacy/db:9.6']
    assert cache.get(found[0]['digest']).digest == found[0]['digest']
