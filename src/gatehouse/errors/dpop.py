"""The request's proof of possession is bad (RFC 9449 §4.3, answered per §7.1 and §9)."""

from __future__ import annotations

from gatehouse.errors.token import TokenError


class InvalidDPoPProofError(TokenError):
    """The DPoP proof is not acceptable (RFC 9449 §4.3, answered per §7.1)."""

    code = "invalid_dpop_proof"
    error = "invalid_dpop_proof"


class DPoPTargetMismatchError(InvalidDPoPProofError):
    """The proof was made for another HTTP method or URL (RFC 9449 §4.3 steps 8-9)."""

    code = "dpop_wrong_url"


class StaleDPoPProofError(InvalidDPoPProofError):
    """The proof's iat is outside the accepted window (RFC 9449 §4.3 step 11, §11.1)."""

    code = "dpop_stale"


class DPoPProofReplayError(InvalidDPoPProofError):
    """This proof (its jti, for this key and target) was already used (RFC 9449 §11.1)."""

    code = "dpop_replayed"


class DPoPTokenHashError(InvalidDPoPProofError):
    """The proof's ath is missing or is not the hash of this access token (RFC 9449 §4.3)."""

    code = "dpop_ath_mismatch"


class UseDPoPNonceError(TokenError):
    """The server requires a fresh nonce in the proof; ``nonce`` is the one to use (§8, §9)."""

    code = "use_dpop_nonce"
    error = "use_dpop_nonce"

    def __init__(self, message: str = "", *, nonce: str, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.nonce = nonce


class DPoPBindingError(TokenError):
    """Token and proof do not belong together: another key, a bound token sent as Bearer
    (RFC 9449 §7.2 downgrade), or an unbound token under the DPoP scheme (§7.1)."""

    code = "dpop_key_mismatch"
