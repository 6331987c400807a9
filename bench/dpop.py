"""µs per DPoP-bound request check (token + proof) against its floor, in one process.

    python bench/dpop.py [--rounds 15] [--batch 300] [--algs ES256,EdDSA] [--redis URL]

The floor is what no implementation can avoid on the same inputs: the raw
``cryptography`` check of the token's signature, of the proof's signature, and one
SHA-256 of the token (``ath``). The contenders are ``DPoPVerifier.verify_request`` with
the verified-token cache off (every token new) and no replay check; the same with the
in-memory and the Redis replay cache (the difference is the replay cost per request);
and with the token cache warm ("token cached": a client reuses its access token, each
request with a fresh proof, which is how DPoP is used). Every request has its own proof
(a fresh jti). Times are this process's CPU time (``time.process_time``), so other load
on a shared machine does not count, except for Redis, whose round trip is wall time
("redis" and its cost are measured with ``perf_counter``). Each round times one batch of
every contender in turn; the best round is shown. The target is "no replay" ≤ 1.2×
the floor.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import secrets
import time
from collections.abc import Callable
from typing import Any

from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.dpop import DPoPVerifier, MemoryReplayCache, NoReplayCheck
from gatehouse.jose import JWK, encode_jwt, parse_compact
from gatehouse.jose.dpop_make import make_proof

ISSUER = "https://auth.example.com"
AUDIENCE = "orders"
URL = "https://api.example.com/orders/42"
NOW = 1_700_000_000


def raw_verify(key: JWK, token: str) -> Callable[[], None]:
    """The bare signature check of ``token`` with ``key``'s public key object."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    jws = parse_compact(token)
    data, sig = jws.signing_input, jws.signature
    pub = key._key.public_key()  # the benchmark reaches in on purpose: the same key object
    if key.kty == "EC":
        half = len(sig) // 2
        der = encode_dss_signature(
            int.from_bytes(sig[:half], "big"), int.from_bytes(sig[half:], "big")
        )
        algorithm = ec.ECDSA(hashes.SHA256())
        return lambda: pub.verify(der, data, algorithm)
    return lambda: pub.verify(sig, data)


class Case:
    """One algorithm's requests: tokens bound to client keys, and a proof per request."""

    def __init__(self, alg: str, n: int, rounds: int) -> None:
        issuer = JWK.generate(alg, kid="issuer")
        client = JWK.generate(alg)
        self.keys = JWKS([issuer.public()])
        self.alg = alg
        jkt = client.thumbprint()
        self.tokens = [
            encode_jwt(
                {
                    "iss": ISSUER,
                    "aud": AUDIENCE,
                    "sub": f"user-{i}",
                    "iat": NOW,
                    "exp": NOW + 600,
                    "jti": f"{i:032x}",
                    "scope": "orders:read",
                    "cnf": {"jkt": jkt},
                },
                issuer,
                alg,
            )
            for i in range(n)
        ]
        # proofs[contender][round][i]: never reused, so no replay cache ever says "seen".
        self.proofs: dict[str, list[list[str]]] = {
            name: [
                [
                    make_proof(client, method="GET", url=URL, now=NOW, access_token=t)
                    for t in self.tokens
                ]
                for _ in range(rounds)
            ]
            for name in ("no replay", "memory replay", "redis replay", "token cached")
        }
        self.floor_parts = [
            (raw_verify(issuer, t), raw_verify(client, p), t.encode("ascii"))
            for t, p in zip(self.tokens, self.proofs["no replay"][0], strict=True)
        ]

    def verifier(self, replay: Any, *, cache_tokens: bool = False) -> DPoPVerifier:
        clock = ManualClock(wall=NOW, monotonic=NOW)
        inner = Verifier(
            issuer=ISSUER,
            audience=AUDIENCE,
            keys=self.keys,
            algorithms=[self.alg],
            cache_size=len(self.tokens) if cache_tokens else 0,
            clock=clock,
        )
        if cache_tokens:
            for token in self.tokens:
                inner.verify(token)
        return DPoPVerifier(inner, replay=replay, clock=clock)


def time_floor(case: Case) -> float:
    sha256 = hashlib.sha256
    start = time.process_time()
    for token_check, proof_check, token_bytes in case.floor_parts:
        token_check()
        proof_check()
        sha256(token_bytes).digest()
    return time.process_time() - start


def time_gatehouse(
    case: Case, dv: DPoPVerifier, proofs: list[str], timer: Callable[[], float]
) -> float:
    verify = dv.verify_request
    start = timer()
    for token, proof in zip(case.tokens, proofs, strict=True):
        verify(authorization="DPoP " + token, dpop=proof, method="GET", url=URL)
    return timer() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=300)
    parser.add_argument("--algs", default="ES256,EdDSA")
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/0",
        help="Redis URL for the shared replay cache ('' to skip)",
    )
    parser.add_argument(
        "--redis-prefix", default="gh_bench", help="key prefix (a random suffix is added)"
    )
    args = parser.parse_args()
    redis_cache = None
    prefix = f"{args.redis_prefix}:{secrets.token_hex(4)}:"
    if args.redis:
        from gatehouse.storage.redis_dpop import RedisReplayCache

        redis_cache = RedisReplayCache(args.redis, prefix=prefix)
    print(f"µs per request, best of {args.rounds} rounds of {args.batch} (token + proof)")
    header = f"{'alg':7} {'floor':>7} {'no replay':>10} {'ratio':>6} {'memory':>8} {'redis':>8}"
    print(header + f"  {'memory cost':>11} {'redis cost':>10} {'token cached':>13} {'ratio':>6}")
    for alg in args.algs.split(","):
        case = Case(alg, args.batch, args.rounds)
        contenders: dict[str, DPoPVerifier | None] = {
            "no replay": case.verifier(NoReplayCheck()),
            "memory replay": case.verifier(MemoryReplayCache()),
            "redis replay": case.verifier(redis_cache) if redis_cache else None,
            "token cached": case.verifier(NoReplayCheck(), cache_tokens=True),
        }
        # A no-replay twin timed on the wall clock, so the Redis cost compares like with like.
        wall_base = case.verifier(NoReplayCheck())
        times_wall: list[float] = []
        times: dict[str, list[float]] = {"floor": [], **{name: [] for name in contenders}}
        gc.disable()
        try:
            for r in range(args.rounds):
                times["floor"].append(time_floor(case))
                for name, dv in contenders.items():
                    if dv is not None:
                        timer = time.perf_counter if name == "redis replay" else time.process_time
                        times[name].append(time_gatehouse(case, dv, case.proofs[name][r], timer))
                if redis_cache is not None:
                    times_wall.append(
                        time_gatehouse(
                            case, wall_base, case.proofs["no replay"][r], time.perf_counter
                        )
                    )
        finally:
            gc.enable()
        us = {name: min(t) / args.batch * 1e6 if t else float("nan") for name, t in times.items()}
        wall = min(times_wall) / args.batch * 1e6 if times_wall else float("nan")
        print(
            f"{alg:7} {us['floor']:7.1f} {us['no replay']:10.1f} "
            f"{us['no replay'] / us['floor']:5.2f}x {us['memory replay']:8.1f} "
            f"{us['redis replay']:8.1f}  {us['memory replay'] - us['no replay']:11.1f} "
            f"{us['redis replay'] - wall:10.1f} {us['token cached']:13.1f} "
            f"{us['token cached'] / us['floor']:5.2f}x"
        )
    if redis_cache is not None:
        import redis

        client = redis.Redis.from_url(args.redis)
        keys = list(client.scan_iter(match=prefix + "*"))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
        client.close()


if __name__ == "__main__":
    main()
