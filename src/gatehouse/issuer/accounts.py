"""Accounts: creation, password login, and the changes that must end sessions.

Login always spends one argon2 verification, for known and unknown usernames alike,
and answers every failure with the same ``invalid_grant`` message, so neither timing
nor text tells whether an account exists. A correct password for a disabled account
is refused only after verification, for the same reason.

A right password's give-back to the throttle is not written here but returned
(``check_login``'s ``PendingSettle``), so that the login's session insert can carry it
in its own transaction: one commit fewer per login (issue 15 §4).
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Iterable
from contextlib import suppress

from gatehouse._record import record
from gatehouse.clock import Clock
from gatehouse.errors import InvalidGrantError, InvalidRequestError, LoginBusyError, StorageError
from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.names import normalise_email, normalise_username
from gatehouse.issuer.passwords import PasswordHasher, check_password_input
from gatehouse.issuer.scopes import parse_scope
from gatehouse.issuer.throttle import LoginThrottle, PendingSettle, account_key, address_key
from gatehouse.jose import b64url_encode
from gatehouse.storage.ports import AccountStore
from gatehouse.storage.records import AccountRecord

__all__ = ["AccountManager", "PasswordLogin"]

_BAD_LOGIN = "invalid username or password"


@record
class PasswordLogin:
    """A right password: the account, and the attempt's give-back still to write
    (``settle``: with the new session, or by itself)."""

    account: AccountRecord
    settle: PendingSettle


class AccountManager:
    def __init__(
        self,
        store: AccountStore,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        *,
        clock: Clock,
        audit: AuditLog,
        random: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        self._store = store
        self._hasher = hasher
        self._throttle = throttle
        self._clock = clock
        self._audit = audit
        self._random = random

    def create(
        self,
        username: str,
        password: str,
        *,
        email: str | None = None,
        roles: Iterable[str] = (),
        allowed_scopes: Iterable[str] = (),
    ) -> AccountRecord:
        """A new enabled account; ``ConflictError`` if the username or email is taken."""
        now = self._clock.time()
        record = AccountRecord(
            account_id=b64url_encode(self._random(16)),
            username=normalise_username(username),
            email=normalise_email(email) if email is not None else None,
            password_hash=self._hasher.hash(password),
            roles=_roles(roles),
            allowed_scopes=parse_scope(list(allowed_scopes)) or frozenset(),
            created_at=now,
            updated_at=now,
            password_changed_at=now,
        )
        self._store.create_account(record)
        self._audit.event("account_created", account_id=record.account_id)
        return record

    def get(self, account_id: str) -> AccountRecord:
        record = self._store.get_account(account_id)
        if record is None:
            raise InvalidRequestError("no such account")
        return record

    def find(self, username: str) -> AccountRecord | None:
        return self._store.find_account_by_username(normalise_username(username))

    def check_login(
        self, username: str, password: str, *, remote_addr: str | None
    ) -> PasswordLogin:
        """The account if the password is right, with the throttle's give-back left to
        the caller (``PasswordLogin.settle``; a disabled account's, and a failed
        rehash's, are written here); ``InvalidGrantError`` or ``ThrottledError``
        otherwise."""
        name = normalise_username(username)
        check_password_input(password)
        address = address_key(remote_addr) if remote_addr else None
        keys = [account_key(name)] + ([address] if address else [])
        # Before the hash: in-flight guesses count too. The account is read with it
        # where one store holds both (one round trip); else apart, below.
        reserved = self._throttle.reserve(keys, accounts=self._store, username=name)
        try:
            record = (
                reserved.account if reserved.read else self._store.find_account_by_username(name)
            )
            if record is None:
                self._hasher.verify_dummy(password)
                ok = False
            else:
                ok = self._hasher.verify(record.password_hash, password)
        except (LoginBusyError, StorageError):
            self._throttle.cancel(keys)  # nothing was checked: the attempt is not spent
            raise
        if not ok or record is None:
            self._audit.event(
                "login_failed",
                account_id=record.account_id if record else None,
                remote_addr=remote_addr,
                reason="bad_credentials",
            )
            raise InvalidGrantError(_BAD_LOGIN)
        settle = self._throttle.pending(account_key(name), address)
        if record.disabled:
            settle.apply()
            self._audit.event("login_failed", account_id=record.account_id, reason="disabled")
            raise InvalidGrantError("the account is disabled", code="account_disabled")
        if self._hasher.needs_rehash(record.password_hash):
            try:
                record = self._rehash(record, password)
            except BaseException:
                with suppress(StorageError):  # the right password still gives its attempt back
                    settle.apply()
                raise
        return PasswordLogin(record, settle)

    def _rehash(self, record: AccountRecord, password: str) -> AccountRecord:
        """Store a hash under the current profile while the password is at hand."""
        record = dataclasses.replace(
            record, password_hash=self._hasher.hash(password), updated_at=self._clock.time()
        )
        self._store.update_account(record)
        self._audit.event("password_rehashed", account_id=record.account_id)
        return record

    def change_password(
        self, account_id: str, new_password: str, *, current_password: str | None = None
    ) -> int:
        """Set a new password and revoke every session; return how many were revoked."""
        record = self.get(account_id)
        if current_password is not None and not self._hasher.verify(
            record.password_hash, current_password
        ):
            raise InvalidGrantError(_BAD_LOGIN)
        now = self._clock.time()
        changed = dataclasses.replace(
            record,
            password_hash=self._hasher.hash(new_password),
            updated_at=now,
            password_changed_at=now,
        )
        revoked = self._store.update_account(
            changed, revoke_sessions_at=now, revoke_reason="password_changed"
        )
        self._audit.event("password_changed", account_id=account_id, count=revoked)
        return revoked

    def set_disabled(self, account_id: str, disabled: bool) -> int:
        """Disable (revoking every session) or re-enable; return sessions revoked."""
        record = self.get(account_id)
        now = self._clock.time()
        changed = dataclasses.replace(record, disabled=disabled, updated_at=now)
        revoked = self._store.update_account(
            changed,
            revoke_sessions_at=now if disabled else None,
            revoke_reason="account_disabled",
        )
        self._audit.event(
            "account_disabled" if disabled else "account_enabled",
            account_id=account_id,
            count=revoked,
        )
        return revoked

    def set_grants(
        self,
        account_id: str,
        *,
        roles: Iterable[str] | None = None,
        allowed_scopes: Iterable[str] | None = None,
    ) -> AccountRecord:
        """Change roles and/or allowed scopes; they apply from the next token issued."""
        record = self.get(account_id)
        changed = dataclasses.replace(
            record,
            roles=_roles(roles) if roles is not None else record.roles,
            allowed_scopes=(
                parse_scope(list(allowed_scopes)) or frozenset()
                if allowed_scopes is not None
                else record.allowed_scopes
            ),
            updated_at=self._clock.time(),
        )
        self._store.update_account(changed)
        self._audit.event("account_grants_changed", account_id=account_id)
        return changed


def _roles(roles: Iterable[str]) -> tuple[str, ...]:
    result = tuple(dict.fromkeys(roles))
    if not all(isinstance(r, str) and r and len(r) <= 128 for r in result):
        raise InvalidRequestError("roles must be non-empty strings up to 128 characters")
    return result
