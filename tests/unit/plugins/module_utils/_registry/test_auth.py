# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from hypothesis import given, strategies as st

from ansible_collections.imagefleet.registry.plugins.module_utils._registry import auth as registry_auth
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.auth import TokenCache, parse_challenge


def test_parse_bearer_challenge():
    challenge = parse_challenge('Bearer realm="https://auth.example/token",service="registry.example",'
                                'scope="repository:a/b:pull,push",error="insufficient_scope"')
    assert challenge.scheme == 'bearer'
    assert challenge.params['realm'] == 'https://auth.example/token'
    assert challenge.params['scope'] == 'repository:a/b:pull,push'
    assert challenge.error == 'insufficient_scope'


def test_parse_basic_and_absent():
    assert parse_challenge('Basic realm="imagefleet-lab"').scheme == 'basic'
    assert parse_challenge(None) is None
    assert parse_challenge('') is None


@given(st.text(max_size=200))
def test_parse_never_raises(header):
    challenge = parse_challenge(header)
    assert challenge is None or isinstance(challenge.params, dict)


def test_token_cache_expiry(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(registry_auth.time, 'monotonic', lambda: now[0])
    cache = TokenCache()
    cache.put('s', 'tok', 100)
    assert cache.get('s') == 'tok'
    now[0] += 79  # refreshed before the issuer's expiry (80 % of it)
    assert cache.get('s') == 'tok'
    now[0] += 2
    assert cache.get('s') is None
    cache.put('s', 'tok2', None)  # no expires_in: the protocol's default of 60 s
    now[0] += 47
    assert cache.get('s') == 'tok2'
    cache.drop('s')
    assert cache.get('s') is None
