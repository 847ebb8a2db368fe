# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Registry auth challenges and bearer tokens (the Docker token protocol)."""

from __future__ import annotations

import re
import threading
import time

_PARAM_RE = re.compile(r'([a-zA-Z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')
# Refresh a little before the issuer's expiry so a token never dies mid-request.
_EXPIRY_MARGIN = 0.8
DEFAULT_TOKEN_LIFETIME = 60


class Challenge:
    __slots__ = ('scheme', 'params')

    def __init__(self, scheme, params):
        self.scheme = scheme
        self.params = params

    @property
    def error(self):
        return self.params.get('error')


def parse_challenge(header):
    """Parse a WWW-Authenticate header (``Bearer realm="..",service=".."``); None if absent."""
    if not header:
        return None
    scheme, _sep, rest = header.strip().partition(' ')
    params = {}
    for key, quoted, bare in _PARAM_RE.findall(rest):
        params[key.lower()] = quoted if quoted or not bare else bare
    return Challenge(scheme.lower(), params)


class TokenCache:
    """Bearer tokens by scope set, shared by the threads of one client."""

    def __init__(self):
        self._tokens = {}
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._tokens.get(key)
        if entry and entry[1] > time.monotonic():
            return entry[0]
        return None

    def put(self, key, token, expires_in):
        lifetime = expires_in if isinstance(expires_in, (int, float)) and expires_in > 0 else DEFAULT_TOKEN_LIFETIME
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + lifetime * _EXPIRY_MARGIN)

    def drop(self, key):
        with self._lock:
            self._tokens.pop(key, None)
