"""Weak or malformed keys are refused at import; alg, use and key_ops bind (RFC 7517 §4)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatehouse.errors import InvalidKeyError
from gatehouse.jose import JWK, b64url_decode, b64url_encode

from .conftest import with_members


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
        JWK.from_dict(with_members(rfc7520_keys["3_3.rsa_public_key"], **change))


def test_ec_point_off_curve(ec_public: dict[str, Any]) -> None:
    """An EC point that is not on the curve is refused (invalid-curve attacks)."""
    y = bytearray(b64url_decode(ec_public["y"]))
    y[-1] ^= 1
    with pytest.raises(InvalidKeyError, match="not on the curve"):
        JWK.from_dict(with_members(ec_public, y=b64url_encode(bytes(y))))


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
        JWK.from_dict(with_members(ec_public, **{member: b64url_encode(raw)}))


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
        JWK.from_dict(with_members(ec_public, **change))


def test_ec_private_d_must_match() -> None:
    """An EC private key whose d does not belong to x, y is refused."""
    a = JWK.generate("ES256").to_dict(private=True)
    b = JWK.generate("ES256").to_dict(private=True)
    with pytest.raises(InvalidKeyError):
        JWK.from_dict(with_members(a, d=b["d"]), private_allowed=True)


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
        JWK.from_dict(with_members(ed_public, **change))


def test_ed25519_private_d_must_match() -> None:
    """An Ed25519 private key whose d does not derive x is refused."""
    a = JWK.generate("EdDSA").to_dict(private=True)
    b = JWK.generate("EdDSA").to_dict(private=True)
    with pytest.raises(InvalidKeyError):
        JWK.from_dict(with_members(a, d=b["d"]), private_allowed=True)


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


@pytest.mark.parametrize(
    "entry",
    [
        {"kty": ["EC"]},
        {"kty": {"EC": 1}},
        {"kty": None},
        {"kty": 1},
        {"kty": "EC", "crv": ["P-256"], "x": "AA", "y": "AA"},
        {"kty": "EC", "crv": {"P-256": 1}, "x": "AA", "y": "AA"},
        {"kty": "OKP", "crv": ["Ed25519"], "x": "AA"},
    ],
)
def test_ill_typed_members_are_invalid_key_errors(entry: dict[str, Any]) -> None:
    """Unhashable or non-string kty/crv raise InvalidKeyError, not TypeError."""
    with pytest.raises(InvalidKeyError):
        JWK.from_dict(entry)


MEMBERS = ("kty", "crv", "alg", "use", "key_ops", "kid", "x", "y", "n", "e", "k", "d")
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
json_values = st.recursive(
    json_scalars,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
    max_leaves=6,
)
member_values = st.one_of(
    st.sampled_from(["EC", "OKP", "RSA", "oct", "P-256", "Ed25519", "ES256", "sig", "AQAB"]),
    json_values,
)


@settings(max_examples=300)
@given(entry=st.dictionaries(st.sampled_from(MEMBERS), member_values, max_size=8))
def test_arbitrary_jwk_dict_raises_only_invalid_key(entry: dict[str, Any]) -> None:
    """Any JSON object given as a JWK imports or raises InvalidKeyError, nothing else."""
    for private_allowed in (False, True):
        try:
            JWK.from_dict(entry, private_allowed=private_allowed)
        except InvalidKeyError:
            pass
