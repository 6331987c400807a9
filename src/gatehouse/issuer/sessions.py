"""Sessions (refresh families): login, rotation with reuse detection, revocation.

The lifecycle follows what the field learnt the hard way. Each refresh spends the
presented token and issues its successor in one store transaction, so concurrent
refreshes cannot mint two live successors (hydra #3604). Re-presenting the
*immediate* predecessor within ``refresh_reuse_grace`` seconds, while its successor is
unspent, returns the current pair (lost responses, parallel tabs: Supabase's rule);
any other replay of a spent token revokes the whole family (Hydra, RFC 9700 §4.14.2)
and fails with ``refresh_token_reused``. Older ancestors never get grace
(django-oauth-toolkit #1617).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

from gatehouse.clock import Clock
from gatehouse.errors import InvalidGrantError, RefreshTokenReuseError
from gatehouse.issuer.access_tokens import AccessTokenMinter, TokenDraft
from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.config import IssuerConfig
from gatehouse.issuer.dpop_binding import bound_key_missing
from gatehouse.issuer.refresh_tokens import (
    hash_refresh_token,
    new_refresh_token,
    open_successor,
    seal_successor,
)
from gatehouse.issuer.results import TokenPair
from gatehouse.issuer.scopes import format_scope, grant_scope, parse_scope
from gatehouse.jose import b64url_encode
from gatehouse.storage.ports import AccountStore, DenyList, SessionStore
from gatehouse.storage.records import (
    REUSE_REASON,
    AccountRecord,
    DenyKind,
    RefreshTokenRecord,
    RotationOutcome,
    RotationRequest,
    SessionRecord,
)

if TYPE_CHECKING:
    from gatehouse.issuer.status_lists import StatusLists
    from gatehouse.issuer.throttle import PendingSettle
    from gatehouse.storage.status_records import StatusClaim

__all__ = ["SessionManager"]

DPOP_MISMATCH_REASON = "dpop_key_mismatch"
"""The ``revoke_reason`` of a family refreshed with a proof by another key (RFC 9449 §5)."""
_DENY_MARGIN = 60.0
"""Verifiers accept tokens up to their leeway past ``exp``; cover that too."""


class _KeyMismatchError(Exception):
    """Raised inside the rotation's transaction (which rolls back, nothing written) when
    a key-bound family's proof is by another key; the family is revoked after."""

    def __init__(self, session: SessionRecord) -> None:
        super().__init__("the DPoP proof is by another key")
        self.session = session


class SessionManager:
    def __init__(
        self,
        sessions: SessionStore,
        accounts: AccountStore,
        deny_list: DenyList,
        minter: AccessTokenMinter,
        config: IssuerConfig,
        *,
        clock: Clock,
        audit: AuditLog,
        random: Callable[[int], bytes] = secrets.token_bytes,
        mirror: StatusLists | None = None,
    ) -> None:
        """``mirror``: the store commits revocations with an outbox row (status lists);
        the deny-list is then written from it (``StatusLists.mirror``), not directly."""
        self._mirror = mirror
        self._sessions = sessions
        self._accounts = accounts
        self._deny = deny_list
        self._minter = minter
        self._config = config
        self._clock = clock
        self._audit = audit
        self._random = random

    def start(
        self,
        account: AccountRecord,
        *,
        audience: str,
        scope: frozenset[str],
        client_id: str,
        jkt: str | None = None,
        bind_family: bool = False,
        settle: PendingSettle | None = None,
    ) -> TokenPair:
        """A new session for a just-authenticated account, and its first pair.

        ``jkt`` (a checked DPoP proof's key) binds the access token; with
        ``bind_family`` (a public client) the whole refresh family too (``dpop_binding``).
        ``settle``: the login's give-back to the throttle, written in the session's
        transaction where one store holds both (issue 15 §4).
        """
        now = self._clock.time()
        cfg = self._config
        session = SessionRecord(
            sid=b64url_encode(self._random(16)),
            account_id=account.account_id,
            client_id=client_id,
            audience=audience,
            scope=scope,
            created_at=now,
            last_used_at=now,
            idle_expires_at=now + min(cfg.refresh_idle_timeout, cfg.refresh_absolute_lifetime),
            absolute_expires_at=now + cfg.refresh_absolute_lifetime,
            jkt=jkt if bind_family else None,
        )
        refresh = new_refresh_token(self._random)
        first = RefreshTokenRecord(hash_refresh_token(refresh), session.sid, issued_at=now)
        draft = self._draft(account.account_id, session)
        # The first access token's status index is claimed in the session's own
        # transaction (issue 11: a login costs one commit, not two).
        store, status = self._sessions, draft.status
        if settle is None:
            idx = store.create_session(session, first, status=status)
        else:
            idx = settle.create_session(store, session, first, status=status)
        pair = self._pair(account, session, refresh, scope, jkt, draft=draft, status_idx=idx)
        self._audit.event(
            "login_succeeded", account_id=account.account_id, sid=session.sid, client_id=client_id
        )
        return pair

    def _pair(
        self,
        account: AccountRecord,
        session: SessionRecord,
        refresh: str,
        scope: frozenset[str],
        jkt: str | None,
        *,
        draft: TokenDraft | None = None,
        status_idx: int | None = None,
    ) -> TokenPair:
        token, _ = self._minter.mint(
            subject=account.account_id,
            audience=session.audience,
            scope=scope,
            client_id=session.client_id or self._config.first_party_client_id,
            roles=account.roles,
            sid=session.sid,
            jkt=jkt,
            draft=draft,
            status_idx=status_idx,
        )
        return TokenPair(
            access_token=token,
            expires_in=self._config.access_token_ttl,
            refresh_token=refresh,
            scope=format_scope(scope),
            sid=session.sid,
            token_type="Bearer" if jkt is None else "DPoP",
        )

    def _draft(self, account_id: str, session: SessionRecord) -> TokenDraft:
        client_id = session.client_id or self._config.first_party_client_id
        return self._minter.draft(subject=account_id, client_id=client_id, sid=session.sid)

    def refresh(
        self,
        refresh_token: str,
        *,
        scope: str | None = None,
        client_id: str | None = None,
        jkt: str | None = None,
    ) -> TokenPair:
        """Rotate; see the module docstring for grace and reuse. ``jkt`` is the key of
        the request's checked DPoP proof: a key-bound family needs it to match, and is
        revoked as stolen when it does not (``dpop_binding``).

        The checks on the session (its client, its key) run inside the rotation's
        transaction, on the row it locked (``RotationRequest.admit``), so a refresh
        reads nothing before it: on PostgreSQL the whole refresh is two round trips.
        """
        presented = hash_refresh_token(refresh_token)
        requested = parse_scope(scope)
        successor = new_refresh_token(self._random)
        # The access token's status index rides in the rotation's transaction; the
        # draft names its session once that transaction has found it.
        draft = self._minter.draft()

        def admit(found: SessionRecord) -> StatusClaim | None:
            if client_id is not None:
                self._check_client(found, client_id)
            if found.jkt is not None:
                self._check_key(found, jkt)
            return self._draft_for(draft, found).status

        try:
            result = self._sessions.rotate_refresh_token(
                RotationRequest(
                    presented_hash=presented,
                    successor_hash=hash_refresh_token(successor),
                    sealed_successor=seal_successor(refresh_token, successor, self._random),
                    now=self._clock.time(),
                    idle_timeout=self._config.refresh_idle_timeout,
                    grace_seconds=self._config.refresh_reuse_grace,
                    admit=admit,
                )
            )
        except _KeyMismatchError as mismatch:  # rolled back; now the family is revoked
            self._key_mismatch(mismatch.session)
        outcome, session = result.outcome, result.session
        if outcome is RotationOutcome.UNKNOWN or session is None:
            raise InvalidGrantError("the refresh token is invalid")
        if outcome is RotationOutcome.REVOKED:
            raise InvalidGrantError("the refresh token was revoked", code="refresh_token_revoked")
        if outcome is RotationOutcome.EXPIRED:
            raise InvalidGrantError("the refresh token expired", code="refresh_token_expired")
        if outcome is RotationOutcome.REUSED:
            self._reused(session)
        current = successor
        if outcome is RotationOutcome.GRACE:
            sealed = result.token.sealed_successor if result.token else None
            opened = open_successor(refresh_token, sealed) if sealed else None
            if opened is None:
                self.revoke(session.sid, reason=REUSE_REASON)
                self._reused(session)
            current = opened
        account = result.account or self._accounts.get_account(session.account_id)
        if account is None or account.disabled:
            self.revoke(session.sid, reason="account_disabled")
            raise InvalidGrantError("the account is disabled", code="account_disabled")
        granted = grant_scope(requested, session.scope & account.allowed_scopes)
        self._audit.event("refresh", sid=session.sid, outcome=outcome.value)
        return self._pair(
            account,
            session,
            current,
            granted,
            session.jkt or jkt,
            draft=self._draft_for(draft, session),  # unclaimed (list full): settled apart
            status_idx=result.status_idx,
        )

    def _draft_for(self, draft: TokenDraft, session: SessionRecord) -> TokenDraft:
        client_id = session.client_id or self._config.first_party_client_id
        return draft.for_session(subject=session.account_id, client_id=client_id, sid=session.sid)

    def _session_of(self, presented: bytes) -> SessionRecord | None:
        token = self._sessions.find_refresh_token(presented)
        return self._sessions.get_session(token.sid) if token else None

    def _check_client(self, session: SessionRecord | None, client_id: str) -> None:
        """RFC 6749 §6: a refresh token works only for the client it was issued to."""
        if session is not None and (session.client_id or self._config.first_party_client_id) != (
            client_id
        ):
            raise InvalidGrantError("the refresh token was issued to another client")

    @staticmethod
    def _check_key(session: SessionRecord, jkt: str | None) -> None:
        """RFC 9449 §5: a key-bound family is refreshed only with a proof by its key.

        No proof: refused, nothing revoked. Another key: whoever holds this refresh
        token is not the client it was issued to, so, as for a replayed spent token
        (RFC 9700 §4.14.2), the family is revoked (``_key_mismatch``, once the
        rotation's transaction has rolled back) and the event audited.
        """
        if jkt is None:
            raise bound_key_missing()
        if not hmac.compare_digest(jkt.encode(), (session.jkt or "").encode()):
            raise _KeyMismatchError(session)

    def _key_mismatch(self, session: SessionRecord) -> NoReturn:
        self.revoke(session.sid, reason=DPOP_MISMATCH_REASON)
        self._audit.event(
            "refresh_dpop_key_mismatch", sid=session.sid, account_id=session.account_id
        )
        raise RefreshTokenReuseError(
            "the refresh token is bound to another DPoP key; the session is revoked",
            code="dpop_key_mismatch",
        ) from None  # raised while _KeyMismatchError is handled: not a second failure

    def _reused(self, session: SessionRecord) -> NoReturn:
        self._deny_sid(session.sid)
        self._audit.event("refresh_token_reused", sid=session.sid, account_id=session.account_id)
        raise RefreshTokenReuseError("a spent refresh token was presented; the session is revoked")

    def _deny_sid(self, sid: str) -> None:
        if self._mirror is not None:
            self._mirror.mirror()  # the store recorded it with the revocation
            return
        if self._config.deny_on_revoke:
            until = self._clock.time() + self._config.access_token_ttl + _DENY_MARGIN
            self._deny.deny(DenyKind.SID, sid, expires_at=until)

    def revoke(self, sid: str, *, reason: str) -> bool:
        """Revoke one session (and deny its access tokens); False if it was not live."""
        revoked = self._sessions.revoke_session(sid, now=self._clock.time(), reason=reason)
        if revoked:
            self._audit.event("session_revoked", sid=sid, reason=reason)
        if revoked or self._mirror is not None:
            # With the outbox, a retry of a revocation whose mirror failed completes it.
            self._deny_sid(sid)
        return revoked

    def revoke_account(self, account_id: str, *, reason: str) -> int:
        """Revoke every session of an account; return how many."""
        live = self._sessions.list_sessions(account_id)
        count = self._sessions.revoke_account_sessions(
            account_id, now=self._clock.time(), reason=reason
        )
        self.deny_sessions(live)
        self._audit.event("sessions_revoked", account_id=account_id, reason=reason, count=count)
        return count

    def deny_sessions(self, sessions: list[SessionRecord]) -> None:
        """Deny the access tokens of sessions revoked elsewhere (password change, disable)."""
        if self._mirror is not None:
            self._mirror.mirror()  # the store wrote outbox rows with the revocation
            return
        for session in sessions:
            self._deny_sid(session.sid)

    def session_for_token(self, refresh_token: str) -> SessionRecord | None:
        """The session a refresh token belongs to (spent or not), or None."""
        try:
            presented = hash_refresh_token(refresh_token)
        except InvalidGrantError:
            return None
        return self._session_of(presented)
