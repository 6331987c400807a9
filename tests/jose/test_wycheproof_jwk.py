"""Project Wycheproof ``json_web_key_test.json``: key *set* validation, one id per tcId.

Expected counts: 26 cases (5 valid, 21 invalid), all applicable. The set is the group's
``public`` document, or its ``private`` one (symmetric when it holds an oct key); the
allowed algorithms are those the set's keys declare (or the token's, when none does).
A refusal at import (``InvalidJWKSError``) counts as rejection, like a ``TokenError``.

tc7 (an RSA modulus with the ROCA fingerprint, CVE-2017-15361) is refused at import.
"""

from __future__ import annotations

from typing import Any

import pytest

from gatehouse import JWKS
from gatehouse.errors import (
    InvalidJWKSError,
    InvalidKeyError,
    TokenError,
)

from .conftest import VECTORS, load_json, verify_with_key_algs

FILE = VECTORS / "wycheproof" / "testvectors_v1" / "json_web_key_test.json"
if not FILE.is_file():
    pytest.skip(f"Wycheproof vectors not found at {FILE}", allow_module_level=True)

EXPECTED_CASES = 26
EXPECTED_VALID = 5
REJECTIONS = (TokenError, InvalidJWKSError, InvalidKeyError)

DATA = load_json(FILE)
CASES = [(group, test) for group in DATA["testGroups"] for test in group["tests"]]


def _param(group: dict[str, Any], test: dict[str, Any]) -> Any:
    return pytest.param(group, test, id=f"tc{test['tcId']}")


def verify_with_set(group: dict[str, Any], token: str) -> bytes:
    """Import the group's key set and verify ``token`` against it."""
    document = group.get("public") or group["private"]
    symmetric = "public" not in group and any(k.get("kty") == "oct" for k in document["keys"])
    keys = JWKS.from_dict(document, symmetric=symmetric)
    return verify_with_key_algs(keys, (k.get("alg") for k in document["keys"]), token)


def test_case_count() -> None:
    """All 26 cases are collected: 5 valid, 21 invalid."""
    assert DATA["numberOfTests"] == EXPECTED_CASES
    assert len(CASES) == EXPECTED_CASES
    assert sum(test["result"] == "valid" for _, test in CASES) == EXPECTED_VALID


@pytest.mark.parametrize(("group", "test"), [_param(g, t) for g, t in CASES])
def test_case(group: dict[str, Any], test: dict[str, Any]) -> None:
    """Valid sets verify their token; invalid ones are refused at import or verification."""
    if test["result"] == "valid":
        verify_with_set(group, test["jws"])
    else:
        with pytest.raises(REJECTIONS):
            verify_with_set(group, test["jws"])
