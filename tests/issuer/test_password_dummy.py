"""The unknown-user dummy hash: written out, not computed, and as costly to verify as a real one."""

from __future__ import annotations

import argon2
import pytest
from argon2.exceptions import VerifyMismatchError

from gatehouse.issuer import DEFAULT_PROFILE, FAST_TEST_PROFILE
from gatehouse.issuer.passwords import PasswordHasher, dummy_hash


def _counting(n: int) -> bytes:
    return bytes(range(n))


def test_dummy_is_built_from_randomness_without_hashing() -> None:
    """The dummy is the PHC string of the profile, an injected salt and an injected tag."""
    made = dummy_hash(DEFAULT_PROFILE, _counting)
    assert made == (
        "$argon2id$v=19$m=19456,t=2,p=1$AAECAwQFBgcICQoLDA0ODw"
        "$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
    )
    assert PasswordHasher(DEFAULT_PROFILE, random=_counting)._dummy == made


@pytest.mark.parametrize("profile", [DEFAULT_PROFILE, FAST_TEST_PROFILE])
def test_dummy_costs_one_full_verification(profile: object) -> None:
    """argon2 parses the dummy with the profile's parameters and verifies it to a mismatch
    (a malformed dummy would be refused before any work: a timing signal)."""
    hasher = PasswordHasher(profile)  # type: ignore[arg-type]
    params = argon2.extract_parameters(hasher._dummy)
    assert (params.memory_cost, params.time_cost, params.parallelism) == (
        hasher.profile.memory_cost,
        hasher.profile.time_cost,
        hasher.profile.parallelism,
    )
    assert (params.salt_len, params.hash_len) == (hasher.profile.salt_len, hasher.profile.hash_len)
    assert not hasher.needs_rehash(hasher._dummy)
    with pytest.raises(VerifyMismatchError):
        hasher._ph.verify(hasher._dummy, "any password")


def test_dummies_differ_per_hasher() -> None:
    """Each hasher draws its own salt and tag."""
    assert PasswordHasher(FAST_TEST_PROFILE)._dummy != PasswordHasher(FAST_TEST_PROFILE)._dummy
