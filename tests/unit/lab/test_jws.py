# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The lab's schema 1 signer: the payload comes back out byte for byte and the signature verifies."""

from __future__ import annotations

import json
import pathlib
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "lab"))

from imagefleet_lab import images, jws  # noqa: E402  pylint: disable=wrong-import-position


def _payload():
    steps = [images.Step("#(nop) ADD file:x in / ", images.make_layer("t/0", 2048)), images.Step("#(nop) ENV A=1")]
    return images.schema1_payload("lab/t", "1", steps, {"Env": ["A=1"]}, seed="t")[0]


def test_round_trip_and_digest():
    payload = _payload()
    signed = jws.sign_payload(payload)
    assert jws.extract_payload(signed) == payload
    assert json.loads(signed)["signatures"]
    assert jws.payload_digest(jws.extract_payload(signed)) == images.sha256_digest(payload)


def test_signature_verifies_with_header_key():
    payload = _payload()
    signature = json.loads(jws.sign_payload(payload))["signatures"][0]
    jwk = signature["header"]["jwk"]
    public = ec.EllipticCurvePublicNumbers(int.from_bytes(jws.b64url_decode(jwk["x"]), "big"),
                                           int.from_bytes(jws.b64url_decode(jwk["y"]), "big"),
                                           ec.SECP256R1()).public_key()
    assert jwk["kid"] == jws.libtrust_key_id(public)
    raw = jws.b64url_decode(signature["signature"])
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    signing_input = (signature["protected"] + "." + jws.b64url(payload)).encode()
    public.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))


def test_format_tail_is_the_closing_brace():
    payload = _payload()
    header = json.loads(jws.b64url_decode(json.loads(jws.sign_payload(payload))["signatures"][0]["protected"]))
    assert jws.b64url_decode(header["formatTail"]) == b"\n}"
    assert header["formatLength"] == len(payload) - 2


def test_empty_layer_bytes():
    assert images.sha256_digest(images.EMPTY_LAYER) == images.EMPTY_LAYER_DIGEST
