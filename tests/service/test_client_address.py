"""Which address the login throttle keys on: the peer, or behind trusted proxies the
rightmost X-Forwarded-For hop that is not one of them."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
import pytest
from service_stack import make_stack

from gatehouse.issuer.audit import AUDIT_LOGGER
from gatehouse.service.client_address import MAX_HOPS, client_address

LB = ("10.0.0.0/8",)


@pytest.mark.parametrize(
    ("peer", "headers", "trusted", "expected"),
    [
        ("203.0.113.9", ["198.51.100.1"], (), "203.0.113.9"),  # nothing trusted: the peer
        ("203.0.113.9", ["198.51.100.1"], LB, "203.0.113.9"),  # peer not a proxy: ignored
        ("10.0.0.2", ["198.51.100.1"], LB, "198.51.100.1"),
        ("10.0.0.2", ["6.6.6.6, 198.51.100.1, 10.0.0.3"], LB, "198.51.100.1"),  # forged left
        ("10.0.0.2", ["6.6.6.6", "198.51.100.1"], LB, "198.51.100.1"),  # two header lines
        ("10.0.0.2", [], LB, "10.0.0.2"),  # no header: the proxy itself
        ("10.0.0.2", ["10.0.0.9, 10.0.0.3"], LB, "10.0.0.9"),  # all trusted: the farthest
        ("10.0.0.2", ["junk, 10.0.0.3"], LB, "10.0.0.3"),  # not an address: stop there
        ("10.0.0.2", ["198.51.100.1:4711"], LB, "198.51.100.1"),  # with a port
        ("10.0.0.2", ["[2001:db8::1]:443"], LB, "2001:db8::1"),
        ("::ffff:10.0.0.2", ["198.51.100.1"], LB, "198.51.100.1"),  # IPv4-mapped peer
        ("192.0.2.1", ["198.51.100.1"], ("*",), "198.51.100.1"),
        (None, ["198.51.100.1"], LB, None),
    ],
)
def test_rightmost_untrusted_hop(
    peer: str | None, headers: list[str], trusted: tuple[str, ...], expected: str | None
) -> None:
    """The client is the first address, from the right, that no trusted proxy owns."""
    assert client_address(peer, headers, trusted) == expected


def test_long_chains_are_bounded() -> None:
    """Only the rightmost MAX_HOPS hops are examined, however long the header."""
    chain = ", ".join(["10.0.0.1"] * 10_000)
    assert client_address("10.0.0.2", [chain], LB) == "10.0.0.1"
    hops = ["198.51.100.7"] + ["10.0.0.1"] * (MAX_HOPS + 5)
    assert client_address("10.0.0.2", [", ".join(hops)], LB) == "10.0.0.1"


def _login_failure_address(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, peer: str, forwarded: str
) -> object:
    stack = make_stack(tmp_path, GATEHOUSE_HTTP_TRUSTED_PROXIES="10.0.0.0/8")
    try:
        transport = httpx.ASGITransport(app=stack.app, client=(peer, 4711))  # type: ignore[arg-type]

        async def attempt() -> int:
            async with httpx.AsyncClient(transport=transport, base_url="https://x") as http:
                response = await http.post(
                    "/login",
                    json={"username": "alice", "password": "wrong password!"},
                    headers={"X-Forwarded-For": forwarded},
                )
                return response.status_code

        with caplog.at_level(logging.INFO, logger=AUDIT_LOGGER):
            assert asyncio.run(attempt()) == 400
        failed = [r for r in caplog.records if getattr(r, "event", "") == "login_failed"]
        return failed[-1].audit.get("remote_addr")  # type: ignore[attr-defined]
    finally:
        stack.stores.close()


def test_login_throttle_keys_on_the_forwarded_client(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Over HTTP, behind a trusted proxy, a failed login is counted for the real client."""
    assert _login_failure_address(tmp_path, caplog, "10.0.0.2", "198.51.100.1") == "198.51.100.1"


def test_forged_header_from_an_untrusted_peer_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that is not a trusted proxy cannot choose its throttle key."""
    assert _login_failure_address(tmp_path, caplog, "203.0.113.9", "1.2.3.4") == "203.0.113.9"
