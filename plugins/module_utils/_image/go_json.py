# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""JSON bytes exactly as Go's encoding/json (Go 1.19, what skopeo 1.9 uses) writes them.

Digests of converted configs and manifests only equal skopeo's if the bytes do:
compact output, ``<``, ``>``, ``&``, U+2028 and U+2029 escaped, map keys sorted,
struct fields in declaration order (``Struct``), json.RawMessage values
compacted but otherwise kept byte for byte (``Raw``).
"""

from __future__ import annotations

import json
import re

_HEX = '0123456789abcdef'
# Go escapes these in strings on top of the JSON-mandated ones (HTML safety).
_SHORT = {'"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t'}


class Struct(tuple):
    """A Go struct: (name, value) pairs written in this order; None values with omit=True are skipped by the caller."""


class Raw(bytes):
    """A json.RawMessage: written compacted, spelling of strings and numbers kept."""


def _escape_char(char):
    code = ord(char)
    if char in _SHORT:
        return _SHORT[char]
    if code < 0x20 or char in '<>&':
        return '\\u00' + _HEX[code >> 4] + _HEX[code & 0xF]
    if char in '\u2028\u2029':
        return '\\u202' + _HEX[code & 0xF]
    if 0xD800 <= code <= 0xDFFF:
        # A lone surrogate is invalid UTF-8 in Go; it becomes U+FFFD.
        return '\ufffd'
    return char


_NEEDS_ESCAPE = re.compile('["\\\\\x00-\x1f<>&\u2028\u2029\ud800-\udfff]')


def encode_string(text):
    """A Go string as JSON text (str)."""
    return '"' + _NEEDS_ESCAPE.sub(lambda m: _escape_char(m.group(0)), text) + '"'


def compact(raw):
    """Go's json.Compact with HTML escaping (what Marshal does to a RawMessage), on bytes."""
    out = bytearray()
    in_string = False
    escaped = False
    i = 0
    size = len(raw)
    while i < size:
        byte = raw[i]
        if byte in b'<>&':
            out += b'\\u00' + _HEX[byte >> 4].encode() + _HEX[byte & 0xF].encode()
        elif byte == 0xE2 and i + 2 < size and raw[i + 1] == 0x80 and raw[i + 2] in (0xA8, 0xA9):
            out += b'\\u202' + _HEX[raw[i + 2] & 0xF].encode()
            i += 2
        elif in_string:
            out.append(byte)
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte not in b' \t\r\n':
            out.append(byte)
            in_string = byte == 0x22
        i += 1
    return bytes(out)


def _encode(value, out):
    if isinstance(value, Raw):
        out.append(compact(bytes(value)).decode('utf-8', 'surrogateescape'))
    elif value is None:
        out.append('null')
    elif value is True:
        out.append('true')
    elif value is False:
        out.append('false')
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, str):
        out.append(encode_string(value))
    elif isinstance(value, Struct):
        _encode_members(value, out)
    elif isinstance(value, dict):
        _encode_members(sorted(value.items()), out)
    elif isinstance(value, (list, tuple)):
        out.append('[')
        for index, item in enumerate(value):
            if index:
                out.append(',')
            _encode(item, out)
        out.append(']')
    else:
        # Floats are deliberately absent: Go's float formatting is not Python's.
        raise TypeError('cannot encode %r the way Go does' % (value,))


def _encode_members(pairs, out):
    out.append('{')
    for index, (key, item) in enumerate(pairs):
        if index:
            out.append(',')
        out.append(encode_string(key))
        out.append(':')
        _encode(item, out)
    out.append('}')


def marshal(value):
    """Bytes of json.Marshal(value): dict = Go map (sorted keys), Struct = Go struct, Raw = RawMessage."""
    out = []
    _encode(value, out)
    return ''.join(out).encode('utf-8', 'surrogateescape')


def struct(*pairs):
    """A Struct from (name, value, omitempty) triples, dropping empty values where omitempty is set."""
    kept = []
    for name, value, omitempty in pairs:
        if omitempty and (value is None or value is False or value == 0 or value == '' or value == [] or value == {}):
            continue
        kept.append((name, value))
    return Struct(kept)


_WS = re.compile(r'[ \t\r\n]*')


def raw_members(raw):
    """(decoded key, Raw value) for each member of a top-level JSON object, in document order.

    What json.Unmarshal into map[string]*json.RawMessage sees: keys decoded,
    values as the original bytes. Raises ValueError on anything else.
    """
    text = raw.decode('utf-8', 'surrogateescape') if isinstance(raw, bytes) else raw
    decoder = json.JSONDecoder()
    pos = _WS.match(text, 0).end()
    if text[pos:pos + 1] != '{':
        raise ValueError('not a JSON object')
    pos = _WS.match(text, pos + 1).end()
    members = []
    if text[pos:pos + 1] == '}':
        pos += 1
    else:
        while True:
            if text[pos:pos + 1] != '"':
                raise ValueError('expected a key at offset %d' % pos)
            key, pos = json.decoder.scanstring(text, pos + 1)
            pos = _WS.match(text, pos).end()
            if text[pos:pos + 1] != ':':
                raise ValueError('expected ":" at offset %d' % pos)
            start = _WS.match(text, pos + 1).end()
            dummy, end = decoder.raw_decode(text, start)
            members.append((key, Raw(text[start:end].encode('utf-8', 'surrogateescape'))))
            pos = _WS.match(text, end).end()
            if text[pos:pos + 1] == ',':
                pos = _WS.match(text, pos + 1).end()
                continue
            if text[pos:pos + 1] != '}':
                raise ValueError('expected "," or "}" at offset %d' % pos)
            pos += 1
            break
    if _WS.match(text, pos).end() != len(text):
        raise ValueError('trailing data after the JSON object')
    return members


def fold(name):
    """Go's case folding for matching JSON keys to struct fields (ASCII plus Kelvin and long s)."""
    return name.replace('\u212a', 'k').replace('\u017f', 's').lower()


def field_name(key, names):
    """The field of a Go struct with fields `names` that JSON key `key` sets: exact match first, else case-insensitive."""
    if key in names:
        return key
    folded = fold(key)
    return next((name for name in names if fold(name) == folded), None)


def struct_fields(pairs, names):
    """Values a Go struct with fields `names` would receive from object `pairs` (case-insensitive, last wins)."""
    found = {}
    for key, value in pairs:
        name = field_name(key, names)
        if name is not None:
            found[name] = value
    return found


def loads_pairs(raw):
    """Parse JSON keeping every object as a list of (key, value) pairs (duplicates and order kept)."""
    return json.loads(raw, object_pairs_hook=PairList)


class PairList(list):
    """An object parsed by loads_pairs."""


_TIME_RE = re.compile(r'^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|([+-])(\d{2}):(\d{2}))$')
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def rfc3339nano(text):
    """A time.Time parsed from RFC 3339 text, as Go writes it back (RFC3339Nano, zero offset as Z).

    None (JSON null or absent) is Go's zero time.
    """
    if text is None:
        return '0001-01-01T00:00:00Z'
    match = _TIME_RE.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError('%r is not an RFC 3339 time' % (text,))
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = 29 if month == 2 and leap else _DAYS[month - 1] if 1 <= month <= 12 else 0
    if not (1 <= day <= days and hour < 24 and minute < 60 and second < 60):
        raise ValueError('%r is out of range' % (text,))
    # Go keeps nine digits (truncating) and trims trailing zeros.
    fraction = (match.group(7) or '')[:9].rstrip('0')
    zone = match.group(8)
    if zone != 'Z':
        if int(match.group(10)) >= 24 or int(match.group(11)) >= 60:
            raise ValueError('%r has an out of range offset' % (text,))
        if int(match.group(10)) == 0 and int(match.group(11)) == 0:
            zone = 'Z'
    return '%s-%s-%sT%s:%s:%s%s%s' % (match.group(1), match.group(2), match.group(3), match.group(4), match.group(5),
                                      match.group(6), '.' + fraction if fraction else '', zone)


# -- Go's round trip of a JSON object through typed structs (json.Unmarshal, then json.Marshal) --
#
# Types are described as 'string', 'bool', 'int' (int64), 'time' (time.Time), 'strslice' (a []string that
# also accepts one string), 'empty' (struct{}), ('slice', T), ('map', T) (string keys), ('ptr', T) and
# ('struct', ((json name, T, omitempty), ...)). Decoded values: str, bool, int, str (RFC 3339 as Go writes
# it), list or None (nil), dict or None, the value or None, a dict of every field. Unknown keys are lost.

_INT64 = (-(1 << 63), (1 << 63) - 1)


def _kind(typ):
    return typ if isinstance(typ, str) else typ[0]


def go_zero(typ):
    """The zero value of a described Go type."""
    kind = _kind(typ)
    if kind == 'struct':
        return dict((name, go_zero(field)) for name, field, dummy in typ[1])
    return {'string': '', 'bool': False, 'int': 0, 'time': rfc3339nano(None), 'empty': {}}.get(kind)


_EXPECTED = {'string': 'a string', 'bool': 'a boolean', 'int': 'an integer', 'time': 'an RFC 3339 time',
             'strslice': 'a string or a list of strings', 'slice': 'a list', 'map': 'an object', 'empty': 'an object',
             'struct': 'an object'}


def _mismatch(value, typ, what):
    shown = 'an object' if isinstance(value, PairList) else 'a list' if isinstance(value, list) else repr(value)
    return ValueError('%s must be %s, not %s' % (what, _EXPECTED[_kind(typ)], shown))


def _decode_scalar(value, kind, what):
    if kind == 'string' and isinstance(value, str):
        return value
    if kind == 'bool' and isinstance(value, bool):
        return value
    if kind == 'int' and isinstance(value, int) and not isinstance(value, bool) and _INT64[0] <= value <= _INT64[1]:
        return value
    if kind == 'time' and isinstance(value, str):
        try:
            return rfc3339nano(value)
        except ValueError as exc:
            raise ValueError('%s: %s' % (what, exc))
    raise _mismatch(value, kind, what)


def go_decode(value, typ, current, what):
    """What json.Unmarshal leaves in a Go value of type typ holding current, given the parsed JSON value.

    value comes from loads_pairs. Like Go, null clears only slices, maps and pointers, objects are merged
    into an existing struct or map, and keys match struct fields exactly first, else case-insensitively.
    Raises ValueError (naming `what`) where Go reports an error.
    """
    kind = _kind(typ)
    if value is None:
        return None if kind in ('slice', 'map', 'ptr', 'strslice') else current
    if kind == 'ptr':
        return go_decode(value, typ[1], go_zero(typ[1]) if current is None else current, what)
    is_object = isinstance(value, PairList)
    is_array = isinstance(value, list) and not is_object
    if kind == 'strslice':
        if isinstance(value, str):
            return [value]
        if not is_array or not all(item is None or isinstance(item, str) for item in value):
            raise _mismatch(value, typ, what)
        return [item or '' for item in value]
    if kind == 'slice' and is_array:
        current = current or []
        return [go_decode(item, typ[1], current[index] if index < len(current) else go_zero(typ[1]), '%s[%d]' % (what, index))
                for index, item in enumerate(value)]
    if kind == 'map' and is_object:
        result = dict(current or {})
        for key, item in value:
            result[key] = go_decode(item, typ[1], go_zero(typ[1]), '%s[%s]' % (what, key))
        return result
    if kind == 'empty' and is_object:
        return {}
    if kind == 'struct' and is_object:
        result = dict(current)
        fields = dict((name, field) for name, field, dummy in typ[1])
        for key, item in value:
            name = field_name(key, fields)
            if name is not None:
                result[name] = go_decode(item, fields[name], result[name], '%s.%s' % (what, name))
        return result
    if kind in ('slice', 'map', 'empty', 'struct'):
        raise _mismatch(value, typ, what)
    return _decode_scalar(value, kind, what)


def _go_empty(value, kind):
    # encoding/json's isEmptyValue: structs (time.Time too) are never empty.
    if kind in ('struct', 'time', 'empty'):
        return False
    if kind == 'ptr':
        return value is None
    if kind in ('slice', 'strslice', 'map'):
        return not value
    return value in ('', False, 0)


def go_encode(value, typ):
    """A decoded Go value as marshal() writes it: struct fields in order, omitempty applied, maps sorted."""
    kind = _kind(typ)
    if value is None or kind in ('string', 'bool', 'int', 'time', 'empty', 'strslice'):
        return value
    if kind == 'ptr':
        return go_encode(value, typ[1])
    if kind == 'slice':
        return [go_encode(item, typ[1]) for item in value]
    if kind == 'map':
        return dict((key, go_encode(item, typ[1])) for key, item in value.items())
    return Struct((name, go_encode(value[name], field)) for name, field, omitempty in typ[1]
                  if not (omitempty and _go_empty(value[name], _kind(field))))
