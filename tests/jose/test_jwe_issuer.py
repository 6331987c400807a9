"""The token service's side of nested JWTs: per-audience recipient keys and their policy.

The URL source is driven through its fetch seam (``keys.fetch.Fetcher``) with a scripted
fetcher and a manual clock: refresh after ``max_age``, keep the last good keys when a
refresh fails, fail closed when there never were any. The real HTTP path is in
``test_jwe_end_to_end``.
"""

from __future__ import annotations

import json

import pytest

from gatehouse import ManualClock
from gatehouse.errors import ConfigurationError, InvalidJWKSError, JWKSFetchError
from gatehouse.issuer import FAST_TEST_PROFILE, IssuerConfig
from gatehouse.issuer.encryption import (
    RETRY_COOLDOWN,
    AudienceEncryption,
    RecipientKeys,
    seal_for_audience,
)
from gatehouse.jose import JWK
from gatehouse.jose.jwe import decrypt_compact
from gatehouse.jose.jwe_algorithms import ENCRYPTIONS, KEY_MANAGEMENT
from gatehouse.jose.jwe_jwk import EncryptionKey
from gatehouse.keys.fetch import FetchResult

OLD = EncryptionKey.generate("ECDH-ES+A256KW", kid="old")
NEW = EncryptionKey.generate("ECDH-ES+A256KW", kid="new")


class ScriptedFetcher:
    """Answers each fetch with the next scripted result (or raises it); counts calls."""

    def __init__(self, *answers: FetchResult | Exception) -> None:
        self.answers = list(answers)
        self.calls = 0

    def fetch(self, url: str, timeout: float, max_size: int) -> FetchResult:
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _ok(*keys: EncryptionKey) -> FetchResult:
    return FetchResult(200, json.dumps({"keys": [k.public().to_dict() for k in keys]}).encode())


def test_url_keys_refresh_after_max_age_and_keep_the_last_good() -> None:
    """Fetched once, reused until max_age, refreshed; a failed refresh keeps the old keys."""
    clock = ManualClock()
    fetcher = ScriptedFetcher(_ok(OLD), _ok(NEW, OLD), JWKSFetchError("down"))
    keys = RecipientKeys(url="https://pay.example/enc", fetcher=fetcher, clock=clock, max_age=60)
    assert [k.kid for k in keys.current()] == ["old"]
    clock.advance(59)
    assert [k.kid for k in keys.current()] == ["old"]
    assert fetcher.calls == 1
    clock.advance(1)
    assert [k.kid for k in keys.current()] == ["new", "old"]
    clock.advance(60)
    assert [k.kid for k in keys.current()] == ["new", "old"]
    assert fetcher.calls == 3


@pytest.mark.parametrize(
    "answer",
    [JWKSFetchError("down"), FetchResult(500, b""), FetchResult(200, b'{"keys":[]}')],
    ids=["unreachable", "http-500", "no-enc-key"],
)
def test_url_keys_fail_closed_without_any_good_copy(answer: FetchResult | Exception) -> None:
    """No good copy ever: minting for that audience fails (never a token in the clear)."""
    keys = RecipientKeys(url="https://pay.example/enc", fetcher=ScriptedFetcher(answer))
    encryption = AudienceEncryption(keys)
    with pytest.raises((JWKSFetchError, InvalidJWKSError)):
        seal_for_audience("a.b.c", encryption)


def test_a_url_that_never_answered_is_not_refetched_for_every_token() -> None:
    """After a failure with no good copy, fetches wait out a cooldown, then succeed."""
    clock = ManualClock()
    fetcher = ScriptedFetcher(JWKSFetchError("down"), _ok(NEW))
    keys = RecipientKeys(url="https://pay.example/enc", fetcher=fetcher, clock=clock)
    for _ in range(3):
        with pytest.raises(JWKSFetchError):
            keys.current()
    assert fetcher.calls == 1
    clock.advance(RETRY_COOLDOWN)
    assert [k.kid for k in keys.current()] == ["new"]
    assert fetcher.calls == 2


def test_the_first_fitting_key_is_used_and_signing_keys_are_skipped() -> None:
    """The newest key listed first is the one encrypted to; use: sig entries are ignored."""
    signing = JWK.generate("ES256").public().to_dict()
    doc = {"keys": [signing, NEW.public().to_dict(), OLD.public().to_dict()]}
    token = seal_for_audience("a.b.c", AudienceEncryption(RecipientKeys.from_dict(doc)))
    opened = decrypt_compact(
        token, [OLD, NEW], algorithms=frozenset(KEY_MANAGEMENT), encryptions=ENCRYPTIONS
    )
    assert (opened.key.kid, opened.plaintext, opened.header["cty"]) == ("new", b"a.b.c", "JWT")


def test_no_encryption_means_plain_jws() -> None:
    """An audience without an entry gets the signed token back unchanged."""
    assert seal_for_audience("a.b.c", None) == "a.b.c"


def test_refused_algorithms_and_unknown_audiences_are_configuration_errors() -> None:
    """RSA1_5 for an audience, or encryption for an audience the issuer does not serve."""
    keys = RecipientKeys([OLD.public()])
    with pytest.raises(ConfigurationError):
        AudienceEncryption(keys, alg="RSA1_5")
    with pytest.raises(ConfigurationError):
        IssuerConfig(
            issuer="https://issuer.example",
            default_audience="https://api.example",
            password_profile=FAST_TEST_PROFILE,
            encryption={"https://elsewhere.example": AudienceEncryption(keys)},
        )
