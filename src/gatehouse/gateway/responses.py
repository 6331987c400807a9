"""A function's result back as HTTP, the way API Gateway reads it.

REST (payload 1.0) needs ``statusCode``; HTTP API 2.0 also takes any other JSON value as
a 200 JSON body. A pair given in both ``headers`` and ``multiValueHeaders`` is sent
once, as API Gateway merges the two maps; a result larger than Lambda's 6 MB response
limit never reaches the client (``ResponseTooLargeError``: the gateway answers 502).
"""

from __future__ import annotations

import base64
import json
from typing import Any

__all__ = ["MAX_PAYLOAD", "ResponseTooLargeError", "http_response"]

MAX_PAYLOAD = 6 * 1024 * 1024
"""Lambda's limit on a synchronous invocation's request and response payload (6 MB)."""


class ResponseTooLargeError(ValueError):
    """The serialized result is over ``MAX_PAYLOAD``: Lambda fails the invocation."""


def _headers(result: dict[str, Any]) -> list[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    headers: list[tuple[str, str]] = []

    def add(key: Any, value: Any) -> None:
        pair = (str(key).lower(), str(value))
        if pair not in seen:
            seen.add(pair)
            headers.append((str(key), str(value)))

    for key, value in (result.get("headers") or {}).items():
        add(key, value)
    for key, values in (result.get("multiValueHeaders") or {}).items():
        if not isinstance(values, list):
            raise ValueError("multiValueHeaders values must be lists")
        for value in values:
            add(key, value)
    for cookie in result.get("cookies") or ():
        add("set-cookie", cookie)
    return headers


def http_response(
    result: Any, payload: str, size: int | None = None
) -> tuple[int, list[tuple[str, str]], bytes]:
    """A handler's return value as (status, headers, body); ``ValueError`` if malformed.

    ``size`` is the result's serialized length when the caller already knows it (a
    worker's answer); otherwise it is measured here.
    """
    if size is None:
        size = len(json.dumps(result, separators=(",", ":"), default=str))
    if size > MAX_PAYLOAD:
        raise ResponseTooLargeError(f"the response payload is {size} bytes (limit {MAX_PAYLOAD})")
    if payload == "2.0" and not (isinstance(result, dict) and "statusCode" in result):
        # HTTP API 2.0 infers a 200 JSON response from any other value.
        return 200, [("content-type", "application/json")], json.dumps(result).encode()
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        raise ValueError("a proxy response needs an integer statusCode")
    body = result.get("body") or ""
    if not isinstance(body, str):
        raise ValueError("a proxy response body must be a string")
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    return int(result["statusCode"]), _headers(result), raw
