"""Fixtures for the adapter tests: one signing key, a manual clock, a real Verifier, tokens."""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatehouse import JWKS, Claims, ManualClock, Verifier
from gatehouse.errors import StorageUnavailableError
from gatehouse.jose import JWK, encode_jwt
from shared_material import SHARED, shared_files, unavailable_material

ISSUER = "https://auth.example.com"
AUDIENCE = "orders"
NOW = 1_700_000_000.0

Mint = Callable[..., str]


@pytest.fixture(scope="session")
def signing_key() -> JWK:
    """One ES256 key for the whole session (generation is the slow part)."""
    return JWK.generate("ES256")


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when a test says so."""
    return ManualClock(wall=NOW)


@pytest.fixture
def verifier(signing_key: JWK, clock: ManualClock) -> Verifier:
    """A real Verifier over the public half of ``signing_key``."""
    keys = JWKS.from_dict({"keys": [signing_key.public().to_dict()]})
    return Verifier(
        issuer=ISSUER, audience=AUDIENCE, keys=keys, algorithms=["ES256"], leeway=30, clock=clock
    )


@pytest.fixture
def mint(signing_key: JWK) -> Mint:
    """Sign an access token; keyword arguments override claims (None removes one)."""

    def _mint(**overrides: Any) -> str:
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "user-1",
            "exp": int(NOW) + 300,
            "iat": int(NOW),
            "jti": "token-1",
            "sid": "session-1",
            "client_id": "web",
            "scope": "orders:read",
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return encode_jwt(claims, signing_key, "ES256", typ="at+jwt")

    return _mint


class RevokedSessions:
    """A tiny in-memory deny list: the real protocol, revoking by jti or sid."""

    def __init__(self) -> None:
        self.token_ids: set[str] = set()
        self.session_ids: set[str] = set()
        self.calls = 0

    def is_denied(self, claims: Claims) -> bool:
        self.calls += 1
        return claims.token_id in self.token_ids or claims.session_id in self.session_ids


class AsyncRevokedSessions(RevokedSessions):
    """The same deny list answering without blocking an event loop."""

    def __init__(self) -> None:
        super().__init__()
        self.async_calls = 0

    async def is_denied_async(self, claims: Claims) -> bool:
        self.async_calls += 1
        return claims.token_id in self.token_ids or claims.session_id in self.session_ids


class DownDenyList:
    """A deny list whose store is unreachable."""

    def is_denied(self, claims: Claims) -> bool:
        raise StorageUnavailableError("deny-list store is down")


@pytest.fixture
def revoked() -> RevokedSessions:
    """An empty deny list to revoke things in."""
    return RevokedSessions()


@pytest.fixture
def closed_port() -> int:
    """A loopback port that was free a moment ago and has nothing listening now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# ../shared/events beside the repo, through tests/shared_material.py: absent recordings
# fail under CI and skip, with the path, locally.
EVENTS = SHARED / "events"


def event_names(pattern: str = "*/*.json") -> list[str]:
    """Recorded event files under ../shared/events, relative names, for collection-time
    parametrization (no files: the module skips locally, a collection error under CI)."""
    return [str(p.relative_to(EVENTS)) for p in shared_files("events", pattern, module_level=True)]


def load_event(path: Path) -> dict[str, Any]:
    """A recorded event as a fresh dict (tests may change their copy); a missing file
    fails under CI and skips locally."""
    if not path.is_file():
        unavailable_material(path)
    return copy.deepcopy(json.loads(path.read_text()))


def with_authorization(event: dict[str, Any], value: str | None) -> dict[str, Any]:
    """A copy of ``event`` whose Authorization header is ``value`` (absent when None)."""
    event = copy.deepcopy(event)
    for key in ("headers", "multiValueHeaders"):
        headers = event.get(key)
        if isinstance(headers, dict):
            for name in [n for n in headers if n.lower() == "authorization"]:
                del headers[name]
    if value is None:
        return event
    multi = event.get("multiValueHeaders")
    if isinstance(multi, dict):
        multi["Authorization"] = [value]
    headers = event.get("headers")
    if isinstance(headers, dict):
        # HTTP API 2.0 lower-cases header names; 1.0 and ALB keep the client's spelling.
        headers["authorization" if event.get("version") == "2.0" else "Authorization"] = value
    elif not isinstance(multi, dict):
        event["headers"] = {"Authorization": value}
    return event
