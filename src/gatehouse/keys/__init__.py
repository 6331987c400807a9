"""Where verification keys come from: a static set, a file, the environment, or a URL.

``JWKS`` and ``KeySource`` are imported on first use (PEP 562), so importing one module of
the package (``gatehouse.keys.remote``, say) loads only what that module needs.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the static view; at run time __getattr__ below imports on first use
    from gatehouse.keys.base import KeySource
    from gatehouse.keys.jwks import JWKS

__all__ = ["JWKS", "KeySource"]

_HOMES = {"JWKS": "jwks", "KeySource": "base"}

if not TYPE_CHECKING:  # hidden from mypy, which sees the imports above instead

    def __getattr__(name: str) -> object:
        home = _HOMES.get(name)
        if home is None:
            return _submodule(name)
        value = getattr(__import__(f"{__name__}.{home}", fromlist=[name]), name)
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
