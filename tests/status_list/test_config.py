"""RemoteStatusLists configuration: impossible knobs fail at start-up, sharing rules, bounds."""

from __future__ import annotations

from typing import Any

import pytest

from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.errors import ConfigurationError
from gatehouse.jose import JWK, encode_jwt
from gatehouse.keys.status_list_policy import StatusListPolicy
from gatehouse.keys.status_lists import RemoteStatusLists

from .conftest import Site, list_token


@pytest.mark.parametrize(
    "options",
    [
        {"timeout": 0},
        {"timeout": float("inf")},
        {"min_ttl": 0},
        {"min_ttl": 10, "default_ttl": 5},
        {"default_ttl": 1000, "max_ttl": 900},
        {"stale_if_error": 8 * 24 * 3600},
        {"stale_if_error": -1},
        {"leeway": 601},
        {"retry_after_error": True},
        {"max_document_size": 0},
        {"max_list_bytes": 1 << 30},
        {"max_lists": 0},
    ],
)
def test_impossible_settings_fail_at_start_up(options: dict[str, Any]) -> None:
    """Each knob is checked once, at construction: ConfigurationError, never later."""
    with pytest.raises(ConfigurationError):
        RemoteStatusLists(**options)


def test_policy_and_options_are_exclusive_and_policy_is_immutable() -> None:
    """policy= or loose options, not both; a StatusListPolicy cannot be changed."""
    policy = StatusListPolicy(max_ttl=60, default_ttl=30)
    assert RemoteStatusLists(policy=policy).policy is policy
    with pytest.raises(ConfigurationError):
        RemoteStatusLists(policy=policy, timeout=1)
    with pytest.raises(AttributeError):
        policy.max_ttl = 5


def test_issuer_that_is_not_a_url_needs_allowed_uris() -> None:
    """With an issuer that is not an https URL, the default allow-list cannot be built."""
    key = JWK.generate("ES256")
    with pytest.raises(ConfigurationError, match="prefix"):
        Verifier(
            issuer="my-issuer",
            audience="orders",
            keys=JWKS([key.public()]),
            algorithms=["ES256"],
            status_lists=RemoteStatusLists(),
        )


def test_one_source_serves_one_key_set() -> None:
    """Sharing a RemoteStatusLists between Verifiers with different keys is refused."""
    shared = RemoteStatusLists()
    first, second = JWK.generate("ES256"), JWK.generate("ES256")
    common: dict[str, Any] = {
        "issuer": "https://auth.example.com",
        "audience": "orders",
        "algorithms": ["ES256"],
    }
    keys = JWKS([first.public()])
    Verifier(keys=keys, status_lists=shared, **common)
    Verifier(keys=keys, status_lists=shared, **common)  # the same keys: fine
    with pytest.raises(ConfigurationError, match="other keys"):
        Verifier(keys=JWKS([second.public()]), status_lists=shared, **common)


def test_unattached_source_is_a_configuration_error() -> None:
    """Used without a Verifier (and without keys, clock, allow-list) it says so."""
    with pytest.raises(ConfigurationError, match="attached"):
        RemoteStatusLists().status_of("https://auth.example.com/statuslists/1", 0)


def test_cached_lists_are_bounded_by_max_lists(site: Site, signing_key: JWK) -> None:
    """With max_lists=2 a third list evicts the oldest, which is then fetched again."""
    clock = ManualClock()
    verifier = Verifier(
        issuer=site.issuer,
        audience="orders",
        keys=JWKS([signing_key.public()]),
        algorithms=["ES256"],
        clock=clock,
        status_lists=RemoteStatusLists(max_lists=2),
    )

    def verify(n: int) -> None:
        site.publisher.serve(list_token(signing_key, site.uri(n), clock))
        claims = {
            "iss": site.issuer,
            "aud": "orders",
            "exp": int(clock.time()) + 60,
            "status": {"status_list": {"idx": 1, "uri": site.uri(n)}},
        }
        verifier.verify(encode_jwt(claims, signing_key, "ES256"))

    for n in (1, 2, 3, 3, 2, 1):
        verify(n)
    assert [path for path, _ in site.publisher.requests] == [
        "/statuslists/1",
        "/statuslists/2",
        "/statuslists/3",
        "/statuslists/1",
    ]


def test_other_status_mechanism_passes_when_not_required(site: Site, signing_key: JWK) -> None:
    """A status claim naming only another mechanism (§6.1) passes with require=False."""
    clock = ManualClock()
    verifier = Verifier(
        issuer=site.issuer,
        audience="orders",
        keys=JWKS([signing_key.public()]),
        algorithms=["ES256"],
        clock=clock,
        status_lists=RemoteStatusLists(require=False),
    )
    claims = {
        "iss": site.issuer,
        "aud": "orders",
        "exp": int(clock.time()) + 60,
        "status": {"other_mechanism": {"id": 1}},
    }
    assert verifier.verify(encode_jwt(claims, signing_key, "ES256"))["aud"] == "orders"
    assert site.publisher.count == 0
