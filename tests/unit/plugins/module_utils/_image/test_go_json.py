# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._image.go_json import (
    Raw,
    compact,
    encode_string,
    go_decode,
    go_encode,
    go_zero,
    loads_pairs,
    marshal,
    raw_members,
    rfc3339nano,
    struct,
    struct_fields,
)


def test_string_escapes_like_go_1_19():
    assert encode_string('a<b>&"\\\n\t\r\x08\x0c\x01') == '"a\\u003cb\\u003e\\u0026\\"\\\\\\n\\t\\r\\u0008\\u000c\\u0001"'
    assert encode_string('\u2028\u2029\u00e9') == '"\\u2028\\u2029\u00e9"'


def test_compact_keeps_spelling_and_escapes_html():
    raw = b'{ "a" : [1, 2.50 ,"\\/x <&>"],\n "b":"\xe2\x80\xa8 y" }'
    assert compact(raw) == b'{"a":[1,2.50,"\\/x \\u003c\\u0026\\u003e"],"b":"\\u2028 y"}'
    assert compact(b'"a \\" b"') == b'"a \\" b"'


def test_marshal_map_sorted_struct_ordered():
    assert marshal({'b': 1, 'a': [True, None]}) == b'{"a":[true,null],"b":1}'
    assert marshal(struct(('z', 1, False), ('a', '', True), ('m', Raw(b' { "y" : 1 } '), False))) == b'{"z":1,"m":{"y":1}}'
    with pytest.raises(TypeError):
        marshal(1.5)


def test_raw_members_decodes_keys_keeps_values():
    members = raw_members(b' {"k\\u0041": {"b" : 1}, "x":[ ] ,"k\\u0041":2} ')
    assert members == [('kA', b'{"b" : 1}'), ('x', b'[ ]'), ('kA', b'2')]
    for bad in (b'[]', b'{"a":1} x', b'{"a" 1}', b'{1:2}'):
        with pytest.raises(ValueError):
            raw_members(bad)


def test_struct_fields_case_insensitive_last_wins():
    pairs = [('ENV', 1), ('env', 2), ('Cmd', 3), ('other', 4)]
    assert struct_fields(pairs, ('Env', 'Cmd')) == {'Env': 2, 'Cmd': 3}


@pytest.mark.parametrize('text, expected', [
    ('2016-01-02T03:04:08.000000000Z', '2016-01-02T03:04:08Z'),
    ('2016-01-02T03:04:07.50Z', '2016-01-02T03:04:07.5Z'),
    ('2020-01-01T00:00:00+00:00', '2020-01-01T00:00:00Z'),
    ('2020-01-01T00:00:00.120+01:00', '2020-01-01T00:00:00.12+01:00'),
    ('2020-01-01T00:00:00.1234567891Z', '2020-01-01T00:00:00.123456789Z'),
    (None, '0001-01-01T00:00:00Z'),
])
def test_rfc3339nano(text, expected):
    assert rfc3339nano(text) == expected


@pytest.mark.parametrize('text', ['', 'yesterday', '2021-02-29T00:00:00Z', '2020-01-01T24:00:00Z', '2020-01-01 00:00:00Z'])
def test_rfc3339nano_rejects(text):
    with pytest.raises(ValueError):
        rfc3339nano(text)


_RUNTIME = ('struct', (('Name', 'string', False), ('On', 'bool', True), ('Ports', ('map', 'empty'), True),
                       ('Env', ('slice', 'string'), False), ('Cmd', 'strslice', False), ('Timeout', ('ptr', 'int'), True),
                       ('When', 'time', False), ('Labels', ('map', 'string'), False)))
_IMAGE = ('struct', (('config', ('ptr', _RUNTIME), True), ('inner', _RUNTIME, True), ('Size', 'int', True)))


def _round_trip(text):
    return marshal(go_encode(go_decode(loads_pairs(text), _IMAGE, go_zero(_IMAGE), 'x'), _IMAGE))


@pytest.mark.parametrize('text, expected', [
    # unknown keys go, omitempty drops false/empty/nil, plain fields and structs always appear
    ('{"config":{"Name":"n","On":false,"Ports":{},"Extra":1,"Timeout":0},"Size":0,"other":2}',
     b'{"config":{"Name":"n","Env":null,"Cmd":null,"Timeout":0,"When":"0001-01-01T00:00:00Z","Labels":null},'
     b'"inner":{"Name":"","Env":null,"Cmd":null,"When":"0001-01-01T00:00:00Z","Labels":null}}'),
    # keys match case-insensitively; a string is a one-item strslice; null list items are ""; maps sorted
    ('{"CONFIG":{"cmd":"sh","env":[null,"A<"],"labels":{"b":null,"a":"1"},"when":"2015-01-01T00:00:00.50+00:00"}}',
     b'{"config":{"Name":"","Env":["","A\\u003c"],"Cmd":["sh"],"When":"2015-01-01T00:00:00.5Z","Labels":{"a":"1","b":""}},'
     b'"inner":{"Name":"","Env":null,"Cmd":null,"When":"0001-01-01T00:00:00Z","Labels":null}}'),
    # a repeated key is merged into what the first one set; null clears only lists, maps and pointers
    ('{"inner":{"Name":"a","Env":["x","y"],"Labels":{"k":"v"}},"inner":{"Name":null,"Env":[null],"Labels":{"l":"w"},"Cmd":null}}',
     b'{"inner":{"Name":"a","Env":["x"],"Cmd":null,"When":"0001-01-01T00:00:00Z","Labels":{"k":"v","l":"w"}}}'),
])
def test_go_round_trip(text, expected):
    assert _round_trip(text) == expected


@pytest.mark.parametrize('text, where', [
    ('{"Size":"1"}', 'x.Size'), ('{"Size":1.0}', 'x.Size'), ('{"Size":9223372036854775808}', 'x.Size'),
    ('{"inner":[]}', 'x.inner'), ('{"inner":{"On":"true"}}', 'x.inner.On'), ('{"inner":{"Ports":{"80":1}}}', 'x.inner.Ports[80]'),
    ('{"inner":{"Cmd":["a",1]}}', 'x.inner.Cmd'), ('{"inner":{"When":"yesterday"}}', 'x.inner.When'),
])
def test_go_decode_refuses_what_go_refuses(text, where):
    with pytest.raises(ValueError, match=where.replace('[', r'\[').replace(']', r'\]')):
        go_decode(loads_pairs(text), _IMAGE, go_zero(_IMAGE), 'x')
