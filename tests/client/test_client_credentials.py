"""ClientCredentials against the real token service and a protected API over real HTTP.

Clocks are injected: the token service's and the flow's ``ManualClock`` are one, the API
has its own, so a test can make the API see a cached token expire. Token requests are
counted on the flow's own httpx client.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from client_stack import API, ISSUER, Served, serve

from gatehouse.client import ClientCredentials
from gatehouse.errors import InvalidClientError, InvalidTargetError

TOKEN_URL = ISSUER + "/token"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The token service and a Bearer API."""
    with serve(tmp_path) as running:
        yield running


def _flow(served: Served, **options: object) -> ClientCredentials:
    return ClientCredentials(
        TOKEN_URL,
        served.client_id,
        served.client_secret,
        audience=API,
        scope="profile:read",
        clock=served.clock,
        http=served.http(),
        **options,  # type: ignore[arg-type]
    )


def test_one_token_serves_many_calls(served: Served) -> None:
    """Calls reuse the cached token: one token request for five calls, all answered."""
    flow = _flow(served)
    with httpx.Client(base_url=served.api_url, auth=flow) as api:
        answers = [api.get("/whoami") for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert {a.json()["client_id"] for a in answers} == {"orders-svc"}
    assert len({a.json()["jti"] for a in answers}) == 1
    assert len(served.token_requests) == 1


def test_renewed_ahead_of_expiry(served: Served) -> None:
    """Within refresh_ahead of exp the next call fetches a new token first."""
    flow = _flow(served, refresh_ahead=30.0)
    first = flow.token()
    served.clock.advance(first.expires_in - 31)
    assert flow.token() is first
    served.clock.advance(2)
    second = flow.token()
    assert second.access_token != first.access_token
    assert len(served.token_requests) == 2


def test_threads_share_one_fetch(served: Served) -> None:
    """Sixteen threads asking at once cause one token request and get the same token."""
    flow = _flow(served)
    start = threading.Barrier(16)
    seen: list[str] = []

    def ask() -> None:
        start.wait()
        seen.append(flow.token().access_token)

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 16
    assert len(set(seen)) == 1
    assert len(served.token_requests) == 1


def test_tasks_and_threads_share_one_fetch(served: Served) -> None:
    """Tasks of an event loop and threads asking at once still make one token request."""
    flow = _flow(served)
    start = threading.Barrier(5)
    seen: list[str] = []

    def in_thread() -> None:
        start.wait()
        seen.append(flow.token().access_token)

    async def tasks() -> list[str]:
        async with served.async_http() as http:
            flow._async_http = http
            await asyncio.to_thread(start.wait)
            tokens = await asyncio.gather(*(flow.atoken() for _ in range(20)))
        return [t.access_token for t in tokens]

    threads = [threading.Thread(target=in_thread) for _ in range(4)]
    for thread in threads:
        thread.start()
    seen.extend(asyncio.run(tasks()))
    for thread in threads:
        thread.join()
    assert len(seen) == 24
    assert len(set(seen)) == 1
    assert len(served.token_requests) == 1


def test_async_client_calls_the_api(served: Served) -> None:
    """The flow works as auth of an httpx.AsyncClient."""

    async def go() -> list[int]:
        async with served.async_http() as http:
            flow = _flow(served, async_http=http)
            async with httpx.AsyncClient(base_url=served.api_url, auth=flow) as api:
                answers = await asyncio.gather(*(api.get("/whoami") for _ in range(5)))
        return [a.status_code for a in answers]

    assert asyncio.run(go()) == [200] * 5
    assert len(served.token_requests) == 1


def test_expired_at_the_api_is_retried_once_with_a_new_token(served: Served) -> None:
    """An API 401 invalid_token (the API's clock says expired) drops the cached token,
    fetches a new one and sends the call again, once."""
    flow = _flow(served)
    first = flow.token()
    served.clock.advance(first.expires_in + 600)  # the issuer mints later tokens …
    served.api_clock.advance(first.expires_in + 600)  # … the API sees the first expired
    flow._cached = first.__class__(**{**_fields(first), "refresh_at": 1e18, "expires_at": 1e18})
    with httpx.Client(base_url=served.api_url, auth=flow) as api:
        answer = api.get("/whoami")
    assert answer.status_code == 200, answer.text
    assert len(answer.history) == 1
    assert answer.history[0].status_code == 401
    assert len(served.token_requests) == 2


def test_retry_is_not_repeated(served: Served) -> None:
    """When the new token is refused too, the caller gets the 401 (no loop)."""
    flow = _flow(served)
    served.api_clock.advance(10_000)  # every token the issuer mints now looks expired
    with httpx.Client(base_url=served.api_url, auth=flow) as api:
        answer = api.get("/whoami")
    assert answer.status_code == 401
    assert len(served.token_requests) == 2


def test_wrong_secret_is_invalid_client(served: Served) -> None:
    """A wrong secret raises InvalidClientError before the call is sent."""
    flow = ClientCredentials(
        TOKEN_URL, served.client_id, "not-the-secret", clock=served.clock, http=served.http()
    )
    with httpx.Client(base_url=served.api_url, auth=flow) as api, pytest.raises(InvalidClientError):
        api.get("/whoami")


def test_audience_not_allowed_is_invalid_target(served: Served) -> None:
    """An audience the client may not have raises InvalidTargetError (RFC 8707 §2)."""
    flow = ClientCredentials(
        TOKEN_URL,
        served.client_id,
        served.client_secret,
        audience="https://elsewhere.example",
        clock=served.clock,
        http=served.http(),
    )
    with pytest.raises(InvalidTargetError):
        flow.token()


def test_secret_and_tokens_never_logged_or_shown(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    """With httpx and httpcore logging at DEBUG, no record and no repr holds the secret
    or the token."""
    caplog.set_level(logging.DEBUG)
    flow = _flow(served)
    with httpx.Client(base_url=served.api_url, auth=flow) as api:
        assert api.get("/whoami").status_code == 200
    token = flow.token().access_token
    text = caplog.text + repr(flow) + repr(flow.token())
    assert served.client_secret not in text
    assert token not in text
    assert token.split(".")[2] not in text


def _fields(issued: object) -> dict[str, object]:
    import dataclasses

    return {f.name: getattr(issued, f.name) for f in dataclasses.fields(issued)}  # type: ignore[arg-type]
