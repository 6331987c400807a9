"""What ``@require_token`` adds to a Lambda invocation, in µs, against an undecorated handler.

Run: ``python bench/lambda_overhead.py`` (single process, a few seconds). Two cases:
a warm container seeing a token it has verified before (the verified-token cache hit, the
common case behind a client that reuses its token), and the cache off (every call pays the
ES256 signature check). Prints µs per invocation and the ratio decorated / undecorated.
"""

from __future__ import annotations

import argparse
import time
import timeit
from typing import Any

from gatehouse import JWKS, Claims, Verifier
from gatehouse.adapters.aws_lambda import require_token
from gatehouse.jose import JWK, encode_jwt

ISSUER = "https://auth.example.com"
AUDIENCE = "orders"


def _event(token: str) -> dict[str, Any]:
    """A payload 2.0 event as HTTP API / Function URLs send it (trimmed to what matters)."""
    return {
        "version": "2.0",
        "routeKey": "GET /orders",
        "rawPath": "/orders",
        "rawQueryString": "",
        "headers": {
            "accept": "application/json",
            "authorization": f"Bearer {token}",
            "host": "abc123.execute-api.eu-west-1.amazonaws.com",
            "user-agent": "bench/1.0",
            "x-amzn-trace-id": "Root=1-65f0b2c1-0123456789abcdef01234567",
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        },
        "requestContext": {
            "http": {"method": "GET", "path": "/orders", "protocol": "HTTP/1.1"},
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }


def plain(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": "ok"}


def protected_body(event: dict[str, Any], context: Any, *, claims: Claims) -> dict[str, Any]:
    return {"statusCode": 200, "body": "ok"}


def _per_call_us(func: Any, event: dict[str, Any], number: int) -> float:
    timer = timeit.Timer(lambda: func(event, None))
    return min(timer.repeat(repeat=5, number=number)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50_000, help="calls per timing (cache hit)")
    args = parser.parse_args()
    key = JWK.generate("ES256")
    keys = JWKS.from_dict({"keys": [key.public().to_dict()]})

    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u1", "iat": now, "exp": now + 3600}
    token = encode_jwt({**claims, "scope": "orders:read"}, key, "ES256", typ="at+jwt")
    event = _event(token)

    base = _per_call_us(plain, event, args.calls)
    cases = (("cache hit", 1024, args.calls), ("cache off", 0, max(1, args.calls // 25)))
    for label, cache_size, number in cases:
        verifier = Verifier(
            issuer=ISSUER, audience=AUDIENCE, keys=keys, algorithms=["ES256"], cache_size=cache_size
        )
        handler = require_token(verifier, scopes=["orders:read"])(protected_body)
        assert handler(event, None) == {"statusCode": 200, "body": "ok"}
        decorated = _per_call_us(handler, event, number)
        print(
            f"{label:>9}: undecorated {base:7.2f} µs, decorated {decorated:8.2f} µs, "
            f"overhead {decorated - base:8.2f} µs/invocation, ratio {decorated / base:7.1f}x"
        )


if __name__ == "__main__":
    main()
