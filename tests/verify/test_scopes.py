"""Scopes: a valid token without a required scope is InsufficientScopeError (RFC 6750 §3.1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatehouse import InsufficientScopeError, TokenError
from gatehouse.claims import Claims
from gatehouse.jose import JWK, encode_jwt

from .conftest import NOW, MakeVerifier, claims_at


def test_missing_scope(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """A missing scope is a 403 insufficient_scope naming what was required."""
    token = encode_jwt(claims_at(NOW), keys["ES256"], "ES256")
    with pytest.raises(InsufficientScopeError) as info:
        make_verifier(keys["ES256"]).verify(token, scopes=["orders:read", "orders:admin"])
    exc = info.value
    assert isinstance(exc, TokenError)
    assert (exc.status, exc.error, exc.code) == (403, "insufficient_scope", "insufficient_scope")
    assert exc.required == ("orders:read", "orders:admin")


def test_missing_scope_named_when_the_scopes_come_from_a_generator(
    keys: dict[str, JWK], make_verifier: MakeVerifier
) -> None:
    """The error names what was required even when the scopes were a one-pass iterable."""
    token = encode_jwt(claims_at(NOW, scope="orders:read"), keys["ES256"], "ES256")
    verifier = make_verifier(keys["ES256"])
    needed = ["orders:read", "orders:admin"]
    with pytest.raises(InsufficientScopeError) as info:
        verifier.verify(token, scopes=(s for s in needed))
    assert info.value.required == ("orders:read", "orders:admin")
    assert verifier.verify(token, scopes=(s for s in ["orders:read"]))["sub"]


@pytest.mark.parametrize(
    ("claims", "required", "ok"),
    [
        ({"scope": "a b c"}, ["a"], True),
        ({"scope": "a b c"}, ["a", "c"], True),
        ({"scope": "a  b"}, ["b"], True),
        ({"scope": "a b c"}, "b", True),
        ({"scope": "ab"}, ["a"], False),
        ({"scope": "a"}, "ab", False),
        ({"scope": ""}, ["a"], False),
        ({"scp": ["a", "b"]}, ["b"], True),
        ({"scp": ["a", 1]}, ["1"], False),
        ({"scp": "a"}, ["a"], False),
        ({}, ["a"], False),
        ({}, [], True),
    ],
)
def test_scope_forms(
    keys: dict[str, JWK],
    make_verifier: MakeVerifier,
    claims: dict[str, object],
    required: list[str] | str,
    ok: bool,
) -> None:
    """scope is one space-delimited string (RFC 9068 §2.2.3); scp arrays are read too."""
    base = claims_at(NOW)
    del base["scope"]
    token = encode_jwt({**base, **claims}, keys["ES256"], "ES256")
    verifier = make_verifier(keys["ES256"])
    if ok:
        verifier.verify(token, scopes=required)
    else:
        with pytest.raises(InsufficientScopeError):
            verifier.verify(token, scopes=required)


_SCOPE_WORDS = st.sampled_from(["a", "b", "ab", "orders:read", "é"])


@given(
    scope=st.one_of(
        st.lists(_SCOPE_WORDS, max_size=4).map(" ".join),
        st.text(alphabet="ab \t\n", max_size=6),
        st.lists(_SCOPE_WORDS, max_size=3),
        st.none(),
        st.integers(),
    ),
    scp=st.one_of(st.none(), st.lists(st.one_of(_SCOPE_WORDS, st.integers()), max_size=3)),
    required=st.lists(_SCOPE_WORDS, max_size=3),
    read_first=st.booleans(),
)
def test_scope_check_agrees_with_the_scope_set(
    scope: object, scp: object, required: list[str], read_first: bool
) -> None:
    """The Verifier's scope check (which builds the scope set itself) answers exactly
    ``claims.scopes.issuperset(required)``, whether or not ``scopes`` was read before, and
    leaves ``scopes`` the same set."""
    data = {k: v for k, v in (("scope", scope), ("scp", scp)) if v is not None}
    claims = Claims(data)
    reference = Claims(dict(data)).scopes
    if read_first:
        claims.scopes  # noqa: B018 - builds and keeps the set first
    assert claims._has_scopes(required) is reference.issuperset(required)
    assert claims._has_scopes(tuple(required)) is reference.issuperset(required)
    assert claims.scopes == reference
