"""The token service's DPoP rules below HTTP (issuer.dpop_binding, RFC 9449 §5, §8):
settings checks, the nonce key (KEK-derived or configured, rotated), the replay store
chosen from settings, families of confidential clients, and the bounded SQL purge."""

from __future__ import annotations

import dataclasses
import secrets
from pathlib import Path

import pytest

from gatehouse import ManualClock
from gatehouse.errors import ConfigurationError, UseDPoPNonceError
from gatehouse.issuer import FAST_TEST_PROFILE, KeyEncryptionKey, TokenService
from gatehouse.issuer.config import IssuerConfig
from gatehouse.issuer.dpop_binding import NONCE_KEY_PURPOSE, TokenEndpointDPoP
from gatehouse.issuer.dpop_config import DPoPConfig
from gatehouse.jose import JWK, b64url_encode, decode_unverified
from gatehouse.jose.dpop_make import make_proof
from gatehouse.storage.memory import MemoryStore
from gatehouse.storage.ports import Stores
from gatehouse.storage.sqlite import SQLiteStore

ISSUER = "https://auth.example.com"
API = "https://api.example.com"
NOW = 1_700_000_000.0


def _config() -> IssuerConfig:
    return IssuerConfig(
        issuer=ISSUER,
        default_audience=API,
        audiences=frozenset({API}),
        password_profile=FAST_TEST_PROFILE,
    )


def _endpoint(config: DPoPConfig, kek: KeyEncryptionKey, clock: ManualClock) -> TokenEndpointDPoP:
    return TokenEndpointDPoP(config, issuer=ISSUER, kek=kek, replay=None, clock=clock)


def _nonce_of(endpoint: TokenEndpointDPoP, key: JWK) -> str:
    with pytest.raises(UseDPoPNonceError) as caught:
        endpoint.proof_jkt(
            make_proof(key, method="POST", url=ISSUER + "/token", now=NOW), path="/token"
        )
    return caught.value.nonce


@pytest.mark.parametrize(
    "changes",
    [
        {"algorithms": ("HS256",)},
        {"algorithms": ()},
        {"max_age": 0.0},
        {"max_age": float("nan")},
        {"leeway": 301.0},
        {"nonce_lifetime": 5.0},
        {"replay": "disk"},
    ],
)
def test_bad_dpop_settings_are_refused(changes: dict[str, object]) -> None:
    """[dpop] refuses MAC or empty algorithm lists, windows out of range, unknown stores."""
    with pytest.raises(ConfigurationError):
        DPoPConfig(**changes)  # type: ignore[arg-type]


def test_nonce_key_is_derived_from_the_kek_never_fixed() -> None:
    """Without nonce_keys the key is HKDF(KEK): two KEKs give different nonces, one KEK
    the same nonce on every instance."""
    clock, key = ManualClock(wall=NOW), JWK.generate("ES256")
    kek_a, kek_b = KeyEncryptionKey.generate(), KeyEncryptionKey.generate()
    config = DPoPConfig(require_nonce=True)
    first = _nonce_of(_endpoint(config, kek_a, clock), key)
    assert _nonce_of(_endpoint(config, kek_a, clock), key) == first
    assert _nonce_of(_endpoint(config, kek_b, clock), key) != first
    assert kek_a.derive(NONCE_KEY_PURPOSE) != kek_a.derive("another purpose")


def test_configured_nonce_keys_rotate_new_first() -> None:
    """A nonce issued under the old key is still accepted after the new key is put first."""
    clock, key, kek = ManualClock(wall=NOW), JWK.generate("ES256"), KeyEncryptionKey.generate()
    old, new = b64url_encode(b"o" * 16 + b"l" * 16), b64url_encode(b"n" * 16 + b"w" * 16)
    before = _endpoint(DPoPConfig(require_nonce=True, nonce_keys=(old,)), kek, clock)
    nonce = _nonce_of(before, key)
    after = _endpoint(DPoPConfig(require_nonce=True, nonce_keys=(new, old)), kek, clock)
    proof = make_proof(key, method="POST", url=ISSUER + "/token", now=NOW, nonce=nonce)
    assert after.proof_jkt(proof, path="/token") == key.thumbprint()
    assert _nonce_of(after, key) != nonce  # new nonces come from the new key


def test_nonce_keys_that_are_not_base64url_are_refused() -> None:
    """A nonce key that does not decode is a ConfigurationError at start-up."""
    with pytest.raises(ConfigurationError):
        _endpoint(
            DPoPConfig(require_nonce=True, nonce_keys=("not base64!",)),
            KeyEncryptionKey.generate(),
            ManualClock(wall=NOW),
        )


def test_disabled_dpop_ignores_the_header_and_advertises_nothing() -> None:
    """[dpop] enabled = false: a proof is ignored (Bearer tokens) and discovery is silent."""
    endpoint = _endpoint(
        DPoPConfig(enabled=False), KeyEncryptionKey.generate(), ManualClock(wall=NOW)
    )
    assert endpoint.proof_jkt("anything", path="/token") is None
    assert endpoint.metadata() == {}


def test_confidential_clients_family_is_not_key_bound(tmp_path: Path) -> None:
    """A confidential client's login with a proof binds the access token only: the refresh
    token stays bound to the client and refreshes without a proof."""
    clock = ManualClock(wall=NOW)
    store = SQLiteStore(tmp_path / "g.db", clock=clock)
    try:
        service = TokenService(
            _config(), Stores.single(store), KeyEncryptionKey.generate(), clock=clock
        )
        service.bootstrap()
        service.create_account("alice", "correct horse", allowed_scopes=["read"])
        service.register_client(
            "web", allowed_audiences=[API], grant_types=["password", "refresh_token"]
        )
        key = JWK.generate("ES256")
        pair = service.login("alice", "correct horse", client_id="web", dpop_jkt=key.thumbprint())
        assert pair.token_type == "DPoP"
        assert decode_unverified(pair.access_token)[1]["cnf"] == {"jkt": key.thumbprint()}
        again = service.refresh(pair.refresh_token, client_id="web")
        assert again.token_type == "Bearer"
    finally:
        store.close()


def test_replay_store_follows_the_settings(tmp_path: Path) -> None:
    """replay = "storage" uses the SQL store's table, a memory: store falls back to this
    process, and "redis" without [storage] redis_url is refused."""
    from gatehouse.service.compose import build_dpop_replay
    from gatehouse.service.settings import load_settings
    from gatehouse.service.store_urls import OpenStores

    env = {
        "GATEHOUSE_ISSUER_URL": ISSUER,
        "GATEHOUSE_ISSUER_AUDIENCES": API,
        "GATEHOUSE_STORAGE_URL": f"sqlite:///{tmp_path / 'g.db'}",
        "GATEHOUSE_KEK": b64url_encode(secrets.token_bytes(32)),
    }
    settings = load_settings(environ=env)
    sql = SQLiteStore(tmp_path / "g.db")
    try:
        assert build_dpop_replay(settings, OpenStores(Stores.single(sql), (sql,))) is sql
    finally:
        sql.close()
    memory = MemoryStore()
    assert build_dpop_replay(settings, OpenStores(Stores.single(memory), (memory,))) is None
    redis = dataclasses.replace(settings, dpop=DPoPConfig(replay="redis"))
    with pytest.raises(ConfigurationError):
        build_dpop_replay(redis, OpenStores(Stores.single(memory), (memory,)))


def test_sql_first_use_purges_a_bounded_batch_now_and_then(tmp_path: Path) -> None:
    """A new key ending in "A" (one SHA-256 key in 16) purges up to PURGE_BATCH expired rows."""
    from gatehouse.storage.sql_dpop import PURGE_BATCH

    store = SQLiteStore(tmp_path / "r.db")
    try:
        for i in range(PURGE_BATCH + 10):
            store.first_use(f"old{i}", expires_at=100.0, now=50.0)
        assert store.first_use("trigger-A", expires_at=500.0, now=200.0)
        assert store.purge_replay(now=200.0) == 10
    finally:
        store.close()
