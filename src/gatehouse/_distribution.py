"""The distribution name: what ``pip install`` takes, as opposed to the import name.

``gatehouse`` on the Python package index is an unrelated project, so gatehouse ships as
``gatehouse-auth`` while the import name and the command stay ``gatehouse`` (as PyJWT
ships ``jwt``). Every install hint in an error message, every generated
``requirements.txt`` and every scaffold reads the name from here;
``tests/deploy/test_distribution_name.py`` holds this constant, the docs and the generated files
to ``[project] name`` in ``pyproject.toml``.
"""

from __future__ import annotations

__all__ = ["DISTRIBUTION", "install_hint", "requirement"]

DISTRIBUTION = "gatehouse-auth"


def requirement(*extras: str) -> str:
    """``gatehouse-auth[issuer,postgres]``: a requirement line for the given extras."""
    return f"{DISTRIBUTION}[{','.join(extras)}]" if extras else DISTRIBUTION


def install_hint(*extras: str) -> str:
    """``pip install 'gatehouse-auth[postgres]'``: the command an error message suggests."""
    return f"pip install '{requirement(*extras)}'"
