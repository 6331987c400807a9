"""JWK import, export and thumbprints (RFC 7517, RFC 7518 §6, RFC 8037 §2, RFC 7638)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gatehouse import JWKS
from gatehouse.errors import InvalidJWKSError, InvalidKeyError
from gatehouse.jose import JWK, b64url_decode, b64url_encode

from .conftest import load_json

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


@pytest.fixture(scope="module")
def ec_public() -> dict[str, Any]:
    """A P-256 public JWK (generated: no key material in the test source)."""
    return JWK.generate("ES256", kid="ec-1").public().to_dict()


@pytest.fixture(scope="module")
def ed_public() -> dict[str, Any]:
    """An Ed25519 public JWK."""
    return JWK.generate("EdDSA", kid="ed-1").public().to_dict()


@pytest.fixture(scope="module")
def rfc7520_keys(vectors: Path) -> dict[str, dict[str, Any]]:
    """The RFC 7520 §3 example keys, by file stem."""
    return {p.stem: load_json(p) for p in sorted((vectors / "rfc7520" / "jwk").glob("*.json"))}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = dict(base)
    for name, value in changes.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


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


@pytest.mark.parametrize("stem", ["3_2.ec_private_key", "3_4.rsa_private_key"])
def test_public_set_refuses_private_members(
    rfc7520_keys: dict[str, dict[str, Any]], stem: str
) -> None:
    """A verification key set holding a private key is refused as a whole."""
    with pytest.raises(InvalidJWKSError):
        JWKS.from_dict({"keys": [rfc7520_keys[stem]]})


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


def _rsa_1024() -> dict[str, Any]:
    from cryptography.hazmat.primitives.asymmetric import rsa

    numbers = rsa.generate_private_key(65537, 1024).public_key().public_numbers()
    return {
        "kty": "RSA",
        "n": b64url_encode(numbers.n.to_bytes(128, "big")),
        "e": "AQAB",
    }


def test_rsa_1024_refused() -> None:
    """RSA keys under 2048 bits are refused at import."""
    with pytest.raises(InvalidKeyError):
        JWK.from_dict(_rsa_1024())


def test_rsa_generate_under_2048_refused() -> None:
    """Key generation refuses to make a weak RSA key."""
    with pytest.raises(InvalidKeyError):
        JWK.generate("RS256", rsa_bits=1024)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"e": "AQ"}, "e = 1"),
        ({"e": "Ag"}, "e even"),
        ({"e": ""}, "e empty"),
        ({"n": ""}, "n empty"),
        ({"e": None}, "e missing"),
        ({"n": 12345}, "n not a string"),
        ({"e": "AQAB="}, "e padded"),
    ],
)
def test_rsa_bad_parameters(
    rfc7520_keys: dict[str, dict[str, Any]], change: dict[str, Any], why: str
) -> None:
    """Broken RSA public parameters raise InvalidKeyError."""
    with pytest.raises(InvalidKeyError):
        JWK.from_dict(_with(rfc7520_keys["3_3.rsa_public_key"], **change))


def test_ec_point_off_curve(ec_public: dict[str, Any]) -> None:
    """An EC point that is not on the curve is refused (invalid-curve attacks)."""
    y = bytearray(b64url_decode(ec_public["y"]))
    y[-1] ^= 1
    with pytest.raises(InvalidKeyError, match="not on the curve"):
        JWK.from_dict(_with(ec_public, y=b64url_encode(bytes(y))))


@pytest.mark.parametrize(
    ("member", "transform", "why"),
    [
        ("x", lambda raw: raw[1:], "x one byte short"),
        ("y", lambda raw: b"\x00" + raw, "y one byte long"),
        ("x", lambda raw: b"", "x empty"),
    ],
)
def test_ec_coordinate_length(
    ec_public: dict[str, Any], member: str, transform: Any, why: str
) -> None:
    """EC coordinates must be exactly the field size (RFC 7518 §6.2.1.2)."""
    raw = transform(b64url_decode(ec_public[member]))
    with pytest.raises(InvalidKeyError):
        JWK.from_dict(_with(ec_public, **{member: b64url_encode(raw)}))


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"crv": "P-384"}, "P-256 point labelled P-384"),
        ({"crv": "secp256k1"}, "unsupported curve"),
        ({"crv": None}, "crv missing"),
        ({"y": None}, "y missing"),
        ({"kty": "RSA"}, "EC members under kty RSA"),
        ({"kty": "OKP"}, "EC members under kty OKP"),
        ({"kty": "DSA"}, "unknown kty"),
    ],
)
def test_ec_bad_parameters(ec_public: dict[str, Any], change: dict[str, Any], why: str) -> None:
    """Wrong curve, missing members or the wrong kty raise InvalidKeyError."""
    with pytest.raises(InvalidKeyError):
        JWK.from_dict(_with(ec_public, **change))


def test_ec_private_d_must_match() -> None:
    """An EC private key whose d does not belong to x, y is refused."""
    a = JWK.generate("ES256").to_dict(private=True)
    b = JWK.generate("ES256").to_dict(private=True)
    with pytest.raises(InvalidKeyError):
        JWK.from_dict(_with(a, d=b["d"]), private_allowed=True)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"x": b64url_encode(b"\x01" * 31)}, "31 bytes"),
        ({"x": b64url_encode(b"\x01" * 33)}, "33 bytes"),
        ({"x": b64url_encode(b"\x01" * 57)}, "Ed448-sized"),
        ({"x": ""}, "empty"),
        ({"crv": "Ed448"}, "Ed448 unsupported"),
        ({"crv": "X25519"}, "X25519 is for key agreement"),
    ],
)
def test_ed25519_bad_parameters(
    ed_public: dict[str, Any], change: dict[str, Any], why: str
) -> None:
    """Ed25519 public keys are exactly 32 bytes on crv Ed25519 (RFC 8037 §2)."""
    with pytest.raises(InvalidKeyError):
        JWK.from_dict(_with(ed_public, **change))


def test_ed25519_private_d_must_match() -> None:
    """An Ed25519 private key whose d does not derive x is refused."""
    a = JWK.generate("EdDSA").to_dict(private=True)
    b = JWK.generate("EdDSA").to_dict(private=True)
    with pytest.raises(InvalidKeyError):
        JWK.from_dict(_with(a, d=b["d"]), private_allowed=True)


@pytest.mark.parametrize(
    ("k", "alg", "why"),
    [
        (b"", "HS256", "empty"),
        (b"\x01" * 31, "HS256", "one byte short of SHA-256"),
        (b"\x01" * 47, "HS384", "one byte short of SHA-384"),
        (b"\x01" * 63, "HS512", "one byte short of SHA-512"),
        (b"\x01" * 32, "HS384", "SHA-256 size for HS384"),
    ],
)
def test_oct_too_short_for_its_alg(k: bytes, alg: str, why: str) -> None:
    """An HMAC key shorter than its hash (or empty) is refused (RFC 7518 §3.2)."""
    with pytest.raises(InvalidKeyError):
        JWK.from_dict({"kty": "oct", "k": b64url_encode(k), "alg": alg}, private_allowed=True)


def test_oct_short_without_alg_cannot_verify() -> None:
    """A short oct key without alg imports but fits no HMAC algorithm."""
    key = JWK.from_dict({"kty": "oct", "k": b64url_encode(b"\x01" * 31)}, private_allowed=True)
    assert not any(key.fits(alg) for alg in ("HS256", "HS384", "HS512"))
    with pytest.raises(InvalidKeyError):
        key.verifier("HS256")


@pytest.mark.parametrize(
    "secret",
    [
        b"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"
        + b"A" * 40
        + b"\n-----END PUBLIC KEY-----\n",
        b"  \n-----BEGIN RSA PUBLIC KEY-----\n" + b"A" * 64,
        b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + b"A" * 40,
        b"ecdsa-sha2-nistp256 AAAAE2VjZHNh" + b"A" * 40,
    ],
)
def test_pem_looking_hmac_secret_refused(secret: bytes) -> None:
    """A public key passed as an HMAC secret is refused (RFC 8725 §2.1 key confusion)."""
    with pytest.raises(InvalidKeyError):
        JWK.from_secret(secret, alg="HS256")


def test_from_secret_only_for_hmac() -> None:
    """from_secret refuses a non-HMAC algorithm."""
    with pytest.raises(InvalidKeyError):
        JWK.from_secret(b"\x01" * 64, alg="RS256")


@pytest.mark.parametrize(
    ("params", "alg", "operation", "fits"),
    [
        ({}, "ES256", "verify", True),
        ({"alg": "ES256"}, "ES256", "verify", True),
        ({"use": "sig"}, "ES256", "verify", True),
        ({"use": "enc"}, "ES256", "verify", False),
        ({"key_ops": ["verify"]}, "ES256", "verify", True),
        ({"key_ops": ["sign"]}, "ES256", "verify", False),
        ({"key_ops": ["encrypt"]}, "ES256", "verify", False),
        ({"key_ops": []}, "ES256", "verify", False),
        ({}, "ES384", "verify", False),
        ({}, "RS256", "verify", False),
        ({}, "HS256", "verify", False),
        ({}, "none", "verify", False),
        ({}, "ES256", "sign", False),
    ],
)
def test_alg_use_key_ops_are_binding(
    ec_public: dict[str, Any], params: dict[str, Any], alg: str, operation: str, fits: bool
) -> None:
    """A public key verifies only the algorithm, use and operations it declares."""
    base = {k: v for k, v in ec_public.items() if k not in ("alg", "use", "key_ops")}
    key = JWK.from_dict({**base, **params})
    assert key.fits(alg, operation) is fits
    if not fits and alg in ("ES256", "ES384", "RS256", "HS256") and operation == "verify":
        with pytest.raises(InvalidKeyError):
            key.verifier(alg)


@pytest.mark.parametrize("other", ["RS384", "RS512", "PS256", "PS384", "PS512"])
def test_rsa_alg_is_binding(rfc7520_keys: dict[str, dict[str, Any]], other: str) -> None:
    """An RSA key declared RS256 verifies nothing else, not even RS384 or PSS."""
    key = JWK.from_dict({**rfc7520_keys["3_3.rsa_public_key"], "alg": "RS256"})
    assert key.fits("RS256")
    assert not key.fits(other)
    with pytest.raises(InvalidKeyError):
        key.verifier(other)


def test_key_ops_sign_binding_on_private_key() -> None:
    """A private key with key_ops ["verify"] may not sign."""
    data = JWK.generate("ES256").to_dict(private=True)
    key = JWK.from_dict({**data, "key_ops": ["verify"]}, private_allowed=True)
    with pytest.raises(InvalidKeyError):
        key.signer("ES256")


@pytest.mark.parametrize(
    ("params", "why"),
    [
        ({"key_ops": ["verify", "verify"]}, "repeated key_ops value"),
        ({"key_ops": "verify"}, "key_ops not an array"),
        ({"key_ops": [1]}, "key_ops member not a string"),
        ({"kid": 7}, "kid not a string"),
        ({"alg": ["ES256"]}, "alg not a string"),
        ({"use": 1}, "use not a string"),
        ({"alg": "RS256"}, "alg of another key type"),
        ({"alg": "ES384"}, "alg of another curve"),
    ],
)
def test_bad_common_parameters(ec_public: dict[str, Any], params: dict[str, Any], why: str) -> None:
    """Ill-typed common parameters, or an alg the material cannot serve, are refused."""
    with pytest.raises(InvalidKeyError):
        JWK.from_dict({**ec_public, **params})


def test_not_an_object() -> None:
    """A JWK that is not an object raises InvalidKeyError."""
    with pytest.raises(InvalidKeyError):
        JWK.from_dict(["kty", "EC"])  # type: ignore[arg-type]


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
