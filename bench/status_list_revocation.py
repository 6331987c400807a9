"""Time from revocation to refusal at a verifier, through the real token service, p50/p99.

    python bench/status_list_revocation.py [--trials 200] [--ttls 5,60] [--interval 0.1]

The token service (``TokenService`` over SQLite, ``[status_list] ttl`` as given) runs under
uvicorn on loopback; a protected side's ``Verifier`` with ``RemoteJWKS`` and
``RemoteStatusLists`` fetches the JWKS and ``GET /statuslists/1`` from it over HTTP and sees
one request every ``--interval`` seconds of simulated time (one injected clock for both).
Each trial logs in, waits a random part of a ``ttl``, logs out over ``POST /logout`` (the
bit is set in the logout's transaction; the next ``GET`` of the list is rebuilt once for
the new version) and counts the simulated time until the verifier refuses the token, plus
the real wall time of the fetch that brought the new list. Expect p50 ≈ ttl/2, p99 ≈ ttl.
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from gatehouse import ManualClock, RemoteJWKS, Verifier
from gatehouse.errors import TokenRevokedError
from gatehouse.issuer import FAST_TEST_PROFILE, IssuerConfig, KeyEncryptionKey, TokenService
from gatehouse.issuer.status_config import StatusListConfig
from gatehouse.keys.status_lists import RemoteStatusLists
from gatehouse.service.app import create_app
from gatehouse.storage.ports import Stores
from gatehouse.storage.sqlite import SQLiteStore


def run(ttl: int, trials: int, interval: float, folder: Path) -> tuple[list[float], list[float]]:
    """Delays (simulated seconds) and wall times (s) of the fetch that saw the revocation."""
    clock = ManualClock()
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    issuer = f"http://127.0.0.1:{port}"
    config = IssuerConfig(
        issuer=issuer,
        default_audience="orders",
        password_profile=FAST_TEST_PROFILE,
        development=True,
    )
    store = SQLiteStore(folder / f"ttl{ttl}.db", clock=clock)
    service = TokenService(
        config,
        Stores.single(store),
        KeyEncryptionKey.generate(),
        clock=clock,
        status_lists=StatusListConfig(ttl=ttl),
    )
    service.bootstrap()
    service.create_account("alice", "correct horse battery")
    app = create_app(service, ping=store.ping)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    verifier = Verifier(
        issuer=issuer,
        audience="orders",
        keys=RemoteJWKS(f"{issuer}/.well-known/jwks.json", clock=clock),
        algorithms=["ES256"],
        clock=clock,
        status_lists=RemoteStatusLists(clock=clock, min_ttl=1),
    )
    rng = random.Random(11)
    delays: list[float] = []
    walls: list[float] = []
    with httpx.Client(base_url=issuer, timeout=10) as http:
        for _ in range(trials):
            pair = service.login("alice", "correct horse battery")
            verifier.verify(pair.access_token)
            clock.advance(rng.uniform(0, ttl))
            verifier.verify(pair.access_token)
            assert http.post("/logout", json={"refresh_token": pair.refresh_token}).is_success
            waited = 0.0
            while True:
                started = time.perf_counter()
                try:
                    verifier.verify(pair.access_token)
                except TokenRevokedError:
                    walls.append(time.perf_counter() - started)
                    delays.append(waited)
                    break
                clock.advance(interval)
                waited += interval
    server.should_exit = True
    thread.join(timeout=5)
    store.close()
    return delays, walls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--ttls", default="5,60")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between requests")
    args = parser.parse_args()
    print(f"logout → refusal, one request every {args.interval:g} s, {args.trials} trials")
    print(f"{'ttl s':>6}{'p50 s':>9}{'p99 s':>9}{'max s':>9}{'p50/ttl':>9}{'fetch ms p50':>14}")
    with tempfile.TemporaryDirectory() as folder:
        for ttl in (int(t) for t in args.ttls.split(",")):
            delays, walls = run(ttl, args.trials, args.interval, Path(folder))
            cuts = statistics.quantiles(delays, n=100)
            print(
                f"{ttl:>6}{statistics.median(delays):>9.2f}{cuts[98]:>9.2f}{max(delays):>9.2f}"
                f"{statistics.median(delays) / ttl:>9.2f}{statistics.median(walls) * 1e3:>14.2f}"
            )


if __name__ == "__main__":
    main()
