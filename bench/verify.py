"""µs per token verification: gatehouse (uncached, cached) against PyJWT, joserfc and the
raw ``cryptography`` signature check on the same signing input, interleaved in one process.

    python bench/verify.py [--rounds 15] [--batch 400] [--algs HS256,RS256,ES256,EdDSA]

Each round times one batch of every contender in turn, so drift in machine load hits all
of them alike; the table shows the median round. "uncached" verifies tokens it has never
seen (the verified-token cache is off); "cached" repeats one token on a warm verifier.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

import jwt as pyjwt
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet as JoseKeySet

from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.jose import JWK, encode_jwt, parse_compact

ISSUER = "https://auth.example.com"
AUDIENCE = "orders"
NOW = 1_700_000_000


def claims(i: int) -> dict[str, Any]:
    return {
        "iss": ISSUER,
        "sub": f"user-{i}",
        "aud": AUDIENCE,
        "exp": NOW + 600,
        "iat": NOW,
        "jti": f"{i:032x}",
        "client_id": "web",
        "scope": "orders:read orders:write",
        "sid": "session-1",
        "roles": ["customer"],
    }


def raw_check(alg: str, key: JWK, token: str) -> Callable[[], None]:
    """The bare ``cryptography`` call a JOSE library cannot avoid, on the same input."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import hmac as chmac
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    jws = parse_compact(token)
    data, sig = jws.signing_input, jws.signature
    crypto_key = key._key  # the benchmark reaches in on purpose: same key object
    if alg == "HS256":
        secret = crypto_key

        def check() -> None:
            h = chmac.HMAC(secret, hashes.SHA256())
            h.update(data)
            h.verify(sig)

        return check
    if alg == "RS256":
        pub = crypto_key.public_key()
        return lambda: pub.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
    if alg == "ES256":
        pub = crypto_key.public_key()
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        return lambda: pub.verify(der, data, ec.ECDSA(hashes.SHA256()))
    pub = crypto_key.public_key()
    return lambda: pub.verify(sig, data)


def contenders(alg: str, n_tokens: int) -> dict[str, Callable[[], None]]:
    key = JWK.generate(alg)
    tokens = [encode_jwt(claims(i), key, alg) for i in range(n_tokens)]
    if alg == "HS256":
        jwks = JWKS.from_dict({"keys": [key.to_dict(private=True)]}, symmetric=True)
    else:
        jwks = JWKS.from_dict({"keys": [key.public().to_dict()]})
    clock = ManualClock(wall=NOW + 1)
    uncached = Verifier(
        issuer=ISSUER, audience=AUDIENCE, keys=jwks, algorithms=[alg], cache_size=0, clock=clock
    )
    cached = Verifier(issuer=ISSUER, audience=AUDIENCE, keys=jwks, algorithms=[alg], clock=clock)
    cached.verify(tokens[0])

    pyjwt_key: Any = (
        key._key if alg == "HS256" else pyjwt.PyJWK.from_dict(key.public().to_dict()).key
    )
    jose_keys = JoseKeySet.import_key_set(
        {"keys": [key.to_dict(private=True) if alg == "HS256" else key.public().to_dict()]}
    )
    jose_registry = jose_jwt.JWTClaimsRegistry(
        now=lambda: NOW + 1, iss={"essential": True, "value": ISSUER}, aud={"value": AUDIENCE}
    )

    # Each contender walks the token list so no library sees one token twice in a row.
    def cycler() -> Callable[[], str]:
        state = {"i": 0}

        def next_token() -> str:
            i = state["i"] = (state["i"] + 1) % n_tokens
            return tokens[i]

        return next_token

    nt_g, nt_p, nt_j = cycler(), cycler(), cycler()
    pyjwt_opts = {"verify_exp": False}  # PyJWT reads the wall clock; our tokens are "now" fixed

    def gatehouse_uncached() -> None:
        uncached.verify(nt_g(), scopes=("orders:read",))

    def gatehouse_cached() -> None:
        cached.verify(tokens[0], scopes=("orders:read",))

    def pyjwt_verify() -> None:
        pyjwt.decode(
            nt_p(),
            pyjwt_key,
            algorithms=[alg],
            audience=AUDIENCE,
            issuer=ISSUER,
            options=pyjwt_opts,
        )

    def joserfc_verify() -> None:
        token = jose_jwt.decode(nt_j(), jose_keys, algorithms=[alg])
        jose_registry.validate(token.claims)

    return {
        "raw": raw_check(alg, key, tokens[0]),
        "gatehouse": gatehouse_uncached,
        "cached": gatehouse_cached,
        "pyjwt": pyjwt_verify,
        "joserfc": joserfc_verify,
    }


def time_batch(fn: Callable[[], None], batch: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(batch):
        fn()
    return (time.perf_counter_ns() - start) / batch / 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=400)
    parser.add_argument("--algs", default="HS256,RS256,ES256,EdDSA")
    args = parser.parse_args()

    rows = []
    for alg in args.algs.split(","):
        fns = contenders(alg, n_tokens=max(args.batch, 2000))
        for fn in fns.values():  # warm up: key objects, header caches, imports
            time_batch(fn, 50)
        samples: dict[str, list[float]] = {name: [] for name in fns}
        gc.disable()
        try:
            for _ in range(args.rounds):
                for name, fn in fns.items():
                    samples[name].append(time_batch(fn, args.batch))
        finally:
            gc.enable()
        med = {name: statistics.median(v) for name, v in samples.items()}
        rows.append((alg, med))

    header = (
        f"{'alg':6} {'raw µs':>8} {'gatehouse':>10} {'cached':>7} {'PyJWT':>8} {'joserfc':>8}"
        f" | {'gh/raw':>6} {'gh/PyJWT':>8} {'gh/joserfc':>10}"
    )
    print(header)
    print("-" * len(header))
    for alg, m in rows:
        print(
            f"{alg:6} {m['raw']:8.1f} {m['gatehouse']:10.1f} {m['cached']:7.2f} {m['pyjwt']:8.1f}"
            f" {m['joserfc']:8.1f} | {m['gatehouse'] / m['raw']:6.2f}"
            f" {m['gatehouse'] / m['pyjwt']:8.2f} {m['gatehouse'] / m['joserfc']:10.2f}"
        )


if __name__ == "__main__":
    main()
