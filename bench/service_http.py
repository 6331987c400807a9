"""HTTP benchmarks for the token service and the ASGI adapter, printed as ratios.

(a) Cold start: a fresh process imports the Lambda entry point, builds the service from the
    environment and handles its first ``POST /login`` in-process (the real Lambda path:
    ``gatehouse.service.lambda_entry.handler`` with an HTTP API 2.0 event, the build timed
    apart by calling what the handler's first call does first), against bare
    ``python -c pass`` and the raw floor of ``bench/service_floor.py`` (the same login
    written by hand on the same libraries: what any Python login pays). The login uses the
    production argon2id profile (m=19 MiB, t=2).
(b) Requests/s of a protected ASGI route (``BearerAuthMiddleware``, verified-token cache
    on, keys from the local token service via ``IssuerKeySource``) against the same route
    under a public path (the same request bytes, the same ``Authorization`` header, not
    verified), same uvicorn server, same run, interleaved rounds. Target ≥ 0.85.
    The load comes from ``wrk -t2 -c8`` (Debian's ``wrk``), a C client that is not the
    bottleneck; without wrk the bench says so and falls back to one Python client.

Usage: ``python bench/service_http.py [--runs 7] [--seconds 2] [--rounds 3] [--part cold|rps]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# This file is named like the standard library's ``http`` package; running it puts its
# folder first on sys.path, where it would shadow ``http`` for httpx, starlette and
# uvicorn (the stdlib modules above do not import it). Drop that entry first.
sys.path[:] = [p for p in sys.path if p not in ("", __file__.rsplit("/", 1)[0])]
BENCH = Path(__file__).resolve().parent

PASSWORD = "correct horse battery staple"
ISSUER = "https://issuer.example"
API = "https://api.example"

COLD = r"""
import time
t0 = time.perf_counter()
import json, os
from gatehouse.service import lambda_entry
with open(os.environ["BENCH_EVENT"], encoding="utf-8") as fh:
    event = json.load(fh)
t1 = time.perf_counter()
# What the handler's first call does before answering, timed apart: the build.
lambda_entry._Lazy.bridge = lambda_entry._build_once(os.environ)
t2 = time.perf_counter()
answer = lambda_entry.handler(event, None)
t3 = time.perf_counter()
assert answer["statusCode"] == 200, answer
print(json.dumps({"import_ms": (t1 - t0) * 1e3, "build_ms": (t2 - t1) * 1e3,
                  "first_login_ms": (t3 - t2) * 1e3}))
"""


def _environ(db: Path) -> dict[str, str]:
    from gatehouse.jose import b64url_encode

    return {
        "GATEHOUSE_ISSUER_URL": ISSUER,
        "GATEHOUSE_ISSUER_AUDIENCES": API,
        "GATEHOUSE_STORAGE_URL": f"sqlite:///{db}",
        "GATEHOUSE_KEK": b64url_encode(secrets.token_bytes(32)),
    }


def _prepare(workdir: Path) -> dict[str, str]:
    """A store with keys and one account (production argon2 profile)."""
    from gatehouse.service.compose import build_stores, build_token_service
    from gatehouse.service.settings import load_settings

    env = _environ(workdir / "bench.db")
    settings = load_settings(environ=env)
    with build_stores(settings) as stores:
        build_token_service(settings, stores).create_account("alice", PASSWORD)
    return env


def _login_event(path: Path) -> None:
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/login",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "host": "issuer.example"},
        "requestContext": {
            "http": {"method": "POST", "path": "/login", "sourceIp": "192.0.2.1"},
            "requestId": "bench",
        },
        "body": json.dumps({"username": "alice", "password": PASSWORD}),
        "isBase64Encoded": False,
    }
    path.write_text(json.dumps(event), encoding="utf-8")


def _wall(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall ms and stdout of one process; its CPU ms (user + sys) are appended to ``CPU``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    wall = (time.perf_counter() - start) * 1e3
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.setdefault(cmd[-1], []).append(
        (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1e3
    )
    return wall, done.stdout


CPU: dict[str, list[float]] = {}


def _floor_module() -> Any:
    """``bench/service_floor.py`` (this folder is off ``sys.path``, see the top)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("service_floor", BENCH / "service_floor.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cold_start(workdir: Path, runs: int) -> None:
    floor = _floor_module()
    env = {**os.environ, **_prepare(workdir), "BENCH_EVENT": str(workdir / "event.json")}
    env.update(floor.prepare_floor(workdir, "alice", PASSWORD))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # byte code cached, as in a deployed package
    _login_event(workdir / "event.json")
    contenders = {"bare": "pass", "floor": floor.FLOOR, "gatehouse": COLD}
    for code in contenders.values():
        _wall([sys.executable, "-c", code], env)  # compile byte code, warm the page cache
    wall: dict[str, list[float]] = {name: [] for name in contenders}
    parts: dict[str, list[dict[str, float]]] = {"floor": [], "gatehouse": []}
    for _ in range(runs):  # interleaved: load drift hits all three alike
        for name, code in contenders.items():
            ms, out = _wall([sys.executable, "-c", code], env)
            wall[name].append(ms)
            if name in parts:
                parts[name].append(json.loads(out))
    bare_ms, floor_ms, cold_ms = (statistics.median(wall[n]) for n in contenders)

    def median(name: str, key: str) -> float:
        return statistics.median(p[key] for p in parts[name])

    def row(label: str, gh: float, raw: float | None = None, tail: str = "") -> None:
        print(f"    {label:<38}{gh:8.1f}" + ("" if raw is None else f"  {raw:8.1f}") + tail)

    cpu = {name: statistics.median(CPU[code]) for name, code in contenders.items()}
    print(f"(a) cold start, median of {runs} fresh processes (interleaved)")
    row("python -c pass", bare_ms, tail=" ms")
    print(f"    {'':<38}gatehouse  raw floor (bench/service_floor.py)")
    row("import + build + first /login", cold_ms, floor_ms, " ms (process wall, exit too)")
    for label, key in (
        ("  of which: import the handler", "import_ms"),
        ("            build (settings ... keys)", "build_ms"),
        ("            first /login", "first_login_ms"),
    ):
        row(label, median("gatehouse", key), median("floor", key))
    row("overhead over bare Python", cold_ms - bare_ms, floor_ms - bare_ms, " ms (target <= 120)")
    row("CPU (user+sys) over bare", cpu["gatehouse"] - cpu["bare"], cpu["floor"] - cpu["bare"])
    row("gatehouse over the raw floor", cold_ms - floor_ms, tail=" ms")
    print(f"    {'ratio cold / bare':<38}{cold_ms / bare_ms:8.2f}x")


# --- (b) protected vs open route, same server --------------------------------------


def serve(db_env: dict[str, str]) -> None:
    """Child process: one uvicorn server, one route open and the same route protected."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from gatehouse import Verifier
    from gatehouse.adapters.asgi import BearerAuthMiddleware
    from gatehouse.service.compose import IssuerKeySource, build_stores, build_token_service
    from gatehouse.service.settings import load_settings

    settings = load_settings(environ=db_env)
    stores = build_stores(settings)
    service = build_token_service(settings, stores)
    verifier = Verifier(
        issuer=ISSUER, audience=API, keys=IssuerKeySource(service), algorithms=["ES256"]
    )

    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    app = Starlette(routes=[Route("/open/hello", hello), Route("/api/hello", hello)])
    protected = BearerAuthMiddleware(app, verifier, public_paths=["/open/"])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # NODELAY
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(protected, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


def _rate(client: Any, path: str, headers: dict[str, str], seconds: float) -> float:
    count, deadline = 0, time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        count += 1
    return count / (time.perf_counter() - start)


def _wrk_rate(port: int, path: str, headers: dict[str, str], seconds: float) -> float:
    """Requests/s from ``wrk -t2 -c8``: a C load generator, so the server is what is measured."""
    flags = [f"-H{name}: {value}" for name, value in headers.items()]
    done = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{max(1, round(seconds))}s", *flags,
         f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    if "Non-2xx" in done.stdout:
        raise SystemExit(f"{path} gave non-2xx answers under wrk:\n{done.stdout}")
    for line in done.stdout.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise SystemExit(f"wrk printed no rate:\n{done.stdout}")


def protected_ratio(workdir: Path, seconds: float, rounds: int) -> None:
    import httpx

    from gatehouse.service.compose import build_stores, build_token_service
    from gatehouse.service.settings import load_settings

    use_wrk = shutil.which("wrk") is not None
    if not use_wrk:
        print(
            "(b) NOTE: wrk is not installed (apt-get install -y wrk): falling back to one"
            " Python keep-alive client, which may be the bottleneck; the ratio is then a floor"
        )
    env = _prepare(workdir)
    settings = load_settings(environ=env)
    with build_stores(settings) as stores:
        token = build_token_service(settings, stores).login("alice", PASSWORD).access_token
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", json.dumps(env)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(200):  # warm-up; also waits for the server to accept
                try:
                    client.get("/api/hello", headers=auth)
                    client.get("/open/hello")
                except httpx.TransportError:
                    continue
            opens, guarded = [], []
            for _ in range(rounds):  # interleaved rounds: open, protected, open, ...
                if use_wrk:
                    opens.append(_wrk_rate(port, "/open/hello", auth, seconds))
                    guarded.append(_wrk_rate(port, "/api/hello", auth, seconds))
                else:
                    opens.append(_rate(client, "/open/hello", auth, seconds))
                    guarded.append(_rate(client, "/api/hello", auth, seconds))
    finally:
        child.terminate()
        child.wait(10)
    open_rps, auth_rps = statistics.median(opens), statistics.median(guarded)
    client_kind = "wrk -t2 -c8" if use_wrk else "one Python keep-alive client"
    print(f"(b) one uvicorn server, {client_kind}, {rounds} interleaved rounds of {seconds}s")
    print(f"    GET /open/hello  (public, same header)  {open_rps:8.0f} req/s")
    print(f"    GET /api/hello   (Bearer, cached)       {auth_rps:8.0f} req/s")
    print(
        f"    ratio protected / open                  {auth_rps / open_rps:8.2f}  (target >= 0.85)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="cold-start processes (default 7)")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per rate sample")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument(
        "--part", choices=("all", "cold", "rps"), default="all", help="run (a), (b) or both"
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(json.loads(args.serve))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("cold", "rps"):
            (Path(tmp) / name).mkdir()
        if args.part in ("all", "cold"):
            cold_start(Path(tmp) / "cold", args.runs)
        if args.part in ("all", "rps"):
            protected_ratio(Path(tmp) / "rps", args.seconds, args.rounds)


if __name__ == "__main__":
    main()
