"""Error messages never carry the token or key material (they name the rule broken)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gatehouse import JWKS, GatehouseError, TokenError
from gatehouse.errors import InvalidJWKSError, InvalidKeyError
from gatehouse.jose import JWK, b64url_encode, encode_jwt, sign_compact

from .conftest import NOW, MakeVerifier, claims_at

Case = Callable[[dict[str, JWK]], str]


def _secret_parts(key: JWK) -> list[str]:
    return [v for k, v in key.to_dict(private=True).items() if k in ("k", "d", "p", "q", "n")]


CASES: dict[str, Case] = {
    "expired": lambda k: encode_jwt(claims_at(NOW - 1000), k["HS256"], "HS256"),
    "not-yet-valid": lambda k: encode_jwt(claims_at(NOW, nbf=NOW + 900), k["HS256"], "HS256"),
    "issuer": lambda k: encode_jwt(claims_at(NOW, iss="https://x.example"), k["HS256"], "HS256"),
    "audience": lambda k: encode_jwt(claims_at(NOW, aud="x"), k["HS256"], "HS256"),
    "typ": lambda k: encode_jwt(claims_at(NOW), k["HS256"], "HS256", typ="JWT"),
    "sub-type": lambda k: encode_jwt(claims_at(NOW, sub=1), k["HS256"], "HS256"),
    "alg": lambda k: encode_jwt(claims_at(NOW), k["HS384"], "HS384"),
    "kid": lambda k: encode_jwt(claims_at(NOW), k["HS256"], "HS256", kid="kid-zzz-unknown"),
    "signature": lambda k: encode_jwt(claims_at(NOW), k["HS256"], "HS256")[:-4] + "AAAA",
    "payload": lambda k: sign_compact(b"[1]", k["HS256"], "HS256", header={"typ": "at+jwt"}),
    "crit": lambda k: sign_compact(b"{}", k["HS256"], "HS256", header={"crit": ["x"]}),
    "segments": lambda k: encode_jwt(claims_at(NOW), k["HS256"], "HS256") + ".AAAA.BBBB",
    "too-large": lambda k: encode_jwt(claims_at(NOW, pad="p" * 9000), k["HS256"], "HS256"),
    "scope": lambda k: encode_jwt(claims_at(NOW), k["HS256"], "HS256"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_token_error_messages_hide_the_token(
    keys: dict[str, JWK], make_verifier: MakeVerifier, case: str
) -> None:
    """str(), repr() and args of each rejection contain no token segment and no secret."""
    token = CASES[case](keys)
    with pytest.raises(TokenError) as info:
        make_verifier(keys["HS256"]).verify(token, scopes=["admin"])
    exc = info.value
    texts = [str(exc), repr(exc), *map(str, exc.args), exc.message]
    forbidden = [s for s in token.split(".") if len(s) >= 4] + _secret_parts(keys["HS256"])
    for text in texts:
        for secret in forbidden:
            assert secret not in text, f"{case}: message leaks {secret[:8]}…"
    assert exc.code
    assert exc.status in (401, 403)


@pytest.mark.parametrize("member", ["k", "d", "x", "n"])
def test_key_errors_hide_key_material(member: str) -> None:
    """A broken key in a JWKS is reported without echoing its members."""
    poison = "Zm9v" + "QUJD" * 20 + "_"  # non-canonical: the decoder refuses it
    entries = {
        "k": {"kty": "oct", "k": poison, "alg": "HS256"},
        "d": {**JWK.generate("ES256").to_dict(private=True), "d": poison},
        "x": {"kty": "OKP", "crv": "Ed25519", "x": poison},
        "n": {"kty": "RSA", "n": poison, "e": "AQAB"},
    }
    entry = entries[member]

    def load() -> object:
        if member == "d":
            return JWK.from_dict(entry, private_allowed=True)
        return JWKS.from_dict({"keys": [entry]}, symmetric=member == "k")

    with pytest.raises((InvalidJWKSError, InvalidKeyError)) as info:
        load()
    exc: GatehouseError = info.value
    for text in (str(exc), repr(exc), str(exc.__cause__ or "")):
        assert poison not in text
        assert poison[:16] not in text


def test_weak_secret_error_hides_secret() -> None:
    """Refusing a short or PEM-looking HMAC secret does not echo it."""
    secret = b"-----BEGIN PUBLIC KEY-----" + b"s3cr3t" * 10
    for bad in (secret, b"tooshort-s3cr3t"):
        with pytest.raises(InvalidKeyError) as info:
            JWK.from_secret(bad, alg="HS256")
        assert "s3cr3t" not in str(info.value)
        assert b64url_encode(bad)[:12] not in str(info.value)
