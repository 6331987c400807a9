"""libpq's own trace of a store's one pooled connection: what went over the wire.

Round trips and statements counted here do not move with load on the machine, so the
tests that hold a request to its round trips (issue 15 §4) read them from this trace.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

__all__ = ["round_trips", "wire_trace"]


@contextmanager
def wire_trace(pool: Any) -> Iterator[list[list[str]]]:
    """The trace lines (fields: side ``F``/``B``, length, message, ...) of ``pool``'s
    connection while the block runs; the pool must hold exactly one connection."""
    lines: list[list[str]] = []
    with tempfile.TemporaryFile("w+") as trace:
        with pool.connection() as conn:
            conn.pgconn.trace(trace.fileno())
            conn.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            yield lines
        finally:
            with pool.connection() as conn:
                conn.pgconn.untrace()
            trace.flush()
            os.lseek(trace.fileno(), 0, os.SEEK_SET)
            lines.extend(line.split("\t") for line in trace.read().splitlines())


def round_trips(lines: list[list[str]]) -> tuple[int, int]:
    """(round trips, statements): a round trip is the client waiting for the server,
    i.e. each run of frontend messages followed by a backend one."""
    trips = statements = 0
    previous = ""
    for fields in lines:
        if len(fields) < 3:
            continue
        side, message = fields[0], fields[2].split(" ")[0]
        if side == "B" and previous == "F":
            trips += 1
        if side == "F" and message in ("Execute", "Query"):
            statements += 1
        previous = side
    return trips, statements
