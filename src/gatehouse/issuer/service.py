"""``TokenService``: the one surface of the token service, for HTTP, Lambda and the CLI.

Why one facade and private managers: the rules that matter sit *between* the parts.
Disabling an account must also deny its sessions' live access tokens; a login's
audience depends on the client; a revocation depends on who asks. A caller handed the
account or session manager could skip those steps, so the managers are private
(``_accounts``, ``_sessions``, ...) and every operation, listings included, is a method
here. Each takes and returns plain values, raises only ``gatehouse.errors`` classes,
and reads time and randomness from what was injected.

Adding a capability (DPoP, Token Status Lists, token exchange): put its rules in a
module of its own that takes the ports and parts it needs (``revocation.py`` is the
pattern), build it once in ``__init__``, and add the methods that state its contract
here, in the section it belongs to. A grant that binds or marks tokens (``cnf.jkt``,
``status``) is a keyword argument through ``login``/``refresh``/``client_credentials``
to the minter, not a second way in.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import ConfigurationError, InvalidClientError, UnauthorizedClientError
from gatehouse.issuer.access_tokens import MintedToken
from gatehouse.issuer.accounts import AccountManager
from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.clients import CLIENT_CREDENTIALS, ClientManager
from gatehouse.issuer.config import IssuerConfig
from gatehouse.issuer.dpop_binding import TokenEndpointDPoP, require_proof
from gatehouse.issuer.dpop_config import DPoPConfig
from gatehouse.issuer.kek import KeyEncryptionKey
from gatehouse.issuer.metadata import server_metadata
from gatehouse.issuer.passwords import PasswordHasher
from gatehouse.issuer.results import AccessTokenResponse, TokenPair
from gatehouse.issuer.scopes import choose_audience, format_scope, grant_scope, parse_scope
from gatehouse.issuer.service_accounts import AccountAdministration
from gatehouse.issuer.service_clients import ClientAdministration
from gatehouse.issuer.service_dpop import DPoPMethods
from gatehouse.issuer.service_exchange import ExchangeMethods
from gatehouse.issuer.service_parts import LazyParts
from gatehouse.issuer.service_passwords import PasswordPolicyMethods
from gatehouse.issuer.service_status import StatusListMethods
from gatehouse.issuer.sessions import SessionManager
from gatehouse.issuer.signing_keys import SigningKeyManager
from gatehouse.issuer.status_config import StatusListConfig
from gatehouse.issuer.throttle import LoginThrottle
from gatehouse.storage.ports import Stores
from gatehouse.storage.records import AccountRecord, ClientRecord, SessionRecord, SigningKeyRecord

if TYPE_CHECKING:  # the proof machinery is loaded by the first DPoP request (dpop_binding)
    from gatehouse.dpop.replay import ReplayCache

__all__ = ["TokenService"]


class TokenService(
    LazyParts,
    AccountAdministration,
    ClientAdministration,
    DPoPMethods,
    StatusListMethods,
    ExchangeMethods,
    PasswordPolicyMethods,
):
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
        dpop: DPoPConfig | None = None,
        dpop_replay: ReplayCache | None = None,
        status_lists: StatusListConfig | None = None,
    ) -> None:
        """``dpop``: the ``[dpop]`` policy (default: on, no nonce); ``dpop_replay``: where
        used proofs are remembered (None: memory); ``status_lists``: ``[status_list]``."""
        self.config = config
        self._stores = stores
        self._clock = clock
        self._random = random
        self._audit = audit or AuditLog()
        if kek.development and not config.development:
            raise ConfigurationError("the development KEK is refused outside development mode")
        self._keys = SigningKeyManager(
            stores.signing_keys, kek, config, clock=clock, audit=self._audit, random=random
        )
        throttle = LoginThrottle(
            stores.throttle,
            account_policy=config.account_throttle,
            address_policy=config.address_throttle,
            clock=clock,
            audit=self._audit,
        )
        self._accounts = AccountManager(
            stores.accounts,
            hasher or PasswordHasher(config.password_profile),
            throttle,
            clock=clock,
            audit=self._audit,
            random=random,
        )
        self._status = self._make_status_lists(status_lists, config, stores, self._keys, clock)
        self._minter = self._minter_for(config)
        self._sessions = SessionManager(
            stores.sessions,
            stores.accounts,
            stores.deny_list,
            self._minter,
            config,
            clock=clock,
            audit=self._audit,
            random=random,
            mirror=self._status,
        )
        self._clients = ClientManager(stores.clients, clock=clock, audit=self._audit, random=random)
        self._dpop = TokenEndpointDPoP(
            dpop or DPoPConfig(), issuer=config.issuer, kek=kek, replay=dpop_replay, clock=clock
        )

    def bootstrap(self) -> None:
        """Create the first ACTIVE and NEXT keys if none; mirror pending revocations."""
        self._keys.ensure_keys()
        self._mirror_at_start()

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
        dpop_jkt: str | None = None,
    ) -> TokenPair:
        """Password login (RFC 6749 §4.3) → a new session and its first token pair.

        ``client_id`` names the client the session is bound to; a confidential client
        must have been authenticated first (``authenticate_client``) by the caller.
        ``dpop_jkt`` (from ``check_dpop_proof``) binds the access token and, for a
        public client, the refresh family to that key (RFC 9449 §5).
        """
        client = self._login_client(client_id)
        require_proof(dpop_jkt, required=self._dpop.required_for(client, self.config))
        aud = choose_audience(self.config, audience, client)
        requested = parse_scope(scope)
        login = self._accounts.check_login(username, password, remote_addr=remote_addr)
        with login.settle:  # given back in the session's transaction, or here if none
            limits = client.allowed_scopes if client else None
            return self._sessions.start(
                login.account,
                audience=aud,
                scope=grant_scope(requested, login.account.allowed_scopes, limits),
                client_id=client.client_id if client else self.config.first_party_client_id,
                jkt=dpop_jkt,
                bind_family=client is None or client.secret_hash is None,
                settle=login.settle,
            )

    def refresh(
        self,
        refresh_token: str,
        *,
        scope: str | None = None,
        client_id: str | None = None,
        dpop_jkt: str | None = None,
    ) -> TokenPair:
        """Refresh with rotation (RFC 6749 §6); grace and reuse per ``sessions``. A
        key-bound family needs ``dpop_jkt`` of its key; another key revokes it."""
        if client_id is not None:
            # The first-party client's policy is configuration (``required_for``): no read.
            first = client_id == self.config.first_party_client_id
            client = None if first else self._stores.clients.get_client(client_id)
            require_proof(dpop_jkt, required=self._dpop.required_for(client, self.config))
        return self._sessions.refresh(refresh_token, scope=scope, client_id=client_id, jkt=dpop_jkt)

    def authenticate_client(self, client_id: str, client_secret: str | None) -> ClientRecord:
        """The client if its secret is right (RFC 6749 §2.3.1); ``InvalidClientError``."""
        return self._clients.authenticate(client_id, client_secret)

    def client_credentials(
        self,
        client_id: str,
        client_secret: str,
        *,
        audience: str | None = None,
        scope: str | None = None,
        dpop_jkt: str | None = None,
    ) -> AccessTokenResponse:
        """Client credentials grant (RFC 6749 §4.4): an access token, no refresh token;
        bound to ``dpop_jkt`` when given (RFC 9449 §5)."""
        client = self._clients.authenticate(client_id, client_secret)
        ClientManager.require_grant(client, CLIENT_CREDENTIALS)
        require_proof(dpop_jkt, required=client.require_dpop)
        if not client.allowed_audiences:
            raise UnauthorizedClientError("this client has no allowed audience")
        aud = choose_audience(self.config, audience, client)
        granted = grant_scope(parse_scope(scope), client.allowed_scopes)
        token, _ = self._minter.mint(
            subject=client.client_id,
            audience=aud,
            scope=granted,
            client_id=client.client_id,
            jkt=dpop_jkt,
        )
        self._audit.event(
            "client_token_issued",
            client_id=client.client_id,
            audience=aud,
            scope=format_scope(granted),
        )
        token_type = "Bearer" if dpop_jkt is None else "DPoP"
        return AccessTokenResponse(
            token, self.config.access_token_ttl, format_scope(granted), token_type
        )

    def mint_access_token(
        self,
        subject: str,
        *,
        audience: str | None = None,
        scope: Iterable[str] = (),
        roles: Iterable[str] = (),
        ttl: int | None = None,
    ) -> MintedToken:
        """An access token for any subject, no login (``gatehouse token mint``): refused
        outside development mode, where it would bypass every grant rule."""
        if not self.config.development:
            raise ConfigurationError("minting tokens directly is for development mode only")
        config = self.config
        if ttl is not None:
            config = dataclasses.replace(config, access_token_ttl=ttl)
        return self._minter_for(config).mint(
            subject=subject,
            audience=choose_audience(config, audience, None),
            scope=parse_scope(list(scope)) or frozenset(),
            client_id=config.first_party_client_id,
            roles=tuple(roles),
        )

    # --- ending sessions and revoking tokens ---------------------------------------

    def logout(
        self,
        *,
        refresh_token: str | None = None,
        sid: str | None = None,
        all_sessions: bool = False,
    ) -> int:
        """End the session named by a refresh token or sid (or all of the account's);
        return sessions revoked. Unknown tokens are not an error (idempotent)."""
        return self._revoker.logout(refresh_token=refresh_token, sid=sid, all_sessions=all_sessions)

    def revoke(
        self, token: str, *, token_type_hint: str | None = None, client_id: str | None = None
    ) -> bool:
        """RFC 7009: either kind of token (a refresh token ends its whole session), hint
        optional (§2.1). With ``client_id`` only that client's tokens may be revoked;
        another client's is ``UnauthorizedClientError`` (§2.1), an unknown token a silent
        no-op (§2.2). True if anything was revoked."""
        return self._revoker.revoke(token, client_id=client_id)

    def revoke_session(self, sid: str, *, reason: str = "admin_revoked") -> bool:
        """Revoke one session and deny its access tokens; False if it was not live."""
        return self._sessions.revoke(sid, reason=reason)

    def revoke_account_sessions(self, account_id: str, *, reason: str = "admin_revoked") -> int:
        """Revoke every session of an account and deny their access tokens."""
        return self._sessions.revoke_account(account_id, reason=reason)

    def is_denied(self, *, jti: str | None = None, sid: str | None = None) -> bool:
        """Whether an access token was cut off early (for routes that must check)."""
        return self._stores.deny_list.is_denied(jti=jti, sid=sid, now=self._clock.time())

    def introspect(self, token: str, *, token_type_hint: str | None = None) -> dict[str, Any]:
        """RFC 7662 §2.2 response for one of our tokens; ``{"active": False}`` otherwise."""
        return self._introspector.introspect(token, token_type_hint=token_type_hint)

    # --- keys and metadata ----------------------------------------------------------

    def jwks(self) -> dict[str, Any]:
        """The JWKS to publish: next, active and retired public keys."""
        self._keys.ensure_keys()
        return self._keys.jwks()

    def rotate_keys(self, *, min_published: float = 0.0) -> str:
        """Promote NEXT to ACTIVE, retire ACTIVE, add NEXT; return the new active kid.
        ``RotationTooSoonError`` if NEXT was published less than ``min_published`` seconds
        ago (``issuer.key_rotation.verifier_cache_time``); a NEXT of another algorithm than
        ``signing_alg`` is replaced first (``SigningKeyManager.rotate``)."""
        return self._keys.rotate(min_published=min_published)

    def list_signing_keys(self) -> list[SigningKeyRecord]:
        """Every signing key record in any state (public parts and states; sealed keys)."""
        return self._stores.signing_keys.list_signing_keys()

    def metadata(self, **paths: Any) -> dict[str, Any]:
        """RFC 8414 metadata (``server_metadata``'s keywords), DPoP's (§5.1), status lists'."""
        extra = {**self._dpop.metadata(), **self.status_list_metadata()}
        return {**server_metadata(self.config, **paths), **extra}

    # --- accounts -------------------------------------------------------------------

    def create_account(
        self,
        username: str,
        password: str,
        *,
        email: str | None = None,
        roles: Iterable[str] = (),
        allowed_scopes: Iterable[str] = (),
    ) -> AccountRecord:
        """A new account; the username is normalised and must be free."""
        return self._accounts.create(
            username, password, email=email, roles=roles, allowed_scopes=allowed_scopes
        )

    def get_account(self, account_id: str) -> AccountRecord:
        """The account, or ``InvalidRequestError`` when there is none."""
        return self._accounts.get(account_id)

    def find_account(self, username: str) -> AccountRecord | None:
        """The account with this (normalised) username, or None."""
        return self._accounts.find(username)

    def list_accounts(self) -> list[AccountRecord]:
        """Every account (administration; never on a request path)."""
        return self._stores.accounts.list_accounts()

    def change_password(
        self, account_id: str, new_password: str, *, current_password: str | None = None
    ) -> int:
        """Set a new password; every session of the account is revoked."""
        live = self._stores.sessions.list_sessions(account_id)
        revoked = self._accounts.change_password(
            account_id, new_password, current_password=current_password
        )
        self._sessions.deny_sessions(live)
        return revoked

    def disable_account(self, account_id: str) -> int:
        """Disable the account: its sessions end and their access tokens are denied."""
        live = self._stores.sessions.list_sessions(account_id)
        revoked = self._accounts.set_disabled(account_id, True)
        self._sessions.deny_sessions(live)
        return revoked

    def enable_account(self, account_id: str) -> None:
        """Let a disabled account log in again (its old sessions stay revoked)."""
        self._accounts.set_disabled(account_id, False)

    def list_sessions(
        self, account_id: str, *, include_revoked: bool = False
    ) -> list[SessionRecord]:
        """The account's sessions, live ones only unless ``include_revoked``."""
        return self._stores.sessions.list_sessions(account_id, include_revoked=include_revoked)

    # --- housekeeping ---------------------------------------------------------------

    def purge(self) -> dict[str, int]:
        """Drop dead sessions, lapsed deny entries and expired retired keys."""
        now = self._clock.time()
        return {
            "sessions": self._stores.sessions.purge_sessions(before=now),
            "denied": self._stores.deny_list.purge_denied(now=now),
            "keys": self._keys.prune(),
        }
