"""A real JWKS server on 127.0.0.1 whose answers, headers and delays each test scripts,
and the small helpers the RemoteJWKS tests (test_remote_*.py) share."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from gatehouse.clock import ManualClock
from gatehouse.jose.jwk import JWK
from gatehouse.keys.fetch import FetchResult, UrllibFetcher
from gatehouse.keys.remote import RemoteJWKS
from serving_thread import LoopbackHTTPServer, QuietHandler, serving

HOLD_LIMIT = 10.0  # a held response is released by the test; this only stops a broken test


@dataclass
class Script:
    """What the server answers next; tests mutate it between calls."""

    status: int = 200
    body: bytes = b'{"keys": []}'
    headers: dict[str, str] = field(default_factory=dict)
    hold: threading.Event | None = None  # wait on this before answering
    drop: bool = False  # close the connection without answering
    arrived: threading.Event = field(default_factory=threading.Event)
    paths: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> int:
        with self.lock:
            return len(self.paths)

    def serve_keys(self, *keys: JWK, cache_control: str | None = None) -> None:
        """Answer 200 with these keys' public halves."""
        self.status = 200
        self.body = json.dumps({"keys": [k.public().to_dict() for k in keys]}).encode()
        self.headers = {"Content-Type": "application/json"}
        if cache_control is not None:
            self.headers["Cache-Control"] = cache_control


class _Handler(QuietHandler):
    server: _Server

    def do_GET(self) -> None:
        script = self.server.script
        with script.lock:
            script.paths.append(self.path)
        script.arrived.set()
        if script.hold is not None:
            script.hold.wait(HOLD_LIMIT)
        if script.drop:
            self.close_connection = True
            return
        body = script.body
        self.send_response(script.status)
        for name, value in script.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(LoopbackHTTPServer):
    def __init__(self, script: Script) -> None:
        super().__init__(_Handler)
        self.script = script


@dataclass
class JWKSServer:
    script: Script
    port: int

    def url(self, path: str = "/jwks.json") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="session")
def _running_server() -> Iterator[_Server]:
    """One loopback server for the session (starting one per test costs a shutdown poll)."""
    with serving(_Server(Script()), "jwks-server") as server:
        yield server


@pytest.fixture
def jwks_server(_running_server: _Server) -> Iterator[JWKSServer]:
    """The JWKS server with a fresh script; holds are released when the test ends."""
    script = Script()
    _running_server.script = script
    try:
        yield JWKSServer(script, _running_server.server_address[1])
    finally:
        if script.hold is not None:
            script.hold.set()


@pytest.fixture(scope="session")
def es_keys() -> tuple[JWK, JWK, JWK]:
    """Three ES256 private keys with distinct thumbprint kids."""
    return JWK.generate("ES256"), JWK.generate("ES256"), JWK.generate("ES256")


# --- shared by the RemoteJWKS tests (test_remote_*.py) -------------------------------

Keys = tuple[JWK, JWK, JWK]


def _remote(server: JWKSServer, clock: ManualClock, **options: object) -> RemoteJWKS:
    return RemoteJWKS(server.url(), clock=clock, **options)  # type: ignore[arg-type]


def _kid(key: JWK) -> str:
    assert key.kid is not None
    return key.kid


# --- watching single flight through the seams RemoteJWKS already has ----------------


class RecordingFetcher:
    """The real urllib fetcher behind the ``fetcher=`` seam, recording who fetched.

    Single flight is then observed where it matters: how many fetches ran, from which
    threads, and how many at once (never more than one).
    """

    def __init__(self) -> None:
        self._inner = UrllibFetcher()
        self._lock = threading.Lock()
        self.threads: list[int] = []
        self.in_flight = 0
        self.most_in_flight = 0

    def fetch(self, url: str, timeout: float, max_size: int) -> FetchResult:
        with self._lock:
            self.threads.append(threading.get_ident())
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return self._inner.fetch(url, timeout, max_size)
        finally:
            with self._lock:
                self.in_flight -= 1

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.threads)


class WatchedClock(ManualClock):
    """A manual clock that tells the test which threads have read it.

    Every ``get_key``/``aget_key`` reads the monotonic clock before it looks at the cache.
    So once a thread has read it while the one fetch is held, that caller is inside
    RemoteJWKS deciding on the cache as it was before the fetch: releasing the fetch then
    tests that it waits for the fetch in flight rather than starting its own.
    """

    __slots__ = ("_readers", "_seen")

    def __init__(self) -> None:
        super().__init__()
        self._seen = threading.Condition()
        self._readers: set[int] = set()

    def monotonic(self) -> float:
        with self._seen:
            self._readers.add(threading.get_ident())
            self._seen.notify_all()
        return super().monotonic()

    def wait_for_readers(self, count: int, *, besides: list[int]) -> None:
        """Block (on a condition, not a sleep) until ``count`` threads other than
        ``besides`` have read the clock."""
        with self._seen:
            reached = self._seen.wait_for(
                lambda: len(self._readers - set(besides)) >= count, timeout=HOLD_LIMIT
            )
        assert reached, f"fewer than {count} callers reached RemoteJWKS"
