# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._escape import (
    csv_cell,
    html_text,
    markdown_code,
    markdown_text,
    printable,
    quoted,
)

NASTY = ['\x1b[31mred', 'bad\nname', '\x1b]0;pwned\x07', 'rtl\u202eevil', 'nul\x00', 'tab\there']


@pytest.mark.parametrize('text', NASTY)
def test_printable_leaves_no_control_character(text):
    assert printable(text).isprintable()
    assert '\\' in printable(text)


def test_valid_names_are_unchanged():
    for text in ('legacy/app', 'v1.2.3-rc_1', 'sha256:' + 'a' * 64, 'registry.example.com:5000/team/app:1'):
        assert printable(text) == text and markdown_code(text) == '`%s`' % text and csv_cell(text) == text
        assert html_text(text) == text


def test_printable_cuts_long_text():
    assert printable('x' * 500, 10) == 'x' * 10 + '...'
    assert quoted("it's\n") == "'it\\'s\\x0a'"


def test_html_escapes_markup_and_control_characters():
    assert html_text('<script>alert("x")</script>\x1b') == '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\\x1b'


def test_markdown_cannot_break_a_table_or_inject_markup():
    assert markdown_text('a|b <img src=x> [l](u) *e*') == 'a\\|b &lt;img src=x&gt; \\[l\\](u) \\*e\\*'
    assert markdown_code('a|b') == '`a\\|b`'
    assert markdown_code('a`b|<c>') == '<code>a`b&#124;&lt;c&gt;</code>'


@pytest.mark.parametrize('cell', ['=HYPERLINK("http://x")', '+1', '-1+2', '@SUM(A1)', '\tx', '\rx'])
def test_csv_cells_never_start_a_formula(cell):
    assert csv_cell(cell) == "'" + printable(cell)
