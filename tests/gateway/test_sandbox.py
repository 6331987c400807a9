"""One function's workers: warm reuse, a dropped worker replaced, its slot given back."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from gatehouse.errors import ConfigurationError
from gatehouse.gateway.sandbox import FunctionError, FunctionRuntime

HANDLER = """
import os

def handler(event, context):
    if event.get("exit"):
        os._exit(7)
    if event.get("raise"):
        raise ValueError("told to")
    return {"pid": os.getpid(), "remaining": context.get_remaining_time_in_millis(),
            "name": context.function_name, "request": context.aws_request_id}
"""


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[FunctionRuntime]:
    """A started runtime over a tiny handler module in a temporary project."""
    (tmp_path / "sbx.py").write_text(HANDLER)
    found = FunctionRuntime(
        "sbx", "sbx.handler", timeout=5.0, memory=256, project=str(tmp_path), environ=os.environ
    )
    found.start()
    yield found
    found.close()


def _call(runtime: FunctionRuntime, **event: object) -> dict[str, object]:
    result, size = runtime.invoke(json.dumps(event).encode(), "req-1")
    assert size == len(json.dumps(result))
    assert isinstance(result, dict)
    return result


def test_warm_worker_and_lambda_context(runtime: FunctionRuntime) -> None:
    """Two calls, one worker; the context names the function, the request and the time left."""
    first, second = _call(runtime), _call(runtime)
    assert first["pid"] == second["pid"]
    assert (first["name"], first["request"]) == ("sbx", "req-1")
    assert 0 < int(str(first["remaining"])) <= 5000
    assert runtime.workers == 1


def test_a_dead_worker_is_replaced(runtime: FunctionRuntime) -> None:
    """A worker that exits fails its invocation (crash), frees its slot; the next is fresh."""
    before = _call(runtime)["pid"]
    with pytest.raises(FunctionError) as failed:
        _call(runtime, exit=True)
    assert (failed.value.kind, str(failed.value)) == (
        "crash",
        "Runtime exited with error: exit status 7",
    )
    assert runtime.workers == 0
    assert _call(runtime)["pid"] != before


def test_an_exception_keeps_the_worker(runtime: FunctionRuntime) -> None:
    """A handler that raises fails its invocation with its message; the worker stays warm."""
    before = _call(runtime)["pid"]
    with pytest.raises(FunctionError, match="told to") as failed:
        _call(runtime, **{"raise": True})
    assert failed.value.kind == "error"
    assert "ValueError: told to" in failed.value.detail
    assert _call(runtime)["pid"] == before


def test_a_handler_that_does_not_import_stops_start(tmp_path: Path) -> None:
    """start() names the function and the path; no worker is left behind."""
    broken = FunctionRuntime(
        "nope", "missing.handler", timeout=1.0, memory=256, project=str(tmp_path), environ={}
    )
    with pytest.raises(ConfigurationError, match=r"nope: handler 'missing\.handler' does not"):
        broken.start()
    assert broken.workers == 0
