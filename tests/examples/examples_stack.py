"""A project from `gatehouse init`, its token service under uvicorn, and fresh example modules.

The token service is the real one (composition root, SQLite store in tmp_path) served on a
free 127.0.0.1 port; the examples are imported after their environment points at it, the
way `gatehouse dev` or a Lambda runtime would start them.
"""

from __future__ import annotations

import copy
import importlib
import json
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import uvicorn
from click.testing import CliRunner

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


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """``app`` under uvicorn on a port the OS picked; the base URL while it runs."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    started = threading.Event()
    try:
        for _ in range(2000):  # bounded wait on the started flag (at most 10 s)
            if server.started or not thread.is_alive():
                break
            started.wait(0.005)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def load_event(name: str) -> dict[str, Any]:
    """A recorded event from ../shared/events (missing: fails under CI, skips locally)."""
    event: dict[str, Any] = json.loads(shared_path("events", name).read_text())
    return copy.deepcopy(event)


def fresh_import(name: str) -> ModuleType:
    """Import an example module anew, so it reads the current environment."""
    for loaded in [m for m in sys.modules if m == "examples" or m.startswith("examples.")]:
        del sys.modules[loaded]
    return importlib.import_module(name)
