"""Properties (hypothesis): round trips for every algorithm, any changed byte fails, and
arbitrary input raises only TokenError subclasses — in bounded time, whatever its size."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatehouse import ManualClock, TokenError, Verifier
from gatehouse.errors import TokenTooLargeError
from gatehouse.jose import JWK, b64url_encode, encode_jwt, parse_compact

from .conftest import ALL, AUDIENCE, ISSUER, NOW, claims_at, key_set

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# Registered claims with type rules; the drawn extras stay clear of them.
RESERVED = {"iss", "aud", "sub", "exp", "nbf", "iat", "jti", "scope", "client_id", "sid"}


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
extra_claims = st.dictionaries(
    st.text(max_size=12).filter(lambda k: k not in RESERVED), json_values, max_size=6
).filter(lambda d: _depth(d) <= 30)


def _verifier(key: JWK, cache_size: int = 0) -> Verifier:
    return Verifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        keys=key_set(key),
        algorithms=[key.alg or ""],
        clock=ManualClock(wall=NOW),
        cache_size=cache_size,
    )


@pytest.mark.parametrize("alg", ALL)
@settings(max_examples=25)
@given(extra=extra_claims)
def test_round_trip(keys: dict[str, JWK], alg: str, extra: dict[str, Any]) -> None:
    """Any JSON-able claim set signed with any algorithm verifies back to itself."""
    claims = {**extra, **claims_at(NOW)}
    verified = _verifier(keys[alg]).verify(encode_jwt(claims, keys[alg], alg))
    assert dict(verified) == json.loads(json.dumps(claims))


@pytest.mark.parametrize("alg", ALL)
@settings(max_examples=40)
@given(data=st.data())
def test_any_changed_character_fails(keys: dict[str, JWK], alg: str, data: st.DataObject) -> None:
    """Replacing any one character of a valid token raises TokenError, even after a cache hit."""
    key = keys[alg]
    verifier = _verifier(key, cache_size=16)
    token = encode_jwt(claims_at(NOW), key, alg)
    verifier.verify(token)  # now cached: the changed token must not ride on it
    i = data.draw(st.integers(min_value=0, max_value=len(token) - 1), label="position")
    c = data.draw(
        st.sampled_from(B64URL + ".=+/ \n\x00é").filter(lambda ch: ch != token[i]),
        label="replacement",
    )
    with pytest.raises(TokenError):
        verifier.verify(token[:i] + c + token[i + 1 :])


@pytest.mark.parametrize("alg", ALL)
@settings(max_examples=40)
@given(data=st.data())
def test_any_flipped_bit_fails(keys: dict[str, JWK], alg: str, data: st.DataObject) -> None:
    """XOR-ing any byte of a valid token with any non-zero mask raises TokenError."""
    key = keys[alg]
    raw = bytearray(encode_jwt(claims_at(NOW), key, alg).encode("ascii"))
    i = data.draw(st.integers(min_value=0, max_value=len(raw) - 1), label="position")
    raw[i] ^= data.draw(st.integers(min_value=1, max_value=255), label="mask")
    with pytest.raises(TokenError):
        _verifier(key).verify(raw.decode("latin-1"))


def test_every_single_character_change_of_one_token_fails(keys: dict[str, JWK]) -> None:
    """Exhaustively: each position of an EdDSA token, changed to each other b64url char, fails."""
    key = keys["EdDSA"]
    verifier = _verifier(key)
    token = encode_jwt(claims_at(NOW), key, "EdDSA")
    verifier.verify(token)
    for i, original in enumerate(token):
        for c in B64URL + ".":
            if c != original:
                with pytest.raises(TokenError):
                    verifier.verify(token[:i] + c + token[i + 1 :])


def _b64(data: bytes) -> str:
    return b64url_encode(data)


headers = st.fixed_dictionaries(
    {"alg": st.sampled_from([*ALL, "none", "HS1", ""])},
    optional={
        "kid": st.text(max_size=10) | st.integers(),
        "typ": st.sampled_from(["at+jwt", "JWT", ""]) | st.integers(),
        "crit": st.lists(st.text(max_size=5), max_size=2),
        "b64": st.booleans(),
        "cty": st.sampled_from(["JWT", "json"]),
        "zip": st.just("DEF"),
    },
).map(lambda h: _b64(json.dumps(h).encode()))
b64_garbage = st.text(alphabet=B64URL, max_size=120)
near_misses = st.one_of(
    st.lists(b64_garbage, min_size=3, max_size=3).map(".".join),
    st.lists(b64_garbage, min_size=0, max_size=7).map(".".join),
    st.tuples(headers, b64_garbage, b64_garbage).map(".".join),
    st.tuples(headers, extra_claims.map(lambda c: _b64(json.dumps(c).encode())), b64_garbage).map(
        ".".join
    ),
    st.tuples(
        headers,
        st.just(_b64(json.dumps(claims_at(NOW)).encode())),
        st.binary(min_size=32, max_size=300).map(_b64),
    ).map(".".join),
    st.tuples(headers, st.binary(max_size=200).map(_b64), st.binary(max_size=80).map(_b64)).map(
        ".".join
    ),
)
anything = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
    near_misses,
)


@settings(max_examples=300)
@given(text=anything)
def test_arbitrary_input_raises_only_token_errors(keys: dict[str, JWK], text: str) -> None:
    """Whatever the input, verify raises a TokenError subclass (never accepts, never crashes)."""
    for key in (keys["ES256"], keys["HS256"], keys["RS256"], keys["EdDSA"]):
        with pytest.raises(TokenError):
            _verifier(key).verify(text)


@settings(max_examples=200)
@given(text=anything)
def test_parser_raises_only_token_errors(text: str) -> None:
    """parse_compact either returns or raises a TokenError subclass."""
    try:
        jws = parse_compact(text)
    except TokenError:
        return
    try:
        jws.payload()
    except TokenError:
        pass


@pytest.mark.parametrize("filler", ["a", "é", ".", "eyJ"])
def test_ten_megabytes_rejected_as_too_large(keys: dict[str, JWK], filler: str) -> None:
    """A 10 MB input is refused by size, before any decoding."""
    huge = filler * (10 * 1024 * 1024 // len(filler))
    with pytest.raises(TokenTooLargeError):
        _verifier(keys["ES256"]).verify(huge)
    with pytest.raises(TokenTooLargeError):
        parse_compact(huge)
