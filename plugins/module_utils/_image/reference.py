# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Image references: the distribution grammar with Docker's normalisation.

``nginx`` -> ``docker.io/library/nginx:latest`` talking to
``registry-1.docker.io``; ``127.0.0.1:5000/a/b:t@sha256:...`` keeps its host.
"""

from __future__ import annotations

import re

from ansible_collections.imagefleet.registry.plugins.module_utils._image.digest import is_digest
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import InvalidReferenceError

DEFAULT_REGISTRY = 'docker.io'
DOCKER_HUB_API_HOST = 'registry-1.docker.io'
DEFAULT_TAG = 'latest'
_MAX_NAME_LENGTH = 255

# The distribution grammar, ASCII only (no \w, which is Unicode), anchored with \Z ($ also matches before a final newline).
_PATH_COMPONENT = r'[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
_PATH_RE = re.compile(r'^%s(?:/%s)*\Z' % (_PATH_COMPONENT, _PATH_COMPONENT))
_DOMAIN_COMPONENT = r'(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
_DOMAIN_RE = re.compile(r'^(?:%s(?:\.%s)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?\Z' % (_DOMAIN_COMPONENT, _DOMAIN_COMPONENT))
_TAG_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\Z')
_LOOPBACK_RE = re.compile(r'^(?:localhost|127(?:\.[0-9]{1,3}){3}|\[::1\])(?::[0-9]+)?\Z')


class ImageReference:
    """A parsed, normalised reference. Immutable by convention."""

    __slots__ = ('registry', 'repository', 'tag', 'digest')

    def __init__(self, registry, repository, tag=None, digest=None):
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest

    @property
    def api_host(self):
        """The host[:port] the HTTP API lives on."""
        return DOCKER_HUB_API_HOST if self.registry == DEFAULT_REGISTRY else self.registry

    @property
    def ref(self):
        """What goes after /manifests/: the digest when pinned, else the tag."""
        return self.digest or self.tag or DEFAULT_TAG

    def with_tag(self, tag):
        return ImageReference(self.registry, self.repository, tag, None)

    @property
    def name(self):
        return '%s/%s' % (self.registry, self.repository)

    def __str__(self):
        text = self.name
        if self.tag:
            text += ':' + self.tag
        if self.digest:
            text += '@' + self.digest
        if not self.tag and not self.digest:
            text += ':' + DEFAULT_TAG
        return text

    def __repr__(self):
        return 'ImageReference(%r)' % str(self)

    def __eq__(self, other):
        return isinstance(other, ImageReference) and str(self) == str(other)

    def __hash__(self):
        return hash(str(self))


def is_loopback(host):
    return bool(_LOOPBACK_RE.match(host))


def is_repository_name(name):
    """Whether name is a repository path of the distribution grammar (as a catalog lists it)."""
    return isinstance(name, str) and len(name) <= _MAX_NAME_LENGTH and bool(_PATH_RE.match(name))


def is_tag(tag):
    """Whether tag is a tag of the distribution grammar (ASCII letters, digits, _ . -; at most 128)."""
    return isinstance(tag, str) and bool(_TAG_RE.match(tag))


def _split_domain(name):
    """Docker's rule: the first component is a registry if it looks like a host."""
    first, sep, rest = name.partition('/')
    if sep and ('.' in first or ':' in first or first == 'localhost' or first != first.lower()):
        return first, rest
    return DEFAULT_REGISTRY, name


def parse_reference(text):
    """Parse and normalise an image reference; InvalidReferenceError names the input."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidReferenceError('invalid image reference %r: it is empty' % (text,), reference=text)
    if text != text.strip() or '://' in text:
        raise InvalidReferenceError('invalid image reference %r: no spaces or URL scheme allowed' % text, reference=text)

    remainder, digest = text, None
    if '@' in remainder:
        remainder, digest = remainder.rsplit('@', 1)
        if not is_digest(digest):
            raise InvalidReferenceError('invalid image reference %r: %r is not a sha256/sha512 digest' % (text, digest),
                                        reference=text)
    tag = None
    last_slash = remainder.rfind('/')
    colon = remainder.rfind(':')
    if colon > last_slash:
        remainder, tag = remainder[:colon], remainder[colon + 1:]
        if not _TAG_RE.match(tag):
            raise InvalidReferenceError('invalid image reference %r: bad tag %r' % (text, tag), reference=text)

    registry, path = _split_domain(remainder)
    if not _DOMAIN_RE.match(registry):
        raise InvalidReferenceError('invalid image reference %r: bad registry host %r' % (text, registry), reference=text)
    if registry == 'index.docker.io':
        registry = DEFAULT_REGISTRY
    if registry == DEFAULT_REGISTRY and '/' not in path:
        path = 'library/' + path
    if not _PATH_RE.match(path):
        raise InvalidReferenceError('invalid image reference %r: repository %r must be lowercase path components '
                                    'of letters, digits and separators' % (text, path), reference=text)
    if len(registry) + 1 + len(path) > _MAX_NAME_LENGTH:
        raise InvalidReferenceError('invalid image reference %r: name longer than %d characters' % (text, _MAX_NAME_LENGTH),
                                    reference=text)
    return ImageReference(registry, path, tag, digest)


def destination(src, dest):
    """Where src is written when dest is its destination: dest's tag, else the source's tag (else latest).

    The one rule for a destination given without a tag (``new/app`` for ``old/app:1`` is
    ``new/app:1``), shared by planning, the audit, image_convert, image_verify and the mapping.
    src and dest are references or their text; a destination pinned by digest only is refused.
    """
    src_ref = src if isinstance(src, ImageReference) else parse_reference(src)
    dest_ref = dest if isinstance(dest, ImageReference) else parse_reference(dest)
    if dest_ref.digest and not dest_ref.tag:
        raise InvalidReferenceError('destination %s is pinned by digest; give a tag to push to' % dest_ref, reference=str(dest_ref))
    return dest_ref.with_tag(dest_ref.tag or src_ref.tag or DEFAULT_TAG)


def split_repository(text):
    """Parse ``host[:port]/repo`` (no tag) into (registry, repository): a repository option such as
    image_report_artifact's."""
    ref = parse_reference(text)
    if ref.tag or ref.digest:
        raise InvalidReferenceError('invalid repository %r: it must not carry a tag or digest' % text, reference=text)
    return ref.registry, ref.repository
