"""Shared data for the JOSE core tests: the vector folders, a fixed ``now`` and cheap keys."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from gatehouse import JWKS
from gatehouse.errors import AlgorithmNotAllowedError
from gatehouse.jose import (
    ALGORITHMS,
    JWK,
    b64url_encode,
    parse_compact,
    sign_compact,
    verify_signature,
)
from gatehouse.jose.strict_json import dumps_compact
from shared_material import SHARED, shared_path

# ../shared/vectors beside the repo. Modules that parametrize from it at collection time
# load through ``vector_file`` and the ``vectors`` fixture goes through ``shared_path``:
# absent vectors fail under CI and skip, with the path, locally (tests/shared_material.py).
VECTORS = SHARED / "vectors"
NOW = 1_700_000_000
ISSUER = "https://auth.example.com"
AUDIENCE = "orders"


def load_json(path: Path) -> Any:
    """One vector file as data."""
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def vector_file(*parts: str) -> Path:
    """``../shared/vectors/<parts>`` for collection-time use: a missing file skips the
    module locally and is a collection error under CI."""
    return shared_path("vectors", *parts, module_level=True)


def verify_with_key_algs(keys: JWKS, key_algs: Iterable[Any], token: str) -> bytes:
    """The Wycheproof JWS/JWK harness: allow exactly the algorithms the keys declare (or
    the token's own, when they declare none and it is one we know), then parse, look
    up, verify and decode the payload (RFC 7515 §5.2); return the payload."""
    jws = parse_compact(token)
    allowed = frozenset(alg for alg in key_algs if alg is not None)
    if not allowed and jws.alg in ALGORITHMS:
        allowed = frozenset({jws.alg})
    if jws.alg not in allowed:
        raise AlgorithmNotAllowedError("not allowed")
    verify_signature(jws, keys.get_key(jws.kid, jws.alg), allowed)
    return jws.payload()


def craft(header: dict[str, Any] | bytes, payload: dict[str, Any] | bytes, key: JWK) -> str:
    """A compact JWS with exactly this header (unlike ``sign_compact``, nothing is added)."""
    h = header if isinstance(header, bytes) else dumps_compact(header)
    p = payload if isinstance(payload, bytes) else dumps_compact(payload)
    alg = json.loads(h)["alg"]
    signing_input = f"{b64url_encode(h)}.{b64url_encode(p)}"
    return f"{signing_input}.{b64url_encode(key.signer(alg)(signing_input.encode()))}"


def with_members(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of a JWK dict with members replaced (a value of None removes the member)."""
    out = dict(base)
    for name, value in changes.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def good_claims(**extra: Any) -> dict[str, Any]:
    """A claim set the default test policy accepts at ``NOW``."""
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "iat": NOW - 10,
        "exp": NOW + 300,
    }
    claims.update(extra)
    return claims


@pytest.fixture(scope="session")
def vectors() -> Path:
    """../shared/vectors (fails under CI, skips locally, when absent)."""
    return shared_path("vectors")


@pytest.fixture(scope="session")
def ec_public() -> dict[str, Any]:
    """A P-256 public JWK (generated: no key material in the test source)."""
    return JWK.generate("ES256", kid="ec-1").public().to_dict()


@pytest.fixture(scope="session")
def ed_public() -> dict[str, Any]:
    """An Ed25519 public JWK."""
    return JWK.generate("EdDSA", kid="ed-1").public().to_dict()


@pytest.fixture(scope="session")
def rfc7520_keys(vectors: Path) -> dict[str, dict[str, Any]]:
    """The RFC 7520 §3 example keys, by file stem."""
    return {p.stem: load_json(p) for p in sorted((vectors / "rfc7520" / "jwk").glob("*.json"))}


@pytest.fixture(scope="session")
def ed_key() -> JWK:
    """A private Ed25519 key bound to EdDSA."""
    return JWK.generate("EdDSA", kid="ed-1")


@pytest.fixture(scope="session")
def hs_key() -> JWK:
    """An HS256 key of exactly the hash size."""
    return JWK.generate("HS256", kid="hs-1")


@pytest.fixture(scope="session")
def ed_token(ed_key: JWK) -> str:
    """A well-formed EdDSA JWS over a small JSON payload."""
    return sign_compact(b'{"sub":"user-1"}', ed_key, "EdDSA")
