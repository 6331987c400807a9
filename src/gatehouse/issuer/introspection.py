"""Token introspection (RFC 7662) over our own access and refresh tokens.

Anything not active, for whatever reason, is ``{"active": false}`` and nothing else
(RFC 7662 §2.2): the answer must not help an attacker tell expired from forged.
"""

from __future__ import annotations

import json
from typing import Any

from gatehouse.claims import Claims
from gatehouse.clock import Clock
from gatehouse.errors import InvalidGrantError, TokenError
from gatehouse.issuer.config import IssuerConfig
from gatehouse.issuer.refresh_tokens import hash_refresh_token
from gatehouse.issuer.scopes import format_scope
from gatehouse.issuer.signing_keys import SigningKeyManager
from gatehouse.jose import decode_unverified
from gatehouse.keys.jwks import JWKS
from gatehouse.storage.ports import ClientStore, DenyList, SessionStore
from gatehouse.verify import Verifier

__all__ = ["Introspector"]

INACTIVE: dict[str, Any] = {"active": False}


# Verifiers kept per audience set (the issuer's plus one client's); a handful in practice.
_MAX_VERIFIERS = 32


class Introspector:
    """Answers RFC 7662 questions about our tokens with bounded work per call.

    An access token may carry any audience the issuer or the client it was issued to
    may name. Rather than list every client on every call, the token's own
    ``client_id`` is read first (unverified: it only selects which audiences to
    accept) and that one client is looked up by id; the signature check that follows
    is what makes the answer true.
    """

    def __init__(
        self,
        config: IssuerConfig,
        keys: SigningKeyManager,
        sessions: SessionStore,
        deny_list: DenyList,
        clients: ClientStore,
        *,
        clock: Clock,
    ) -> None:
        self._config = config
        self._keys = keys
        self._sessions = sessions
        self._clients = clients
        self._deny = deny_list
        self._clock = clock
        self._jwks_fingerprint = ""
        self._verifiers: dict[tuple[str, ...], Verifier] = {}

    def _audiences_for(self, token: str) -> tuple[str, ...]:
        """The issuer's audiences and those of the client the token names, if any."""
        audiences = set(self._config.allowed_audiences)
        try:
            _, unverified = decode_unverified(token)
        except TokenError:
            return tuple(sorted(audiences))
        client_id = unverified.get("client_id")
        if isinstance(client_id, str) and client_id != self._config.first_party_client_id:
            client = self._clients.get_client(client_id)
            if client is not None:
                audiences |= client.allowed_audiences
        return tuple(sorted(audiences))

    def _verifier(self, audiences: tuple[str, ...]) -> Verifier:
        """A verifier for every key we publish and ``audiences``, rebuilt on key changes."""
        document = self._keys.jwks()
        fingerprint = json.dumps(document, sort_keys=True)
        if fingerprint != self._jwks_fingerprint:
            self._jwks_fingerprint = fingerprint
            self._verifiers.clear()
        verifier = self._verifiers.get(audiences)
        if verifier is None:
            algorithms = sorted({k.get("alg", self._config.signing_alg) for k in document["keys"]})
            verifier = Verifier(
                issuer=self._config.issuer,
                audience=list(audiences),
                keys=JWKS.from_dict(document),
                algorithms=algorithms or [self._config.signing_alg],
                leeway=0,
                cache_size=0,
                clock=self._clock,
            )
            if len(self._verifiers) >= _MAX_VERIFIERS:
                self._verifiers.pop(next(iter(self._verifiers)))
            self._verifiers[audiences] = verifier
        return verifier

    def introspect(self, token: str, *, token_type_hint: str | None = None) -> dict[str, Any]:
        if not isinstance(token, str) or not token or len(token) > 16384:
            return dict(INACTIVE)
        if token.count(".") == 2:
            return self._access(token)
        return self._refresh(token)

    def verify_access_token(self, token: str) -> Claims:
        """The claims of a valid access token we issued; ``TokenError`` otherwise."""
        return self._verifier(self._audiences_for(token)).verify(token)

    def _access(self, token: str) -> dict[str, Any]:
        try:
            claims = self.verify_access_token(token)
        except TokenError:
            return dict(INACTIVE)
        now = self._clock.time()
        if self._deny.is_denied(jti=claims.token_id, sid=claims.session_id, now=now):
            return dict(INACTIVE)
        if claims.session_id is not None:
            session = self._sessions.get_session(claims.session_id)
            if session is None or session.revoked_at is not None:
                return dict(INACTIVE)
        # A key-bound token's claims carry cnf (RFC 9449 §6.2): the resource server
        # asking must then demand a proof by that key; its type is DPoP (§5.1).
        token_type = "DPoP" if "cnf" in claims else "Bearer"
        return {"active": True, "token_type": token_type, **dict(claims)}

    def _refresh(self, token: str) -> dict[str, Any]:
        try:
            digest = hash_refresh_token(token)
        except InvalidGrantError:
            return dict(INACTIVE)
        record = self._sessions.find_refresh_token(digest)
        now = self._clock.time()
        session = self._sessions.get_session(record.sid) if record else None
        if record is None or record.spent_at is not None or session is None:
            return dict(INACTIVE)
        if not session.is_live(now):
            return dict(INACTIVE)
        return {
            "active": True,
            "token_type": "refresh_token",
            "scope": format_scope(session.scope),
            "client_id": session.client_id or self._config.first_party_client_id,
            "sub": session.account_id,
            "aud": session.audience,
            "iss": self._config.issuer,
            "iat": int(record.issued_at),
            "exp": int(min(session.idle_expires_at, session.absolute_expires_at)),
            "sid": session.sid,
            **({"cnf": {"jkt": session.jkt}} if session.jkt else {}),
        }
