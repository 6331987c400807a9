"""Verification key sets (RFC 7517 §5): public only, one trust model, unambiguous kids."""

from __future__ import annotations

from typing import Any

import pytest

from gatehouse import JWKS
from gatehouse.errors import InvalidJWKSError
from gatehouse.jose import JWK


@pytest.mark.parametrize("stem", ["3_2.ec_private_key", "3_4.rsa_private_key"])
def test_public_set_refuses_private_members(
    rfc7520_keys: dict[str, dict[str, Any]], stem: str
) -> None:
    """A verification key set holding a private key is refused as a whole."""
    with pytest.raises(InvalidJWKSError):
        JWKS.from_dict({"keys": [rfc7520_keys[stem]]})


def test_duplicate_kid_refused(ec_public: dict[str, Any]) -> None:
    """Two keys with one kid make a key set ambiguous: refused."""
    other = JWK.generate("ES256", kid=ec_public["kid"]).public().to_dict()
    with pytest.raises(InvalidJWKSError):
        JWKS.from_dict({"keys": [ec_public, other]})


def test_mixed_symmetric_asymmetric_set_refused(ec_public: dict[str, Any]) -> None:
    """A set mixing oct and asymmetric keys is refused, whichever mode is asked for."""
    mac = JWK.generate("HS256", kid="hs").to_dict(private=True)
    for symmetric in (False, True):
        with pytest.raises(InvalidJWKSError):
            JWKS.from_dict({"keys": [ec_public, mac]}, symmetric=symmetric)


def test_symmetric_set_needs_opt_in() -> None:
    """An oct key in a set is refused unless symmetric=True."""
    mac = JWK.generate("HS256", kid="hs").to_dict(private=True)
    with pytest.raises(InvalidJWKSError):
        JWKS.from_dict({"keys": [mac]})
    assert JWKS.from_dict({"keys": [mac]}, symmetric=True).kids == {"hs"}


def test_unusable_entries_are_skipped(ec_public: dict[str, Any]) -> None:
    """Encryption keys and unknown key types are skipped, not fatal (RFC 7517 §5)."""
    doc = {
        "keys": [
            ec_public,
            {**ec_public, "kid": "enc", "use": "enc"},
            {"kty": "XYZ", "kid": "future"},
            {**ec_public, "kid": "ecdh", "alg": "ECDH-ES"},
        ]
    }
    assert JWKS.from_dict(doc).kids == {ec_public["kid"]}


@pytest.mark.parametrize(
    "document",
    [[], {"keys": {}}, {"nokeys": []}, {"keys": [1]}, {"keys": [{"kty": "EC", "crv": "P-256"}]}],
)
def test_bad_jwks_documents(document: Any) -> None:
    """Malformed key set documents raise InvalidJWKSError."""
    with pytest.raises(InvalidJWKSError):
        JWKS.from_dict(document)


def test_jwks_json_is_strict(ec_public: dict[str, Any]) -> None:
    """A key set document with duplicate members is refused."""
    import json

    text = json.dumps({"keys": [ec_public]})
    with pytest.raises(InvalidJWKSError):
        JWKS.from_json(text[:-1] + ', "keys": []}')


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param({"kty": ["EC"]}, id="kty-list"),
        pytest.param({"kty": {"EC": 1}}, id="kty-object"),
        pytest.param({"kty": "EC", "alg": ["ES256"]}, id="alg-list"),
        pytest.param({"kty": "EC", "crv": ["P-256"], "x": "AA", "y": "AA"}, id="crv-list"),
        pytest.param({"kty": "EC", "kid": ["a"]}, id="kid-list"),
        pytest.param({"kty": 1}, id="kty-number"),
    ],
)
def test_ill_typed_entries_never_raise_type_error(entry: dict[str, Any]) -> None:
    """A key set entry with ill-typed members is skipped or refused (InvalidJWKSError)."""
    try:
        JWKS.from_dict({"keys": [entry]})
    except InvalidJWKSError:
        pass
