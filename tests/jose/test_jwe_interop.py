"""JWE interop both ways with joserfc and jwcrypto: every alg/enc pair all three support.

Keys are made once per module (RSA generation is slow) and handed to the other library
as the same JWK. Each pair runs twice per peer: we encrypt and the peer decrypts, the
peer encrypts and we decrypt, with a nested-JWT-like ``cty`` header carried through.
"""

from __future__ import annotations

import functools
import json
import secrets
from typing import Any

import pytest
from joserfc import jwe as joserfc_jwe
from joserfc.jwk import import_key as joserfc_import_key
from jwcrypto import jwe as jwcrypto_jwe  # type: ignore[import-untyped]
from jwcrypto import jwk as jwcrypto_jwk

from gatehouse.jose.b64 import b64url_encode
from gatehouse.jose.jwe import decrypt_compact, encrypt_compact
from gatehouse.jose.jwe_jwk import EncryptionKey

ENCS = ["A128GCM", "A256GCM", "A128CBC-HS256", "A256CBC-HS512"]
KEYS = [
    *(
        (alg, crv)
        for alg in ("ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A256KW")
        for crv in ("P-256", "P-384", "P-521", "X25519")
    ),
    ("RSA-OAEP-256", None),
    ("A128KW", None),
    ("A256KW", None),
    ("dir", None),
]
PAIRS = [(alg, crv, enc) for alg, crv in KEYS for enc in ENCS]
IDS = [f"{alg}-{crv or 'oct'}-{enc}" for alg, crv, enc in PAIRS]
PLAINTEXT = b'{"sub":"alice","aud":"orders"}'
DIR_SIZES = {"A128GCM": 16, "A256GCM": 32, "A128CBC-HS256": 32, "A256CBC-HS512": 64}


@functools.cache
def _key(alg: str, crv: str | None, enc: str) -> EncryptionKey:
    if alg == "dir":
        k = b64url_encode(secrets.token_bytes(DIR_SIZES[enc]))
        return EncryptionKey({"kty": "oct", "k": k, "use": "enc", "kid": "d"}, private_allowed=True)
    if alg == "RSA-OAEP-256":
        return _rsa_key()
    return EncryptionKey.generate(alg, crv=crv or "P-256")


@functools.cache
def _rsa_key() -> EncryptionKey:
    return EncryptionKey.generate("RSA-OAEP-256")


def _jwk(key: EncryptionKey) -> dict[str, Any]:
    return key.to_dict(private=True)


def _ours_decrypt(token: str, key: EncryptionKey, alg: str, enc: str) -> bytes:
    out = decrypt_compact(token, [key], algorithms=frozenset({alg}), encryptions=frozenset({enc}))
    assert out.header["cty"] == "JWT"
    return out.plaintext


@pytest.mark.parametrize(("alg", "crv", "enc"), PAIRS, ids=IDS)
def test_we_encrypt_joserfc_decrypts(alg: str, crv: str | None, enc: str) -> None:
    """A token we encrypt, joserfc decrypts to the same plaintext and header."""
    key = _key(alg, crv, enc)
    token = encrypt_compact(PLAINTEXT, key, alg=alg, enc=enc, header={"cty": "JWT"})
    peer_key = joserfc_import_key(_jwk(key))
    obj = joserfc_jwe.decrypt_compact(token, peer_key, algorithms=[alg, enc])
    assert obj.plaintext == PLAINTEXT
    assert obj.protected["cty"] == "JWT"


@pytest.mark.parametrize(("alg", "crv", "enc"), PAIRS, ids=IDS)
def test_joserfc_encrypts_we_decrypt(alg: str, crv: str | None, enc: str) -> None:
    """A token joserfc encrypts, we decrypt to the same plaintext."""
    key = _key(alg, crv, enc)
    public = key.to_dict() if key.kty != "oct" else _jwk(key)
    token = joserfc_jwe.encrypt_compact(
        {"alg": alg, "enc": enc, "cty": "JWT"},
        PLAINTEXT,
        joserfc_import_key(public),
        algorithms=[alg, enc],
    )
    assert _ours_decrypt(token, key, alg, enc) == PLAINTEXT


@pytest.mark.parametrize(("alg", "crv", "enc"), PAIRS, ids=IDS)
def test_we_encrypt_jwcrypto_decrypts(alg: str, crv: str | None, enc: str) -> None:
    """A token we encrypt, jwcrypto decrypts to the same plaintext and header."""
    key = _key(alg, crv, enc)
    token = encrypt_compact(PLAINTEXT, key, alg=alg, enc=enc, header={"cty": "JWT"})
    obj = jwcrypto_jwe.JWE(algs=[alg, enc])
    obj.deserialize(token, key=jwcrypto_jwk.JWK(**_jwk(key)))
    assert obj.payload == PLAINTEXT
    assert json.loads(obj.objects["protected"])["cty"] == "JWT"


@pytest.mark.parametrize(("alg", "crv", "enc"), PAIRS, ids=IDS)
def test_jwcrypto_encrypts_we_decrypt(alg: str, crv: str | None, enc: str) -> None:
    """A token jwcrypto encrypts, we decrypt to the same plaintext."""
    key = _key(alg, crv, enc)
    public = key.to_dict() if key.kty != "oct" else _jwk(key)
    obj = jwcrypto_jwe.JWE(
        PLAINTEXT,
        protected=json.dumps({"alg": alg, "enc": enc, "cty": "JWT"}),
        algs=[alg, enc],
    )
    obj.add_recipient(jwcrypto_jwk.JWK(**public))
    assert _ours_decrypt(obj.serialize(compact=True), key, alg, enc) == PLAINTEXT
