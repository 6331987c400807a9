"""The rows the token service keeps, as frozen values shared by every adapter.

Records are plain data: no behaviour, no policy, no secrets in clear. Passwords and
client secrets are stored as hashes, refresh tokens as SHA-256 digests, private keys
sealed under the key-encryption key. Times are wall-clock seconds since the epoch
(floats, as ``Clock.time()`` returns them), so every adapter compares numbers and never
reads a clock of its own: the caller passes ``now``.

Adapters must round-trip every field exactly (``frozenset`` order is irrelevant; a
``roles`` tuple keeps its order).
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from gatehouse._record import record
from gatehouse.storage.status_records import StatusClaim

__all__ = [
    "REUSE_REASON",
    "AccountRecord",
    "ClientRecord",
    "DenyKind",
    "KeyState",
    "KeyTransition",
    "RefreshTokenRecord",
    "RotationOutcome",
    "RotationRequest",
    "RotationResult",
    "SessionRecord",
    "SigningKeyRecord",
]


@record
class AccountRecord:
    """A person (or robot) who logs in with a password.

    ``username`` and ``email`` are already normalised (NFKC + casefold) by the issuer;
    the store enforces uniqueness of ``username`` (and of ``email`` when not None) with
    ``ConflictError``.
    """

    account_id: str
    username: str
    password_hash: str
    email: str | None = None
    roles: tuple[str, ...] = ()
    allowed_scopes: frozenset[str] = frozenset()
    disabled: bool = False
    created_at: float = 0.0
    updated_at: float = 0.0
    password_changed_at: float = 0.0


@record
class SessionRecord:
    """A login and every refresh token rotated from it: the refresh *family* (``sid``).

    ``idle_expires_at`` moves forward on each rotation; ``absolute_expires_at`` never
    moves. A session is live while ``revoked_at is None`` and ``now`` is before both.
    """

    sid: str
    account_id: str
    audience: str
    scope: frozenset[str]
    created_at: float
    last_used_at: float
    idle_expires_at: float
    absolute_expires_at: float
    client_id: str | None = None
    revoked_at: float | None = None
    revoke_reason: str | None = None
    jkt: str | None = None
    """The RFC 7638 thumbprint of the DPoP key a public client's family is bound to
    (RFC 9449 §5): refreshing needs a proof by that key. None: not bound."""

    def is_live(self, now: float) -> bool:
        """Not revoked and neither idle nor absolute expiry has passed."""
        return (
            self.revoked_at is None
            and now < self.idle_expires_at
            and now < self.absolute_expires_at
        )


@record
class RefreshTokenRecord:
    """One refresh token of a family, known only by the SHA-256 of its text.

    When the token is spent, ``successor_hash`` names the token that replaced it and
    ``sealed_successor`` holds that successor's text encrypted under a key derived from
    *this* token (so only a holder of this token can recover it, during the grace
    window). Both are None until the token is spent.
    """

    token_hash: bytes
    sid: str
    issued_at: float
    parent_hash: bytes | None = None
    spent_at: float | None = None
    successor_hash: bytes | None = None
    sealed_successor: bytes | None = None


REUSE_REASON = "refresh_token_reused"
"""The ``revoke_reason`` of a session revoked because a spent refresh token came back."""


class RotationOutcome(enum.Enum):
    """What ``SessionStore.rotate_refresh_token`` found and did, in one transaction."""

    ROTATED = "rotated"
    """The token was live and unspent: it is now spent and the successor inserted."""
    GRACE = "grace"
    """The token was already spent, it is the immediate predecessor of the family's live
    token (its successor is unspent) and it was spent at most ``grace_seconds`` ago:
    nothing was written; ``token.sealed_successor`` carries the current token."""
    REUSED = "reused"
    """Any other replay of a spent token: the session was revoked in the same
    transaction (``revoke_reason = REUSE_REASON``)."""
    UNKNOWN = "unknown"
    """No token has this hash. Nothing was written."""
    REVOKED = "revoked"
    """The session was already revoked. Nothing was written."""
    EXPIRED = "expired"
    """The session passed its idle or absolute expiry. Nothing was written."""


@record
class RotationRequest:
    """Everything a store needs to rotate a refresh token atomically.

    The issuer prepares the successor (its hash and its text sealed under the presented
    token) before asking, so the store never sees a token in clear.
    """

    presented_hash: bytes
    successor_hash: bytes
    sealed_successor: bytes
    now: float
    idle_timeout: float
    grace_seconds: float
    # The new access token's status-list index, claimed in the same transaction when
    # the outcome mints one (ROTATED, GRACE); see ``RotationResult.status_idx``.
    status: StatusClaim | None = None
    # The issuer's word on the session found, called with it under the lock before any
    # rule (``rotation.decide_rotation``), so the issuer needs no read of its own first:
    # it raises to refuse (nothing is written) or returns the claim for that session,
    # which replaces ``status``. It may run more than once (a retried transaction), so
    # it only computes: no I/O.
    admit: Callable[[SessionRecord], StatusClaim | None] | None = None


@record
class RotationResult:
    """The outcome plus the rows as they are after the transaction.

    ``session`` is None only for UNKNOWN. ``token`` is the presented token's row (for
    ROTATED, as spent; for GRACE, with its ``sealed_successor``); ``successor`` is the
    newly inserted row for ROTATED and the live successor's row for GRACE, else None.
    """

    outcome: RotationOutcome
    session: SessionRecord | None = None
    token: RefreshTokenRecord | None = None
    successor: RefreshTokenRecord | None = None
    status_idx: int | None = None  # the index ``request.status`` claimed, if any
    # The session's account as read in the same transaction, by an adapter that reads
    # it there (PostgreSQL: it saves a round trip); None: the issuer reads it itself.
    account: AccountRecord | None = None


@record
class ClientRecord:
    """A registered OAuth client.

    ``secret_hash`` is the SHA-256 of a secret the issuer generated (≥ 256 random bits,
    so a fast hash is right); None for a public client that may not use
    client_credentials.
    """

    client_id: str
    name: str
    secret_hash: bytes | None
    allowed_audiences: frozenset[str] = frozenset()
    allowed_scopes: frozenset[str] = frozenset()
    grant_types: frozenset[str] = frozenset()
    disabled: bool = False
    created_at: float = 0.0
    updated_at: float = 0.0
    require_dpop: bool = False
    """The token endpoint refuses this client's requests without a DPoP proof (RFC 9449 §5)."""


class KeyState(enum.Enum):
    """Lifecycle of a signing key: published before use, kept after, then dropped."""

    NEXT = "next"
    ACTIVE = "active"
    RETIRED = "retired"
    REMOVED = "removed"


@record
class SigningKeyRecord:
    """A signing key; the private half only ever sealed under the KEK.

    ``public_jwk`` is the JSON text of the public JWK (kid, alg, use included);
    ``sealed_private`` is the AES-256-GCM sealed private JWK JSON, emptied (``b""``)
    once the key is REMOVED. ``state_changed_at`` tells how long a key has been in its
    state, which is what the rotation rules read.
    """

    kid: str
    alg: str
    state: KeyState
    public_jwk: str
    sealed_private: bytes
    created_at: float
    state_changed_at: float


@record
class KeyTransition:
    """Move key ``kid`` from ``from_state`` to ``to_state`` at ``at`` (compare-and-set)."""

    kid: str
    from_state: KeyState
    to_state: KeyState
    at: float


class DenyKind(enum.Enum):
    """What a deny-list entry names: one access token, or every token of a session."""

    JTI = "jti"
    SID = "sid"
