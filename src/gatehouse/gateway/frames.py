"""Length-prefixed frames between the gateway and a function's worker process.

A frame is a 4-byte big-endian length and that many bytes of JSON. Reads take a
deadline, so a handler that never answers is a timeout the gateway sees, not a thread
blocked forever.
"""

from __future__ import annotations

import os
import select
import struct
import time

__all__ = ["MAX_FRAME", "FrameTimeoutError", "read_frame", "write_frame"]

MAX_FRAME = 64 * 1024 * 1024
"""Far above Lambda's 6 MB payloads; a larger length means a corrupted stream."""
_LENGTH = struct.Struct(">I")


class FrameTimeoutError(Exception):
    """The deadline passed before a whole frame arrived."""


def write_frame(fd: int, payload: bytes) -> None:
    """Write one frame; ``BrokenPipeError`` (an ``OSError``) if the reader has gone."""
    view = memoryview(_LENGTH.pack(len(payload)) + payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes | None:
    chunks, missing = [], size
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while missing:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                raise FrameTimeoutError
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            return None  # the other side closed: end of stream
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None) -> bytes | None:
    """One frame's payload; ``None`` at end of stream; ``FrameTimeoutError`` past ``deadline``
    (a ``time.monotonic()`` value); ``ValueError`` for an impossible length."""
    head = _read_exact(fd, _LENGTH.size, deadline)
    if head is None:
        return None
    (size,) = _LENGTH.unpack(head)
    if size > MAX_FRAME:
        raise ValueError(f"frame of {size} bytes")
    if size == 0:
        return b""
    return _read_exact(fd, size, deadline)
