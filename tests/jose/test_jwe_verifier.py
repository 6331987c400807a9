"""The Verifier with decryption keys: nested JWTs (RFC 7519 §5.2) end to end.

The outer JWE is opened with the service's private keys, then the inner JWS is verified
exactly as a plain token is (typ, algorithm allow-list, keys, claims); ``required=True``
refuses plain JWS; the verified-token cache keys on the outer token.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from gatehouse import JWKS, Verifier
from gatehouse.clock import ManualClock
from gatehouse.errors import (
    AlgorithmNotAllowedError,
    ConfigurationError,
    DecryptionError,
    InvalidJWKSError,
    InvalidTypeError,
    MalformedTokenError,
)
from gatehouse.jose import JWK, sign_compact
from gatehouse.jose.jwe import encrypt_compact, encrypt_nested
from gatehouse.jose.jwe_jwk import EncryptionKey
from gatehouse.jose.strict_json import dumps_compact
from gatehouse.keys.decryption import Decryption
from gatehouse.keys.decryption_keys import DecryptionKeys

from .conftest import AUDIENCE, ISSUER, NOW, good_claims

SIGNER = JWK.generate("ES256", kid="sig-1")
ENC_OLD = EncryptionKey.generate("ECDH-ES+A256KW", kid="enc-old")
ENC_NEW = EncryptionKey.generate("ECDH-ES+A256KW", crv="X25519", kid="enc-new")
KEYS = DecryptionKeys([ENC_OLD, ENC_NEW])


def _jws(**extra: Any) -> str:
    return sign_compact(
        dumps_compact(good_claims(**extra)), SIGNER, "ES256", header={"typ": "at+jwt"}
    )


def _nested(jws: str | None = None, key: EncryptionKey = ENC_NEW) -> str:
    return encrypt_nested(jws or _jws(), key.public(), alg="ECDH-ES+A256KW", enc="A256GCM")


class CountingDecryption(Decryption):
    """A Decryption that counts how often a token had to be opened."""

    __slots__ = ("opened",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.opened = 0

    def open(self, token: str, max_inner_size: int) -> str:
        self.opened += 1
        return super().open(token, max_inner_size)


def _verifier(decryption: Decryption | None, **kw: Any) -> Verifier:
    return Verifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        keys=JWKS([SIGNER.public()]),
        algorithms=["ES256"],
        clock=ManualClock(NOW),
        decryption=decryption,
        **kw,
    )


@pytest.mark.parametrize("key", [ENC_OLD, ENC_NEW], ids=["P-256", "X25519"])
def test_nested_token_verifies_with_either_rotated_key(key: EncryptionKey) -> None:
    """A nested JWT to either key of the set (by kid) verifies to the inner claims."""
    claims = _verifier(Decryption(KEYS, required=True)).verify(_nested(key=key))
    assert claims["sub"] == "user-1"
    assert claims.header["typ"] == "at+jwt"


def test_required_encryption_refuses_plain_jws() -> None:
    """With required=True a plain JWS, however valid, is refused."""
    with pytest.raises(DecryptionError):
        _verifier(Decryption(KEYS, required=True)).verify(_jws())


def test_optional_encryption_accepts_both() -> None:
    """Without required, the same Verifier takes plain and nested tokens alike."""
    verifier = _verifier(Decryption(KEYS))
    assert verifier.verify(_jws())["sub"] == verifier.verify(_nested())["sub"] == "user-1"


def test_without_decryption_a_jwe_is_refused_as_today() -> None:
    """A Verifier without decryption keys refuses a JWE as malformed, as before."""
    with pytest.raises(MalformedTokenError):
        _verifier(None).verify(_nested())


def test_inner_token_is_verified_exactly_as_a_plain_one() -> None:
    """Inside the JWE, the typ, the allow-list and the signature key still decide."""
    verifier = _verifier(Decryption(KEYS))
    no_typ = sign_compact(dumps_compact(good_claims()), SIGNER, "ES256")
    with pytest.raises(InvalidTypeError):
        verifier.verify(_nested(no_typ))
    hs = JWK.generate("HS256")
    other_alg = sign_compact(dumps_compact(good_claims()), hs, "HS256", header={"typ": "at+jwt"})
    with pytest.raises(AlgorithmNotAllowedError):
        verifier.verify(_nested(other_alg))


def test_jwe_must_say_it_holds_a_jwt_and_only_one_layer() -> None:
    """A JWE without cty JWT is refused, and a doubly nested token is refused by the JWS parser."""
    verifier = _verifier(Decryption(KEYS))
    plain = encrypt_compact(_jws().encode(), ENC_NEW, alg="ECDH-ES+A256KW", enc="A256GCM")
    with pytest.raises(DecryptionError):
        verifier.verify(plain)
    inner_nested = sign_compact(
        dumps_compact(good_claims()), SIGNER, "ES256", header={"typ": "at+jwt", "cty": "JWT"}
    )
    with pytest.raises(MalformedTokenError):
        verifier.verify(_nested(inner_nested))


def test_a_key_outside_the_set_is_refused() -> None:
    """A token encrypted to a key the service does not hold is the one DecryptionError."""
    stranger = EncryptionKey.generate("ECDH-ES+A256KW", kid="enc-new")
    with pytest.raises(DecryptionError):
        _verifier(Decryption(KEYS)).verify(_nested(key=stranger))


def test_cache_makes_a_repeated_nested_token_a_lookup() -> None:
    """The second verify of the same nested token decrypts nothing (cache on the outer token)."""
    decryption = CountingDecryption(KEYS, required=True)
    verifier = _verifier(decryption)
    token = _nested()
    verifier.verify(token)
    verifier.verify(token)
    assert decryption.opened == 1


def test_verify_async_opens_nested_tokens() -> None:
    """verify_async takes the same path through decryption."""
    claims = asyncio.run(_verifier(Decryption(KEYS, required=True)).verify_async(_nested()))
    assert claims["sub"] == "user-1"


def test_decryption_keys_from_file_and_env(tmp_path: Path) -> None:
    """A private JWKS loads from a file or an environment variable, keys by kid."""
    doc = {"keys": [ENC_OLD.to_dict(private=True), ENC_NEW.to_dict(private=True)]}
    path = tmp_path / "enc.jwks.json"
    path.write_text(json.dumps(doc) + "\n")
    from_file = DecryptionKeys.from_file(path)
    from_env = DecryptionKeys.from_env("ENC_JWKS", {"ENC_JWKS": json.dumps(doc)})
    for keys in (from_file, from_env):
        assert [k.kid for k in keys] == ["enc-old", "enc-new"]
        assert _verifier(Decryption(keys)).verify(_nested())["sub"] == "user-1"
    assert from_file.public_jwks()["keys"][0].keys().isdisjoint({"d"})


@pytest.mark.parametrize(
    "doc",
    [
        {"keys": [SIGNER.to_dict(private=True)]},
        {"keys": [ENC_OLD.public().to_dict()]},
        {"keys": []},
        {"keys": [ENC_OLD.to_dict(private=True), ENC_OLD.to_dict(private=True)]},
    ],
    ids=["signing-key", "public-only", "empty", "duplicate-kid"],
)
def test_decryption_key_set_refuses_what_cannot_decrypt(doc: dict[str, Any]) -> None:
    """A signing key, a public key, no key or a repeated kid rejects the whole set."""
    with pytest.raises(InvalidJWKSError):
        DecryptionKeys.from_dict(doc)


def test_decryption_allow_lists_are_checked_once() -> None:
    """RSA1_5 or an empty enc list in a Decryption is a ConfigurationError at start-up."""
    with pytest.raises(ConfigurationError):
        Decryption(KEYS, algorithms=["RSA1_5"])
    with pytest.raises(ConfigurationError):
        Decryption(KEYS, encryptions=[])
