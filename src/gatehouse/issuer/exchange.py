"""Token exchange at ``/token`` (RFC 8693): a service trades a user's access token for a
narrower one aimed at the next service, naming itself as the actor.

The rules, in the order they are checked (each refusal is the RFC 8693 §2.2.2 error):

- The calling client is authenticated by the caller and is the actor; it may exchange
  only with ``urn:ietf:params:oauth:grant-type:token-exchange`` among its grant types
  (``unauthorized_client``, RFC 6749 §5.2).
- ``subject_token`` is an access token of this issuer, verified in full: signature,
  expiry, and the session still live and not deny-listed (the revocations a Token Status
  List mirrors); ``subject_token_type`` is ``access_token`` or ``jwt`` (§3). Anything else
  is ``invalid_request`` (§2.2.2: "invalid for any reason").
- ``actor_token`` (optional, with ``actor_token_type``, §2.1) must be this issuer's
  token for the calling client itself: the actor cannot be someone else.
- ``may_act`` in the subject token (§4.4) names who may act for the subject; another
  client is refused.
- The target (``audience`` and/or ``resource``, §2.1, RFC 8707) is required and must be
  one the client may have (``invalid_target``).
- ``scope`` is the intersection of the subject token's scopes and the client's allowed
  scopes, narrowed further by the request; a requested scope outside it is
  ``invalid_scope`` (never wider), and so is an empty result.
- The new token keeps ``sub``, ``sid`` (so ending the user's session also ends every
  token exchanged from it) and roles; carries ``act: {"sub": <client>}`` with the subject
  token's own ``act`` nested inside (§4.1: the current actor outermost, prior actors
  nested) up to ``[issuer] exchange_max_depth``; expires no later than the subject token;
  gets no refresh token; ``issued_token_type`` is ``access_token`` (§2.2.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gatehouse._record import record
from gatehouse.errors import (
    InvalidRequestError,
    InvalidScopeError,
    InvalidTargetError,
    UnauthorizedClientError,
)
from gatehouse.issuer.clients import TOKEN_EXCHANGE
from gatehouse.issuer.scopes import format_scope, parse_scope
from gatehouse.storage.records import ClientRecord

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "JWT_TOKEN_TYPE",
    "TOKEN_EXCHANGE",
    "ExchangeRequest",
    "ExchangeTerms",
    "ExchangedToken",
    "actor_chain",
    "exchange_terms",
]

ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # RFC 8693 §3
JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt"  # RFC 8693 §3
SUBJECT_TOKEN_TYPES = frozenset({ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE})
ISSUABLE_TOKEN_TYPES = frozenset({ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE})


@record
class ExchangeRequest:
    """The RFC 8693 §2.1 parameters of one request (tokens kept out of ``repr``)."""

    subject_token: str
    subject_token_type: str
    audience: str | None = None
    scope: str | None = None
    requested_token_type: str | None = None
    actor_token: str | None = None
    actor_token_type: str | None = None
    request_context: str | None = None
    """Transaction Tokens only: a JSON object, the request's context (becomes ``rctx``)."""
    request_details: str | None = None
    """Transaction Tokens only: a JSON object, the request's details (becomes ``tctx``)."""

    def __repr__(self) -> str:
        return (
            f"ExchangeRequest(subject_token_type={self.subject_token_type!r},"
            f" audience={self.audience!r}, scope={self.scope!r})"
        )

    def check_shape(self) -> None:
        """The §2.1 rules on which parameters go together."""
        if self.subject_token_type not in SUBJECT_TOKEN_TYPES:
            raise InvalidRequestError("subject_token_type must be an access_token or jwt type")
        if (self.actor_token is None) != (self.actor_token_type is None):
            raise InvalidRequestError("actor_token and actor_token_type go together")
        if self.actor_token_type is not None and self.actor_token_type not in SUBJECT_TOKEN_TYPES:
            raise InvalidRequestError("actor_token_type must be an access_token or jwt type")
        wanted = self.requested_token_type
        if wanted is not None and wanted not in ISSUABLE_TOKEN_TYPES:
            raise InvalidRequestError("requested_token_type is not one this server issues")
        if not self.audience:
            raise InvalidTargetError("name the target service in audience or resource")


@record
class ExchangeTerms:
    """What the exchanged token will say, decided before anything is signed."""

    subject: str
    audience: str
    scope: frozenset[str]
    act: dict[str, Any]
    not_after: int
    sid: str | None
    roles: tuple[str, ...]

    @property
    def chain(self) -> list[str]:
        """The actors, newest first (for the audit log)."""
        return actor_chain(self.act)


@record
class ExchangedToken:
    """The RFC 8693 §2.2.1 answer: an access token, no refresh token."""

    access_token: str
    expires_in: int
    scope: str
    issued_token_type: str
    token_type: str = "Bearer"

    def to_dict(self) -> dict[str, Any]:
        """The response body (``scope`` always: it may be narrower than asked, §2.2.1)."""
        return {
            "access_token": self.access_token,
            "issued_token_type": self.issued_token_type,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "scope": self.scope,
        }

    def __repr__(self) -> str:
        return f"ExchangedToken(scope={self.scope!r}, expires_in={self.expires_in})"


def actor_chain(act: Mapping[str, Any] | None) -> list[str]:
    """The ``sub`` of each nested ``act`` (§4.1), current actor first; bounded by the
    token-size limit the claims were parsed under."""
    chain: list[str] = []
    while isinstance(act, Mapping):
        sub = act.get("sub")
        chain.append(sub if isinstance(sub, str) else "?")
        act = act.get("act")
    return chain


def _may_act_allows(may_act: Any, client_id: str) -> bool:
    """§4.4: ``may_act`` names the party (by ``sub``, or ``client_id``) allowed to act."""
    if not isinstance(may_act, Mapping):
        return False
    return client_id in (may_act.get("sub"), may_act.get("client_id"))


def _prior_act(subject: Mapping[str, Any]) -> dict[str, Any] | None:
    act = subject.get("act")
    if act is None:
        return None
    if not isinstance(act, Mapping) or not isinstance(act.get("sub"), str):
        raise InvalidRequestError("the subject token's act claim is malformed")
    return dict(act)


def exchange_terms(
    subject: Mapping[str, Any],
    client: ClientRecord,
    request: ExchangeRequest,
    *,
    max_depth: int,
) -> ExchangeTerms:
    """The terms for exchanging the verified ``subject`` claims, or the refusal.

    ``subject`` are the claims of a subject token already verified in full; ``client``
    the authenticated caller (the actor).
    """
    if TOKEN_EXCHANGE not in client.grant_types:
        raise UnauthorizedClientError("this client may not exchange tokens")
    if "may_act" in subject and not _may_act_allows(subject["may_act"], client.client_id):
        raise InvalidRequestError("the subject token does not allow this client to act for it")
    sub = subject.get("sub")
    exp = subject.get("exp")
    if not isinstance(sub, str) or isinstance(exp, bool) or not isinstance(exp, int):
        raise InvalidRequestError("the subject token lacks sub or exp")
    audience = request.audience
    if audience is None or audience not in client.allowed_audiences:
        raise InvalidTargetError("this client may not exchange for that audience")
    held = parse_scope(subject.get("scope") if isinstance(subject.get("scope"), str) else "")
    available = (held or frozenset()) & client.allowed_scopes
    requested = parse_scope(request.scope)
    if requested is not None and not requested <= available:
        raise InvalidScopeError("the requested scope is wider than the subject token allows")
    scope = requested if requested is not None else available
    if not scope:
        raise InvalidScopeError("the subject token and this client share no scope")
    prior = _prior_act(subject)
    act: dict[str, Any] = {"sub": client.client_id}
    if prior is not None:
        act["act"] = prior
    if len(actor_chain(act)) > max_depth:
        raise InvalidRequestError(f"the delegation chain would be longer than {max_depth}")
    roles = subject.get("roles")
    sid = subject.get("sid")
    return ExchangeTerms(
        subject=sub,
        audience=audience,
        scope=frozenset(scope),
        act=act,
        not_after=exp,
        sid=sid if isinstance(sid, str) else None,
        roles=tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else (),
    )


def scope_text(terms: ExchangeTerms) -> str:
    """The response's and token's ``scope``."""
    return format_scope(terms.scope)
