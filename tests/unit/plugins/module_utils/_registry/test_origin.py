# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._registry.origin import (
    display,
    is_downgrade,
    is_loopback_url,
    origin,
    path_and_query,
    same_origin,
)


@pytest.mark.parametrize('url, other, same', [
    ('https://reg.example/v2/', 'https://REG.example:443/v2/a/blobs/uploads/x?y=1', True),
    ('http://127.0.0.1:5000/v2/', 'http://127.0.0.1:5000/token', True),
    ('https://reg.example/v2/', 'http://reg.example/v2/', False),       # scheme
    ('https://reg.example/v2/', 'https://reg.example:8443/v2/', False),  # port
    ('https://reg.example/v2/', 'https://storage.example/v2/', False),   # host
    ('http://127.0.0.1:5000/', 'http://127.0.0.2:5000/', False),        # another loopback address
    ('https://reg.example/', 'https://user:pw@reg.example.evil/', False),
    ('https://reg.example/', 'https://reg.example:notaport/', False),
])
def test_same_origin(url, other, same):
    assert same_origin(url, other) is same


def test_origin_fills_default_ports():
    assert origin('https://Reg.Example/x') == ('https', 'reg.example', 443)
    assert origin('http://[::1]:5000/') == ('http', '::1', 5000)


def test_downgrade_is_tls_to_anything_else():
    assert is_downgrade('https://reg.example', 'http://reg.example/v2/')
    assert not is_downgrade('https://reg.example', 'https://other.example/v2/')
    assert not is_downgrade('http://127.0.0.1:5000', 'http://127.0.0.1:5000/v2/')


def test_link_keeps_path_and_query_only():
    assert path_and_query('http://evil.example:81/v2/a/tags/list?n=1&last=b') == '/v2/a/tags/list?n=1&last=b'
    assert path_and_query('/v2/_catalog?n=10') == '/v2/_catalog?n=10'
    assert path_and_query('</v2/x>') == '</v2/x>'  # not a path: callers refuse anything outside /v2/


def test_display_drops_query_and_userinfo():
    assert display('https://u:secret@reg.example/v2/a/blobs/uploads/1?_state=s3cr3t') == 'https://reg.example/v2/a/blobs/uploads/1'
    assert is_loopback_url('http://127.0.0.2:9/token') and not is_loopback_url('http://auth.example/token')
