"""Contract: DenyList and ThrottleStore, on every adapter that offers them (Redis too)."""

from __future__ import annotations

from typing import Any

from storage_samples import NOW

from gatehouse.storage.ports import DenyList, ThrottleStore
from gatehouse.storage.records import DenyKind


def test_counter_store_satisfies_ports(counter_store: Any) -> None:
    """The adapter implements both counter Protocols."""
    assert isinstance(counter_store, DenyList)
    assert isinstance(counter_store, ThrottleStore)


def test_denied_jti_until_expiry(counter_store: Any) -> None:
    """A denied jti is denied before its expiry and not at or after it."""
    counter_store.deny(DenyKind.JTI, "j1", expires_at=NOW + 60)
    assert counter_store.is_denied(jti="j1", now=NOW) is True
    assert counter_store.is_denied(jti="j1", sid="other", now=NOW + 59) is True
    assert counter_store.is_denied(jti="j1", now=NOW + 60) is False
    assert counter_store.is_denied(jti="j2", now=NOW) is False


def test_denied_sid_covers_any_jti(counter_store: Any) -> None:
    """A denied sid matches whatever jti comes with it; kinds do not mix."""
    counter_store.deny(DenyKind.SID, "s1", expires_at=NOW + 60)
    assert counter_store.is_denied(jti="any", sid="s1", now=NOW) is True
    assert counter_store.is_denied(jti="s1", now=NOW) is False
    assert counter_store.is_denied(now=NOW) is False


def test_deny_never_shortens(counter_store: Any) -> None:
    """Denying again with an earlier expiry keeps the later one."""
    counter_store.deny(DenyKind.JTI, "j1", expires_at=NOW + 100)
    counter_store.deny(DenyKind.JTI, "j1", expires_at=NOW + 10)
    assert counter_store.is_denied(jti="j1", now=NOW + 50) is True
    counter_store.deny(DenyKind.JTI, "j1", expires_at=NOW + 200)
    assert counter_store.is_denied(jti="j1", now=NOW + 150) is True


def test_purge_drops_only_lapsed_entries(counter_store: Any) -> None:
    """purge_denied forgets lapsed entries and keeps live ones."""
    counter_store.deny(DenyKind.JTI, "old", expires_at=NOW + 1)
    counter_store.deny(DenyKind.JTI, "new", expires_at=NOW + 100)
    assert counter_store.purge_denied(now=NOW + 50) in (0, 1)
    assert counter_store.is_denied(jti="new", now=NOW + 50) is True
    assert counter_store.is_denied(jti="old", now=NOW + 50) is False


def test_failures_count_within_window_then_restart(counter_store: Any) -> None:
    """Failures count up inside the window; one after it starts again at 1."""
    counts = [counter_store.register_failure("acct:a", now=NOW + i, window=60) for i in range(3)]
    assert counts == [1, 2, 3]
    assert counter_store.register_failure("acct:b", now=NOW, window=60) == 1
    assert counter_store.register_failure("acct:a", now=NOW + 60, window=60) == 1
    assert counter_store.register_failure("acct:a", now=NOW + 61, window=60) == 2


def test_lock_holds_until_deadline_and_never_shortens(counter_store: Any) -> None:
    """locked_until reports a lock in force; a shorter lock does not replace a longer."""
    assert counter_store.locked_until("addr:x", now=NOW) is None
    counter_store.lock("addr:x", until=NOW + 30)
    counter_store.lock("addr:x", until=NOW + 5)
    assert counter_store.locked_until("addr:x", now=NOW) == NOW + 30
    assert counter_store.locked_until("addr:x", now=NOW + 30) is None


def test_clear_forgets_counter_and_lock(counter_store: Any) -> None:
    """clear removes both the failure count and the lock."""
    counter_store.register_failure("acct:c", now=NOW, window=60)
    counter_store.register_failure("acct:c", now=NOW, window=60)
    counter_store.lock("acct:c", until=NOW + 30)
    counter_store.clear("acct:c")
    assert counter_store.locked_until("acct:c", now=NOW) is None
    assert counter_store.register_failure("acct:c", now=NOW + 1, window=60) == 1
