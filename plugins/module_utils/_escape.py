# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Escaping text that came from a registry (names, tags, digests, error messages) before it is
printed or written: terminal output, Markdown, HTML and CSV each get what they need.

Pure functions; valid names never change, so well-behaved registries see no difference.
"""

from __future__ import annotations

import html

# A spreadsheet evaluates a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')
_MD_SPECIAL = str.maketrans({'\\': '\\\\', '|': '\\|', '`': '\\`', '<': '&lt;', '>': '&gt;', '*': '\\*', '[': '\\[', ']': '\\]'})


def _escape_char(char):
    code = ord(char)
    if code < 0x100:
        return '\\x%02x' % code
    if code < 0x10000:
        return '\\u%04x' % code
    return '\\U%08x' % code


def printable(text, limit=None):
    """text with every non-printable character (newlines, escape sequences, bidi overrides) written as \\xNN / \\uNNNN,
    cut to about limit characters when given. Safe on a terminal and in a log line."""
    text = '' if text is None else str(text)
    if limit is not None and len(text) > limit:
        text = text[:limit] + '...'
    if text.isprintable():
        return text
    return ''.join(char if char.isprintable() else _escape_char(char) for char in text)


def quoted(text, limit=200):
    """printable(text) in quotes, as a warning names an invalid name."""
    return "'%s'" % printable(text, limit).replace("'", "\\'")


def html_text(text):
    """Text for HTML element content and attribute values."""
    return html.escape(printable(text), quote=True)


def markdown_text(text):
    """Text for a Markdown table cell: no table breaks, no HTML, no links or emphasis from a registry."""
    return printable(text).translate(_MD_SPECIAL)


def markdown_code(text):
    """A code span for a Markdown table cell (a backtick in the text would end a plain one)."""
    text = printable(text)
    if '`' in text:
        return '<code>%s</code>' % html.escape(text).replace('|', '&#124;')
    return '`%s`' % text.replace('|', '\\|')


def csv_cell(text):
    """A CSV cell no spreadsheet reads as a formula (a leading = + - @ tab or CR gets a ' before it), without control
    characters."""
    text = '' if text is None else str(text)
    if text.startswith(_FORMULA_STARTS):
        text = "'" + text
    return printable(text)
