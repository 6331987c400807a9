"""Service clients: registration, secret checks and the client-credentials grant.

Secrets are generated here (256 random bits), shown once, and stored as SHA-256: a
fast hash is right for a secret with that much entropy, and comparison is
constant-time. An unknown client id costs the same comparison as a known one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable

from gatehouse.clock import Clock
from gatehouse.errors import InvalidClientError, InvalidRequestError, UnauthorizedClientError
from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.scopes import parse_scope
from gatehouse.jose import b64url_encode
from gatehouse.storage.ports import ClientStore
from gatehouse.storage.records import ClientRecord

__all__ = ["CLIENT_CREDENTIALS", "GRANT_TYPES", "MAX_SECRET_CHARS", "ClientManager"]

CLIENT_CREDENTIALS = "client_credentials"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # RFC 8693 §2.1
GRANT_TYPES = frozenset({CLIENT_CREDENTIALS, "password", "refresh_token", TOKEN_EXCHANGE})
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
MAX_SECRET_CHARS = 512
_DUMMY_HASH = hashlib.sha256(b"no such client").digest()


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


def check_client_id(client_id: str) -> str:
    if not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id):
        raise InvalidRequestError("client_id must be 1-128 of A-Z a-z 0-9 . _ : -")
    return client_id


class ClientManager:
    def __init__(
        self,
        store: ClientStore,
        *,
        clock: Clock,
        audit: AuditLog,
        random: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        self._store = store
        self._clock = clock
        self._audit = audit
        self._random = random

    def register(
        self,
        client_id: str,
        *,
        name: str = "",
        allowed_audiences: Iterable[str] = (),
        allowed_scopes: Iterable[str] = (),
        grant_types: Iterable[str] = (CLIENT_CREDENTIALS,),
        confidential: bool = True,
        require_dpop: bool = False,
    ) -> tuple[ClientRecord, str | None]:
        """A new client and its secret (None for a public client); ``require_dpop``:
        the token endpoint refuses its requests without a DPoP proof (RFC 9449 §5)."""
        grants = frozenset(grant_types)
        if not grants <= GRANT_TYPES:
            raise InvalidRequestError(f"grant_types must be among {sorted(GRANT_TYPES)}")
        if CLIENT_CREDENTIALS in grants and not confidential:
            raise InvalidRequestError("a public client cannot use client_credentials")
        secret = b64url_encode(self._random(32)) if confidential else None
        now = self._clock.time()
        record = ClientRecord(
            client_id=check_client_id(client_id),
            name=name or client_id,
            secret_hash=_digest(secret) if secret is not None else None,
            allowed_audiences=frozenset(allowed_audiences),
            allowed_scopes=parse_scope(list(allowed_scopes)) or frozenset(),
            grant_types=grants,
            created_at=now,
            updated_at=now,
            require_dpop=require_dpop,
        )
        self._store.create_client(record)
        self._audit.event("client_registered", client_id=client_id)
        return record, secret

    def get(self, client_id: str) -> ClientRecord:
        record = self._store.get_client(client_id)
        if record is None:
            raise InvalidRequestError("no such client")
        return record

    def rotate_secret(self, client_id: str) -> str:
        record = self.get(client_id)
        if record.secret_hash is None:
            raise InvalidRequestError("a public client has no secret")
        secret = b64url_encode(self._random(32))
        changed = dataclasses.replace(
            record, secret_hash=_digest(secret), updated_at=self._clock.time()
        )
        self._store.update_client(changed)
        self._audit.event("client_secret_rotated", client_id=client_id)
        return secret

    def set_disabled(self, client_id: str, disabled: bool) -> None:
        record = self.get(client_id)
        self._store.update_client(
            dataclasses.replace(record, disabled=disabled, updated_at=self._clock.time())
        )
        self._audit.event("client_disabled" if disabled else "client_enabled", client_id=client_id)

    def set_require_dpop(self, client_id: str, required: bool) -> ClientRecord:
        """Require (or stop requiring) DPoP proofs from this client at the token endpoint."""
        record = dataclasses.replace(
            self.get(client_id), require_dpop=required, updated_at=self._clock.time()
        )
        self._store.update_client(record)
        name = "client_dpop_required" if required else "client_dpop_optional"
        self._audit.event(name, client_id=client_id)
        return record

    def authenticate(self, client_id: str, client_secret: str | None) -> ClientRecord:
        """The client if the secret is right (RFC 6749 §2.3.1); ``InvalidClientError``."""
        if not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id):
            raise InvalidClientError("client authentication failed")
        record = self._store.get_client(client_id)
        if record is not None and record.secret_hash is None and client_secret is None:
            if record.disabled:
                raise InvalidClientError("client authentication failed")
            return record  # a public client identifies itself, nothing more
        secret = client_secret if isinstance(client_secret, str) else ""
        if len(secret) > MAX_SECRET_CHARS:
            # Refused, never cut: hashing a prefix would accept any tail after a
            # stored secret of exactly this length (RFC 6749 §5.2 invalid_client).
            self._audit.event("client_auth_failed", client_id=client_id)
            raise InvalidClientError("client authentication failed")
        presented = _digest(secret)
        expected = record.secret_hash if record and record.secret_hash else _DUMMY_HASH
        matches = hmac.compare_digest(presented, expected)
        if record is None or record.secret_hash is None or not matches or record.disabled:
            self._audit.event("client_auth_failed", client_id=client_id)
            raise InvalidClientError("client authentication failed")
        return record

    @staticmethod
    def require_grant(client: ClientRecord, grant_type: str) -> None:
        if grant_type not in client.grant_types:
            raise UnauthorizedClientError(f"this client may not use the {grant_type} grant")
