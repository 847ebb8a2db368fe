# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""libtrust-style JWS signing of schema 1 manifests (distribution 2.8 refuses unsigned ones)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def libtrust_key_id(public_key) -> str:
    """Key id as libtrust computes it; also what a token issuer's `kid` must be."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    encoded = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode("ascii").rstrip("=")
    return ":".join(encoded[i:i + 4] for i in range(0, 48, 4))


def _jwk(public_key) -> dict:
    numbers = public_key.public_numbers()
    return {
        "crv": "P-256",
        "kid": libtrust_key_id(public_key),
        "kty": "EC",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }


def es256(private_key, signing_input: bytes) -> str:
    """ES256 signature as JOSE wants it: r||s, 32 bytes each, not DER."""
    r, s = decode_dss_signature(private_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def format_length(payload: bytes) -> int:
    """Offset just after the last non-space byte before the final `}`."""
    close = len(payload.rstrip()) - 1
    if close < 0 or payload[close:close + 1] != b"}":
        raise ValueError("payload must be a JSON object")
    return len(payload[:close].rstrip())


def sign_payload(payload: bytes, private_key=None, now: datetime.datetime | None = None) -> bytes:
    """Return the pretty-signed manifest for `payload` (JSON text of an unsigned schema 1 manifest)."""
    private_key = private_key or ec.generate_private_key(ec.SECP256R1())
    now = now or datetime.datetime.now(datetime.timezone.utc)
    length = format_length(payload)
    tail = payload[length:]
    protected = b64url(json.dumps(
        {"formatLength": length, "formatTail": b64url(tail), "time": now.strftime("%Y-%m-%dT%H:%M:%SZ")},
        separators=(",", ":")).encode())
    signature = {
        "header": {"jwk": _jwk(private_key.public_key()), "alg": "ES256"},
        "signature": es256(private_key, (protected + "." + b64url(payload)).encode("ascii")),
        "protected": protected,
    }
    block = json.dumps([signature], indent=3).replace("\n", "\n   ")
    return payload[:length] + b',\n   "signatures": ' + block.encode() + tail


def extract_payload(signed: bytes) -> bytes:
    """Signed bytes -> the payload the digest is computed over (what a registry stores)."""
    lengths = set()
    tails = set()
    for sig in json.loads(signed)["signatures"]:
        header = json.loads(b64url_decode(sig["protected"]))
        lengths.add(header["formatLength"])
        tails.add(header["formatTail"])
    if len(lengths) != 1 or len(tails) != 1:
        raise ValueError("signatures disagree on the payload")
    length = lengths.pop()
    return signed[:length] + b64url_decode(tails.pop())


def payload_digest(payload: bytes) -> str:
    return "sha256:" + hashlib.sha256(payload).hexdigest()
