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

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from service_helpers import basic, login
from service_stack import Stack

from gatehouse.service.openapi import openapi_document

MAX_EXAMPLES = 25  # per case below: the bound on the whole module
POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE
# Who the request says it is: nobody (the fuzzer's own headers only), or a registered
# client / a logged-in user, so the fuzzed body reaches the grant and revocation logic
# behind client authentication instead of stopping at 401.
ANONYMOUS, CLIENT, USER = "anonymous", "client", "user"
AUTHENTICATED = {"/token": CLIENT, "/revoke": CLIENT, "/introspect": CLIENT, "/logout": USER}
# Every operation with schema-valid requests; those with a body also with invalid ones (an
# operation without inputs has no invalid request to make) and, behind authentication, with
# valid credentials.
CASES = [
    pytest.param(path, method.upper(), mode, who, id=f"{method.upper()} {path} {mode.value} {who}")
    for path, item in openapi_document("https://auth.example.com")["paths"].items()
    for method, operation in item.items()
    for mode, who in (
        [(POSITIVE, ANONYMOUS), (NEGATIVE, ANONYMOUS)]
        + ([(POSITIVE, AUTHENTICATED[path])] if path in AUTHENTICATED else [])
        if "requestBody" in operation
        else [(POSITIVE, ANONYMOUS)]
    )
]


def _credentials(stack: Stack, http: httpx.Client, who: str) -> dict[str, str] | None:
    if who == CLIENT:
        return basic(stack.client_id, stack.client_secret)
    if who == USER:
        return {"Authorization": f"Bearer {login(http)['access_token']}"}
    return None


def _fuzz(
    base_url: str,
    path: str,
    method: str,
    mode: schemathesis.GenerationMode,
    headers: dict[str, str] | None,
) -> None:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operation = schema[path][method]
    seen: list[int] = []
    with requests.Session() as session:

        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
        def run(case: schemathesis.Case) -> None:
            response = case.call(base_url=base_url, session=session, timeout=10)
            seen.append(response.status_code)
            assert response.status_code < 500, _describe(case, response)

        run()
    assert seen, "the fuzzer sent nothing"


def _describe(case: schemathesis.Case, response: Any) -> str:
    return (
        f"{case.method} {case.path} headers={case.headers!r} body={case.body!r}"
        f" -> {response.status_code} {response.text[:200]!r}"
    )


@pytest.mark.parametrize(("path", "method", "mode", "who"), CASES)
def test_no_request_is_a_server_error(
    stack: Stack,
    http: httpx.Client,
    base_url: str,
    path: str,
    method: str,
    mode: schemathesis.GenerationMode,
    who: str,
) -> None:
    """Whatever the fuzzer sends an operation (schema-valid or not, with or without valid
    credentials), the answer is never a 5xx."""
    _fuzz(base_url, path, method, mode, _credentials(stack, http, who))
