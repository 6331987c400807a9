"""Cold start: wall time of a fresh interpreter that imports a verifier, loads a JWKS from the
environment and verifies one token — gatehouse against PyJWT doing the same, and against
bare ``python -c pass``.

    python bench/coldstart.py [--runs 30] [--alg ES256]

Runs are interleaved (bare, gatehouse, PyJWT, bare, ...) and the table shows the median and
the minimum over runs. Byte code is compiled first, as it would be in a deployed package.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from gatehouse.jose import JWK, encode_jwt

NOW = int(time.time())

GATEHOUSE = """
import os
from gatehouse import JWKS, Verifier
v = Verifier(issuer="https://auth.example.com", audience="orders",
             keys=JWKS.from_env("JWKS"), algorithms=[os.environ["ALG"]])
assert v.verify(os.environ["TOKEN"])["sub"] == "user-1"
"""

PYJWT = """
import json, os, jwt
keys = jwt.PyJWKSet.from_dict(json.loads(os.environ["JWKS"]))
key = keys[jwt.get_unverified_header(os.environ["TOKEN"])["kid"]]
claims = jwt.decode(os.environ["TOKEN"], key, algorithms=[os.environ["ALG"]],
                    audience="orders", issuer="https://auth.example.com")
assert claims["sub"] == "user-1"
"""


def run(code: str | None, env: dict[str, str]) -> float:
    argv = [sys.executable, "-c", code if code is not None else "pass"]
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True)
    return (time.perf_counter() - start) * 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--alg", default="ES256")
    args = parser.parse_args()

    key = JWK.generate(args.alg)
    token = encode_jwt(
        {
            "iss": "https://auth.example.com",
            "aud": "orders",
            "sub": "user-1",
            "iat": NOW,
            "exp": NOW + 3600,
        },
        key,
        args.alg,
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        JWKS=json.dumps({"keys": [key.public().to_dict()]}),
        TOKEN=token,
        ALG=args.alg,
    )
    contenders = {"bare python": None, "gatehouse": GATEHOUSE, "PyJWT": PYJWT}
    for code in contenders.values():  # compile and cache byte code, warm the page cache
        run(code, env)
        run(code, env)
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.runs):
        for name, code in contenders.items():
            samples[name].append(run(code, env))

    bare_med = statistics.median(samples["bare python"])
    bare_min = min(samples["bare python"])
    print(f"cold start, {args.alg}: import + JWKS from env + one verify ({args.runs} runs)")
    print(f"{'':12} {'median ms':>10} {'min ms':>8} {'over bare (median)':>19}")
    for name, values in samples.items():
        med, low = statistics.median(values), min(values)
        print(f"{name:12} {med:10.1f} {low:8.1f} {med - bare_med:19.1f}")
    gh = statistics.median(samples["gatehouse"]) - bare_med
    pj = statistics.median(samples["PyJWT"]) - bare_med
    print(f"\ngatehouse adds {gh:.1f} ms, PyJWT adds {pj:.1f} ms: ratio {gh / pj:.2f}")
    print(
        f"(minimums: gatehouse +{min(samples['gatehouse']) - bare_min:.1f} ms, "
        f"PyJWT +{min(samples['PyJWT']) - bare_min:.1f} ms)"
    )


if __name__ == "__main__":
    main()
