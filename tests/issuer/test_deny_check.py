"""A resource server honouring logout at once through the issuer's deny-list.

The issuer writes the deny-list into its store (SQLite, PostgreSQL, or Redis beside
either); a Lambda function guarded by ``require_token`` reads the same store through
``DenyListCheck`` and refuses the logged-out session's still-unexpired token.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from issuer_helpers import make_config, open_store, verifier_for

from backend_servers import redis_backend
from gatehouse import Claims, ManualClock
from gatehouse.adapters.aws_lambda import require_token
from gatehouse.issuer import KeyEncryptionKey, TokenService
from gatehouse.storage.deny_check import DenyListCheck
from gatehouse.storage.ports import Stores


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("sqlite+redis", marks=pytest.mark.redis),
    ]
)
def deny_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    with ExitStack() as stack:
        main = stack.enter_context(open_store(request.param.split("+")[0], tmp_path))
        if request.param.endswith("+redis"):
            counters = stack.enter_context(redis_backend(request))
            yield Stores.single(main, deny_list=counters, throttle=counters)
        else:
            yield Stores.single(main)


def _event(token: str) -> dict[str, Any]:
    """An API Gateway HTTP API (v2) request carrying the token."""
    return {
        "version": "2.0",
        "routeKey": "GET /orders",
        "rawPath": "/orders",
        "rawQueryString": "",
        "headers": {"authorization": f"Bearer {token}"},
        "requestContext": {"http": {"method": "GET", "path": "/orders"}},
        "isBase64Encoded": False,
    }


def test_logout_cuts_off_the_sessions_access_token(deny_stores: Stores) -> None:
    """Before logout the function answers 200; after it, 401 with error=invalid_token."""
    clock = ManualClock(wall=1_700_000_000.0)
    service = TokenService(make_config(), deny_stores, KeyEncryptionKey.generate(), clock=clock)
    service.bootstrap()
    service.create_account("alice", "pw")
    pair = service.login("alice", "pw")

    def orders(event: dict[str, Any], context: Any, *, claims: Claims) -> dict[str, Any]:
        return {"statusCode": 200, "body": json.dumps({"sub": claims.subject})}

    handler = require_token(
        verifier_for(service, clock), deny_list=DenyListCheck(deny_stores.deny_list, clock=clock)
    )(orders)
    assert handler(_event(pair.access_token), None)["statusCode"] == 200
    service.logout(refresh_token=pair.refresh_token)
    refused = handler(_event(pair.access_token), None)
    assert refused["statusCode"] == 401
    assert "invalid_token" in refused["headers"]["WWW-Authenticate"]
    other = service.login("alice", "pw")  # a new session is not affected
    assert handler(_event(other.access_token), None)["statusCode"] == 200


def test_tokens_without_jti_or_sid_are_not_looked_up(tmp_path: Path) -> None:
    """Nothing to match: the check answers False without asking the store."""

    class Exploding:
        def is_denied(self, **_: Any) -> bool:
            raise AssertionError("the store must not be asked")

    claims = Claims({"sub": "svc"})
    assert DenyListCheck(Exploding()).is_denied(claims) is False  # type: ignore[arg-type]
