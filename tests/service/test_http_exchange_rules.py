"""The token-exchange rules (gatehouse.issuer.exchange) over claim sets, the cases the
HTTP tests cannot reach through the service: may_act (RFC 8693 §4.4), malformed act,
depth arithmetic and scope intersection."""

from __future__ import annotations

from typing import Any

import pytest

from gatehouse.errors import InvalidRequestError, InvalidScopeError, OAuthError
from gatehouse.issuer.exchange import (
    ACCESS_TOKEN_TYPE,
    TOKEN_EXCHANGE,
    ExchangeRequest,
    actor_chain,
    exchange_terms,
)
from gatehouse.storage.records import ClientRecord

PROFILE = "https://profile.example"
ORDERS = ClientRecord(
    client_id="orders-service",
    name="orders",
    secret_hash=b"x" * 32,
    allowed_audiences=frozenset({PROFILE}),
    allowed_scopes=frozenset({"read", "write"}),
    grant_types=frozenset({TOKEN_EXCHANGE}),
)
SUBJECT = {"sub": "alice", "exp": 2_000, "scope": "read write admin", "sid": "s1"}


def _terms(subject: dict[str, Any], scope: str | None = None, max_depth: int = 3) -> Any:
    request = ExchangeRequest("t", ACCESS_TOKEN_TYPE, audience=PROFILE, scope=scope)
    return exchange_terms(subject, ORDERS, request, max_depth=max_depth)


def test_scope_is_the_intersection_when_none_is_asked() -> None:
    """Without scope the token gets subject ∩ client scopes (admin is the user's only)."""
    assert _terms(SUBJECT).scope == frozenset({"read", "write"})


@pytest.mark.parametrize(
    ("may_act", "allowed"),
    [
        ({"sub": "orders-service"}, True),
        ({"client_id": "orders-service"}, True),
        ({"sub": "billing-service"}, False),
        ("orders-service", False),
        (None, False),
    ],
)
def test_may_act_names_who_may_act(may_act: Any, allowed: bool) -> None:
    """§4.4: with may_act present only the party it names may exchange the token."""
    subject = {**SUBJECT, "may_act": may_act}
    if allowed:
        assert _terms(subject).act == {"sub": "orders-service"}
    else:
        with pytest.raises(InvalidRequestError):
            _terms(subject)


@pytest.mark.parametrize("act", [{"client": "x"}, "orders", {"sub": 7}])
def test_malformed_prior_act_is_refused(act: Any) -> None:
    """An act claim without a string sub cannot be nested under (invalid_request)."""
    with pytest.raises(InvalidRequestError):
        _terms({**SUBJECT, "act": act})


def test_depth_counts_every_actor() -> None:
    """A subject already two actors deep makes a chain of three: allowed at 3, not at 2."""
    subject = {**SUBJECT, "act": {"sub": "b", "act": {"sub": "c"}}}
    assert actor_chain(_terms(subject, max_depth=3).act) == ["orders-service", "b", "c"]
    with pytest.raises(InvalidRequestError):
        _terms(subject, max_depth=2)


@pytest.mark.parametrize(
    ("subject", "error"),
    [
        ({**SUBJECT, "scope": "profile"}, InvalidScopeError),
        ({"exp": 2_000, "scope": "read"}, InvalidRequestError),
        ({"sub": "alice", "exp": "2000", "scope": "read"}, InvalidRequestError),
    ],
)
def test_unusable_subjects_are_refused(subject: dict[str, Any], error: type[OAuthError]) -> None:
    """No shared scope, no sub or a non-integer exp is refused with its RFC code."""
    with pytest.raises(error):
        _terms(subject)


def test_keeps_the_session_and_caps_the_lifetime() -> None:
    """sid is kept (revoking the user's session ends the exchanged token) and not_after
    is the subject's exp."""
    terms = _terms(SUBJECT)
    assert (terms.sid, terms.not_after, terms.subject) == ("s1", 2_000, "alice")
