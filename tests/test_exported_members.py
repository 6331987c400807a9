"""The public API is curated: ``gatehouse.__all__`` is pinned so a change to it is deliberate."""

from __future__ import annotations

import gatehouse
import gatehouse.errors
import gatehouse.jose


def test_top_level_exports_are_pinned() -> None:
    """The top-level names are exactly the documented verifier-side API."""
    assert sorted(gatehouse.__all__) == sorted(
        [
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
    )


def test_every_export_resolves() -> None:
    """Every name in __all__ of the public modules can actually be imported."""
    for module in (gatehouse, gatehouse.jose, gatehouse.errors):
        for name in module.__all__:
            assert getattr(module, name) is not None, f"{module.__name__}.{name}"


def test_every_error_has_code_error_and_status() -> None:
    """Every exception class carries a stable code, an RFC error value and an HTTP status."""
    for name in gatehouse.errors.__all__:
        cls = getattr(gatehouse.errors, name)
        assert issubclass(cls, gatehouse.errors.GatehouseError)
        assert cls.code, name
        assert cls.error, name
        assert 400 <= cls.status < 600, name
        assert cls.__doc__, f"{name} needs a docstring"
