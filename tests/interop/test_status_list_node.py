"""Token Status List interop with an independent implementation (npm @sd-jwt/jwt-status-list,
signatures by npm jose): our status list tokens verify and decode there, theirs here, for
every bit width. Needs ``npm ci`` in tests/interop/node (``.ci/run`` does it): skipped
locally with the reason when it has not run, a failure in CI (tests/interop/node_harness.py)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from gatehouse.jose import JWK, parse_compact
from gatehouse.jose.status_list import StatusListBuilder, decode_status_list
from gatehouse.jose.status_list_token import encode_status_list_token, verify_status_list_token

from .node_harness import NODE_DIR, node_or_skip, run_script

URI = "https://auth.example.com/statuslists/7"
NOW = 1_700_000_000


def _run(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    node = node_or_skip(NODE_DIR, "@sd-jwt/jwt-status-list", "status list interop")
    return run_script(node, "status_list_interop.mjs", tasks)


def _entries(bits: int, size: int, seed: int) -> dict[int, int]:
    rng = random.Random(seed)
    return {i: rng.randrange(1, 1 << bits) for i in rng.sample(range(size), 50)}


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_our_status_list_tokens_decode_there(bits: int) -> None:
    """jose.jwtVerify (typ statuslist+jwt) accepts ours; the npm decoder reads every entry."""
    key = JWK.generate("ES256")
    size = 20_000
    entries = _entries(bits, size, bits)
    builder = StatusListBuilder(size, bits)
    for idx, value in entries.items():
        builder.set(idx, value)
    token = encode_status_list_token(
        builder.freeze(), key, "ES256", uri=URI, iat=NOW, exp=NOW + 600, ttl=60
    )
    probe = [*sorted(entries), 0, 1, size - 1]
    (result,) = _run(
        [
            {
                "op": "read",
                "jwt": token,
                "jwk": key.public().to_dict(),
                "alg": "ES256",
                "indices": probe,
                "now": NOW + 1,
            }
        ]
    )
    assert "error" not in result, result
    assert (result["typ"], result["sub"], result["ttl"], result["bits"]) == (
        "statuslist+jwt",
        URI,
        60,
        bits,
    )
    assert result["statuses"] == [entries.get(i, 0) for i in probe]


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_their_status_list_tokens_verify_here(bits: int) -> None:
    """A list built by @sd-jwt/jwt-status-list and signed by jose verifies and decodes here."""
    key = JWK.generate("ES256")
    size = 16_000
    entries = _entries(bits, size, 100 + bits)
    (made,) = _run(
        [
            {
                "op": "make",
                "bits": bits,
                "size": size,
                "set": {str(i): v for i, v in entries.items()},
                "jwk": key.to_dict(private=True),
                "alg": "ES256",
                "sub": URI,
                "iat": NOW,
                "exp": NOW + 600,
                "ttl": 30,
            }
        ]
    )
    assert "error" not in made, made
    verified = verify_status_list_token(
        parse_compact(made["jwt"], max_size=1 << 20),
        key.public(),
        algorithms=frozenset({"ES256"}),
        uri=URI,
        now=NOW + 1,
    )
    assert (verified.uri, verified.ttl, verified.expires_at) == (URI, 30.0, NOW + 600.0)
    status_list = verified.status_list
    assert status_list.size >= size
    assert all(status_list.status(i) == v for i, v in entries.items())
    assert sum(status_list.status(i) != 0 for i in range(size)) == len(entries)
    assert decode_status_list({"bits": bits, "lst": made["lst"]}) == status_list
