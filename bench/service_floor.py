"""The raw floor of a token-service Lambda cold start: one login written by hand.

``bench/service_http.py --part cold`` runs this beside gatehouse, so its figure can say how
much of a cold start is gatehouse and how much is what any Python login costs: the same
libraries (``sqlite3``, ``argon2-cffi``, ``cryptography``, ``json``) doing the work no login
can skip, on the same argon2id profile (m=19 MiB, t=2, p=1), with no framework around it:

- read the signing key's row and unwrap it with the KEK (AES-256-GCM), load the P-256 key;
- read the account's row, verify its argon2id hash;
- sign an ES256 access token, draw a refresh token;
- store the session and the refresh token's SHA-256 in one WAL transaction
  (``synchronous = NORMAL``, as gatehouse's SQLite store);
- answer an API Gateway v2 response with the token pair.

What it leaves out, and gatehouse does not: the throttle, the status-list index, audit
events, settings validation, every refusal path. It is a floor, not a peer.
"""

from __future__ import annotations

import base64
import os
import sqlite3
from pathlib import Path

__all__ = ["FLOOR", "prepare_floor"]

FLOOR = r"""
import time
t0 = time.perf_counter()
import base64, hashlib, json, os, sqlite3
from argon2 import PasswordHasher
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
with open(os.environ["BENCH_EVENT"], encoding="utf-8") as fh:
    event = json.load(fh)
t1 = time.perf_counter()
def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")
db = sqlite3.connect(os.environ["FLOOR_DB"], isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = NORMAL")
kek = base64.urlsafe_b64decode(os.environ["FLOOR_KEK"])
kid, nonce, sealed = db.execute("SELECT kid, nonce, sealed FROM keys").fetchone()
key = serialization.load_der_private_key(AESGCM(kek).decrypt(nonce, sealed, kid.encode()), None)
t2 = time.perf_counter()
body = json.loads(event["body"])
account, stored = db.execute(
    "SELECT id, hash FROM accounts WHERE username = ?", (body["username"],)
).fetchone()
PasswordHasher().verify(stored, body["password"])
now = int(time.time())
header = b64(json.dumps({"alg": "ES256", "kid": kid, "typ": "at+jwt"}).encode())
claims = {"iss": "https://issuer.example", "sub": account, "aud": "https://api.example",
          "iat": now, "exp": now + 900, "jti": b64(os.urandom(16)).decode(),
          "client_id": "first-party", "scope": ""}
signing_input = header + b"." + b64(json.dumps(claims).encode())
r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
access = (signing_input + b"." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))).decode()
refresh = b64(os.urandom(32)).decode()
sid = os.urandom(16).hex()
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO sessions VALUES (?, ?, ?)", (sid, account, now))
db.execute("INSERT INTO refresh_tokens VALUES (?, ?, ?)",
           (hashlib.sha256(refresh.encode()).digest(), sid, now))
db.execute("COMMIT")
answer = {"statusCode": 200, "headers": {"content-type": "application/json",
          "cache-control": "no-store"}, "body": json.dumps({"access_token": access,
          "token_type": "Bearer", "expires_in": 900, "refresh_token": refresh})}
t3 = time.perf_counter()
assert answer["statusCode"] == 200
print(json.dumps({"import_ms": (t1 - t0) * 1e3, "build_ms": (t2 - t1) * 1e3,
                  "first_login_ms": (t3 - t2) * 1e3}))
"""


def prepare_floor(workdir: Path, username: str, password: str) -> dict[str, str]:
    """The floor's database (a wrapped key, one account) and the environment it reads."""
    from argon2 import PasswordHasher
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    kek, nonce, kid = os.urandom(32), os.urandom(12), "floor-1"
    der = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    hashed = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1).hash(password)
    path = workdir / "floor.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE keys (kid TEXT PRIMARY KEY, nonce BLOB, sealed BLOB)")
        db.execute("CREATE TABLE accounts (id TEXT PRIMARY KEY, username TEXT UNIQUE, hash TEXT)")
        db.execute("CREATE TABLE sessions (sid TEXT PRIMARY KEY, account TEXT, created INTEGER)")
        db.execute("CREATE TABLE refresh_tokens (hash BLOB PRIMARY KEY, sid TEXT, issued INTEGER)")
        sealed = AESGCM(kek).encrypt(nonce, der, kid.encode())
        db.execute("INSERT INTO keys VALUES (?, ?, ?)", (kid, nonce, sealed))
        db.execute("INSERT INTO accounts VALUES ('acct-1', ?, ?)", (username, hashed))
    db.close()
    return {"FLOOR_DB": str(path), "FLOOR_KEK": base64.urlsafe_b64encode(kek).decode()}
