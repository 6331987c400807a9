"""``TokenService``'s token-exchange method (RFC 8693): what the HTTP layer calls.

A part of the one facade (``issuer.service``), like ``service_dpop``: the rules are in
``exchange`` (pure, over verified claims); this method verifies the tokens in full,
applies the rules, mints through the one ``AccessTokenMinter`` and writes the audit
event with the actor chain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gatehouse.clock import Clock
from gatehouse.errors import InvalidRequestError, TokenError
from gatehouse.issuer.access_tokens import AccessTokenMinter
from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.clients import TOKEN_EXCHANGE, ClientManager
from gatehouse.issuer.config import IssuerConfig
from gatehouse.issuer.dpop_binding import require_proof
from gatehouse.issuer.signing_keys import SigningKeyManager
from gatehouse.storage.records import ClientRecord

# The rules (exchange, txn_tokens) and the Txn-Token verifier are imported by the first
# exchange: the token service's other grants, and a Lambda cold start, never load them.
if TYPE_CHECKING:
    from gatehouse.issuer.exchange import ExchangedToken, ExchangeRequest
    from gatehouse.issuer.introspection import Introspector
    from gatehouse.issuer.txn_tokens import TxnSubject

__all__ = ["ExchangeMethods"]


class ExchangeMethods:
    """Exchanging a user's access token for one aimed at the next service."""

    config: IssuerConfig
    _clients: ClientManager
    _minter: AccessTokenMinter
    _audit: AuditLog
    _keys: SigningKeyManager
    _clock: Clock
    _random: Callable[[int], bytes]

    if TYPE_CHECKING:  # built on first use by ``service_parts.LazyParts``

        @property
        def _introspector(self) -> Introspector: ...

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
        from gatehouse.issuer.exchange import (
            ACCESS_TOKEN_TYPE,
            ExchangedToken,
            exchange_terms,
            scope_text,
        )
        from gatehouse.issuer.txn_tokens import TXN_TOKEN_TYPE

        ClientManager.require_grant(client, TOKEN_EXCHANGE)
        if request.requested_token_type == TXN_TOKEN_TYPE:
            return self._issue_txn_token(client, request)
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

    # --- Transaction Tokens (draft-ietf-oauth-transaction-tokens) ---------------------

    def _txn_subject(self, request: ExchangeRequest, trust_domain: str) -> TxnSubject:
        """The verified subject ("Txn-Token Request Processing": validate it, signature
        included when it is signed)."""
        from gatehouse.issuer.exchange import ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE
        from gatehouse.issuer.txn_tokens import (
            TXN_TOKEN_TYPE,
            UNSIGNED_JSON_TYPE,
            TxnSubject,
            parse_json_object,
        )
        from gatehouse.keys.jwks import JWKS
        from gatehouse.txn_verify import txn_token_verifier

        kind = request.subject_token_type
        if kind in (ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE):
            return TxnSubject(
                self._verified(request.subject_token, "subject_token"), "access_token"
            )
        if kind == TXN_TOKEN_TYPE:
            verifier = txn_token_verifier(
                trust_domain=trust_domain,
                issuer=self.config.issuer,
                keys=JWKS.from_dict(self._keys.jwks()),
                algorithms=[self.config.signing_alg],
                leeway=0,
                clock=self._clock,
            )
            try:
                return TxnSubject(dict(verifier.verify(request.subject_token)), "txn_token")
            except TokenError as exc:
                raise InvalidRequestError("the subject_token is not a live Txn-Token") from exc
        if kind == UNSIGNED_JSON_TYPE:
            claims = parse_json_object(request.subject_token, "subject_token")
            return TxnSubject(claims or {}, "unsigned_json")
        raise InvalidRequestError("subject_token_type is not one a Txn-Token can be made from")

    def _issue_txn_token(self, client: ClientRecord, request: ExchangeRequest) -> ExchangedToken:
        from gatehouse.issuer.exchange import ExchangedToken
        from gatehouse.issuer.txn_tokens import TXN_TOKEN_TYPE, parse_json_object, txn_token_claims
        from gatehouse.jose import b64url_encode, encode_jwt
        from gatehouse.txn_verify import TXN_TOKEN_TYP

        trust_domain = self.config.txn_trust_domain
        if trust_domain is None:
            raise InvalidRequestError("this service issues no Transaction Tokens")
        subject = self._txn_subject(request, trust_domain)
        claims = txn_token_claims(
            subject,
            client,
            trust_domain=trust_domain,
            audience=request.audience,
            scope=request.scope,
            request_context=parse_json_object(request.request_context, "request_context"),
            request_details=parse_json_object(request.request_details, "request_details"),
            issuer=self.config.issuer,
            now=int(self._clock.time()),
            ttl=self.config.txn_token_ttl,
            new_txn=b64url_encode(self._random(16)),
        )
        key = self._keys.active_key()
        token = encode_jwt(claims, key, key.alg or self.config.signing_alg, typ=TXN_TOKEN_TYP)
        self._audit.event(
            "txn_token_issued",
            account_id=claims["sub"],
            client_id=client.client_id,
            audience=trust_domain,
            scope=claims["scope"],
            chain=claims["req_wl"],
            jti=claims["txn"],
        )
        return ExchangedToken(
            access_token=token,
            expires_in=max(claims["exp"] - claims["iat"], 0),
            scope=claims["scope"],
            issued_token_type=TXN_TOKEN_TYPE,
            token_type="N_A",  # "Txn-Token Response", after RFC 8693 §2.2.1
        )
