"""Stateless nonces (RFC 9449 §8, §9): instances agree, slots roll, contexts separate."""

from __future__ import annotations

import pytest

from gatehouse import ManualClock
from gatehouse.dpop import StatelessNonces
from gatehouse.errors import ConfigurationError

KEY = b"k" * 32
NEW_KEY = b"n" * 32
CTX = "https://api.example.com"


def test_two_instances_with_one_key_agree() -> None:
    """A nonce issued by one instance is accepted by another with the same key."""
    a = StatelessNonces(KEY, context=CTX)
    b = StatelessNonces(KEY, context=CTX)
    assert b.is_valid(a.issue(1000.0), 1000.0)


def test_current_and_previous_slot_accepted_older_refused() -> None:
    """A nonce lives through its slot and the next, then is refused."""
    nonces = StatelessNonces(KEY, context=CTX, slot_seconds=60)
    nonce = nonces.issue(600.0)
    assert nonces.is_valid(nonce, 659.9)
    assert nonces.is_valid(nonce, 719.9)
    assert not nonces.is_valid(nonce, 720.0)
    assert not nonces.is_valid(nonce, 599.0)  # a slot not reached yet


def test_current_reads_the_injected_clock() -> None:
    """``current()`` is the nonce for the clock's wall time."""
    clock = ManualClock(wall=1000.0)
    nonces = StatelessNonces(KEY, context=CTX, clock=clock)
    assert nonces.current() == nonces.issue(1000.0)
    clock.advance(300)
    assert nonces.current() != nonces.issue(1000.0)


def test_context_and_key_separate_servers() -> None:
    """Another server (context) or another key does not accept the nonce (§9)."""
    nonce = StatelessNonces(KEY, context=CTX).issue(1000.0)
    assert not StatelessNonces(KEY, context="https://other.example").is_valid(nonce, 1000.0)
    assert not StatelessNonces(NEW_KEY, context=CTX).is_valid(nonce, 1000.0)


def test_key_rotation_accepts_old_issues_new() -> None:
    """With [new, old] keys, old nonces still pass and new ones are under the new key."""
    old = StatelessNonces(KEY, context=CTX)
    rotated = StatelessNonces([NEW_KEY, KEY], context=CTX)
    assert rotated.is_valid(old.issue(1000.0), 1000.0)
    assert rotated.issue(1000.0) == StatelessNonces(NEW_KEY, context=CTX).issue(1000.0)


def test_nonce_syntax_is_nqchar() -> None:
    """Nonces are base64url: inside 1*NQCHAR (§8.1), and of fixed size."""
    nonce = StatelessNonces(KEY, context=CTX).issue(1000.0)
    assert len(nonce) == 22
    assert all(0x21 <= ord(c) <= 0x7E and c not in '"\\' for c in nonce)


@pytest.mark.parametrize("junk", ["", "x" * 500, "é", "AAAAAAAAAAAAAAAAAAAAAA"])
def test_junk_is_invalid(junk: str) -> None:
    """Junk, huge or non-ASCII nonces are simply not valid."""
    assert not StatelessNonces(KEY, context=CTX).is_valid(junk, 1000.0)


def test_weak_key_and_bad_settings_refused() -> None:
    """Short keys, no context or silly slots are configuration errors."""
    with pytest.raises(ConfigurationError):
        StatelessNonces(b"short", context=CTX)
    with pytest.raises(ConfigurationError):
        StatelessNonces(KEY, context="")
    with pytest.raises(ConfigurationError):
        StatelessNonces(KEY, context=CTX, slot_seconds=0)
