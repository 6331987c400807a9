"""Signing keys: states, rotation, JWKS content, sealing at rest, metadata."""

from __future__ import annotations

import json

import pytest
from issuer_helpers import make_config, verifier_for

from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.errors import ConflictError, InvalidKeyError, TokenError, UnknownKeyError
from gatehouse.issuer import KeyEncryptionKey, TokenService
from gatehouse.jose import JWK
from gatehouse.storage.ports import Stores
from gatehouse.storage.records import KeyState, KeyTransition


def _states(stores: Stores) -> dict[str, KeyState]:
    return {k.kid: k.state for k in stores.signing_keys.list_signing_keys()}


def test_bootstrap_creates_active_and_next(service: TokenService, stores: Stores) -> None:
    """A fresh service has one ACTIVE and one NEXT key, both in the JWKS, kid = thumbprint."""
    states = _states(stores)
    assert sorted(s.value for s in states.values()) == ["active", "next"]
    jwks = service.jwks()
    assert {k["kid"] for k in jwks["keys"]} == set(states)
    for key in jwks["keys"]:
        assert "d" not in key
        assert key["alg"] == "ES256"
        assert JWK.from_dict(key).thumbprint() == key["kid"]
    service.bootstrap()
    assert len(_states(stores)) == 2


def test_rotation_moves_every_state(service: TokenService, stores: Stores) -> None:
    """rotate: NEXT→ACTIVE, ACTIVE→RETIRED, a new NEXT; all three published."""
    before = _states(stores)
    old_active = next(k for k, s in before.items() if s is KeyState.ACTIVE)
    old_next = next(k for k, s in before.items() if s is KeyState.NEXT)
    assert service.rotate_keys() == old_next
    after = _states(stores)
    assert after[old_next] is KeyState.ACTIVE
    assert after[old_active] is KeyState.RETIRED
    assert list(after.values()).count(KeyState.NEXT) == 1
    assert {k["kid"] for k in service.jwks()["keys"]} == set(after)


def test_tokens_signed_before_rotation_still_verify(
    service: TokenService, alice: str, clock: ManualClock
) -> None:
    """A token signed by the now-retired key verifies with the published JWKS."""
    old = service.login("alice", "correct horse")
    service.rotate_keys()
    clock.advance(service.config.key_cache_ttl)
    new = service.login("alice", "correct horse")
    verifier = verifier_for(service, clock)
    assert (
        verifier.verify(old.access_token).header["kid"]
        != (verifier.verify(new.access_token).header["kid"])
    )


def test_retired_key_removed_only_after_retention(
    service: TokenService, stores: Stores, alice: str, clock: ManualClock
) -> None:
    """A retired key stays published for the retention, then is removed and erased."""
    old = service.login("alice", "correct horse")
    service.rotate_keys()
    retired = next(k for k, s in _states(stores).items() if s is KeyState.RETIRED)
    clock.advance(service.config.retention - 1)
    assert service.purge()["keys"] == 0
    clock.advance(1)
    assert service.purge()["keys"] == 1
    record = stores.signing_keys.get_signing_key(retired)
    assert record is not None
    assert (record.state, record.sealed_private) == (KeyState.REMOVED, b"")
    assert retired not in {k["kid"] for k in service.jwks()["keys"]}
    stale = Verifier(
        issuer=service.config.issuer,
        audience=service.config.default_audience,
        keys=JWKS.from_dict(service.jwks()),
        algorithms=["ES256"],
        clock=ManualClock(wall=clock.time() - 2 * service.config.retention),
    )
    with pytest.raises(UnknownKeyError):
        stale.verify(old.access_token)


def test_retention_covers_access_ttl_and_verifier_cache() -> None:
    """Retention is at least access TTL + verifier cache time; shorter is refused."""
    config = make_config(access_token_ttl=600, verifier_cache_ttl=300)
    assert config.retention >= 900
    from gatehouse.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        make_config(retired_key_retention=899)


def test_concurrent_rotation_loses_cleanly(service: TokenService, stores: Stores) -> None:
    """A stale rotation plan raises ConflictError and leaves the keys as they were."""
    states = _states(stores)
    nxt = next(k for k, s in states.items() if s is KeyState.NEXT)
    service.rotate_keys()
    after = _states(stores)
    with pytest.raises(ConflictError):
        stores.signing_keys.apply_key_transitions(
            [KeyTransition(nxt, KeyState.NEXT, KeyState.ACTIVE, 0.0)]
        )
    assert _states(stores) == after


@pytest.mark.parametrize("alg", ["EdDSA", "RS256"])
def test_other_algorithms(
    stores: Stores, kek: KeyEncryptionKey, clock: ManualClock, alg: str
) -> None:
    """EdDSA and RS256 deployments mint tokens that verify with their JWKS."""
    service = TokenService(make_config(signing_alg=alg, rsa_bits=2048), stores, kek, clock=clock)
    service.create_account("bob", "pw")
    pair = service.login("bob", "pw")
    claims = verifier_for(service, clock).verify(pair.access_token)
    assert claims.header["alg"] == alg


def test_private_keys_sealed_at_rest(service: TokenService, stores: Stores) -> None:
    """Stored private halves are ciphertext; a different KEK cannot open them."""
    record = stores.signing_keys.list_signing_keys()[0]
    public = json.loads(record.public_jwk)
    assert b'"d"' not in record.sealed_private
    assert public["x"].encode() not in record.sealed_private
    with pytest.raises(InvalidKeyError, match="does not open"):
        KeyEncryptionKey.generate().open(record.sealed_private, aad=record.kid.encode())


def test_tampered_token_fails(service: TokenService, alice: str, clock: ManualClock) -> None:
    """A token whose payload is altered does not verify (sanity of the signing path)."""
    token = service.login("alice", "correct horse").access_token
    head, payload, sig = token.split(".")
    forged = ".".join([head, payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB"), sig])
    with pytest.raises(TokenError):
        verifier_for(service, clock).verify(forged)


def test_metadata_document(service: TokenService) -> None:
    """RFC 8414 metadata names the issuer and endpoints under it."""
    doc = service.metadata()
    assert doc["issuer"] == "https://issuer.example"
    assert doc["jwks_uri"] == "https://issuer.example/.well-known/jwks.json"
    assert "refresh_token" in doc["grant_types_supported"]
    assert "password" not in doc["grant_types_supported"]  # RFC 9700 §2.4
