"""RemoteJWKS set-up rules: which URLs, which bounds, what the fetcher reads, what it imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gatehouse.errors import ConfigurationError, JWKSFetchError
from gatehouse.keys.cache_control import freshness_lifetime
from gatehouse.keys.fetch import UrllibFetcher
from gatehouse.keys.remote import RemoteJWKS

from .conftest import JWKSServer


@pytest.mark.parametrize(
    "url",
    [
        "https://auth.example.com/.well-known/jwks.json",
        "HTTPS://Auth.Example.com/jwks?tenant=a",
        "https://auth.example.com:8443",
        "http://127.0.0.1:8080/jwks",
        "http://localhost/jwks",
        "http://LOCALHOST:9000/",
        "http://[::1]:9000/jwks",
    ],
)
def test_acceptable_urls(url: str) -> None:
    """https anywhere, and plain http only for loopback hosts."""
    assert RemoteJWKS(url).url == url


@pytest.mark.parametrize(
    "url",
    [
        "",
        "auth.example.com/jwks",
        "http://auth.example.com/jwks",
        "http://127.0.0.1.evil.example/jwks",
        "http://localhost.evil.example/jwks",
        "http://localhost@evil.example/jwks",
        "http://evil.example@localhost/jwks",
        "https://user:secret@auth.example.com/jwks",
        "http://[::2]/jwks",
        "http://10.0.0.1/jwks",
        "http://127.0.0.2/jwks",
        "ftp://auth.example.com/jwks",
        "file:///etc/jwks.json",
        "https://auth.example.com/jwks#frag",
        "https://auth example.com/jwks",
        "https://auth.example.com\\@evil/jwks",
        "https://auth.example.com:http/jwks",
        "https://[zz::1]/jwks",
        "https://auth.exämple.com/jwks",
        "https://" + "a" * 2050,
    ],
)
def test_refused_urls(url: str) -> None:
    """Anything but https (or http to loopback), or with odd authority parts, is refused."""
    with pytest.raises(ConfigurationError):
        RemoteJWKS(url)


def test_refused_url_message_holds_no_credentials() -> None:
    """A refused URL's error does not echo the credentials it carried."""
    with pytest.raises(ConfigurationError) as caught:
        RemoteJWKS("https://user:hunter2@auth.example.com/jwks")
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    "options",
    [
        {"timeout": 0},
        {"timeout": float("nan")},
        {"timeout": float("inf")},
        {"timeout": "5"},
        {"cooldown": -1},
        {"cooldown": 120},  # above min_max_age: an expired set could not be refreshed
        {"max_age": 30},  # below min_max_age
        {"max_age": 10**6},  # above max_max_age
        {"stale_if_error": 8 * 86_400},
        {"retry_after_error": True},
        {"max_document_size": 0},
        {"max_document_size": 10**9},
    ],
)
def test_bad_settings_are_refused(options: dict[str, object]) -> None:
    """Settings that cannot work are a ConfigurationError at construction."""
    with pytest.raises(ConfigurationError):
        RemoteJWKS("https://auth.example.com/jwks", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, 600.0),
        ("", 600.0),
        ("public", 600.0),
        ("max-age=3600", 3600.0),
        ("Max-Age = 90", 90.0),
        ("max-age=1e3", 60.0),
        ("max-age=٣٠٠", 60.0),  # non-ASCII digits are not delta-seconds
        ("private, no-store", 60.0),
    ],
)
def test_freshness_lifetime(header: str | None, expected: float) -> None:
    """The Cache-Control reading rules (RFC 9111 §5.2.2.1, §4.2.1), bounded to [60, 86400]."""
    assert freshness_lifetime(header, default=600, minimum=60, maximum=86_400) == expected


def test_fetcher_reads_at_most_one_byte_past_the_limit(jwks_server: JWKSServer) -> None:
    """An oversized body is detected after max_size + 1 bytes, not read whole."""
    jwks_server.script.body = b"x" * 100_000
    result = UrllibFetcher().fetch(jwks_server.url(), 5.0, 1000)
    assert result.status == 200
    assert len(result.body) == 1001


def test_fetcher_reports_status_and_cache_control(jwks_server: JWKSServer) -> None:
    """Error statuses come back as results with their headers, for the cache to judge."""
    script = jwks_server.script
    script.status, script.body = 404, b"missing"
    script.headers = {"Cache-Control": "max-age=5"}
    result = UrllibFetcher().fetch(jwks_server.url(), 5.0, 1000)
    assert (result.status, result.body, result.cache_control) == (404, b"", "max-age=5")


def test_fetcher_connection_refused() -> None:
    """Nothing listening is a JWKSFetchError naming the failure, not an OSError."""
    import socket

    with socket.socket() as sock:  # a port that was free a moment ago and is closed now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(JWKSFetchError, match="JWKS fetch failed"):
        UrllibFetcher().fetch(f"http://127.0.0.1:{port}/jwks", 5.0, 1000)


def test_constructing_remote_jwks_imports_no_network_stack() -> None:
    """Cold start: a seeded RemoteJWKS imports no HTTP client, TLS, email or asyncio."""
    code = (
        "import json, sys\n"
        "from gatehouse.keys.remote import RemoteJWKS\n"
        "env = {'J': '{\"keys\": []}'}\n"
        "RemoteJWKS.seeded_from_env('https://a.example/jwks', 'J', environ=env)\n"
        "heavy = ('urllib.request', 'http', 'ssl', 'email', 'asyncio', 'threading')\n"
        "print(json.dumps(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []


def test_remote_jwks_is_a_key_source() -> None:
    """RemoteJWKS satisfies the KeySource protocol the Verifier accepts."""
    from gatehouse.keys.base import KeySource

    assert isinstance(RemoteJWKS("https://auth.example.com/jwks"), KeySource)


def test_policy_defaults_and_immutability() -> None:
    """The documented defaults are in force, and the policy cannot be changed afterwards."""
    policy = RemoteJWKS("https://auth.example.com/jwks").policy
    assert (policy.timeout, policy.max_age, policy.cooldown) == (5.0, 600.0, 30.0)
    assert (policy.min_max_age, policy.max_max_age) == (60.0, 86_400.0)
    assert (policy.stale_if_error, policy.max_document_size) == (86_400.0, 256 * 1024)
    with pytest.raises(AttributeError):
        policy.cooldown = 0.0
