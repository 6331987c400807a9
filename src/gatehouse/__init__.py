"""gatehouse: JWT authentication for serverless microservices.

This top level is the verifier side only, and cheap to import: a function that just
checks tokens pays for the JOSE core and ``cryptography``, nothing else. The token
service lives in ``gatehouse.issuer`` / ``gatehouse.service`` and is imported only by
code that issues tokens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The one Authorization parser (RFC 9110 §11.4) that adapters and gatehouse.dpop share: a
# small leaf loaded with the verifier side, so no adapter pays an extra module for it.
import gatehouse.authorization  # noqa: F401
from gatehouse.claims import Claims
from gatehouse.clock import Clock, ManualClock, SystemClock
from gatehouse.errors import (
    GatehouseError,
    InsufficientScopeError,
    KeySourceError,
    TokenError,
)
from gatehouse.keys.base import KeySource
from gatehouse.keys.jwks import JWKS
from gatehouse.verify import Verifier

if TYPE_CHECKING:
    from gatehouse.keys.decryption import Decryption
    from gatehouse.keys.decryption_keys import DecryptionKeys
    from gatehouse.keys.remote import RemoteJWKS
    from gatehouse.keys.status_lists import RemoteStatusLists

__version__ = "0.1.0"

__all__ = [
    "JWKS",
    "Claims",
    "Clock",
    "Decryption",
    "DecryptionKeys",
    "GatehouseError",
    "InsufficientScopeError",
    "KeySource",
    "KeySourceError",
    "ManualClock",
    "RemoteJWKS",
    "RemoteStatusLists",
    "SystemClock",
    "TokenError",
    "Verifier",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # RemoteJWKS is imported on first use: a verifier with a static key set never pays for it.
    if name == "RemoteJWKS":
        from gatehouse.keys.remote import RemoteJWKS

        return RemoteJWKS
    if name == "RemoteStatusLists":
        # Token Status Lists (draft-ietf-oauth-status-list): imported on first use too.
        from gatehouse.keys.status_lists import RemoteStatusLists

        return RemoteStatusLists
    if name in ("Decryption", "DecryptionKeys"):
        # Nested JWTs (docs/jwe.md): the JWE code is imported only by services that decrypt.
        from gatehouse.keys import decryption, decryption_keys

        return getattr(decryption if name == "Decryption" else decryption_keys, name)
    raise AttributeError(f"module 'gatehouse' has no attribute {name!r}")
