# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Content digests: parsing, computing, and verifying."""

from __future__ import annotations

import hashlib
import re

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import (
    DigestMismatchError,
    InvalidReferenceError,
)

# \Z, not $: a digest with a trailing newline is not a digest.
_DIGEST_RE = re.compile(r'(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})\Z')


def is_digest(value):
    return isinstance(value, str) and bool(_DIGEST_RE.match(value))


def check_digest(value, what='digest'):
    """Return value if it is a sha256/sha512 digest, else raise naming it."""
    if not is_digest(value):
        raise InvalidReferenceError('%s %r is not a valid sha256 or sha512 digest' % (what, value))
    return value


def hasher_for(digest):
    """A fresh hashlib object of the algorithm the digest names."""
    return hashlib.new(check_digest(digest).split(':', 1)[0])


def sha256_digest(data):
    return 'sha256:' + hashlib.sha256(data).hexdigest()


def verify_bytes(data, expected, what='content'):
    """Raise DigestMismatchError unless data hashes to expected."""
    hasher = hasher_for(expected)
    hasher.update(data)
    actual = '%s:%s' % (hasher.name, hasher.hexdigest())
    if actual != expected:
        raise DigestMismatchError(
            '%s does not match its digest: expected %s, got %s' % (what, expected, actual),
            expected=expected, actual=actual)
    return data
