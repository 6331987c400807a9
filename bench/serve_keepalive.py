"""Keep-alive latency of the token service: plain ``uvicorn`` against ``gatehouse serve``.

    python bench/serve_keepalive.py [--workers 1,2] [--rounds 3] [--seconds 1.5]

The trap (uvicorn issue #3149): with ``uvicorn --workers 2`` on the asyncio loop, accepted
sockets keep Nagle's algorithm on, so every keep-alive response's body waits for the
client's delayed ACK (~40 ms). Contenders, each serving ``GET /.well-known/jwks.json``
from the same SQLite store:

* ``uvicorn asyncio/h11``: ``python -m uvicorn --factory ... --loop asyncio --http h11``,
  what ``gatehouse[server]`` gave before uvloop/httptools were in it;
* ``uvicorn auto``: the same with uvicorn's defaults (uvloop/httptools when installed);
* ``serve asyncio/h11`` and ``serve auto``: ``gatehouse serve`` with the same choices.

One client, one connection, requests one after another: the table shows the median and
p90 latency over interleaved rounds (every contender runs once per round). When ``wrk``
is installed, the last column is the median requests/s of ``wrk -t2 -c8`` runs, one per
round, interleaved too (a C load generator, so the client is not the bottleneck); without
it the column says so.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import free_port

PATH = "/.well-known/jwks.json"
BENCH_DIR = Path(__file__).resolve().parent
GATEHOUSE = str(Path(sys.executable).parent / "gatehouse")
CONFIG = """[issuer]
url = "https://issuer.example"
audiences = ["https://api.example"]

[storage]
url = "sqlite:///bench.db"
"""


def app_factory() -> Any:
    """uvicorn ``--factory`` target: the token service from ``$GATEHOUSE_CONFIG``."""
    from gatehouse.service.compose import build_app
    from gatehouse.service.settings import load_settings

    return build_app(load_settings(os.environ["GATEHOUSE_CONFIG"], environ=dict(os.environ)))


def _bootstrap(env: dict[str, str]) -> None:
    from gatehouse.service.compose import build_stores, build_token_service
    from gatehouse.service.settings import load_settings

    settings = load_settings(env["GATEHOUSE_CONFIG"], environ=env)
    with build_stores(settings) as stores:
        build_token_service(settings, stores, bootstrap=True)


def _command(kind: str, choice: str, workers: int, port: int) -> list[str]:
    chosen = ["--loop", "asyncio", "--http", "h11"] if choice == "asyncio/h11" else []
    if kind == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH_DIR), "--factory",
            "serve_keepalive:app_factory", "--workers", str(workers), "--port", str(port),
            "--log-level", "warning", "--no-access-log", *chosen,
        ]  # fmt: skip
    return [GATEHOUSE, "serve", "--workers", str(workers), "--port", str(port), *chosen]


def _wait_ready(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", PATH)
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"server on port {port} did not become ready")


def _latencies(port: int, seconds: float) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    samples: list[float] = []
    end = time.perf_counter() + seconds
    try:
        while time.perf_counter() < end or len(samples) < 5:
            start = time.perf_counter()
            conn.request("GET", PATH)
            response = conn.getresponse()
            response.read()
            samples.append((time.perf_counter() - start) * 1e3)
            if response.status != 200:
                raise SystemExit(f"{PATH} answered {response.status}")
    finally:
        conn.close()
    return samples


def _wrk(port: int, seconds: float) -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        return "wrk not installed"
    done = subprocess.run(
        [wrk, "-t2", "-c8", f"-d{max(1, round(seconds))}s", f"http://127.0.0.1:{port}{PATH}"],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stdout.splitlines():
        if line.startswith("Requests/sec:"):
            return f"{float(line.split()[1]):8.0f}"
    return "wrk: no rate"


def _median_rate(values: list[str]) -> str:
    numbers = [float(v) for v in values if v.strip().replace(".", "", 1).isdigit()]
    return f"{statistics.median(numbers):8.0f}" if numbers else values[0]


def run(workers: int, rounds: int, seconds: float, env: dict[str, str], cwd: Path) -> None:
    contenders = [
        (kind, choice) for kind in ("uvicorn", "serve") for choice in ("asyncio/h11", "auto")
    ]
    ports = {c: free_port() for c in contenders}
    procs = [
        subprocess.Popen(
            _command(*c, workers, ports[c]),
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for c in contenders
    ]
    try:
        for c in contenders:
            _wait_ready(ports[c], time.monotonic() + 60)
        samples: dict[Any, list[float]] = {c: [] for c in contenders}
        runs: dict[Any, list[str]] = {c: [] for c in contenders}
        for _ in range(rounds):
            for c in contenders:
                samples[c].extend(_latencies(ports[c], seconds))
                runs[c].append(_wrk(ports[c], seconds))
        rates = {c: _median_rate(runs[c]) for c in contenders}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
    for c in contenders:
        values = sorted(samples[c])
        p90 = values[int(len(values) * 0.9)]
        name = f"{'uvicorn' if c[0] == 'uvicorn' else 'gatehouse serve'} {c[1]}"
        print(
            f"{workers:>7} {name:28} {statistics.median(values):10.2f} {p90:8.2f}"
            f" {len(values) / (rounds * seconds):9.0f} {rates[c]:>10}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2", help="worker counts to try (default 1,2)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--seconds", type=float, default=1.5, help="seconds per round and wrk")
    args = parser.parse_args()
    from gatehouse.jose import b64url_encode

    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / "gatehouse.toml").write_text(CONFIG, encoding="utf-8")
        env = {
            **os.environ,
            "GATEHOUSE_CONFIG": str(cwd / "gatehouse.toml"),
            "GATEHOUSE_KEK": b64url_encode(secrets.token_bytes(32)),
        }
        env.pop("WEB_CONCURRENCY", None)
        _bootstrap(env)  # signing keys exist before any worker of any contender starts
        print(f"GET {PATH}, one keep-alive connection, sequential requests; {args.rounds} rounds")
        print(f"{'workers':>7} {'server':28} {'median ms':>10} {'p90 ms':>8} {'seq req/s':>9}"
              f" {'wrk -c8/s':>10}")  # fmt: skip
        for workers in (int(w) for w in args.workers.split(",")):
            run(workers, args.rounds, args.seconds, env, cwd)


if __name__ == "__main__":
    main()
