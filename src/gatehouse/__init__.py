"""gatehouse: JWT authentication for serverless microservices.

This top level is the verifier side only, and cheap to import: a function that just
checks tokens pays for the JOSE core and ``cryptography``, nothing else, and each name is
imported when first used. The token service lives in ``gatehouse.issuer`` /
``gatehouse.service`` and is imported only by code that issues tokens.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

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

    def __getattr__(name: str) -> object:
        home = _HOMES.get(name)
        if home is None:
            return _submodule(name)
        # ``from home import name``: the fromlist makes a package's own __getattr__ answer.
        value = getattr(__import__(home, fromlist=[name]), name)
        globals()[name] = value
        return value


def _submodule(name: str) -> object:
    """The submodule ``name``, imported on first access: the package bound its submodules
    when it was eager, so ``import pkg`` then ``pkg.sub.X`` keeps working."""
    if not name.startswith("__"):
        full = f"{__name__}.{name}"
        try:
            __import__(full)
        except ModuleNotFoundError as exc:
            if exc.name != full:
                raise  # the submodule exists but an import inside it failed
        else:
            return sys.modules[full]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
