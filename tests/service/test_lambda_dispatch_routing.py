"""What the Lambda dispatch decides on its own, beside the parity table of
``test_lambda_dispatch.py``: the one route table it matches (the Starlette routes are built
from it too), handlers driven inline with no event loop, and the settings that change who
answers: a DPoP nonce challenge from the dispatch itself, CORS left to the ASGI app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_helpers import ISSUER, JSON_TYPE, LOGIN
from service_stack import _dispatch_over, make_stack
from test_lambda import V1, V2, _load, request

from gatehouse.jose import JWK, decode_unverified
from gatehouse.jose.dpop_make import make_proof
from gatehouse.service.lambda_dispatch import run_inline
from gatehouse.service.routes import ROUTE_TABLE, match


def test_dpop_nonce_challenge_through_the_dispatch(shared_dir: Path, tmp_path: Path) -> None:
    """With nonces required: 400 use_dpop_nonce and DPoP-Nonce, then a DPoP-bound pair."""
    stack = make_stack(tmp_path, GATEHOUSE_DPOP_REQUIRE_NONCE="true")
    dispatch = _dispatch_over(stack)
    try:
        event = _load(shared_dir, V1)
        key = JWK.generate("ES256")
        now = stack.clock.time()
        headers = {
            **JSON_TYPE,
            "DPoP": make_proof(key, method="POST", url=ISSUER + "/login", now=now),
        }
        first = dispatch(request(event, "POST", "/login", LOGIN, headers), None)
        assert first["statusCode"] == 400, first["body"]
        assert json.loads(first["body"])["error"] == "use_dpop_nonce"
        nonce = first["headers"]["dpop-nonce"]
        headers["DPoP"] = make_proof(
            key, method="POST", url=ISSUER + "/login", now=now, nonce=nonce
        )
        second = dispatch(request(event, "POST", "/login", LOGIN, headers), None)
        assert second["statusCode"] == 200, second["body"]
        token = json.loads(second["body"])["access_token"]
        assert decode_unverified(token)[1]["cnf"] == {"jkt": key.thumbprint()}
    finally:
        dispatch.close()
        stack.stores.close()


def test_cors_configured_sends_everything_through_the_asgi_app(
    shared_dir: Path, tmp_path: Path
) -> None:
    """CORS is Starlette's middleware: with origins set, the dispatch answers nothing itself
    and a preflight gets the middleware's answer."""
    stack = make_stack(tmp_path, GATEHOUSE_HTTP_CORS_ORIGINS="https://app.example")
    dispatch = _dispatch_over(stack)
    try:
        event = request(
            _load(shared_dir, V2),
            "OPTIONS",
            "/login",
            headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
        )
        answer = dispatch(event, None)
        assert answer["statusCode"] == 200
        assert answer["headers"]["access-control-allow-origin"] == "https://app.example"
        simple = request(
            _load(shared_dir, V2), "GET", "/health", headers={"Origin": "https://app.example"}
        )
        assert (
            dispatch(simple, None)["headers"]["access-control-allow-origin"]
            == "https://app.example"
        )
    finally:
        dispatch.close()
        stack.stores.close()


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/login", ("/login", {})),
        ("HEAD", "/health", ("/health", {})),
        ("GET", "/statuslists/17", ("/statuslists/{list_id}", {"list_id": "17"})),
        ("GET", "/statuslists/", None),
        ("GET", "/statuslists/1/", None),
        ("GET", "/login", None),
        ("POST", "/login/", None),
        ("GET", "/health\n", None),
        ("OPTIONS", "/login", None),
    ],
)
def test_route_table_matches_only_what_a_handler_answers(
    method: str, path: str, expected: tuple[str, dict[str, str]] | None
) -> None:
    """``routes.match``: the path and a listed method (HEAD with GET), else None."""
    found = match(method, path)
    assert (None if found is None else (found[0].path, found[1])) == expected


def test_asgi_routes_are_the_route_table() -> None:
    """The Starlette routes are built from the one table, in its order, with its methods."""
    from gatehouse.service.app import ROUTES

    assert [(r.path, r.methods) for r in ROUTES] == [
        (spec.path, {*spec.methods, *(["HEAD"] if "GET" in spec.methods else [])})
        for spec in ROUTE_TABLE
    ]


class _Suspend:
    """An awaitable that yields to its driver, as awaiting a loop's future does."""

    def __await__(self) -> Iterator[None]:
        yield None


def test_a_handler_that_suspends_is_refused() -> None:
    """run_inline drives a coroutine that never awaits a loop; one that does is an error."""

    async def suspends() -> None:
        await _Suspend()

    with pytest.raises(RuntimeError, match="event loop"):
        run_inline(suspends())
