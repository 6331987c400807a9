"""The CLI's edges: bare `gatehouse`, `--json` failures, `--version`, Ctrl-C on `dev`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import Project, invoke

from gatehouse._distribution import DISTRIBUTION

GATEHOUSE = str(Path(sys.executable).parent / "gatehouse")
TIMEOUT = 30.0


def test_bare_gatehouse_prints_help_and_succeeds() -> None:
    """`gatehouse` alone prints its help on stdout, no "error:", exit 0."""
    result = invoke()
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: gatehouse")
    assert "Commands:" in result.stdout
    assert "error" not in result.stderr


def test_bare_group_prints_its_help() -> None:
    """`gatehouse users` alone prints the group's help, not an error."""
    result = invoke("users")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: gatehouse users")
    assert result.stderr == ""


def test_version_names_the_distribution() -> None:
    """--version reads the installed gatehouse-auth distribution."""
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("gatehouse, version ")
    from importlib.metadata import version

    assert version(DISTRIBUTION) in result.stdout


@pytest.mark.parametrize(
    ("args", "code", "exit_code"),
    [
        (("--json", "users", "list"), "configuration", 1),
        (("users", "list", "--json"), "configuration", 1),
        (("users", "list", "--json", "--colour"), "usage", 2),
    ],
)
def test_json_failures_are_a_json_object_on_stdout(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    code: str,
    exit_code: int,
) -> None:
    """--json: a failure is {"error", "message"} on stdout, one line on stderr, non-zero."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GATEHOUSE_CONFIG", raising=False)
    result = invoke(*args)
    assert result.exit_code == exit_code
    body = json.loads(result.stdout)
    assert body["error"] == code
    assert f"error: {body['message']}" == result.stderr.strip()


def test_json_domain_failures_carry_the_error_code(project: Project) -> None:
    """A gatehouse error's stable code is the JSON "error" (here: a taken username)."""
    project.add_user("alice")
    result = project.run(
        "users", "add", "alice", "--password-stdin", "--json", input="another password 1\n"
    )
    assert result.exit_code == 1
    body = json.loads(result.stdout.strip().splitlines()[-1])
    assert body["error"] == "conflict"


def test_ctrl_c_stops_dev_quietly(project: Project) -> None:
    """SIGINT (Ctrl-C) on a running `gatehouse dev`: exit 0, no "error:", no traceback."""
    text = project.config.read_text()
    project.config.write_text(text[: text.index("# The example services")])
    process = subprocess.Popen(
        [GATEHOUSE, "dev", "--port", "0"],
        cwd=project.root,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        assert " on http://" in ready, ready
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)
    assert process.returncode == 0, err
    assert "error" not in err.lower()
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["keys", "users", "clients"])
def test_tables_fit_80_columns(
    project: Project, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """List tables wrap to a classic 80-column terminal, long ids and times included."""
    monkeypatch.setenv("COLUMNS", "80")
    project.add_user("a-rather-long-user-name-for-a-table", "orders:read", "profile:read")
    project.json("clients", "add", "a-very-long-client-identifier-for-billing", "--scope", "x:y")
    result = project.run(command, "list")
    assert result.exit_code == 0, result.stderr
    widths = [len(line) for line in result.stdout.splitlines()]
    assert widths
    assert max(widths) <= 80, result.stdout
