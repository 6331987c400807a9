"""Key material and where it comes from: a key source or status list that cannot be
obtained (not the caller's fault: 503), a key we were given that is unusable, and a signing
key rotation asked for too early."""

from __future__ import annotations

from gatehouse.errors.base import GatehouseError


class KeySourceError(GatehouseError):
    """Verification keys could not be obtained."""

    code = "key_source"
    error = "temporarily_unavailable"
    status = 503


class JWKSFetchError(KeySourceError):
    """Fetching a remote JWKS failed and no usable cached copy exists."""

    code = "jwks_fetch"


class InvalidJWKSError(KeySourceError):
    """A key set document is not an acceptable JWKS."""

    code = "jwks_invalid"


class StatusListError(KeySourceError):
    """A Token Status List could not be obtained or is not acceptable (fail closed, 503)."""

    code = "status_list"


class StatusListFetchError(StatusListError):
    """Fetching a status list failed and no usable cached copy exists."""

    code = "status_list_fetch"


class InvalidStatusListError(StatusListError):
    """A status list token or its compressed list is not acceptable."""

    code = "status_list_invalid"


class InvalidKeyError(GatehouseError):
    """A JWK is malformed, too weak, or not allowed for the requested use."""

    code = "invalid_key"


class RotationTooSoonError(GatehouseError):
    """The next signing key has not been published for as long as verifiers cache the JWKS:
    promoting it now would leave them unable to verify the tokens it signs."""

    code = "rotation_too_soon"
    error = "invalid_request"
    status = 409

    def __init__(self, message: str = "", *, wait_seconds: float) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds
