"""Running the independent npm implementations in tests/interop/node (one package.json, one
lock, one ``npm ci`` in ``.ci/run``): each interop test sends its tasks as JSON on stdin to a
script there and reads the results on stdout. Without node or ``npm ci`` the tests skip
locally with the reason and fail when ``CI`` is set, so CI cannot quietly stop testing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"


def node_or_skip(node_dir: Path, package: str, what: str) -> str:
    """The node executable, once ``package`` is installed in ``node_dir``'s node_modules."""
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not installed"
    elif not (node_dir / "node_modules" / package).is_dir():
        missing = f"run `npm ci` in {node_dir}"
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{what} must run in CI: {missing}")
        pytest.skip(missing)
    assert node is not None
    return node


def run_script(node: str, script: str, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The results ``script`` (in tests/interop/node) prints for ``tasks``, one per task."""
    out = subprocess.run(
        [node, script],
        cwd=NODE_DIR,
        input=json.dumps(tasks),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    results: list[dict[str, Any]] = json.loads(out.stdout)
    return results
