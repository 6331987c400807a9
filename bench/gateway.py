"""What `gatehouse dev` adds to a warm invocation (issue 10 §3: target ≤ 1 ms here).

Two servers on this machine, the same uvicorn, protocol and keep-alive client:

- ``plain``: an ASGI app that answers ``ok`` itself (HTTP's own cost),
- ``gateway``: the dev gateway routing to a handler that answers ``ok`` from its warm
  worker process (event built, JSON to the worker and back, response read).

The overhead is gateway p50 minus plain p50. Also printed: the worker round trip alone
(``FunctionRuntime.invoke`` of a built event, no HTTP) and the event's construction.

    python bench/gateway.py [N]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from gatehouse.functions.table import services_from_document
from gatehouse.gateway.app import DevGateway
from gatehouse.gateway.events import DevRequest, proxy_event
from gatehouse.gateway.handlers import close_functions, load_functions, start_functions
from gatehouse.gateway.protocol import CaseKeepingProtocol

HANDLER = "def ok(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"


async def plain(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            done = "lifespan.startup.complete"
            if message["type"] == "lifespan.shutdown":
                done = "lifespan.shutdown.complete"
            await send({"type": done})
            if message["type"] == "lifespan.shutdown":
                return
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.ready.set()


@contextmanager
def served(app: Any) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", http=CaseKeepingProtocol
    )
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    server.ready.wait(30)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def timed(call: Callable[[], Any], n: int) -> list[float]:
    for _ in range(min(200, n)):
        call()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1e6)
    return samples


def p(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=2000, help="requests per sample")
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "benchfn.py").write_text(HANDLER)
        specs = services_from_document(
            {"functions": [{"name": "ok", "handler": "benchfn.ok", "routes": ["GET /ok"]}]}
        )
        functions = load_functions(specs, base={}, parent=dict(os.environ), project=folder)
        start_functions(functions)
        try:
            gateway = DevGateway(plain, functions, verifier=None, log=lambda line: None)
            with (
                served(plain) as plain_url,
                served(gateway) as gateway_url,
                httpx.Client() as client,
            ):
                base = timed(lambda: client.get(plain_url + "/ok"), n)
                through = timed(lambda: client.get(gateway_url + "/ok"), n)
            request = DevRequest("GET", "/ok", "", (("Host", "x"),), b"", "::1", "/ok", {})
            event = json.dumps(proxy_event(request, "2.0", None)).encode()
            runtime = functions[0].runtimes[0]
            worker = timed(lambda: runtime.invoke(event, "bench"), n)
            build = timed(lambda: json.dumps(proxy_event(request, "2.0", None)), n)
        finally:
            close_functions(functions)
    print(f"{'':28}{'p50 µs':>10}{'p99 µs':>10}   (n={n}, {os.cpu_count()} cores)")
    for name, samples in (
        ("plain HTTP (uvicorn)", base),
        ("through the gateway", through),
        ("worker round trip alone", worker),
        ("event built + JSON", build),
    ):
        print(f"{name:28}{p(samples, 50):10.0f}{p(samples, 99):10.0f}")
    overhead = p(through, 50) - p(base, 50)
    verdict = "within" if overhead <= 1000 else "over"
    print(f"gateway overhead per warm invocation: {overhead / 1000:.3f} ms p50 ({verdict} 1 ms)")


if __name__ == "__main__":
    main()
