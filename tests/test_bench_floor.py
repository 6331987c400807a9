"""The cold-start raw floor (``bench/service_floor.py``) does the login it claims to.

``bench/service_http.py --part cold`` quotes gatehouse against this floor; a floor that
skipped the hash, the signature or the commit would flatter nothing but itself, so its
work is checked here: the token it prints verifies under its key (with PyJWT, not
gatehouse), a wrong password fails, and the session and refresh digest are stored.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

BENCH = Path(__file__).resolve().parent.parent / "bench"
PASSWORD = "correct horse battery staple"


def _floor() -> Any:
    spec = importlib.util.spec_from_file_location("service_floor", BENCH / "service_floor.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(tmp_path: Path, password: str) -> tuple[subprocess.CompletedProcess[str], bytes]:
    floor = _floor()
    env = {**os.environ, **floor.prepare_floor(tmp_path, "alice", PASSWORD)}
    event = {"body": json.dumps({"username": "alice", "password": password})}
    (tmp_path / "event.json").write_text(json.dumps(event), encoding="utf-8")
    env["BENCH_EVENT"] = str(tmp_path / "event.json")
    code = floor.FLOOR + "\nprint(answer['body'])"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    return done, base64.urlsafe_b64decode(env["FLOOR_KEK"])


def test_the_floor_signs_hashes_and_stores(tmp_path: Path) -> None:
    done, kek = _run(tmp_path, PASSWORD)
    assert done.returncode == 0, done.stderr
    timings, body = (json.loads(line) for line in done.stdout.splitlines()[-2:])
    assert set(timings) == {"import_ms", "build_ms", "first_login_ms"}
    db = sqlite3.connect(tmp_path / "floor.db")
    kid, nonce, sealed = db.execute("SELECT kid, nonce, sealed FROM keys").fetchone()
    key = serialization.load_der_private_key(AESGCM(kek).decrypt(nonce, sealed, kid.encode()), None)
    claims = jwt.decode(
        body["access_token"], key.public_key(), algorithms=["ES256"], audience="https://api.example"
    )
    assert claims["sub"] == "acct-1"
    digest = hashlib.sha256(body["refresh_token"].encode()).digest()
    (sid,) = db.execute("SELECT sid FROM refresh_tokens WHERE hash = ?", (digest,)).fetchone()
    assert db.execute("SELECT account FROM sessions WHERE sid = ?", (sid,)).fetchone() == (
        "acct-1",
    )


def test_a_wrong_password_fails_the_floor(tmp_path: Path) -> None:
    done, _ = _run(tmp_path, "not the password")
    assert done.returncode != 0
    assert "VerifyMismatchError" in done.stderr
