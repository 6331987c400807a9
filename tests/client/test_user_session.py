"""UserSession against the real token service over real HTTP: login, refresh ahead of
expiry, single flight, the grace response, a refused refresh, logout."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from client_stack import ISSUER, PASSWORD, Served, serve

from gatehouse.client import UserSession
from gatehouse.errors import InvalidGrantError


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The token service and a Bearer API."""
    with serve(tmp_path) as running:
        yield running


def _session(served: Served, **options: object) -> UserSession:
    return UserSession(ISSUER, clock=served.clock, http=served.http(), **options)  # type: ignore[arg-type]


def _paths(served: Served) -> list[str]:
    return [request.url.path for request in served.token_requests]


def test_login_then_calls_carry_the_users_token(served: Served) -> None:
    """After login the API sees alice; no token request is made per call."""
    session = _session(served)
    session.login("alice", PASSWORD)
    with httpx.Client(base_url=served.api_url, auth=session) as api:
        answers = [api.get("/whoami") for _ in range(3)]
    alice = served.service.find_account("alice")
    assert alice is not None
    assert [a.json()["sub"] for a in answers] == [alice.account_id] * 3
    assert _paths(served) == ["/login"]
    assert session.logged_in


def test_calls_before_login_raise(served: Served) -> None:
    """Without a session a call raises InvalidGrantError (code no_session), nothing is sent."""
    session = _session(served)
    with (
        httpx.Client(base_url=served.api_url, auth=session) as api,
        pytest.raises(InvalidGrantError) as caught,
    ):
        api.get("/whoami")
    assert caught.value.code == "no_session"
    assert served.token_requests == []


def test_refreshes_ahead_of_expiry_once_for_many_threads(served: Served) -> None:
    """Near expiry, twelve threads calling at once cause one refresh; the rotated refresh
    token is kept and works next time."""
    session = _session(served)
    first = session.login("alice", PASSWORD)
    served.clock.advance(first.expires_in - 10)
    start = threading.Barrier(12)
    seen: list[str] = []

    def call() -> None:
        start.wait()
        seen.append(session.token().access_token)

    threads = [threading.Thread(target=call) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1
    assert seen[0] != first.access_token
    assert _paths(served) == ["/login", "/token"]
    served.clock.advance(first.expires_in)
    assert session.token().access_token not in seen  # the rotated refresh token works


def test_async_tasks_refresh_once(served: Served) -> None:
    """Thirty tasks with a due token share one refresh (alogin, atoken, alogout)."""

    async def go() -> set[str]:
        async with served.async_http() as http:
            session = UserSession(ISSUER, clock=served.clock, async_http=http)
            first = await session.alogin("alice", PASSWORD)
            served.clock.advance(first.expires_in)
            tokens = await asyncio.gather(*(session.atoken() for _ in range(30)))
            await session.alogout()
            assert not session.logged_in
        return {t.access_token for t in tokens}

    assert len(asyncio.run(go())) == 1
    assert _paths(served) == ["/login", "/token", "/logout"]


def test_grace_response_from_another_process_is_adopted(served: Served) -> None:
    """Two processes holding one refresh token: the second refresh inside the grace
    window gets the current pair back, and both sessions keep working."""
    one = _session(served)
    pair = one.login("alice", PASSWORD)
    two = _session(served)
    two._cached = pair  # the same session restored in another process
    served.clock.advance(pair.expires_in)
    a = one.token()
    b = two.token()
    assert a.refresh_token == b.refresh_token
    served.clock.advance(pair.expires_in)
    assert one.token().refresh_token != a.refresh_token


def test_revoked_session_ends_the_client_session(served: Served) -> None:
    """A refresh refused with invalid_grant (the session was revoked) forgets the
    session: the next call raises no_session until login."""
    session = _session(served)
    first = session.login("alice", PASSWORD)
    account = served.service.find_account("alice")
    assert account is not None
    served.service.revoke_account_sessions(account.account_id)
    served.clock.advance(first.expires_in)
    with pytest.raises(InvalidGrantError):
        session.token()
    assert not session.logged_in
    with pytest.raises(InvalidGrantError) as caught:
        session.token()
    assert caught.value.code == "no_session"


def test_logout_ends_the_session_on_the_server(served: Served) -> None:
    """After logout the old refresh token is refused by the server."""
    session = _session(served)
    pair = session.login("alice", PASSWORD)
    session.logout()
    assert not session.logged_in
    again = _session(served)
    again._cached = pair
    served.clock.advance(pair.expires_in)
    with pytest.raises(InvalidGrantError):
        again.token()


def test_wrong_password_is_invalid_grant(served: Served) -> None:
    """A wrong password raises InvalidGrantError and leaves no session."""
    session = _session(served)
    with pytest.raises(InvalidGrantError):
        session.login("alice", "wrong password")
    assert not session.logged_in
    assert PASSWORD not in repr(session)
