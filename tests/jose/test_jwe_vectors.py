"""JWE against published vectors: RFC 7520 §5 (and the CFRG X25519 example), Wycheproof.

RFC 7520: the examples whose ``alg``/``enc`` gatehouse implements are decrypted, and
re-encrypted byte for byte from the RFC's CEK, IV and ephemeral key where the algorithm
is deterministic (AES-KW, dir, ECDH-ES); the examples built on algorithms refused for
good (``RSA1_5``, ``PBES2``, ``zip``) or not implemented (SHA-1 ``RSA-OAEP``,
``A256GCMKW``) must fail with the one ``DecryptionError``. The JSON-only examples
(5.10-5.13: AAD, unprotected headers, several recipients) have no compact form to test.

Wycheproof ``json_web_encryption_test.json`` (139 cases, 76 applicable: 32 valid, 44
invalid): a case is applicable when its
key's ``alg`` and the token's ``alg``/``enc`` are ones we implement; those are held to
the file's verdict (``valid`` decrypts to ``pt``, ``invalid`` raises DecryptionError).
Every other case (RSA1_5, RSA-OAEP with SHA-1, A192*, AES-GCM key wrap, zip) must be
refused: a refusal is the right answer whatever the file says, since those tokens name
algorithms no allow-list of ours can contain.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gatehouse.errors import DecryptionError
from gatehouse.jose.b64 import b64url_decode, b64url_encode
from gatehouse.jose.jwe import decrypt_compact, encrypt_from_parts
from gatehouse.jose.jwe_algorithms import ENCRYPTIONS, KEY_MANAGEMENT
from gatehouse.jose.jwe_jwk import EncryptionKey

from .conftest import load_json, vector_file

ALL_ALGS = frozenset(KEY_MANAGEMENT)
ALL_ENCS = ENCRYPTIONS
RFC = "rfc7520/jwe"
SUPPORTED = [
    "5_4.key_agreement_with_key_wrapping_using_ecdh-es_and_aes-keywrap_with_aes-gcm.json",
    "5_5.key_agreement_using_ecdh-es_with_aes-cbc-hmac-sha2.json",
    "5_6.direct_encryption_using_aes-gcm.json",
    "5_8.key_wrap_using_aes-keywrap_with_aes-gcm.json",
]
REFUSED = [
    "5_1.key_encryption_using_rsa_v15_and_aes-hmac-sha2.json",
    "5_2.key_encryption_using_rsa-oaep_with_aes-gcm.json",
    "5_3.key_wrap_using_pbes2-aes-keywrap_with-aes-cbc-hmac-sha2.json",
    "5_7.key_wrap_using_aes-gcm_keywrap_with_aes-cbc-hmac-sha2.json",
    "5_9.compressed_content.json",
]


def _example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = load_json(vector_file(*RFC.split("/"), name))
    return data


def _recipient(key: dict[str, Any]) -> EncryptionKey:
    return EncryptionKey(key, private_allowed=True)


@pytest.mark.parametrize("name", SUPPORTED)
def test_rfc7520_example_decrypts(name: str) -> None:
    """Each RFC 7520 §5 compact example we implement decrypts to the RFC's plaintext."""
    ex = _example(name)
    out = decrypt_compact(
        ex["output"]["compact"],
        [_recipient(ex["input"]["key"])],
        algorithms=ALL_ALGS,
        encryptions=ALL_ENCS,
    )
    assert out.plaintext == ex["input"]["plaintext"].encode("utf-8")


def _ephemeral(epk: dict[str, Any] | None) -> ec.EllipticCurvePrivateKey | None:
    if epk is None:
        return None
    jwk = EncryptionKey({**epk, "use": "enc"}, private_allowed=True)
    assert isinstance(jwk.key, ec.EllipticCurvePrivateKey)
    return jwk.key


@pytest.mark.parametrize("name", SUPPORTED)
def test_rfc7520_example_reencrypts_byte_for_byte(name: str) -> None:
    """Given the RFC's CEK, IV and ephemeral key, encryption reproduces its compact output."""
    ex = _example(name)
    protected = json.loads(json.dumps(ex["encrypting_content"]["protected"]))
    cek = ex["generated"].get("cek") if ex["input"]["alg"] not in ("dir", "ECDH-ES") else None
    token = encrypt_from_parts(
        ex["input"]["plaintext"].encode("utf-8"),
        _recipient(ex["input"]["key"]),
        protected,
        b64url_decode(ex["generated"]["iv"]),
        cek=b64url_decode(cek) if cek else None,
        ephemeral=_ephemeral(ex.get("encrypting_key", {}).get("epk")),
    )
    assert token == ex["output"]["compact"]


@pytest.mark.parametrize("name", REFUSED)
def test_rfc7520_refused_example_is_one_error(name: str) -> None:
    """RSA1_5, SHA-1 RSA-OAEP, PBES2, AES-GCM key wrap and zip examples raise DecryptionError."""
    ex = _example(name)
    # The key without its own alg pin: the refusal must come from the algorithm policy.
    data = ex["input"].get("key") or {"kty": "oct", "use": "enc", "k": b64url_encode(b"pwd")}
    if "pwd" in ex["input"]:
        data["k"] = b64url_encode(ex["input"]["pwd"].encode("utf-8"))
    with pytest.raises(DecryptionError) as info:
        decrypt_compact(
            ex["output"]["compact"],
            [EncryptionKey({**data, "alg": None}, private_allowed=True)],
            algorithms=ALL_ALGS | {"PBES2-HS512+A256KW", "RSA1_5", "RSA-OAEP", "A256GCMKW"},
            encryptions=ALL_ENCS,
        )
    assert info.value.code == "decryption_failed"


def test_rfc7520_nested_example_is_refused() -> None:
    """RFC 7520 §6 (a JWS inside SHA-1 RSA-OAEP) is refused: that alg is not implemented."""
    ex = load_json(vector_file("rfc7520", "6.nesting_signatures_and_encryption.json"))["encrypt"]
    key = EncryptionKey({**ex["input"]["key"], "alg": None}, private_allowed=True)
    with pytest.raises(DecryptionError):
        decrypt_compact(ex["output"]["compact"], [key], algorithms=ALL_ALGS, encryptions=ALL_ENCS)


def test_cfrg_x25519_example_decrypts() -> None:
    """The cookbook's ECDH-ES on X25519 example (RFC 8037 §3.2) decrypts to its plaintext."""
    ex = load_json(vector_file("rfc7520", "curve25519", "ecdh-es.json"))
    key = _recipient(ex["input"]["key"])
    out = decrypt_compact(ex["output"]["compact"], [key], algorithms=ALL_ALGS, encryptions=ALL_ENCS)
    assert out.plaintext == ex["input"]["plaintext"].encode("utf-8")


# --- Wycheproof ------------------------------------------------------------------------

WYCHEPROOF = load_json(vector_file("wycheproof", "testvectors_v1", "json_web_encryption_test.json"))
CASES = [(g, t) for g in WYCHEPROOF["testGroups"] for t in g["tests"]]


def _token_header(jwe: Any) -> dict[str, Any] | None:
    try:
        segment = jwe.split(".")[0]
        parsed = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, AttributeError):
        return None
    return parsed if isinstance(parsed, dict) else None


def applicable(group: dict[str, Any], test: dict[str, Any]) -> bool:
    """Key alg, token alg and enc all implemented, no zip: the file's verdict applies."""
    header = _token_header(test["jwe"])
    key_alg = group["private"].get("alg")
    if key_alg not in KEY_MANAGEMENT and key_alg not in ENCRYPTIONS:
        return False
    if header is None:
        return True  # a broken header: invalid for everyone
    return (
        header.get("alg", key_alg) in KEY_MANAGEMENT
        and header.get("enc", "A128GCM") in ENCRYPTIONS
        and "zip" not in header
    )


@functools.cache
def _group_key(index: int) -> EncryptionKey:
    # One import per group: RSA private keys are checked on import, 139 times is slow.
    return EncryptionKey(WYCHEPROOF["testGroups"][index]["private"], private_allowed=True)


APPLICABLE = [(g, t) for g, t in CASES if applicable(g, t)]


def test_wycheproof_counts() -> None:
    """139 cases: 76 apply (32 valid, 44 invalid); the other 63 name unimplemented algs."""
    assert len(CASES) == WYCHEPROOF["numberOfTests"] == 139
    assert len(APPLICABLE) == 76
    assert sum(t["result"] == "valid" for _, t in APPLICABLE) == 32


@pytest.mark.parametrize(("group", "test"), CASES, ids=[f"tc{t['tcId']}" for _, t in CASES])
def test_wycheproof_case(group: dict[str, Any], test: dict[str, Any]) -> None:
    """An applicable case gets the file's verdict; every other case is refused, typed."""
    key = _group_key(WYCHEPROOF["testGroups"].index(group))

    def run() -> bytes:
        return decrypt_compact(
            test["jwe"], [key], algorithms=ALL_ALGS, encryptions=ALL_ENCS
        ).plaintext

    if applicable(group, test) and test["result"] == "valid":
        assert run() == bytes.fromhex(test["pt"])
    else:
        with pytest.raises(DecryptionError):
            run()
