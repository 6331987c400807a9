"""A real status list publisher on 127.0.0.1 (ETag/304 aware), one that never answers, a
signing helper, and the Verifier and access token the RemoteStatusLists tests
(test_remote_*.py) share. Tests script the publisher between calls and move a ManualClock;
no sleeps."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from gatehouse import JWKS, Verifier
from gatehouse.clock import ManualClock
from gatehouse.jose import encode_jwt
from gatehouse.jose.jwk import JWK
from gatehouse.jose.status_list import StatusListBuilder
from gatehouse.jose.status_list_token import encode_status_list_token
from gatehouse.keys.status_lists import RemoteStatusLists
from serving_thread import LoopbackHTTPServer, QuietHandler, serving

HOLD_LIMIT = 10.0  # a held response is released by the test; this only stops a broken test


@dataclass
class Publisher:
    """What the server answers for every path; tests mutate it between calls."""

    status: int = 200
    body: bytes = b""
    etag: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hold: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, If-None-Match)
    routes: dict[str, bytes] = field(default_factory=dict)  # fixed 200 bodies by path (a JWKS)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    def serve(self, token: str, etag: str | None = None) -> None:
        self.status, self.body, self.etag = 200, token.encode(), etag


class _Handler(QuietHandler):
    server: _Server

    def do_GET(self) -> None:
        publisher = self.server.publisher
        condition = self.headers.get("If-None-Match")
        with publisher.lock:
            publisher.requests.append((self.path, condition))
        publisher.arrived.set()
        route = publisher.routes.get(self.path)
        if route is not None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(route)))
            self.end_headers()
            self.wfile.write(route)
            return
        if publisher.hold is not None:
            publisher.hold.wait(HOLD_LIMIT)
        not_modified = publisher.etag is not None and condition == publisher.etag
        status = 304 if not_modified and publisher.status == 200 else publisher.status
        body = b"" if status == 304 else publisher.body
        self.send_response(status)
        self.send_header("Content-Type", "application/statuslist+jwt")
        if publisher.etag is not None:
            self.send_header("ETag", publisher.etag)
        for name, value in publisher.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(LoopbackHTTPServer):
    def __init__(self) -> None:
        super().__init__(_Handler)
        self.publisher = Publisher()


@dataclass
class Site:
    publisher: Publisher
    port: int

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def uri(self, n: int = 1) -> str:
        return f"{self.issuer}/statuslists/{n}"


@pytest.fixture(scope="session")
def _running_server() -> Iterator[_Server]:
    with serving(_Server(), "status-lists") as server:
        yield server


@pytest.fixture
def site(_running_server: _Server) -> Iterator[Site]:
    """The publisher with a fresh script; holds are released when the test ends."""
    publisher = Publisher()
    _running_server.publisher = publisher
    try:
        yield Site(publisher, _running_server.server_address[1])
    finally:
        if publisher.hold is not None:
            publisher.hold.set()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel backlog) and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


@pytest.fixture(scope="session")
def signing_key() -> JWK:
    return JWK.generate("ES256")


def list_token(
    key: JWK,
    uri: str,
    clock: ManualClock,
    *,
    revoked: tuple[int, ...] = (),
    size: int = 1024,
    bits: int = 1,
    values: dict[int, int] | None = None,
    ttl: int | None = 60,
    exp_in: int | None = 3600,
    iat_offset: float = 0,
    sub: str | None = None,
    kid: str | None = None,
) -> str:
    """A status list token for ``uri`` as the issuer would serve it at ``clock``'s time."""
    builder = StatusListBuilder(size, bits)
    for idx in revoked:
        builder.set(idx, 1)
    for idx, value in (values or {}).items():
        builder.set(idx, value)
    iat = int(clock.time() + iat_offset)
    return encode_status_list_token(
        builder.freeze(),
        key,
        "ES256",
        uri=sub if sub is not None else uri,
        iat=iat,
        exp=None if exp_in is None else iat + exp_in,
        ttl=ttl,
        kid=kid,
    )


# --- the Verifier and access tokens of the RemoteStatusLists tests (test_remote_*.py) ---

AUDIENCE = "orders"


def _verifier(
    site: Site, key: JWK, clock: ManualClock, *, keys: JWK | None = None, **options: Any
) -> Verifier:
    return Verifier(
        issuer=site.issuer,
        audience=AUDIENCE,
        keys=JWKS([(keys or key).public()]),
        algorithms=["ES256"],
        clock=clock,
        status_lists=RemoteStatusLists(**options),
    )


def _access(key: JWK, clock: ManualClock, iss: str, idx: int | None, uri: str) -> str:
    claims: dict[str, Any] = {
        "iss": iss,
        "sub": "alice",
        "aud": AUDIENCE,
        "iat": int(clock.time()),
        "exp": int(clock.time()) + 3600,
    }
    if idx is not None:
        claims["status"] = {"status_list": {"idx": idx, "uri": uri}}
    return encode_jwt(claims, key, "ES256")
