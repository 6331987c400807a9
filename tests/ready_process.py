"""A gatehouse command started as a user starts it (``gatehouse serve``, ``gatehouse dev``): a
real subprocess whose first output line is its ready line, waited on once with a deadline.
No polling, no sleep: the line is the readiness signal, and the rest of the output stays
readable as a log."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

GATEHOUSE = str(Path(sys.executable).parent / "gatehouse")
TIMEOUT = 30.0  # only a broken start waits this long

Lines = queue.Queue[str | None]


@contextmanager
def started(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    stderr: int = subprocess.STDOUT,
) -> Iterator[tuple[str, Lines, subprocess.Popen[str]]]:
    """``gatehouse ARGS`` in ``cwd``; yields its ready line, the lines after it (``None``
    once it exits) and the process, which is stopped with SIGTERM on the way out."""
    process = subprocess.Popen(
        [GATEHOUSE, *args], cwd=cwd, env=env, text=True, stdout=subprocess.PIPE, stderr=stderr
    )
    lines: Lines = queue.Queue()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        first = lines.get(timeout=TIMEOUT)
        assert first is not None, f"gatehouse {' '.join(args)} exited with {process.wait()}"
        yield first, lines, process
    finally:
        process.terminate()  # SIGTERM; nothing once the process has exited
        process.wait(timeout=TIMEOUT)
        reader.join(timeout=TIMEOUT)
        assert process.stdout is not None
        process.stdout.close()
