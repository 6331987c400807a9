"""Token exchange (RFC 8693) requests/s at ``/token``, on SQLite and on PostgreSQL, beside
the client-credentials grant on the same server (the field's anchor: Keycloak's sizing
guide gives 120–200 client-credentials grants/s per vCPU).

    python bench/exchange.py [--seconds 2] [--rounds 3] [--clients 4] [--no-postgres]

One uvicorn server (in this process, one worker, h11) over each store; ``--clients``
threads with one keep-alive httpx client each post for ``--seconds`` per round; rounds
interleave exchange and client credentials. Each exchange verifies the subject token in
full (signature, session row, deny-list), signs a new ES256 token and claims a status
index in the store; a client-credentials grant authenticates the client and signs.
PostgreSQL is the local server (``GATEHOUSE_TEST_POSTGRES`` or
``postgresql://postgres@127.0.0.1:5432/test``), in a schema created and dropped here.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from gatehouse.issuer import FAST_TEST_PROFILE
from gatehouse.jose import b64url_encode
from gatehouse.service.app import create_app
from gatehouse.service.compose import build_stores, build_token_service
from gatehouse.service.settings import load_settings

ISSUER = "https://issuer.example"
ORDERS = "https://orders.example"
PROFILE = "https://profile.example"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"
PASSWORD = "correct horse battery staple"
POSTGRES = os.environ.get("GATEHOUSE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def _served(store_env: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    """(base URL, alice's access token, orders-service's Basic header) while serving."""
    env = {
        "GATEHOUSE_ISSUER_URL": ISSUER,
        "GATEHOUSE_ISSUER_AUDIENCES": f"{ORDERS},{PROFILE}",
        "GATEHOUSE_ISSUER_DEFAULT_AUDIENCE": ORDERS,
        "GATEHOUSE_ISSUER_ACCESS_TOKEN_TTL": "3600",
        "GATEHOUSE_KEK": b64url_encode(secrets.token_bytes(32)),
        **store_env,
    }
    settings = load_settings(environ=env)
    stores = build_stores(settings)
    service = build_token_service(settings, stores, password_profile=FAST_TEST_PROFILE)
    service.create_account("alice", PASSWORD, allowed_scopes=["read"])
    made = service.register_client(
        "orders-service",
        allowed_audiences=[PROFILE],
        allowed_scopes=["read"],
        grant_types=["client_credentials", EXCHANGE],
    )
    assert made.client_secret is not None
    basic = "Basic " + base64.b64encode(f"orders-service:{made.client_secret}".encode()).decode()
    app = create_app(service, settings.http, ping=stores.ping, close=stores.close)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", http="h11")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:  # a bench may wait; tests use the signalled start helper
        time.sleep(0.01)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        login = httpx.post(f"{url}/login", json={"username": "alice", "password": PASSWORD})
        yield url, login.json()["access_token"], basic
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        stores.close()


def _rate(url: str, form: dict[str, str], basic: str, seconds: float, clients: int) -> float:
    """Successful POST /token per second over ``clients`` threads."""
    done = [0] * clients
    stop = time.perf_counter() + seconds

    def work(n: int) -> None:
        with httpx.Client(base_url=url, headers={"Authorization": basic}) as http:
            while time.perf_counter() < stop:
                answer = http.post("/token", data=form)
                assert answer.status_code == 200, answer.text
                done[n] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - start)


def _measure(name: str, store_env: dict[str, str], args: Any) -> None:
    with _served(store_env) as (url, subject, basic):
        exchange = {
            "grant_type": EXCHANGE,
            "subject_token": subject,
            "subject_token_type": ACCESS,
            "audience": PROFILE,
        }
        credentials = {"grant_type": "client_credentials", "audience": PROFILE}
        _rate(url, exchange, basic, 0.5, args.clients)  # warm up
        rates: dict[str, list[float]] = {"exchange": [], "client_credentials": []}
        for _ in range(args.rounds):
            rates["exchange"].append(_rate(url, exchange, basic, args.seconds, args.clients))
            rates["client_credentials"].append(
                _rate(url, credentials, basic, args.seconds, args.clients)
            )
    ex = statistics.median(rates["exchange"])
    cc = statistics.median(rates["client_credentials"])
    print(f"{name:10} {ex:14.0f} {cc:20.0f} {ex / cc:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--schema", default="gh_bench", help="PostgreSQL schema prefix (a random suffix is added)"
    )
    args = parser.parse_args()
    print(f"requests/s, median of {args.rounds} rounds, {args.clients} keep-alive clients")
    print(f"{'store':10} {'exchange/s':>14} {'client_credentials/s':>20} {'ratio':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        _measure("SQLite", {"GATEHOUSE_STORAGE_URL": f"sqlite:///{Path(tmp) / 'gh.db'}"}, args)
    if args.no_postgres:
        return
    import psycopg

    schema = f"{args.schema}_{secrets.token_hex(4)}"
    try:
        _measure(
            "PostgreSQL",
            {"GATEHOUSE_STORAGE_URL": POSTGRES, "GATEHOUSE_STORAGE_SCHEMA": schema},
            args,
        )
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()
