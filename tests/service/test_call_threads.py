"""A token-service call under a server runs on the process's call threads, off the loop.

``ServiceContext.call`` hands a blocking call (a refresh's rotation, introspection, the
JWKS) to ``CALL_THREADS`` threads named ``gatehouse-call`` through asyncio's executor, so
the event loop keeps serving while the database answers. The audit event a refresh
writes carries the name of the thread that wrote it: read there, through uvicorn.
"""

from __future__ import annotations

import logging

import httpx
import pytest
from service_helpers import login

from gatehouse.issuer.audit import AUDIT_LOGGER


def test_a_refresh_runs_on_a_call_thread(
    http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    first = login(http)
    with caplog.at_level(logging.INFO, logger=AUDIT_LOGGER):
        response = http.post(
            "/token", data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
        )
    assert response.status_code == 200
    (event,) = [r for r in caplog.records if r.name == AUDIT_LOGGER and "refresh" in r.getMessage()]
    assert event.threadName.startswith("gatehouse-call"), event.threadName
