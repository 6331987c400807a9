"""A login flood against the token service while a second client refreshes (issue 16 §2).

    python bench/login_flood.py [--logins 300] [--concurrency 60] [--workers 1] [--queue 64]

One uvicorn process (asyncio/h11) over SQLite, argon2id at the OWASP profile. First
refreshes alone (quiet), then the same refresh loop while ``--logins`` unknown-user
logins arrive ``--concurrency`` at a time (each from its own X-Forwarded-For address, so
the per-address throttle does not answer them instead of the hash). Prints refresh
p50/p99 quiet and during the flood, how the flood's logins were answered, and the
server's RSS before, at its peak and ``--settle`` idle seconds after. Targets: p99
during ≤ 3× quiet; RSS after ≤ 1.2× before. Loopback only; bounded by ``--logins``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from harness import free_port

BENCH_DIR = Path(__file__).resolve().parent
CONFIG = """[issuer]
url = "https://issuer.example"
audiences = ["https://api.example"]

[storage]
url = "sqlite:///bench.db"

[http]
trusted_proxies = ["*"]
"""
PASSWORD = "correct horse battery"


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
        build_token_service(settings, stores, bootstrap=True).create_account("bench", PASSWORD)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _post(
    conn: http.client.HTTPConnection, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, bytes]:
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def _login(port: int, username: str, address: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        body = json.dumps({"username": username, "password": "wrong guess"}).encode()
        headers = {"Content-Type": "application/json", "X-Forwarded-For": address}
        return _post(conn, "/login", body, headers)[0]
    finally:
        conn.close()


class Refresher:
    """Refreshes one session over one keep-alive connection, recording each latency."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        body = json.dumps({"username": "bench", "password": PASSWORD}).encode()
        status, raw = _post(self.conn, "/login", body, {"Content-Type": "application/json"})
        if status != 200:
            raise SystemExit(f"login for the refresh client failed: {status} {raw[:200]!r}")
        self.token = json.loads(raw)["refresh_token"]

    def once(self) -> float:
        body = f"grant_type=refresh_token&refresh_token={self.token}".encode()
        start = time.perf_counter()
        status, raw = _post(
            self.conn, "/token", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        elapsed = (time.perf_counter() - start) * 1000
        if status != 200:
            raise SystemExit(f"refresh failed: {status} {raw[:200]!r}")
        self.token = json.loads(raw)["refresh_token"]
        return elapsed

    def until(self, stop: threading.Event) -> list[float]:
        samples = []
        while not stop.is_set():
            samples.append(self.once())
        return samples


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(args: argparse.Namespace, env: dict[str, str], cwd: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(BENCH_DIR),
            "--factory",
            "login_flood:app_factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--loop",
            "asyncio",
            "--http",
            "h11",
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                refresher = Refresher(port)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.1)
        quiet = [refresher.once() for _ in range(args.quiet)]
        before = _rss_mb(server.pid)
        peak = before
        stop = threading.Event()

        def sample_rss() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, _rss_mb(server.pid))
                stop.wait(0.02)

        sampler = threading.Thread(target=sample_rss)
        sampler.start()
        with ThreadPoolExecutor(1) as side:
            during_future = side.submit(refresher.until, stop)
            with ThreadPoolExecutor(args.concurrency) as pool:
                names = [f"nobody{i}" for i in range(args.logins)]
                addresses = [
                    f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in range(args.logins)
                ]
                started = time.perf_counter()
                statuses = Counter(
                    pool.map(lambda a: _login(port, *a), zip(names, addresses, strict=True))
                )
                flood_s = time.perf_counter() - started
            stop.set()
            during = during_future.result()
        sampler.join()
        time.sleep(args.settle)  # idle worker threads exit after 10 s (anyio)
        after = _rss_mb(server.pid)
        q50, q99 = statistics.median(quiet), _p(quiet, 0.99)
        d50, d99 = statistics.median(during), _p(during, 0.99)
        print(
            f"workers={args.workers} queue={args.queue}: {args.logins} logins x{args.concurrency}"
            f" in {flood_s:.1f} s, answers {dict(sorted(statuses.items()))}"
        )
        print(f"  refresh quiet  p50 {q50:6.1f} ms  p99 {q99:6.1f} ms  (n={len(quiet)})")
        print(
            f"  refresh flood  p50 {d50:6.1f} ms  p99 {d99:6.1f} ms  (n={len(during)})"
            f"  p99 ratio {d99 / q99:.2f}x (target <= 3)"
        )
        print(
            f"  RSS before {before:.0f} MB, peak {peak:.0f} MB, after {after:.0f} MB"
            f"  after/before {after / before:.2f}x (target <= 1.2)"
        )
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=60)
    parser.add_argument("--workers", type=int, default=1, help="[http] hashing_workers")
    parser.add_argument("--queue", type=int, default=64, help="[http] hashing_queue")
    parser.add_argument("--quiet", type=int, default=300, help="refreshes measured alone")
    parser.add_argument("--settle", type=float, default=12.0, help="idle seconds before 'after'")
    args = parser.parse_args()
    from gatehouse.jose import b64url_encode

    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / "gatehouse.toml").write_text(CONFIG, encoding="utf-8")
        env = {
            **os.environ,
            "GATEHOUSE_CONFIG": str(cwd / "gatehouse.toml"),
            "GATEHOUSE_KEK": b64url_encode(secrets.token_bytes(32)),
            "GATEHOUSE_HTTP_HASHING_WORKERS": str(args.workers),
            "GATEHOUSE_HTTP_HASHING_QUEUE": str(args.queue),
        }
        _bootstrap(env)
        run(args, env, cwd)


if __name__ == "__main__":
    main()
