"""DPoP on every flow over real HTTP (RFC 9449): bound tokens from the token endpoint,
nonce challenges answered once at the token endpoint (§8) and at the API (§9)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from client_stack import API, ISSUER, PASSWORD, Served, serve

from gatehouse.client import ClientCredentials, DPoPKey, UserSession
from gatehouse.jose import JWK, decode_unverified


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """Nonces required at the token endpoint and at a DPoP API."""
    with serve(
        tmp_path, api_dpop=True, api_nonces=True, GATEHOUSE_DPOP_REQUIRE_NONCE="true"
    ) as running:
        yield running


def _cnf(token: str) -> object:
    return decode_unverified(token)[1].get("cnf")


def test_client_credentials_bound_with_nonce_retries(served: Served) -> None:
    """The token request is retried once with the issuer's nonce and the token is bound to
    the key; the API's nonce challenge is answered once, later calls carry its nonce."""
    key = DPoPKey(clock=served.clock)
    flow = ClientCredentials(
        ISSUER + "/token",
        served.client_id,
        served.client_secret,
        audience=API,
        dpop=key,
        clock=served.clock,
        http=served.http(),
    )
    with httpx.Client(base_url=served.api_url, auth=flow) as api:
        first = api.get("/whoami")
        second = api.get("/whoami")
    assert first.status_code == 200, first.text
    assert [r.status_code for r in first.history] == [401]
    assert second.status_code == 200
    assert second.history == []
    assert flow.token().token_type == "DPoP"
    assert _cnf(flow.token().access_token) == {"jkt": key.thumbprint}
    assert len(served.token_requests) == 2  # the refused proof, then the one with the nonce
    assert "DPoP-Nonce" not in str(served.token_requests[0].headers.get("dpop"))


def test_user_session_login_refresh_and_calls_bound(served: Served) -> None:
    """Login and refresh both carry proofs (the refresh family is bound, §5) and the
    refreshed token stays bound to the same key."""
    key = DPoPKey(JWK.generate("EdDSA"), clock=served.clock)
    session = UserSession(ISSUER, dpop=key, clock=served.clock, http=served.http())
    pair = session.login("alice", PASSWORD)
    assert pair.token_type == "DPoP"
    served.clock.advance(pair.expires_in)
    served.api_clock.advance(pair.expires_in)
    with httpx.Client(base_url=served.api_url, auth=session) as api:
        answer = api.get("/whoami")
    assert answer.status_code == 200, answer.text
    refreshed = session.token()
    assert refreshed.access_token != pair.access_token
    assert _cnf(refreshed.access_token) == {"jkt": key.thumbprint}
    # each first try is refused for its nonce: at login none is known yet, and by the
    # refresh the login answer's nonce has lapsed (its slot is shorter than the token's life)
    assert [r.url.path for r in served.token_requests] == ["/login", "/login", "/token", "/token"]


def test_async_flow_with_dpop(served: Served) -> None:
    """The async flow signs proofs and answers both nonce challenges too."""

    async def go() -> list[int]:
        async with served.async_http() as http:
            flow = ClientCredentials(
                ISSUER + "/token",
                served.client_id,
                served.client_secret,
                audience=API,
                dpop=DPoPKey(clock=served.clock),
                clock=served.clock,
                async_http=http,
            )
            async with httpx.AsyncClient(base_url=served.api_url, auth=flow) as api:
                first = await api.get("/whoami")
                rest = await asyncio.gather(*(api.get("/whoami") for _ in range(3)))
        return [first.status_code, *(r.status_code for r in rest)]

    assert asyncio.run(go()) == [200] * 4


def test_dpop_key_repr_shows_only_the_thumbprint() -> None:
    """A DPoPKey's repr names its thumbprint, never private key material."""
    jwk = JWK.generate("ES256")
    key = DPoPKey(jwk)
    assert repr(key) == f"DPoPKey(thumbprint={jwk.thumbprint()!r})"
    assert jwk.to_dict(private=True)["d"] not in repr(key)
