# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A small token issuer for distribution's `auth: token` (the Docker token protocol), on 127.0.0.1.

`GET /token?service=S&scope=repository:NAME:pull,push[&scope=...]` with optional
Basic credentials answers `{"token": JWT, "expires_in": N}`. Grants are the
intersection of what is asked and what the account may do (config `users`,
`anonymous`), so a reader asking for push gets a token without it and the
registry answers `insufficient_scope`. Wrong credentials get 401. With
`last_scope_only`, only the last `scope=` is honoured, as older GitLab, Harbor,
Portus and docker_auth do.

Every issued token is appended to `token_log` so that tests can grep output for them.
"""

from __future__ import annotations

import base64
import datetime
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .jws import b64url, es256, libtrust_key_id
from .loopback import serve_bounded

# distribution accepts a token up to this long after its exp (clock-skew leeway, token.go).
REGISTRY_LEEWAY = 60


def write_key_and_cert(directory: Path) -> dict:
    """An ES256 signing key and a self-signed certificate of it (the registry's rootcertbundle)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imagefleet lab token issuer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    paths = {"key": directory / "issuer-key.pem", "cert": directory / "issuer-cert.pem"}
    paths["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    paths["key"].chmod(0o600)
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return {name: str(path) for name, path in paths.items()}


class Issuer:
    def __init__(self, config: dict):
        self.config = config
        self.key = serialization.load_pem_private_key(Path(config["key"]).read_bytes(), password=None)
        self.kid = libtrust_key_id(self.key.public_key())
        self.lock = threading.Lock()
        self.issued = 0

    def account(self, authorization: str | None):
        """(name, allowed actions) for the Authorization header; None when credentials are wrong."""
        if not authorization:
            return "", self.config.get("anonymous", [])
        scheme, _sep, value = authorization.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _sep, password = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return None
        entry = self.config.get("users", {}).get(user)
        if not entry or entry["password"] != password:
            return None
        return user, entry["actions"]

    def token(self, subject: str, allowed: list, scopes: list) -> dict:
        access = []
        for scope in scopes:
            kind, _sep, rest = scope.partition(":")
            name, _sep, actions = rest.rpartition(":")
            if kind == "registry" and subject:
                access.append({"type": kind, "name": name, "actions": ["*"]})
            elif kind == "repository":
                granted = [a for a in actions.split(",") if a in allowed]
                access.append({"type": kind, "name": name, "actions": granted})
        now = int(time.time())
        lifetime = int(self.config.get("lifetime", 300))
        claims = {"iss": self.config["issuer"], "sub": subject, "aud": self.config["service"],
                  # exp counts the registry's leeway in, so a short lifetime really is short.
                  "exp": now + lifetime - REGISTRY_LEEWAY, "nbf": now - 10, "iat": now - 10,
                  "jti": uuid.uuid4().hex, "access": access}
        header = {"typ": "JWT", "alg": "ES256", "kid": self.kid}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        token = signing_input + "." + es256(self.key, signing_input.encode())
        with self.lock:
            self.issued += 1
            if self.config.get("token_log"):
                with open(self.config["token_log"], "a", encoding="utf-8") as log:
                    log.write(token + "\n")
        # advertised may exceed the real lifetime: how tests make a token expire under a client's cache.
        return {"token": token, "access_token": token, "expires_in": int(self.config.get("advertised", lifetime)),
                "issued_at": datetime.datetime.now(datetime.timezone.utc).isoformat()}


class Handler(BaseHTTPRequestHandler):
    issuer: Issuer

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        del format, args

    def _answer(self, status: int, body: dict, extra: dict | None = None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # pylint: disable=invalid-name
        url = urlsplit(self.path)
        if url.path == "/stats":
            self._answer(200, {"issued": self.issuer.issued})
            return
        if url.path != "/token":
            self._answer(404, {"errors": [{"code": "NOT_FOUND", "message": url.path}]})
            return
        query = parse_qs(url.query)
        account = self.issuer.account(self.headers.get("Authorization"))
        if account is None:
            self._answer(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]},
                         {"WWW-Authenticate": 'Basic realm="imagefleet lab issuer"'})
            return
        if query.get("service", [self.issuer.config["service"]])[0] != self.issuer.config["service"]:
            self._answer(400, {"errors": [{"code": "UNSUPPORTED", "message": "unknown service"}]})
            return
        scopes = query.get("scope", [])
        if self.issuer.config.get("last_scope_only"):
            scopes = scopes[-1:]
        self._answer(200, self.issuer.token(account[0], account[1], scopes))


def serve(config_path: str, port: int, lifetime: float = 3600) -> None:
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    handler = type("BoundIssuerHandler", (Handler,), {"issuer": Issuer(config)})
    serve_bounded(handler, port, lifetime)
