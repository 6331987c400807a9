"""Shared helpers for the issuer tests (config, verifier, audit capture)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from backend_servers import postgres_backend
from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.issuer import FAST_TEST_PROFILE, IssuerConfig, TokenService
from gatehouse.storage.memory import MemoryStore
from gatehouse.storage.sqlite import SQLiteStore

ISSUER = "https://issuer.example"
API = "https://api.example"


@contextmanager
def open_store(kind: str, tmp_path: Path, **options: Any) -> Iterator[Any]:
    """A fresh full store: ``memory``, ``sqlite`` (in tmp_path) or ``postgres`` (a schema
    of its own, dropped after); ``options`` go to the adapter."""
    if kind == "postgres":
        with postgres_backend(None, **options) as pg:
            yield pg
        return
    store = MemoryStore() if kind == "memory" else SQLiteStore(tmp_path / "g.db", **options)
    try:
        yield store
    finally:
        store.close()


def make_config(**changes: Any) -> IssuerConfig:
    fields: dict[str, Any] = {
        "issuer": ISSUER,
        "default_audience": API,
        "audiences": frozenset({API, "https://other.example"}),
        "password_profile": FAST_TEST_PROFILE,
    }
    fields.update(changes)
    return IssuerConfig(**fields)


def verifier_for(service: TokenService, clock: ManualClock, audience: str = API) -> Verifier:
    """A verifier as a resource server would build it, from the issuer's JWKS."""
    return Verifier(
        issuer=ISSUER,
        audience=audience,
        keys=JWKS.from_dict(service.jwks()),
        algorithms=["ES256", "EdDSA", "RS256"],
        clock=clock,
    )
