"""``TokenService``'s account administration methods: change grants, delete an account.

A part of the one facade (``issuer.service``), kept in a module of its own so the
facade stays under 400 lines: ``TokenService`` inherits these methods, nothing else
does. Deleting is the store's one-transaction cascade (``AccountStore.delete_account``:
sessions revoked, status bits and outbox rows, then the row), after which the
revocations are mirrored to the deny-list like any other.
"""

from __future__ import annotations

from collections.abc import Iterable

from gatehouse.clock import Clock
from gatehouse.errors import InvalidRequestError
from gatehouse.issuer.accounts import AccountManager
from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.sessions import SessionManager
from gatehouse.storage.ports import Stores
from gatehouse.storage.records import AccountRecord

__all__ = ["AccountAdministration"]


class AccountAdministration:
    """Replace an account's roles and scopes; delete it."""

    _accounts: AccountManager
    _sessions: SessionManager
    _stores: Stores
    _clock: Clock
    _audit: AuditLog

    def set_account_grants(
        self,
        account_id: str,
        *,
        roles: Iterable[str] | None = None,
        allowed_scopes: Iterable[str] | None = None,
    ) -> AccountRecord:
        """Replace the account's roles and/or allowed scopes (None leaves one as is)."""
        return self._accounts.set_grants(account_id, roles=roles, allowed_scopes=allowed_scopes)

    def delete_account(self, account_id: str) -> int:
        """Delete the account; its live sessions end first and their access tokens are
        denied. Returns the sessions revoked; ``InvalidRequestError`` if there is none."""
        live = self._stores.sessions.list_sessions(account_id)
        revoked = self._stores.accounts.delete_account(account_id, now=self._clock.time())
        if revoked is None:
            raise InvalidRequestError("no such account")
        self._sessions.deny_sessions(live)
        self._audit.event("account_deleted", account_id=account_id, count=revoked)
        return revoked
