"""A token service stack for tests: settings, stores, service, app and who is registered,
and the inline Lambda dispatch over it.

Importable from any test folder (``from service_stack import make_stack``) so the
end-to-end tests can start the token service beside protected services.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from pathlib import Path

from service_helpers import API, ISSUER, PASSWORD

from gatehouse import ManualClock
from gatehouse.issuer import FAST_TEST_PROFILE, TokenService
from gatehouse.jose import b64url_encode
from gatehouse.service.app import create_app
from gatehouse.service.compose import build_stores, build_token_service
from gatehouse.service.lambda_dispatch import LambdaDispatch
from gatehouse.service.settings import Settings, load_settings
from gatehouse.service.store_urls import OpenStores

__all__ = ["Stack", "make_stack", "service_environ"]


def service_environ(db: Path, **extra: str) -> dict[str, str]:
    """A complete environment-only configuration with a random KEK."""
    env = {
        "GATEHOUSE_ISSUER_URL": ISSUER,
        "GATEHOUSE_ISSUER_AUDIENCES": f"{API},https://other.example",
        "GATEHOUSE_ISSUER_DEFAULT_AUDIENCE": API,
        "GATEHOUSE_STORAGE_URL": f"sqlite:///{db}",
        "GATEHOUSE_KEK": b64url_encode(secrets.token_bytes(32)),
    }
    env.update(extra)
    return env


@dataclass
class Stack:
    """A token service, its stores and app, and who is registered in it."""

    settings: Settings
    stores: OpenStores
    service: TokenService
    clock: ManualClock
    app: object
    client_id: str
    client_secret: str


def make_stack(tmp_path: Path, **env: str) -> Stack:
    """alice (read, write) and the client orders-svc over SQLite in tmp_path; the caller
    closes ``stack.stores``."""
    settings = load_settings(environ=service_environ(tmp_path / "gatehouse.db", **env))
    clock = ManualClock(wall=1_700_000_000.0)
    stores = build_stores(settings, clock=clock)
    service = build_token_service(settings, stores, clock=clock, password_profile=FAST_TEST_PROFILE)
    service.create_account("alice", PASSWORD, roles=["editor"], allowed_scopes=["read", "write"])
    registered = service.register_client(
        "orders-svc", allowed_audiences=[API], allowed_scopes=["profile:read"]
    )
    assert registered.client_secret is not None
    app = create_app(service, settings.http, ping=stores.ping, close=stores.close)
    return Stack(
        settings, stores, service, clock, app, registered.client.client_id, registered.client_secret
    )


def _dispatch_over(stack: Stack) -> LambdaDispatch:
    """The dispatch over the stack's own context (inline, as Lambda builds it)."""
    context = dataclasses.replace(stack.app.state.gatehouse, inline=True)  # type: ignore[attr-defined]
    return LambdaDispatch(context, lambda: stack.app)  # type: ignore[arg-type, return-value]
