"""The five-minute tour works exactly as written.

The transcript is read from the README (between ``<!-- TOUR -->`` and ``<!-- /TOUR -->``),
its one copy, so this tests what users read. Its ```console
blocks are run for real in an empty folder holding a copy of examples/: the blocks before
``gatehouse dev`` first, then ``gatehouse dev`` as a subprocess on a free port (the one
block a user runs "in another terminal"), then the rest in one ``bash -euo pipefail``
session. Every output shown is compared with what the command printed: ``...`` inside a
line matches any text, a line of just ``...`` any number of lines.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
START, END = "<!-- TOUR -->", "<!-- /TOUR -->"
BIN = Path(sys.executable).parent
DEV_START_TIMEOUT = 30.0
SCRIPT_TIMEOUT = 90.0


def tour_source() -> tuple[str, str]:
    """The tour text and where it came from (the README: there is no other copy)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert START in readme, f"README.md lost its {START} marker"
    assert END in readme, f"README.md lost its {END} marker"
    return readme[readme.index(START) : readme.index(END)], "README.md"


@dataclass(frozen=True)
class Step:
    command: str
    expected: tuple[str, ...]


def parse_blocks(text: str) -> list[list[Step]]:
    """Each ```console block as its commands (``$ ...``, ``\\`` continues) and outputs."""
    blocks = []
    for body in re.findall(r"```console\n(.*?)```", text, re.S):
        steps: list[Step] = []
        command: list[str] | None = None
        output: list[str] = []
        for line in body.splitlines():
            if command is not None and command[-1].endswith("\\"):
                command.append(line)
            elif line.startswith("$ "):
                if command is not None:
                    steps.append(Step("\n".join(command), tuple(output)))
                command, output = [line[2:]], []
            elif command is not None:
                output.append(line)
        if command is not None:
            steps.append(Step("\n".join(command), tuple(output)))
        blocks.append(steps)
    return blocks


def _line_matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


def lines_match(expected: list[str], actual: list[str]) -> bool:
    """``...`` as a whole line matches any run of lines (greedy, with backtracking)."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(lines_match(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return (
        bool(actual)
        and _line_matches(expected[0], actual[0])
        and lines_match(expected[1:], actual[1:])
    )


def run_steps(steps: list[Step], cwd: Path, env: dict[str, str], port: int) -> None:
    """All ``steps`` in one bash session; fail on the first output that differs."""
    marker = "@@TOUR-STEP-{}@@"
    script = ["exec 2>&1"]
    for index, step in enumerate(steps):
        script += [step.command, f"printf '\\n{marker.format(index)}\\n'"]
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT,
        check=False,
    )
    outputs = re.split(r"\n?@@TOUR-STEP-\d+@@\n", done.stdout)
    for index, step in enumerate(steps):
        assert index < len(outputs) - 1, (
            f"the tour stopped at `{step.command}` (exit {done.returncode}):\n"
            + (outputs[index] if index < len(outputs) else "")
        )
        actual = outputs[index].splitlines()
        expected = [line.replace(":8000", f":{port}") for line in step.expected]
        assert lines_match(expected, actual), (
            f"`{step.command}` printed:\n"
            + "\n".join(actual)
            + "\n\nthe tour shows:\n"
            + "\n".join(expected)
        )
    assert done.returncode == 0, done.stdout[-2000:]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class DevServer:
    process: subprocess.Popen[str]
    lines: queue.Queue[str | None]

    def next_line(self) -> str:
        try:
            line = self.lines.get(timeout=DEV_START_TIMEOUT)
        except queue.Empty:
            pytest.fail("gatehouse dev printed nothing in time")
        if line is None:
            pytest.fail(f"gatehouse dev exited with {self.process.wait()}")
        return line


def _drain(stream: object, lines: queue.Queue[str | None]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line.rstrip("\n"))
    lines.put(None)


@contextmanager
def start_dev(command: str, cwd: Path, env: dict[str, str]) -> Iterator[DevServer]:
    process = subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_drain, args=(process.stdout, lines), daemon=True)
    reader.start()
    try:
        yield DevServer(process, lines)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        reader.join(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


TEXT, SOURCE = tour_source()
BLOCKS = parse_blocks(TEXT)


def test_tour_covers_the_whole_story() -> None:
    """The tour inits, runs dev, logs in, calls both services, refreshes, replays, logs out."""
    commands = "\n".join(step.command for block in BLOCKS for step in block)
    for needle in (
        "gatehouse init",
        "gatehouse dev",
        "/login",
        "/orders",
        "/profile",
        "grant_type=refresh_token",
        "/logout",
    ):
        assert needle in commands, f"{SOURCE} has no `{needle}`"


def test_readme_tour_is_delimited() -> None:
    """A tour pasted into the README must be closed by <!-- /TOUR --> so this test reads it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    if "$ gatehouse init" in readme:
        assert START in readme
        assert END in readme


def test_tour_runs_as_written(tmp_path: Path) -> None:
    """Every command of the tour succeeds and prints what the tour shows."""
    shutil.copytree(
        REPO / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("__pycache__")
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PORT=str(port),
        PYTHONDONTWRITEBYTECODE="1",
        NO_COLOR="1",
        COLUMNS="100",
    )
    dev_index = next(
        i for i, block in enumerate(BLOCKS) if block[0].command.startswith("gatehouse dev")
    )
    dev_block = BLOCKS[dev_index]
    assert len(dev_block) == 1, "the dev block runs in its own terminal: one command only"
    for block in BLOCKS[:dev_index]:
        run_steps(block, tmp_path, env, port)
    with start_dev(dev_block[0].command, tmp_path, env) as server:
        for expected in dev_block[0].expected:
            expected = expected.replace(":8000", f":{port}")
            actual = server.next_line()
            assert _line_matches(expected, actual), f"gatehouse dev printed {actual!r}"
        later = [step for block in BLOCKS[dev_index + 1 :] for step in block]
        run_steps(later, tmp_path, env, port)
