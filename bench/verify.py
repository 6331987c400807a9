"""µs per token verification: gatehouse (uncached, cached) against PyJWT, joserfc and the
raw ``cryptography`` signature check on the same signing input, interleaved in one process.

    python bench/verify.py [--rounds 15] [--batch 400] [--algs HS256,RS256,ES256,EdDSA]

Each round times one batch of every contender in turn, so drift in machine load hits all
of them alike; the table shows the median round. "uncached" verifies tokens it has never
seen (the verified-token cache is off); "cached" repeats one token on a warm verifier.
Every contender checks the same claims: signature, ``exp`` required and checked, ``iss``
and ``aud`` required and compared; "raw" is the bare signature check over the same
distinct tokens (no parsing, no claims). "floor" is the least a Python verifier can do
with the standard library: split at the dots, base64-decode the signature and payload,
``json.loads``, compare ``exp``, ``iss`` and ``aud``, and make raw's signature call; none
of RFC 8725's checks. ``gh/floor`` is what gatehouse's strictness costs above that, and
``floor/raw`` how far any pure-Python verifier sits from the signature alone.
"""

from __future__ import annotations

import argparse
import binascii
import gc
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import jwt as pyjwt
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet as JoseKeySet

from gatehouse import JWKS, Verifier
from gatehouse.jose import JWK, encode_jwt, parse_compact

ISSUER = "https://auth.example.com"
AUDIENCE = "orders"
NOW = int(time.time())  # PyJWT checks exp against the wall clock: mint relative to it


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


def raw_check(alg: str, key: JWK, tokens: list[str]) -> Callable[[], None]:
    """The bare ``cryptography`` call a JOSE library cannot avoid, on each token in turn.

    Signing inputs and signatures (DER for ECDSA) are prepared outside the timing: what
    is timed is the signature check alone, over distinct tokens as the libraries see them.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import hmac as chmac
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    parts = [parse_compact(token) for token in tokens]
    inputs = [(jws.signing_input, jws.signature) for jws in parts]
    if alg == "ES256":
        inputs = [
            (
                data,
                encode_dss_signature(
                    int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
                ),
            )
            for data, sig in inputs
        ]
    crypto_key = key._key  # the benchmark reaches in on purpose: same key object
    state = {"i": 0}

    def next_input() -> tuple[bytes, bytes]:
        i = state["i"] = (state["i"] + 1) % len(inputs)
        return inputs[i]

    if alg == "HS256":
        secret = crypto_key

        def check() -> None:
            data, sig = next_input()
            h = chmac.HMAC(secret, hashes.SHA256())
            h.update(data)
            h.verify(sig)

        return check
    pub = crypto_key.public_key()
    if alg == "RS256":

        def check_rsa() -> None:
            data, sig = next_input()
            pub.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())

        return check_rsa
    if alg == "ES256":

        def check_ec() -> None:
            data, der = next_input()
            pub.verify(der, data, ec.ECDSA(hashes.SHA256()))

        return check_ec

    def check_eddsa() -> None:
        data, sig = next_input()
        pub.verify(sig, data)

    return check_eddsa


def floor_check(alg: str, key: JWK, tokens: list[str]) -> Callable[[], None]:
    """The stdlib floor: what every verifier pays above the signature, with no checks.

    Canonical base64url, duplicate members, header types, ``typ``, NumericDate types and
    the allow-list are all skipped; ES256's R || S still becomes DER, as it must.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import hmac as chmac
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    to_std = bytes.maketrans(b"-_", b"+/")
    a2b, loads, wall = binascii.a2b_base64, json.loads, time.time  # wall: as gatehouse reads it
    crypto_key = key._key  # as raw_check: the same key object
    state = {"i": 0}
    signature_check: Callable[[bytes, bytes], None]
    if alg == "HS256":

        def signature_check(sig: bytes, data: bytes) -> None:
            h = chmac.HMAC(crypto_key, hashes.SHA256())
            h.update(data)
            h.verify(sig)

    elif alg == "RS256":
        pub_rsa = crypto_key.public_key()

        def signature_check(sig: bytes, data: bytes) -> None:
            pub_rsa.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())

    elif alg == "ES256":
        pub_ec = crypto_key.public_key()

        def signature_check(sig: bytes, data: bytes) -> None:
            der = encode_dss_signature(
                int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
            )
            pub_ec.verify(der, data, ec.ECDSA(hashes.SHA256()))

    else:
        signature_check = crypto_key.public_key().verify

    def check() -> None:
        i = state["i"] = (state["i"] + 1) % len(tokens)
        raw = tokens[i].encode()
        head, _, rest = raw.partition(b".")
        payload, _, sig = rest.rpartition(b".")
        signature_check(a2b(sig.translate(to_std) + b"=="), raw[: len(head) + 1 + len(payload)])
        claims = loads(a2b(payload.translate(to_std) + b"=="))
        if claims["exp"] <= wall() or claims["iss"] != ISSUER or claims["aud"] != AUDIENCE:
            raise ValueError("the floor refused a good token")

    return check


def contenders(alg: str, n_tokens: int) -> dict[str, Callable[[], None]]:
    key = JWK.generate(alg)
    tokens = [encode_jwt(claims(i), key, alg) for i in range(n_tokens)]
    if alg == "HS256":
        jwks = JWKS.from_dict({"keys": [key.to_dict(private=True)]}, symmetric=True)
    else:
        jwks = JWKS.from_dict({"keys": [key.public().to_dict()]})
    # The system clock, as a deployment has it (the tokens are minted relative to it): a
    # cache hit reads time.time itself, where an injected clock costs a Python call more.
    uncached = Verifier(issuer=ISSUER, audience=AUDIENCE, keys=jwks, algorithms=[alg], cache_size=0)
    cached = Verifier(issuer=ISSUER, audience=AUDIENCE, keys=jwks, algorithms=[alg])
    cached.verify(tokens[0])

    pyjwt_key: Any = (
        key._key if alg == "HS256" else pyjwt.PyJWK.from_dict(key.public().to_dict()).key
    )
    jose_keys = JoseKeySet.import_key_set(
        {"keys": [key.to_dict(private=True) if alg == "HS256" else key.public().to_dict()]}
    )
    jose_registry = jose_jwt.JWTClaimsRegistry(
        now=lambda: NOW + 1,
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": AUDIENCE},
        exp={"essential": True},
    )

    # Each contender walks the token list so no library sees one token twice in a row.
    def cycler() -> Callable[[], str]:
        state = {"i": 0}

        def next_token() -> str:
            i = state["i"] = (state["i"] + 1) % n_tokens
            return tokens[i]

        return next_token

    nt_g, nt_p, nt_j = cycler(), cycler(), cycler()
    # The checks gatehouse makes: exp required and checked (PyJWT reads the wall clock, so
    # the tokens are minted relative to it), iss and aud required and compared.
    pyjwt_opts: Any = {"require": ["exp", "iss", "aud"], "verify_exp": True}

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

    expired = encode_jwt({**claims(0), "exp": NOW - 60}, key, alg)
    for name, check in (
        ("gatehouse", lambda: uncached.verify(expired)),
        ("PyJWT", lambda: pyjwt.decode(expired, pyjwt_key, algorithms=[alg], audience=AUDIENCE,
                                       issuer=ISSUER, options=pyjwt_opts)),
        ("joserfc", lambda: jose_registry.validate(
            jose_jwt.decode(expired, jose_keys, algorithms=[alg]).claims)),
    ):  # fmt: skip
        try:
            check()
        except Exception:  # each library's own expired-token error
            continue
        raise SystemExit(f"{name} accepted an expired token: the comparison would be unfair")

    return {
        "raw": raw_check(alg, key, tokens),
        "floor": floor_check(alg, key, tokens),
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
        f"{'alg':6} {'raw µs':>8} {'floor':>7} {'gatehouse':>10} {'cached':>7} {'PyJWT':>8}"
        f" {'joserfc':>8} | {'gh/raw':>6} {'floor/raw':>9} {'gh/floor':>8} {'gh/PyJWT':>8}"
        f" {'gh/joserfc':>10}"
    )
    print(header)
    print("-" * len(header))
    for alg, m in rows:
        gh = m["gatehouse"]
        print(
            f"{alg:6} {m['raw']:8.1f} {m['floor']:7.1f} {gh:10.1f} {m['cached']:7.2f}"
            f" {m['pyjwt']:8.1f} {m['joserfc']:8.1f} | {gh / m['raw']:6.2f}"
            f" {m['floor'] / m['raw']:9.2f} {gh / m['floor']:8.2f} {gh / m['pyjwt']:8.2f}"
            f" {gh / m['joserfc']:10.2f}"
        )


if __name__ == "__main__":
    main()
