"""The whole flow over real sockets (issue 4 §3): the token service under uvicorn, a protected
ASGI service and a protected WSGI service beside it, keys fetched over HTTP by RemoteJWKS."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
from flask import Flask, jsonify
from server import run_asgi_in_thread
from service_helpers import API, ISSUER, PASSWORD
from service_stack import make_stack
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gatehouse import RemoteJWKS, Verifier
from gatehouse.adapters.asgi import BearerAuthMiddleware
from gatehouse.adapters.wsgi import current_claims, require_token


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def run_wsgi_in_thread(app: Any) -> Iterator[str]:
    """Serve a WSGI app with wsgiref on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _orders_app(verifier: Verifier) -> Any:
    async def orders(request: Request) -> JSONResponse:
        return JSONResponse({"sub": request.auth.subject, "orders": [1, 2]})

    return BearerAuthMiddleware(
        Starlette(routes=[Route("/orders", orders)]), verifier, scopes=["read"]
    )


def _profile_app(verifier: Verifier) -> Flask:
    app = Flask("profile")

    @app.get("/profile")
    @require_token(verifier, scopes=["read"])
    def profile() -> Any:
        return jsonify(sub=current_claims().subject)

    @app.get("/profiles/<sub>")
    @require_token(verifier, scopes=["profile:read"])
    def any_profile(sub: str) -> Any:
        return jsonify(sub=sub, caller=current_claims().client_id)

    return app


def test_login_call_refresh_reuse_logout_and_service_to_service(tmp_path: Path) -> None:
    """The user and service flows end to end, including family revocation on reuse."""
    stack = make_stack(tmp_path)
    try:
        with run_asgi_in_thread(stack.app) as auth_url:
            verifier = Verifier(
                issuer=ISSUER,
                audience=API,
                keys=RemoteJWKS(f"{auth_url}/.well-known/jwks.json", clock=stack.clock),
                algorithms=["ES256"],
                clock=stack.clock,
            )
            with (
                run_asgi_in_thread(_orders_app(verifier)) as orders_url,
                run_wsgi_in_thread(_profile_app(verifier)) as profile_url,
                httpx.Client(timeout=10) as http,
            ):
                # Log in, call both protected services.
                pair = http.post(
                    f"{auth_url}/login", json={"username": "alice", "password": PASSWORD}
                ).json()
                bearer = {"Authorization": f"Bearer {pair['access_token']}"}
                assert http.get(f"{orders_url}/orders", headers=bearer).json()["orders"] == [1, 2]
                me = http.get(f"{profile_url}/profile", headers=bearer)
                assert me.status_code == 200
                assert http.get(f"{orders_url}/orders").status_code == 401
                forbidden = http.get(f"{profile_url}/profiles/bob", headers=bearer)
                assert forbidden.status_code == 403
                assert "insufficient_scope" in forbidden.headers["www-authenticate"]

                # Refresh rotates; the spent token after the grace window revokes the family.
                def refresh(token: str) -> httpx.Response:
                    return http.post(
                        f"{auth_url}/token",
                        data={"grant_type": "refresh_token", "refresh_token": token},
                    )

                first = pair["refresh_token"]
                rotated = refresh(first)
                assert rotated.status_code == 200
                newest = rotated.json()["refresh_token"]
                assert newest != first
                stack.clock.advance(11)  # past the 10 s grace for the immediate parent
                reused = refresh(first)
                assert reused.status_code == 400
                assert reused.json()["error"] == "invalid_grant"
                assert refresh(newest).status_code == 400  # the whole family is gone

                # A new session, then logout ends it.
                again = http.post(
                    f"{auth_url}/login", json={"username": "alice", "password": PASSWORD}
                ).json()
                out = http.post(
                    f"{auth_url}/logout", json={"refresh_token": again["refresh_token"]}
                )
                assert out.status_code == 200
                assert refresh(again["refresh_token"]).status_code == 400

                # Service to service: client credentials, then a call only services may make.
                cc = http.post(
                    f"{auth_url}/token",
                    data={"grant_type": "client_credentials", "scope": "profile:read"},
                    auth=(stack.client_id, stack.client_secret),
                )
                assert cc.status_code == 200
                assert cc.headers["cache-control"] == "no-store"
                service_bearer = {"Authorization": f"Bearer {cc.json()['access_token']}"}
                other = http.get(f"{profile_url}/profiles/bob", headers=service_bearer)
                assert other.status_code == 200
                assert other.json() == {"sub": "bob", "caller": stack.client_id}
                wrong = http.post(
                    f"{auth_url}/token",
                    data={"grant_type": "client_credentials"},
                    auth=(stack.client_id, "not-the-secret"),
                )
                assert wrong.status_code == 401
                assert wrong.json()["error"] == "invalid_client"
    finally:
        stack.stores.close()
