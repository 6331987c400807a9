"""The one exception hierarchy of gatehouse.

Every failure a caller can act on is one of these classes, so an adapter maps
errors to HTTP in one place and a user writes ``except TokenError`` once::

    GatehouseError                      code            status  error (RFC value)
    ├── TokenError                      invalid_token    401    invalid_token (RFC 6750 §3.1)
    │   ├── MalformedTokenError         malformed        401
    │   │   └── TokenTooLargeError      too_large        401
    │   ├── AlgorithmNotAllowedError    alg_not_allowed  401
    │   ├── UnknownKeyError             unknown_kid      401
    │   ├── InvalidSignatureError       bad_signature    401
    │   ├── DecryptionError             decryption_failed 401   (JWE: one error for every step)
    │   ├── ClaimError                  invalid_claim    401    (carries .claim)
    │   │   ├── MissingClaimError       missing_claim    401
    │   │   ├── ExpiredTokenError       expired          401
    │   │   ├── NotYetValidError        not_yet_valid    401
    │   │   ├── InvalidIssuerError      invalid_issuer   401
    │   │   ├── InvalidAudienceError    invalid_audience 401
    │   │   ├── InvalidTypeError        invalid_typ      401
    │   │   └── InvalidStatusError      invalid_status   401    (claim status, Token Status List)
    │   ├── TokenRevokedError           revoked          401
    │   ├── InvalidDPoPProofError       invalid_dpop_proof 401  invalid_dpop_proof (RFC 9449 §7.1)
    │   │   ├── DPoPTargetMismatchError dpop_wrong_url   401    (or dpop_wrong_method, §4.3)
    │   │   ├── StaleDPoPProofError     dpop_stale       401    (or dpop_future: iat window, §11.1)
    │   │   ├── DPoPProofReplayError    dpop_replayed    401    (jti seen before, §11.1)
    │   │   └── DPoPTokenHashError      dpop_ath_mismatch 401   (or dpop_ath_missing, §4.2 ath)
    │   ├── UseDPoPNonceError           use_dpop_nonce   401    use_dpop_nonce (§9; carries .nonce)
    │   ├── DPoPBindingError            dpop_key_mismatch 401   (or dpop_bearer_downgrade, …)
    │   └── InsufficientScopeError      insufficient_scope 403  insufficient_scope (RFC 6750 §3.1)
    ├── KeySourceError                  key_source       503    temporarily_unavailable
    │   ├── JWKSFetchError              jwks_fetch       503
    │   ├── InvalidJWKSError            jwks_invalid     503
    │   └── StatusListError             status_list      503    (a Token Status List is unavailable)
    │       ├── StatusListFetchError    status_list_fetch 503
    │       └── InvalidStatusListError  status_list_invalid 503
    ├── InvalidKeyError                 invalid_key      500    (a key we were given is unusable)
    ├── RotationTooSoonError            rotation_too_soon 409   (carries .wait_seconds)
    ├── ConfigurationError              configuration    500
    │   └── UnknownSettingError         unknown_setting  500    (carries .key, .suggestion)
    ├── StorageError                    storage          503    temporarily_unavailable
    │   ├── StorageUnavailableError     storage_unavailable 503
    │   └── ConflictError               conflict         409
    └── OAuthError                      (RFC 6749 §5.2 error codes, issued by the token service)
        ├── InvalidRequestError         invalid_request  400
        ├── InvalidClientError          invalid_client   401
        ├── InvalidGrantError           invalid_grant    400
        │   └── RefreshTokenReuseError  refresh_token_reused 400 invalid_grant
        ├── InvalidScopeError           invalid_scope    400
        ├── InvalidTargetError          invalid_target   400    (RFC 8707 §2: audience refused)
        ├── UnauthorizedClientError     unauthorized_client 400
        ├── UnsupportedGrantTypeError   unsupported_grant_type 400
        ├── AccessDeniedError           access_denied    403
        ├── ThrottledError              throttled        429    (carries .retry_after)
        ├── LoginBusyError              login_busy       503    temporarily_unavailable
        └── TokenEndpointError          token_endpoint   502    (gatehouse.client: an answer it cannot use)

``code`` is stable and specific (log it, test on it); ``error`` is the RFC value an
HTTP response carries; ``status`` is the HTTP status an adapter should answer with.
Messages never contain a token, secret or key material: they name the rule broken.
"""

from __future__ import annotations

__all__ = [
    "AccessDeniedError",
    "AlgorithmNotAllowedError",
    "ClaimError",
    "ConfigurationError",
    "ConflictError",
    "DPoPBindingError",
    "DPoPProofReplayError",
    "DPoPTargetMismatchError",
    "DPoPTokenHashError",
    "DecryptionError",
    "ExpiredTokenError",
    "GatehouseError",
    "InsufficientScopeError",
    "InvalidAudienceError",
    "InvalidClientError",
    "InvalidDPoPProofError",
    "InvalidGrantError",
    "InvalidIssuerError",
    "InvalidJWKSError",
    "InvalidKeyError",
    "InvalidRequestError",
    "InvalidScopeError",
    "InvalidSignatureError",
    "InvalidStatusError",
    "InvalidStatusListError",
    "InvalidTargetError",
    "InvalidTypeError",
    "JWKSFetchError",
    "KeySourceError",
    "LoginBusyError",
    "MalformedTokenError",
    "MissingClaimError",
    "NotYetValidError",
    "OAuthError",
    "RefreshTokenReuseError",
    "RotationTooSoonError",
    "StaleDPoPProofError",
    "StatusListError",
    "StatusListFetchError",
    "StorageError",
    "StorageUnavailableError",
    "ThrottledError",
    "TokenEndpointError",
    "TokenError",
    "TokenRevokedError",
    "TokenTooLargeError",
    "UnauthorizedClientError",
    "UnknownKeyError",
    "UnknownSettingError",
    "UnsupportedGrantTypeError",
    "UseDPoPNonceError",
]


class GatehouseError(Exception):
    """Root of every error gatehouse raises on purpose."""

    code: str = "error"
    error: str = "server_error"
    status: int = 500

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.code


# --- the caller's token is bad (RFC 6750 §3.1 invalid_token, 401) -----------------


class TokenError(GatehouseError):
    """The token is not acceptable."""

    code = "invalid_token"
    error = "invalid_token"
    status = 401


class MalformedTokenError(TokenError):
    """The token is not a well-formed compact JWS/JWT."""

    code = "malformed"


class TokenTooLargeError(MalformedTokenError):
    """The token is larger than the configured limit."""

    code = "too_large"


class AlgorithmNotAllowedError(TokenError):
    """The token's algorithm is not on the allow-list (RFC 8725 §3.1)."""

    code = "alg_not_allowed"


class UnknownKeyError(TokenError):
    """No key in the key set fits the token's kid and algorithm."""

    code = "unknown_kid"


class InvalidSignatureError(TokenError):
    """The signature does not verify."""

    code = "bad_signature"


class DecryptionError(TokenError):
    """The encrypted token could not be decrypted.

    One class and one message whatever step failed (header, key unwrap, tag, padding,
    size), so no failure tells an attacker more than "no" (RFC 7516 §11.5, RFC 8725 §3.4).
    """

    code = "decryption_failed"


class ClaimError(TokenError):
    """A claim is missing or has a value the policy refuses."""

    code = "invalid_claim"

    def __init__(self, message: str = "", *, claim: str, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.claim = claim


class MissingClaimError(ClaimError):
    """A required claim is absent."""

    code = "missing_claim"


class ExpiredTokenError(ClaimError):
    """The token has expired."""

    code = "expired"


class NotYetValidError(ClaimError):
    """The token is not valid yet (nbf or iat in the future)."""

    code = "not_yet_valid"


class InvalidIssuerError(ClaimError):
    """The iss claim is not the expected issuer."""

    code = "invalid_issuer"


class InvalidAudienceError(ClaimError):
    """The aud claim does not contain the expected audience."""

    code = "invalid_audience"


class InvalidTypeError(ClaimError):
    """The typ header is not the expected type (RFC 8725 §3.11)."""

    code = "invalid_typ"


class InvalidStatusError(ClaimError):
    """The status claim is malformed, names a list we may not fetch, or an index outside it."""

    code = "invalid_status"


class TokenRevokedError(TokenError):
    """The token (or its session) has been revoked."""

    code = "revoked"


# --- DPoP: the request's proof of possession (RFC 9449) ---------------------------


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


class InsufficientScopeError(TokenError):
    """The token is valid but lacks a required scope (RFC 6750 §3.1, 403)."""

    code = "insufficient_scope"
    error = "insufficient_scope"
    status = 403

    def __init__(self, message: str = "", *, required: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.required = required


# --- where keys come from (not the caller's fault: 503) ----------------------------


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


class ConfigurationError(GatehouseError):
    """gatehouse was configured in a way that cannot work or is unsafe."""

    code = "configuration"


class UnknownSettingError(ConfigurationError):
    """A settings file names a table or key gatehouse does not know (a typo, usually)."""

    code = "unknown_setting"

    def __init__(self, message: str, *, key: str, suggestion: str | None) -> None:
        super().__init__(message)
        self.key = key
        self.suggestion = suggestion

    @classmethod
    def naming(
        cls, source: str, where: str, key: str, known: list[str], what: str
    ) -> UnknownSettingError:
        """``gatehouse.toml: [issuer] acess_ttl: unknown setting; did you mean "…"?``"""
        import difflib

        names = sorted(known)
        near = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
        hint = f'did you mean "{near[0]}"?' if near else f"expected one of {', '.join(names)}"
        prefix = f"{source}: " if source else ""
        return cls(
            f"{prefix}{where} {key}: {what}; {hint}", key=key, suggestion=next(iter(near), None)
        )


# --- storage (503) -----------------------------------------------------------------


class StorageError(GatehouseError):
    """The store failed; nothing was half-written."""

    code = "storage"
    error = "temporarily_unavailable"
    status = 503


class StorageUnavailableError(StorageError):
    """The store is down or timed out."""

    code = "storage_unavailable"


class ConflictError(StorageError):
    """A uniqueness constraint was violated (for example, a username is taken)."""

    code = "conflict"
    error = "invalid_request"
    status = 409


# --- the token service's OAuth errors (RFC 6749 §5.2) ------------------------------


class OAuthError(GatehouseError):
    """An OAuth 2.0 error response from the token service (RFC 6749 §5.2)."""

    code = "invalid_request"
    error = "invalid_request"
    status = 400


class InvalidRequestError(OAuthError):
    """The request is missing a parameter or is otherwise malformed."""

    code = "invalid_request"
    error = "invalid_request"


class InvalidClientError(OAuthError):
    """Client authentication failed (RFC 6749 §5.2)."""

    code = "invalid_client"
    error = "invalid_client"
    status = 401


class InvalidGrantError(OAuthError):
    """The credentials or refresh token are invalid, expired or revoked."""

    code = "invalid_grant"
    error = "invalid_grant"


class RefreshTokenReuseError(InvalidGrantError):
    """A spent refresh token was presented again; its whole family is revoked."""

    code = "refresh_token_reused"


class InvalidScopeError(OAuthError):
    """The requested scope exceeds what the account or client may have."""

    code = "invalid_scope"
    error = "invalid_scope"


class InvalidTargetError(OAuthError):
    """The requested audience (resource) is not one this account or client may have."""

    code = "invalid_target"
    error = "invalid_target"


class UnauthorizedClientError(OAuthError):
    """The client may not use this grant type."""

    code = "unauthorized_client"
    error = "unauthorized_client"


class UnsupportedGrantTypeError(OAuthError):
    """The grant type is not supported."""

    code = "unsupported_grant_type"
    error = "unsupported_grant_type"


class AccessDeniedError(OAuthError):
    """The account may not obtain this token (for example, it is disabled)."""

    code = "access_denied"
    error = "access_denied"
    status = 403


class ThrottledError(OAuthError):
    """Too many failed attempts; try again after ``retry_after`` seconds."""

    code = "throttled"
    error = "slow_down"
    status = 429

    def __init__(self, message: str = "", *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LoginBusyError(OAuthError):
    """Too many logins are being hashed or waiting; retry after ``retry_after`` seconds
    (RFC 6749 §5.2 ``temporarily_unavailable``, as §4.1.2.1 names it)."""

    code = "login_busy"
    error = "temporarily_unavailable"
    status = 503

    def __init__(self, message: str = "", *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TokenEndpointError(OAuthError):
    """A token endpoint answered something a client cannot use: not JSON, too large, no
    ``access_token``, or an error value RFC 6749 §5.2 does not name (``gatehouse.client``)."""

    code = "token_endpoint"
    error = "server_error"
    status = 502
