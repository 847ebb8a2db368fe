# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import parse_reference
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.options import (
    REGISTRY_ARGSPEC,
    Registries,
    RegistryOptions,
    registry_argspec,
)


def test_a_module_argspec_is_a_private_copy():
    spec = registry_argspec(images=dict(type='list'))
    spec['timeout']['default'] = 1
    assert 'images' in spec and 'images' not in REGISTRY_ARGSPEC and REGISTRY_ARGSPEC['timeout']['default'] == 60


def test_one_client_per_registry_host_with_its_options():
    registries = Registries(RegistryOptions.from_params({'insecure_registries': ['10.0.0.5:5000'], 'timeout': 7, 'retries': 1,
                                                         'chunk_size': 1024}))
    try:
        first = registries.client(parse_reference('10.0.0.5:5000/a:1'))
        assert registries.client(parse_reference('10.0.0.5:5000/b:2')) is first
        assert (first.host, first.timeout, first.retries, first.chunk_size, first.max_connections) == (
            '10.0.0.5:5000', 7, 1, 1024, 16)
        assert first._verify is False and first._plain_http_allowed  # insecure: no TLS checks, plain HTTP allowed
        other = registries.client(parse_reference('reg.example/a:1'))
        assert other is not first and other._verify is not False
    finally:
        registries.close()


def test_credentials_per_registry_then_shared_then_none(tmp_path):
    registries = Registries(RegistryOptions.from_params({
        'username': 'shared', 'password': 's3cret',
        'registry_credentials': [{'registry': 'reg.example', 'username': 'own', 'password': 'x'}]}))
    assert registries.credentials_for('reg.example').username == 'own'
    assert registries.credentials_for('other.example').username == 'shared'
    empty = tmp_path / 'config.json'
    empty.write_text('{}')
    assert not Registries(RegistryOptions(auth_file=str(empty))).credentials_for('reg.example')


@pytest.mark.parametrize('params, message', [
    ({'chunk_size': 0}, 'chunk_size must be a positive number of bytes'),
    ({'max_retry_wait': -1}, 'max_retry_wait must be 0 or more seconds'),
    ({'timeout': 0}, 'timeout must be 1 or more seconds'),
    ({'retries': -1}, 'retries must be 0 or more'),
    ({'max_connections': 0}, 'max_connections must be 1 or more'),
])
def test_unusable_numbers_are_refused_before_any_request(params, message):
    with pytest.raises(ImagefleetError, match=message):
        RegistryOptions.from_params(params)
    with pytest.raises(ImagefleetError, match=message):
        RegistryOptions(**params)


def test_options_from_module_params_take_the_argspec_defaults_for_none():
    params = dict((name, spec.get('default')) for name, spec in REGISTRY_ARGSPEC.items())
    assert RegistryOptions.from_params(params) == RegistryOptions()
    options = RegistryOptions.from_params(dict(params, max_layer_uncompressed_mb=2, insecure_registries=['a:1']))
    assert (options.max_layer_bytes, options.insecure_registries) == (2 * 1024 * 1024, ('a:1',))
    assert RegistryOptions().max_layer_bytes is None


def test_options_cover_every_shared_option_and_hide_secrets():
    assert set(REGISTRY_ARGSPEC) == set(RegistryOptions.__dataclass_fields__)
    options = RegistryOptions.from_params({'password': 's3cret', 'registry_credentials': [
        {'registry': 'reg.example', 'username': 'own', 'password': 'own-s3cret'}]})
    assert 's3cret' not in repr(options) and 'own-s3cret' not in repr(options)
