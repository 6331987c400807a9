"""Failed-login throttling per account and per client address.

Online guessing is slowed, not just stopped: after a few free failures each further
one locks the key for an exponentially growing moment, and a burst ends in a
temporary lockout (OWASP Authentication Cheat Sheet, "Account Lockout"). Unknown
usernames are counted like real ones so the throttle does not reveal which exist.
The counters live behind ``ThrottleStore`` (the main store, or Redis).

Every attempt is reserved before its password is hashed (``reserve``), in one atomic
store step that also sets the lock the attempt earns, and given back when the
password is right (``success``). Counting after the hash let every request already in
flight pass the same check: under N concurrent guesses at most the allowance reaches
argon2 now, and the rest are refused with ``Retry-After`` (``storage.attempts``).
"""

from __future__ import annotations

import math

from gatehouse.clock import Clock
from gatehouse.errors import ThrottledError
from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.config import ThrottlePolicy
from gatehouse.storage.ports import ThrottleStore

__all__ = ["LoginThrottle", "account_key", "address_key", "lock_schedule"]


def account_key(username: str) -> str:
    return f"acct:{username}"


def address_key(remote_addr: str) -> str:
    return f"addr:{remote_addr}"


def lock_schedule(policy: ThrottlePolicy) -> tuple[float, ...]:
    """The lock after the 1st, 2nd, … attempt in a window (the last one repeats):
    none while free, then ``backoff_base * 2**k`` capped at ``backoff_cap``, then the
    lockout from ``lockout_failures`` on."""
    steps: list[float] = []
    for count in range(1, policy.lockout_failures + 1):
        if count >= policy.lockout_failures:
            steps.append(policy.lockout_seconds)
        elif count > policy.free_failures:
            extra = count - policy.free_failures - 1
            steps.append(min(policy.backoff_cap, policy.backoff_base * 2.0 ** min(extra, 62)))
        else:
            steps.append(0.0)
    return tuple(steps)


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
        self._schedules = {kind: lock_schedule(p) for kind, p in self._policies.items()}
        self._clock = clock
        self._audit = audit

    def _policy(self, key: str) -> ThrottlePolicy:
        return self._policies[key.partition(":")[0]]

    def reserve(self, keys: list[str]) -> None:
        """Count an attempt on every key before its password is checked, or raise
        ``ThrottledError`` (nothing left counted) if any key is locked now."""
        now = self._clock.time()
        taken: list[str] = []
        for key in keys:
            kind = key.partition(":")[0]
            policy = self._policies[kind]
            got = self._store.reserve_attempt(
                key, now=now, window=policy.window, locks=self._schedules[kind]
            )
            if not got.admitted:
                for earlier in taken:  # a refused attempt costs no other key anything
                    self._store.release(earlier, now=now, window=self._policy(earlier).window)
                until = got.locked_until or now
                raise ThrottledError(
                    "too many failed attempts; try again later",
                    retry_after=max(1, math.ceil(until - now)),
                )
            taken.append(key)
            if got.count >= policy.lockout_failures:
                self._audit.event(
                    "login_locked_out",
                    reason=kind,
                    count=got.count,
                    retry_after=int(policy.lockout_seconds),
                )

    def success(self, account: str, address: str | None = None) -> None:
        """A correct password clears the account's counter and gives the address back
        the attempt it reserved (an address's other failures stay counted)."""
        self._store.clear(account)
        if address is not None:
            now = self._clock.time()
            self._store.release(address, now=now, window=self._policy(address).window)

    def cancel(self, keys: list[str]) -> None:
        """Give back attempts reserved for a login that never checked its password (the
        hashing pool was full, the store failed)."""
        now = self._clock.time()
        for key in keys:
            self._store.release(key, now=now, window=self._policy(key).window)
