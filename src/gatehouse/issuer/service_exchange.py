"""``TokenService``'s token-exchange method (RFC 8693): what the HTTP layer calls.

A part of the one facade (``issuer.service``), like ``service_dpop``: the rules are in
``exchange`` (pure, over verified claims); this method verifies the tokens in full,
applies the rules, mints through the one ``AccessTokenMinter`` and writes the audit
event with the actor chain.
"""

from __future__ import annotations

from typing import Any

from gatehouse.errors import InvalidRequestError
from gatehouse.issuer.access_tokens import AccessTokenMinter
from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.clients import TOKEN_EXCHANGE, ClientManager
from gatehouse.issuer.config import IssuerConfig
from gatehouse.issuer.dpop_binding import require_proof
from gatehouse.issuer.exchange import (
    ACCESS_TOKEN_TYPE,
    ExchangedToken,
    ExchangeRequest,
    exchange_terms,
    scope_text,
)
from gatehouse.issuer.introspection import Introspector
from gatehouse.storage.records import ClientRecord

__all__ = ["ExchangeMethods"]


class ExchangeMethods:
    """Exchanging a user's access token for one aimed at the next service."""

    config: IssuerConfig
    _clients: ClientManager
    _introspector: Introspector
    _minter: AccessTokenMinter
    _audit: AuditLog

    def _verified(self, token: str, what: str) -> dict[str, Any]:
        """Claims of an active access token of ours (signature, expiry, session live,
        not deny-listed); ``invalid_request`` otherwise (RFC 8693 §2.2.2)."""
        answer = self._introspector.introspect(token)
        if not answer.get("active") or answer.get("token_type") == "refresh_token":
            raise InvalidRequestError(f"the {what} is not an active access token of this issuer")
        return answer

    def exchange_token(
        self,
        client: ClientRecord,
        request: ExchangeRequest,
        *,
        dpop_jkt: str | None = None,
    ) -> ExchangedToken:
        """RFC 8693 §2: ``client`` (authenticated by the caller: it is the actor) trades
        ``request.subject_token`` for an access token for ``request.audience``; bound to
        ``dpop_jkt`` when the request carried a proof (RFC 9449 §5)."""
        ClientManager.require_grant(client, TOKEN_EXCHANGE)
        request.check_shape()
        require_proof(dpop_jkt, required=client.require_dpop)
        subject = self._verified(request.subject_token, "subject_token")
        if request.actor_token is not None:
            actor = self._verified(request.actor_token, "actor_token")
            if actor.get("client_id") != client.client_id or actor.get("sub") != client.client_id:
                raise InvalidRequestError("the actor_token is not the calling client's own")
        terms = exchange_terms(subject, client, request, max_depth=self.config.exchange_max_depth)
        token, claims = self._minter.mint(
            subject=terms.subject,
            audience=terms.audience,
            scope=terms.scope,
            client_id=client.client_id,
            roles=terms.roles,
            sid=terms.sid,
            jkt=dpop_jkt,
            act=terms.act,
            not_after=terms.not_after,
        )
        expires_in = max(int(claims["exp"]) - int(claims["iat"]), 0)
        self._audit.event(
            "token_exchanged",
            account_id=terms.subject,
            client_id=client.client_id,
            audience=terms.audience,
            scope=scope_text(terms),
            chain=" > ".join(terms.chain),
            jti=claims["jti"],
        )
        return ExchangedToken(
            access_token=token,
            expires_in=expires_in,
            scope=scope_text(terms),
            issued_token_type=ACCESS_TOKEN_TYPE,
            token_type="Bearer" if dpop_jkt is None else "DPoP",
        )
