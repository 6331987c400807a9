"""``gatehouse.client`` stands alone: importable with httpx and the JOSE core only."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "gatehouse.issuer",
    "gatehouse.storage",
    "gatehouse.service",
    "gatehouse.gateway",
    "gatehouse.cli",
    "gatehouse.adapters",
    "starlette",
    "uvicorn",
    "argon2",
    "psycopg",
    "redis",
    "sqlite3",
)  # not click: httpx itself imports it when installed (its command line)


def test_importing_the_client_loads_no_issuer_or_server_code() -> None:
    """A fresh interpreter's ``import gatehouse.client`` loads none of the issuer, storage,
    server, CLI or their drivers (the ``[client]`` extra is enough)."""
    code = (
        "import sys, gatehouse.client\n"
        f"print([m for m in {HEAVY!r} if any(n == m or n.startswith(m + '.') "
        "for n in sys.modules)])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
