"""An in-memory adapter for every port: tests, demos and single-process development.

One lock guards all state, so each method is atomic like a transaction; every method
checks first and writes last, so a refused call leaves nothing changed. Records are
frozen, so handing them out shares nothing mutable.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence

from gatehouse.errors import ConflictError
from gatehouse.storage.attempts import Reservation, lock_after
from gatehouse.storage.memory_status import MemoryStatusLists
from gatehouse.storage.records import (
    AccountRecord,
    ClientRecord,
    DenyKind,
    KeyState,
    KeyTransition,
    RefreshTokenRecord,
    RotationOutcome,
    RotationRequest,
    RotationResult,
    SessionRecord,
    SigningKeyRecord,
)
from gatehouse.storage.rotation import decide_rotation
from gatehouse.storage.status_records import StatusClaim

__all__ = ["MemoryStore"]


class MemoryStore(MemoryStatusLists):
    """Every storage port in process memory; nothing survives ``close``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accounts: dict[str, AccountRecord] = {}
        self._sessions: dict[str, SessionRecord] = {}
        self._tokens: dict[bytes, RefreshTokenRecord] = {}
        self._clients: dict[str, ClientRecord] = {}
        self._keys: dict[str, SigningKeyRecord] = {}
        self._denied: dict[tuple[DenyKind, str], float] = {}
        self._failures: dict[str, tuple[int, float]] = {}
        self._locks: dict[str, float] = {}
        self._init_status_state()

    # --- lifecycle ------------------------------------------------------------------

    def ping(self) -> None:
        return None

    def close(self) -> None:
        return None

    # --- accounts -------------------------------------------------------------------

    def _check_unique(self, account: AccountRecord, *, replacing: bool) -> None:
        for other in self._accounts.values():
            if other.account_id == account.account_id:
                continue
            if other.username == account.username:
                raise ConflictError("username is taken")
            if account.email is not None and other.email == account.email:
                raise ConflictError("email is taken")
        if not replacing and account.account_id in self._accounts:
            raise ConflictError("account id is taken")

    def create_account(self, account: AccountRecord) -> None:
        with self._lock:
            self._check_unique(account, replacing=False)
            self._accounts[account.account_id] = account

    def get_account(self, account_id: str) -> AccountRecord | None:
        with self._lock:
            return self._accounts.get(account_id)

    def find_account_by_username(self, username: str) -> AccountRecord | None:
        with self._lock:
            for account in self._accounts.values():
                if account.username == username:
                    return account
            return None

    def list_accounts(self) -> list[AccountRecord]:
        with self._lock:
            return sorted(self._accounts.values(), key=lambda a: a.username)

    def update_account(
        self,
        account: AccountRecord,
        *,
        revoke_sessions_at: float | None = None,
        revoke_reason: str = "account_changed",
    ) -> int:
        with self._lock:
            if account.account_id not in self._accounts:
                raise ConflictError("no such account")
            self._check_unique(account, replacing=True)
            self._accounts[account.account_id] = account
            if revoke_sessions_at is None:
                return 0
            return self._revoke_where(account.account_id, revoke_sessions_at, revoke_reason)

    def delete_account(
        self, account_id: str, *, now: float, reason: str = "account_deleted"
    ) -> int | None:
        with self._lock:
            if account_id not in self._accounts:
                return None
            revoked = self._revoke_where(account_id, now, reason)
            del self._accounts[account_id]
            return revoked

    # --- sessions -------------------------------------------------------------------

    def create_session(
        self,
        session: SessionRecord,
        first_token: RefreshTokenRecord,
        *,
        status: StatusClaim | None = None,
    ) -> int | None:
        with self._lock:
            if session.sid in self._sessions:
                raise ConflictError("session id is taken")
            if first_token.token_hash in self._tokens:
                raise ConflictError("refresh token exists")
            self._sessions[session.sid] = session
            self._tokens[first_token.token_hash] = first_token
            return None if status is None else self._claim_locked(status)

    def get_session(self, sid: str) -> SessionRecord | None:
        with self._lock:
            return self._sessions.get(sid)

    def list_sessions(
        self, account_id: str, *, include_revoked: bool = False
    ) -> list[SessionRecord]:
        with self._lock:
            found = [
                s
                for s in self._sessions.values()
                if s.account_id == account_id and (include_revoked or s.revoked_at is None)
            ]
        return sorted(found, key=lambda s: (s.created_at, s.sid))

    def find_refresh_token(self, token_hash: bytes) -> RefreshTokenRecord | None:
        with self._lock:
            return self._tokens.get(token_hash)

    def rotate_refresh_token(self, request: RotationRequest) -> RotationResult:
        with self._lock:
            token = self._tokens.get(request.presented_hash)
            session = self._sessions.get(token.sid) if token is not None else None
            successor = None
            if token is not None and token.successor_hash is not None:
                successor = self._tokens.get(token.successor_hash)
            decision = decide_rotation(request, token, session, successor)
            if decision.insert is not None and decision.insert.token_hash in self._tokens:
                raise ConflictError("refresh token exists")
            if decision.session is not None:
                self._sessions[decision.session.sid] = decision.session
            if decision.write_token is not None:
                self._tokens[decision.write_token.token_hash] = decision.write_token
            if decision.insert is not None:
                self._tokens[decision.insert.token_hash] = decision.insert
            if decision.result.outcome is RotationOutcome.REUSED and decision.session:
                self._end_session_locked(decision.session.sid, request.now)
            if decision.claim is not None:
                idx = self._claim_locked(decision.claim)
                return dataclasses.replace(decision.result, status_idx=idx)
            return decision.result

    def _revoke_where(
        self, account_id: str | None, now: float, reason: str, *, client_id: str | None = None
    ) -> int:
        """Revoke the live sessions of the account (or, with ``client_id``, of the client)."""
        count = 0
        for sid, session in list(self._sessions.items()):
            owner = session.account_id == account_id or (
                client_id is not None and session.client_id == client_id
            )
            if owner and session.revoked_at is None:
                self._sessions[sid] = dataclasses.replace(
                    session, revoked_at=now, revoke_reason=reason
                )
                self._end_session_locked(sid, now)
                count += 1
        return count

    def revoke_session(self, sid: str, *, now: float, reason: str) -> bool:
        with self._lock:
            session = self._sessions.get(sid)
            if session is None or session.revoked_at is not None:
                return False
            self._sessions[sid] = dataclasses.replace(session, revoked_at=now, revoke_reason=reason)
            self._end_session_locked(sid, now)
            return True

    def revoke_account_sessions(self, account_id: str, *, now: float, reason: str) -> int:
        with self._lock:
            return self._revoke_where(account_id, now, reason)

    def purge_sessions(self, *, before: float) -> int:
        with self._lock:
            gone = {
                sid
                for sid, s in self._sessions.items()
                if (s.revoked_at is not None and s.revoked_at < before)
                or min(s.idle_expires_at, s.absolute_expires_at) < before
            }
            for sid in gone:
                del self._sessions[sid]
            for token_hash, token in list(self._tokens.items()):
                if token.sid in gone:
                    del self._tokens[token_hash]
            return len(gone)

    # --- clients --------------------------------------------------------------------

    def create_client(self, client: ClientRecord) -> None:
        with self._lock:
            if client.client_id in self._clients:
                raise ConflictError("client id is taken")
            self._clients[client.client_id] = client

    def get_client(self, client_id: str) -> ClientRecord | None:
        with self._lock:
            return self._clients.get(client_id)

    def list_clients(self) -> list[ClientRecord]:
        with self._lock:
            return sorted(self._clients.values(), key=lambda c: c.client_id)

    def update_client(self, client: ClientRecord) -> None:
        with self._lock:
            if client.client_id not in self._clients:
                raise ConflictError("no such client")
            self._clients[client.client_id] = client
            if client.disabled:
                self._end_client_locked(client.client_id)

    def delete_client(self, client_id: str, *, now: float) -> bool:
        with self._lock:
            if client_id not in self._clients:
                return False
            self._end_client_locked(client_id)
            self._revoke_where(None, now, "client_deleted", client_id=client_id)
            del self._clients[client_id]
            return True

    # --- signing keys ---------------------------------------------------------------

    def add_signing_key(self, key: SigningKeyRecord) -> None:
        with self._lock:
            if key.kid in self._keys:
                raise ConflictError("kid exists")
            self._keys[key.kid] = key

    def get_signing_key(self, kid: str) -> SigningKeyRecord | None:
        with self._lock:
            return self._keys.get(kid)

    def list_signing_keys(self) -> list[SigningKeyRecord]:
        with self._lock:
            return sorted(self._keys.values(), key=lambda k: (k.created_at, k.kid))

    def apply_key_transitions(
        self, transitions: Sequence[KeyTransition], *, add: Sequence[SigningKeyRecord] = ()
    ) -> None:
        with self._lock:
            staged = dict(self._keys)
            for t in transitions:
                current = staged.get(t.kid)
                if current is None or current.state is not t.from_state:
                    raise ConflictError("signing key is not in the expected state")
                sealed = b"" if t.to_state is KeyState.REMOVED else current.sealed_private
                staged[t.kid] = dataclasses.replace(
                    current, state=t.to_state, state_changed_at=t.at, sealed_private=sealed
                )
            for key in add:
                if key.kid in staged:
                    raise ConflictError("kid exists")
                staged[key.kid] = key
            self._keys = staged

    # --- deny-list ------------------------------------------------------------------

    def deny(self, kind: DenyKind, value: str, *, expires_at: float) -> None:
        with self._lock:
            old = self._denied.get((kind, value), expires_at)
            self._denied[(kind, value)] = max(old, expires_at)

    def is_denied(self, *, jti: str | None = None, sid: str | None = None, now: float) -> bool:
        with self._lock:
            for kind, value in ((DenyKind.JTI, jti), (DenyKind.SID, sid)):
                if value is not None and self._denied.get((kind, value), now) > now:
                    return True
            return False

    def purge_denied(self, *, now: float) -> int:
        with self._lock:
            gone = [k for k, until in self._denied.items() if until <= now]
            for k in gone:
                del self._denied[k]
            return len(gone)

    # --- throttle -------------------------------------------------------------------

    def register_failure(self, key: str, *, now: float, window: float) -> int:
        with self._lock:
            count, started = self._failures.get(key, (0, now))
            if now - started >= window:
                count, started = 0, now
            self._failures[key] = (count + 1, started)
            return count + 1

    def lock(self, key: str, *, until: float) -> None:
        with self._lock:
            self._locks[key] = max(self._locks.get(key, until), until)

    def locked_until(self, key: str, *, now: float) -> float | None:
        with self._lock:
            until = self._locks.get(key)
            return until if until is not None and until > now else None

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
            self._locks.pop(key, None)

    def reserve_attempt(
        self, key: str, *, now: float, window: float, locks: Sequence[float]
    ) -> Reservation:
        with self._lock:
            held = self._locks.get(key)
            count, started = self._failures.get(key, (0, now))
            if held is not None and held > now:
                return Reservation(False, count, held)
            if now - started >= window:
                count, started = 0, now
            count += 1
            self._failures[key] = (count, started)
            delay = lock_after(count, locks)
            if delay > 0:
                held = max(held or 0.0, now + delay)
                self._locks[key] = held
            return Reservation(True, count, held if held is not None and held > now else None)

    def release(self, key: str, *, now: float, window: float) -> None:
        with self._lock:
            count, started = self._failures.get(key, (0, now))
            if count > 0 and now - started < window:
                self._failures[key] = (count - 1, started)
