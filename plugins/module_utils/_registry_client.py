# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A client for one registry's HTTP API (distribution spec), on a keep-alive session.

It owns transport concerns only: scheme and TLS, auth (anonymous, Basic,
bearer tokens per scope), retries, error mapping, size caps and digest checks
on what it reads. What to do with manifests lives elsewhere.
"""

from __future__ import annotations

import os
import threading
import time
from urllib.parse import quote, urljoin, urlsplit

from ansible_collections.imagefleet.registry.plugins.module_utils import _media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._auth import TokenCache, parse_challenge
from ansible_collections.imagefleet.registry.plugins.module_utils._digest import is_digest
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import (
    AuthError,
    ManifestError,
    NotFoundError,
    RegistryError,
)
from ansible_collections.imagefleet.registry.plugins.module_utils._manifest import parse_manifest, verify_manifest
from ansible_collections.imagefleet.registry.plugins.module_utils._reference import is_loopback
from ansible_collections.imagefleet.registry.plugins.module_utils._retry import RETRY_STATUSES, backoff_delay

try:
    import requests
    from requests.adapters import HTTPAdapter
    HAS_REQUESTS = True
except ImportError:
    requests = HTTPAdapter = None
    HAS_REQUESTS = False

_MANIFEST_ACCEPT = ', '.join(mt.MANIFEST_ACCEPT)
_NOT_FOUND_CODES = ('BLOB_UNKNOWN', 'MANIFEST_UNKNOWN', 'NAME_UNKNOWN')
_AUTH_CODES = ('UNAUTHORIZED', 'DENIED')
_IDEMPOTENT = ('GET', 'HEAD', 'PUT', 'DELETE')
CHUNK_SIZE = 1024 * 1024


def _pull(repository):
    return 'repository:%s:pull' % repository


def _push(repository):
    return 'repository:%s:pull,push' % repository


class BrokenTransferError(RegistryError):
    """A transfer that broke off (connection lost, 5xx, token expired) where starting it over may succeed."""


def _error_details(response):
    """(code, message) from a distribution error body; tolerant of HTML and junk."""
    try:
        errors = response.json().get('errors') or []
        first = errors[0]
        return first.get('code'), first.get('message') or first.get('code')
    except (ValueError, AttributeError, IndexError, TypeError):
        content_type = response.headers.get('Content-Type', 'no content type')
        return None, 'non-JSON answer (%s)' % content_type.split(';')[0]


class RegistryClient:
    """One registry host. Thread-safe: parallel workers share one client and its pool."""

    def __init__(self, host, credentials=None, validate_certs=True, ca_path=None, insecure=False,
                 timeout=60, retries=3, pool_size=16):
        self.host = host
        self.credentials = credentials
        self.insecure = insecure
        self.timeout = timeout
        self.retries = retries
        self._verify = False if insecure or not validate_certs else (ca_path or _environment_ca_bundle() or True)
        self._plain_http_allowed = insecure or is_loopback(host)
        self._base = None
        self._challenge = None
        self._tokens = TokenCache()
        self._lock = threading.Lock()
        self._lock_stats = threading.Lock()
        self.retried = 0  # waits before another try, for results and tests
        self.session = requests.Session()
        # requests reads the proxy variables (and REQUESTS_CA_BUNDLE) again on every request, which was a fifth
        # of the CPU of a 1,000-manifest audit; they are read once per host instead (_proxies_for, _verify).
        self.session.trust_env = False
        self._proxies = {}
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size)
        self.session.mount('https://', adapter)
        self.session.mount('http://', adapter)
        self.session.headers['User-Agent'] = 'imagefleet.registry'

    # -- connection and auth -------------------------------------------------

    def _proxies_for(self, url):
        """HTTP(S)_PROXY / NO_PROXY as they apply to url's host, looked up once per host."""
        netloc = urlsplit(url).netloc
        proxies = self._proxies.get(netloc)
        if proxies is None:
            proxies = self._proxies[netloc] = requests.utils.get_environ_proxies(url)
        return proxies

    def _fail(self, message, **kwargs):
        return RegistryError('registry %s: %s' % (self.host, message), registry=self.host, **kwargs)

    def _probe(self, scheme):
        url = '%s://%s/v2/' % (scheme, self.host)
        return self.session.get(url, verify=self._verify, proxies=self._proxies_for(url), timeout=self.timeout)

    def _detect_scheme(self):
        """GET /v2/ over HTTPS, else plain HTTP where allowed; (response, scheme). TLS problems are final."""
        try:
            return self._probe('https'), 'https'
        except requests.exceptions.SSLError as exc:
            if 'CERTIFICATE_VERIFY_FAILED' in str(exc):
                raise self._fail('its TLS certificate is not trusted (%s); give ca_path with the CA that signed it '
                                 '(validate_certs=false or insecure_registries only for a registry you accept '
                                 'unverified)' % _short(exc))
            if not self._plain_http_allowed:
                raise self._fail('TLS handshake failed (%s); plain HTTP is only used for loopback registries and those '
                                 'listed in insecure_registries' % _short(exc))
        except requests.exceptions.ConnectionError:
            if not self._plain_http_allowed:
                raise
        return self._probe('http'), 'http'

    def ping(self):
        """Find the scheme and the auth challenge once (with retries); later calls are free."""
        with self._lock:
            if self._base:
                return self._base
            attempt = 0
            while True:
                try:
                    response, scheme = self._detect_scheme()
                except requests.exceptions.RequestException as exc:
                    if attempt < self.retries:
                        self._wait(attempt)
                        attempt += 1
                        continue
                    if isinstance(exc, requests.exceptions.Timeout):
                        raise self._fail('no answer within %s seconds (tried %d times)' % (self.timeout, attempt + 1))
                    raise self._fail('cannot connect (tried %d times): %s' % (attempt + 1, _short(exc)))
                if response.status_code in RETRY_STATUSES and attempt < self.retries:
                    response.close()
                    self._wait(attempt, response.headers.get('Retry-After'))
                    attempt += 1
                    continue
                break
            if response.status_code == 401:
                self._challenge = parse_challenge(response.headers.get('WWW-Authenticate'))
            elif response.status_code != 200:
                code, message = _error_details(response)
                raise self._fail('GET /v2/ answered HTTP %d (%s); is this a registry?' % (response.status_code, message),
                                 status=response.status_code, code=code)
            self._base = '%s://%s' % (scheme, self.host)
            return self._base

    def _auth_headers(self, scope):
        challenge = self._challenge
        if challenge is None:
            return {}
        if challenge.scheme == 'basic':
            return {}  # sent through session auth per request
        token = self._tokens.get(scope)
        if token is None:
            token = self._fetch_token(scope)
        return {'Authorization': 'Bearer ' + token}

    def _fetch_token(self, scope):
        params = self._challenge.params
        realm = params.get('realm')
        if not realm:
            raise AuthError('registry %s asks for a bearer token but names no realm' % self.host, registry=self.host)
        query = {'scope': scope.split(' ')}
        if params.get('service'):
            query['service'] = params['service']
        creds = self.credentials
        # The token endpoint changes nothing: it is safe to ask again after a failure.
        if creds and creds.identity_token:
            form = dict(query, grant_type='refresh_token', refresh_token=creds.identity_token, client_id='imagefleet')
            response = self._send('POST', realm, True, 'token service %s' % _path(realm), data=form)
        else:
            query['account'] = creds.username if creds else None
            response = self._send('GET', realm, True, 'token service %s' % _path(realm), params=query,
                                  auth=creds.basic if creds else None)
        if response.status_code in (401, 403):
            raise AuthError('registry %s: the token service refused %s (HTTP %d)'
                            % (self.host, 'user %r' % creds.username if creds else 'anonymous access', response.status_code),
                            registry=self.host, status=response.status_code, code='UNAUTHORIZED')
        if response.status_code != 200:
            raise self._fail('token service %s answered HTTP %d' % (_path(realm), response.status_code), status=response.status_code)
        try:
            body = response.json()
            token = body.get('token') or body['access_token']
        except (ValueError, KeyError, AttributeError):
            raise self._fail('token service %s answered without a token' % _path(realm))
        self._tokens.put(scope, token, body.get('expires_in'))
        return token

    # -- requests ------------------------------------------------------------

    def _wait(self, attempt, retry_after=None):
        with self._lock_stats:
            self.retried += 1
        time.sleep(backoff_delay(attempt, retry_after))

    def _send(self, method, url, retry, what, **kwargs):
        """session.request with bounded retries on connection errors, timeouts, 429 and 5xx.

        Returns the last response whatever its status; raises RegistryError
        (BrokenTransferError when starting over might help) when no answer came.
        """
        attempts = self.retries + 1 if retry else 1
        for attempt in range(attempts):
            last = attempt + 1 == attempts
            try:
                response = self.session.request(method, url, verify=self._verify, proxies=self._proxies_for(url),
                                                timeout=self.timeout, **kwargs)
            except requests.exceptions.RequestException as exc:
                # A certificate does not get better by asking again.
                if not last and not isinstance(exc, requests.exceptions.SSLError):
                    self._wait(attempt)
                    continue
                tries = ' (tried %d times)' % attempts if attempts > 1 else ''
                if isinstance(exc, requests.exceptions.Timeout):
                    raise BrokenTransferError('registry %s: %s: no answer within %s seconds%s'
                                              % (self.host, what, self.timeout, tries), registry=self.host)
                raise BrokenTransferError('registry %s: %s failed%s: %s' % (self.host, what, tries, _short(exc)),
                                          registry=self.host)
            if response.status_code in RETRY_STATUSES and not last:
                response.close()
                self._wait(attempt, response.headers.get('Retry-After'))
                continue
            return response
        raise AssertionError('unreachable')  # pragma: no cover

    def request(self, method, path_or_url, scope, expect=(200,), headers=None, retry=None, **kwargs):
        """Send with auth, retries and error mapping; return the response when its status is expected.

        404 raises NotFoundError unless 404 is expected; retry defaults to
        True for idempotent methods only (a consumed upload body cannot be resent:
        such a request fails with BrokenTransferError and the caller starts over).
        """
        base = self.ping()
        url = path_or_url if '://' in path_or_url else base + path_or_url
        retry = method in _IDEMPOTENT if retry is None else retry
        renewed = False
        while True:
            send_headers = dict(headers or {})
            send_headers.update(self._auth_headers(scope))
            basic = self.credentials.basic if self.credentials and self._challenge and self._challenge.scheme == 'basic' else None
            response = self._send(method, url, retry, '%s %s' % (method, _path(url)), headers=send_headers, auth=basic,
                                  **kwargs)
            status = response.status_code
            if status in expect:
                return response
            if status == 401 and not renewed and self._challenge_allows_renewal(response, scope):
                # A token expired mid-run: a fresh one is fetched on the next send.
                renewed = True
                if retry:
                    continue
                raise BrokenTransferError('registry %s: %s %s: token expired mid-upload' % (self.host, method, _path(url)),
                                          registry=self.host, status=status)
            error = self._error_for(method, url, response)
            if not retry and status in RETRY_STATUSES:
                error = BrokenTransferError(error.message, status=status, code=error.code, registry=self.host)
            raise error

    def get_small(self, path, scope, limit, what, headers=None):
        """(response, body) of a GET read whole under limit bytes; a body that breaks off is fetched again."""
        attempt = 0
        while True:
            response = self.request('GET', path, scope, headers=headers, stream=True)
            try:
                return response, _read_capped(response, limit, what)
            except requests.exceptions.RequestException as exc:
                if attempt >= self.retries:
                    raise BrokenTransferError('registry %s: %s broke off while reading (tried %d times): %s'
                                              % (self.host, what, attempt + 1, _short(exc)), registry=self.host)
            self._wait(attempt)
            attempt += 1

    @staticmethod
    def iter_body(response, what):
        """Chunks of a streamed body; a connection lost mid-body becomes BrokenTransferError (start over)."""
        try:
            yield from response.iter_content(CHUNK_SIZE)
        except requests.exceptions.RequestException as exc:
            raise BrokenTransferError('%s broke off while reading: %s' % (what, _short(exc)))

    def backoff(self, attempt):
        """Wait before trying again an operation that is retried above the request level (an upload)."""
        self._wait(attempt)

    def _challenge_allows_renewal(self, response, scope):
        """After a 401 mid-run: learn the challenge / drop a stale token, and say whether to resend."""
        challenge = parse_challenge(response.headers.get('WWW-Authenticate'))
        if challenge is None or challenge.error == 'insufficient_scope':
            return False
        sent_basic = self._challenge is not None and self._challenge.scheme == 'basic'
        self._challenge = challenge
        self._tokens.drop(scope)
        if challenge.scheme == 'bearer':
            return True
        # Basic credentials already refused would only be refused again.
        return bool(self.credentials) and not sent_basic

    def _error_for(self, method, url, response):
        status = response.status_code
        code, message = _error_details(response)
        text = '%s %s: HTTP %d %s' % (method, _path(url), status, message)
        if status == 404 or code in _NOT_FOUND_CODES:
            return NotFoundError('registry %s: %s' % (self.host, text), status=status, code=code, registry=self.host)
        if status in (401, 403) or code in _AUTH_CODES:
            challenge = parse_challenge(response.headers.get('WWW-Authenticate'))
            if challenge is not None and challenge.error == 'insufficient_scope':
                text += ' (the credentials lack the scope %s)' % challenge.params.get('scope', 'needed')
            elif not self.credentials:
                text += ' (no credentials: give username/password or log in with docker login)'
            elif status == 401:
                text += ' (the registry refused the credentials of user %r)' % self.credentials.username
            return AuthError('registry %s: %s' % (self.host, text), status=status, code=code or 'UNAUTHORIZED',
                             registry=self.host)
        return self._fail(text, status=status, code=code)

    # -- manifests -----------------------------------------------------------

    def get_manifest(self, repository, ref):
        """The manifest at ref (tag or digest), verified against the digest when pinned."""
        response, raw = self.get_small('/v2/%s/manifests/%s' % (repository, ref), _pull(repository), mt.MAX_MANIFEST_BYTES,
                                       'manifest %s:%s' % (repository, ref), headers={'Accept': _MANIFEST_ACCEPT})
        try:
            manifest = parse_manifest(raw, response.headers.get('Content-Type'))
        except ManifestError as exc:
            raise ManifestError('%s/%s@%s: %s' % (self.host, repository, ref, exc.message), reference='%s/%s' % (self.host, repository))
        what = 'manifest %s/%s@%s' % (self.host, repository, ref)
        if is_digest(ref):
            verify_manifest(manifest, ref, what)
        verify_manifest(manifest, response.headers.get('Docker-Content-Digest'), what)
        return manifest

    def head_manifest(self, repository, ref):
        """{digest, media_type, size} of the manifest at ref, or None when there is none."""
        response = self.request('HEAD', '/v2/%s/manifests/%s' % (repository, ref), _pull(repository),
                                headers={'Accept': _MANIFEST_ACCEPT}, expect=(200, 404))
        if response.status_code == 404:
            return None
        return {
            'digest': response.headers.get('Docker-Content-Digest'),
            'media_type': (response.headers.get('Content-Type') or '').split(';')[0] or None,
            'size': int(response.headers.get('Content-Length') or 0) or None,
        }

    def put_manifest(self, repository, ref, raw, media_type):
        """Push a manifest; return the digest the registry reports."""
        response = self.request('PUT', '/v2/%s/manifests/%s' % (repository, ref), _push(repository),
                                expect=(201, 202), headers={'Content-Type': media_type}, data=raw)
        return response.headers.get('Docker-Content-Digest')

    # -- blobs ---------------------------------------------------------------

    def blob_size(self, repository, digest):
        """Size of a blob in repository, or None when it is not there."""
        response = self.request('HEAD', '/v2/%s/blobs/%s' % (repository, digest), _pull(repository), expect=(200, 404))
        if response.status_code == 404:
            return None
        return int(response.headers.get('Content-Length') or 0)

    def open_blob(self, repository, digest):
        """A streaming response for the blob (redirects followed); the caller closes it."""
        return self.request('GET', '/v2/%s/blobs/%s' % (repository, digest), _pull(repository), stream=True)

    def get_blob_bytes(self, repository, digest, limit):
        """A small blob (a config) read whole, capped at limit bytes."""
        return self.get_small('/v2/%s/blobs/%s' % (repository, digest), _pull(repository), limit, 'blob %s' % digest)[1]

    def mount_blob(self, repository, digest, from_repository):
        """Try a cross-repository mount. True if mounted; else None (an upload was opened and is abandoned)."""
        scope = '%s %s' % (_push(repository), _pull(from_repository))
        response = self.request('POST', '/v2/%s/blobs/uploads/?mount=%s&from=%s' % (repository, quote(digest), quote(from_repository)),
                                scope, expect=(201, 202), retry=True)
        return response.status_code == 201

    def upload_blob(self, repository, digest, body):
        """Upload a blob in one PUT; body is bytes or an iterator of chunks (sent chunked, never buffered).

        The registry checks the content against ?digest= and commits nothing on
        a mismatch or a body that stops early. True when this upload committed
        the blob, False when a concurrent writer's copy won the race.
        """
        scope = _push(repository)
        try:
            response = self.request('POST', '/v2/%s/blobs/uploads/' % repository, scope, expect=(202,), retry=True)
        except BrokenTransferError as exc:
            # Already tried self.retries times: starting the whole upload over would only multiply that.
            raise RegistryError(exc.message, status=exc.status, code=exc.code, registry=self.host)
        location = urljoin(self.ping() + '/', response.headers['Location'])
        location += ('&' if '?' in location else '?') + 'digest=' + quote(digest)
        try:
            self.request('PUT', location, scope, expect=(201,), headers={'Content-Type': 'application/octet-stream'},
                         data=body, retry=isinstance(body, bytes))
        except RegistryError as exc:
            # Another writer committing the same blob into this repository at the same moment makes
            # distribution refuse ours (DIGEST_INVALID, BLOB_UPLOAD_INVALID); blobs are content-addressed
            # and verified by the registry, so the one that is there now is the one we meant.
            if isinstance(exc, BrokenTransferError) or exc.status not in (400, 404, 409) or \
                    self.blob_size(repository, digest) is None:
                raise
            return False
        return True

    # -- listing -------------------------------------------------------------

    def _paginate(self, path, scope, key):
        url = path
        while url:
            response = self.request('GET', url, scope)
            try:
                items = response.json().get(key) or []
            except (ValueError, AttributeError):
                raise self._fail('%s answered something that is not JSON' % _path(url))
            yield from items
            link = response.links.get('next', {}).get('url')
            url = urljoin(self.ping() + '/', link) if link else None

    def catalog(self, page_size=1000):
        """Every repository name, following Link pagination."""
        return self._paginate('/v2/_catalog?n=%d' % page_size, 'registry:catalog:*', 'repositories')

    def tags(self, repository):
        """Every tag of a repository (empty for a repository without tags)."""
        try:
            return list(self._paginate('/v2/%s/tags/list' % repository, _pull(repository), 'tags'))
        except NotFoundError:
            return []

    def close(self):
        self.session.close()


def _environment_ca_bundle():
    """The CA bundle requests would take from the environment for verify=True."""
    return os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE')


def _read_capped(response, limit, what):
    """Read a streamed body, refusing more than limit bytes."""
    declared = response.headers.get('Content-Length')
    if declared and declared.isdigit() and int(declared) > limit:
        response.close()
        raise ManifestError('%s is %s bytes, over the %d-byte limit' % (what, declared, limit))
    chunks, total = [], 0
    try:
        for chunk in response.iter_content(CHUNK_SIZE):
            total += len(chunk)
            if total > limit:
                raise ManifestError('%s is over the %d-byte limit' % (what, limit))
            chunks.append(chunk)
    finally:
        response.close()
    return b''.join(chunks)


def _path(url):
    """The path of a URL without its query, for messages (queries may carry upload state)."""
    return '/' + url.split('://', 1)[-1].split('/', 1)[-1].split('?', 1)[0]


def _short(exc):
    text = str(exc)
    return text if len(text) < 300 else text[:300] + '...'
