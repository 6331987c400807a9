"""The token service tests' name for the one uvicorn start helper (tests/asgi_server.py)."""

from __future__ import annotations

from asgi_server import run_asgi_in_thread

__all__ = ["run_asgi_in_thread"]
