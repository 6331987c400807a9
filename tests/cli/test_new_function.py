"""The first hour outside a checkout: `gatehouse dev` alone initialises and serves the token
service; `gatehouse new function NAME` adds a handler, its entry and a test that `dev` serves."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

GATEHOUSE = str(Path(sys.executable).parent / "gatehouse")
TIMEOUT = 30.0


def _gatehouse(
    folder: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GATEHOUSE, *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _dev(
    folder: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`gatehouse dev` in ``folder`` (port 0 unless ``env`` sets PORT); yields URL, process."""
    process = subprocess.Popen(
        [GATEHOUSE, "dev"] if env and "PORT" in env else [GATEHOUSE, "dev", "--port", "0"],
        cwd=folder,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        assert " on http://" in ready, process.stderr.read() if process.stderr else ready
        yield ready.strip().rsplit(" on ", 1)[1], process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=TIMEOUT)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder outside any checkout, with no GATEHOUSE_* settings around."""
    for name in ("GATEHOUSE_CONFIG", "GATEHOUSE_STORAGE_URL", "GATEHOUSE_ISSUER_URL", "PORT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_dev_in_an_empty_folder_initialises_and_serves_the_token_service(folder: Path) -> None:
    """No gatehouse.toml: dev creates the project, says so, serves the token service alone."""
    with _dev(folder) as (url, process):
        metadata = httpx.get(f"{url}/.well-known/openid-configuration", timeout=TIMEOUT)
        assert metadata.status_code == 200
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0
    assert "initialised it" in err
    assert "gatehouse new function NAME" in err
    assert (folder / "gatehouse.toml").is_file()
    assert "[[functions]]" not in (folder / "gatehouse.toml").read_text().replace(
        "No [[functions]] yet", ""
    )


def test_new_function_is_served_by_dev_and_its_test_passes(folder: Path) -> None:
    """new function reports: dev serves GET /reports (401 without, 200 with the scope)."""
    assert _gatehouse(folder, "init").returncode == 0
    # init writes the repository's example services; this folder has none of their code.
    config = folder / "gatehouse.toml"
    text = config.read_text()
    config.write_text(text[: text.index("# The example services")])
    made = _gatehouse(folder, "new", "function", "reports", "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["route"] == "GET /reports"
    generated = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_reports.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    # The issuer follows the dev port (PORT): mint for the port dev will listen on.
    env = {**os.environ, "PORT": str(_free_port())}
    minted = _gatehouse(
        folder, "token", "mint", "alice", "--scope", "reports:read", "--json", env=env
    )
    assert minted.returncode == 0, minted.stderr
    token = json.loads(minted.stdout)["access_token"]
    with _dev(folder, env) as (url, _process):
        assert httpx.get(f"{url}/reports", timeout=TIMEOUT).status_code == 401
        answer = httpx.get(
            f"{url}/reports", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"service": "reports", "caller": "alice"}


def test_new_function_refuses_a_taken_name_and_changes_nothing(folder: Path) -> None:
    """A second `new function reports` is refused; the settings file is as it was."""
    assert _gatehouse(folder, "init").returncode == 0
    assert _gatehouse(folder, "new", "function", "reports").returncode == 0
    before = (folder / "gatehouse.toml").read_text()
    again = _gatehouse(folder, "new", "function", "reports")
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert (folder / "gatehouse.toml").read_text() == before
    bad = _gatehouse(folder, "new", "function", "Bad-Name")
    assert bad.returncode == 1
    assert "lower-case letters" in bad.stderr
