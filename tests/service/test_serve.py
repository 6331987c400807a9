"""``gatehouse.service.serve``: the production runtime, started as a real server process.

The probe app below answers each request with what the *server side* of its connection
looks like: it finds the accepted socket among the worker's own file descriptors (the
one whose peer is the request's client address) and reads TCP_NODELAY from it. No
timing is involved: the option is either set on the accepted socket or not.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from gatehouse.errors import ConfigurationError
from gatehouse.service.serve import ServeOptions, bind_listener, default_workers

TIMEOUT = 30.0
HERE = Path(__file__).resolve().parent


# --- the probe app (imported by the spawned workers as ``test_serve``) -----------------


def _accepted_socket_nodelay(client: tuple[str, int]) -> int | None:
    """TCP_NODELAY of this process's socket whose peer is ``client``, or None if none is."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if not os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                continue
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        with sock:
            if sock.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            try:
                peer = sock.getpeername()[:2]
            except OSError:
                continue
            if tuple(peer) == tuple(client):
                return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    return None


async def probe_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """ASGI: lifespan, then per request its client, scheme, pid and server-side NODELAY."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                print("probe: lifespan shutdown", flush=True)
                await send({"type": "lifespan.shutdown.complete"})
                return
    client = scope["client"]
    if scope["path"] == "/audit":
        # As issuer.audit writes an event: the server must carry it to its output.
        logging.getLogger("gatehouse.audit").info("probe_event pid=%d", os.getpid())
    body = json.dumps(
        {
            "client": list(client),
            "scheme": scope["scheme"],
            "pid": os.getpid(),
            "nodelay": _accepted_socket_nodelay(tuple(client)),
        }
    ).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def probe_factory() -> Any:
    return probe_app


SERVER = f"""
import json, sys
sys.path.insert(0, {str(HERE)!r})
import test_serve
from gatehouse.service.serve import ServeOptions, serve_app
raw = json.loads(sys.argv[1])
raw["trusted_proxies"] = tuple(raw.get("trusted_proxies", ()))
serve_app(test_serve.probe_factory, ServeOptions(port=0, **raw),
          on_listening=lambda url, n: print("listening", url, n, flush=True))
"""


@contextmanager
def _server(**options: Any) -> Iterator[tuple[str, subprocess.Popen[str], queue.Queue[str]]]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, json.dumps(options)],
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    lines: queue.Queue[str] = queue.Queue()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        while True:
            line = lines.get(timeout=TIMEOUT)
            if line.startswith("listening "):
                break
        yield line.split()[1], process, lines
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=TIMEOUT)
        reader.join(timeout=TIMEOUT)
        assert process.stdout is not None
        process.stdout.close()


def _get(conn: http.client.HTTPConnection, headers: dict[str, str] | None = None) -> Any:
    conn.request("GET", "/", headers=headers or {})
    response = conn.getresponse()
    assert response.status == 200
    return json.loads(response.read())


def _get_once(url: str, headers: dict[str, str]) -> Any:
    conn = _connect(url)
    try:
        return _get(conn, headers)
    finally:
        conn.close()


def _connect(url: str) -> http.client.HTTPConnection:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)


@pytest.mark.parametrize(
    ("workers", "loop", "http"),
    [
        (1, "asyncio", "h11"),
        (2, "asyncio", "h11"),
        (2, "asyncio", "httptools"),
        (2, "uvloop", "httptools"),
        (1, "auto", "auto"),
    ],
)
def test_every_accepted_connection_has_nodelay(workers: int, loop: str, http: str) -> None:
    """TCP_NODELAY is 1 on the server side of every accepted keep-alive connection."""
    if loop == "uvloop":
        pytest.importorskip("uvloop")
    if http == "httptools":
        pytest.importorskip("httptools")
    with _server(workers=workers, loop=loop, http=http) as (url, _process, _lines):
        seen: list[dict[str, Any]] = []
        for _ in range(4):
            conn = _connect(url)
            try:
                seen.extend(_get(conn) for _ in range(3))  # three requests, one connection
            finally:
                conn.close()
    assert [answer["nodelay"] for answer in seen] == [1] * len(seen)


def test_proxy_headers_only_from_trusted_proxies() -> None:
    """X-Forwarded-For/-Proto change the client only when the peer is a trusted proxy."""
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    with _server(workers=1) as (url, _p, _l):
        untrusted = _get_once(url, forwarded)
    with _server(workers=1, trusted_proxies=["127.0.0.1"]) as (url, _p, _l):
        trusted = _get_once(url, forwarded)
    assert (untrusted["client"][0], untrusted["scheme"]) == ("127.0.0.1", "http")
    assert (trusted["client"][0], trusted["scheme"]) == ("203.0.113.7", "https")


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_drains_runs_lifespan_shutdown_and_exits_zero(workers: int) -> None:
    """SIGTERM stops the server with exit code 0 after every worker's lifespan shutdown."""
    with _server(workers=workers) as (url, process, lines):
        conn = _connect(url)
        _get(conn)  # an idle keep-alive connection must not hold the shutdown up
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=TIMEOUT) == 0
        conn.close()
    logged = []
    while not lines.empty():
        logged.append(lines.get())
    assert sum("probe: lifespan shutdown" in line for line in logged) == workers


@pytest.mark.parametrize("workers", [1, 2])
def test_audit_events_reach_the_server_output(workers: int) -> None:
    """An INFO record on ``gatehouse.audit`` in a worker is printed (uvicorn alone drops it)."""
    with _server(workers=workers) as (url, _process, lines):
        conn = _connect(url)
        try:
            conn.request("GET", "/audit")
            response = conn.getresponse()
            assert response.status == 200
            pid = json.loads(response.read())["pid"]
        finally:
            conn.close()
        while True:  # bounded: lines.get raises queue.Empty after TIMEOUT
            line = lines.get(timeout=TIMEOUT)
            if "probe_event" in line:
                break
    assert f"INFO gatehouse.audit probe_event pid={pid}" in line


def test_listener_is_bound_as_tcp() -> None:
    """The listener says proto=IPPROTO_TCP, the condition asyncio checks before NODELAY."""
    with bind_listener("127.0.0.1", 0) as sock:
        assert sock.proto == socket.IPPROTO_TCP


def test_port_in_use_is_a_configuration_error() -> None:
    """A taken port is one ConfigurationError naming host and port, not an OSError."""
    with bind_listener("127.0.0.1", 0) as taken:
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(ConfigurationError, match=f"127.0.0.1:{port}"):
            bind_listener("127.0.0.1", port).close()


@pytest.mark.parametrize(
    "options",
    [
        ServeOptions(workers=0),
        ServeOptions(port=70000),
        ServeOptions(graceful_timeout=-1),
        ServeOptions(trusted_proxies=("*", "10.0.0.1")),
        ServeOptions(trusted_proxies=("proxy.internal",)),
        ServeOptions(http="h3"),  # type: ignore[arg-type]
    ],
)
def test_bad_options_are_configuration_errors(options: ServeOptions) -> None:
    """Out-of-range options are refused with a ConfigurationError before anything binds."""
    from gatehouse.service.serve import serve_app

    with pytest.raises(ConfigurationError):
        serve_app(probe_factory, options)


def test_default_workers_is_the_usable_cpu_count() -> None:
    """With no count given, one worker per CPU in this process's affinity set."""
    assert ServeOptions().worker_count == default_workers() == len(os.sched_getaffinity(0))
