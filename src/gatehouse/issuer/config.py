"""The token service's settings: one frozen value, validated once at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field

from gatehouse.errors import ConfigurationError
from gatehouse.issuer.passwords import DEFAULT_PROFILE, PasswordProfile

__all__ = ["SIGNING_ALGORITHMS", "IssuerConfig", "ThrottlePolicy"]

SIGNING_ALGORITHMS = frozenset({"ES256", "EdDSA", "RS256", "PS256"})


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """Failed-login backoff for one kind of key (an account, or a client address).

    Failures are counted in a window that starts at the first failure. After
    ``free_failures`` failures each further one locks the key for
    ``backoff_base * 2**k`` seconds (capped at ``backoff_cap``); at
    ``lockout_failures`` it is locked for ``lockout_seconds``.
    """

    window: float = 900.0
    free_failures: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    lockout_failures: int = 20
    lockout_seconds: float = 900.0

    def __post_init__(self) -> None:
        if self.window <= 0 or self.backoff_base <= 0 or self.lockout_seconds <= 0:
            raise ConfigurationError("throttle durations must be positive")
        if not 0 <= self.free_failures < self.lockout_failures:
            raise ConfigurationError("free_failures must be below lockout_failures")


@dataclass(frozen=True, slots=True)
class IssuerConfig:
    """Everything the issuer's behaviour depends on. Durations are seconds.

    ``retired_key_retention`` defaults to ``access_token_ttl + verifier_cache_ttl``: a
    token signed just before a rotation stays verifiable for its whole life, even by a
    verifier whose cached JWKS predates the rotation. Shorter values are refused.
    """

    issuer: str
    default_audience: str
    audiences: frozenset[str] = frozenset()
    first_party_client_id: str = "gatehouse"
    access_token_ttl: int = 600
    refresh_idle_timeout: int = 14 * 86400
    refresh_absolute_lifetime: int = 30 * 86400
    refresh_reuse_grace: float = 10.0
    password_profile: PasswordProfile = DEFAULT_PROFILE
    account_throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    address_throttle: ThrottlePolicy = field(
        default_factory=lambda: ThrottlePolicy(free_failures=20, lockout_failures=100)
    )
    signing_alg: str = "ES256"
    rsa_bits: int = 3072
    verifier_cache_ttl: int = 300
    retired_key_retention: int | None = None
    key_cache_ttl: float = 30.0
    deny_on_revoke: bool = True
    development: bool = False

    def __post_init__(self) -> None:
        if not self.issuer.startswith("https://") and not self.development:
            raise ConfigurationError("the issuer must be an https URL (RFC 8414 §2)")
        if not self.default_audience:
            raise ConfigurationError("a default audience is required")
        if self.access_token_ttl <= 0 or self.access_token_ttl > 86400:
            raise ConfigurationError("access_token_ttl must be between 1 s and 1 day")
        if not 0 < self.refresh_idle_timeout <= self.refresh_absolute_lifetime:
            raise ConfigurationError("refresh idle timeout must be within the absolute lifetime")
        if not 0 <= self.refresh_reuse_grace <= 60:
            raise ConfigurationError("refresh_reuse_grace must be between 0 and 60 s")
        if self.signing_alg not in SIGNING_ALGORITHMS:
            raise ConfigurationError(f"signing_alg must be one of {sorted(SIGNING_ALGORITHMS)}")
        if self.rsa_bits < 2048:
            raise ConfigurationError("rsa_bits must be at least 2048")
        if (
            self.retired_key_retention is not None
            and self.retired_key_retention < self.min_retention
        ):
            raise ConfigurationError(
                "retired_key_retention must cover access_token_ttl + verifier_cache_ttl"
            )
        if self.key_cache_ttl > self.verifier_cache_ttl:
            raise ConfigurationError("key_cache_ttl must not exceed verifier_cache_ttl")

    @property
    def min_retention(self) -> int:
        return self.access_token_ttl + self.verifier_cache_ttl

    @property
    def retention(self) -> float:
        """How long a retired key stays published (and the rotation overlap)."""
        base = self.retired_key_retention or self.min_retention
        return base + self.key_cache_ttl

    @property
    def allowed_audiences(self) -> frozenset[str]:
        return self.audiences | {self.default_audience}
