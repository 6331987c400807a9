"""Time from revocation to refusal at a verifier using Token Status Lists, p50/p99.

    python bench/status_list_revocation.py [--trials 300] [--ttls 5,60] [--interval 0.1]

A loopback publisher serves the current status list token (with an ETag, so unchanged lists
revalidate with a 304); a Verifier with ``RemoteStatusLists`` sees one request every
``--interval`` seconds of simulated time. Each trial waits a random part of a ``ttl``, flips
the token's bit (the publisher re-signs the list at once, as the issuer will in the same
transaction as the logout), and counts the simulated time until the verifier refuses the
token, plus the real wall time of the fetch that brought the new list. The issuer side is
phase 2; this isolates what the verifier's caching adds. Expect p50 ≈ ttl/2, p99 ≈ ttl.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.errors import TokenRevokedError
from gatehouse.jose import JWK, encode_jwt
from gatehouse.jose.status_list import StatusListBuilder
from gatehouse.jose.status_list_token import encode_status_list_token
from gatehouse.keys.status_lists import RemoteStatusLists


class _Publisher(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.token = b""
        self.etag = '"0"'
        self.fetches = 0


class _Handler(BaseHTTPRequestHandler):
    server: _Publisher

    def do_GET(self) -> None:
        publisher = self.server
        publisher.fetches += 1
        fresh = self.headers.get("If-None-Match") == publisher.etag
        body = b"" if fresh else publisher.token
        self.send_response(304 if fresh else 200)
        self.send_header("ETag", publisher.etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def run(ttl: int, trials: int, interval: float) -> tuple[list[float], int]:
    publisher = _Publisher()
    threading.Thread(target=publisher.serve_forever, daemon=True).start()
    issuer = f"http://127.0.0.1:{publisher.server_address[1]}"
    uri = issuer + "/statuslists/1"
    key = JWK.generate("ES256")
    clock = ManualClock()
    version = 0

    def publish(revoked: bool) -> None:
        nonlocal version
        builder = StatusListBuilder(1 << 16)
        if revoked:
            builder.set(4711, 1)
        now = int(clock.time())
        publisher.token = encode_status_list_token(
            builder.freeze(), key, "ES256", uri=uri, iat=now, exp=now + 86_400, ttl=ttl
        ).encode()
        version += 1
        publisher.etag = f'"{version}"'

    verifier = Verifier(
        issuer=issuer,
        audience="orders",
        keys=JWKS([key.public()]),
        algorithms=["ES256"],
        clock=clock,
        status_lists=RemoteStatusLists(min_ttl=1),
    )
    claims = {"iss": issuer, "aud": "orders", "sub": "alice", "exp": int(clock.time()) + 10**7}
    claims["status"] = {"status_list": {"idx": 4711, "uri": uri}}
    token = encode_jwt(claims, key, "ES256")
    rng = random.Random(11)
    delays: list[float] = []
    publish(revoked=False)
    verifier.verify(token)
    for _ in range(trials):
        clock.advance(rng.uniform(0, ttl))
        verifier.verify(token)
        publish(revoked=True)
        waited = 0.0
        while True:
            started = time.perf_counter()
            try:
                verifier.verify(token)
            except TokenRevokedError:
                delays.append(waited + time.perf_counter() - started)
                break
            clock.advance(interval)
            waited += interval
        clock.advance(ttl)  # let the revoked list go stale, then restore the token
        publish(revoked=False)
        verifier.verify(token)
    publisher.shutdown()
    return delays, publisher.fetches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--ttls", default="5,60")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between requests")
    args = parser.parse_args()
    print(f"revocation → refusal, one request every {args.interval:g} s, {args.trials} trials")
    print(f"{'ttl s':>6}{'p50 s':>9}{'p99 s':>9}{'max s':>9}{'p50/ttl':>9}{'fetches':>9}")
    for ttl in (int(t) for t in args.ttls.split(",")):
        delays, fetches = run(ttl, args.trials, args.interval)
        cuts = statistics.quantiles(delays, n=100)
        print(
            f"{ttl:>6}{statistics.median(delays):>9.2f}{cuts[98]:>9.2f}{max(delays):>9.2f}"
            f"{statistics.median(delays) / ttl:>9.2f}{fetches:>9}"
        )


if __name__ == "__main__":
    main()
