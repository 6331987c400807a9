"""RemoteJWKS when the endpoint fails, against a real HTTP server on 127.0.0.1 with a manual
clock (no sleeps): the last good set serves for a bounded time (stale-if-error), a cold
failure backs off, and timeouts, redirects and documents that are not a public JWKS are
typed errors (JWKSFetchError, InvalidJWKSError: KeySourceErrors, 503)."""

from __future__ import annotations

import json
import threading

import pytest

from gatehouse.clock import ManualClock
from gatehouse.errors import (
    InvalidJWKSError,
    JWKSFetchError,
    KeySourceError,
    UnknownKeyError,
)
from gatehouse.keys.fetch import FetchResult
from gatehouse.keys.remote import RemoteJWKS

from .conftest import JWKSServer, Keys, _kid, _remote

# --- failures: stale-if-error, timeout, redirects, bad documents ---------------------


@pytest.mark.parametrize("failure", ["http_500", "connection_dropped"])
def test_stale_if_error_serves_the_last_good_set_for_a_bounded_time(
    jwks_server: JWKSServer, es_keys: Keys, failure: str
) -> None:
    """A failing endpoint keeps old keys usable until max-age + stale_if_error, then fails."""
    script = jwks_server.script
    script.serve_keys(es_keys[0])
    clock = ManualClock()
    remote = _remote(jwks_server, clock, stale_if_error=3600, retry_after_error=5)
    kid = _kid(es_keys[0])
    remote.get_key(kid, "ES256")
    if failure == "http_500":
        script.status, script.body = 500, b"oops"
    else:
        script.drop = True

    clock.advance(600)  # expired: a refetch is attempted and fails
    assert remote.get_key(kid, "ES256").kid == kid
    assert script.requests == 2
    clock.advance(4)  # within retry_after_error: no new attempt, still stale
    assert remote.get_key(kid, "ES256").kid == kid
    assert script.requests == 2
    clock.advance(1)
    assert remote.get_key(kid, "ES256").kid == kid
    assert script.requests == 3

    clock.advance(3600 - 5 - 1)  # 1 s before the stale bound
    assert remote.get_key(kid, "ES256").kid == kid
    clock.advance(1)
    with pytest.raises(JWKSFetchError):
        remote.get_key(kid, "ES256")


def test_recovery_after_failure_clears_the_error(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """Once the endpoint answers again, fresh keys replace the stale ones."""
    script = jwks_server.script
    script.serve_keys(es_keys[0])
    clock = ManualClock()
    remote = _remote(jwks_server, clock)
    remote.get_key(_kid(es_keys[0]), "ES256")
    script.status = 503
    clock.advance(600)
    with pytest.raises(JWKSFetchError, match="HTTP 503"):
        remote.get_key(_kid(es_keys[1]), "ES256")  # unknown kid and no way to refresh: 503
    script.serve_keys(es_keys[1])
    clock.advance(5)
    assert remote.get_key(_kid(es_keys[1]), "ES256").kid == es_keys[1].kid
    with pytest.raises(UnknownKeyError):
        remote.get_key(_kid(es_keys[0]), "ES256")


def test_cold_failure_raises_and_backs_off(jwks_server: JWKSServer) -> None:
    """With nothing cached a failed fetch is a JWKSFetchError, retried only after a pause."""
    script = jwks_server.script
    script.status, script.body = 500, b""
    clock = ManualClock()
    remote = _remote(jwks_server, clock, retry_after_error=5)
    for _ in range(3):
        with pytest.raises(JWKSFetchError) as caught:
            remote.get_key("k", "ES256")
        assert caught.value.code == "jwks_fetch"
        assert caught.value.status == 503
    assert script.requests == 1
    clock.advance(5)
    with pytest.raises(JWKSFetchError):
        remote.get_key("k", "ES256")
    assert script.requests == 2


def test_timeout(jwks_server: JWKSServer) -> None:
    """A server slower than the timeout gives JWKSFetchError, not a hang."""
    jwks_server.script.hold = threading.Event()  # released by the fixture
    remote = _remote(jwks_server, ManualClock(), timeout=0.2)
    with pytest.raises(JWKSFetchError, match="timed out"):
        remote.get_key("k", "ES256")


def test_redirect_is_not_followed(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """A 3xx answer is a failure; its Location is never requested."""
    script = jwks_server.script
    script.serve_keys(es_keys[0])
    script.status = 302
    script.headers = {"Location": jwks_server.url("/elsewhere.json")}
    remote = _remote(jwks_server, ManualClock())
    with pytest.raises(JWKSFetchError, match="redirect"):
        remote.get_key(_kid(es_keys[0]), "ES256")
    assert script.paths == ["/jwks.json"]


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"keys": "nope"}', b"\xff\xfe{}"])
def test_invalid_document(jwks_server: JWKSServer, body: bytes) -> None:
    """A 200 answer that is not a JWKS is InvalidJWKSError (a KeySourceError, 503)."""
    jwks_server.script.body = body
    remote = _remote(jwks_server, ManualClock())
    with pytest.raises(InvalidJWKSError) as caught:
        remote.get_key("k", "ES256")
    assert isinstance(caught.value, KeySourceError)
    assert caught.value.status == 503


def test_private_members_are_refused(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """A published set that leaks a private key is refused, and the message holds no key."""
    private = es_keys[0].to_dict(private=True)
    jwks_server.script.body = json.dumps({"keys": [private]}).encode()
    remote = _remote(jwks_server, ManualClock())
    with pytest.raises(InvalidJWKSError) as caught:
        remote.get_key(_kid(es_keys[0]), "ES256")
    assert private["d"] not in str(caught.value)


def test_oversized_document(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """A body over max_document_size is refused."""
    keys = [es_keys[0].public().to_dict()] * 1
    padding = " " * 4096
    jwks_server.script.body = (json.dumps({"keys": keys}) + padding).encode()
    remote = _remote(jwks_server, ManualClock(), max_document_size=2048)
    with pytest.raises(InvalidJWKSError, match="exceeds 2048 bytes"):
        remote.get_key(_kid(es_keys[0]), "ES256")


def test_foreign_fetcher_exception_is_mapped(es_keys: Keys) -> None:
    """An injected fetcher's own exception becomes JWKSFetchError, with the cause kept."""

    class Broken:
        def fetch(self, url: str, timeout: float, max_size: int) -> FetchResult:
            raise RuntimeError("boom")

    remote = RemoteJWKS("https://auth.example.com/jwks", fetcher=Broken(), clock=ManualClock())
    with pytest.raises(JWKSFetchError, match="RuntimeError"):
        remote.get_key("k", "ES256")
