"""`gatehouse dev` as a user starts it: a real subprocess on a free port."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from cli_helpers import Project

from gatehouse.gateway.app import MAX_BODY
from ready_process import GATEHOUSE, TIMEOUT, started

FUNCTIONS = """
[[functions]]
name = "echo"
handler = "svc.handlers.echo"
routes = ["GET /echo/{word}"]
event = "v2"
auth = "none"

[[functions]]
name = "boom"
handler = "svc.handlers.boom"
routes = ["GET /boom"]
event = "v1"
auth = "none"

[[functions]]
name = "guarded"
handler = "svc.handlers.echo"
routes = ["GET /guarded/{word}"]
event = "v2"
auth = "jwt"
scopes = ["orders:read"]
"""

HANDLERS = """
import json
import os

def echo(event, context):
    return {"statusCode": 200, "body": json.dumps({
        "word": event["pathParameters"]["word"],
        "routeKey": event["routeKey"],
        "authorizer": event["requestContext"].get("authorizer"),
    })}

def boom(event, context):
    raise RuntimeError("handler bug")
"""


def _project_with(project: Project, functions: str) -> None:
    text = project.config.read_text()
    text = text[: text.index("[[functions]]")] + functions
    project.config.write_text(text)
    package = project.root / "svc"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "handlers.py").write_text(HANDLERS)


def _run(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GATEHOUSE, "dev", *args],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@contextmanager
def _dev(project: Project) -> Iterator[tuple[str, queue.Queue[str | None]]]:
    """`gatehouse dev --port 0`; yields its URL (read from the ready line) and its log."""
    with started(["dev", "--port", "0"], cwd=project.root) as (first, lines, _):
        yield first.rsplit(" on ", 1)[1], lines


def _log_line(lines: queue.Queue[str | None], contains: str) -> str:
    while True:
        line = lines.get(timeout=TIMEOUT)
        assert line is not None, "gatehouse dev exited"
        if contains in line:
            return line


def test_port_in_use_is_one_clear_line(project: Project) -> None:
    """A taken port: exit 1, one line naming the port and --port, no traceback."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = _run(project, "--port", str(port))
    assert done.returncode == 1
    assert done.stderr == (
        f"error: port {port} on 127.0.0.1 is already in use; stop the other server or run"
        " `gatehouse dev --port N`\n"
    )


def test_handler_that_does_not_import_is_named(project: Project) -> None:
    """A wrong handler path stops dev at start with the function, the path and the fix."""
    _project_with(project, FUNCTIONS.replace("svc.handlers.boom", "svc.missing.boom"))
    done = _run(project, "--port", "0")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(
        "error: [[functions]] boom: handler 'svc.missing.boom' does not import"
    )
    assert "No module named 'svc.missing'" in done.stderr


def test_malformed_functions_table_is_named(project: Project) -> None:
    """A route without a method is refused before anything starts."""
    _project_with(project, FUNCTIONS.replace('"GET /boom"', '"/boom"'))
    done = _run(project, "--port", "0")
    assert done.returncode == 1
    assert "route '/boom': expected METHOD /path" in done.stderr


def test_routes_events_failures_and_the_token_service(project: Project) -> None:
    """Routes reach handlers with v2 events; a raising handler is a 502 and dev keeps serving;
    an edited handler is reloaded; the JWT authorizer checks signatures and scopes; other
    paths reach the token service."""
    _project_with(project, FUNCTIONS)
    with _dev(project) as (url, lines), httpx.Client(base_url=url, timeout=TIMEOUT) as http:
        echoed = http.get("/echo/hello")
        assert echoed.status_code == 200
        assert echoed.json()["word"] == "hello"
        assert echoed.json()["routeKey"] == "GET /echo/{word}"
        assert "→ 200" in _log_line(lines, "GET /echo/hello")
        assert http.get("/boom").status_code == 502
        assert "→ 502" in _log_line(lines, "GET /boom")
        assert http.get("/echo/again").status_code == 200  # still serving
        source = project.root / "svc" / "handlers.py"
        source.write_text(HANDLERS.replace('"word": event', '"edited": True, "word": event'))
        later = source.stat().st_mtime + 2  # a new mtime even on coarse filesystem clocks
        os.utime(source, (later, later))
        assert http.get("/echo/reloaded").json()["edited"] is True
        assert http.get("/guarded/x").status_code == 401
        mint = subprocess.run(
            [GATEHOUSE, "--json", "token", "mint", "alice", "--scope", "orders:read"],
            # dev on a port of its own is the issuer there: PORT tells the CLI, as in the tour
            env={**os.environ, "PORT": url.rsplit(":", 1)[1]},
            cwd=project.root,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=True,
        )
        token = json.loads(mint.stdout)["access_token"]
        allowed = http.get("/guarded/x", headers={"Authorization": f"Bearer {token}"})
        assert allowed.status_code == 200
        assert allowed.json()["authorizer"]["jwt"]["claims"]["sub"] == "alice"
        forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        assert (
            http.get("/guarded/x", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
        )
        assert http.get("/.well-known/jwks.json").json()["keys"]
        assert "[token service]" in _log_line(lines, "GET /.well-known/jwks.json")
        huge = http.request("GET", "/echo/huge", content=b"x" * (MAX_BODY + 1))
        assert huge.status_code == 413  # what a deployed function can never be sent
        assert "→ 413" in _log_line(lines, "GET /echo/huge")
        assert http.get("/echo/after").status_code == 200


def test_dev_with_a_named_missing_config_points_at_init(tmp_path: Path) -> None:
    """dev --config FILE that does not exist: one line saying to run gatehouse init (an
    empty folder with no file named is initialised instead: test_new_function.py)."""
    done = subprocess.run(
        [GATEHOUSE, "--config", "elsewhere.toml", "dev"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 1
    assert "run `gatehouse init`" in done.stderr


def test_typo_in_a_function_is_refused_not_served_open(project: Path) -> None:
    """`scope` for `scopes` on a jwt function stops dev with the file, key and suggestion."""
    _project_with(project, FUNCTIONS.replace('scopes = ["orders:read"]', 'scope = ["orders:read"]'))
    done = _run(project, "--port", "0")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert '[[functions]] guarded scope: unknown key; did you mean "scopes"?' in done.stderr
    assert "gatehouse.toml" in done.stderr


def test_function_over_the_token_service_is_refused(project: Path) -> None:
    """A function on POST /login would replace the token service in dev: refused at start."""
    _project_with(project, FUNCTIONS.replace('"GET /boom"', '"POST /login"'))
    done = _run(project, "--port", "0")
    assert done.returncode == 1
    assert "would shadow the token service's /login" in done.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _serving(cwd: Path, env: dict[str, str]) -> Iterator[str]:
    """`gatehouse dev` as started with ``env``; yields the URL from its ready line."""
    process = subprocess.Popen(
        [GATEHOUSE, "dev"], cwd=cwd, env=env, text=True, stdout=subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert " on http://" in first, f"gatehouse dev exited: {process.wait()}"
        yield first.strip().rsplit(" on ", 1)[1]
    finally:
        process.terminate()
        process.wait(timeout=TIMEOUT)
        assert process.stdout is not None
        process.stdout.close()


def _advertised(url: str) -> tuple[str, str, str]:
    with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
        metadata = http.get("/.well-known/openid-configuration").json()
        servers = http.get("/openapi.json").json()["servers"]
    return metadata["issuer"], metadata["jwks_uri"], servers[0]["url"]


def test_init_port_gives_the_issuer_on_that_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`gatehouse init --port N` then `gatehouse dev`: iss, discovery and OpenAPI name N."""
    for name in ("GATEHOUSE_CONFIG", "GATEHOUSE_KEK", "GATEHOUSE_KEK_FILE", "PORT"):
        monkeypatch.delenv(name, raising=False)
    port = _free_port()
    done = subprocess.run(
        [GATEHOUSE, "init", "--port", str(port)], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    config = tmp_path / "gatehouse.toml"
    text = config.read_text()
    config.write_text(text[: text.index("[[functions]]")])  # no examples/ folder here
    env = {k: v for k, v in os.environ.items() if k != "PORT"}
    with _serving(tmp_path, env) as url:
        base = f"http://127.0.0.1:{port}"
        assert url == base
        assert _advertised(url) == (base, f"{base}/.well-known/jwks.json", base)


def test_port_variable_moves_dev_and_its_issuer(project: Path) -> None:
    """`PORT=N gatehouse dev` on a project made for 8000 serves iss, discovery and OpenAPI
    on N."""
    _project_with(project, FUNCTIONS)
    port = _free_port()
    with _serving(project.root, {**os.environ, "PORT": str(port)}) as url:
        base = f"http://127.0.0.1:{port}"
        assert url == base
        assert _advertised(url) == (base, f"{base}/.well-known/jwks.json", base)
