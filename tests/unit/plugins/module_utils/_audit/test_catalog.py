# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.module_utils._audit.catalog import expand, matching_repositories
from ansible_collections.imagefleet.registry.tests.unit.plugins.module_utils.fake_registry import FakeRegistries, FakeRegistry


REPOS = {'legacy/app': ['1', '2', 'latest'], 'legacy/db': ['9.6'], 'modern/app': ['1'], 'empty/repo': []}


def registry(host='reg.example.com', repos=None):
    fake = FakeRegistry(host)
    for name, tags in (REPOS if repos is None else repos).items():
        fake.add_repository(name, tags)
    return fake


def test_globs_over_catalog_and_tags():
    registries = FakeRegistries(registry('127.0.0.1:5000'))
    refs = expand(registries, '127.0.0.1:5000', ['legacy/*'], ['[0-9]*'], parallel=2)
    assert [str(r) for r in refs] == ['127.0.0.1:5000/legacy/app:1', '127.0.0.1:5000/legacy/app:2', '127.0.0.1:5000/legacy/db:9.6']
    assert registries.asked == ['127.0.0.1:5000']


def test_literal_repositories_skip_the_catalog():
    client = registry()
    assert matching_repositories(client, ['modern/app', 'legacy/db']) == ['legacy/db', 'modern/app']
    assert client.count('catalog') == 0


def test_defaults_take_everything():
    refs = expand(FakeRegistries(registry()), 'reg.example.com', None, None)
    assert len(refs) == 5


def test_invalid_names_from_the_registry_are_skipped_and_reported_escaped():
    repos = {'good/app': ['1', '..', 'x\n', '\x1b[31mred', 't\u00e5g'], '../etc/passwd': ['1'], 'a%2Fb': ['1'],
             'bad\nname': ['1'], '<script>x</script>': ['1']}
    skipped = []
    refs = expand(FakeRegistries(registry(repos=repos)), 'reg.example.com', None, None, skipped=skipped)
    assert [str(r) for r in refs] == ['reg.example.com/good/app:1']
    assert len(skipped) == 8
    assert all(message.isprintable() for message in skipped)
    assert "skipped tag of reg.example.com/good/app '\\x1b[31mred': not a valid name (distribution grammar)" in skipped
    assert any("'bad\\x0aname'" in message for message in skipped)


def test_without_a_list_invalid_names_are_skipped_silently():
    refs = expand(FakeRegistries(registry(repos={'ok/app': ['1', '\n']})), 'reg.example.com', None, None)
    assert [str(r) for r in refs] == ['reg.example.com/ok/app:1']
