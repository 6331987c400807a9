"""Ending sessions and revoking tokens: logout and RFC 7009.

RFC 7009 §2.1: the server "validates whether the token was issued to the client making
the revocation request. If this validation fails, the request is refused": a token of
ours issued to another client is ``unauthorized_client`` and nothing is revoked, access
tokens and refresh tokens alike. Unknown or malformed tokens stay a silent success
(§2.2). The refusal is no oracle worth having: it needs a token that is already live,
and an access token proves itself against the published JWKS anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gatehouse.errors import InvalidRequestError, TokenError, UnauthorizedClientError
from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.config import IssuerConfig
from gatehouse.issuer.introspection import Introspector
from gatehouse.issuer.sessions import SessionManager
from gatehouse.storage.ports import DenyList, SessionStore
from gatehouse.storage.records import DenyKind

if TYPE_CHECKING:
    from gatehouse.issuer.status_lists import StatusLists

__all__ = ["Revoker"]

# Deny entries outlive the token they cover by this much (clock skew between services).
_DENY_MARGIN = 60.0


def looks_like_jwt(token: str) -> bool:
    """Our access tokens are compact JWS (three parts); refresh tokens are opaque."""
    return isinstance(token, str) and token.count(".") == 2


class Revoker:
    """Revocation by token (RFC 7009) and by session (logout)."""

    def __init__(
        self,
        config: IssuerConfig,
        sessions: SessionManager,
        session_store: SessionStore,
        introspector: Introspector,
        deny_list: DenyList,
        *,
        audit: AuditLog,
        status: StatusLists | None = None,
    ) -> None:
        self._status = status
        self._config = config
        self._sessions = sessions
        self._session_store = session_store
        self._introspector = introspector
        self._deny = deny_list
        self._audit = audit

    def revoke(self, token: str, *, client_id: str | None = None) -> bool:
        """Revoke ``token`` if it is ours and, when ``client_id`` is given, issued to that
        client; return whether anything was revoked (callers over HTTP ignore it, §2.2)."""
        if looks_like_jwt(token):
            return self.revoke_access_token(token, client_id=client_id)
        return self.revoke_refresh_token(token, client_id=client_id)

    def _check_owner(self, owner: str | None, client_id: str | None) -> None:
        """Refuse a client's revocation of a token issued to another client (§2.1)."""
        if client_id is None:
            return  # an administrator's call, not a client's
        if (owner or self._config.first_party_client_id) == client_id:
            return
        self._audit.event("revocation_not_owner", client_id=client_id)
        raise UnauthorizedClientError("the token was not issued to this client")

    def revoke_refresh_token(self, token: str, *, client_id: str | None = None) -> bool:
        """Revoke the refresh token's whole session (its family and access tokens)."""
        session = self._sessions.session_for_token(token)
        if session is None:
            return False
        self._check_owner(session.client_id, client_id)
        return self._sessions.revoke(session.sid, reason="revoked")

    def revoke_access_token(self, token: str, *, client_id: str | None = None) -> bool:
        """Deny one of our access tokens by ``jti`` until it expires."""
        try:
            claims = self._introspector.verify_access_token(token)
        except TokenError:
            return False
        if claims.token_id is None:
            return False
        self._check_owner(claims.client_id, client_id)
        if self._status is not None:
            # Its status bit and its outbox row in one transaction, then the mirror.
            self._status.revoke_access_token(claims.token_id, expires_at=claims.expires_at)
        else:
            until = claims.expires_at + _DENY_MARGIN
            self._deny.deny(DenyKind.JTI, claims.token_id, expires_at=until)
        self._audit.event("access_token_revoked", jti=claims.token_id)
        return True

    def logout(
        self,
        *,
        refresh_token: str | None = None,
        sid: str | None = None,
        all_sessions: bool = False,
    ) -> int:
        """End the session named by a refresh token or sid (or all of the account's);
        return sessions revoked. Unknown tokens are not an error (idempotent)."""
        if (refresh_token is None) == (sid is None):
            raise InvalidRequestError("give exactly one of refresh_token and sid")
        if refresh_token is not None:
            session = self._sessions.session_for_token(refresh_token)
        else:
            session = self._session_store.get_session(str(sid))
        if session is None:
            return 0
        if all_sessions:
            return self._sessions.revoke_account(session.account_id, reason="logout_all")
        return int(self._sessions.revoke(session.sid, reason="logout"))
