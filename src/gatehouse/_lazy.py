"""PEP 562 lazy exports, written once for the packages that import their names on first use.

``gatehouse``, ``gatehouse.jose``, ``gatehouse.keys`` and ``gatehouse.errors`` name more than
any one caller needs; importing all of it eagerly was most of what a Lambda function that
only verifies a Bearer token paid at cold start (issue 15 §2). Each of them keeps its
static view for mypy under ``TYPE_CHECKING`` and answers everything else here: a name from
its home module, imported once and then kept in the package's namespace, or a submodule
(the packages bound their submodules when they were eager, so ``import pkg`` then
``pkg.sub.X`` keeps working). Like ``_distribution``, this is a leaf every layer may read.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

__all__ = ["exports", "listing", "submodule"]


def submodule(package: str, name: str) -> object:
    """The submodule ``package.name``, imported on first access; else ``AttributeError``."""
    if not name.startswith("__"):
        full = f"{package}.{name}"
        try:
            __import__(full)
        except ModuleNotFoundError as exc:
            if exc.name != full:
                raise  # the submodule exists but an import inside it failed
        else:
            return sys.modules[full]
    raise AttributeError(f"module {package!r} has no attribute {name!r}")


def exports(
    package: str, homes: Mapping[str, str], namespace: MutableMapping[str, Any]
) -> Callable[[str], object]:
    """A module ``__getattr__``: ``name`` from ``homes[name]`` (a module path, absolute or
    relative to ``package``), imported on first use and kept in ``namespace``; any other
    name is a submodule of ``package``."""

    def lazy_attribute(name: str) -> object:
        home = homes.get(name)
        if home is None:
            return submodule(package, name)
        module = home if home.startswith("gatehouse.") else f"{package}.{home}"
        # ``from module import name``: the fromlist makes a package's own __getattr__ answer.
        value = getattr(__import__(module, fromlist=[name]), name)
        namespace[name] = value
        return value

    return lazy_attribute


def listing(namespace: Mapping[str, Any], names: Iterable[str]) -> Callable[[], list[str]]:
    """A module ``__dir__``: what is bound already and every exported name."""
    exported = tuple(names)

    def names_listed() -> list[str]:
        return sorted({*namespace, *exported})

    return names_listed
