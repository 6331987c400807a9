"""Small request helpers shared by the service tests."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote_plus

import httpx

ISSUER = "https://issuer.example"
API = "https://api.example"
PASSWORD = "correct horse battery"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON_TYPE = {"Content-Type": "application/json"}
LOGIN = json.dumps({"username": "alice", "password": PASSWORD})


def login(http: httpx.Client, **extra: Any) -> dict[str, Any]:
    """Log alice in and return the token response body (asserting success)."""
    body = {"username": "alice", "password": PASSWORD, **extra}
    response = http.post("/login", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def basic(client_id: str, secret: str) -> dict[str, str]:
    """RFC 6749 §2.3.1: form-url-encode each part, then Basic."""
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def assert_oauth_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    """The RFC 6749 §5.2 shape: the status, a JSON body with error and a description."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["error"] == error
    assert isinstance(body.get("error_description"), str)
    assert "Traceback" not in response.text
    return body
