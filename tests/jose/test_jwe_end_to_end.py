"""Encrypted access tokens over real HTTP: a client credentials token for an encrypted
audience is a nested JWT that only that audience's Verifier reads.

The resource server "payments" publishes its encryption public key as a JWKS (``use:
enc``); the token service is configured with it per audience (from a file here, from
the resource server's URL in the second test) and mints nested JWTs for payments, plain
JWS for every other audience. Both services run on loopback sockets.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from asgi_server import run_asgi_in_thread
from gatehouse import JWKS, ManualClock, RemoteJWKS, Verifier
from gatehouse.adapters.asgi import BearerAuthMiddleware
from gatehouse.errors import DecryptionError, MalformedTokenError
from gatehouse.issuer import FAST_TEST_PROFILE, IssuerConfig, KeyEncryptionKey, TokenService
from gatehouse.issuer.encryption import AudienceEncryption, RecipientKeys
from gatehouse.jose.jwe_jwk import EncryptionKey
from gatehouse.keys.base import KeySource
from gatehouse.keys.decryption import Decryption
from gatehouse.keys.decryption_keys import DecryptionKeys
from gatehouse.service.app import create_app
from gatehouse.storage.memory import MemoryStore
from gatehouse.storage.ports import Stores

ISSUER = "https://issuer.example"
API = "https://api.example"
PAYMENTS = "https://payments.example"


def _token_service(encryption: AudienceEncryption, clock: ManualClock) -> TokenService:
    config = IssuerConfig(
        issuer=ISSUER,
        default_audience=API,
        audiences=frozenset({API, PAYMENTS}),
        password_profile=FAST_TEST_PROFILE,
        encryption={PAYMENTS: encryption},
    )
    service = TokenService(
        config, Stores.single(MemoryStore()), KeyEncryptionKey.generate(), clock=clock
    )
    service.bootstrap()
    return service


def _verifier(keys: KeySource, clock: ManualClock, decryption: Decryption | None) -> Verifier:
    return Verifier(
        issuer=ISSUER,
        audience=PAYMENTS,
        keys=keys,
        algorithms=["ES256"],
        clock=clock,
        decryption=decryption,
    )


def _payments_app(verifier: Verifier, public_jwks: dict[str, Any]) -> Any:
    async def pay(request: Request) -> JSONResponse:
        return JSONResponse({"caller": request.auth.client_id})

    async def enc_jwks(request: Request) -> JSONResponse:
        return JSONResponse(public_jwks)

    inner = Starlette(routes=[Route("/pay", pay, methods=["POST"])])
    protected = BearerAuthMiddleware(inner, verifier, scopes=["pay"])

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/.well-known/enc-jwks.json":
            await Starlette(routes=[Route(scope["path"], enc_jwks)])(scope, receive, send)
        else:
            await protected(scope, receive, send)

    return app


def _client_token(http: httpx.Client, auth_url: str, client: tuple[str, str], audience: str) -> str:
    response = http.post(
        f"{auth_url}/token",
        data={"grant_type": "client_credentials", "scope": "pay", "audience": audience},
        auth=client,
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def test_client_credentials_token_is_a_jwe_only_payments_reads(tmp_path: Path) -> None:
    """Over HTTP: payments' token is a JWE only its Verifier reads; API's stays a JWS."""
    clock = ManualClock(wall=1_700_000_000.0)
    payments_keys = DecryptionKeys([EncryptionKey.generate("ECDH-ES+A256KW", kid="pay-1")])
    jwks_file = tmp_path / "payments-enc.jwks.json"
    jwks_file.write_text(json.dumps(payments_keys.public_jwks()))
    service = _token_service(AudienceEncryption(RecipientKeys.from_file(str(jwks_file))), clock)
    registered = service.register_client(
        "billing", allowed_audiences=[API, PAYMENTS], allowed_scopes=["pay"]
    )
    assert registered.client_secret is not None
    client = (registered.client.client_id, registered.client_secret)
    app = create_app(service, ping=lambda: None)
    with run_asgi_in_thread(app) as auth_url:
        jwks = RemoteJWKS(f"{auth_url}/.well-known/jwks.json", clock=clock)
        payments = _verifier(jwks, clock, Decryption(payments_keys, required=True))
        with (
            run_asgi_in_thread(_payments_app(payments, payments_keys.public_jwks())) as pay_url,
            httpx.Client(timeout=10) as http,
        ):
            token = _client_token(http, auth_url, client, PAYMENTS)
            assert token.count(".") == 4  # a JWE: header, key, IV, ciphertext, tag
            paid = http.post(f"{pay_url}/pay", headers={"Authorization": f"Bearer {token}"})
            assert paid.status_code == 200
            assert paid.json() == {"caller": "billing"}

            plain = _client_token(http, auth_url, client, API)
            assert plain.count(".") == 2  # audiences without a key get plain JWS
            refused = http.post(f"{pay_url}/pay", headers={"Authorization": f"Bearer {plain}"})
            assert refused.status_code == 401  # payments requires encryption

            # Another key under the same kid, or no decryption key at all: unreadable.
            other_keys = DecryptionKeys([EncryptionKey.generate("ECDH-ES+A256KW", kid="pay-1")])
            with pytest.raises(DecryptionError):
                _verifier(jwks, clock, Decryption(other_keys)).verify(token)
            with pytest.raises(MalformedTokenError):
                _verifier(jwks, clock, None).verify(token)


def test_token_service_reads_the_audience_jwks_from_its_url() -> None:
    """The audience's encryption JWKS comes from the resource server's URL, over HTTP."""
    clock = ManualClock(wall=1_700_000_000.0)
    payments_keys = DecryptionKeys([EncryptionKey.generate("ECDH-ES", crv="X25519", kid="x")])

    async def enc_jwks(request: Request) -> JSONResponse:
        return JSONResponse(payments_keys.public_jwks())

    with run_asgi_in_thread(Starlette(routes=[Route("/enc-jwks.json", enc_jwks)])) as pay_url:
        recipients = RecipientKeys(url=f"{pay_url}/enc-jwks.json", clock=clock, max_age=60)
        service = _token_service(AudienceEncryption(recipients, alg="ECDH-ES"), clock)
        registered = service.register_client(
            "billing", allowed_audiences=[PAYMENTS], allowed_scopes=["pay"]
        )
        assert registered.client_secret is not None
        response = service.client_credentials(
            registered.client.client_id, registered.client_secret, audience=PAYMENTS, scope="pay"
        )
        decryption = Decryption(payments_keys, required=True, algorithms=["ECDH-ES"])
        verifier = _verifier(JWKS.from_dict(service.jwks()), clock, decryption)
        claims = verifier.verify(response.access_token)
        assert claims["client_id"] == "billing"
        assert recipients.current()[0].kid == "x"
