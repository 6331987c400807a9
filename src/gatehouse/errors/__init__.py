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
        │   └── WeakPasswordError       weak_password    400    (too short, or on the breached list)
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
        └── TokenEndpointError          token_endpoint   502    (gatehouse.client: unusable answer)

``code`` is stable and specific (log it, test on it); ``error`` is the RFC value an
HTTP response carries; ``status`` is the HTTP status an adapter should answer with.
Messages never contain a token, secret or key material: they name the rule broken.

The classes live in one small module per branch (``base``, ``token``, ``dpop``, ``keys``,
``config``, ``storage``, ``oauth``); import them from here, the one public path. A branch
is loaded when one of its names is first asked for (PEP 562), so a function that only
verifies tokens never pays for the DPoP, OAuth or storage classes (issue 15 §2: every
module a cold start loads costs ~0.1 ms). ``isinstance`` and ``except`` are unaffected:
each class exists once, in its branch, whichever way it was reached.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from gatehouse._lazy import listing, submodule

if TYPE_CHECKING:  # the static view; at run time __getattr__ below loads each branch
    from gatehouse.errors.base import GatehouseError
    from gatehouse.errors.config import ConfigurationError, UnknownSettingError
    from gatehouse.errors.dpop import (
        DPoPBindingError,
        DPoPProofReplayError,
        DPoPTargetMismatchError,
        DPoPTokenHashError,
        InvalidDPoPProofError,
        StaleDPoPProofError,
        UseDPoPNonceError,
    )
    from gatehouse.errors.keys import (
        InvalidJWKSError,
        InvalidKeyError,
        InvalidStatusListError,
        JWKSFetchError,
        KeySourceError,
        RotationTooSoonError,
        StatusListError,
        StatusListFetchError,
    )
    from gatehouse.errors.oauth import (
        AccessDeniedError,
        InvalidClientError,
        InvalidGrantError,
        InvalidRequestError,
        InvalidScopeError,
        InvalidTargetError,
        LoginBusyError,
        OAuthError,
        RefreshTokenReuseError,
        ThrottledError,
        TokenEndpointError,
        UnauthorizedClientError,
        UnsupportedGrantTypeError,
        WeakPasswordError,
    )
    from gatehouse.errors.storage import ConflictError, StorageError, StorageUnavailableError
    from gatehouse.errors.token import (
        AlgorithmNotAllowedError,
        ClaimError,
        DecryptionError,
        ExpiredTokenError,
        InsufficientScopeError,
        InvalidAudienceError,
        InvalidIssuerError,
        InvalidSignatureError,
        InvalidStatusError,
        InvalidTypeError,
        MalformedTokenError,
        MissingClaimError,
        NotYetValidError,
        TokenError,
        TokenRevokedError,
        TokenTooLargeError,
        UnknownKeyError,
    )

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
    "WeakPasswordError",
]

# The branch module of every public name (tests/test_lazy_exports.py holds it equal to
# __all__ and to the static imports above).
_BRANCHES: dict[str, tuple[str, ...]] = {
    "base": ("GatehouseError",),
    "config": ("ConfigurationError", "UnknownSettingError"),
    "dpop": (
        "DPoPBindingError",
        "DPoPProofReplayError",
        "DPoPTargetMismatchError",
        "DPoPTokenHashError",
        "InvalidDPoPProofError",
        "StaleDPoPProofError",
        "UseDPoPNonceError",
    ),
    "keys": (
        "InvalidJWKSError",
        "InvalidKeyError",
        "InvalidStatusListError",
        "JWKSFetchError",
        "KeySourceError",
        "RotationTooSoonError",
        "StatusListError",
        "StatusListFetchError",
    ),
    "oauth": (
        "AccessDeniedError",
        "InvalidClientError",
        "InvalidGrantError",
        "InvalidRequestError",
        "InvalidScopeError",
        "InvalidTargetError",
        "LoginBusyError",
        "OAuthError",
        "RefreshTokenReuseError",
        "ThrottledError",
        "TokenEndpointError",
        "UnauthorizedClientError",
        "UnsupportedGrantTypeError",
        "WeakPasswordError",
    ),
    "storage": ("ConflictError", "StorageError", "StorageUnavailableError"),
    "token": (
        "AlgorithmNotAllowedError",
        "ClaimError",
        "DecryptionError",
        "ExpiredTokenError",
        "InsufficientScopeError",
        "InvalidAudienceError",
        "InvalidIssuerError",
        "InvalidSignatureError",
        "InvalidStatusError",
        "InvalidTypeError",
        "MalformedTokenError",
        "MissingClaimError",
        "NotYetValidError",
        "TokenError",
        "TokenRevokedError",
        "TokenTooLargeError",
        "UnknownKeyError",
    ),
}
_BRANCH_OF = {name: branch for branch, names in _BRANCHES.items() for name in names}
_published: set[str] = set()


def _publish() -> None:
    """Bind the classes of every branch loaded so far here, named as living here.

    The public path of every class is ``gatehouse.errors``: tracebacks, reprs and pickles
    name it there, whichever branch module defines it. Branches load each other (``dpop``
    subclasses ``token``, every one ``base``), so each call looks at all of them.
    """
    for branch, names in _BRANCHES.items():
        module = sys.modules.get(f"{__name__}.{branch}")
        if module is None or branch in _published:
            continue
        namespace = globals()
        for name in names:
            cls = getattr(module, name)
            cls.__module__ = __name__
            namespace[name] = cls
        _published.add(branch)


if not TYPE_CHECKING:  # hidden from mypy, which sees the imports above instead

    def __getattr__(name: str) -> object:
        branch = _BRANCH_OF.get(name)
        if branch is None:
            module = submodule(__name__, name)  # ``gatehouse.errors.token``: its classes too
            _publish()
            return module
        __import__(f"{__name__}.{branch}")
        _publish()
        return globals()[name]


__dir__ = listing(globals(), __all__)
