"""Cold start: wall time of a fresh interpreter that imports a verifier, loads a JWKS from the
environment and verifies one token — gatehouse against PyJWT doing the same, and against
bare ``python -c pass``; "gh lambda" is the Lambda path (``@require_token`` handling one
HTTP API payload 2.0 event with a valid token).

The floor is "raw floor": ``cryptography``'s EC module, ``json`` and ``base64`` checking the
same token by hand (split, base64url, header, R || S to DER, one ECDSA verify, claims, exp),
with ``ec.ECDSA`` built as gatehouse builds it (without its constructor, which imports the
whole OpenSSL backend module tree). What gatehouse adds over that row is what gatehouse
itself costs. "raw crypto" is the same check through the documented ``ec.ECDSA(...)``, as
code written from cryptography's docs would pay.

    python bench/coldstart.py [--runs 30] [--alg ES256] [--instructions]

Runs are interleaved (bare, gatehouse, PyJWT, bare, ...) and the table shows the median and
the minimum over runs, and the median CPU time (user + sys) of the process, which a busy
machine inflates far less than wall time. Byte code is compiled first, as it would be in a
deployed package.

``--instructions`` counts instead of timing: callgrind's instructions (valgrind) for one
run of bare python, both raw rows, gatehouse and gh lambda, over bare and over the raw
floor. A count does not move with the machine's load; valgrind's CPU model does inflate
OpenSSL's share (see ``bench/instructions.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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

# The Lambda path: the decorator, one HTTP API payload 2.0 event with a valid token.
GATEHOUSE_LAMBDA = """
import os
from gatehouse import JWKS, Verifier
from gatehouse.adapters.aws_lambda import require_token
v = Verifier(issuer="https://auth.example.com", audience="orders",
             keys=JWKS.from_env("JWKS"), algorithms=[os.environ["ALG"]])
@require_token(v)
def handler(event, context, *, claims):
    return {"statusCode": 200, "body": claims["sub"]}
event = {"version": "2.0", "routeKey": "GET /orders", "rawPath": "/orders",
         "rawQueryString": "", "isBase64Encoded": False,
         "headers": {"authorization": "Bearer " + os.environ["TOKEN"], "host": "x.example"},
         "requestContext": {"http": {"method": "GET", "path": "/orders"}, "stage": "$default"}}
assert handler(event, None) == {"statusCode": 200, "body": "user-1"}
"""

# The floor: the same check written by hand over cryptography, json and base64 (no
# gatehouse). ``ecdsa`` is the one line the two raw rows differ in.
RAW = """
import base64, json, os, time
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
def b64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
jwk = json.loads(os.environ["JWKS"])["keys"][0]
key = ec.EllipticCurvePublicKey.from_encoded_point(
    ec.SECP256R1(), b"\\x04" + b64(jwk["x"]) + b64(jwk["y"]))
event = {"version": "2.0", "headers": {"authorization": "Bearer " + os.environ["TOKEN"]}}
scheme, _, token = event["headers"]["authorization"].partition(" ")
assert scheme.lower() == "bearer"
head, body, sig = token.split(".")
header = json.loads(b64(head))
assert header["alg"] == "ES256" and header["kid"] == jwk["kid"]
raw = b64(sig)
der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
ECDSA
key.verify(der, f"{head}.{body}".encode(), ecdsa)
claims = json.loads(b64(body))
assert claims["exp"] > time.time() and claims["iss"] == "https://auth.example.com"
assert claims["aud"] == "orders" and claims["sub"] == "user-1"
"""
RAW_FLOOR = RAW.replace(
    "ECDSA\n",
    "ecdsa = object.__new__(ec.ECDSA)\n"
    "ecdsa._algorithm, ecdsa._deterministic_signing = hashes.SHA256(), False\n",
)
RAW_CRYPTO = RAW.replace("ECDSA\n", "ecdsa = ec.ECDSA(hashes.SHA256())\n")

# gatehouse.client: import the flows and build a client-credentials httpx client (no
# request: the figure is the import and set-up a service pays before its first call),
# against httpx alone building the same client.
HTTPX = """
import httpx
c = httpx.Client(headers={"Authorization": "Bearer x"})
"""
GATEHOUSE_CLIENT = """
import httpx
from gatehouse.client import ClientCredentials
auth = ClientCredentials("https://auth.example.com/token", "orders-svc", "s3cret",
                         audience="https://profile.example")
c = httpx.Client(auth=auth)
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
    """Wall ms of one fresh process; its CPU ms (user + sys) go to ``CPU_MS``."""
    argv = [sys.executable, "-c", code if code is not None else "pass"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True)
    wall = (time.perf_counter() - start) * 1000.0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000.0
    CPU_MS.setdefault(code, []).append(cpu)
    return wall


CPU_MS: dict[str | None, list[float]] = {}


def count_instructions(contenders: dict[str, str | None], env: dict[str, str]) -> None:
    """One callgrind run per row (after a plain run caches byte code), in millions."""
    from instructions import instructions  # bench/instructions.py imports this module

    counts: dict[str, int] = {}
    for name in ("bare python", "raw floor", "raw crypto", "gatehouse", "gh lambda"):
        argv = [sys.executable, "-c", contenders[name] or "pass"]
        subprocess.run(argv, env=env, check=True)
        counts[name] = instructions(argv, env)
    bare, floor = counts["bare python"], counts["raw floor"]
    print("cold start, ES256: callgrind instructions (millions)")
    print(f"{'':12} {'over bare':>10} {'over the raw floor':>19}")
    for name, count in counts.items():
        print(f"{name:12} {(count - bare) / 1e6:10.2f} {(count - floor) / 1e6:+19.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--alg", default="ES256")
    parser.add_argument(
        "--instructions", action="store_true", help="callgrind instruction counts, ES256"
    )
    args = parser.parse_args()
    if args.instructions and args.alg != "ES256":
        parser.error("--instructions compares against the ES256 raw floor")

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
    contenders = {
        "bare python": None,
        "gatehouse": GATEHOUSE,
        "gh lambda": GATEHOUSE_LAMBDA,
        "PyJWT": PYJWT,
        "raw floor": RAW_FLOOR,
        "raw crypto": RAW_CRYPTO,
        "httpx": HTTPX,
        "gh client": GATEHOUSE_CLIENT,
    }
    if args.alg != "ES256":  # the hand-written floor checks ES256 only
        del contenders["raw floor"], contenders["raw crypto"]
    if args.instructions:
        count_instructions(contenders, env)
        return
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
    bare_cpu = statistics.median(CPU_MS[None])
    print(
        f"{'':12} {'median ms':>10} {'min ms':>8} {'over bare (median)':>19}"
        f" {'CPU ms':>7} {'CPU over bare':>13}"
    )
    for name, values in samples.items():
        med, low = statistics.median(values), min(values)
        cpu = statistics.median(CPU_MS[contenders[name]])
        print(
            f"{name:12} {med:10.1f} {low:8.1f} {med - bare_med:19.1f}"
            f" {cpu:7.1f} {cpu - bare_cpu:13.1f}"
        )
    gh = statistics.median(samples["gatehouse"]) - bare_med
    pj = statistics.median(samples["PyJWT"]) - bare_med
    lam = statistics.median(samples["gh lambda"]) - bare_med
    print(f"\ngatehouse adds {gh:.1f} ms, PyJWT adds {pj:.1f} ms: ratio {gh / pj:.2f}")
    print(f"gatehouse through @require_token and a v2 event adds {lam:.1f} ms (target <= 20)")
    if "raw floor" in samples:
        floor = statistics.median(samples["raw floor"]) - bare_med
        crypto = statistics.median(samples["raw crypto"]) - bare_med
        print(
            f"raw floor (cryptography EC + json + base64, by hand) adds {floor:.1f} ms; "
            f"the same through ec.ECDSA(...) adds {crypto:.1f} ms"
        )
        for name in ("gatehouse", "gh lambda"):
            # Paired per round (the runs are interleaved), so drift on a shared machine cancels.
            wall = [g - f for g, f in zip(samples[name], samples["raw floor"], strict=True)]
            cpu = [
                g - f
                for g, f in zip(CPU_MS[contenders[name]][2:], CPU_MS[RAW_FLOOR][2:], strict=True)
            ]
            print(
                f"{name} over the raw floor: {statistics.median(wall):+.1f} ms wall, "
                f"{statistics.median(cpu):+.1f} ms CPU (median of per-round differences)"
            )
    hx = statistics.median(samples["httpx"]) - bare_med
    cl = statistics.median(samples["gh client"]) - bare_med
    print(f"gatehouse.client + a ClientCredentials client adds {cl:.1f} ms; httpx alone {hx:.1f}")
    print(
        f"(minimums: gatehouse +{min(samples['gatehouse']) - bare_min:.1f} ms, "
        f"PyJWT +{min(samples['PyJWT']) - bare_min:.1f} ms)"
    )


if __name__ == "__main__":
    main()
