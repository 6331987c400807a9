"""Properties of username normalisation and scope parsing: idempotent, typed errors only."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatehouse.errors import InvalidRequestError, InvalidScopeError, OAuthError
from gatehouse.issuer.names import normalise_email, normalise_username
from gatehouse.issuer.scopes import format_scope, grant_scope, parse_scope


@given(st.text(max_size=300))
def test_normalise_username_is_idempotent_or_refuses(text: str) -> None:
    """Any text either normalises to a fixed point or raises InvalidRequestError."""
    try:
        once = normalise_username(text)
    except InvalidRequestError:
        return
    assert normalise_username(once) == once


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Alice", "alice"), ("ＡＬＩＣＥ", "alice"), ("Straße", "strasse"), ("ﬁle", "file")],
)
def test_normalisation_examples(raw: str, expected: str) -> None:
    """Width, case and compatibility forms fold to one name."""
    assert normalise_username(raw) == expected


@pytest.mark.parametrize("bad", ["no-at-sign", "@example.org", "a@", "a b@example.org"])
def test_bad_emails(bad: str) -> None:
    """Strings that are not addresses raise InvalidRequestError."""
    with pytest.raises(InvalidRequestError):
        normalise_email(bad)


@given(st.text(max_size=200))
def test_parse_scope_raises_only_oauth_errors(text: str) -> None:
    """Scope parsing returns a set that round-trips, or raises an OAuthError."""
    try:
        scopes = parse_scope(text)
    except OAuthError:
        return
    assert scopes is not None
    assert parse_scope(format_scope(scopes)) == scopes


def test_grant_scope_rules() -> None:
    """Nothing requested → all allowed; a subset passes; anything more is invalid_scope."""
    allowed = frozenset({"a", "b"})
    assert grant_scope(None, allowed, None) == allowed
    assert grant_scope(frozenset({"a"}), allowed, frozenset({"a", "c"})) == {"a"}
    assert grant_scope(None, allowed, frozenset({"b", "c"})) == {"b"}
    with pytest.raises(InvalidScopeError):
        grant_scope(frozenset({"c"}), allowed)
    with pytest.raises(InvalidScopeError):
        parse_scope('read "quoted"')
