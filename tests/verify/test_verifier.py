"""Verifier.verify end to end: parse, allow-list, key choice, signature, claims (RFC 8725 §3)."""

from __future__ import annotations

import json

import pytest

from gatehouse import JWKS, Claims, ManualClock, TokenError, Verifier
from gatehouse.errors import (
    AlgorithmNotAllowedError,
    ClaimError,
    ExpiredTokenError,
    InvalidAudienceError,
    InvalidIssuerError,
    InvalidSignatureError,
    InvalidTypeError,
    MalformedTokenError,
    MissingClaimError,
    NotYetValidError,
    UnknownKeyError,
)
from gatehouse.jose import JWK, b64url_encode, encode_jwt

from .conftest import ALL, AUDIENCE, ISSUER, NOW, MakeVerifier, claims_at, key_set


@pytest.mark.parametrize("alg", ALL)
def test_verifies_every_algorithm(
    keys: dict[str, JWK], make_verifier: MakeVerifier, alg: str
) -> None:
    """A token we sign with each algorithm verifies and yields its claims."""
    token = encode_jwt(claims_at(NOW), keys[alg], alg)
    claims = make_verifier(keys[alg]).verify(token)
    assert isinstance(claims, Claims)
    assert claims.subject == "user-1"
    assert claims.issuer == ISSUER
    assert claims.header["alg"] == alg
    assert dict(claims) == claims_at(NOW)


def test_claims_view(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """Claims exposes RFC 9068 fields and is read-only."""
    token = encode_jwt(
        claims_at(NOW, jti="t-1", sid="s-1", client_id="c-1", roles=["admin", 3]),
        keys["ES256"],
        "ES256",
    )
    claims = make_verifier(keys["ES256"]).verify(token)
    assert (claims.token_id, claims.session_id, claims.client_id) == ("t-1", "s-1", "c-1")
    assert claims.roles == ("admin",)
    assert claims.expires_at == NOW + 300
    assert claims.scopes == {"orders:read", "orders:write"}
    assert claims.to_dict()["jti"] == "t-1"
    with pytest.raises(TypeError):
        claims["sub"] = "other"  # type: ignore[index]


def test_alg_not_allowed_before_key_lookup(keys: dict[str, JWK], clock: ManualClock) -> None:
    """A token whose alg is off the list is refused without consulting the key source."""

    class NoKeys:
        def get_key(self, kid: str | None, alg: str) -> JWK:
            raise AssertionError("the key source must not be asked")

        async def aget_key(self, kid: str | None, alg: str) -> JWK:
            raise AssertionError("the key source must not be asked")

    verifier = Verifier(
        issuer=ISSUER, audience=AUDIENCE, keys=NoKeys(), algorithms=["ES256"], clock=clock
    )
    with pytest.raises(AlgorithmNotAllowedError):
        verifier.verify(encode_jwt(claims_at(NOW), keys["EdDSA"], "EdDSA"))


def test_hs256_token_against_rsa_verifier_refused(
    keys: dict[str, JWK], make_verifier: MakeVerifier
) -> None:
    """The classic RS256→HS256 confusion: an HMAC token is refused by an RSA verifier."""
    public_pem = keys["RS256"].public().to_pem()
    forged = JWK.from_dict(
        {"kty": "oct", "k": b64url_encode(public_pem), "alg": "HS256"}, private_allowed=True
    )
    token = encode_jwt(claims_at(NOW), forged, "HS256", kid="RS256-1")
    with pytest.raises(AlgorithmNotAllowedError):
        make_verifier(keys["RS256"]).verify(token)


def test_kid_of_a_key_for_another_alg(keys: dict[str, JWK], clock: ManualClock) -> None:
    """A kid naming a key bound to another algorithm finds no key (RFC 8725 §3.1)."""
    es256, es384 = keys["ES256"], keys["ES384"]
    verifier = Verifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        keys=key_set(es256, es384),
        algorithms=["ES256", "ES384"],
        clock=clock,
    )
    token = encode_jwt(claims_at(NOW), es256, "ES256", kid=es384.kid)
    with pytest.raises(UnknownKeyError):
        verifier.verify(token)
    assert verifier.verify(encode_jwt(claims_at(NOW), es384, "ES384")).subject == "user-1"


def test_rsa_key_bound_to_rs256_refuses_ps256(keys: dict[str, JWK], clock: ManualClock) -> None:
    """One RSA key published for RS256 does not verify a PS256 token signed by it."""
    verifier = Verifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        keys=key_set(keys["RS256"]),
        algorithms=["RS256", "PS256"],
        clock=clock,
    )
    token = encode_jwt(claims_at(NOW), keys["PS256"], "PS256", kid="RS256-1")
    with pytest.raises(UnknownKeyError):
        verifier.verify(token)


def test_unknown_kid(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """A kid the key set does not hold raises UnknownKeyError."""
    token = encode_jwt(claims_at(NOW), keys["ES256"], "ES256", kid="not-there")
    with pytest.raises(UnknownKeyError):
        make_verifier(keys["ES256"]).verify(token)


def test_no_kid_uses_the_only_fitting_key(
    keys: dict[str, JWK], make_verifier: MakeVerifier, clock: ManualClock
) -> None:
    """Without a kid the one key that fits the alg is used; two candidates are ambiguous."""
    token = _without_kid(encode_jwt(claims_at(NOW), keys["ES256"], "ES256"), keys["ES256"])
    assert make_verifier(keys["ES256"]).verify(token).subject == "user-1"
    other = JWK.generate("ES256", kid="other")
    two = Verifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        keys=key_set(keys["ES256"], other),
        algorithms=["ES256"],
        clock=clock,
    )
    with pytest.raises(UnknownKeyError):
        two.verify(token)


def _without_kid(token: str, key: JWK) -> str:
    """Re-sign ``token`` with a header that has no kid at all."""
    from gatehouse.jose import decode_unverified
    from gatehouse.jose.strict_json import dumps_compact

    # sign_compact adds the key's kid; this header is written by hand instead.
    header, claims = decode_unverified(token)
    del header["kid"]
    signing_input = (
        b64url_encode(dumps_compact(header)) + "." + b64url_encode(dumps_compact(claims))
    )
    return f"{signing_input}.{b64url_encode(key.signer(header['alg'])(signing_input.encode()))}"


def test_wrong_key_same_kid(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """A token signed by another key under the trusted kid fails the signature check."""
    impostor = JWK.generate("EdDSA", kid=keys["EdDSA"].kid)
    with pytest.raises(InvalidSignatureError):
        make_verifier(keys["EdDSA"]).verify(encode_jwt(claims_at(NOW), impostor, "EdDSA"))


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        (claims_at(NOW - 330), ExpiredTokenError),
        (claims_at(NOW, nbf=NOW + 31), NotYetValidError),
        (claims_at(NOW, iss="https://evil.example"), InvalidIssuerError),
        (claims_at(NOW, aud="billing"), InvalidAudienceError),
        ({"iss": ISSUER, "aud": AUDIENCE}, MissingClaimError),
    ],
)
def test_claim_failures(
    keys: dict[str, JWK], make_verifier: MakeVerifier, claims: dict[str, object], error: type
) -> None:
    """Claim rules apply after the signature, with the Verifier's clock."""
    with pytest.raises(error):
        make_verifier(keys["ES256"]).verify(encode_jwt(claims, keys["ES256"], "ES256"))


def test_default_leeway_is_30_seconds(
    keys: dict[str, JWK], make_verifier: MakeVerifier, clock: ManualClock
) -> None:
    """The default leeway accepts a token up to 30 s past exp, not at 30 s."""
    token = encode_jwt(claims_at(NOW), keys["ES256"], "ES256")
    verifier = make_verifier(keys["ES256"], cache_size=0)
    clock.advance(300 + 29)
    verifier.verify(token)
    clock.advance(1)
    with pytest.raises(ExpiredTokenError):
        verifier.verify(token)


@pytest.mark.parametrize(
    ("typ", "ok"),
    [("at+jwt", True), ("application/at+jwt", True), ("JWT", False), (None, False)],
)
def test_typ_through_verifier(
    keys: dict[str, JWK], make_verifier: MakeVerifier, typ: str | None, ok: bool
) -> None:
    """The Verifier demands typ at+jwt (RFC 9068 §4), in either media-type spelling."""
    token = encode_jwt(claims_at(NOW), keys["ES256"], "ES256", typ=typ)
    verifier = make_verifier(keys["ES256"])
    if ok:
        verifier.verify(token)
    else:
        with pytest.raises(InvalidTypeError):
            verifier.verify(token)


def test_typ_configurable(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """typ=None turns the type check off; another typ may be demanded instead."""
    token = encode_jwt(claims_at(NOW), keys["ES256"], "ES256", typ="JWT")
    make_verifier(keys["ES256"], typ=None).verify(token)
    make_verifier(keys["ES256"], typ="jwt").verify(token)


def test_payload_not_json_object(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """A correctly signed payload that is not a JSON object is malformed."""
    from gatehouse.jose import sign_compact

    token = sign_compact(b"[1,2,3]", keys["ES256"], "ES256", header={"typ": "at+jwt"})
    with pytest.raises(MalformedTokenError):
        make_verifier(keys["ES256"]).verify(token)


def test_non_canonical_payload_refused(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """A signed-but-badly-encoded payload segment is malformed (Wycheproof tc368-375)."""
    header = b64url_encode(json.dumps({"alg": "ES256", "typ": "at+jwt"}).encode())
    signing_input = f"{header}.####" + b64url_encode(json.dumps(claims_at(NOW)).encode())
    signature = keys["ES256"].signer("ES256")(signing_input.encode())
    with pytest.raises(MalformedTokenError):
        make_verifier(keys["ES256"]).verify(f"{signing_input}.{b64url_encode(signature)}")


def test_verify_raises_only_token_errors_for_garbage(
    keys: dict[str, JWK], make_verifier: MakeVerifier
) -> None:
    """A handful of hostile inputs all raise TokenError subclasses."""
    verifier = make_verifier(keys["ES256"])
    for bad in ["", ".", "..", "a.b.c", "e30.e30.e30", "\x00", "ey" * 5000, None, b"a.b.c"]:
        with pytest.raises(TokenError):
            verifier.verify(bad)  # type: ignore[arg-type]


def test_max_token_size(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """A Verifier's own max_token_size applies."""
    from gatehouse.errors import TokenTooLargeError

    token = encode_jwt(claims_at(NOW, pad="x" * 400), keys["ES256"], "ES256")
    make_verifier(keys["ES256"]).verify(token)
    with pytest.raises(TokenTooLargeError):
        make_verifier(keys["ES256"], max_token_size=256).verify(token)


def test_keys_and_algorithms_exposed(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """The allow-list and key source a Verifier was built with are readable."""
    verifier = make_verifier(keys["ES256"])
    assert verifier.algorithms == frozenset({"ES256"})
    assert isinstance(verifier.keys, JWKS)


@pytest.mark.parametrize(
    "exp", [2**53 + 1, 2**1024, 10**400, -(2**1024)], ids=["2^53+1", "2^1024", "10^400", "-2^1024"]
)
@pytest.mark.parametrize("cache_size", [0, 1024])
def test_numeric_date_beyond_float_range(
    keys: dict[str, JWK], make_verifier: MakeVerifier, exp: int, cache_size: int
) -> None:
    """A signed exp too large for a float is a ClaimError, never an OverflowError."""
    token = encode_jwt(claims_at(NOW, exp=exp), keys["EdDSA"], "EdDSA")
    with pytest.raises(ClaimError) as info:
        make_verifier(keys["EdDSA"], cache_size=cache_size).verify(token)
    assert info.value.claim == "exp"
