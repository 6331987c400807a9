"""JWK import, export and thumbprints (RFC 7517, RFC 8037 §2, RFC 7638)."""

from __future__ import annotations

from typing import Any

import pytest

from gatehouse.errors import InvalidKeyError
from gatehouse.jose import JWK

# RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint.
RFC7638_KEY = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc"
    "_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
    "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI"
    "4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_rfc7638_thumbprint() -> None:
    """The RFC 7638 §3.1 example key has the thumbprint the RFC states."""
    assert JWK.from_dict(RFC7638_KEY).thumbprint() == RFC7638_THUMBPRINT


def test_thumbprint_ignores_optional_members() -> None:
    """kid, alg and use do not change the thumbprint (RFC 7638 §3.2)."""
    bare = {k: RFC7638_KEY[k] for k in ("kty", "n", "e")}
    assert JWK.from_dict(bare).thumbprint() == RFC7638_THUMBPRINT


def test_thumbprint_of_private_and_public_halves_agree() -> None:
    """A private key and its public half share one thumbprint (and a generated kid)."""
    key = JWK.generate("ES256")
    assert key.kid == key.thumbprint() == key.public().thumbprint()


def test_rfc7520_keys_import(rfc7520_keys: dict[str, dict[str, Any]]) -> None:
    """The RFC 7520 §3.1-3.5 example keys import (private ones only when allowed)."""
    assert JWK.from_dict(rfc7520_keys["3_1.ec_public_key"]).crv == "P-521"
    assert JWK.from_dict(rfc7520_keys["3_2.ec_private_key"], private_allowed=True).is_private
    assert JWK.from_dict(rfc7520_keys["3_3.rsa_public_key"]).kty == "RSA"
    assert JWK.from_dict(rfc7520_keys["3_4.rsa_private_key"], private_allowed=True).is_private
    mac = JWK.from_dict(rfc7520_keys["3_5.symmetric_key_mac_computation"], private_allowed=True)
    assert mac.alg == "HS256"


@pytest.mark.parametrize(
    "stem", ["3_2.ec_private_key", "3_4.rsa_private_key", "3_5.symmetric_key_mac_computation"]
)
def test_private_members_refused_by_default(
    rfc7520_keys: dict[str, dict[str, Any]], stem: str
) -> None:
    """A key with private members is refused unless private keys were asked for."""
    with pytest.raises(InvalidKeyError):
        JWK.from_dict(rfc7520_keys[stem])


def test_private_export_round_trips(rfc7520_keys: dict[str, dict[str, Any]]) -> None:
    """to_dict(private=True) of an imported key re-imports to the same key."""
    for stem in ("3_2.ec_private_key", "3_4.rsa_private_key"):
        key = JWK.from_dict(rfc7520_keys[stem], private_allowed=True)
        again = JWK.from_dict(key.to_dict(private=True), private_allowed=True)
        assert again.thumbprint() == key.thumbprint()
        assert again.to_dict(private=True) == key.to_dict(private=True)
        assert "d" not in key.to_dict()


def test_rsa_private_without_crt_members_is_completed(
    rfc7520_keys: dict[str, dict[str, Any]],
) -> None:
    """An RSA private JWK with only n, e, d recovers p, q and the CRT values."""
    full = rfc7520_keys["3_4.rsa_private_key"]
    minimal = {k: full[k] for k in ("kty", "n", "e", "d")}
    key = JWK.from_dict(minimal, private_allowed=True)
    exported = key.to_dict(private=True)
    assert {exported["p"], exported["q"]} == {full["p"], full["q"]}


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "ES384", "ES512", "RS256"])
def test_pem_round_trip(alg: str) -> None:
    """to_pem/from_pem keep the key: private PKCS#8 and public SPKI."""
    key = JWK.generate(alg)
    assert JWK.from_pem(key.to_pem(), alg=alg).thumbprint() == key.thumbprint()
    public = JWK.from_pem(key.public().to_pem(), alg=alg)
    assert not public.is_private
    assert public.thumbprint() == key.thumbprint()


def test_encrypted_pem_round_trip() -> None:
    """A password-protected PEM needs its password back."""
    key = JWK.generate("ES256")
    pem = key.to_pem(password=b"correct horse")
    assert JWK.from_pem(pem, alg="ES256", password=b"correct horse").kid == key.kid
    with pytest.raises(InvalidKeyError):
        JWK.from_pem(pem, alg="ES256", password=b"wrong")


def test_garbage_pem_refused() -> None:
    """PEM that is not a key raises InvalidKeyError."""
    with pytest.raises(InvalidKeyError):
        JWK.from_pem(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", alg="ES256")


def test_symmetric_has_no_public_half_or_pem() -> None:
    """An oct key has no public half and no PEM form; its public export omits k."""
    key = JWK.generate("HS256")
    assert "k" not in key.to_dict()
    with pytest.raises(InvalidKeyError):
        key.public()
    with pytest.raises(InvalidKeyError):
        key.to_pem()


def test_repr_has_no_key_material() -> None:
    """repr() of a private key shows no key member."""
    key = JWK.generate("ES256")
    text = repr(key)
    for value in key.to_dict(private=True).values():
        if isinstance(value, str) and len(value) > 20 and value != key.kid:
            assert value not in text
