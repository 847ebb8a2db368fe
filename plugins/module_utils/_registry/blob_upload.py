# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The blob upload protocols of the distribution spec, and the fallbacks between them.

- monolithic: POST opens a session, one PUT ?digest= carries the whole blob, always with its
  Content-Length (never Transfer-Encoding: chunked, which nginx fronts and signed upload
  targets refuse with 411);
- chunked: PATCHes with Content-Range of chunk_size bytes (at least the registry's
  OCI-Chunk-Min-Length), then an empty PUT ?digest=. A chunk that breaks off resumes at the
  Range the registry reports for the session, not at the blob's first byte.

A registry answering 400/411/413/415 to a monolithic PUT is sent chunks, one answering 405 to
a PATCH is sent one PUT; what worked is remembered on the client for the rest of the run.
Each source byte passes the caller's hasher once, whatever is resent, so digests and diff_ids
are always those of the bytes sent.
"""

from __future__ import annotations

import itertools
from urllib.parse import quote

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import NotFoundError, RegistryError
from ansible_collections.imagefleet.registry.plugins.module_utils._notices import notice
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.client import BrokenTransferError
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.retry import Retrier

MONOLITHIC = 'monolithic'
CHUNKED = 'chunked'
DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024
_TO_CHUNKED = (400, 411, 413, 415)
# A chunk refused as too large (413) is halved down to this, and the smaller size kept for the run.
_SMALLEST_CHUNK = 64 * 1024
_RACE = (400, 404, 409)
_OCTETS = {'Content-Type': 'application/octet-stream'}


class RestartUpload(BrokenTransferError):
    """The registry wants another protocol after part of a stream was consumed: read the source again."""


class SizedBody:
    """An iterator of chunks with a known total: requests then sends Content-Length, not chunked encoding."""

    def __init__(self, chunks, size):
        self._chunks = chunks
        self._size = size

    def __len__(self):
        return self._size

    def __iter__(self):
        return iter(self._chunks)


class _Reader:
    """Exact-size pieces from an iterator of chunks of any size."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._pending = b''

    def read(self, size):
        parts, have = [self._pending], len(self._pending)
        while have < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            parts.append(chunk)
            have += len(chunk)
        data = b''.join(parts)
        self._pending = data[size:]
        return data[:size]

    def rest(self):
        return itertools.chain([self._pending], self._chunks)

    def unread(self, data):
        self._pending = data + self._pending


def _with_digest(url, digest):
    return url + ('&' if '?' in url else '?') + 'digest=' + quote(digest)


def _committed(response):
    """Bytes the registry holds for a session, from its Range header (`0-N` inclusive), or None."""
    value = (response.headers.get('Range') or '').replace('bytes=', '').strip()
    start, _sep, end = value.partition('-')
    if start != '0' or not end.lstrip('-').isdigit():
        return None
    # distribution writes 0-0 for an empty session as well as for one byte; -1 means empty too.
    return max(0, int(end) + 1)


def upload(client, repository, digest, body, size=None, session_url=None):
    """Upload body (bytes, or an iterator of chunks totalling size bytes, size None when unknown).

    session_url: an upload session the registry already opened (a mount answered 202).
    Returns True when committed, False when a concurrent writer's identical copy won the race.
    """
    scope = 'repository:%s:pull,push' % repository
    if isinstance(body, bytes):
        size = len(body)
    url, min_chunk = (session_url, 0) if session_url else _open_session(client, repository, scope)
    mode = client.upload_mode or (CHUNKED if client.chunk_size else MONOLITHIC)
    if mode == CHUNKED or size is None:
        return _chunked(client, repository, digest, scope, url, min_chunk, body, size)
    return _monolithic(client, repository, digest, scope, url, min_chunk, body, size)


def _open_session(client, repository, scope):
    try:
        response = client.request('POST', '/v2/%s/blobs/uploads/' % repository, scope, expect=(202,), retry=True)
    except BrokenTransferError as exc:
        # Already tried client.retries times: starting the whole upload over would only multiply that.
        raise RegistryError(exc.message, status=exc.status, code=exc.code, registry=client.host)
    minimum = response.headers.get('OCI-Chunk-Min-Length') or ''
    return client.upload_location(response), int(minimum) if minimum.isdigit() else 0


def _finish(client, repository, digest, scope, url, data, retry):
    """The closing PUT ?digest=; True, or False when another writer committed the same blob first."""
    try:
        client.request('PUT', _with_digest(url, digest), scope, expect=(201,), headers=_OCTETS, data=data, retry=retry)
    except RegistryError as exc:
        # Another writer committing the same blob into this repository at the same moment makes
        # distribution refuse ours (DIGEST_INVALID, BLOB_UPLOAD_INVALID); blobs are content-addressed
        # and verified by the registry, so the one that is there now is the one we meant.
        if isinstance(exc, BrokenTransferError) or exc.status not in _RACE or client.blob_size(repository, digest) is None:
            raise
        return False
    return True


def _monolithic(client, repository, digest, scope, url, min_chunk, body, size):
    is_bytes = isinstance(body, bytes)
    data = body if is_bytes else SizedBody(body, size)
    try:
        return _finish(client, repository, digest, scope, url, data, retry=is_bytes)
    except RegistryError as exc:
        # DIGEST_INVALID is about the content, not the protocol: chunks would be refused as well.
        if isinstance(exc, BrokenTransferError) or exc.status not in _TO_CHUNKED or exc.code == 'DIGEST_INVALID' \
                or client.upload_mode == MONOLITHIC:
            raise
        if client.upload_mode is None:  # else a parallel upload has just switched
            client.upload_mode = CHUNKED
            notice('registry %s refused a blob in one PUT (HTTP %d); sending chunks (PATCH) from now on'
                   % (client.host, exc.status))
        if not is_bytes:
            raise RestartUpload('registry %s: switching to chunked uploads' % client.host, registry=client.host)
        url, min_chunk = _open_session(client, repository, scope)
        return _chunked(client, repository, digest, scope, url, min_chunk, body, size)


def _chunked(client, repository, digest, scope, url, min_chunk, body, size):
    chunk_size = max(client.chunk_size or DEFAULT_CHUNK_SIZE, min_chunk)
    reader = _Reader([body] if isinstance(body, bytes) else body)
    offset = 0
    piece = reader.read(chunk_size)
    while piece:
        try:
            url = _send_chunk(client, scope, url, piece, offset)
        except RegistryError as exc:
            if exc.status == 413 and len(piece) > max(_SMALLEST_CHUNK, min_chunk):
                # A body-size cap in front of the registry (Cloudflare, nginx): smaller chunks for this registry.
                client.chunk_size = chunk_size = max(len(piece) // 2, _SMALLEST_CHUNK, min_chunk)
                reader.unread(piece[chunk_size:])
                piece = piece[:chunk_size]
                continue
            if exc.status != 405 or offset or client.upload_mode == CHUNKED or size is None:
                raise
            # PATCH not allowed: the same session takes the whole blob in one PUT.
            if client.upload_mode is None:  # else a parallel upload has just switched
                client.upload_mode = MONOLITHIC
                notice('registry %s refused a chunk (HTTP 405 on PATCH); sending blobs in one PUT from now on' % client.host)
            return _finish(client, repository, digest, scope, url, SizedBody(itertools.chain([piece], reader.rest()), size),
                           retry=False)
        offset += len(piece)
        piece = reader.read(chunk_size)
    return _finish(client, repository, digest, scope, url, b'', retry=True)


class _Position:
    """Where an upload session stands: its URL (registries may move it with each answer) and the bytes it holds."""

    __slots__ = ('url', 'held')

    def __init__(self, url, held):
        self.url = url
        self.held = held


def _send_chunk(client, scope, url, data, start):
    """PATCH data at offset start; on a break, ask the session's Range and send only what is missing.

    Returns the session URL to use next (registries may move it with each answer).
    """
    end = start + len(data)
    position = _Position(url, start)

    def after_break(attempt, exc):
        # 416: the session holds another offset than we sent from; asking it is the fix, no wait. What
        # _session_status raises (a lost session) is not retried here: the blob starts over (BlobMover).
        if isinstance(exc, BrokenTransferError):
            client.backoff(attempt)
        position.url, position.held = _session_status(client, scope, position.url, start, end)

    return Retrier(client.retries, after_break,
                   retry_error=lambda exc: isinstance(exc, BrokenTransferError) or getattr(exc, 'status', None) == 416,
                   ).call(lambda _attempt: _patch_rest(client, scope, position, data, start, end))


def _patch_rest(client, scope, position, data, start, end):
    """PATCH what the session does not hold yet of data (from start to end); a registry taking part of it gets the rest."""
    while position.held != end:
        held = position.held
        headers = dict(_OCTETS, **{'Content-Range': '%d-%d' % (held, end - 1)})
        response = client.request('PATCH', position.url, scope, expect=(202,), headers=headers, data=data[held - start:],
                                  retry=False)
        if response.headers.get('Location'):
            position.url = client.upload_location(response)
        now = _committed(response)
        if now is None:
            break
        if not held < now <= end:
            raise RegistryError('registry %s: upload session reports %d bytes after a chunk ending at %d'
                                % (client.host, now, end), registry=client.host)
        position.held = now
    return position.url


def _session_status(client, scope, url, start, end):
    """(url, bytes held) of an upload session; a session the registry lost means starting the blob over."""
    try:
        response = client.request('GET', url, scope, expect=(204,))
    except (NotFoundError, BrokenTransferError) as exc:
        raise BrokenTransferError('registry %s lost the upload session: %s' % (client.host, exc.message), registry=client.host)
    except RegistryError as exc:
        # distribution cancels a session that received part of a chunk (its offset no longer matches).
        raise BrokenTransferError('registry %s cannot resume the upload: %s' % (client.host, exc.message), registry=client.host)
    # After a break distribution's 0-0 means an empty session (it writes the same for one byte).
    held = 0 if start == 0 and (response.headers.get('Range') or '').strip() in ('0-0', 'bytes=0-0') else _committed(response)
    if held is None or not start <= held <= end:
        raise BrokenTransferError('registry %s reports %s for the upload session; starting the blob over'
                                  % (client.host, response.headers.get('Range') or 'no Range'), registry=client.host)
    url = client.upload_location(response) if response.headers.get('Location') else url
    return url, held
