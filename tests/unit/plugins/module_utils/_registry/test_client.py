# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""RegistryClient against a scripted session: retries, renewal, TLS/plain-HTTP decisions, error mapping."""

from __future__ import annotations

import io
import json
import os
import threading

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from ansible_collections.imagefleet.registry.plugins.module_utils._registry import auth as registry_auth
from ansible_collections.imagefleet.registry.plugins.module_utils._registry import client as registry_client
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.credentials import Credentials
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import AuthError, NotFoundError, RegistryError
from ansible_collections.imagefleet.registry.plugins.module_utils._notices import take as take_notices
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.client import BrokenTransferError, RegistryClient

MANIFEST = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                       'config': {'mediaType': 'application/vnd.oci.image.config.v1+json', 'size': 2,
                                  'digest': 'sha256:' + 'a' * 64}, 'layers': []}).encode()


class BreakingRaw(io.BytesIO):
    """A body that loses its connection after the first read."""

    def read(self, *args):
        if self.tell():
            raise requests.exceptions.ChunkedEncodingError('connection broken')
        return super().read(5)


def response(status=200, body=b'', headers=None, raw=None):
    resp = requests.Response()
    resp.status_code = status
    resp.headers = CaseInsensitiveDict(headers or {})
    resp.raw = raw if raw is not None else io.BytesIO(body)
    resp.url = 'https://reg.example/'
    return resp


class FakeSession:
    """Answers each request from a script: a response, an exception to raise, or a callable."""

    def __init__(self, script):
        self.script = list(script)
        self.calls = []
        self.headers = {}

    def request(self, method, url, **kwargs):
        self.calls.append((method, url, kwargs))
        if not self.script:
            raise AssertionError('unexpected request %s %s' % (method, url))
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step(method, url, kwargs) if callable(step) else step

    def get(self, url, **kwargs):
        return self.request('GET', url, **kwargs)

    def close(self):
        pass


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    slept = []
    monkeypatch.setattr(registry_client.time, 'sleep', slept.append)
    return slept


def client(script, host='reg.example', pinged=True, **kwargs):
    kwargs.setdefault('retries', 3)
    new = RegistryClient(host, **kwargs)
    new.session = FakeSession(script)
    if pinged:
        new._base = 'https://' + host
    return new


def test_503_then_success_is_retried():
    c = client([response(503), response(200, MANIFEST)])
    assert c.request('GET', '/v2/a/manifests/1', 'scope').status_code == 200
    assert len(c.session.calls) == 2


def test_retry_after_is_honoured(no_sleep):
    c = client([response(429, headers={'Retry-After': '2'}), response(200)])
    c.request('HEAD', '/v2/a/blobs/x', 'scope')
    assert no_sleep == [2.0]


def test_connection_errors_are_retried_then_reported():
    c = client([requests.exceptions.ConnectTimeout('t')] * 4, timeout=7)
    with pytest.raises(BrokenTransferError, match=r'no answer within 7 seconds \(tried 4 times\)'):
        c.request('GET', '/v2/a/manifests/1', 'scope')
    assert len(c.session.calls) == 4


def test_a_streamed_upload_is_not_resent_but_marked_restartable():
    c = client([response(503)])
    with pytest.raises(BrokenTransferError):
        c.request('PUT', '/v2/a/blobs/uploads/u?digest=d', 'scope', expect=(201,), data=iter([b'x']), retry=False)
    assert len(c.session.calls) == 1


def test_client_errors_are_not_retried():
    c = client([response(404, json.dumps({'errors': [{'code': 'MANIFEST_UNKNOWN', 'message': 'unknown'}]}).encode(),
                         {'Content-Type': 'application/json'})])
    with pytest.raises(NotFoundError, match='MANIFEST_UNKNOWN|unknown'):
        c.request('GET', '/v2/a/manifests/1', 'scope')
    assert len(c.session.calls) == 1


def test_a_manifest_body_breaking_off_is_fetched_again():
    headers = {'Content-Type': 'application/vnd.oci.image.manifest.v1+json'}
    c = client([response(200, headers=headers, raw=BreakingRaw(MANIFEST)), response(200, MANIFEST, headers)])
    manifest = c.get_manifest('a', '1')
    assert manifest.format == 'oci'
    assert len(c.session.calls) == 2


def test_html_instead_of_a_manifest_is_a_clear_error():
    from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ManifestError
    c = client([response(200, b'<html>login</html>', {'Content-Type': 'text/html'})])
    with pytest.raises(ManifestError, match='reg.example/a@1: manifest is not JSON'):
        c.get_manifest('a', '1')


def test_expired_token_is_renewed_once():
    challenge = 'Bearer realm="https://auth.example/token",service="svc"'
    tokens = iter(['t1', 't2'])

    def token(method, url, kwargs):
        assert url == 'https://auth.example/token'
        return response(200, json.dumps({'token': next(tokens), 'expires_in': 300}).encode())

    c = client([token, response(401, headers={'WWW-Authenticate': challenge + ',error="invalid_token"'}), token,
                response(200)])
    c._challenge = registry_client.parse_challenge(challenge)
    c.request('GET', '/v2/a/tags/list', 'repository:a:pull')
    sent = [kwargs['headers'].get('Authorization') for method, url, kwargs in c.session.calls if 'auth.example' not in url]
    assert sent == ['Bearer t1', 'Bearer t2']


def test_insufficient_scope_names_it():
    challenge = 'Bearer realm="https://auth.example/token",service="svc",scope="repository:a:pull,push",error="insufficient_scope"'
    c = client([response(200, b'{"token": "t"}'), response(401, headers={'WWW-Authenticate': challenge})],
               credentials=Credentials('reader', 'pw'))
    c._challenge = registry_client.parse_challenge(challenge)
    with pytest.raises(AuthError, match='lack the scope repository:a:pull,push'):
        c.request('POST', '/v2/a/blobs/uploads/', 'repository:a:pull,push', expect=(202,))


def test_refused_basic_credentials_name_the_user_not_the_password():
    c = client([response(401, headers={'WWW-Authenticate': 'Basic realm="r"'})], credentials=Credentials('admin', 'pw-secret'))
    c._challenge = registry_client.parse_challenge('Basic realm="r"')
    with pytest.raises(AuthError) as err:
        c.request('GET', '/v2/a/manifests/1', 'scope')
    assert "user 'admin'" in err.value.message and 'pw-secret' not in err.value.message


def test_token_service_refusal():
    c = client([response(401)], credentials=Credentials('u', 'secret-pw'))
    c._challenge = registry_client.parse_challenge('Bearer realm="https://auth.example/token"')
    with pytest.raises(AuthError, match="refused user 'u'") as err:
        c.request('GET', '/v2/a/manifests/1', 'repository:a:pull')
    assert 'secret-pw' not in str(err.value)


# -- scheme and TLS decisions (the client refuses before ever speaking plain HTTP) ----------

def test_plain_http_to_a_non_loopback_registry_is_refused():
    c = client([requests.exceptions.SSLError('[SSL] wrong version number')], host='registry.example.com', pinged=False)
    with pytest.raises(RegistryError, match='insecure_registries'):
        c.ping()
    assert [call[1] for call in c.session.calls] == ['https://registry.example.com/v2/']


def test_refused_connection_to_a_non_loopback_registry_never_tries_http():
    c = client([requests.exceptions.ConnectionError('refused')] * 4, host='registry.example.com', pinged=False)
    with pytest.raises(RegistryError, match='cannot connect'):
        c.ping()
    assert all(call[1].startswith('https://') for call in c.session.calls)


def test_listed_insecure_registry_falls_back_to_http():
    c = client([requests.exceptions.SSLError('wrong version number'), response(200)], host='registry.example.com',
               pinged=False, insecure=True)
    assert c.ping() == 'http://registry.example.com'


def test_loopback_falls_back_to_http():
    c = client([requests.exceptions.SSLError('wrong version number'), response(200)], host='127.0.0.1:5000', pinged=False)
    assert c.ping() == 'http://127.0.0.1:5000'


def test_untrusted_certificate_is_final_even_on_loopback():
    c = client([requests.exceptions.SSLError('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed')],
               host='127.0.0.1:5000', pinged=False)
    with pytest.raises(RegistryError, match='not trusted.*ca_path'):
        c.ping()
    assert len(c.session.calls) == 1


def test_ca_path_is_passed_per_request():
    c = client([response(200)], pinged=False, ca_path='/tmp/ca.pem')
    c.ping()
    assert c.session.calls[0][2]['verify'] == '/tmp/ca.pem'


# -- the first request stands in for GET /v2/ (one request less per module run) ----------------------------

def _urls(c):
    return [call[1] for call in c.session.calls]


def test_the_first_request_is_the_ping():
    c = client([response(200, MANIFEST), response(200, MANIFEST)], pinged=False)
    c.request('GET', '/v2/a/manifests/1', 'scope')
    c.request('GET', '/v2/a/manifests/2', 'scope')
    assert _urls(c) == ['https://reg.example/v2/a/manifests/1', 'https://reg.example/v2/a/manifests/2']


def test_a_registry_error_to_the_first_request_is_its_answer():
    unknown = json.dumps({'errors': [{'code': 'MANIFEST_UNKNOWN', 'message': 'unknown'}]}).encode()
    c = client([response(404, unknown, {'Content-Type': 'application/json'})], pinged=False)
    with pytest.raises(NotFoundError, match='MANIFEST_UNKNOWN|unknown'):
        c.request('GET', '/v2/a/manifests/1', 'scope')
    assert len(c.session.calls) == 1


def test_a_challenge_to_the_first_request_is_answered_and_it_is_sent_again():
    challenge = 'Bearer realm="https://auth.example/token",service="svc"'
    c = client([response(401, headers={'WWW-Authenticate': challenge}),
                response(200, b'{"token": "t1"}'), response(202, headers={'Location': '/v2/a/blobs/uploads/u'})],
               pinged=False, credentials=Credentials('u', 'pw'))
    c.request('POST', '/v2/a/blobs/uploads/', 'repository:a:pull,push', expect=(202,), retry=False)
    assert _urls(c) == ['https://reg.example/v2/a/blobs/uploads/', 'https://auth.example/token',
                        'https://reg.example/v2/a/blobs/uploads/']
    assert 'Authorization' not in c.session.calls[0][2]['headers']
    assert c.session.calls[2][2]['headers']['Authorization'] == 'Bearer t1'


def test_basic_credentials_wait_for_the_registry_to_ask():
    c = client([response(401, headers={'WWW-Authenticate': 'Basic realm="r"'}), response(200, MANIFEST)],
               pinged=False, credentials=Credentials('admin', 'pw-secret'))
    c.request('GET', '/v2/a/manifests/1', 'scope')
    assert [call[2].get('auth') is None for call in c.session.calls] == [True, False]


def test_a_web_server_instead_of_a_registry_is_diagnosed_with_get_v2():
    html = response(404, b'<html>no</html>', {'Content-Type': 'text/html'})
    c = client([html, response(404, b'<html>no</html>', {'Content-Type': 'text/html'})], pinged=False)
    with pytest.raises(RegistryError, match='GET /v2/ answered HTTP 404.*is this a registry'):
        c.request('GET', '/v2/a/manifests/1', 'scope')
    assert _urls(c) == ['https://reg.example/v2/a/manifests/1', 'https://reg.example/v2/']


def test_a_request_with_a_body_is_not_the_ping():
    c = client([response(200), response(201)], pinged=False)
    c.request('PUT', '/v2/a/manifests/1', 'scope', expect=(201,), data=b'{}')
    assert _urls(c) == ['https://reg.example/v2/', 'https://reg.example/v2/a/manifests/1']


def test_loopback_first_request_falls_back_to_http():
    c = client([requests.exceptions.SSLError('wrong version number'), response(200, MANIFEST)], host='127.0.0.1:5000',
               pinged=False)
    c.request('GET', '/v2/a/manifests/1', 'scope')
    assert _urls(c) == ['https://127.0.0.1:5000/v2/a/manifests/1', 'http://127.0.0.1:5000/v2/a/manifests/1']
    assert c._base == 'http://127.0.0.1:5000'


def test_plain_http_first_request_to_a_non_loopback_registry_is_refused():
    c = client([requests.exceptions.SSLError('[SSL] wrong version number')], host='registry.example.com', pinged=False)
    with pytest.raises(RegistryError, match='insecure_registries'):
        c.request('GET', '/v2/a/manifests/1', 'scope')
    assert _urls(c) == ['https://registry.example.com/v2/a/manifests/1']


def test_ping_retries_a_busy_registry(no_sleep):
    c = client([response(503, headers={'Retry-After': '4'}), response(200)], pinged=False)
    assert c.ping() == 'https://reg.example'
    assert len(c.session.calls) == 2
    assert no_sleep == [4.0]


def test_ping_names_its_tries_and_ends_with_the_last_answer():
    c = client([requests.exceptions.ConnectionError('refused')] * 4, host='registry.example.com', pinged=False)
    with pytest.raises(RegistryError, match=r'cannot connect \(tried 4 times\): refused'):
        c.ping()
    c = client([response(503)] * 4, pinged=False)
    with pytest.raises(RegistryError, match='GET /v2/ answered HTTP 503'):
        c.ping()
    assert len(c.session.calls) == 4


def test_a_certificate_error_mid_run_is_not_tried_again():
    c = client([requests.exceptions.SSLError('certificate has expired')])
    with pytest.raises(BrokenTransferError, match=r'GET /v2/a/manifests/1 failed: certificate has expired'):
        c.request('GET', '/v2/a/manifests/1', 'scope')
    assert len(c.session.calls) == 1


def test_losing_an_upload_race_to_an_identical_blob_is_fine():
    invalid = json.dumps({'errors': [{'code': 'DIGEST_INVALID', 'message': 'digest invalid'}]}).encode()
    c = client([response(202, headers={'Location': '/v2/a/blobs/uploads/u1?_state=s'}), response(400, invalid),
                response(200, headers={'Content-Length': '3'})])
    assert c.upload_blob('a', 'sha256:' + 'b' * 64, b'abc') is False
    assert [call[0] for call in c.session.calls] == ['POST', 'PUT', 'HEAD']


def test_a_refused_upload_without_the_blob_is_an_error():
    invalid = json.dumps({'errors': [{'code': 'DIGEST_INVALID', 'message': 'digest invalid'}]}).encode()
    c = client([response(202, headers={'Location': '/v2/a/blobs/uploads/u1'}), response(400, invalid), response(404)])
    with pytest.raises(RegistryError, match='DIGEST_INVALID|digest invalid'):
        c.upload_blob('a', 'sha256:' + 'b' * 64, b'abc')


def test_proxy_and_ca_variables_are_read_once_per_host_and_still_honoured(monkeypatch, tmp_path):
    bundle = tmp_path / 'bundle.pem'
    bundle.write_text('')
    monkeypatch.setenv('HTTPS_PROXY', 'http://proxy.example.com:3128')
    monkeypatch.setenv('NO_PROXY', 'direct.example.com')
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', str(bundle))
    client = RegistryClient('reg.example.com')
    assert client.session.trust_env is False
    assert client._proxies_for('https://reg.example.com/v2/')['https'] == 'http://proxy.example.com:3128'
    assert client._proxies_for('https://direct.example.com/token') == {}
    assert client._verify == str(bundle)
    assert RegistryClient('reg.example.com', ca_path='/etc/my-ca.pem')._verify == '/etc/my-ca.pem'
    monkeypatch.setenv('HTTPS_PROXY', 'http://changed.example.com:1')
    # Looked up once per host: a later change of the environment is not read again for that host.
    assert client._proxies_for('https://reg.example.com/v2/manifests/x')['https'] == 'http://proxy.example.com:3128'


def test_a_blob_redirect_is_followed_without_credentials_and_a_refused_head_becomes_a_ranged_get():
    c = client([response(307, headers={'Location': 'https://storage.example/b?sig=1'})],
               credentials=Credentials('u', 'p'))
    c._challenge = registry_auth.parse_challenge('Basic realm="r"')
    storage = FakeSession([response(403), response(206, headers={'Content-Range': 'bytes 0-0/1234'})])
    c._foreign = storage
    assert c.blob_size('a', 'sha256:' + 'c' * 64) == 1234
    assert c.session.calls[0][2]['auth'] is not None
    for _method, url, kwargs in storage.calls:
        assert url == 'https://storage.example/b?sig=1' and 'auth' not in kwargs
        assert 'Authorization' not in (kwargs.get('headers') or {})
    assert [call[0] for call in storage.calls] == ['HEAD', 'GET']
    assert storage.calls[1][2]['headers']['Range'] == 'bytes=0-0'


def test_a_redirect_from_https_to_http_is_refused_and_storage_errors_name_the_host():
    c = client([response(302, headers={'Location': 'http://storage.example/b'})])
    with pytest.raises(RegistryError, match='refusing to downgrade'):
        c.open_blob('a', 'sha256:' + 'c' * 64)
    c = client([response(307, headers={'Location': 'https://storage.example/b'})])
    c._foreign = FakeSession([response(403)])
    with pytest.raises(RegistryError, match='storage host storage.example .*refused GET'):
        c.open_blob('a', 'sha256:' + 'c' * 64)


def test_storage_hosts_trust_the_default_bundle_plus_ca_path(monkeypatch, tmp_path):
    default, private = tmp_path / 'default.pem', tmp_path / 'private.pem'
    default.write_text('DEFAULT\n')
    private.write_text('PRIVATE\n')
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', str(default))
    c = RegistryClient('reg.example', ca_path=str(private))
    assert c._verify_for('https://reg.example/v2/') == str(private)
    bundle = c._verify_for('https://storage.example/b')
    with open(bundle) as handle:
        assert handle.read() == 'DEFAULT\nPRIVATE\n'
    c.close()
    assert not os.path.exists(bundle)


def test_a_retry_after_beyond_max_retry_wait_fails_naming_the_registry_and_the_wait(no_sleep):
    c = client([response(429, headers={'Retry-After': '3600'})], max_retry_wait=60)
    with pytest.raises(RegistryError, match=r'registry reg.example: GET /v2/a/manifests/1: the registry asks to wait 3600 seconds'):
        c.request('GET', '/v2/a/manifests/1', 'scope')
    assert no_sleep == []
    take_notices()
    c = client([response(503, headers={'Retry-After': '45'}), response(200)], max_retry_wait=60)
    c.request('GET', '/v2/a/manifests/1', 'scope')
    assert no_sleep == [45.0]
    assert any('asked to wait 45 seconds' in text for text in take_notices())


# -- a hostile registry: credentials stay home, TLS is never left, answers are bounded ----------

def _sent_credentials(call):
    method, url, kwargs = call
    del method
    return url, bool((kwargs.get('headers') or {}).get('Authorization') or kwargs.get('auth'))


@pytest.mark.parametrize('location', ['https://storage.example/upload/1', 'https://reg.example:8443/v2/a/blobs/uploads/1',
                                      '//other.example/v2/a/blobs/uploads/1'])
def test_an_upload_location_elsewhere_gets_no_credentials(location):
    c = client([response(202, headers={'Location': location}), response(201)], credentials=Credentials('u', 'pw'))
    c._challenge = registry_client.parse_challenge('Basic realm="r"')
    assert c.upload_blob('a', 'sha256:' + 'b' * 64, b'abc') is True
    assert [_sent_credentials(call)[1] for call in c.session.calls] == [True, False]


def test_a_bearer_token_goes_to_the_registry_only():
    c = client([response(202, headers={'Location': 'https://other.example/up/1'}), response(201)])
    c._challenge = registry_client.parse_challenge('Bearer realm="https://auth.example/token"')
    c._tokens.put('repository:a:pull,push', 'tok', 300)
    c.upload_blob('a', 'sha256:' + 'b' * 64, b'abc')
    assert [_sent_credentials(call)[1] for call in c.session.calls] == [True, False]


@pytest.mark.parametrize('location', ['http://reg.example/v2/a/blobs/uploads/1', 'http://other.example/up/1'])
def test_a_tls_registry_never_sends_to_plain_http(location):
    c = client([response(202, headers={'Location': location})], credentials=Credentials('u', 'pw'))
    with pytest.raises(RegistryError, match='plain HTTP'):
        c.upload_blob('a', 'sha256:' + 'b' * 64, b'abc')
    assert len(c.session.calls) == 1


def test_an_upload_answer_without_location_is_a_typed_error():
    c = client([response(202)])
    with pytest.raises(RegistryError, match='registry reg.example: .* answered 202 without a Location'):
        c.upload_blob('a', 'sha256:' + 'b' * 64, b'abc')


def test_a_plain_http_realm_of_a_tls_registry_is_refused():
    c = client([], credentials=Credentials('u', 'pw'))
    c._challenge = registry_client.parse_challenge('Bearer realm="http://auth.example/token"')
    with pytest.raises(RegistryError, match='plain HTTP'):
        c.request('GET', '/v2/a/manifests/1', 'repository:a:pull')
    assert c.session.calls == []


def test_credentials_go_to_a_plain_http_realm_only_on_loopback_or_the_insecure_registry_itself():
    c = client([], host='reg.example:5000', insecure=True, credentials=Credentials('u', 'pw'))
    c._base = 'http://reg.example:5000'
    c._challenge = registry_client.parse_challenge('Bearer realm="http://auth.example/token"')
    with pytest.raises(AuthError, match='over https only'):
        c.request('GET', '/v2/a/manifests/1', 'repository:a:pull')
    assert c._realm_may_have_credentials('http://reg.example:5001/token')
    assert c._realm_may_have_credentials('http://127.0.0.1:9/token') and c._realm_may_have_credentials('https://a.example/t')


def _tags(tags, link=None):
    return response(200, json.dumps({'tags': tags}).encode(), {'Link': '<%s>; rel="next"' % link} if link else {})


def test_link_pages_keep_only_path_and_query():
    c = client([_tags(['1'], 'http://evil.example:81/v2/a/tags/list?n=1&last=1'), _tags(['2'])])
    assert c.tags('a') == ['1', '2']
    assert c.session.calls[1][1] == 'https://reg.example/v2/a/tags/list?n=1&last=1'


def test_link_loops_and_endless_pages_stop(monkeypatch):
    c = client([_tags(['1'], '/v2/a/tags/list?last=1'), _tags(['2'], '/v2/a/tags/list?last=1')])
    with pytest.raises(RegistryError, match='loop back'):
        c.tags('a')
    monkeypatch.setattr(registry_client, 'MAX_PAGES', 3)
    c = client([_tags([str(i)], '/v2/a/tags/list?last=%d' % i) for i in range(5)])
    with pytest.raises(RegistryError, match='more than 3 pages'):
        c.tags('a')
    c = client([_tags(['1'], '/other/place')])
    with pytest.raises(RegistryError, match='outside /v2/'):
        c.tags('a')


@pytest.mark.parametrize('body', [b'{"tags": "x"}', b'{"tags": [1]}', b'["x"]', b'{"tags": [null]}'])
def test_listings_of_the_wrong_json_type_are_typed_errors(body):
    c = client([response(200, body)])
    with pytest.raises(RegistryError, match='reg.example: .*list of strings'):
        c.tags('a')


def test_oversize_answers_stop_at_their_cap(monkeypatch):
    monkeypatch.setattr(registry_client, 'MAX_JSON_BYTES', 1000)
    c = client([response(200, b'{"tags": [' + b'"a",' * 10000)])
    with pytest.raises(registry_client.ResponseTooLargeError, match='over the 1000-byte limit'):
        c.request('GET', '/v2/a/tags/list', 'scope', limit=registry_client.MAX_JSON_BYTES)
    c = client([response(200, b'{}', {'Content-Length': str(10 ** 9)})])
    with pytest.raises(registry_client.ResponseTooLargeError, match='1000000000 bytes'):
        c.request('GET', '/v2/a/tags/list', 'scope', limit=1000)


def test_token_answers_are_capped_and_must_be_strings():
    challenge = 'Bearer realm="https://auth.example/token"'
    c = client([response(200, b'{"token": "' + b't' * (2 * 1024 * 1024) + b'"}')])
    c._challenge = registry_client.parse_challenge(challenge)
    with pytest.raises(AuthError, match='token service /token: the answer is over the 1048576-byte limit'):
        c.request('GET', '/v2/a/manifests/1', 'repository:a:pull')
    for body in (b'{"token": 12}', b'{"token": "a\\nb"}'):
        c = client([response(200, body)])
        c._challenge = registry_client.parse_challenge(challenge)
        with pytest.raises(RegistryError, match='not a printable string'):
            c.request('GET', '/v2/a/manifests/1', 'repository:a:pull')


def test_error_bodies_are_read_only_so_far_and_escaped():
    body = json.dumps({'errors': [{'code': 'DENIED\x1b[2J', 'message': 'no\n' + 'x' * 10 ** 6}]}).encode()
    c = client([response(403, body)])
    with pytest.raises(AuthError) as err:
        c.request('GET', '/v2/a/manifests/1', 'scope')
    assert len(err.value.message) < 1000 and '\x1b' not in err.value.message and '\n' not in err.value.message


def test_blob_bodies_stop_past_their_size():
    resp = response(200, b'x' * 5000)
    chunks = RegistryClient.iter_body(resp, 'blob d', size=1000)
    with pytest.raises(registry_client.DigestMismatchError, match='longer than its 1000 bytes'):
        list(chunks)
    resp = response(200, b'x' * 10, {'Content-Length': '10'})
    with pytest.raises(registry_client.DigestMismatchError, match='announced as 10 bytes'):
        list(RegistryClient.iter_body(resp, 'blob d', size=5))
    assert b''.join(RegistryClient.iter_body(response(200, b'abc', {'Content-Length': '3'}), 'blob d')) == b'abc'


def test_digest_and_size_headers_from_a_registry_are_checked():
    c = client([response(200, headers={'Docker-Content-Digest': 'sha256:../../x', 'Content-Length': 'junk',
                                       'Content-Type': 'text/plain\x1b'})])
    assert c.head_manifest('a', '1') == {'digest': None, 'media_type': 'text/plain\\x1b', 'size': None}


def _counting(seen, lock, answer):
    """A scripted step that stays in flight a moment, counting how many are in flight at once."""
    def step(method, url, kwargs):
        with lock:
            seen['now'] += 1
            seen['most'] = max(seen['most'], seen['now'])
        threading.Event().wait(0.05)  # time.sleep is patched away (no_sleep)
        with lock:
            seen['now'] -= 1
        return answer()
    return step


def test_max_connections_bounds_the_requests_in_flight_to_one_registry():
    seen, lock = {'now': 0, 'most': 0}, threading.Lock()
    c = client([_counting(seen, lock, lambda: response(200, MANIFEST))] * 8, max_connections=2)
    threads = [threading.Thread(target=c.request, args=('GET', '/v2/a/manifests/%d' % n, 'scope')) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(c.session.calls) == 8 and seen['most'] == 2
    # The pool keeps the slots' connections and those of blob bodies being read.
    assert RegistryClient('reg.example', max_connections=3).session.get_adapter('https://reg.example/')._pool_maxsize == 6


def test_a_blob_body_being_read_holds_no_slot_so_a_copy_inside_one_registry_cannot_wait_for_itself():
    c = client([response(200, b'abc', {'Content-Length': '3'}),
                response(202, headers={'Location': '/v2/b/blobs/uploads/u1'}), response(201)], max_connections=1)
    blob = c.open_blob('a', 'sha256:' + 'b' * 64)
    done = []
    copy = threading.Thread(target=lambda: done.append(c.upload_blob('b', 'sha256:' + 'b' * 64,
                                                                     c.iter_body(blob, 'blob'), size=3)))
    copy.start()
    copy.join(10)
    assert done == [True]
    assert [call[0] for call in c.session.calls] == ['GET', 'POST', 'PUT']
