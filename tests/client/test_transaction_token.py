"""TransactionToken over real HTTP: the edge obtains a Txn-Token for the user, workloads
forward it unmodified in the Txn-Token header, a due token is replaced in the same
transaction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from client_stack import ISSUER, PASSWORD, Served, serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from asgi_server import run_asgi_in_thread
from gatehouse import RemoteJWKS
from gatehouse.client import TransactionToken, UserSession
from gatehouse.errors import InvalidTargetError, TokenError
from gatehouse.txn_verify import txn_token_verifier

DOMAIN = "shop.internal"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The token service as the Trust Domain's TTS."""
    with serve(tmp_path, GATEHOUSE_ISSUER_TXN_TRUST_DOMAIN=DOMAIN) as running:
        yield running


def _txn(served: Served, **options: Any) -> TransactionToken:
    made = served.service.register_client(
        "orders-service",
        allowed_audiences=[DOMAIN],
        allowed_scopes=["read"],
        grant_types=[EXCHANGE],
    )
    assert made.client_secret is not None
    return TransactionToken(
        ISSUER + "/token",
        "orders-service",
        made.client_secret,
        trust_domain=options.pop("trust_domain", DOMAIN),
        scope="read",
        clock=served.clock,
        http=served.http(),
        **options,
    )


def _workload(served: Served, next_url: str | None) -> Any:
    verifier = txn_token_verifier(
        trust_domain=DOMAIN,
        issuer=ISSUER,
        keys=RemoteJWKS(f"{served.auth_url}/.well-known/jwks.json", clock=served.api_clock),
        algorithms=["ES256"],
        clock=served.api_clock,
    )

    def handle(request: Request) -> JSONResponse:
        received = request.headers.get("txn-token", "")
        try:
            claims = verifier.verify(received)
        except TokenError as exc:
            return JSONResponse({"code": exc.code}, status_code=401)
        body: dict[str, Any] = {
            "txn": claims["txn"],
            "sub": claims.subject,
            "authorization": request.headers.get("authorization"),
        }
        if next_url is not None:
            auth = TransactionToken.forward(received)
            body["next"] = httpx.get(next_url, auth=auth, timeout=10).json()
        return JSONResponse(body)

    return Starlette(routes=[Route("/", handle)])


def test_edge_obtains_and_workloads_forward_one_transaction(served: Served) -> None:
    """Profile and billing see the same txn and sub; nothing is sent in Authorization."""
    session = UserSession(ISSUER, clock=served.clock, http=served.http())
    user = session.login("alice", PASSWORD)
    txn = _txn(served)
    with (
        run_asgi_in_thread(_workload(served, None)) as billing,
        run_asgi_in_thread(_workload(served, billing)) as profile,
    ):
        auth = txn.for_subject(user.access_token, request_details={"order": "42"})
        first = httpx.get(profile, auth=auth, timeout=10).json()
        second = httpx.get(profile, auth=auth, timeout=10).json()
    alice = served.service.find_account("alice")
    assert alice is not None
    assert first["sub"] == alice.account_id
    assert first["next"]["txn"] == first["txn"]
    assert first["authorization"] is None
    assert second["txn"] == first["txn"]
    assert [r.url.path for r in served.token_requests] == ["/login", "/token"]


def test_a_due_token_is_replaced_in_the_same_transaction(served: Served) -> None:
    """Near exp the flow asks for a replacement: a new token, the same txn and sub."""
    session = UserSession(ISSUER, clock=served.clock, http=served.http())
    user = session.login("alice", PASSWORD)
    flow = _txn(served).for_subject(user.access_token)
    first = flow.token()
    served.clock.advance(first.expires_in - 5)
    second = flow.token()
    assert second.access_token != first.access_token
    from gatehouse.jose import decode_unverified

    a, b = decode_unverified(first.access_token)[1], decode_unverified(second.access_token)[1]
    assert (a["txn"], a["sub"]) == (b["txn"], b["sub"])
    assert second.issued_token_type == "urn:ietf:params:oauth:token-type:txn_token"


def test_wrong_trust_domain_is_refused(served: Served) -> None:
    """Asking for another Trust Domain raises InvalidTargetError."""
    session = UserSession(ISSUER, clock=served.clock, http=served.http())
    user = session.login("alice", PASSWORD)
    flow = _txn(served, trust_domain="bank.internal").for_subject(user.access_token)
    with pytest.raises(InvalidTargetError):
        flow.token()
