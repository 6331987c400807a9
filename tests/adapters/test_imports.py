"""A Lambda function pays only for the Lambda adapter (tests/test_layering.py holds the rest)."""

from __future__ import annotations

import json
import subprocess
import sys


def _modules_after_import(module: str) -> set[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(result.stdout))


def test_lambda_adapter_loads_nothing_beyond_its_own_modules() -> None:
    """On top of the verifier (``gatehouse.verify``; ``import gatehouse`` itself loads its
    names lazily, PEP 562), aws_lambda adds only its own small modules and the one
    Authorization parser: no asyncio (~70 ms of cold start), no dataclasses/inspect
    (~10 ms), no ASGI or WSGI code."""
    base = _modules_after_import("gatehouse.verify")
    lambda_path = _modules_after_import("gatehouse.adapters.aws_lambda")
    added = lambda_path - base
    assert {m for m in added if not m.startswith("gatehouse.adapters")} <= {
        "gatehouse.authorization"
    }
    assert not added & {"gatehouse.adapters.asgi", "gatehouse.adapters.wsgi"}
    assert not lambda_path & {"asyncio", "dataclasses", "inspect"}


def test_adapters_package_imports_no_adapter() -> None:
    """``import gatehouse.adapters`` alone loads none of its submodules."""
    loaded = _modules_after_import("gatehouse.adapters")
    assert not {m for m in loaded if m.startswith("gatehouse.adapters.")}
