"""The token service over HTTP against djangorestframework-simplejwt, printed as ratios.

    pip install -e '.[bench]'          # django, djangorestframework, simplejwt, gunicorn
    apt-get install -y wrk             # the load generator (C, so the client is not the bottleneck)
    python bench/peer_simplejwt.py [--backends sqlite,postgres] [--clients 1,8] [--seconds 3]
                                   [--ops refresh,login]

Both sides as users deploy them, same worker count (``--workers``, default 2):
``gatehouse serve`` (uvicorn, uvloop, httptools) against simplejwt under gunicorn
(``-k gthread --threads 4``), with refresh-token rotation and the blacklist app
(``ROTATE_REFRESH_TOKENS``, ``BLACKLIST_AFTER_ROTATION``), on the same database.

* **refresh**: each wrk connection chains its own refresh tokens (a Lua script keeps a
  per-thread pool: every response's new refresh token is the next request's), so every
  request is a real rotation and no token is ever presented twice.
* **login**: the password endpoint; both hash with argon2id m=19 MiB, t=2, p=1
  (``simplejwt_site.hashers``), so the hash costs both sides the same.

Contenders are interleaved (gatehouse, simplejwt, gatehouse, ...) for ``--rounds`` rounds
and the table shows the median requests/s. Any non-2xx response makes the row say so.
``ms/req`` is CPU time per request (median): the server's processes plus, on PostgreSQL,
the backends serving them (found by ``application_name``), read from ``/proc`` around
each wrk run. On a shared machine it moves far less than requests/s do: it is what a
request costs, not how much of the CPU it got.
PostgreSQL (``--postgres``, default ``$GATEHOUSE_BENCH_POSTGRES`` or the local ``test``
database) gets two throw-away schemas named ``<--schema>_gh`` and ``<--schema>_dj``,
dropped at the end; SQLite files live in a temporary folder.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness import free_port, pg_schemas, wait_answering
from proc_cpu import cpu_seconds, process_tree

BENCH_DIR = Path(__file__).resolve().parent
GATEHOUSE = str(Path(sys.executable).parent / "gatehouse")
POSTGRES = os.environ.get("GATEHOUSE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
USER, PASSWORD = "alice", "correct horse battery staple"

LUA_REFRESH = r"""
local pool, made = {}, 0
setup = function(thread) made = made + 1; thread:set("id", made) end
init = function(args)
  local n = tonumber(args[1])
  for i = 2, #args do if (i - 2) % n == id - 1 then pool[#pool + 1] = args[i] end end
end
request = function()
  local t = table.remove(pool) or "pool-exhausted"
  if KIND == "gatehouse" then
    return wrk.format("POST", PATH, {["Content-Type"] = "application/x-www-form-urlencoded"},
      "grant_type=refresh_token&refresh_token=" .. t)
  end
  return wrk.format("POST", PATH, {["Content-Type"] = "application/json"},
    '{"refresh":"' .. t .. '"}')
end
response = function(status, headers, body)
  local t = string.match(body, FIELD)
  if t then pool[#pool + 1] = t end
end
"""

LUA_LOGIN = """
wrk.method = "POST"
wrk.path = PATH
wrk.headers["Content-Type"] = "application/json"
wrk.body = BODY
"""


@dataclass(frozen=True)
class Peer:
    name: str
    port: int
    login_path: str
    refresh_path: str
    field: str  # Lua pattern of the refresh token in a response
    login_body: str
    pid: int = 0  # the server's parent process, once started
    appname: str | None = None  # the application_name of its PostgreSQL backends


def _gatehouse_peer(port: int) -> Peer:
    body = json.dumps({"username": USER, "password": PASSWORD})
    return Peer("gatehouse", port, "/login", "/token", '"refresh_token"%s*:%s*"([^"]+)"', body)


def _simplejwt_peer(port: int) -> Peer:
    body = json.dumps({"username": USER, "password": PASSWORD})
    return Peer(
        "simplejwt", port, "/api/token/", "/api/token/refresh/", '"refresh"%s*:%s*"([^"]+)"', body
    )


def _post(peer: Peer, path: str, body: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", peer.port, timeout=60)
    try:
        conn.request("POST", path, body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def _login_token(peer: Peer) -> str:
    status, text = _post(peer, peer.login_path, peer.login_body)
    if status != 200:
        raise SystemExit(f"{peer.name} login answered {status}: {text[:200]}")
    match = re.search(peer.field.replace("%s", r"\s"), text)
    if match is None:
        raise SystemExit(f"{peer.name} login returned no refresh token")
    return match.group(1)


def _serving_pids(peer: Peer, url: str) -> set[int]:
    """The server's processes and its PostgreSQL backends."""
    pids = process_tree(peer.pid) if peer.pid and Path("/proc").is_dir() else set()
    if peer.appname is not None and pids:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            query = "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
            pids |= {int(row[0]) for row in conn.execute(query, (peer.appname,))}
    return pids


def _wrk(
    peer: Peer, op: str, clients: int, seconds: float, workdir: Path, url: str
) -> tuple[float, int, float | None]:
    """(requests/s, non-2xx responses, CPU ms per request or None without /proc)."""
    threads = min(2, clients)
    path = peer.refresh_path if op == "refresh" else peer.login_path
    head = f"PATH = {json.dumps(path)}\nKIND = {json.dumps(peer.name)}\n"
    head += f"FIELD = {json.dumps(peer.field)}\nBODY = {json.dumps(peer.login_body)}\n"
    script = workdir / f"{peer.name}-{op}.lua"
    script.write_text(head + (LUA_REFRESH if op == "refresh" else LUA_LOGIN), encoding="utf-8")
    extra: list[str] = []
    if op == "refresh":  # a pool per thread: its connections plus spares
        need = threads * (clients // threads + 2)
        with ThreadPoolExecutor(4) as pool:
            extra = ["--", str(threads), *pool.map(lambda _: _login_token(peer), range(need))]
    before = _serving_pids(peer, url)  # measured around wrk alone: not the logins above
    cpu_before = cpu_seconds(before)
    done = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "-s", str(script),
         f"http://127.0.0.1:{peer.port}", *extra],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    cpu = cpu_seconds(before | _serving_pids(peer, url)) - cpu_before  # new backends: all
    rate = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", done.stdout)
    count = re.search(r"(\d+) requests in", done.stdout)
    if rate is None or count is None:
        raise SystemExit(f"wrk printed no rate:\n{done.stdout}\n{done.stderr}")
    per_request = 1000 * cpu / int(count.group(1)) if before and int(count.group(1)) else None
    return float(rate.group(1)), int(bad.group(1)) if bad else 0, per_request


# --- databases and servers ----------------------------------------------------------


def _gatehouse_env(backend: str, workdir: Path, schema: str, url: str) -> dict[str, str]:
    from gatehouse.jose import b64url_encode

    store = f"sqlite:///{workdir / 'gatehouse.db'}" if backend == "sqlite" else url
    config = workdir / "gatehouse.toml"
    config.write_text(
        '[issuer]\nurl = "https://issuer.example"\naudiences = ["https://api.example"]\n\n'
        f"[storage]\nurl = {json.dumps(store)}\nschema = {json.dumps(schema)}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "GATEHOUSE_CONFIG": str(config)}
    env["GATEHOUSE_KEK"] = b64url_encode(secrets.token_bytes(32))
    env.pop("WEB_CONCURRENCY", None)
    return env


def _prepare_gatehouse(env: dict[str, str]) -> None:
    """Keys and the account, with the production argon2 profile."""
    from gatehouse.service.compose import build_stores, build_token_service
    from gatehouse.service.settings import load_settings

    settings = load_settings(env["GATEHOUSE_CONFIG"], environ=env)
    with build_stores(settings) as stores:
        build_token_service(settings, stores, bootstrap=True).create_account(USER, PASSWORD)


def _django_env(backend: str, workdir: Path, schema: str, url: str) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "simplejwt_site.settings"}
    env["PYTHONPATH"] = os.pathsep.join([str(BENCH_DIR), env.get("PYTHONPATH", "")])
    env["BENCH_DJANGO_ENGINE"] = backend
    env["BENCH_DJANGO_NAME"] = str(workdir / "django.db") if backend == "sqlite" else url
    env["BENCH_DJANGO_SCHEMA"] = schema
    env["PGAPPNAME"] = f"simplejwt:{schema}"  # libpq's default: how ms/req finds its backends
    env["BENCH_DJANGO_SECRET"] = secrets.token_urlsafe(32)
    return env


DJANGO_PREPARE = f"""
import django
django.setup()
from django.core.management import call_command
from django.contrib.auth.models import User
call_command("migrate", verbosity=0)
User.objects.create_user({USER!r}, password={PASSWORD!r})
"""


@contextmanager
def _servers(
    backend: str, workers: int, workdir: Path, schema: str, url: str
) -> Iterator[list[Peer]]:
    gh_env = _gatehouse_env(backend, workdir, f"{schema}_gh", url)
    dj_env = _django_env(backend, workdir, f"{schema}_dj", url)
    _prepare_gatehouse(gh_env)
    subprocess.run([sys.executable, "-c", DJANGO_PREPARE], env=dj_env, check=True)
    gh, dj = _gatehouse_peer(free_port()), _simplejwt_peer(free_port())
    if backend == "postgres":  # the application_name each side's connections carry
        gh = dataclasses.replace(gh, appname=f"gatehouse:{schema}_gh"[:63])
        dj = dataclasses.replace(dj, appname=f"simplejwt:{schema}_dj"[:63])
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [
        subprocess.Popen(
            [GATEHOUSE, "serve", "--workers", str(workers), "--port", str(gh.port)],
            env=gh_env, cwd=workdir, **quiet,  # type: ignore[call-overload]
        ),
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-k", "gthread", "--threads", "4",
             "--workers", str(workers), "--bind", f"127.0.0.1:{dj.port}",
             "--log-level", "warning", "simplejwt_site.wsgi:application"],
            env=dj_env, cwd=workdir, **quiet,  # type: ignore[call-overload]
        ),
    ]  # fmt: skip
    try:
        for peer, proc in zip((gh, dj), procs, strict=True):
            wait_answering(peer.port, peer.login_path, proc, peer.name)
        yield [
            dataclasses.replace(p, pid=proc.pid) for p, proc in zip((gh, dj), procs, strict=True)
        ]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)


def run_backend(backend: str, args: argparse.Namespace) -> list[str]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        names = [f"{args.schema}_gh", f"{args.schema}_dj"] if backend == "postgres" else []
        with (
            pg_schemas(args.postgres, names) if names else _nothing(),
            _servers(backend, args.workers, workdir, args.schema, args.postgres) as peers,
        ):
            for op in args.ops:
                for clients in args.clients:
                    rates: dict[str, list[float]] = {p.name: [] for p in peers}
                    costs: dict[str, list[float]] = {p.name: [] for p in peers}
                    errors = dict.fromkeys(rates, 0)
                    for _ in range(args.rounds):
                        for peer in peers:
                            rate, bad, cost = _wrk(
                                peer, op, clients, args.seconds, workdir, args.postgres
                            )
                            rates[peer.name].append(rate)
                            costs[peer.name].extend([] if cost is None else [cost])
                            errors[peer.name] += bad
                    gh = statistics.median(rates["gatehouse"])
                    dj = statistics.median(rates["simplejwt"])
                    ms = "".join(
                        f" {statistics.median(c):9.2f}" if c else "       n/a"
                        for c in costs.values()
                    )
                    note = "  NON-2xx: " + str(errors) if any(errors.values()) else ""
                    rows.append(
                        f"{backend:9} {op:8} {clients:>7} {gh:12.0f} {dj:12.0f}"
                        f" {gh / dj:8.2f}x{ms}{note}"
                    )
                    print(rows[-1], flush=True)
    return rows


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite and/or postgres")
    parser.add_argument("--clients", default="1,8", help="wrk connections, e.g. 1,8")
    parser.add_argument("--ops", default="refresh,login", help="refresh and/or login")
    parser.add_argument("--seconds", type=int, default=3, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per row")
    parser.add_argument("--workers", type=int, default=2, help="server processes per side")
    parser.add_argument(
        "--postgres", default=POSTGRES, help="PostgreSQL URL (default: %(default)s)"
    )
    parser.add_argument(
        "--schema",
        default=f"peer_bench_{secrets.token_hex(3)}",
        help="prefix of the throw-away PostgreSQL schemas (<prefix>_gh, <prefix>_dj)",
    )
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",")]
    args.ops = args.ops.split(",")
    if not set(args.ops) <= {"refresh", "login"}:
        raise SystemExit("--ops takes refresh and/or login")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk): this bench needs it")
    try:
        import django  # noqa: F401
        import gunicorn  # noqa: F401
        import rest_framework_simplejwt  # noqa: F401
    except ImportError as exc:
        raise SystemExit(f"{exc.name} is missing: pip install -e '.[bench]'") from None
    print(
        f"requests/s, median of {args.rounds} interleaved wrk runs of {args.seconds}s,"
        f" {args.workers} workers each; argon2id m=19MiB t=2 on both sides"
    )
    print(
        f"{'backend':9} {'op':8} {'clients':>7} {'gatehouse':>12} {'simplejwt':>12} {'ratio':>9}"
        f" {'gh ms/req':>9} {'dj ms/req':>9}"
    )
    for backend in args.backends.split(","):
        run_backend(backend, args)


if __name__ == "__main__":
    main()
