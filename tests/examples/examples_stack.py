"""A project from `gatehouse init`, its token service under uvicorn, and fresh example modules.

The token service is the real one (composition root, SQLite store in tmp_path) served on a
free 127.0.0.1 port; the examples are imported after their environment points at it, the
way `gatehouse dev` or a Lambda runtime would start them.
"""

from __future__ import annotations

import copy
import importlib
import json
import sys
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from click.testing import CliRunner

from asgi_server import run_asgi_in_thread
from gatehouse.cli.main import cli
from gatehouse.cli.state import CliOverrides
from gatehouse.issuer import FAST_TEST_PROFILE
from shared_material import shared_path

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
FAST = CliOverrides(password_profile=FAST_TEST_PROFILE)


@dataclass
class Stack:
    """The project folder, the token service's URL, and the service itself (same store)."""

    root: Path
    url: str
    service: Any


def gatehouse(*args: str, input: str | None = None) -> str:
    """Run the CLI in-process; fail the test with its one-line error if it fails."""
    result = CliRunner().invoke(cli, list(args), input=input, obj=FAST, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def serve(app: Any) -> AbstractContextManager[str]:
    """``app`` under uvicorn on a port the OS picked; the base URL while it runs."""
    return run_asgi_in_thread(app, lifespan="on")


def load_event(name: str) -> dict[str, Any]:
    """A recorded event from ../shared/events (missing: fails under CI, skips locally)."""
    event: dict[str, Any] = json.loads(shared_path("events", name).read_text())
    return copy.deepcopy(event)


def fresh_import(name: str) -> ModuleType:
    """Import an example module anew, so it reads the current environment."""
    for loaded in [m for m in sys.modules if m == "examples" or m.startswith("examples.")]:
        del sys.modules[loaded]
    return importlib.import_module(name)
