"""Failed-login throttling per account and per client address.

Online guessing is slowed, not just stopped: after a few free failures each further
one locks the key for an exponentially growing moment, and a burst ends in a
temporary lockout (OWASP Authentication Cheat Sheet, "Account Lockout"). Unknown
usernames are counted like real ones so the throttle does not reveal which exist.
The counters live behind ``ThrottleStore`` (the main store, or Redis).
"""

from __future__ import annotations

import math

from gatehouse.clock import Clock
from gatehouse.errors import ThrottledError
from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.config import ThrottlePolicy
from gatehouse.storage.ports import ThrottleStore

__all__ = ["LoginThrottle", "account_key", "address_key"]


def account_key(username: str) -> str:
    return f"acct:{username}"


def address_key(remote_addr: str) -> str:
    return f"addr:{remote_addr}"


class LoginThrottle:
    def __init__(
        self,
        store: ThrottleStore,
        *,
        account_policy: ThrottlePolicy,
        address_policy: ThrottlePolicy,
        clock: Clock,
        audit: AuditLog,
    ) -> None:
        self._store = store
        self._policies = {"acct": account_policy, "addr": address_policy}
        self._clock = clock
        self._audit = audit

    def check(self, keys: list[str]) -> None:
        """Raise ``ThrottledError`` if any key is locked now."""
        now = self._clock.time()
        until = max((self._store.locked_until(k, now=now) or 0.0 for k in keys), default=0.0)
        if until > now:
            raise ThrottledError(
                "too many failed attempts; try again later",
                retry_after=max(1, math.ceil(until - now)),
            )

    def failure(self, keys: list[str]) -> None:
        """Count a failure on every key and lock those past their free allowance."""
        now = self._clock.time()
        for key in keys:
            policy = self._policies[key.partition(":")[0]]
            count = self._store.register_failure(key, now=now, window=policy.window)
            if count >= policy.lockout_failures:
                self._store.lock(key, until=now + policy.lockout_seconds)
                self._audit.event(
                    "login_locked_out",
                    reason=key.partition(":")[0],
                    count=count,
                    retry_after=int(policy.lockout_seconds),
                )
            elif count > policy.free_failures:
                extra = count - policy.free_failures - 1
                delay = min(policy.backoff_cap, policy.backoff_base * 2.0 ** min(extra, 62))
                self._store.lock(key, until=now + delay)

    def success(self, account: str) -> None:
        """A correct password clears the account's counter (never the address's)."""
        self._store.clear(account)
