"""DPoP at the token endpoint behind API Gateway (REST 1.0, HTTP API 2.0) through the
Lambda bridge: the proof's htu is the issuer URL + path whatever the event's host or
stage, and the nonce challenge keeps its 400 and DPoP-Nonce header (RFC 9449 §5, §8)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_helpers import ISSUER, PASSWORD
from service_stack import Stack, make_stack
from test_lambda import V1, V2, _load, request

from gatehouse.jose import JWK, decode_unverified
from gatehouse.jose.dpop_make import make_proof
from gatehouse.service.lambda_bridge import LambdaBridge

LOGIN = json.dumps({"username": "alice", "password": PASSWORD})


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    built = make_stack(tmp_path, GATEHOUSE_DPOP_REQUIRE_NONCE="true")
    try:
        yield built
    finally:
        built.stores.close()


@pytest.mark.parametrize("name", [V1, V2])
def test_lambda_login_nonce_challenge_then_bound_tokens(
    shared_dir: Path, stack: Stack, name: str
) -> None:
    """Under Lambda a proof without a nonce is 400 use_dpop_nonce with DPoP-Nonce; the retry
    gets token_type DPoP and cnf.jkt of the key."""
    bridge = LambdaBridge(stack.app)  # type: ignore[arg-type]
    try:
        event = _load(shared_dir, name)
        key = JWK.generate("ES256")
        now = stack.clock.time()
        proof = make_proof(key, method="POST", url=ISSUER + "/login", now=now)
        headers = {"Content-Type": "application/json", "DPoP": proof}
        first = bridge(request(event, "POST", "/login", LOGIN, headers), None)
        assert first["statusCode"] == 400, first["body"]
        assert json.loads(first["body"])["error"] == "use_dpop_nonce"
        nonce = {k.lower(): v for k, v in first["headers"].items()}["dpop-nonce"]
        retry = make_proof(key, method="POST", url=ISSUER + "/login", now=now, nonce=nonce)
        headers["DPoP"] = retry
        second = bridge(request(event, "POST", "/login", LOGIN, headers), None)
        assert second["statusCode"] == 200, second["body"]
        body = json.loads(second["body"])
        assert body["token_type"] == "DPoP"
        assert decode_unverified(body["access_token"])[1]["cnf"] == {"jkt": key.thumbprint()}
    finally:
        bridge.close()
