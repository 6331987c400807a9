"""The storage ports: one small Protocol per concern the issuer needs.

The issuer talks to storage only through these. An adapter (memory, SQLite,
PostgreSQL, Redis) implements one or more of them; ``Stores`` bundles one object per
port so a deployment can keep accounts and sessions in SQLite or PostgreSQL while the
deny-list and throttle counters live in Redis.

Rules every adapter follows (the contract suite in ``tests/storage`` pins them):

* Each method is one transaction: it happens entirely or not at all. A failed call
  leaves the store unchanged.
* Driver exceptions never escape: a down or timed-out backend raises
  ``StorageUnavailableError``, a uniqueness violation ``ConflictError``, anything else
  ``StorageError`` (always ``raise … from exc``). Messages carry no token, hash or key.
* "Not found" is a return value (None, False, 0 or an outcome), never an exception,
  except where a method says so.
* Adapters never read a clock: the caller passes ``now``.

A store that keeps the throttle counters beside the accounts and sessions (SQLite,
PostgreSQL) also implements ``AttemptBatches`` and ``SettlingStore``
(``storage.attempts``, re-exported here), so a login's steps share its transactions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from gatehouse._record import record
from gatehouse.storage.attempts import (
    Attempt,
    AttemptBatches,
    Reservation,
    Settlement,
    SettlingStore,
)
from gatehouse.storage.records import (
    AccountRecord,
    ClientRecord,
    DenyKind,
    KeyTransition,
    RefreshTokenRecord,
    RotationRequest,
    RotationResult,
    SessionRecord,
    SigningKeyRecord,
)
from gatehouse.storage.status_ports import StatusStore
from gatehouse.storage.status_records import StatusClaim

__all__ = [
    "AccountStore",
    "Attempt",
    "AttemptBatches",
    "ClientStore",
    "DenyList",
    "FullStore",
    "Reservation",
    "SessionStore",
    "Settlement",
    "SettlingStore",
    "SigningKeyStore",
    "StoreLifecycle",
    "Stores",
    "ThrottleStore",
]


@runtime_checkable
class StoreLifecycle(Protocol):
    """Start-up and shut-down of an adapter (the HTTP layer's readiness probe uses ``ping``)."""

    def ping(self) -> None:
        """Return if the backend answers; raise ``StorageUnavailableError`` otherwise."""
        ...

    def close(self) -> None:
        """Release connections; idempotent."""
        ...


@runtime_checkable
class AccountStore(Protocol):
    def create_account(self, account: AccountRecord) -> None:
        """Insert; ``ConflictError`` if the account_id, username or email is taken."""
        ...

    def get_account(self, account_id: str) -> AccountRecord | None: ...

    def find_account_by_username(self, username: str) -> AccountRecord | None:
        """Look up by the already-normalised username (exact match)."""
        ...

    def list_accounts(self) -> list[AccountRecord]:
        """Every account, ordered by username."""
        ...

    def update_account(
        self,
        account: AccountRecord,
        *,
        revoke_sessions_at: float | None = None,
        revoke_reason: str = "account_changed",
    ) -> int:
        """Replace the row with the same account_id; return sessions revoked.

        With ``revoke_sessions_at`` set, every live session of the account is revoked
        in the same transaction (password change, disabling). Raises
        ``ConflictError`` if the account does not exist or the new username/email is
        taken.
        """
        ...

    def delete_account(
        self, account_id: str, *, now: float, reason: str = "account_deleted"
    ) -> int | None:
        """Delete the account; return its sessions revoked, None if there was no account.

        In ONE transaction: every live session is revoked first, as
        ``revoke_account_sessions`` does (status bits INVALID, outbox rows), then the row
        goes. The revoked sessions stay until ``purge_sessions``, so a refresh token of a
        deleted account reads as REVOKED, never UNKNOWN.
        """
        ...


@runtime_checkable
class SessionStore(Protocol):
    def create_session(
        self,
        session: SessionRecord,
        first_token: RefreshTokenRecord,
        *,
        status: StatusClaim | None = None,
    ) -> int | None:
        """Insert a session and its first refresh token together; ``ConflictError`` on
        a duplicate sid or token hash. With ``status``, the first access token's
        status-list index is claimed in the same transaction (issue 11: no commit of
        its own) and returned; None if no candidate was free (the caller claims apart)."""
        ...

    def get_session(self, sid: str) -> SessionRecord | None: ...

    def list_sessions(
        self, account_id: str, *, include_revoked: bool = False
    ) -> list[SessionRecord]:
        """The account's sessions, oldest first."""
        ...

    def find_refresh_token(self, token_hash: bytes) -> RefreshTokenRecord | None: ...

    def rotate_refresh_token(self, request: RotationRequest) -> RotationResult:
        """Spend a refresh token and insert its successor, atomically.

        In ONE transaction, with the presented row locked against concurrent rotation
        (SQLite ``BEGIN IMMEDIATE``; PostgreSQL ``SELECT … FOR UPDATE`` or a
        conditional ``UPDATE … WHERE spent_at IS NULL``), decide in this order:

        1. no row with ``presented_hash`` → UNKNOWN;
        2. its session revoked → REVOKED;
        3. ``now >= idle_expires_at`` or ``now >= absolute_expires_at`` → EXPIRED;
        4. the token already spent: if its successor is unspent and
           ``now - spent_at <= grace_seconds`` → GRACE (nothing written); otherwise
           revoke the session (reason ``"refresh_token_reused"``) → REUSED;
        5. else mark it spent (``spent_at = now``, ``successor_hash``,
           ``sealed_successor``), insert the successor (``parent_hash`` = presented,
           ``issued_at = now``), set the session's ``last_used_at = now`` and
           ``idle_expires_at = min(now + idle_timeout, absolute_expires_at)`` → ROTATED.

        Under any number of concurrent calls with one token, exactly one ROTATED.
        For ROTATED and GRACE (an access token will be minted), ``request.status`` is
        claimed in the same transaction; ``status_idx`` is the index (None: not claimed,
        the caller claims apart). A failure rolls back the rotation and the claim.
        ``request.admit``, if set, is called with the session found (locked) before step
        2; what it raises comes out with nothing written, and its claim replaces
        ``request.status``. ``account`` may carry the session's account read in the
        same transaction (None: the caller reads it).
        """
        ...

    def revoke_session(self, sid: str, *, now: float, reason: str) -> bool:
        """Revoke; True if the session existed and was not already revoked."""
        ...

    def revoke_account_sessions(self, account_id: str, *, now: float, reason: str) -> int:
        """Revoke every unrevoked session of the account; return how many."""
        ...

    def purge_sessions(self, *, before: float) -> int:
        """Delete sessions (and their tokens) that expired or were revoked before
        ``before``; return how many sessions. Housekeeping, not correctness."""
        ...


@runtime_checkable
class ClientStore(Protocol):
    def create_client(self, client: ClientRecord) -> None:
        """Insert; ``ConflictError`` if the client_id is taken."""
        ...

    def get_client(self, client_id: str) -> ClientRecord | None: ...

    def list_clients(self) -> list[ClientRecord]:
        """Every client, ordered by client_id."""
        ...

    def update_client(self, client: ClientRecord) -> None:
        """Replace the row; ``ConflictError`` if the client does not exist."""
        ...

    def delete_client(self, client_id: str, *, now: float) -> bool:
        """Delete; True if it existed. A cascade, in ONE transaction: the status entries
        issued to the client are set INVALID (as disabling does), the live sessions
        logged in through it are revoked (reason ``"client_deleted"``, bits and outbox
        rows), then the row goes, so a new client later given the same id inherits
        nothing that was issued to the old one."""
        ...


@runtime_checkable
class SigningKeyStore(Protocol):
    def add_signing_key(self, key: SigningKeyRecord) -> None:
        """Insert; ``ConflictError`` if the kid exists."""
        ...

    def get_signing_key(self, kid: str) -> SigningKeyRecord | None: ...

    def list_signing_keys(self) -> list[SigningKeyRecord]:
        """Every key including REMOVED ones, ordered by (created_at, kid)."""
        ...

    def apply_key_transitions(
        self,
        transitions: Sequence[KeyTransition],
        *,
        add: Sequence[SigningKeyRecord] = (),
    ) -> None:
        """Apply state changes and insert new keys in one transaction.

        Each transition is a compare-and-set: if key ``kid`` is not in ``from_state``
        nothing at all is written and ``ConflictError`` is raised (two rotations raced).
        A transition to REMOVED also erases ``sealed_private`` (sets it to ``b""``).
        """
        ...


@runtime_checkable
class DenyList(Protocol):
    """Access tokens cut off before they expire, by ``jti`` or by whole session ``sid``."""

    def deny(self, kind: DenyKind, value: str, *, expires_at: float) -> None:
        """Add or extend an entry; it may be forgotten once ``expires_at`` has passed
        (set it to the latest ``exp`` a token it covers can carry)."""
        ...

    def is_denied(self, *, jti: str | None = None, sid: str | None = None, now: float) -> bool:
        """True if either the jti or the sid has an entry still in force at ``now``."""
        ...

    def purge_denied(self, *, now: float) -> int:
        """Drop lapsed entries; return how many (Redis expires them itself and may return 0)."""
        ...


@runtime_checkable
class ThrottleStore(Protocol):
    """Failure counters and lockouts keyed by an opaque string (``acct:…``, ``addr:…``)."""

    def register_failure(self, key: str, *, now: float, window: float) -> int:
        """Atomically count one failure; return the count within the current window.

        The window starts at the first failure; once ``window`` seconds have passed
        since then, the next failure starts a new window at count 1. (Redis: INCR with
        an expiry set when the count is 1.)
        """
        ...

    def lock(self, key: str, *, until: float) -> None:
        """Lock the key until ``until``; never shortens an existing lock."""
        ...

    def locked_until(self, key: str, *, now: float) -> float | None:
        """The end of a lock still in force at ``now``, else None."""
        ...

    def clear(self, key: str) -> None:
        """Forget the counter and any lock (a successful login)."""
        ...

    def reserve_attempt(
        self, key: str, *, now: float, window: float, locks: Sequence[float]
    ) -> Reservation:
        """In one atomic step: refuse if a lock is in force at ``now``; otherwise count
        the attempt (``register_failure``'s window rules) and set the lock that count
        earns (``storage.attempts.lock_after``; never shortening one). Reserved before
        the password is checked, so concurrent attempts cannot all pass one check."""
        ...

    def release(self, key: str, *, now: float, window: float) -> None:
        """Give one reserved attempt back (a correct password); never below zero."""
        ...


@runtime_checkable
class FullStore(
    AccountStore,
    SessionStore,
    ClientStore,
    SigningKeyStore,
    DenyList,
    ThrottleStore,
    StoreLifecycle,
    Protocol,
):
    """An adapter that implements every port (memory, SQLite, PostgreSQL)."""


@record
class Stores:
    """One object per port: what ``TokenService`` is built from."""

    accounts: AccountStore
    sessions: SessionStore
    clients: ClientStore
    signing_keys: SigningKeyStore
    deny_list: DenyList
    throttle: ThrottleStore
    status: StatusStore | None = None
    """Status lists and the revocation outbox: the main store (they share its
    transactions, ``storage.status_ports``); None where the main store has no such tables."""

    @classmethod
    def single(
        cls,
        store: FullStore,
        *,
        deny_list: DenyList | None = None,
        throttle: ThrottleStore | None = None,
    ) -> Stores:
        """Everything in one store, optionally with the deny-list/throttle elsewhere (Redis)."""
        return cls(
            accounts=store,
            sessions=store,
            clients=store,
            signing_keys=store,
            deny_list=deny_list if deny_list is not None else store,
            throttle=throttle if throttle is not None else store,
            status=store if isinstance(store, StatusStore) else None,
        )
