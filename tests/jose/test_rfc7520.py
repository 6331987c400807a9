"""RFC 7520 §4 JWS examples and the RFC 8037 §A.4 Ed25519 example, as published.

Deterministic algorithms (RSASSA-PKCS1-v1_5, HMAC, Ed25519) are re-signed byte for byte;
RSA-PSS and ECDSA are randomised, so those are verified and round-tripped instead. The
examples that need the JSON serialization, unprotected headers or detached content
must be refused by our compact-only parser.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gatehouse import JWKS
from gatehouse.errors import InvalidSignatureError, MalformedTokenError, TokenError
from gatehouse.jose import (
    JWK,
    b64url_decode,
    b64url_encode,
    parse_compact,
    sign_compact,
    verify_signature,
)

from .conftest import load_json

COMPACT = [
    "jws/4_1.rsa_v15_signature.json",
    "jws/4_2.rsa-pss_signature.json",
    "jws/4_3.ecdsa_signature.json",
    "jws/4_4.hmac-sha2_integrity_protection.json",
    "curve25519/jws.json",
]
DETERMINISTIC = [
    "jws/4_1.rsa_v15_signature.json",
    "jws/4_4.hmac-sha2_integrity_protection.json",
    "curve25519/jws.json",
]
RANDOMISED = ["jws/4_2.rsa-pss_signature.json", "jws/4_3.ecdsa_signature.json"]
JSON_ONLY = [
    "jws/4_1.rsa_v15_signature.json",
    "jws/4_2.rsa-pss_signature.json",
    "jws/4_3.ecdsa_signature.json",
    "jws/4_4.hmac-sha2_integrity_protection.json",
    "jws/4_5.signature_with_detached_content.json",
    "jws/4_6.protecting_specific_header_fields.json",
    "jws/4_7.protecting_content_only.json",
    "jws/4_8.multiple_signatures.json",
    "curve25519/jws.json",
    "rfc7797/4.2.hmac-sha2_b64_false.json",
    "rfc7797/hmac-sha2_b64_false.json",
]
# RFC 7520 §4.8 (several signatures) has no flattened form.
JSON_FORMS = [
    (name, form)
    for name in JSON_ONLY
    for form in ("json", "json_flat")
    if (name, form) != ("jws/4_8.multiple_signatures.json", "json_flat")
]


def _example(vectors: Path, name: str) -> dict[str, Any]:
    return load_json(vectors / "rfc7520" / name)  # type: ignore[no-any-return]


def _key(example: dict[str, Any]) -> JWK:
    return JWK.from_dict(example["input"]["key"], private_allowed=True)


def _key_set(example: dict[str, Any]) -> JWKS:
    """A verification key set as a relying party would hold it: public only, unless HMAC."""
    key = _key(example)
    if key.kty == "oct":
        return JWKS.from_dict({"keys": [example["input"]["key"]]}, symmetric=True)
    return JWKS.from_dict({"keys": [key.public().to_dict()]})


@pytest.mark.parametrize("name", COMPACT)
def test_compact_example_verifies(vectors: Path, name: str) -> None:
    """The published compact serialization verifies with a public-only key set."""
    example = _example(vectors, name)
    alg = example["input"]["alg"]
    jws = parse_compact(example["output"]["compact"])
    assert jws.alg == alg
    assert jws.header == example["signing"]["protected"]
    key = _key_set(example).get_key(jws.kid, jws.alg)
    verify_signature(jws, key, frozenset({alg}))
    assert jws.payload() == example["input"]["payload"].encode("utf-8")
    assert jws.signing_input == example["signing"]["sig-input"].encode("ascii")


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_deterministic_signature_is_byte_exact(vectors: Path, name: str) -> None:
    """Signing the example's own signing input reproduces the published signature."""
    example = _example(vectors, name)
    signer = _key(example).signer(example["input"]["alg"])
    signature = signer(example["signing"]["sig-input"].encode("ascii"))
    assert signature == b64url_decode(example["signing"]["sig"])


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_sign_compact_reproduces_example(vectors: Path, name: str) -> None:
    """sign_compact writes the same header bytes as the RFC, so the whole token matches."""
    example = _example(vectors, name)
    token = sign_compact(
        example["input"]["payload"].encode("utf-8"), _key(example), example["input"]["alg"]
    )
    assert token == example["output"]["compact"]


@pytest.mark.parametrize("name", RANDOMISED)
def test_randomised_alg_round_trip_on_example_input(vectors: Path, name: str) -> None:
    """PS384/ES512: our signature over the example's signing input verifies; a tamper fails."""
    example = _example(vectors, name)
    alg = example["input"]["alg"]
    key = _key(example)
    signing_input = example["signing"]["sig-input"].encode("ascii")
    signature = key.signer(alg)(signing_input)
    assert signature != b64url_decode(example["signing"]["sig"])  # randomised
    verify = key.public().verifier(alg)
    assert verify(signature, signing_input)
    assert not verify(signature, signing_input + b"x")


@pytest.mark.parametrize("name", COMPACT)
def test_example_tampered_payload_fails(vectors: Path, name: str) -> None:
    """The example with another payload segment is refused with InvalidSignatureError."""
    example = _example(vectors, name)
    h, _, s = example["output"]["compact"].split(".")
    jws = parse_compact(f"{h}.Zm9v.{s}")
    key = _key_set(example).get_key(jws.kid, jws.alg)
    with pytest.raises(InvalidSignatureError):
        verify_signature(jws, key, frozenset({example["input"]["alg"]}))


def test_example_alg_must_be_allowed(vectors: Path) -> None:
    """Even a valid example is refused when its alg is not on the caller's list."""
    example = _example(vectors, "jws/4_1.rsa_v15_signature.json")
    jws = parse_compact(example["output"]["compact"])
    key = _key_set(example).get_key(jws.kid, jws.alg)
    with pytest.raises(TokenError, match="not allowed"):
        verify_signature(jws, key, frozenset({"PS256"}))


def test_detached_content_is_refused(vectors: Path) -> None:
    """RFC 7520 §4.5: the detached compact form (empty payload) does not verify."""
    example = _example(vectors, "jws/4_5.signature_with_detached_content.json")
    compact = example["output"]["compact"]
    assert compact.split(".")[1] == ""
    jws = parse_compact(compact)
    key = _key_set(example).get_key(jws.kid, jws.alg)
    with pytest.raises(InvalidSignatureError):
        verify_signature(jws, key, frozenset({"HS256"}))


def test_content_only_protection_is_refused(vectors: Path) -> None:
    """RFC 7520 §4.7: with no protected header the compact form has an empty header: refused."""
    example = _example(vectors, "jws/4_7.protecting_content_only.json")
    token = example["signing"]["sig-input"] + "." + example["signing"]["sig"]
    assert token.startswith(".")
    with pytest.raises(MalformedTokenError):
        parse_compact(token)


@pytest.mark.parametrize(("name", "form"), JSON_FORMS)
def test_json_serialization_is_refused(vectors: Path, name: str, form: str) -> None:
    """Every general and flattened JSON serialization is refused (RFC 7515 §7.2 unsupported)."""
    output = _example(vectors, name)["output"]
    text = json.dumps(output[form])
    with pytest.raises(MalformedTokenError, match="JSON serialization"):
        parse_compact(text)
    with pytest.raises(MalformedTokenError, match="JSON serialization"):
        parse_compact(json.dumps(output[form], separators=(",", ":")))


def test_unencoded_payload_compact_is_refused(vectors: Path) -> None:
    """RFC 7797 §4.2 b64:false compact example is refused as malformed (crit/b64 unsupported)."""
    example = _example(vectors, "rfc7797/hmac-sha2_b64_false.json")
    compact = example["output"]["compact"]
    assert compact.count(".") == 2
    with pytest.raises(MalformedTokenError):
        parse_compact(compact)


def test_unencoded_payload_header_alone_is_refused(vectors: Path) -> None:
    """The RFC 7797 protected header {alg, b64:false} is refused even over an encoded payload."""
    example = _example(vectors, "rfc7797/4.2.hmac-sha2_b64_false.json")
    key = _key(example)
    h = example["signing"]["protected_b64u"]
    assert json.loads(b64url_decode(h)) == {"alg": "HS256", "b64": False}
    signing_input = f"{h}.Zm9v"
    signature = key.signer("HS256")(signing_input.encode("ascii"))
    token = f"{signing_input}.{b64url_encode(signature)}"
    with pytest.raises(MalformedTokenError, match="RFC 7797"):
        parse_compact(token)
