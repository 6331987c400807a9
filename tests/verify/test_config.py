"""Verifier configuration mistakes fail at construction with ConfigurationError."""

from __future__ import annotations

from typing import Any

import pytest

from gatehouse.errors import ConfigurationError
from gatehouse.jose import JWK

from .conftest import MakeVerifier


@pytest.mark.parametrize(
    "overrides",
    [
        {"algorithms": []},
        {"algorithms": ()},
        {"algorithms": "ES256"},
        {"algorithms": ["none"]},
        {"algorithms": ["ES256", "none"]},
        {"algorithms": ["ES265"]},
        {"algorithms": ["es256"]},
        {"algorithms": ["HS256", "ES256"]},
        {"algorithms": ["HS512", "RS256", "EdDSA"]},
        {"leeway": -1},
        {"leeway": 601},
        {"leeway": float("nan")},
        {"leeway": "30"},
        {"max_age": 0},
        {"issuer": ""},
        {"audience": []},
        {"keys": {"keys": []}},
        {"keys": "jwks.json"},
        {"max_token_size": 255},
        {"max_token_size": 1024 * 1024 + 1},
        {"cache_size": -1},
    ],
    ids=lambda o: "-".join(f"{k}={v!r}" for k, v in o.items()),
)
def test_config_errors(
    keys: dict[str, JWK], make_verifier: MakeVerifier, overrides: dict[str, Any]
) -> None:
    """Each unusable or unsafe setting is refused up front."""
    with pytest.raises(ConfigurationError):
        make_verifier(keys["ES256"], **overrides)


@pytest.mark.parametrize(
    "algorithms",
    [["HS256", "HS384", "HS512"], ["EdDSA", "Ed25519", "ES256", "RS256", "PS512"]],
)
def test_config_accepts_one_family_kind(
    keys: dict[str, JWK], make_verifier: MakeVerifier, algorithms: list[str]
) -> None:
    """All-HMAC or all-asymmetric allow-lists are fine."""
    key = keys["HS256"] if algorithms[0].startswith("HS") else keys["ES256"]
    assert make_verifier(key, algorithms=algorithms).algorithms == frozenset(algorithms)
