# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A client for one registry's HTTP API (distribution spec), on a keep-alive session.

It owns transport concerns only: scheme and TLS, auth (anonymous, Basic,
bearer tokens per scope), retries, error mapping, size caps and digest checks
on what it reads. What to do with manifests lives elsewhere.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import tempfile
import threading
import time
from urllib.parse import quote, urljoin, urlsplit

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.auth import TokenCache, parse_challenge
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.deadline import DeadlineAdapter, Watch
from ansible_collections.imagefleet.registry.plugins.module_utils._image.digest import is_digest
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import (
    AuthError,
    DigestMismatchError,
    ManifestError,
    NotFoundError,
    RegistryError,
)
from ansible_collections.imagefleet.registry.plugins.module_utils._escape import printable
from ansible_collections.imagefleet.registry.plugins.module_utils._image.manifest import parse_manifest, verify_manifest
from ansible_collections.imagefleet.registry.plugins.module_utils._notices import notice
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.origin import (
    display,
    is_downgrade,
    is_loopback_url,
    path_and_query,
    same_origin,
)
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import is_loopback
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.retry import (
    DEFAULT_MAX_RETRY_WAIT,
    RETRY_STATUSES,
    Retrier,
    hinted_wait,
)

try:
    import requests
    HAS_REQUESTS = True
except ImportError:
    requests = None  # type: ignore[assignment]
    HAS_REQUESTS = False

_MANIFEST_ACCEPT = ', '.join(mt.MANIFEST_ACCEPT)
_NOT_FOUND_CODES = ('BLOB_UNKNOWN', 'MANIFEST_UNKNOWN', 'NAME_UNKNOWN')
_AUTH_CODES = ('UNAUTHORIZED', 'DENIED')
_IDEMPOTENT = ('GET', 'HEAD', 'PUT', 'DELETE')
# Pieces of a streamed body. Under glibc's 128 KiB mmap threshold, so that each piece comes from the heap: 1 MiB
# pieces were mapped and unmapped one by one, which cost a 200-image conversion 0.5 s of system CPU in page faults
# (and 40-55 MB more RSS).
CHUNK_SIZE = 96 * 1024
REDIRECTS = (301, 302, 303, 307, 308)
_MAX_REDIRECTS = 5
# Blob bytes must arrive as stored: a storage host applying Content-Encoding would change what is hashed.
_RAW_BLOB = {'Accept-Encoding': 'identity'}
# What a registry may make the client read (besides manifests, mt.MAX_MANIFEST_BYTES, and blobs, their size).
MAX_JSON_BYTES = 16 * 1024 * 1024    # one catalog page or tag list
MAX_TOKEN_BYTES = 1024 * 1024        # a token service's answer
MAX_TOKEN_LENGTH = 64 * 1024         # the token sent back as a header
MAX_ERROR_BYTES = 64 * 1024          # an error body is read this far, for its message
MAX_PAGES = 1000                     # Link pages of one listing
# A request (headers and body, not a blob body) that has not finished after this many `timeout`s is cut off.
DEADLINE_FACTOR = 5


def _pull(repository):
    return 'repository:%s:pull' % repository


def _push(repository):
    return 'repository:%s:pull,push' % repository


class BrokenTransferError(RegistryError):
    """A transfer that broke off (connection lost, 5xx, token expired) where starting it over may succeed."""


class ResponseTooLargeError(RegistryError):
    """An answer longer than what the client reads for it."""


_NO_SLOT = contextlib.nullcontext()


def _is_request_error(exc):
    return isinstance(exc, requests.exceptions.RequestException)


def _asks_retry(response):
    """An answer asking to be tried again (429, 5xx)."""
    return response.status_code in RETRY_STATUSES


def _error_details(response):
    """(code, message) from a distribution error body; tolerant of HTML and junk."""
    try:
        errors = response.json().get('errors') or []
        first = errors[0]
        code = first.get('code')
        return (printable(code, 60) if code is not None else None), printable(first.get('message') or code, 300)
    except (ValueError, AttributeError, IndexError, TypeError):
        content_type = response.headers.get('Content-Type', 'no content type')
        return None, 'non-JSON answer (%s)' % printable(content_type.split(';')[0], 80)


class RegistryClient:
    """One registry host. Thread-safe: parallel workers share one client and its pool."""

    def __init__(self, host, credentials=None, validate_certs=True, ca_path=None, insecure=False,
                 timeout=60, retries=3, max_connections=16, chunk_size=None, max_retry_wait=DEFAULT_MAX_RETRY_WAIT,
                 max_layer_bytes=None):
        self.host = host
        self.credentials = credentials
        self.insecure = insecure
        self.timeout = timeout
        self.deadline = DEADLINE_FACTOR * timeout if timeout else None
        self.max_layer_bytes = max_layer_bytes  # uncompressed size a layer may reach while its diff_id is computed
        self.retries = retries
        self.max_retry_wait = max_retry_wait
        # What this registry turned out to speak, learnt once and kept for the run (blob_upload.py).
        self.chunk_size = chunk_size
        self.upload_mode = None
        self.mounts_refused = False
        self.one_scope_per_token = False
        self._verify = False if insecure or not validate_certs else (ca_path or _environment_ca_bundle() or True)
        self._ca_path = ca_path if self._verify else None
        self._foreign_bundle = None
        self._foreign = None
        self._plain_http_allowed = insecure or is_loopback(host)
        self._base = None
        self._challenge = None
        self._tokens = TokenCache()
        self._lock = threading.Lock()
        self._lock_stats = threading.Lock()
        self.session = requests.Session()
        # requests reads the proxy variables (and REQUESTS_CA_BUNDLE) again on every request, which was a fifth
        # of the CPU of a 1,000-manifest audit; they are read once per host instead (_proxies_for, _verify).
        self.session.trust_env = False
        self._proxies = {}
        # At most max_connections requests to this registry wait for their answer at a time (_slot). A blob body
        # is read after its slot is freed: a copy inside one registry then holds a GET's connection and a PUT's
        # slot, and never waits for a slot while holding one (no deadlock). The pool keeps both kinds.
        self.max_connections = max_connections
        self._slots = threading.BoundedSemaphore(max_connections)
        adapter = DeadlineAdapter(pool_connections=2, pool_maxsize=2 * max_connections)
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

    def _probe(self, scheme, first=None):
        """GET /v2/ over scheme, or the request `first` (method, path, kwargs) standing in for it."""
        if first is not None:
            method, path, kwargs = first
            kwargs = dict(kwargs)
            url = '%s://%s%s' % (scheme, self.host, path)
            stream, limit = kwargs.pop('stream', False), kwargs.pop('limit', MAX_JSON_BYTES)
            return self._send_once(method, url, '%s %s' % (method, _path(url)), None, limit, stream, True, kwargs)
        url = '%s://%s/v2/' % (scheme, self.host)

        def send():
            response = self.session.get(url, verify=self._verify, proxies=self._proxies_for(url), timeout=self.timeout,
                                        stream=True)
            return _buffer(response, MAX_ERROR_BYTES, None)

        return self._within_deadline('GET /v2/', True, True, send)

    def _within_deadline(self, what, timed, counted, send):
        """send() holding one of this registry's slots when counted, cut off at the deadline when timed."""
        with (self._slots if counted else _NO_SLOT), Watch(self.deadline if timed else None) as watch:
            try:
                response = send()
            except requests.exceptions.RequestException:
                if watch.expired:
                    raise self._deadline_error(what)
                raise
        # A cut-off can also look like an answer that ended early (headers ended by the closed socket).
        if watch.expired:
            response.close()
            raise self._deadline_error(what)
        return response

    def _deadline_error(self, what):
        return RegistryError('registry %s: %s: the answer did not finish within %s seconds (%d x timeout)'
                             % (self.host, what, self.deadline, DEADLINE_FACTOR), registry=self.host)

    def _detect_scheme(self, first=None):
        """(response, scheme) of GET /v2/ (or `first`) over HTTPS, else plain HTTP where allowed. TLS problems are final."""
        try:
            return self._probe('https', first), 'https'
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
        return self._probe('http', first), 'http'

    def ping(self):
        """Find the scheme and the auth challenge once (with retries), with GET /v2/; later calls are free."""
        return self._connect(None)[0]

    def _connect(self, first):
        """(base URL, answer): the scheme and auth challenge, found once for the run under the lock.

        The first request to a registry stands in for the GET /v2/ ping when it has no body: `first` is
        (method, path, kwargs) and its answer comes back when it tells what the ping would have, a registry
        answering or challenging (each module then asks one request less). Any other answer (a 404 from a web
        server, a 400) sends GET /v2/ as before, for its diagnosis; the answer is then None and the caller sends.
        """
        if self._base:  # set once, never unset: no lock for every request of the run
            return self._base, None
        with self._lock:
            if self._base:
                return self._base, None
            if first is not None:
                response, scheme = self._reach(first)
                if _from_registry(response, first[2].get('stream')):
                    self._base = '%s://%s' % (scheme, self.host)
                    return self._base, response
                response.close()
            response, scheme = self._reach(None)
            if response.status_code == 401:
                self._challenge = parse_challenge(response.headers.get('WWW-Authenticate'))
            elif response.status_code != 200:
                code, message = _error_details(response)
                raise self._fail('GET /v2/ answered HTTP %d (%s); is this a registry?' % (response.status_code, message),
                                 status=response.status_code, code=code)
            self._base = '%s://%s' % (scheme, self.host)
            return self._base, None

    def _reach(self, first):
        """(response, scheme) of GET /v2/ or `first` (_detect_scheme), with retries; no answer at all is final."""
        # What is retried is (response, scheme); a response asking for it is waited for as in _send.
        what = 'GET /v2/' if first is None else '%s %s' % (first[0], _path(first[1]))
        retrier = Retrier(self.retries, lambda attempt, outcome: self._wait_after(
            attempt, outcome if isinstance(outcome, Exception) else outcome[0], what),
            retry_error=_is_request_error, retry_result=lambda found: _asks_retry(found[0]))
        try:
            return retrier.call(lambda _attempt: self._detect_scheme(first))
        except ResponseTooLargeError as exc:
            raise ResponseTooLargeError('registry %s: %s' % (self.host, exc.message), registry=self.host)
        except requests.exceptions.RequestException as exc:
            if isinstance(exc, requests.exceptions.Timeout):
                raise self._fail('no answer within %s seconds (tried %d times)' % (self.timeout, retrier.tries))
            raise self._fail('cannot connect (tried %d times): %s' % (retrier.tries, _short(exc)))

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
        if urlsplit(realm).scheme not in ('http', 'https') or not urlsplit(realm).hostname:
            raise AuthError('registry %s names a token realm that is not an http(s) URL: %s' % (self.host, printable(realm, 200)),
                            registry=self.host)
        query = {'scope': scope.split(' ')}
        if params.get('service'):
            query['service'] = params['service']
        creds = self.credentials
        if creds and not self._realm_may_have_credentials(realm):
            raise AuthError('registry %s sends its credentials to the token service %s over plain HTTP; credentials go to a '
                            'token service over https only (or on loopback, or on the registry\'s own host when it is '
                            'in insecure_registries)' % (self.host, printable(display(realm), 200)), registry=self.host)
        # The token endpoint changes nothing: it is safe to ask again after a failure.
        try:
            if creds and creds.identity_token:
                form = dict(query, grant_type='refresh_token', refresh_token=creds.identity_token, client_id='imagefleet')
                response = self._send('POST', realm, True, 'token service %s' % _path(realm), limit=MAX_TOKEN_BYTES, data=form)
            else:
                query['account'] = creds.username if creds else None
                response = self._send('GET', realm, True, 'token service %s' % _path(realm), limit=MAX_TOKEN_BYTES,
                                      params=query, auth=creds.basic if creds else None)
        except ResponseTooLargeError as exc:
            raise AuthError(exc.message, registry=self.host)
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
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not token.isascii() or not token.isprintable():
            raise self._fail('token service %s answered a token that is not a printable string of at most %d characters'
                             % (_path(realm), MAX_TOKEN_LENGTH))
        self._tokens.put(scope, token, body.get('expires_in'))
        if ' ' in scope:
            self._learn_granted(scope, token, body.get('expires_in'))
        return token

    def _realm_may_have_credentials(self, realm):
        """Credentials go to a token realm over https; over plain HTTP only on loopback or the insecure registry's own host."""
        if urlsplit(realm).scheme.lower() == 'https':
            return True
        return is_loopback_url(realm) or (self.insecure and urlsplit(realm).hostname == urlsplit('//' + self.host).hostname)

    def _learn_granted(self, scope, token, expires_in):
        """A token asked for several scopes: if its claims show fewer, the token service keeps one scope per token
        (older GitLab, Harbor, Portus, docker_auth honour only the last). Remember that for the run, and keep
        the token for the scope it does cover."""
        granted = _granted_access(token)
        if granted is None:
            return  # opaque token: a refused mount tells instead (mount_blob)
        asked = scope.split(' ')
        covered = [part for part in asked if _covers(granted, part)]
        if len(covered) == len(asked):
            return
        self.one_scope_per_token = True
        notice('the token service of registry %s granted %s of the scopes %s asked in one token; one token per '
               'scope from now on (no cross-repository mounts)' % (self.host, ', '.join(covered) or 'none', ', '.join(asked)))
        for part in covered:
            self._tokens.put(part, token, expires_in)

    # -- requests ------------------------------------------------------------

    def _wait(self, attempt, retry_after=None, what='GET /v2/', status=None):
        """Sleep before another try: our backoff, or the Retry-After the server asked for within max_retry_wait."""
        hinted = hinted_wait(attempt, retry_after, self.max_retry_wait)
        if hinted is None:
            raise self._fail('%s: the registry asks to wait %s seconds before trying again (Retry-After), more than '
                             'max_retry_wait=%d; try later or raise max_retry_wait' % (what, retry_after.strip(), self.max_retry_wait),
                             status=status, code='TOOMANYREQUESTS' if status == 429 else 'UNAVAILABLE')
        delay, beyond = hinted
        if beyond:
            notice('registry %s asked to wait %d seconds (Retry-After) before trying %s again; waited, as '
                   'max_retry_wait=%d allows' % (self.host, round(delay), what, self.max_retry_wait))
        time.sleep(delay)

    def _send(self, method, url, retry, what, session=None, limit=MAX_JSON_BYTES, **kwargs):
        """session.request with bounded retries on connection errors, timeouts, 429 and 5xx.

        Returns the last response whatever its status; raises RegistryError
        (BrokenTransferError when starting over might help) when no answer came.
        Unless stream=True, the body is read here: at most limit bytes (an error
        answer's is cut at MAX_ERROR_BYTES), all within the request's deadline.
        A streamed request's deadline covers its headers only: a blob body is
        bounded by its size instead (iter_body).
        """
        if self._base and is_downgrade(self._base, url):
            raise self._fail('%s: refusing to follow %s: the registry speaks TLS and this URL is plain HTTP'
                             % (what, printable(display(url), 200)))
        stream = kwargs.pop('stream', False)
        # An upload streamed from an iterator takes as long as its blob: only bodies in memory are timed.
        timed = isinstance(kwargs.get('data'), (bytes, str, dict, type(None)))
        # A certificate does not get better by asking again.
        retrier = Retrier(self.retries if retry else 0, lambda attempt, outcome: self._wait_after(attempt, outcome, what),
                          retry_error=lambda exc: _is_request_error(exc) and not isinstance(exc, requests.exceptions.SSLError),
                          retry_result=_asks_retry)
        try:
            return retrier.call(lambda _attempt: self._send_once(method, url, what, session, limit, stream, timed, kwargs))
        except ResponseTooLargeError as exc:
            raise ResponseTooLargeError('registry %s: %s' % (self.host, exc.message), registry=self.host)
        except requests.exceptions.RequestException as exc:
            tries = ' (tried %d times)' % retrier.tries if retrier.tries > 1 else ''
            if isinstance(exc, requests.exceptions.Timeout):
                raise BrokenTransferError('registry %s: %s: no answer within %s seconds%s'
                                          % (self.host, what, self.timeout, tries), registry=self.host)
            raise BrokenTransferError('registry %s: %s failed%s: %s' % (self.host, what, tries, _short(exc)),
                                      registry=self.host)

    def _send_once(self, method, url, what, session, limit, stream, timed, kwargs):
        """One try of _send: the response, its body read unless streamed, all within the deadline when timed.

        A request to the registry itself holds one of its slots until then (not while a streamed body is read,
        nor while waiting to try again); storage hosts it redirects to are not counted.
        """

        def send():
            response = (session or self.session).request(method, url, verify=self._verify_for(url),
                                                         proxies=self._proxies_for(url), timeout=self.timeout,
                                                         stream=True, **kwargs)
            return response if stream else _buffer(response, limit, '%s: the answer' % what)

        return self._within_deadline(what, timed, session is None, send)

    def request(self, method, path_or_url, scope, expect=(200,), headers=None, retry=None, **kwargs):
        """Send with auth, retries and error mapping; return the response when its status is expected.

        404 raises NotFoundError unless 404 is expected; retry defaults to
        True for idempotent methods only (a consumed upload body cannot be resent:
        such a request fails with BrokenTransferError and the caller starts over).
        Credentials go only with requests to the registry's own origin (an upload
        Location elsewhere is sent to without them).
        """
        if '://' in path_or_url:
            base, answer = self.ping(), None
            url = path_or_url
        else:
            # Only the run's first request can stand in for the ping: the others do not build its arguments.
            first = None if self._base or not _bodiless(kwargs) else (method, path_or_url, dict(kwargs, headers=dict(headers or {})))
            base, answer = self._connect(first)
            url = base + path_or_url
        own = same_origin(url, base)
        retry = method in _IDEMPOTENT if retry is None else retry
        # A challenge to the request that stood in for the ping is answered by sending it again (it has no body).
        renewed, resend = False, retry or answer is not None
        while True:
            if answer is not None:  # this request already went out, as the ping (_connect)
                response, answer = answer, None
            else:
                send_headers = dict(headers or {})
                if own:
                    send_headers.update(self._auth_headers(scope))
                basic = self.credentials.basic if own and self.credentials and self._challenge and self._challenge.scheme == 'basic' else None
                response = self._send(method, url, retry, '%s %s' % (method, _path(url)), headers=send_headers,
                                      auth=basic, **kwargs)
            status = response.status_code
            if status in expect:
                return response
            if status == 401 and own and not renewed and self._challenge_allows_renewal(response, scope):
                # The first challenge, or a token expired mid-run: a fresh one is fetched on the next send.
                renewed = True
                if resend:
                    continue
                raise BrokenTransferError('registry %s: %s %s: token expired mid-upload' % (self.host, method, _path(url)),
                                          registry=self.host, status=status)
            error = self._error_for(method, url, response)
            if not retry and status in RETRY_STATUSES:
                error = BrokenTransferError(error.message, status=status, code=error.code, registry=self.host)
            raise error

    def get_small(self, path, scope, limit, what, headers=None, follow=False):
        """(response, body) of a GET read whole under limit bytes; a body that breaks off is fetched again (_send)."""
        send = self.request_followed if follow else self.request
        try:
            response = send('GET', path, scope, headers=headers, limit=limit)
        except ResponseTooLargeError as exc:
            raise ManifestError('%s: %s' % (what, exc.message), registry=self.host)
        return response, response.content

    @staticmethod
    def iter_body(response, what, size=None):
        """Chunks of a streamed body, stopping with an error past size (else past Content-Length);
        a connection lost mid-body becomes BrokenTransferError (start over)."""
        declared = _int_header(response, 'Content-Length')
        limit = size if size is not None else declared
        if limit is not None and declared not in (None, limit):
            response.close()
            raise DigestMismatchError('%s is announced as %d bytes, but its descriptor says %d' % (what, declared, limit))
        total = 0
        try:
            for chunk in response.iter_content(CHUNK_SIZE):
                total += len(chunk)
                if limit is not None and total > limit:
                    response.close()
                    raise DigestMismatchError('%s is longer than its %d bytes; stopped reading' % (what, limit))
                yield chunk
        except requests.exceptions.RequestException as exc:
            raise BrokenTransferError('%s broke off while reading: %s' % (what, _short(exc)))

    def backoff(self, attempt, _outcome=None):
        """Wait before trying again an operation that is retried above the request level (an upload):
        a Retrier's wait."""
        self._wait(attempt)

    def retrier(self, retry_error, retries=None):
        """A Retrier for an operation above the request level: this registry's retries, its backoff between tries."""
        return Retrier(self.retries if retries is None else retries, self.backoff, retry_error=retry_error)

    def _wait_after(self, attempt, outcome, what='GET /v2/'):
        """A Retrier's wait for requests: close a response thrown away, honour its Retry-After."""
        if isinstance(outcome, Exception):
            self._wait(attempt, what=what)
            return
        outcome.close()
        self._wait(attempt, outcome.headers.get('Retry-After'), what, outcome.status_code)

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
            'digest': _digest_header(response),
            'media_type': printable((response.headers.get('Content-Type') or '').split(';')[0], 200) or None,
            'size': _int_header(response, 'Content-Length') or None,
        }

    def put_manifest(self, repository, ref, raw, media_type):
        """Push a manifest; return the digest the registry reports."""
        response = self.request('PUT', '/v2/%s/manifests/%s' % (repository, ref), _push(repository),
                                expect=(201, 202), headers={'Content-Type': media_type}, data=raw)
        return _digest_header(response)

    # -- blobs ---------------------------------------------------------------

    def blob_size(self, repository, digest):
        """Size of a blob in repository, or None when it is not there (redirects to storage followed)."""
        response = self.request_followed('HEAD', '/v2/%s/blobs/%s' % (repository, digest), _pull(repository),
                                         expect=(200, 404))
        if response.status_code == 404:
            return None
        return _int_header(response, 'Content-Length') or 0

    def open_blob(self, repository, digest):
        """A streaming response for the blob (redirects followed); the caller closes it."""
        return self.request_followed('GET', '/v2/%s/blobs/%s' % (repository, digest), _pull(repository), stream=True,
                                     headers=_RAW_BLOB)

    def get_blob_bytes(self, repository, digest, limit):
        """A small blob (a config) read whole, capped at limit bytes."""
        return self.get_small('/v2/%s/blobs/%s' % (repository, digest), _pull(repository), limit, 'blob %s' % digest,
                              headers=_RAW_BLOB, follow=True)[1]

    def mount_blob(self, repository, digest, from_repository):
        """Try a cross-repository mount.

        True when mounted (201); the URL of an upload session when the registry opened one instead (202:
        upload into it); None when it refused (401, 403, 404, 405): the caller uploads as usual. Refusals
        that will not change for this registry (no mounts, a token service keeping one scope) stop further
        tries for the run.
        """
        if self.mounts_refused or self.one_scope_per_token:
            return None
        # One request carries one token, so both scopes go into one token request.
        scope = '%s %s' % (_push(repository), _pull(from_repository))
        try:
            response = self.request('POST', '/v2/%s/blobs/uploads/?mount=%s&from=%s' % (repository, quote(digest), quote(from_repository)),
                                    scope, expect=(201, 202), retry=True)
        except (AuthError, NotFoundError) as exc:
            if exc.status == 401:
                self._tokens.drop(scope)
                self.mounts_refused = True
                notice('registry %s refused a cross-repository mount (HTTP 401%s); blobs are uploaded instead'
                       % (self.host, ': its token service grants one scope per token' if self.one_scope_per_token else ''))
            return None
        except BrokenTransferError:
            raise
        except RegistryError as exc:
            if exc.status not in (400, 405):
                raise
            self.mounts_refused = True
            notice('registry %s does not mount blobs across repositories (HTTP %d); blobs are uploaded instead'
                   % (self.host, exc.status))
            return None
        if response.status_code == 201:
            return True
        return self.upload_location(response)

    def upload_blob(self, repository, digest, body, size=None, session_url=None):
        """Upload a blob (bytes, or an iterator of chunks of `size` bytes) in the protocol this registry speaks.

        True when this upload committed the blob, False when a concurrent writer's copy won the race.
        See blob_upload.py for the protocols and the fallbacks between them.
        """
        # Imported here: blob_upload builds on this client.
        from ansible_collections.imagefleet.registry.plugins.module_utils._registry.blob_upload import upload
        return upload(self, repository, digest, body, size, session_url)

    def upload_location(self, response):
        """The absolute upload URL of a 202 answer (Location may be relative to the request)."""
        location = response.headers.get('Location')
        if not location:
            raise self._fail('%s answered %d without a Location' % (_path(response.url), response.status_code),
                             status=response.status_code)
        return urljoin(response.url, location)

    # -- redirects to storage hosts -----------------------------------------

    def request_followed(self, method, path, scope, expect=(200,), headers=None, **kwargs):
        """A registry GET/HEAD whose redirects (to object storage, often on another host) are followed here.

        requests would follow them with the registry's proxy decision and TLS trust, and with
        cookies for the registry. Another host gets no Authorization and no cookies, its own proxy
        (HTTP(S)_PROXY / NO_PROXY for its host), default trust plus ca_path; https never becomes http.
        A HEAD the storage host refuses (403/405) becomes a ranged GET.
        """
        response = self.request(method, path, scope, expect=tuple(expect) + REDIRECTS, headers=headers,
                                allow_redirects=False, **kwargs)
        url = self._base + path
        hops = 0
        while response.status_code in REDIRECTS:
            hops += 1
            target = response.headers.get('Location')
            response.close()
            if not target or hops > _MAX_REDIRECTS:
                problem = 'more than %d redirects' % _MAX_REDIRECTS if target else 'a redirect without a Location'
                raise self._fail('%s %s: %s' % (method, _path(url), problem))
            target = urljoin(url, target)
            if urlsplit(url).scheme == 'https' and urlsplit(target).scheme != 'https':
                raise self._fail('%s %s redirects from https to %s; refusing to downgrade' % (method, _path(url), _origin(target)))
            if response.status_code == 303:
                method = 'GET'
            url = target
            if _origin(url) == self._base:
                response = self.request(method, url, scope, expect=tuple(expect) + REDIRECTS, headers=headers,
                                        allow_redirects=False, **kwargs)
            else:
                response = self._storage_request(method, url, expect, headers, **kwargs)
        return response

    def _storage_request(self, method, url, expect, headers, **kwargs):
        host = urlsplit(url).netloc
        what = '%s %s on storage host %s' % (method, _path(url), host)
        response = self._send(method, url, True, what, session=self._foreign_session(), headers=headers,
                              allow_redirects=False, **kwargs)
        if method == 'HEAD' and response.status_code in (403, 405):
            # Signed for GET only (GHCR's storage): one byte of a GET tells the size.
            response.close()
            ranged = dict(headers or {}, Range='bytes=0-0')
            response = self._send('GET', url, True, what + ' (ranged GET)', session=self._foreign_session(),
                                  headers=ranged, allow_redirects=False, stream=True)
            if response.status_code == 206:
                total = response.headers.get('Content-Range', '').rpartition('/')[2]
                response.close()
                if not total.isdigit():
                    raise self._fail('storage host %s answered a ranged GET without the blob size' % host)
                response.headers['Content-Length'] = total
                response.status_code = 200
            else:
                response.close()
        if response.status_code in expect or response.status_code in REDIRECTS:
            return response
        code, message = _error_details(response)
        response.close()
        raise RegistryError('registry %s: storage host %s (redirected to by the registry) refused %s %s: HTTP %d %s'
                            % (self.host, host, method, _path(url), response.status_code, message),
                            status=response.status_code, code=code, registry=self.host, storage_host=host)

    def _foreign_session(self):
        """A session for other hosts: no credentials, no registry cookies, its own pool."""
        with self._lock:
            if self._foreign is None:
                self._foreign = requests.Session()
                self._foreign.trust_env = False
                for scheme in ('https://', 'http://'):
                    self._foreign.mount(scheme, DeadlineAdapter())  # the per-request deadline there too
                self._foreign.headers['User-Agent'] = self.session.headers['User-Agent']
            return self._foreign

    def _verify_for(self, url):
        """TLS trust for url: the registry's own, or for another host default trust plus ca_path."""
        if urlsplit(url).netloc == self.host or not self._ca_path:
            return self._verify
        with self._lock_stats:
            if self._foreign_bundle is None:
                self._foreign_bundle = _joined_bundle(self._ca_path)
        return self._foreign_bundle

    # -- listing -------------------------------------------------------------

    def _paginate(self, path, scope, key):
        """Items of a listing, following Link pages: only their path and query, at most MAX_PAGES, never one twice."""
        url, seen = path, set()
        while url:
            if len(seen) >= MAX_PAGES:
                raise self._fail('%s: more than %d pages; stopped following its Link headers' % (_path(path), MAX_PAGES))
            seen.add(url)
            response = self.request('GET', url, scope)
            try:
                body = response.json()
            except ValueError:
                raise self._fail('%s answered something that is not JSON' % _path(url))
            items = body.get(key) if isinstance(body, dict) else None
            if items is None and isinstance(body, dict):
                items = []
            if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
                raise self._fail('%s answered JSON without a list of strings in "%s"' % (_path(url), key))
            yield from items
            link = response.links.get('next', {}).get('url')
            url = path_and_query(link) if link else None
            if url is not None and not url.startswith('/v2/'):
                raise self._fail('%s: its next page %s is outside /v2/' % (_path(path), printable(url, 200)))
            if url in seen:
                raise self._fail('%s: its Link headers loop back to %s' % (_path(path), printable(_path(url), 200)))

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
        if self._foreign is not None:
            self._foreign.close()
        if self._foreign_bundle:
            os.unlink(self._foreign_bundle)
            self._foreign_bundle = None


def _environment_ca_bundle():
    """The CA bundle requests would take from the environment for verify=True."""
    return os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE')


def _joined_bundle(ca_path):
    """A temporary PEM file: the default trust (REQUESTS_CA_BUNDLE, else certifi's) followed by ca_path.

    A private CA for the registry must not make the public CA of its storage host untrusted.
    """
    default = _environment_ca_bundle() or requests.certs.where()
    parts = []
    for path in (default, ca_path):
        with open(path, 'rb') as handle:
            parts.append(handle.read().strip() + b'\n')
    handle, path = tempfile.mkstemp(prefix='imagefleet-ca-', suffix='.pem')
    with os.fdopen(handle, 'wb') as out:
        out.write(b''.join(parts))
    return path


def _granted_access(token):
    """The `access` claim of a JWT bearer token as {(type, name): set(actions)}, or None when it is opaque."""
    try:
        payload = token.split('.')[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4)))
        return dict(((entry['type'], entry['name']), set(entry.get('actions') or [])) for entry in claims['access'])
    except (IndexError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _covers(granted, scope):
    """Whether granted access (from _granted_access) covers one scope `type:name:action,action`."""
    kind, _sep, rest = scope.partition(':')
    name, _sep, actions = rest.rpartition(':')
    have = granted.get((kind, name), set())
    return '*' in have or set(actions.split(',')) <= have


def _origin(url):
    parts = urlsplit(url)
    return '%s://%s' % (parts.scheme, parts.netloc)


def _buffer(response, limit, what):
    """Read a streamed body whole into response.content: at most limit bytes (ResponseTooLargeError past it).

    An error answer (status 300 and up), and any answer when what is None, is cut
    at MAX_ERROR_BYTES instead: only its message is wanted.
    """
    cut = what is None or response.status_code >= 300
    if cut:
        limit = min(limit, MAX_ERROR_BYTES)
    declared = _int_header(response, 'Content-Length')
    if not cut and declared is not None and declared > limit:
        response.close()
        raise ResponseTooLargeError('%s is %d bytes, over the %d-byte limit' % (what, declared, limit))
    body = bytearray()
    for chunk in response.iter_content(64 * 1024):
        body += chunk
        if len(body) > limit:
            response.raw.close()  # the rest is never read: this connection cannot be reused
            if not cut:
                response.close()
                raise ResponseTooLargeError('%s is over the %d-byte limit' % (what, limit))
            del body[limit:]
            break
    # requests serves .content, .text and .json() from here, as for a body it read itself.
    response._content = bytes(body)  # pylint: disable=protected-access
    response._content_consumed = True  # pylint: disable=protected-access
    response.close()
    return response


def _bodiless(kwargs):
    """Whether a request sends no body, so that its first try may stand in for the ping (RegistryClient._connect)."""
    return kwargs.get('data') is None and 'json' not in kwargs and 'files' not in kwargs


def _from_registry(response, streamed):
    """Whether an answer shows a registry behind it, as GET /v2/ would: a challenge, a success or redirect, an
    answer to try again later, or an error a registry gives (its API version header, or its JSON error code)."""
    status = response.status_code
    if status == 401 or status < 400 or status in RETRY_STATUSES:
        return True
    if response.headers.get('Docker-Distribution-API-Version'):
        return True
    return not streamed and _error_details(response)[0] is not None


def _int_header(response, name):
    """A header holding a non-negative integer, else None (junk from a registry is not a number)."""
    value = (response.headers.get(name) or '').strip()
    return int(value) if value.isdigit() and len(value) < 20 else None


def _digest_header(response):
    """Docker-Content-Digest when it is a well-formed digest, else None."""
    value = response.headers.get('Docker-Content-Digest')
    return value if is_digest(value) else None


def _path(url):
    """The path of a URL without its query, for messages (queries may carry upload state)."""
    return '/' + url.split('://', 1)[-1].split('/', 1)[-1].split('?', 1)[0]


def _short(exc):
    text = str(exc)
    return text if len(text) < 300 else text[:300] + '...'
