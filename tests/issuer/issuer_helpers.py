"""Shared helpers for the issuer tests (config, verifier, audit capture)."""

from __future__ import annotations

from typing import Any

from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.issuer import FAST_TEST_PROFILE, IssuerConfig, TokenService

ISSUER = "https://issuer.example"
API = "https://api.example"


def make_config(**changes: Any) -> IssuerConfig:
    fields: dict[str, Any] = {
        "issuer": ISSUER,
        "default_audience": API,
        "audiences": frozenset({API, "https://other.example"}),
        "password_profile": FAST_TEST_PROFILE,
    }
    fields.update(changes)
    return IssuerConfig(**fields)


def verifier_for(service: TokenService, clock: ManualClock, audience: str = API) -> Verifier:
    """A verifier as a resource server would build it, from the issuer's JWKS."""
    return Verifier(
        issuer=ISSUER,
        audience=audience,
        keys=JWKS.from_dict(service.jwks()),
        algorithms=["ES256", "EdDSA", "RS256"],
        clock=clock,
    )
