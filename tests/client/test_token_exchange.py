"""TokenExchange over real HTTP: the chain user → orders → profile → billing, each hop a
real service under uvicorn calling the next with a token exchanged for the user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from client_stack import API, ISSUER, PASSWORD, Served, serve, verifier_for
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from asgi_server import run_asgi_in_thread
from gatehouse.adapters.asgi import BearerAuthMiddleware
from gatehouse.client import TokenExchange, UserSession
from gatehouse.errors import InvalidRequestError, InvalidScopeError

PROFILE = "https://profile.example"
BILLING = "https://billing.example"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
TOKEN_URL = ISSUER + "/token"

NextCall = Callable[[str], Any] | None


def _service(served: Served, audience: str, next_call: NextCall) -> Any:
    """A protected service that answers who called it for whom, after calling the next."""

    def handle(request: Request) -> JSONResponse:
        claims = request.auth
        body: dict[str, Any] = {"sub": claims.subject, "act": claims.get("act")}
        if next_call is not None:
            incoming = request.headers["authorization"].split(" ", 1)[1]
            body["next"] = next_call(incoming)
        return JSONResponse(body)

    app = Starlette(routes=[Route("/", handle)])
    return BearerAuthMiddleware(app, verifier_for(served, audience))


def _caller(exchange: TokenExchange, url: str) -> Callable[[str], Any]:
    def call(incoming: str) -> Any:
        answer = httpx.get(url, auth=exchange.for_subject(incoming), timeout=10)
        return answer.json() if answer.status_code == 200 else {"status": answer.status_code}

    return call


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The token service with the three audiences and the two acting services."""
    with serve(tmp_path, audiences=f"{API},{PROFILE},{BILLING}") as running:
        yield running


def _register(served: Served, name: str, audience: str) -> str:
    made = served.service.register_client(
        name, allowed_audiences=[audience], allowed_scopes=["read"], grant_types=[EXCHANGE]
    )
    assert made.client_secret is not None
    return made.client_secret


def _exchange(served: Served, name: str, secret: str, audience: str) -> TokenExchange:
    return TokenExchange(
        TOKEN_URL, name, secret, audience=audience, clock=served.clock, http=served.http()
    )


def test_chain_of_three_services_nests_act_two_deep(served: Served) -> None:
    """billing sees alice as sub and act = profile-service acting for orders-service."""
    orders_ex = _exchange(
        served, "orders-service", _register(served, "orders-service", PROFILE), PROFILE
    )
    profile_ex = _exchange(
        served, "profile-service", _register(served, "profile-service", BILLING), BILLING
    )
    with ExitStack() as running:
        billing = running.enter_context(run_asgi_in_thread(_service(served, BILLING, None)))
        profile = running.enter_context(
            run_asgi_in_thread(_service(served, PROFILE, _caller(profile_ex, billing)))
        )
        orders = running.enter_context(
            run_asgi_in_thread(_service(served, API, _caller(orders_ex, profile)))
        )
        session = UserSession(
            ISSUER, audience=API, scope="read", clock=served.clock, http=served.http()
        )
        session.login("alice", PASSWORD)
        with httpx.Client(auth=session, timeout=10) as http:
            answer = http.get(orders).json()
            again = http.get(orders).json()
    alice = served.service.find_account("alice")
    assert alice is not None
    assert answer["sub"] == alice.account_id
    assert answer["act"] is None
    assert answer["next"]["act"] == {"sub": "orders-service"}
    assert answer["next"]["next"] == {
        "sub": alice.account_id,
        "act": {"sub": "profile-service", "act": {"sub": "orders-service"}},
    }
    assert again == answer
    exchanges = [r for r in served.token_requests if r.url.path == "/token"]
    assert len(exchanges) == 2  # one per hop; the second request was served from the caches
    assert orders_ex.cached == 1
    assert profile_ex.cached == 1


def test_the_service_secret_alone_reads_nobodys_data(served: Served) -> None:
    """Without a user's token the acting service cannot get a token for profile: a
    garbage or a client-credentials subject token is refused."""
    secret = _register(served, "orders-service", PROFILE)
    exchange = _exchange(served, "orders-service", secret, PROFILE)
    with pytest.raises(InvalidRequestError):
        exchange.exchange("not-a-token")


def test_widening_through_the_client_is_refused(served: Served) -> None:
    """Asking for a scope the user's token lacks raises InvalidScopeError."""
    secret = _register(served, "orders-service", PROFILE)
    session = UserSession(
        ISSUER, audience=API, scope="read", clock=served.clock, http=served.http()
    )
    user = session.login("alice", PASSWORD)
    exchange = TokenExchange(
        TOKEN_URL,
        "orders-service",
        secret,
        audience=PROFILE,
        scope="write",
        clock=served.clock,
        http=served.http(),
    )
    with pytest.raises(InvalidScopeError):
        exchange.exchange(user.access_token)


def test_cache_is_bounded(served: Served) -> None:
    """More subjects than max_cached evict the least recently used flows."""
    secret = _register(served, "orders-service", PROFILE)
    exchange = TokenExchange(
        TOKEN_URL, "orders-service", secret, audience=PROFILE, max_cached=2, http=served.http()
    )
    for n in range(5):
        exchange.for_subject(f"token-{n}")
    assert exchange.cached == 2
    assert "token-" not in repr(exchange)
