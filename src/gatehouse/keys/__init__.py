"""Where verification keys come from: a static set, a file, the environment, or a URL.

``JWKS`` and ``KeySource`` are imported on first use (PEP 562), so importing one module of
the package (``gatehouse.keys.remote``, say) loads only what that module needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gatehouse._lazy import exports, listing

if TYPE_CHECKING:  # the static view; at run time __getattr__ below imports on first use
    from gatehouse.keys.base import KeySource
    from gatehouse.keys.jwks import JWKS

__all__ = ["JWKS", "KeySource"]

_HOMES = {"JWKS": "jwks", "KeySource": "base"}

if not TYPE_CHECKING:  # hidden from mypy, which sees the imports above instead
    __getattr__ = exports(__name__, _HOMES, globals())
__dir__ = listing(globals(), __all__)
