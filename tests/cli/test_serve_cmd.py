"""`gatehouse serve` as an operator starts it: a real subprocess on a free port."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from cli_helpers import PASSWORD, Project

from ready_process import GATEHOUSE, TIMEOUT, started


@contextmanager
def _serve(project: Project, *args: str) -> Iterator[tuple[str, str, subprocess.Popen[str]]]:
    """`gatehouse serve --port 0 ARGS`; yields its URL, its ready line and the process."""
    command = ["serve", "--port", "0", *args]
    with started(command, cwd=project.root, stderr=subprocess.DEVNULL) as (first, _, process):
        url = first.split(" on ", 1)[1].split(" ", 1)[0]
        yield url, first, process


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serves_login_and_refresh_then_stops_cleanly(project: Project, workers: str) -> None:
    """Login and refresh work through `gatehouse serve`; SIGTERM ends it with exit code 0."""
    project.add_user("alice")
    with _serve(project, "--workers", workers) as (url, ready, process):
        assert f"({workers} workers, trusted proxies: none)" in ready
        with httpx.Client(base_url=url, timeout=TIMEOUT) as client:
            login = client.post("/login", json={"username": "alice", "password": PASSWORD})
            assert login.status_code == 200, login.text
            refreshed = client.post(
                "/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": login.json()["refresh_token"],
                },
            )
            assert refreshed.status_code == 200, refreshed.text
            assert client.get("/health").status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=TIMEOUT) == 0


def test_trusted_proxy_option_is_shown(project: Project) -> None:
    """--trusted-proxy is repeatable and the ready line names the proxies trusted."""
    args = ("--workers", "1", "--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "127.0.0.1")
    with _serve(project, *args) as (_url, ready, _process):
        assert "trusted proxies: 10.0.0.0/8, 127.0.0.1" in ready


def test_trusted_proxies_setting_is_read(project: Project) -> None:
    """Without --trusted-proxy, [http] trusted_proxies from gatehouse.toml is used."""
    text = project.config.read_text()
    project.config.write_text(
        text.replace("[keys]", '[http]\ntrusted_proxies = ["10.1.0.0/16"]\n\n[keys]', 1)
    )
    with _serve(project, "--workers", "1") as (_url, ready, _process):
        assert "trusted proxies: 10.1.0.0/16" in ready


def test_zero_workers_is_a_usage_error(project: Project) -> None:
    """--workers 0 is refused by the option parser with exit code 2, nothing served."""
    done = subprocess.run(
        [GATEHOUSE, "serve", "--workers", "0"],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 2
    assert "--workers" in done.stderr


def test_port_in_use_is_one_clear_line(project: Project) -> None:
    """A port already taken is one `error:` line naming it, exit code 1, no traceback."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run(
            [GATEHOUSE, "serve", "--port", str(port), "--workers", "1"],
            cwd=project.root,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error: cannot listen on 127.0.0.1:")
    assert "Traceback" not in done.stderr
