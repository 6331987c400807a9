"""A token-service call under a server runs on the process's call threads, off the loop.

``ServiceContext.call`` hands a blocking call (a refresh's rotation, introspection, the
JWKS) to ``CALL_THREADS`` threads named ``gatehouse-call`` through asyncio's executor, so
the event loop keeps serving while the database answers. The audit event a refresh
writes carries the name of the thread that wrote it: read there, through uvicorn. A
forked child starts without the parent's pool, whose threads it does not have.
"""

from __future__ import annotations

import logging
import os
import warnings

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


def test_a_forked_child_makes_its_own_call_threads() -> None:
    """The parent's pool has threads only in the parent; the child starts without one."""
    from gatehouse.service import context

    context._call_threads().submit(int).result()  # the parent's pool, with a thread
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a threaded process can deadlock the child:
        # this child takes no lock, it reads one global and exits.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: report by exit status only, touching nothing else
        os._exit(0 if context._calls is None else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert context._calls is not None  # the parent keeps its own
