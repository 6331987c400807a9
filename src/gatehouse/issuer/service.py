"""``TokenService``: the one facade the HTTP and Lambda layers call.

It composes accounts, sessions, clients, signing keys, throttling and audit over the
storage ports, and owns the cross-cutting rules: which audience and scopes a grant
may carry, and which access tokens to deny when sessions end. Every method takes and
returns plain values, raises only ``gatehouse.errors`` classes, and reads time and
randomness from what was injected.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Any

from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import (
    ConfigurationError,
    InvalidClientError,
    InvalidRequestError,
    TokenError,
    UnauthorizedClientError,
)
from gatehouse.issuer.access_tokens import AccessTokenMinter
from gatehouse.issuer.accounts import AccountManager
from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.clients import CLIENT_CREDENTIALS, ClientManager
from gatehouse.issuer.config import IssuerConfig
from gatehouse.issuer.introspection import Introspector
from gatehouse.issuer.kek import KeyEncryptionKey
from gatehouse.issuer.metadata import server_metadata
from gatehouse.issuer.passwords import PasswordHasher
from gatehouse.issuer.results import AccessTokenResponse, RegisteredClient, TokenPair
from gatehouse.issuer.scopes import choose_audience, format_scope, grant_scope, parse_scope
from gatehouse.issuer.sessions import SessionManager
from gatehouse.issuer.signing_keys import SigningKeyManager
from gatehouse.issuer.throttle import LoginThrottle
from gatehouse.storage.ports import Stores
from gatehouse.storage.records import AccountRecord, ClientRecord, DenyKind, SessionRecord

__all__ = ["TokenService"]

_DENY_MARGIN = 60.0


class TokenService:
    """Accounts, login, refresh rotation, revocation, service clients and signing keys."""

    def __init__(
        self,
        config: IssuerConfig,
        stores: Stores,
        kek: KeyEncryptionKey,
        *,
        clock: Clock = SYSTEM_CLOCK,
        random: Callable[[int], bytes] = secrets.token_bytes,
        audit: AuditLog | None = None,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.config = config
        self._stores = stores
        self._clock = clock
        self._audit = audit or AuditLog()
        if kek.development and not config.development:
            raise ConfigurationError("the development KEK is refused outside development mode")
        self.keys = SigningKeyManager(
            stores.signing_keys, kek, config, clock=clock, audit=self._audit, random=random
        )
        throttle = LoginThrottle(
            stores.throttle,
            account_policy=config.account_throttle,
            address_policy=config.address_throttle,
            clock=clock,
            audit=self._audit,
        )
        self.accounts = AccountManager(
            stores.accounts,
            hasher or PasswordHasher(config.password_profile),
            throttle,
            clock=clock,
            audit=self._audit,
            random=random,
        )
        self._minter = AccessTokenMinter(config, self.keys, clock=clock, random=random)
        self.sessions = SessionManager(
            stores.sessions,
            stores.accounts,
            stores.deny_list,
            self._minter,
            config,
            clock=clock,
            audit=self._audit,
            random=random,
        )
        self.clients = ClientManager(stores.clients, clock=clock, audit=self._audit, random=random)
        self._introspector = Introspector(
            config, self.keys, stores.sessions, stores.deny_list, stores.clients, clock=clock
        )

    def bootstrap(self) -> None:
        """Create the first ACTIVE and NEXT signing keys if the store has none."""
        self.keys.ensure_keys()

    # --- grants ---------------------------------------------------------------------

    def _login_client(self, client_id: str | None) -> ClientRecord | None:
        if client_id is None or client_id == self.config.first_party_client_id:
            return None
        client = self._stores.clients.get_client(client_id)
        if client is None or client.disabled:
            raise InvalidClientError("unknown or disabled client")
        ClientManager.require_grant(client, "password")
        return client

    def login(
        self,
        username: str,
        password: str,
        *,
        audience: str | None = None,
        scope: str | None = None,
        client_id: str | None = None,
        remote_addr: str | None = None,
    ) -> TokenPair:
        """Password login (RFC 6749 §4.3) → a new session and its first token pair.

        ``client_id`` names the client the session is bound to; a confidential client
        must have been authenticated first (``authenticate_client``) by the caller.
        """
        client = self._login_client(client_id)
        aud = choose_audience(self.config, audience, client)
        requested = parse_scope(scope)
        account = self.accounts.authenticate(username, password, remote_addr=remote_addr)
        granted = grant_scope(
            requested, account.allowed_scopes, client.allowed_scopes if client else None
        )
        return self.sessions.start(
            account,
            audience=aud,
            scope=granted,
            client_id=client.client_id if client else self.config.first_party_client_id,
        )

    def refresh(
        self, refresh_token: str, *, scope: str | None = None, client_id: str | None = None
    ) -> TokenPair:
        """Refresh with rotation (RFC 6749 §6); grace and reuse per ``sessions``."""
        return self.sessions.refresh(refresh_token, scope=scope, client_id=client_id)

    def authenticate_client(self, client_id: str, client_secret: str | None) -> ClientRecord:
        return self.clients.authenticate(client_id, client_secret)

    def client_credentials(
        self,
        client_id: str,
        client_secret: str,
        *,
        audience: str | None = None,
        scope: str | None = None,
    ) -> AccessTokenResponse:
        """Client credentials grant (RFC 6749 §4.4): an access token, no refresh token."""
        client = self.clients.authenticate(client_id, client_secret)
        ClientManager.require_grant(client, CLIENT_CREDENTIALS)
        if not client.allowed_audiences:
            raise UnauthorizedClientError("this client has no allowed audience")
        aud = choose_audience(self.config, audience, client)
        granted = grant_scope(parse_scope(scope), client.allowed_scopes)
        token, _ = self._minter.mint(
            subject=client.client_id, audience=aud, scope=granted, client_id=client.client_id
        )
        self._audit.event(
            "client_token_issued",
            client_id=client.client_id,
            audience=aud,
            scope=format_scope(granted),
        )
        return AccessTokenResponse(token, self.config.access_token_ttl, format_scope(granted))

    # --- ending sessions -------------------------------------------------------------

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
            session = self.sessions.session_for_token(refresh_token)
        else:
            session = self._stores.sessions.get_session(str(sid))
        if session is None:
            return 0
        if all_sessions:
            return self.sessions.revoke_account(session.account_id, reason="logout_all")
        return int(self.sessions.revoke(session.sid, reason="logout"))

    def revoke_refresh_token(self, token: str, *, client_id: str | None = None) -> None:
        """RFC 7009: revoke the token's whole session; an unknown token is no error (§2.2)."""
        session = self.sessions.session_for_token(token)
        if session is None:
            return
        owner = session.client_id or self.config.first_party_client_id
        if client_id is not None and client_id != owner:
            raise UnauthorizedClientError("the token was issued to another client")  # §2.1
        self.sessions.revoke(session.sid, reason="revoked")

    def revoke_access_token(self, token: str) -> None:
        """Deny one of our access tokens by jti until it expires; others are ignored."""
        try:
            claims = self._introspector.verify_access_token(token)
        except TokenError:
            return
        if claims.token_id is not None:
            self._stores.deny_list.deny(
                DenyKind.JTI, claims.token_id, expires_at=claims.expires_at + _DENY_MARGIN
            )
            self._audit.event("access_token_revoked", jti=claims.token_id)

    def revoke(
        self, token: str, *, token_type_hint: str | None = None, client_id: str | None = None
    ) -> None:
        """The RFC 7009 endpoint: either kind of token, hint optional (§2.1)."""
        if isinstance(token, str) and token.count(".") == 2:
            self.revoke_access_token(token)
        else:
            self.revoke_refresh_token(token, client_id=client_id)

    def is_denied(self, *, jti: str | None = None, sid: str | None = None) -> bool:
        """Whether an access token was cut off early (for routes that must check)."""
        return self._stores.deny_list.is_denied(jti=jti, sid=sid, now=self._clock.time())

    def introspect(self, token: str, *, token_type_hint: str | None = None) -> dict[str, Any]:
        """RFC 7662 §2.2 response for one of our tokens; ``{"active": False}`` otherwise."""
        return self._introspector.introspect(token, token_type_hint=token_type_hint)

    # --- keys and metadata ----------------------------------------------------------

    def jwks(self) -> dict[str, Any]:
        """The JWKS to publish: next, active and retired public keys."""
        self.keys.ensure_keys()
        return self.keys.jwks()

    def rotate_keys(self) -> str:
        """Promote NEXT to ACTIVE, retire ACTIVE, add NEXT; return the new active kid."""
        return self.keys.rotate()

    def metadata(self, **paths: Any) -> dict[str, Any]:
        """RFC 8414 metadata; keyword arguments as ``server_metadata``."""
        return server_metadata(self.config, **paths)

    # --- administration -------------------------------------------------------------

    def create_account(
        self,
        username: str,
        password: str,
        *,
        email: str | None = None,
        roles: Iterable[str] = (),
        allowed_scopes: Iterable[str] = (),
    ) -> AccountRecord:
        return self.accounts.create(
            username, password, email=email, roles=roles, allowed_scopes=allowed_scopes
        )

    def get_account(self, account_id: str) -> AccountRecord:
        return self.accounts.get(account_id)

    def find_account(self, username: str) -> AccountRecord | None:
        return self.accounts.find(username)

    def change_password(
        self, account_id: str, new_password: str, *, current_password: str | None = None
    ) -> int:
        """Set a new password; every session of the account is revoked."""
        live = self._stores.sessions.list_sessions(account_id)
        revoked = self.accounts.change_password(
            account_id, new_password, current_password=current_password
        )
        self.sessions.deny_sessions(live)
        return revoked

    def disable_account(self, account_id: str) -> int:
        live = self._stores.sessions.list_sessions(account_id)
        revoked = self.accounts.set_disabled(account_id, True)
        self.sessions.deny_sessions(live)
        return revoked

    def enable_account(self, account_id: str) -> None:
        self.accounts.set_disabled(account_id, False)

    def set_account_grants(
        self,
        account_id: str,
        *,
        roles: Iterable[str] | None = None,
        allowed_scopes: Iterable[str] | None = None,
    ) -> AccountRecord:
        return self.accounts.set_grants(account_id, roles=roles, allowed_scopes=allowed_scopes)

    def list_sessions(self, account_id: str) -> list[SessionRecord]:
        return self._stores.sessions.list_sessions(account_id)

    def register_client(
        self,
        client_id: str,
        *,
        name: str = "",
        allowed_audiences: Iterable[str] = (),
        allowed_scopes: Iterable[str] = (),
        grant_types: Iterable[str] = (CLIENT_CREDENTIALS,),
        confidential: bool = True,
    ) -> RegisteredClient:
        record, secret = self.clients.register(
            client_id,
            name=name,
            allowed_audiences=allowed_audiences,
            allowed_scopes=allowed_scopes,
            grant_types=grant_types,
            confidential=confidential,
        )
        return RegisteredClient(record, secret)

    def rotate_client_secret(self, client_id: str) -> str:
        return self.clients.rotate_secret(client_id)

    def disable_client(self, client_id: str) -> None:
        self.clients.set_disabled(client_id, True)

    def enable_client(self, client_id: str) -> None:
        self.clients.set_disabled(client_id, False)

    def list_clients(self) -> list[ClientRecord]:
        return self._stores.clients.list_clients()

    def purge(self) -> dict[str, int]:
        """Housekeeping: drop dead sessions, lapsed deny entries and expired retired keys."""
        now = self._clock.time()
        return {
            "sessions": self._stores.sessions.purge_sessions(before=now),
            "denied": self._stores.deny_list.purge_denied(now=now),
            "keys": self.keys.prune(),
        }
