"""What the HTTP benchmarks share: a free port, a server that answers, throw-away schemas.

Each script used to carry its own copy; they differed only in names. Scripts run from
this folder (``python bench/x.py``), so ``import harness`` finds it.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["free_port", "pg_schemas", "wait_answering"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now, chosen by the kernel."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_answering(
    port: int, path: str, proc: subprocess.Popen[bytes], name: str, timeout: float = 90
) -> None:
    """Return once ``GET path`` gets any answer (a 405 counts: it serves); exit if the
    server process died or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{name} did not start")


@contextmanager
def pg_schemas(url: str, names: list[str]) -> Iterator[None]:
    """PostgreSQL schemas ``names``, created for the block and dropped after it."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE SCHEMA "{name}"'.encode())
    try:
        yield
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'.encode())
