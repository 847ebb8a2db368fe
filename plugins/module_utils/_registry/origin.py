# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Origins (scheme, host, port) of URLs a registry hands out: the one place that decides
where credentials may go and which URLs a registry may send the client to.

A registry answers with URLs of its own choosing (upload Location, Link pages, token
realm, redirects); none of them may take credentials to another origin, or turn a TLS
registry into a plain-HTTP one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import is_loopback

_DEFAULT_PORTS = {'http': 80, 'https': 443}


def origin(url):
    """(scheme, host, port) of an absolute URL, lowercased, with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1  # a port that is not a number matches nothing
    return scheme, (parts.hostname or '').lower(), port or _DEFAULT_PORTS.get(scheme)


def same_origin(url, other):
    """Whether two absolute URLs have the same scheme, host and port (the only URLs credentials go to)."""
    return origin(url) == origin(other)


def is_downgrade(base, url):
    """Whether url would leave the TLS of base for plain HTTP."""
    return origin(base)[0] == 'https' and origin(url)[0] != 'https'


def host_port(url):
    """host[:port] of a URL as is_loopback and messages take it."""
    return urlsplit(url).netloc.rpartition('@')[2]


def is_loopback_url(url):
    return is_loopback(host_port(url))


def path_and_query(url):
    """Only the path and query of a URL (how a `Link` page is followed: against the registry's own base)."""
    parts = urlsplit(url)
    return parts.path + ('?' + parts.query if parts.query else '')


def display(url):
    """A URL for messages: scheme, host and path, without the query (it may carry upload state or secrets)."""
    parts = urlsplit(url)
    return '%s://%s%s' % (parts.scheme, parts.netloc.rpartition('@')[2], parts.path)
