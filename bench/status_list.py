"""Token Status Lists: what the check adds to a verify, and what a list costs to build and read.

    python bench/status_list.py [--rounds 100] [--batch 500] [--sizes 10000,100000,1000000]

Verify rows: one ES256 Verifier with ``status_lists=RemoteStatusLists(...)`` against one
without, interleaved round by round in one process (machine drift hits both alike); the
list is already cached, so the rows show the per-verify cost of the check itself (parse the
``status`` claim, one dict lookup, one clock read, one bit). "cached" repeats one token on a
warm verifier; "uncached" has the verified-token cache off (every verify checks the
signature). Build rows: encode + ZLIB level 9 + ES256 sign of a 1-bit list with that many
live tokens and 1 % / 10 % of them revoked at random indices; decode rows: parse + signature
+ inflate + checks, as a verifier does on each fetch.
"""

from __future__ import annotations

import argparse
import functools
import gc
import random
import statistics
import time
from collections.abc import Callable

from gatehouse import JWKS, Verifier
from gatehouse.jose import JWK, encode_jwt, parse_compact
from gatehouse.jose.status_list import StatusListBuilder
from gatehouse.jose.status_list_token import encode_status_list_token, verify_status_list_token
from gatehouse.keys.status_fetch import StatusListResponse
from gatehouse.keys.status_lists import RemoteStatusLists

ISSUER = "https://auth.example.com"
URI = ISSUER + "/statuslists/1"
NOW = int(time.time())  # the system clock, as in production (its monotonic read is C)


class _Served:
    """An in-process fetcher: the bench measures the check, not the network."""

    def __init__(self, token: str) -> None:
        self.body = token.encode()

    def fetch(
        self, url: str, timeout: float, max_size: int, etag: str | None
    ) -> StatusListResponse:
        return StatusListResponse(200, self.body, '"1"')


def _per_call_us(fn: Callable[[], object], batch: int) -> float:
    gc.disable()
    try:
        started = time.perf_counter()
        for _ in range(batch):
            fn()
        return (time.perf_counter() - started) / batch * 1e6
    finally:
        gc.enable()


def verify_rows(rounds: int, batch: int, alg: str) -> None:
    key = JWK.generate(alg)
    builder = StatusListBuilder(1 << 20)
    for idx in random.Random(1).sample(range(1 << 20), 10_000):
        builder.set(idx, 1)
    served = _Served(
        encode_status_list_token(
            builder.freeze(), key, alg, uri=URI, iat=NOW, exp=NOW + 86_400, ttl=86_400
        )
    )
    claims = {
        "iss": ISSUER,
        "sub": "alice",
        "aud": "orders",
        "iat": NOW,
        "exp": NOW + 3600,
        "scope": "orders:read",
        "status": {"status_list": {"idx": 4711, "uri": URI}},
    }
    token = encode_jwt(claims, key, alg)

    def make(cache_size: int, with_status: bool) -> Verifier:
        return Verifier(
            issuer=ISSUER,
            audience="orders",
            keys=JWKS([key if key.kty == "oct" else key.public()]),
            algorithms=[alg],
            cache_size=cache_size,
            status_lists=RemoteStatusLists(fetcher=served, max_ttl=86_400) if with_status else None,
        )

    print(f"verify, {alg}, {rounds} interleaved rounds x {batch} (µs per verify)")
    print("best = the least disturbed round (a shared machine's load only ever adds time)")
    print(f"{'row':<10}{'without':>10}{'with':>10}{'added':>10}{'ratio':>8}{'median +':>10}")
    for label, cache_size, n in (("cached", 1024, batch), ("uncached", 0, max(batch // 20, 50))):
        plain, checked = make(cache_size, False), make(cache_size, True)
        checked.verify(token)  # fetch and cache the list once
        a: list[float] = []
        b: list[float] = []
        for _ in range(rounds):
            a.append(_per_call_us(functools.partial(plain.verify, token), n))
            b.append(_per_call_us(functools.partial(checked.verify, token), n))
        base, with_check = min(a), min(b)
        median_added = statistics.median(b) - statistics.median(a)
        print(
            f"{label:<10}{base:>10.2f}{with_check:>10.2f}{with_check - base:>10.2f}"
            f"{with_check / base:>8.2f}{median_added:>10.2f}"
        )


def list_rows(sizes: list[int]) -> None:
    key = JWK.generate("ES256")
    print()
    print("status list token, 1 bit per token: build = encode + zlib 9 + sign; decode = verify")
    hdr = (
        f"{'live':>9}{'revoked':>9}{'raw KiB':>9}{'token KiB':>11}{'build ms':>10}{'decode ms':>11}"
    )
    print(hdr)
    rng = random.Random(7)
    for size in sizes:
        for rate in (0.01, 0.10):
            builder = StatusListBuilder(size)
            for idx in rng.sample(range(size), int(size * rate)):
                builder.set(idx, 1)
            started = time.perf_counter()
            token = encode_status_list_token(
                builder.freeze(), key, "ES256", uri=URI, iat=NOW, exp=NOW + 600, ttl=60
            )
            build_ms = (time.perf_counter() - started) * 1e3
            started = time.perf_counter()
            verify_status_list_token(
                parse_compact(token, max_size=16 << 20),
                key.public(),
                algorithms=frozenset({"ES256"}),
                uri=URI,
                now=NOW,
            )
            decode_ms = (time.perf_counter() - started) * 1e3
            print(
                f"{size:>9}{rate:>9.0%}{size / 8 / 1024:>9.1f}{len(token) / 1024:>11.1f}"
                f"{build_ms:>10.1f}{decode_ms:>11.1f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--alg", default="ES256", help="verify rows: ES256, EdDSA, HS256 …")
    args = parser.parse_args()
    verify_rows(args.rounds, args.batch, args.alg)
    list_rows([int(s) for s in args.sizes.split(",")])


if __name__ == "__main__":
    main()
