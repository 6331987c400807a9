"""A property-based API fuzzer (schemathesis) drives the live token service from its own
/openapi.json: no generated request, valid for the schema or deliberately not, gets a 5xx.

Schemathesis is used as a library (its request strategies under a plain hypothesis test),
not through its pytest plugin, which pyproject disables (``-p no:schemathesis``): the plugin
would load into every test run and does not support this pytest. Bounded and
reproducible: a fixed number of examples per operation and mode, derandomized, no example
database, against the real app under uvicorn over SQLite in tmp_path.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings

from gatehouse.service.openapi import openapi_document

MAX_EXAMPLES = 25  # per operation and mode: the bound (15 cases, a few seconds each at most)
POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE
# Every operation with schema-valid requests; those with a body with invalid ones too (an
# operation without inputs has no invalid request to make).
CASES = [
    pytest.param(path, method.upper(), mode, id=f"{method.upper()} {path} {mode.value}")
    for path, item in openapi_document("https://auth.example.com")["paths"].items()
    for method, operation in item.items()
    for mode in ((POSITIVE, NEGATIVE) if "requestBody" in operation else (POSITIVE,))
]


def _fuzz(base_url: str, path: str, method: str, mode: schemathesis.GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operation = schema[path][method]
    seen: list[tuple[int, str]] = []
    with requests.Session() as session:

        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: schemathesis.Case) -> None:
            response = case.call(base_url=base_url, session=session, timeout=10)
            seen.append((response.status_code, response.headers.get("content-type", "")))
            assert response.status_code < 500, _describe(case, response)

        run()
    assert seen, "the fuzzer sent nothing"


def _describe(case: schemathesis.Case, response: Any) -> str:
    return (
        f"{case.method} {case.path} headers={case.headers!r} body={case.body!r}"
        f" -> {response.status_code} {response.text[:200]!r}"
    )


@pytest.mark.parametrize(("path", "method", "mode"), CASES)
def test_no_request_is_a_server_error(
    base_url: str, path: str, method: str, mode: schemathesis.GenerationMode
) -> None:
    """Whatever the fuzzer sends an operation (schema-valid or not), the answer is not 5xx."""
    _fuzz(base_url, path, method, mode)
