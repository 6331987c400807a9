"""Transaction Tokens over real HTTP (draft-ietf-oauth-transaction-tokens, editor's copy
after -08): issuance at /token, replacement that narrows and never widens, refusals, and
the verifier profile inside and outside the Trust Domain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server import run_asgi_in_thread
from service_helpers import API, FORM, ISSUER, PASSWORD, assert_oauth_error, basic
from service_stack import Stack, make_stack
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gatehouse import RemoteJWKS, Verifier
from gatehouse.errors import (
    InvalidAudienceError,
    InvalidTypeError,
    MalformedTokenError,
    TokenError,
)
from gatehouse.jose import decode_unverified
from gatehouse.txn_verify import TXN_TOKEN_HEADER, txn_token_from_headers, txn_token_verifier

DOMAIN = "shop.internal"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"
TXN = "urn:ietf:params:oauth:token-type:txn_token"
UNSIGNED = "urn:ietf:params:oauth:token-type:unsigned_json"


class Tts:
    """The token service as a TTS, an HTTP client to it and the workloads' secrets."""

    def __init__(self, stack: Stack, http: httpx.Client, url: str) -> None:
        self.stack, self.http, self.url = stack, http, url
        self.secrets: dict[str, str] = {}
        for name, scopes in (("orders-service", ["read", "write"]), ("profile-service", ["read"])):
            made = stack.service.register_client(
                name, allowed_audiences=[DOMAIN], allowed_scopes=scopes, grant_types=[EXCHANGE]
            )
            assert made.client_secret is not None
            self.secrets[name] = made.client_secret

    def user_token(self, scope: str = "read write") -> dict[str, Any]:
        body = {"username": "alice", "password": PASSWORD, "scope": scope}
        answer = self.http.post("/login", json=body)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def request(
        self, client: str, subject: str, subject_type: str = ACCESS, **form: Any
    ) -> httpx.Response:
        body = {
            "grant_type": EXCHANGE,
            "requested_token_type": TXN,
            "audience": DOMAIN,
            "scope": "read",
            "subject_token": subject,
            "subject_token_type": subject_type,
            **{k: json.dumps(v) if isinstance(v, dict) else v for k, v in form.items()},
        }
        headers = {**FORM, **basic(client, self.secrets[client])}
        return self.http.post("/token", data=body, headers=headers)

    def verifier(self, domain: str = DOMAIN) -> Verifier:
        return txn_token_verifier(
            trust_domain=domain,
            issuer=ISSUER,
            keys=RemoteJWKS(f"{self.url}/.well-known/jwks.json", clock=self.stack.clock),
            algorithms=["ES256"],
            clock=self.stack.clock,
        )


@pytest.fixture
def tts(tmp_path: Path) -> Iterator[Tts]:
    """The token service with Trust Domain shop.internal and two workloads."""
    stack = make_stack(tmp_path, GATEHOUSE_ISSUER_TXN_TRUST_DOMAIN=DOMAIN)
    try:
        with run_asgi_in_thread(stack.app) as url, httpx.Client(base_url=url, timeout=10) as c:
            yield Tts(stack, c, url)
    finally:
        stack.stores.close()


def _issued(answer: httpx.Response) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    header, claims = decode_unverified(body["access_token"])
    return body, header, claims


def test_txn_token_from_a_users_access_token(tts: Tts) -> None:
    """typ txntoken+jwt; txn, sub, aud = Trust Domain, iat, exp (minutes), scope, tctx,
    rctx, req_wl; token_type N_A, issued_token_type txn_token, no refresh token."""
    user = tts.user_token()
    body, header, claims = _issued(
        tts.request(
            "orders-service",
            user["access_token"],
            request_context={"req_ip": "198.51.100.7", "authn": "pwd"},
            request_details={"order": "42", "action": "cancel"},
        )
    )
    assert body["token_type"] == "N_A"
    assert body["issued_token_type"] == TXN
    assert "refresh_token" not in body
    assert header["typ"] == "txntoken+jwt"
    assert claims["aud"] == DOMAIN
    assert claims["sub"] == decode_unverified(user["access_token"])[1]["sub"]
    assert claims["scope"] == "read"
    assert claims["req_wl"] == "orders-service"
    assert claims["tctx"] == {"order": "42", "action": "cancel"}
    assert claims["rctx"] == {"req_ip": "198.51.100.7", "authn": "pwd"}
    assert isinstance(claims["txn"], str)
    assert len(claims["txn"]) >= 16
    assert 0 < claims["exp"] - claims["iat"] <= 300
    assert tts.verifier().verify(body["access_token"])["txn"] == claims["txn"]


def test_replacement_narrows_keeps_txn_and_extends_the_chain(tts: Tts) -> None:
    """profile-service replaces the token: same txn, sub, aud, rctx; tctx may grow; req_wl
    lists both workloads."""
    user = tts.user_token()
    _, _, first_claims = _issued(
        tts.request(
            "orders-service",
            user["access_token"],
            scope="read write",
            request_context={"req_ip": "198.51.100.7"},
            request_details={"order": "42"},
        )
    )
    original = tts.request(
        "orders-service",
        user["access_token"],
        scope="read write",
        request_details={"order": "42"},
    ).json()["access_token"]
    _, _, claims = _issued(
        tts.request(
            "profile-service", original, TXN, scope="read", request_details={"fields": "email"}
        )
    )
    source = decode_unverified(original)[1]
    assert (claims["txn"], claims["sub"], claims["aud"]) == (
        source["txn"],
        source["sub"],
        DOMAIN,
    )
    assert claims["scope"] == "read"
    assert claims["tctx"] == {"order": "42", "fields": "email"}
    assert claims["req_wl"] == "orders-service,profile-service"
    assert first_claims["txn"] != source["txn"]  # each request starts its own transaction


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"scope": "read write"}, "invalid_scope"),
        ({"request_details": {"order": "43"}}, "invalid_request"),
    ],
)
def test_replacement_never_widens(tts: Tts, form: dict[str, Any], error: str) -> None:
    """A replacement asking for more scope, or changing a tctx value, is refused."""
    user = tts.user_token()
    original = tts.request(
        "orders-service", user["access_token"], request_details={"order": "42"}
    ).json()["access_token"]
    answer = tts.request("orders-service", original, TXN, **form)
    assert_oauth_error(answer, 400, error)


def test_expired_txn_token_is_not_replaced(tts: Tts) -> None:
    """Past its exp a Txn-Token cannot be replaced (invalid_request)."""
    original = tts.request("orders-service", tts.user_token()["access_token"]).json()
    tts.stack.clock.advance(original["expires_in"] + 1)
    answer = tts.request("profile-service", original["access_token"], TXN)
    assert_oauth_error(answer, 400, "invalid_request")


def test_revoked_subject_token_gets_no_txn_token(tts: Tts) -> None:
    """After logout the user's access token yields no Txn-Token."""
    user = tts.user_token()
    tts.http.post("/logout", json={"refresh_token": user["refresh_token"]})
    assert_oauth_error(tts.request("orders-service", user["access_token"]), 400, "invalid_request")


def test_internally_initiated_with_an_unsigned_subject(tts: Tts) -> None:
    """A workload starting a transaction names the sub in an unsigned JSON object; its
    scope is bounded by the client's allowed scopes."""
    subject = json.dumps({"sub": "nightly-report"})
    _, _, claims = _issued(tts.request("profile-service", subject, UNSIGNED))
    assert claims["sub"] == "nightly-report"
    wider = tts.request("profile-service", subject, UNSIGNED, scope="write")
    assert_oauth_error(wider, 400, "invalid_scope")


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"audience": "other.internal"}, 400, "invalid_target"),
        ({"audience": API}, 400, "invalid_target"),
        ({"scope": ""}, 400, "invalid_request"),
        ({"request_context": "[1, 2]"}, 400, "invalid_request"),
        ({"request_details": "{not json"}, 400, "invalid_request"),
        ({"request_details": json.dumps({"x": "y" * 5000})}, 400, "invalid_request"),
        ({"request_context": "[" * 4000}, 400, "invalid_request"),
    ],
)
def test_bad_txn_requests_are_refused(
    tts: Tts, form: dict[str, Any], status: int, error: str
) -> None:
    """Another audience, no scope or a malformed context is refused with its RFC code."""
    answer = tts.request("orders-service", tts.user_token()["access_token"], **form)
    assert_oauth_error(answer, status, error)


def test_no_txn_tokens_without_a_trust_domain(tmp_path: Path) -> None:
    """With [issuer] txn_trust_domain unset the request is invalid_request."""
    stack = make_stack(tmp_path)
    try:
        with run_asgi_in_thread(stack.app) as url, httpx.Client(base_url=url, timeout=10) as c:
            tts = Tts(stack, c, url)
            answer = tts.request("orders-service", tts.user_token()["access_token"])
            assert_oauth_error(answer, 400, "invalid_request")
    finally:
        stack.stores.close()


def test_token_types_do_not_cross(tts: Tts) -> None:
    """A Txn-Token is no access token and an access token no Txn-Token (explicit typ)."""
    user = tts.user_token()
    txn = tts.request("orders-service", user["access_token"]).json()["access_token"]
    with pytest.raises(TokenError):  # no txn/req_wl, and typ at+jwt
        tts.verifier().verify(user["access_token"])
    access = Verifier(
        issuer=ISSUER,
        audience=[API, DOMAIN],
        keys=RemoteJWKS(f"{tts.url}/.well-known/jwks.json", clock=tts.stack.clock),
        algorithms=["ES256"],
        clock=tts.stack.clock,
    )
    with pytest.raises(InvalidTypeError):
        access.verify(txn)


def _workload(verifier: Verifier) -> Starlette:
    """A service that demands a Txn-Token for its own Trust Domain in the header."""

    def handle(request: Request) -> JSONResponse:
        try:
            received = txn_token_from_headers(request.headers.getlist(TXN_TOKEN_HEADER))
            claims = verifier.verify(received)
        except TokenError as exc:
            return JSONResponse({"error": exc.error, "code": exc.code}, status_code=401)
        return JSONResponse({"sub": claims.subject, "txn": claims["txn"]})

    return Starlette(routes=[Route("/", handle)])


def test_txn_token_outside_its_trust_domain_is_refused(tts: Tts) -> None:
    """Over HTTP: a workload of shop.internal accepts the token; one of bank.internal
    answers 401 invalid_audience for the same header."""
    txn = tts.request("orders-service", tts.user_token()["access_token"]).json()["access_token"]
    with (
        run_asgi_in_thread(_workload(tts.verifier())) as inside,
        run_asgi_in_thread(_workload(tts.verifier("bank.internal"))) as outside,
    ):
        good = httpx.get(inside, headers={TXN_TOKEN_HEADER: txn})
        bad = httpx.get(outside, headers={TXN_TOKEN_HEADER: txn})
    assert good.status_code == 200
    assert good.json()["txn"] == decode_unverified(txn)[1]["txn"]
    assert bad.status_code == 401
    assert bad.json()["code"] == InvalidAudienceError.code


@pytest.mark.parametrize(
    "values",
    [[], ["a.b.c", "a.b.c"], ["a.b.c, d.e.f"], [""], ["x" * 20_000]],
    ids=["none", "repeated", "list", "empty", "huge"],
)
def test_the_header_holds_exactly_one_token(values: list[str]) -> None:
    """No header, two, a comma list, an empty or an oversized value: MalformedTokenError."""
    with pytest.raises(MalformedTokenError):
        txn_token_from_headers(values)


def test_a_missing_header_is_401_at_the_workload(tts: Tts) -> None:
    """Over HTTP: no Txn-Token header, or two of them, is 401 malformed."""
    with run_asgi_in_thread(_workload(tts.verifier())) as inside:
        none = httpx.get(inside)
        two = httpx.get(inside, headers=[(TXN_TOKEN_HEADER, "a.b.c"), (TXN_TOKEN_HEADER, "d.e.f")])
    assert (none.status_code, none.json()["code"]) == (401, "malformed")
    assert (two.status_code, two.json()["code"]) == (401, "malformed")
