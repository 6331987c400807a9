"""``txn_token=TxnTokenCheck(...)`` on @require_token and the ASGI/WSGI middlewares:
the verified Txn-Token reaches the handler as ``txn``; missing-when-required, repeated or
bad ones are a 401 (draft-ietf-oauth-transaction-tokens, "Txn-Token Validation")."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from gatehouse import JWKS, Claims, ManualClock, Verifier
from gatehouse.adapters.asgi import BearerAuthMiddleware as AsgiMiddleware
from gatehouse.adapters.aws_lambda import require_token
from gatehouse.adapters.txn_check import TxnTokenCheck
from gatehouse.adapters.wsgi import TXN_KEY
from gatehouse.adapters.wsgi import BearerAuthMiddleware as WsgiMiddleware
from gatehouse.jose import JWK, encode_jwt
from gatehouse.txn_verify import txn_token_verifier

from .conftest import ISSUER, NOW, Mint, load_event, with_authorization

TRUST_DOMAIN = "shop.internal"
LAMBDA_EVENTS = [
    "aws-sam-cli/apigateway-aws-proxy-v1.json",
    "aws-sam-cli/apigateway-http-api-proxy-v2.json",
    "aws-sam-cli/alb-request.json",
]


@pytest.fixture
def txn_verifier(signing_key: JWK, clock: ManualClock) -> Verifier:
    """The Txn-Token profile over the same key as the access tokens."""
    keys = JWKS.from_dict({"keys": [signing_key.public().to_dict()]})
    return txn_token_verifier(
        trust_domain=TRUST_DOMAIN, issuer=ISSUER, keys=keys, algorithms=["ES256"], clock=clock
    )


def _txn(signing_key: JWK, **overrides: Any) -> str:
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": TRUST_DOMAIN,
        "txn": "txn-42",
        "sub": "user-1",
        "iat": int(NOW),
        "exp": int(NOW) + 120,
        "scope": "orders:read",
        "req_wl": "edge",
        "tctx": {"order": "A-1001"},
    }
    claims.update(overrides)
    return encode_jwt(claims, signing_key, "ES256", typ="txntoken+jwt")


def _with_txn(event: dict[str, Any], values: list[str]) -> dict[str, Any]:
    if isinstance(event.get("multiValueHeaders"), dict):
        event["multiValueHeaders"]["Txn-Token"] = values
    if isinstance(event.get("headers"), dict) and values:
        event["headers"]["Txn-Token"] = values[-1]
    return event


def _lambda(verifier: Verifier, txn_verifier: Verifier, required: bool) -> Any:
    @require_token(verifier, txn_token=TxnTokenCheck(txn_verifier, required=required))
    def handler(event: dict[str, Any], context: Any, *, claims: Claims, txn: Claims | None) -> Any:
        seen = None if txn is None else [txn["txn"], txn["tctx"]["order"]]
        return {"statusCode": 200, "headers": {}, "body": repr([claims.subject, seen])}

    return handler


@pytest.mark.parametrize("name", LAMBDA_EVENTS)
def test_lambda_handler_receives_the_verified_txn_token(
    name: str,
    shared_dir: Path,
    verifier: Verifier,
    txn_verifier: Verifier,
    mint: Mint,
    signing_key: JWK,
) -> None:
    """A valid Txn-Token reaches the handler as txn beside the access token's claims."""
    event = with_authorization(load_event(shared_dir / "events" / name), f"Bearer {mint()}")
    answer = _lambda(verifier, txn_verifier, True)(_with_txn(event, [_txn(signing_key)]), None)
    assert answer["statusCode"] == 200
    assert answer["body"] == repr(["user-1", ["txn-42", "A-1001"]])


@pytest.mark.parametrize("name", LAMBDA_EVENTS)
def test_lambda_refuses_missing_repeated_and_bad_txn_tokens(
    name: str,
    shared_dir: Path,
    verifier: Verifier,
    txn_verifier: Verifier,
    mint: Mint,
    signing_key: JWK,
) -> None:
    """Required and absent, two of them, an access token, another Trust Domain: 401."""
    handler = _lambda(verifier, txn_verifier, True)
    good = _txn(signing_key)
    for values in (
        [],
        [good, good],
        [mint()],  # an access token is not a Txn-Token (typ)
        [_txn(signing_key, aud="other.internal")],
        [_txn(signing_key, exp=int(NOW) - 60)],
    ):
        event = with_authorization(load_event(shared_dir / "events" / name), f"Bearer {mint()}")
        if "multiValueHeaders" not in event and len(values) > 1:
            values = [", ".join(values)]  # single-value headers fold repeats with commas
        assert handler(_with_txn(event, values), None)["statusCode"] == 401, values


def test_lambda_optional_txn_token_may_be_absent(
    shared_dir: Path, verifier: Verifier, txn_verifier: Verifier, mint: Mint
) -> None:
    """required=False: without a Txn-Token the handler runs with txn=None."""
    name = "aws-sam-cli/apigateway-http-api-proxy-v2.json"
    event = with_authorization(load_event(shared_dir / "events" / name), f"Bearer {mint()}")
    answer = _lambda(verifier, txn_verifier, False)(event, None)
    assert answer["statusCode"] == 200
    assert answer["body"] == repr(["user-1", None])


async def _asgi_app(scope: Any, receive: Any, send: Any) -> None:
    txn = scope.get("txn", "unset")
    body = repr(["absent" if txn is None else txn if txn == "unset" else txn["txn"]]).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def _wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    txn = environ.get(TXN_KEY, "unset")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [repr(["absent" if txn is None else txn if txn == "unset" else txn["txn"]]).encode()]


def _cases(mint: Mint, signing_key: JWK) -> list[tuple[list[tuple[str, str]], int, str]]:
    bearer = ("Authorization", f"Bearer {mint()}")
    good = _txn(signing_key)
    return [
        ([bearer, ("Txn-Token", good)], 200, repr(["txn-42"])),
        ([bearer], 401, ""),
        ([bearer, ("Txn-Token", good), ("Txn-Token", good)], 401, ""),
        ([bearer, ("Txn-Token", f"{good}, {good}")], 401, ""),  # as PEP 3333 servers fold them
        ([bearer, ("Txn-Token", mint())], 401, ""),
        ([bearer, ("Txn-Token", _txn(signing_key, aud="other.internal"))], 401, ""),
        ([("Txn-Token", good)], 401, ""),  # a Txn-Token is never the caller's credential
    ]


def test_asgi_middleware_puts_the_txn_token_in_scope(
    verifier: Verifier, txn_verifier: Verifier, mint: Mint, signing_key: JWK
) -> None:
    """scope["txn"] holds the verified Txn-Token; missing, repeated or bad ones are 401."""
    app = AsgiMiddleware(_asgi_app, verifier, txn_token=TxnTokenCheck(txn_verifier))

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
            for headers, status, body in _cases(mint, signing_key):
                answer = await http.get("/internal", headers=headers)
                assert answer.status_code == status, headers
                if status == 200:
                    assert answer.text == body
                else:
                    assert answer.headers["www-authenticate"].startswith("Bearer")

    asyncio.run(run())


def test_wsgi_middleware_puts_the_txn_token_in_environ(
    verifier: Verifier, txn_verifier: Verifier, mint: Mint, signing_key: JWK
) -> None:
    """environ["gatehouse.txn"] holds the verified Txn-Token; missing or bad ones are 401."""
    app = WsgiMiddleware(_wsgi_app, verifier, txn_token=TxnTokenCheck(txn_verifier))
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://svc") as http:
        for headers, status, body in _cases(mint, signing_key):
            if [name for name, _ in headers].count("Txn-Token") > 1:
                continue  # httpx's WSGI transport keeps the last; a server folds (next case)
            answer = http.get("/internal", headers=headers)
            assert answer.status_code == status, headers
            if status == 200:
                assert answer.text == body


def test_middlewares_without_the_option_leave_txn_unset(
    verifier: Verifier, mint: Mint, signing_key: JWK
) -> None:
    """No txn_token option: no key is added and a Txn-Token header is not looked at."""
    app = WsgiMiddleware(_wsgi_app, verifier)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://svc") as http:
        headers = {"Authorization": f"Bearer {mint()}", "Txn-Token": "garbage"}
        assert http.get("/x", headers=headers).text == repr(["unset"])
