# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import InvalidReferenceError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import (
    destination,
    is_loopback,
    parse_reference,
    split_repository,
)

DIGEST = 'sha256:' + 'a' * 64


@pytest.mark.parametrize('text, registry, repository, tag, digest, api_host', [
    ('nginx', 'docker.io', 'library/nginx', None, None, 'registry-1.docker.io'),
    ('nginx:1.25', 'docker.io', 'library/nginx', '1.25', None, 'registry-1.docker.io'),
    ('docker.io/nginx', 'docker.io', 'library/nginx', None, None, 'registry-1.docker.io'),
    ('index.docker.io/team/app:v1', 'docker.io', 'team/app', 'v1', None, 'registry-1.docker.io'),
    ('team/app', 'docker.io', 'team/app', None, None, 'registry-1.docker.io'),
    ('localhost/app', 'localhost', 'app', None, None, 'localhost'),
    ('localhost:5000/a/b/c:t', 'localhost:5000', 'a/b/c', 't', None, 'localhost:5000'),
    ('127.0.0.1:5000/legacy/app:1', '127.0.0.1:5000', 'legacy/app', '1', None, '127.0.0.1:5000'),
    ('registry.example.com/app@' + DIGEST, 'registry.example.com', 'app', None, DIGEST, 'registry.example.com'),
    ('registry.example.com/app:1@' + DIGEST, 'registry.example.com', 'app', '1', DIGEST, 'registry.example.com'),
    ('[::1]:5000/app:1', '[::1]:5000', 'app', '1', None, '[::1]:5000'),
    ('reg.example.com/a_b/c__d/e-f---g.h:Tag_1.0-rc', 'reg.example.com', 'a_b/c__d/e-f---g.h', 'Tag_1.0-rc', None, 'reg.example.com'),
])
def test_parse(text, registry, repository, tag, digest, api_host):
    ref = parse_reference(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest, ref.api_host) == (registry, repository, tag, digest, api_host)


def test_str_and_ref():
    assert str(parse_reference('nginx')) == 'docker.io/library/nginx:latest'
    assert parse_reference('nginx').ref == 'latest'
    pinned = parse_reference('r.example.com/app:1@' + DIGEST)
    assert pinned.ref == DIGEST
    assert str(pinned) == 'r.example.com/app:1@' + DIGEST
    assert str(pinned.with_tag('2')) == 'r.example.com/app:2'
    assert parse_reference('a.b/c:1') == parse_reference('a.b/c:1')


@pytest.mark.parametrize('text', [
    '', ' nginx', 'nginx ', 'team/UPPER', 'reg.example.com/Upper', 'app:', 'app:-bad', 'app:' + 'x' * 129,
    'reg.example.com/app@sha256:123', 'reg.example.com/app@md5:' + 'a' * 32, 'https://reg.example.com/app',
    'reg.example.com//app', 'reg.example.com/app/', '-reg.example.com/app', 'reg.example.com/' + 'a' * 260, None,
])
def test_bad_references_name_the_input(text):
    with pytest.raises(InvalidReferenceError) as exc:
        parse_reference(text)
    assert repr(text) in str(exc.value)


def test_loopback():
    assert is_loopback('127.0.0.1:5000')
    assert is_loopback('localhost')
    assert is_loopback('[::1]:443')
    assert not is_loopback('127.example.com')
    assert not is_loopback('10.0.0.1:5000')


def test_split_repository():
    assert split_repository('127.0.0.1:5000/legacy/app') == ('127.0.0.1:5000', 'legacy/app')
    with pytest.raises(InvalidReferenceError):
        split_repository('127.0.0.1:5000/legacy/app:1')


@pytest.mark.parametrize('text', ['reg.example/app:1\n', 'reg.example/app\n:1', 'reg.example/app:t\u00e5g',
                                  'reg.example/\u00fcnicode:1', 'reg.example/app:\u0661'])
def test_no_trailing_newline_and_ascii_only(text):
    with pytest.raises(InvalidReferenceError):
        parse_reference(text)


def test_names_as_registries_list_them():
    from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import is_repository_name, is_tag

    assert is_repository_name('team/app') and is_tag('v1.0_rc-1')
    for name in ('../etc/passwd', 'a%2Fb', 'bad\nname', 'app\n', '<script>', '\u00fcnicode', 'UPPER/case', '', None):
        assert not is_repository_name(name)
    for tag in ('..', '-dash', 'x\n', '\x1b[31mred', 't\u00e5g', 'a' * 129, '', None):
        assert not is_tag(tag)


@pytest.mark.parametrize('src, dest, expected', [
    ('old.example.com/app:1', 'new.example.com/app', 'new.example.com/app:1'),       # the source's tag
    ('old.example.com/app:1', 'new.example.com/app:2', 'new.example.com/app:2'),     # its own tag wins
    ('old.example.com/app@' + DIGEST, 'new.example.com/app', 'new.example.com/app:latest'),
    ('old.example.com/app:1', 'new.example.com/app:2@' + DIGEST, 'new.example.com/app:2'),
])
def test_destination_takes_the_source_tag(src, dest, expected):
    assert str(destination(src, dest)) == expected
    assert str(destination(parse_reference(src), parse_reference(dest))) == expected


def test_destination_pinned_by_digest_only_is_refused():
    with pytest.raises(InvalidReferenceError, match='pinned by digest'):
        destination('old.example.com/app:1', 'new.example.com/app@' + DIGEST)
