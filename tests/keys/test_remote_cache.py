"""RemoteJWKS caching against a real HTTP server on 127.0.0.1, with a manual clock (no
sleeps): max-age sets freshness, an unknown kid refetches once per cooldown (get_key and
aget_key alike), and a seed from the environment or a file counts as a fresh fetch."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from gatehouse.clock import ManualClock
from gatehouse.errors import InvalidJWKSError, UnknownKeyError
from gatehouse.jose.jwk import JWK
from gatehouse.keys.remote import RemoteJWKS

from .conftest import JWKSServer, Keys, _kid, _remote

# --- caching and max-age -----------------------------------------------------------


def test_cache_hit_makes_no_second_request(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """A second lookup within max-age is answered from memory."""
    jwks_server.script.serve_keys(es_keys[0])
    remote = _remote(jwks_server, ManualClock())
    first = remote.get_key(_kid(es_keys[0]), "ES256")
    second = remote.get_key(_kid(es_keys[0]), "ES256")
    assert first.kid == second.kid == es_keys[0].kid
    assert not first.is_private
    assert jwks_server.script.requests == 1
    assert jwks_server.script.paths == ["/jwks.json"]


@pytest.mark.parametrize(
    ("cache_control", "lifetime"),
    [
        (None, 600),
        ("max-age=120", 120),
        ("public, MAX-AGE=300", 300),
        ('max-age="240"', 240),
        ("max-age=5", 60),
        ("max-age=0", 60),
        ("no-store", 60),
        ("no-cache, max-age=900", 60),
        ("max-age=100, max-age=200", 60),
        ("max-age=abc", 60),
        ("max-age=-5", 60),
        ("max-age=999999999999999999999999", 86_400),
        ("max-age=172800", 86_400),
    ],
)
def test_max_age_honoured_within_bounds(
    jwks_server: JWKSServer, es_keys: Keys, cache_control: str | None, lifetime: int
) -> None:
    """Cache-Control max-age sets freshness, clamped to [60 s, 24 h]; no-store means 60 s."""
    jwks_server.script.serve_keys(es_keys[0], cache_control=cache_control)
    clock = ManualClock()
    remote = _remote(jwks_server, clock)
    kid = _kid(es_keys[0])
    remote.get_key(kid, "ES256")
    clock.advance(lifetime - 1)
    remote.get_key(kid, "ES256")
    assert jwks_server.script.requests == 1
    clock.advance(1)
    remote.get_key(kid, "ES256")
    assert jwks_server.script.requests == 2


def test_refetch_replaces_the_key_set(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """After max-age the new document wins: a key removed from the set stops working."""
    old, new, _ = es_keys
    jwks_server.script.serve_keys(old)
    clock = ManualClock()
    remote = _remote(jwks_server, clock)
    remote.get_key(_kid(old), "ES256")
    jwks_server.script.serve_keys(new)
    clock.advance(600)
    assert remote.get_key(_kid(new), "ES256").kid == new.kid
    with pytest.raises(UnknownKeyError):
        remote.get_key(_kid(old), "ES256")
    assert jwks_server.script.requests == 2


# --- unknown kid and cooldown --------------------------------------------------------


def test_unknown_kid_refetches_once_per_cooldown(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """An unknown kid refetches, but not again until the cooldown has passed."""
    a, b, c = es_keys
    jwks_server.script.serve_keys(a)
    clock = ManualClock()
    remote = _remote(jwks_server, clock)
    remote.get_key(_kid(a), "ES256")

    jwks_server.script.serve_keys(a, b)  # the issuer rotates in b
    with pytest.raises(UnknownKeyError):
        remote.get_key(_kid(b), "ES256")  # just fetched: cooldown blocks a refetch
    assert jwks_server.script.requests == 1

    clock.advance(30)
    assert remote.get_key(_kid(b), "ES256").kid == b.kid  # one refetch finds it
    assert jwks_server.script.requests == 2

    for _ in range(5):  # an attacker inventing kids gets no more fetches
        with pytest.raises(UnknownKeyError):
            remote.get_key(_kid(c), "ES256")
    clock.advance(29.5)
    with pytest.raises(UnknownKeyError):
        remote.get_key("invented", "ES256")
    assert jwks_server.script.requests == 2

    clock.advance(0.5)
    with pytest.raises(UnknownKeyError):
        remote.get_key("invented", "ES256")
    assert jwks_server.script.requests == 3


def test_kid_known_but_alg_wrong_is_unknown_key(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """A kid whose key does not fit the token's alg is not a match."""
    jwks_server.script.serve_keys(es_keys[0])
    remote = _remote(jwks_server, ManualClock())
    with pytest.raises(UnknownKeyError):
        remote.get_key(_kid(es_keys[0]), "EdDSA")


def test_kid_none_uses_the_single_fitting_key(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """Without a kid, the one key fitting alg is used; two candidates are ambiguous."""
    ed = JWK.generate("EdDSA")
    jwks_server.script.serve_keys(es_keys[0], ed)
    clock = ManualClock()
    remote = _remote(jwks_server, clock)
    assert remote.get_key(None, "ES256").kid == es_keys[0].kid
    assert remote.get_key(None, "EdDSA").kid == ed.kid

    jwks_server.script.serve_keys(es_keys[0], es_keys[1])
    clock.advance(600)
    with pytest.raises(UnknownKeyError):
        remote.get_key(None, "ES256")


def test_async_hit_and_unknown_kid(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """aget_key serves hits from memory and applies the same cooldown as get_key."""
    jwks_server.script.serve_keys(es_keys[0])
    clock = ManualClock()
    remote = _remote(jwks_server, clock)

    async def main() -> None:
        assert (await remote.aget_key(_kid(es_keys[0]), "ES256")).kid == es_keys[0].kid
        assert (await remote.aget_key(_kid(es_keys[0]), "ES256")).kid == es_keys[0].kid
        with pytest.raises(UnknownKeyError):
            await remote.aget_key(_kid(es_keys[1]), "ES256")
        jwks_server.script.serve_keys(es_keys[1])
        clock.advance(30)
        assert (await remote.aget_key(_kid(es_keys[1]), "ES256")).kid == es_keys[1].kid

    asyncio.run(main())
    assert jwks_server.script.requests == 2


# --- seeding -------------------------------------------------------------------------


def _document(*keys: JWK) -> str:
    return json.dumps({"keys": [k.public().to_dict() for k in keys]})


def test_seeded_from_env_needs_no_request(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """A seed from the environment answers at once and counts as fresh for max-age."""
    jwks_server.script.serve_keys(es_keys[0], es_keys[1])
    clock = ManualClock()
    environ = {"GATEHOUSE_JWKS": _document(es_keys[0])}
    remote = RemoteJWKS.seeded_from_env(
        jwks_server.url(), "GATEHOUSE_JWKS", environ=environ, clock=clock
    )
    assert remote.get_key(_kid(es_keys[0]), "ES256").kid == es_keys[0].kid
    clock.advance(599)
    remote.get_key(_kid(es_keys[0]), "ES256")
    assert jwks_server.script.requests == 0
    # An unknown kid may refetch at once: the seed may predate a rotation.
    assert remote.get_key(_kid(es_keys[1]), "ES256").kid == es_keys[1].kid
    assert jwks_server.script.requests == 1


def test_seed_expires_after_default_max_age(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """A seed is fresh for the default max-age from construction, then refetched."""
    jwks_server.script.serve_keys(es_keys[0])
    clock = ManualClock()
    environ = {"JWKS": _document(es_keys[0])}
    remote = RemoteJWKS.seeded_from_env(jwks_server.url(), "JWKS", environ=environ, clock=clock)
    clock.advance(600)
    remote.get_key(_kid(es_keys[0]), "ES256")
    assert jwks_server.script.requests == 1


def test_seed_env_absent_or_invalid(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """No variable means no seed; an invalid one fails at start-up, not at first request."""
    jwks_server.script.serve_keys(es_keys[0])
    remote = RemoteJWKS.seeded_from_env(jwks_server.url(), "JWKS", environ={}, clock=ManualClock())
    remote.get_key(_kid(es_keys[0]), "ES256")
    assert jwks_server.script.requests == 1
    with pytest.raises(InvalidJWKSError):
        RemoteJWKS.seeded_from_env(jwks_server.url(), "JWKS", environ={"JWKS": "{"})


def test_seeded_from_file(jwks_server: JWKSServer, es_keys: Keys, tmp_path: Path) -> None:
    """A JWKS file shipped with the function seeds the cache: zero requests."""
    path = tmp_path / "jwks.json"
    path.write_text(_document(es_keys[0]))
    remote = RemoteJWKS.seeded_from_file(jwks_server.url(), path, clock=ManualClock())
    assert remote.get_key(_kid(es_keys[0]), "ES256").kid == es_keys[0].kid
    assert jwks_server.script.requests == 0
