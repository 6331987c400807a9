"""The token service's settings: one frozen value, validated once at start-up.

``IssuerConfig`` is also the ``[issuer]`` table of ``gatehouse.toml``: each field whose
metadata carries a ``doc`` is a setting, and ``gatehouse.service.settings_schema`` derives
its TOML key, environment variable, parser and documentation row from the field. A new
``[issuer]`` setting is one field here (plus its use); nothing else is written by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from gatehouse._record import record
from gatehouse.errors import ConfigurationError
from gatehouse.issuer.passwords import DEFAULT_PROFILE, PasswordProfile

if TYPE_CHECKING:
    from gatehouse.issuer.encryption import AudienceEncryption

__all__ = ["SIGNING_ALGORITHMS", "IssuerConfig", "ThrottlePolicy"]

SIGNING_ALGORITHMS: tuple[str, ...] = ("ES256", "EdDSA", "RS256", "PS256")
"""What a gatehouse issuer can sign with (RFC 7518 §3, RFC 8037 §3.1): the one list the
settings, the CLI's choices, the local gateway's verifier and the deploy generator use."""


def _setting(doc: str, **extra: str) -> dict[str, Any]:
    """Field metadata that makes a field a setting (read by ``service.settings_schema``)."""
    return {"doc": doc, **extra}


def _check_issuer_url(issuer: str, development: bool) -> None:
    """RFC 8414 §2: an https URL with no query or fragment (http allowed in development)."""
    if development:
        return
    parts = urlsplit(issuer)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise ConfigurationError(
            f"url {issuer!r}: the issuer must be an absolute https URL with no query or"
            ' fragment (RFC 8414 §2), e.g. "https://auth.example.com"'
        )


@record
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


@record
class IssuerConfig:
    """Everything the issuer's behaviour depends on. Durations are seconds.

    ``retired_key_retention`` defaults to ``access_token_ttl + verifier_cache_ttl``: a
    token signed just before a rotation stays verifiable for its whole life, even by a
    verifier whose cached JWKS predates the rotation. Shorter values are refused.
    """

    issuer: str = field(
        metadata=_setting(
            "The issuer identifier: the `iss` claim of every token and the base URL of the"
            " metadata endpoints (RFC 8414 §2). An absolute `https://` URL unless"
            " `development = true`.",
            key="url",
        )
    )
    default_audience: str = field(
        metadata=_setting(
            "Audience used when a request names none. Required when `audiences` has several"
            " entries.",
            shown_default="the only entry of `audiences`",
        )
    )
    audiences: frozenset[str] = field(
        default=frozenset(),
        metadata=_setting(
            "Audiences (`aud`) tokens may be issued for. A service client may be limited further."
        ),
    )
    first_party_client_id: str = field(
        default="gatehouse",
        metadata=_setting(
            "The `client_id` claim of tokens from `/login`; refresh tokens of this client"
            " refresh without client authentication."
        ),
    )
    access_token_ttl: int = field(
        default=600, metadata=_setting("Access-token lifetime in seconds (1 s … 1 day).")
    )
    refresh_idle_timeout: int = field(
        default=14 * 86400,
        metadata=_setting("A session whose refresh token is unused this long (seconds) ends."),
    )
    refresh_absolute_lifetime: int = field(
        default=30 * 86400,
        metadata=_setting(
            "A session ends this long (seconds) after login whatever happens. Must be ≥ the"
            " idle timeout."
        ),
    )
    refresh_reuse_grace: float = field(
        default=10.0,
        metadata=_setting(
            "Seconds during which re-presenting the immediate predecessor of the current"
            " refresh token returns the current pair (concurrent tabs, lost responses). Any"
            " other reuse revokes the session. 0 … 60."
        ),
    )
    exchange_max_depth: int = field(
        default=3,
        metadata=_setting(
            "The longest delegation chain a token exchange may build (RFC 8693 §4.1: nested"
            " `act` claims, one per service that exchanged). 1 … 10; an exchange beyond it is"
            " refused with `invalid_request`."
        ),
    )
    txn_trust_domain: str | None = field(
        default=None,
        metadata=_setting(
            "The Trust Domain this service issues Transaction Tokens for (their `aud`;"
            " draft-ietf-oauth-transaction-tokens). Unset: no Transaction Tokens. A client"
            " needs the token-exchange grant and this name among its audiences."
        ),
    )
    txn_token_ttl: int = field(
        default=300,
        metadata=_setting(
            "Transaction Token lifetime in seconds (10 … 900: minutes at most, the draft's"
            ' "Txn-Token Lifetime"); never beyond the subject token\'s own `exp`.'
        ),
    )
    password_profile: PasswordProfile = DEFAULT_PROFILE
    account_throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    address_throttle: ThrottlePolicy = field(
        default_factory=lambda: ThrottlePolicy(free_failures=20, lockout_failures=100)
    )
    signing_alg: str = field(
        default="ES256",
        metadata=_setting(
            f"One of {', '.join(f'`{a}`' for a in SIGNING_ALGORITHMS)}. Use `RS256` when API"
            " Gateway's own HTTP API JWT authorizer verifies the tokens: it accepts only RSA keys."
        ),
    )
    rsa_bits: int = 3072
    verifier_cache_ttl: int = field(
        default=300,
        metadata=_setting(
            "The longest time verifiers may cache the JWKS. Retired keys stay published"
            " `access_token_ttl + verifier_cache_ttl` (+ the issuer's own key cache) after a"
            " rotation, and `/.well-known/jwks.json` is served with at most this `max-age`."
        ),
    )
    password_min_length: int = field(
        default=8,
        metadata=_setting(
            "The shortest new password accepted (8 … 64; NIST SP 800-63B §5.1.1.2). Checked"
            " when a password is set, not at login."
        ),
    )
    breached_passwords_file: str | None = field(
        default=None,
        metadata=_setting(
            "Optional file of breached passwords a new password must not be: one per line,"
            " or SHA-1 hex digests (`HASH` or `HASH:count`, the Have I Been Pwned format)."
            " Read once at start-up."
        ),
    )
    retired_key_retention: int | None = None
    key_cache_ttl: float = 30.0
    deny_on_revoke: bool = True
    # Audiences whose access tokens are nested JWTs (signed, then encrypted to the
    # audience's key: gatehouse.issuer.encryption); every other audience gets plain JWS.
    encryption: Mapping[str, AudienceEncryption] = field(
        default_factory=dict, hash=False, compare=False
    )
    development: bool = field(
        default=False,
        metadata=_setting(
            "Allows an `http://` issuer, the `memory:` store, the built-in development KEK and"
            " an inline `[keys] kek`. Never in production.",
            env="GATEHOUSE_DEVELOPMENT",
        ),
    )

    def __post_init__(self) -> None:
        _check_issuer_url(self.issuer, self.development)
        if not self.default_audience:
            raise ConfigurationError("a default audience is required")
        if self.access_token_ttl <= 0 or self.access_token_ttl > 86400:
            raise ConfigurationError("access_token_ttl must be between 1 s and 1 day")
        if not 0 < self.refresh_idle_timeout <= self.refresh_absolute_lifetime:
            raise ConfigurationError("refresh idle timeout must be within the absolute lifetime")
        if not 0 <= self.refresh_reuse_grace <= 60:
            raise ConfigurationError("refresh_reuse_grace must be between 0 and 60 s")
        if not 1 <= self.exchange_max_depth <= 10:
            raise ConfigurationError("exchange_max_depth must be between 1 and 10")
        if not 10 <= self.txn_token_ttl <= 900:
            raise ConfigurationError("txn_token_ttl must be between 10 and 900 s")
        if self.signing_alg not in SIGNING_ALGORITHMS:
            raise ConfigurationError(
                f"signing_alg {self.signing_alg!r}: expected one of {', '.join(SIGNING_ALGORITHMS)}"
            )
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
        unknown = sorted(set(self.encryption) - self.allowed_audiences)
        if unknown:
            raise ConfigurationError(f"encryption for unknown audiences: {', '.join(unknown)}")

    @property
    def url(self) -> str:
        """The issuer under its settings name (``[issuer] url``)."""
        return self.issuer

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
