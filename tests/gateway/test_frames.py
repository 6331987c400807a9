"""The gateway ↔ worker frames: whole frames, end of stream, deadlines, corrupt lengths."""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Iterator

import pytest

from gatehouse.gateway.frames import MAX_FRAME, FrameTimeoutError, read_frame, write_frame


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    """A fresh OS pipe (read end, write end), closed afterwards."""
    read_fd, write_fd = os.pipe()
    yield read_fd, write_fd
    for fd in (read_fd, write_fd):
        try:
            os.close(fd)
        except OSError:
            pass


def test_round_trip(pipe: tuple[int, int]) -> None:
    """What is written is read back whole, frame by frame, empty frames included."""
    read_fd, write_fd = pipe
    for payload in (b'{"ok":1}', b""):
        write_frame(write_fd, payload)
    assert read_frame(read_fd) == b'{"ok":1}'
    assert read_frame(read_fd) == b""


def test_end_of_stream_is_none(pipe: tuple[int, int]) -> None:
    """The writer gone (a worker that died) reads as None, not as an exception."""
    read_fd, write_fd = pipe
    os.close(write_fd)
    assert read_frame(read_fd) is None


def test_a_passed_deadline_is_a_timeout(pipe: tuple[int, int]) -> None:
    """Nothing to read by the deadline: FrameTimeoutError at once, no waiting."""
    read_fd, _ = pipe
    with pytest.raises(FrameTimeoutError):
        read_frame(read_fd, time.monotonic() - 1)


def test_an_impossible_length_is_refused(pipe: tuple[int, int]) -> None:
    """A length over MAX_FRAME means a corrupt stream: ValueError before reading it."""
    read_fd, write_fd = pipe
    os.write(write_fd, struct.pack(">I", MAX_FRAME + 1))
    with pytest.raises(ValueError, match="frame of"):
        read_frame(read_fd)
