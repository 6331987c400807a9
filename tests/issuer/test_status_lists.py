"""Token Status Lists on the issuer: every access token carries a status claim, and every
way of ending a session, account, client or token sets its bit in the served list."""

from __future__ import annotations

from typing import Any

import pytest
from issuer_helpers import API, ISSUER, make_config

from gatehouse import ManualClock
from gatehouse.errors import RefreshTokenReuseError
from gatehouse.issuer import KeyEncryptionKey, TokenService
from gatehouse.issuer.status_config import StatusListConfig
from gatehouse.jose import JWK, decode_unverified, parse_compact
from gatehouse.jose.status_list_token import MEDIA_TYPE, verify_status_list_token
from gatehouse.storage.memory import MemoryStore
from gatehouse.storage.ports import Stores

assert MEDIA_TYPE == "application/statuslist+jwt"


def status_of(service: TokenService, token: str, now: float) -> int:
    """The token's status as a verifier reads it: the served list, checked with the JWKS."""
    ref = decode_unverified(token)[1]["status"]["status_list"]
    list_id = int(ref["uri"].rsplit("/", 1)[1])
    served = service.status_list_token(list_id)
    assert served is not None
    jws = parse_compact(served.token, max_size=1 << 20)
    key = next(k for k in service.jwks()["keys"] if k["kid"] == jws.kid)
    verified = verify_status_list_token(
        jws, JWK.from_dict(key), algorithms=frozenset({"ES256"}), uri=ref["uri"], now=now
    )
    return verified.status_list.status(ref["idx"])


def test_access_tokens_carry_a_status_claim(service: TokenService, alice: str) -> None:
    """A login's access token points at an index of a list under the issuer (§6.1)."""
    pair = service.login("alice", "correct horse")
    ref = decode_unverified(pair.access_token)[1]["status"]["status_list"]
    assert ref["uri"] == f"{ISSUER}/statuslists/1"
    assert 0 <= ref["idx"] < StatusListConfig().list_size
    assert service.status_lists_enabled


def test_indices_are_random_not_sequential(service: TokenService, alice: str) -> None:
    """Ten tokens of one user get ten distinct indices that are not a run (§12.5)."""
    tokens = [service.login("alice", "correct horse").access_token for _ in range(10)]
    idx = [decode_unverified(t)[1]["status"]["status_list"]["idx"] for t in tokens]
    assert len(set(idx)) == 10
    assert sorted(idx) != list(range(min(idx), min(idx) + 10))


def test_served_list_is_signed_and_cached_per_version(
    service: TokenService, alice: str, clock: ManualClock
) -> None:
    """The list verifies with the JWKS; it is built once per version and rebuilt on a flip."""
    pair = service.login("alice", "correct horse")
    now = clock.time()
    assert status_of(service, pair.access_token, now) == 0
    first = service.status_list_token(1)
    assert first is not None
    assert service.status_list_token(1) is first
    header, claims = decode_unverified(first.token)
    assert header["typ"] == "statuslist+jwt"
    assert claims["sub"] == f"{ISSUER}/statuslists/1"
    assert claims["ttl"] == 60
    assert claims["exp"] - claims["iat"] == 3600
    service.logout(refresh_token=pair.refresh_token)
    assert status_of(service, pair.access_token, now) == 1
    second = service.status_list_token(1)
    assert second is not None
    assert second.version == first.version + 1
    assert second.etag != first.etag


def test_unknown_lists_are_not_served(service: TokenService) -> None:
    """An id no list has (or 0, or negative) gives None."""
    assert service.status_list_token(1) is None
    assert service.status_list_token(0) is None
    assert service.status_list_token(-3) is None


def test_every_revocation_sets_the_bit(
    service: TokenService, alice: str, clock: ManualClock
) -> None:
    """Session revoke, revoke-all, password change, disable and RFC 7009 each set bits."""
    now = clock.time()
    a, b, c, d = (service.login("alice", "correct horse") for _ in range(4))
    assert service.revoke_session(a.sid)
    assert status_of(service, a.access_token, now) == 1
    assert status_of(service, b.access_token, now) == 0
    assert service.revoke(b.access_token)
    assert status_of(service, b.access_token, now) == 1
    service.change_password(alice, "new horse battery")
    assert status_of(service, c.access_token, now) == 1
    e = service.login("alice", "new horse battery")
    service.disable_account(alice)
    assert status_of(service, e.access_token, now) == 1
    assert status_of(service, d.access_token, now) == 1


def test_refresh_reuse_sets_the_family_bits(
    service: TokenService, alice: str, clock: ManualClock
) -> None:
    """Reuse of a spent refresh token sets the bits of the family's access tokens."""
    pair = service.login("alice", "correct horse")
    clock.advance(20)
    second = service.refresh(pair.refresh_token)
    service.refresh(second.refresh_token)
    clock.advance(20)
    with pytest.raises(RefreshTokenReuseError):
        service.refresh(pair.refresh_token)
    now = clock.time()
    assert status_of(service, pair.access_token, now) == 1
    assert status_of(service, second.access_token, now) == 1


def test_disabled_client_sets_its_tokens_bits(service: TokenService, clock: ManualClock) -> None:
    """Client-credentials tokens carry a status; disabling the client sets their bits."""
    reg = service.register_client("svc", allowed_audiences=[API], allowed_scopes=["read"])
    assert reg.client_secret is not None
    token = service.client_credentials("svc", reg.client_secret).access_token
    assert status_of(service, token, clock.time()) == 0
    service.disable_client("svc")
    assert status_of(service, token, clock.time()) == 1


def test_status_lists_can_be_turned_off(kek: KeyEncryptionKey, clock: ManualClock) -> None:
    """enabled = false: no status claim, nothing served, no discovery members."""
    svc = TokenService(
        make_config(),
        Stores.single(MemoryStore()),
        kek,
        clock=clock,
        status_lists=StatusListConfig(enabled=False),
    )
    svc.bootstrap()
    svc.create_account("bob", "correct horse")
    token = svc.login("bob", "correct horse").access_token
    assert "status" not in decode_unverified(token)[1]
    assert svc.status_list_token(1) is None
    assert "status_list_aggregation_endpoint" not in svc.metadata()


def test_discovery_says_where_lists_live(service: TokenService, alice: str) -> None:
    """Metadata names the aggregation endpoint (§9.1, §14.6) and the lists' ttl."""
    meta = service.metadata()
    assert meta["status_list_aggregation_endpoint"] == f"{ISSUER}/statuslists"
    assert meta["status_list_ttl"] == 60
    service.login("alice", "correct horse")
    assert service.status_list_aggregation() == {"status_lists": [f"{ISSUER}/statuslists/1"]}


def test_full_lists_rotate_and_expired_ones_retire(
    kek: KeyEncryptionKey, clock: ManualClock
) -> None:
    """A list full at half opens the next; once its tokens expired it retires, unserved."""
    store = MemoryStore()
    svc = TokenService(
        make_config(access_token_ttl=60),
        Stores.single(store),
        kek,
        clock=clock,
        status_lists=StatusListConfig(list_size=1024),
    )
    svc.bootstrap()
    lists: list[Any] = []
    for _ in range(513):  # capacity 512
        claim = svc._status.claim(  # type: ignore[union-attr]
            jti="j", sid=None, account_id=None, client_id="c", expires_at=clock.time() + 60
        )
        lists.append(claim["status_list"]["uri"])
    assert lists.count(f"{ISSUER}/statuslists/1") == 512
    assert lists[-1] == f"{ISSUER}/statuslists/2"
    assert svc.retire_status_lists() == 0
    clock.advance(60 + 301)
    assert svc.retire_status_lists() == 1
    assert svc.status_list_token(1) is None
    assert svc.status_list_token(2) is not None
    assert svc.status_list_aggregation() == {"status_lists": [f"{ISSUER}/statuslists/2"]}


def test_a_key_rotation_re_signs_the_served_list(
    service: TokenService, alice: str, clock: ManualClock
) -> None:
    """After a rotation the list is signed with the new active key (the old one retires)."""
    service.login("alice", "correct horse")
    before = service.status_list_token(1)
    assert before is not None
    new_kid = service.rotate_keys()
    clock.advance(service.config.key_cache_ttl + 1)  # past the issuer's own key cache
    after = service.status_list_token(1)
    assert after is not None
    assert decode_unverified(after.token)[0]["kid"] == new_kid != before.kid
    assert after.etag != before.etag
