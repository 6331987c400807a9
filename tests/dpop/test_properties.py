"""Properties: one changed byte in a proof or its token fails; arbitrary input raises only
gatehouse's typed errors, in bounded time."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.dpop import DPoPVerifier
from gatehouse.errors import GatehouseError, InvalidDPoPProofError, TokenError
from gatehouse.jose import JWK, b64url_encode, encode_jwt
from gatehouse.jose.dpop import check_proof
from gatehouse.jose.dpop_make import make_proof

from .conftest import AUDIENCE, ISSUER, NOW, URL, ascii_json

CLIENT = JWK.generate("ES256")
ISSUER_KEY = JWK.generate("ES256", kid="k1")
TOKEN = encode_jwt(
    {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "u",
        "iat": NOW,
        "exp": NOW + 300,
        "cnf": {"jkt": CLIENT.thumbprint()},
    },
    ISSUER_KEY,
    "ES256",
)
PROOF = make_proof(CLIENT, method="GET", url=URL, now=NOW, access_token=TOKEN, jti="fixed-jti")
CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ~%\x00é"
SURROGATES_TOO = st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010, categories=None)
BOUND = 1.0  # seconds: generous, a refusal takes microseconds


def _dpop_verifier() -> DPoPVerifier:
    clock = ManualClock(wall=NOW, monotonic=NOW)
    verifier = Verifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        keys=JWKS([ISSUER_KEY.public()]),
        algorithms=["ES256"],
        clock=clock,
        cache_size=0,
    )
    return DPoPVerifier(verifier, clock=clock)


def _changed(text: str, index: int, char: str) -> str:
    return text[:index] + char + text[index + 1 :]


def test_the_unchanged_pair_passes() -> None:
    """The baseline: the fixed proof and token pass together."""
    assert _dpop_verifier().verify_request(
        authorization=f"DPoP {TOKEN}", dpop=PROOF, method="GET", url=URL
    )


@settings(max_examples=300)
@given(data=st.data())
def test_any_changed_byte_in_the_proof_fails(data: st.DataObject) -> None:
    """Changing any one character of a valid proof makes it fail, with a typed error."""
    index = data.draw(st.integers(0, len(PROOF) - 1))
    char = data.draw(st.sampled_from(CHARS).filter(lambda c: c != PROOF[index]))
    with pytest.raises(TokenError):
        _dpop_verifier().verify_request(
            authorization=f"DPoP {TOKEN}", dpop=_changed(PROOF, index, char), method="GET", url=URL
        )


@settings(max_examples=300)
@given(data=st.data())
def test_any_changed_byte_in_the_token_fails(data: st.DataObject) -> None:
    """Changing any one character of the bound token fails, whatever the proof says."""
    index = data.draw(st.integers(0, len(TOKEN) - 1))
    char = data.draw(st.sampled_from(CHARS).filter(lambda c: c != TOKEN[index]))
    with pytest.raises(GatehouseError) as info:
        _dpop_verifier().verify_request(
            authorization=f"DPoP {_changed(TOKEN, index, char)}", dpop=PROOF, method="GET", url=URL
        )
    assert isinstance(info.value, TokenError) or info.value.status == 400


@settings(max_examples=300)
@given(st.text(max_size=6000))
def test_arbitrary_text_raises_only_proof_errors(text: str) -> None:
    """Any string as a proof is an InvalidDPoPProofError, quickly."""
    started = time.perf_counter()
    with pytest.raises(InvalidDPoPProofError):
        check_proof(text, method="GET", url=URL, now=NOW)
    assert time.perf_counter() - started < BOUND


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.text(SURROGATES_TOO, max_size=4),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
HEADER_KEYS = st.sampled_from(["typ", "alg", "jwk", "kid", "crit", "b64", "x5c", "jku", "zip"])
CLAIM_KEYS = st.sampled_from(["jti", "htm", "htu", "iat", "ath", "nonce", "exp"])


@settings(max_examples=150)
@given(
    header=st.dictionaries(HEADER_KEYS, JSON, max_size=5),
    claims=st.dictionaries(CLAIM_KEYS, JSON, max_size=7),
    keep_jwk=st.booleans(),
)
def test_arbitrary_signed_headers_and_claims_raise_only_typed_errors(
    header: dict[str, Any], claims: dict[str, Any], keep_jwk: bool
) -> None:
    """Well-signed proofs with arbitrary header and claim values pass or raise TokenError."""
    base = json.loads(_segment_json(PROOF, 0))
    if keep_jwk:
        header = {**base, **{k: v for k, v in header.items() if k not in ("typ", "alg", "jwk")}}
    signing_input = b64url_encode(ascii_json(header)) + "." + b64url_encode(ascii_json(claims))
    signature = CLIENT.signer("ES256")(signing_input.encode("ascii"))
    proof = signing_input + "." + b64url_encode(signature)
    started = time.perf_counter()
    try:
        check_proof(proof, method="GET", url=URL, now=NOW)
    except TokenError:
        pass
    assert time.perf_counter() - started < BOUND


@settings(max_examples=200)
@given(
    authorization=st.one_of(st.none(), st.text(max_size=200), st.lists(st.text(max_size=50))),
    dpop=st.one_of(st.none(), st.text(max_size=200), st.lists(st.text(max_size=50))),
    url=st.text(max_size=100),
)
def test_arbitrary_requests_raise_only_gatehouse_errors(
    authorization: Any, dpop: Any, url: str
) -> None:
    """Junk headers and URLs give a GatehouseError (4xx), never anything else."""
    with pytest.raises(GatehouseError) as info:
        _dpop_verifier().verify_request(
            authorization=authorization, dpop=dpop, method="GET", url=url
        )
    assert 400 <= info.value.status < 500


def _segment_json(token: str, index: int) -> bytes:
    from gatehouse.jose import b64url_decode

    return b64url_decode(token.split(".")[index])
