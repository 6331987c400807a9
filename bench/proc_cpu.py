"""CPU seconds of a process tree from Linux ``/proc``, for the HTTP benchmarks' ``ms/req``.

What a request costs in CPU moves far less on a shared machine than requests/s do, so
``bench/peer_simplejwt.py`` reads it around each load run: the server's processes (every
thread), plus whatever database backends the caller adds.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cpu_seconds", "process_tree"]

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int | str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return text.rpartition(")")[2].split()  # after "pid (comm)": state, ppid, ...


def process_tree(root: int) -> set[int]:
    """``root`` and every process under it (a server's workers, their children)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(entry)) is not None:
            parents[int(entry)] = int(fields[1])
    tree, grown = {root}, True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    return tree


def cpu_seconds(pids: set[int]) -> float:
    """User plus system time of ``pids`` (every thread), in seconds."""
    fields = [f for f in map(_stat, pids) if f is not None]
    return sum(int(f[11]) + int(f[12]) for f in fields) / TICKS
