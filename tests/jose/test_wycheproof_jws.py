"""Project Wycheproof ``json_web_signature_test.json``: every case, one test id per tcId.

Expected counts (C2SP/wycheproof, vector files at e0df04e0): 401 cases in 23 groups, all
applicable to a compact-JWS verifier (none is JWE-only; the one JSON-serialization case
must be rejected). Eight labels contradict the RFCs or other vectors (see
``../shared/vectors/README.md``) and are run with the corrected expectation:
346, 350 (key alg PS256, token PS384), 347, 351 (unregistered ``ES521``), 372, 373 (a
``?`` inserted into a segment) ⇒ reject; 367, 370 (byte-identical to valid 357,
C2SP/wycheproof#236) ⇒ accept. After correction: 42 valid, 359 invalid.

Each case: the key set is the group's ``public`` JWK (``private`` for HMAC groups, as a
symmetric set), the allowed algorithms are pinned to the key's own ``alg`` (or to the
token's ``alg`` when the key has none and it is one we know), and verification is the
JWS layer alone: parse, key lookup, signature, payload decoding (RFC 7515 §5.2 steps
1-8) — these payloads are arbitrary bytes, not JWT claim sets.
"""

from __future__ import annotations

from typing import Any

import pytest

from gatehouse import JWKS
from gatehouse.errors import (
    InvalidJWKSError,
    InvalidKeyError,
    MalformedTokenError,
    TokenError,
)
from gatehouse.jose import parse_compact

from .conftest import VECTORS, load_json, verify_with_key_algs

FILE = VECTORS / "wycheproof" / "testvectors_v1" / "json_web_signature_test.json"
if not FILE.is_file():
    pytest.skip(f"Wycheproof vectors not found at {FILE}", allow_module_level=True)

EXPECTED_CASES = 401
EXPECTED_VALID = 42
EXPECTED_INVALID = 359
# tcId -> (label in the file, expectation we hold it to); README of ../shared/vectors.
MISLABELLED = {
    346: ("valid", "invalid"),
    350: ("valid", "invalid"),
    347: ("valid", "invalid"),
    351: ("valid", "invalid"),
    372: ("valid", "invalid"),
    373: ("valid", "invalid"),
    367: ("invalid", "valid"),
    370: ("invalid", "valid"),
}
REJECTIONS = (TokenError, InvalidJWKSError, InvalidKeyError)

DATA = load_json(FILE)
CASES: list[tuple[dict[str, Any], dict[str, Any], str]] = [
    (group, test, MISLABELLED.get(test["tcId"], (test["result"], test["result"]))[1])
    for group in DATA["testGroups"]
    for test in group["tests"]
]


def _ids() -> list[str]:
    return [
        f"tc{test['tcId']}" + ("-relabelled" if test["tcId"] in MISLABELLED else "")
        for _, test, _ in CASES
    ]


def verify_jws(group: dict[str, Any], token: str) -> bytes:
    """Verify ``token`` as the module docstring describes; return the verified payload."""
    symmetric = "public" not in group
    jwk = group["private"] if symmetric else group["public"]
    keys = JWKS.from_dict({"keys": [jwk]}, symmetric=symmetric)
    return verify_with_key_algs(keys, [jwk.get("alg")], token)


def test_case_count() -> None:
    """All 401 cases are collected, with the corrected valid/invalid split."""
    assert DATA["numberOfTests"] == EXPECTED_CASES
    assert len(CASES) == EXPECTED_CASES
    assert len({test["tcId"] for _, test, _ in CASES}) == EXPECTED_CASES
    assert sum(expected == "valid" for *_, expected in CASES) == EXPECTED_VALID
    assert sum(expected == "invalid" for *_, expected in CASES) == EXPECTED_INVALID


def test_mislabelled_ids_are_as_documented() -> None:
    """The eight relabelled cases still carry the labels the README says are wrong."""
    labels = {test["tcId"]: test["result"] for _, test, _ in CASES}
    assert {tc: labels[tc] for tc in MISLABELLED} == {
        tc: label for tc, (label, _) in MISLABELLED.items()
    }


@pytest.mark.parametrize(("group", "test", "expected"), CASES, ids=_ids())
def test_case(group: dict[str, Any], test: dict[str, Any], expected: str) -> None:
    """Valid cases verify; invalid ones raise a gatehouse error (token or key refused)."""
    if expected == "valid":
        verify_jws(group, test["jws"])
    else:
        with pytest.raises(REJECTIONS):
            verify_jws(group, test["jws"])


def test_json_serialization_case_is_malformed() -> None:
    """The JSON-serialization case is refused by the parser itself, as MalformedTokenError."""
    flagged = [t for _, t, _ in CASES if "JsonSerialization" in t.get("flags", [])]
    assert flagged
    for test in flagged:
        with pytest.raises(MalformedTokenError):
            parse_compact(test["jws"])
