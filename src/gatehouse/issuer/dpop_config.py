"""The ``[dpop]`` table: how the token endpoint treats DPoP proofs (RFC 9449 §5, §8).

Like ``IssuerConfig``, each field whose metadata carries a ``doc`` is a setting
(``gatehouse.service.settings_schema`` derives its TOML key, environment variable and
documentation row). The values are checked here once, so the service, the CLI and the
dev gateway refuse the same mistakes.
"""

from __future__ import annotations

import math
from dataclasses import field
from typing import Any

from gatehouse._record import record
from gatehouse.errors import ConfigurationError
from gatehouse.jose.dpop import DPOP_ALGORITHMS

__all__ = ["REPLAY_STORES", "DPoPConfig"]

REPLAY_STORES = ("storage", "redis", "memory", "off")
"""Where used proofs are remembered: the main SQL store (shared by every instance on
it), ``[storage] redis_url``, this process's memory, or nowhere (nonces alone)."""


def _setting(doc: str) -> dict[str, Any]:
    return {"doc": doc}


@record
class DPoPConfig:
    """Token-endpoint DPoP policy; the resource-server side is ``gatehouse.dpop``."""

    enabled: bool = field(
        default=True,
        metadata=_setting(
            "Accept a `DPoP` header at `/login` and `/token` and bind the tokens to its key"
            " (`cnf.jkt`, `token_type: DPoP`). `false`: the header is ignored and every token"
            " is a Bearer token (RFC 9449 §5: a server without DPoP ignores the header)."
        ),
    )
    require_nonce: bool = field(
        default=False,
        metadata=_setting(
            "Proofs must carry a `DPoP-Nonce` this server issued (RFC 9449 §8); a proof"
            " without one is answered `400 use_dpop_nonce` with a fresh nonce. Nonces are"
            " stateless (an HMAC of a time slot), so every instance agrees."
        ),
    )
    nonce_keys: tuple[str, ...] = field(
        default=(),
        repr=False,
        metadata=_setting(
            "base64url keys (≥ 32 random bytes each) for the nonce HMAC; the first issues,"
            " all are accepted, so a rotation lists the new key first and drops the old one a"
            " slot later. Empty: a key derived from the KEK (HKDF, purpose"
            " `gatehouse dpop nonce v1`)."
        ),
    )
    nonce_lifetime: float = field(
        default=300.0,
        metadata=_setting(
            "Seconds per nonce slot (10 … 3600): a nonce is accepted in its slot and the"
            " next, so it lives one to two slots."
        ),
    )
    max_age: float = field(
        default=60.0,
        metadata=_setting("Seconds after its `iat` a proof is accepted (1 … 600, RFC 9449 §11.1)."),
    )
    leeway: float = field(
        default=5.0,
        metadata=_setting("Seconds a proof's `iat` may lie in the future (client clock skew)."),
    )
    algorithms: tuple[str, ...] = field(
        default=tuple(sorted(DPOP_ALGORITHMS)),
        metadata=_setting(
            "Proof signature algorithms accepted (asymmetric only); advertised as"
            " `dpop_signing_alg_values_supported` (RFC 9449 §5.1)."
        ),
    )
    replay: str = field(
        default="storage",
        metadata=_setting(
            "Where used proofs are remembered (RFC 9449 §11.1): `storage` (the `[storage]"
            " url` database, shared by every instance; in-process for `memory:`), `redis`"
            " (`[storage] redis_url`), `memory` (one process) or `off` (nonces alone)."
        ),
    )
    require_first_party: bool = field(
        default=False,
        metadata=_setting(
            "The first-party client (`/login` and its refreshes) must send a proof;"
            " registered clients opt in with `gatehouse clients add --require-dpop`."
        ),
    )

    def __post_init__(self) -> None:
        allowed = set(self.algorithms)
        if not allowed or not allowed <= DPOP_ALGORITHMS:
            raise ConfigurationError(
                "algorithms: asymmetric JWS algorithms only, e.g. ['ES256', 'EdDSA'];"
                f" known: {', '.join(sorted(DPOP_ALGORITHMS))}"
            )
        for name, low, high in (
            ("max_age", 1, 600),
            ("leeway", 0, 300),
            ("nonce_lifetime", 10, 3600),
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and low <= value <= high):
                raise ConfigurationError(f"{name} must be between {low} and {high} seconds")
        if self.replay not in REPLAY_STORES:
            raise ConfigurationError(f"replay must be one of {', '.join(REPLAY_STORES)}")
