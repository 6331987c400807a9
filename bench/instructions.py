"""Instruction counts (valgrind callgrind ``Ir``) for figures a loaded machine blurs in time.

    python bench/instructions.py [--hits 20000] [--parts cached,coldstart,uncached]

Counting instructions is deterministic: the same code gives the same count however busy
the machine is, so before/after comparisons of pure-Python paths hold on a shared box
(not for OpenSSL's bignum code, whose paths valgrind's CPU model changes: time those).

- ``cached``: instructions per cached ES256 verify, without and with a Token Status List
  check (``RemoteStatusLists``, list already fetched): a run of N hits minus a run of 0.
- ``uncached``: instructions per uncached verify (distinct tokens, the verified-token cache
  off, ``scopes=`` checked) for HS256, RS256 and ES256, against the bare ``cryptography``
  check over the same tokens (``bench/verify.py``'s "raw"), counted only inside the loop
  (``--toggle-collect``): the difference is gatehouse's own share. Its Python side is
  deterministic; the signature code under valgrind is not the native path, so time that.
- ``coldstart``: a fresh process that imports the Lambda decorator and handles one HTTP API
  2.0 event with a valid token (``bench/coldstart.py``'s program), against ``python -c
  pass`` and against importing what ES256 and a JWKS from the environment need anyway
  (``cryptography``'s EC and hashes, ``json``, ``typing``): the floor gatehouse sits on.

Needs ``valgrind`` (``apt-get install -y valgrind``). Byte code is cached first, as deployed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gatehouse.jose import JWK, encode_jwt

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from coldstart import GATEHOUSE_LAMBDA  # noqa: E402

CACHED = """
import sys
from gatehouse import JWKS, Verifier
from gatehouse.jose import JWK, encode_jwt
from gatehouse.jose.status_list import StatusListBuilder
from gatehouse.jose.status_list_token import encode_status_list_token
from gatehouse.keys.status_fetch import StatusListResponse
from gatehouse.keys.status_lists import RemoteStatusLists
import time
ISSUER, NOW = "https://auth.example.com", int(time.time())
URI = ISSUER + "/statuslists/1"
mode, hits = sys.argv[1], int(sys.argv[2])
key = JWK.generate("ES256")
builder = StatusListBuilder(1 << 16)
builder.set(7, 1)
body = encode_status_list_token(builder.freeze(), key, "ES256", uri=URI, iat=NOW,
                                exp=NOW + 86400, ttl=86400).encode()
class Served:
    def fetch(self, url, timeout, max_size, etag):
        return StatusListResponse(200, body, '"1"')
claims = {"iss": ISSUER, "sub": "alice", "aud": "orders", "iat": NOW, "exp": NOW + 3600,
          "status": {"status_list": {"idx": 4711, "uri": URI}}}
token = encode_jwt(claims, key, "ES256")
status = RemoteStatusLists(fetcher=Served(), max_ttl=86400) if mode == "with" else None
verifier = Verifier(issuer=ISSUER, audience="orders", keys=JWKS([key.public()]),
                    algorithms=["ES256"], status_lists=status)
verify = verifier.verify
verify(token)
for _ in range(hits):
    verify(token)
"""

UNCACHED = """
import sys, time
from collections import deque
from itertools import starmap
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.jose import JWK, encode_jwt, parse_compact
ISSUER, NOW = "https://auth.example.com", int(time.time())
alg, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
key = JWK.generate(alg)
tokens = [encode_jwt({"iss": ISSUER, "sub": f"user-{i}", "aud": "orders", "exp": NOW + 600,
                      "iat": NOW, "jti": f"{i:032x}", "client_id": "web", "sid": "session-1",
                      "scope": "orders:read orders:write", "roles": ["customer"]}, key, alg)
          for i in range(n + 1)]
if alg.startswith("HS"):
    keys = JWKS.from_dict({"keys": [key.to_dict(private=True)]}, symmetric=True)
else:
    keys = JWKS([key.public()])
verifier = Verifier(issuer=ISSUER, audience="orders", keys=keys, algorithms=[alg],
                    cache_size=0, clock=ManualClock(wall=NOW + 1))
if mode == "gatehouse":
    verify = verifier.verify
    scopes = ("orders:read",)
    fn, args = (lambda token: verify(token, scopes=scopes)), [(t,) for t in tokens]
else:  # the raw check of bench/verify.py, inputs prepared outside the count
    parts = [parse_compact(t) for t in tokens]
    crypto = key._key
    if alg == "HS256":
        def fn(sig, data):
            mac = hmac.HMAC(crypto, hashes.SHA256())
            mac.update(data)
            mac.verify(sig)
    elif alg == "RS256":
        pub = crypto.public_key()
        fn = lambda sig, data: pub.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        pub = crypto.public_key()
        fn = lambda sig, data: pub.verify(sig, data, ec.ECDSA(hashes.SHA256()))
        parts = [(encode_dss_signature(int.from_bytes(j.signature[:32], "big"),
                                       int.from_bytes(j.signature[32:], "big")), j.signing_input)
                 for j in parts]
    args = [(j.signature, j.signing_input) if alg != "ES256" else j for j in parts]
fn(*args[-1])  # warm: key objects, header cache
deque(starmap(fn, args[:n]), maxlen=0)  # only this is counted
"""

FLOOR = (
    "from cryptography.hazmat.primitives.asymmetric import ec\n"
    "from cryptography.hazmat.primitives import hashes\n"
    "import json, typing\n"
)


def instructions(argv: list[str], env: dict[str, str], inside: str | None = None) -> int:
    """Instructions executed by the process ``argv`` (callgrind's ``Collected``); with
    ``inside``, only those inside that C function (``--toggle-collect``)."""
    toggle = [f"--toggle-collect={inside}"] if inside else []
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", *toggle, "--callgrind-out-file=/dev/null", *argv],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stderr.splitlines():
        if "Collected :" in line:
            return int(line.split(":")[-1])
    raise RuntimeError(f"no instruction count from callgrind: {done.stderr[-300:]}")


def uncached(tokens: int, env: dict[str, str]) -> None:
    print(f"uncached verify, instructions per token ({tokens} distinct tokens)")
    argv = [sys.executable, "-c", UNCACHED]
    subprocess.run([*argv, "ES256", "gatehouse", "1"], env=env, check=True)  # byte code
    for alg in ("HS256", "RS256", "ES256"):
        ir = {
            mode: instructions([*argv, alg, mode, str(tokens)], env, "starmap_next") / tokens
            for mode in ("raw", "gatehouse")
        }
        print(
            f"  {alg}  raw {ir['raw']:8.0f} Ir  gatehouse {ir['gatehouse']:8.0f} Ir"
            f"  (gatehouse's own {ir['gatehouse'] - ir['raw']:7.0f} Ir)"
        )


def cached(hits: int, env: dict[str, str]) -> None:
    print(f"cached ES256 verify, instructions per hit ({hits} hits minus 0)")
    counts = {}
    argv = [sys.executable, "-c", CACHED]
    subprocess.run([*argv, "with", "1"], env=env, check=True)  # byte code cached first
    for mode in ("without", "with"):
        zero = instructions([*argv, mode, "0"], env)
        counts[mode] = (instructions([*argv, mode, str(hits)], env) - zero) / hits
    added = counts["with"] - counts["without"]
    print(f"  without status list  {counts['without']:8.0f} Ir")
    print(f"  with status list     {counts['with']:8.0f} Ir  (the check adds {added:.0f} Ir)")


def coldstart(env: dict[str, str]) -> None:
    key = JWK.generate("ES256")
    now = int(time.time())
    claims = {"iss": "https://auth.example.com", "aud": "orders", "sub": "user-1"}
    token = encode_jwt({**claims, "iat": now, "exp": now + 3600}, key, "ES256")
    env = {**env, "JWKS": json.dumps({"keys": [key.public().to_dict()]}), "TOKEN": token}
    env["ALG"] = "ES256"
    lam = [sys.executable, "-c", GATEHOUSE_LAMBDA]
    subprocess.run(lam, env=env, check=True)  # byte code cached
    subprocess.run([sys.executable, "-c", FLOOR], env=env, check=True)
    bare = instructions([sys.executable, "-c", "pass"], env)
    floor = instructions([sys.executable, "-c", FLOOR], env) - bare
    gh = instructions(lam, env) - bare
    print("cold start, instructions over `python -c pass` (millions)")
    print(f"  import floor (cryptography EC + hashes, json, typing)  {floor / 1e6:7.1f} MIr")
    print(f"  gatehouse: @require_token + one v2 event              {gh / 1e6:7.1f} MIr")
    print(f"  gatehouse's own share above the floor                 {(gh - floor) / 1e6:7.1f} MIr")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=20000, help="cached verifies per run")
    parser.add_argument("--parts", default="cached,coldstart", help="cached, coldstart, uncached")
    parser.add_argument("--tokens", type=int, default=300, help="uncached verifies per run")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is needed: apt-get install -y valgrind")
    with tempfile.TemporaryDirectory() as pycache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pycache  # cached byte code, outside the source tree
        parts = args.parts.split(",")
        if "cached" in parts:
            cached(args.hits, env)
        if "coldstart" in parts:
            coldstart(env)
        if "uncached" in parts:
            uncached(args.tokens, env)


if __name__ == "__main__":
    main()
