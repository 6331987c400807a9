"""DPoP over real HTTP through `gatehouse dev`: login with a proof, then the example services.

The project is the one `gatehouse init` writes, its two example functions marked
``dpop = true`` (configuration only: the examples' code is unchanged) and the server
nonce switched on through the environment (``GATEHOUSE_RESOURCE_DPOP_NONCE_KEYS``).
`gatehouse dev` runs as a user starts it, a subprocess on a port the OS picks.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from gatehouse.cli.main import cli
from gatehouse.cli.state import CliOverrides
from gatehouse.dpop import make_proof
from gatehouse.issuer import FAST_TEST_PROFILE
from gatehouse.jose import JWK, b64url_encode
from ready_process import TIMEOUT, started

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"


def _gatehouse(*args: str, input: str | None = None) -> None:
    result = CliRunner().invoke(
        cli,
        list(args),
        input=input,
        obj=CliOverrides(password_profile=FAST_TEST_PROFILE),
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`gatehouse init`, a user, and the example functions marked ``dpop = true``."""
    monkeypatch.chdir(tmp_path)
    for name in ("GATEHOUSE_CONFIG", "GATEHOUSE_KEK", "GATEHOUSE_KEK_FILE"):
        monkeypatch.delenv(name, raising=False)
    _gatehouse("init")
    _gatehouse(
        "users", "add", "alice", "--scope", "orders:read", "--scope", "profile:read",
        "--password-stdin", input=PASSWORD + "\n",
    )  # fmt: skip
    config = tmp_path / "gatehouse.toml"
    text = config.read_text()
    assert 'auth = "none"\n' in text
    assert "authorizer_ttl = 300\n" in text
    text = text.replace('auth = "none"\n', 'auth = "none"\ndpop = true\n', 1)
    text = text.replace("authorizer_ttl = 300\n", "authorizer_ttl = 0\ndpop = true\n", 1)
    config.write_text(text)
    return tmp_path


@contextmanager
def _dev(root: Path) -> Iterator[str]:
    """`gatehouse dev --port 0` with server nonces on; yields its URL from the ready line."""
    environ = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "GATEHOUSE_RESOURCE_DPOP_NONCE_KEYS": b64url_encode(os.urandom(32)),
    }
    with started(["dev", "--port", "0"], cwd=root, env=environ) as (first, _, _process):
        yield first.rsplit(" on ", 1)[1]


def _proof(key: JWK, method: str, url: str, **kw: Any) -> str:
    # The server checks iat against its own clock: the proof is made on the same machine.
    return make_proof(key, method=method, url=url, now=time.time(), **kw)


def _login(http: httpx.Client, url: str, key: JWK) -> dict[str, Any]:
    proof = _proof(key, "POST", f"{url}/login")
    response = http.post(
        "/login", json={"username": "alice", "password": PASSWORD}, headers={"DPoP": proof}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_bound_token_through_dev_services(project: Path) -> None:
    """Login with a proof gives a DPoP token; /orders (decorator, v2) first asks for the
    server nonce, then serves the token with a fresh proof carrying it; replaying that
    proof is 401 invalid_dpop_proof; the same token as Bearer is 401; /profile (Lambda
    authorizer, v1, no cache) serves a fresh proof and refuses its replay."""
    key = JWK.generate("ES256")
    with _dev(project) as url, httpx.Client(base_url=url, timeout=TIMEOUT) as http:
        login = _login(http, url, key)
        assert login["token_type"] == "DPoP"
        token = login["access_token"]

        def dpop(path: str, **kw: Any) -> dict[str, str]:
            proof = _proof(key, "GET", f"{url}{path}", access_token=token, **kw)
            return {"Authorization": f"DPoP {token}", "DPoP": proof}

        challenged = http.get("/orders", headers=dpop("/orders"))
        assert challenged.status_code == 401
        assert 'error="use_dpop_nonce"' in challenged.headers["www-authenticate"]
        nonce = challenged.headers["dpop-nonce"]

        headers = dpop("/orders", nonce=nonce)
        served = http.get("/orders", headers=headers)
        assert served.status_code == 200, served.text
        assert served.json()["orders"]  # orders also called profile, with its own Bearer token

        replayed = http.get("/orders", headers=headers)
        assert replayed.status_code == 401
        challenge = replayed.headers["www-authenticate"]
        assert 'DPoP realm="gatehouse", error="invalid_dpop_proof"' in challenge
        assert 'algs="' in challenge

        bearer = http.get("/orders", headers={"Authorization": f"Bearer {token}"})
        assert bearer.status_code == 401
        assert (
            'Bearer realm="gatehouse", error="invalid_token"' in bearer.headers["www-authenticate"]
        )

        profile_headers = dpop("/profile", nonce=nonce)
        profile = http.get("/profile", headers=profile_headers)
        assert profile.status_code == 200, profile.text
        assert http.get("/profile", headers=profile_headers).status_code == 401
