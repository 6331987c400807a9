"""Two rotations close together: an unknown kid may refetch once inside the cooldown when
the cached set has been unchanged for longer than its max-age floor (issue 16 §4)."""

from __future__ import annotations

import pytest

from gatehouse.clock import ManualClock
from gatehouse.errors import UnknownKeyError
from gatehouse.jose.jwk import JWK
from gatehouse.keys.remote import RemoteJWKS

from .conftest import JWKSServer

Keys = tuple[JWK, JWK, JWK]


def _remote(server: JWKSServer, clock: ManualClock) -> RemoteJWKS:
    return RemoteJWKS(server.url(), clock=clock, cooldown=30, min_max_age=60, max_age=600)


def _kid(key: JWK) -> str:
    assert key.kid is not None
    return key.kid


def test_rotation_inside_a_cooldown_is_followed_once(
    jwks_server: JWKSServer, es_keys: Keys
) -> None:
    """A refetch that brought back an old, unchanged set does not block the next rotation."""
    a, b, _ = es_keys
    jwks_server.script.serve_keys(a)
    clock = ManualClock()
    remote = _remote(jwks_server, clock)
    remote.get_key(_kid(a), "ES256")
    clock.advance(100)
    with pytest.raises(UnknownKeyError):
        remote.get_key("invented", "ES256")  # past the cooldown: refetches, same set
    assert jwks_server.script.requests == 2

    clock.advance(1)
    jwks_server.script.serve_keys(a, b)  # the issuer promotes b inside that cooldown
    assert remote.get_key(_kid(b), "ES256").kid == b.kid  # one early refetch finds it
    assert jwks_server.script.requests == 3

    for _ in range(5):  # the new set is new: no early refetch for invented kids
        with pytest.raises(UnknownKeyError):
            remote.get_key("invented-again", "ES256")
    assert jwks_server.script.requests == 3


def test_early_refetch_is_spent_once_per_unchanged_set(
    jwks_server: JWKSServer, es_keys: Keys
) -> None:
    """An attacker's invented kids earn at most one extra fetch per unchanged set."""
    a, b, _ = es_keys
    jwks_server.script.serve_keys(a)
    clock = ManualClock()
    remote = _remote(jwks_server, clock)
    remote.get_key(_kid(a), "ES256")
    clock.advance(100)
    for _ in range(3):
        with pytest.raises(UnknownKeyError):
            remote.get_key("invented", "ES256")
    clock.advance(1)
    for _ in range(3):
        with pytest.raises(UnknownKeyError):
            remote.get_key("invented", "ES256")
    assert jwks_server.script.requests == 3  # first, past-cooldown, and the one early
    clock.advance(29)  # the cooldown from the early refetch runs out
    jwks_server.script.serve_keys(a, b)
    assert remote.get_key(_kid(b), "ES256").kid == b.kid
    assert jwks_server.script.requests == 4


def test_no_early_refetch_while_the_set_is_younger_than_its_floor(
    jwks_server: JWKSServer, es_keys: Keys
) -> None:
    """Inside the floor the cooldown rules as before."""
    a, b, _ = es_keys
    jwks_server.script.serve_keys(a)
    clock = ManualClock()
    remote = _remote(jwks_server, clock)
    remote.get_key(_kid(a), "ES256")
    clock.advance(59)
    jwks_server.script.serve_keys(a, b)
    assert remote.get_key(_kid(b), "ES256").kid == b.kid  # past the cooldown (30 s)
    clock.advance(1)
    with pytest.raises(UnknownKeyError):
        remote.get_key("invented", "ES256")
    assert jwks_server.script.requests == 2
