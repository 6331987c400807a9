"""gatehouse: JWT authentication for serverless microservices.

This top level is the verifier side only, and cheap to import: a function that just
checks tokens pays for the JOSE core and ``cryptography``, nothing else, and each name is
imported when first used. The token service lives in ``gatehouse.issuer`` /
``gatehouse.service`` and is imported only by code that issues tokens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gatehouse._lazy import exports, listing

if TYPE_CHECKING:  # the static view; at run time __getattr__ below imports on first use
    from gatehouse.claims import Claims
    from gatehouse.clock import Clock, ManualClock, SystemClock
    from gatehouse.errors import (
        GatehouseError,
        InsufficientScopeError,
        KeySourceError,
        TokenError,
    )
    from gatehouse.keys.base import KeySource
    from gatehouse.keys.decryption import Decryption
    from gatehouse.keys.decryption_keys import DecryptionKeys
    from gatehouse.keys.jwks import JWKS
    from gatehouse.keys.remote import RemoteJWKS
    from gatehouse.keys.status_lists import RemoteStatusLists
    from gatehouse.verify import Verifier

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

# Where each name lives. Every one is imported on first use (PEP 562), so ``import
# gatehouse.errors`` or ``gatehouse.jose`` loads no verifier, and a verifier loads only what
# it uses: a static key set never pays for RemoteJWKS (an HTTP client), Token Status Lists
# (draft-ietf-oauth-status-list) or the JWE code of nested JWTs (docs/jwe.md).
_HOMES = {
    "Claims": "gatehouse.claims",
    "Clock": "gatehouse.clock",
    "ManualClock": "gatehouse.clock",
    "SystemClock": "gatehouse.clock",
    "GatehouseError": "gatehouse.errors",
    "InsufficientScopeError": "gatehouse.errors",
    "KeySourceError": "gatehouse.errors",
    "TokenError": "gatehouse.errors",
    "KeySource": "gatehouse.keys.base",
    "JWKS": "gatehouse.keys.jwks",
    "Decryption": "gatehouse.keys.decryption",
    "DecryptionKeys": "gatehouse.keys.decryption_keys",
    "RemoteJWKS": "gatehouse.keys.remote",
    "RemoteStatusLists": "gatehouse.keys.status_lists",
    "Verifier": "gatehouse.verify",
}

if not TYPE_CHECKING:  # hidden from mypy, which sees the imports above instead
    __getattr__ = exports(__name__, _HOMES, globals())
__dir__ = listing(globals(), __all__)
