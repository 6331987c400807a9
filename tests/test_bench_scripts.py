"""Every benchmark script answers ``--help``; the ones that write to PostgreSQL or Redis
take a schema or key prefix (issue 15 §5).

A script is a file in ``bench/`` with a ``__main__`` block; the helper modules beside them
(``harness``, ``proc_cpu``, ``service_floor``) are not. ``--help`` is run for real, in a
fresh interpreter, so a script that fails to import fails here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if '__name__ == "__main__"' in p.read_text())
# Names whose presence in a script's text means it talks to one of the two servers.
WRITES = ("psycopg", "PostgresStore", "postgresql://", "redis://", "RedisReplayCache")
PREFIX_OPTIONS = ("--schema", "--redis-prefix")


def test_the_scripts_are_found() -> None:
    assert len(SCRIPTS) >= 15
    assert BENCH / "harness.py" not in SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_script_answers_help(script: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
    if any(name in script.read_text() for name in WRITES):
        assert any(option in done.stdout for option in PREFIX_OPTIONS), (
            f"{script.name} writes to PostgreSQL or Redis but takes no schema / key prefix"
        )
