"""Token Status Lists on the issuer side (draft-ietf-oauth-status-list-20).

* **Allocation** (§12.2-§12.3, §12.5): an access token's index is drawn uniformly at
  random from a large list (``StatusIndexAllocator``, full at half) and claimed in the
  store on the ``(list, idx)`` key (inside the transaction that creates or rotates the
  token's session: no commit of its own, ``prepare``/``settle``), so neither the index
  nor the list reveals issue order or links a user's tokens, and no index is allocated
  twice even across instances.
* **Serving** (§5.1, §8.2, §13.7): the list token is signed with the ACTIVE key, so
  verifiers check it with the JWKS they already hold; ``sub`` is the list's URI, ``ttl``
  tells verifiers how long to cache it, and it is built once per content version (bits
  only flip 0 → 1 and each flip bumps the version in the store) and re-signed after half
  its lifetime. The ETag names version and ``iat``: a strong validator for these bytes.
* **Revocation**: the store sets the bits in the transaction that ends the session
  (``storage.status_ports``); what is left here is the deny-list mirror: outbox rows
  committed with the revocation are written to the deny-list store after commit
  (``mirror``), again on a retried revocation and at start, so a deny-list outage
  delays the mirror but never loses it.
* **Retirement**: a full list whose tokens all expired is retired; its number is never
  reused, and it is no longer served (every token naming it has expired).
"""

from __future__ import annotations

import math
import secrets
import threading
from collections.abc import Callable
from typing import Any

from gatehouse._record import record
from gatehouse.clock import Clock
from gatehouse.errors import ConflictError, StorageError
from gatehouse.issuer.config import IssuerConfig
from gatehouse.issuer.signing_keys import SigningKeyManager
from gatehouse.issuer.status_config import StatusListConfig
from gatehouse.jose.status_list import StatusListBuilder
from gatehouse.jose.status_list_alloc import StatusIndexAllocator
from gatehouse.jose.status_list_token import encode_status_list_token
from gatehouse.storage.ports import DenyList
from gatehouse.storage.records import DenyKind
from gatehouse.storage.status_ports import StatusStore
from gatehouse.storage.status_records import StatusClaim

__all__ = ["DENY_MARGIN", "ServedStatusList", "StatusLists"]

DENY_MARGIN = 60.0
"""Deny entries outlive the tokens they cover by this much (verifier leeway)."""
_RETIRE_MARGIN = 300.0
"""A list is retired this long after its last token's ``exp`` (verifier leeway, skew)."""
_CACHED_LISTS = 64
_DRAWS = 8
"""Candidates per claim: below half full each is free with probability >= 1/2, so all
eight are taken with probability <= 1/256 (then a new claim, with new draws)."""
_ROUNDS = 6


@record
class ServedStatusList:
    """One built list token and what the HTTP layer sends with it."""

    token: str
    etag: str
    version: int
    issued_at: int
    ttl: int
    kid: str | None = None  # the signing key: a rotation re-signs (the old key retires)


class StatusLists:
    """Claims indices, serves list tokens, mirrors committed denials."""

    def __init__(
        self,
        config: StatusListConfig,
        issuer: IssuerConfig,
        store: StatusStore,
        keys: SigningKeyManager,
        deny_list: DenyList,
        *,
        clock: Clock,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        self.config = config
        self._issuer = issuer
        self._store = store
        self._keys = keys
        self._deny = deny_list
        self._clock = clock
        self._alloc = StatusIndexAllocator(config.list_size, random_bytes=random_bytes)
        self._base = issuer.issuer.rstrip("/") + "/statuslists/"
        self._lock = threading.Lock()
        self._current: int | None = None
        self._built: dict[int, ServedStatusList] = {}

    def uri(self, list_id: int) -> str:
        """Where list ``list_id`` is served: the tokens' ``status_list.uri``, the list's ``sub``."""
        return f"{self._base}{list_id}"

    # --- issuing ------------------------------------------------------------------------

    def prepare(
        self,
        *,
        jti: str,
        sid: str | None,
        account_id: str | None,
        client_id: str | None,
        expires_at: float,
    ) -> StatusClaim:
        """Random candidates in the current list, for the store to claim inside the
        transaction that mints the token (a session's creation or rotation), so the
        claim costs no commit of its own; ``settle`` turns the outcome into the claim."""
        list_id = self._current or self._usable_list()
        draws = self._alloc.draw(_DRAWS)
        return StatusClaim(
            list_id, draws, self._alloc.capacity, jti, sid, account_id, client_id, expires_at
        )

    def settle(self, claim: StatusClaim, idx: int | None) -> dict[str, Any]:
        """The ``status`` claim (§6.1) for ``claim`` claimed at ``idx``; None (the list
        filled up, or every draw was taken) claims again in a transaction of its own."""
        if idx is None:
            self._current = None
            return self.claim(
                jti=claim.jti,
                sid=claim.sid,
                account_id=claim.account_id,
                client_id=claim.client_id,
                expires_at=claim.expires_at,
            )
        self._current = claim.list_id
        return {"status_list": {"idx": idx, "uri": self.uri(claim.list_id)}}

    def claim(
        self,
        *,
        jti: str,
        sid: str | None,
        account_id: str | None,
        client_id: str | None,
        expires_at: float,
    ) -> dict[str, Any]:
        """Claim an index for a new access token in a transaction of its own (one
        autocommit statement on PostgreSQL); return its ``status`` claim (§6.1)."""
        for _ in range(_ROUNDS):
            claim = self.prepare(
                jti=jti, sid=sid, account_id=account_id, client_id=client_id, expires_at=expires_at
            )
            idx = self._store.claim_status_indices(claim)
            if idx is not None:
                self._current = claim.list_id
                return {"status_list": {"idx": idx, "uri": self.uri(claim.list_id)}}
            self._current = None  # full (or every draw taken, i.e. nearly full): move on
        raise StorageError("no status list index could be claimed")

    def _usable_list(self) -> int:
        capacity = self._alloc.capacity
        found = self._store.usable_status_list(capacity=capacity)
        if found is not None:
            return found.list_id
        self.retire()  # housekeeping rides on the (rare) opening of a list
        try:
            return self._store.open_status_list(
                size=self._alloc.size, now=self._clock.time()
            ).list_id
        except ConflictError:  # another instance opened it first: use theirs
            found = self._store.usable_status_list(capacity=capacity)
            if found is None:
                raise
            return found.list_id

    # --- serving ------------------------------------------------------------------------

    def served(self, list_id: int) -> ServedStatusList | None:
        """The list token for ``list_id``, or None for an unknown or retired list."""
        record = self._store.get_status_list(list_id)
        if record is None or record.retired_at is not None:
            return None
        now = math.floor(self._clock.time())
        key = self._keys.active_key()  # cached for key_cache_ttl: no store read per request
        with self._lock:
            built = self._built.get(list_id)
        if (
            built is not None
            and built.version == record.version
            and built.kid == key.kid
            and now < built.issued_at + self.config.token_lifetime // 2
        ):
            return built
        builder = StatusListBuilder(record.size)
        for idx in self._store.invalid_indices(list_id):
            builder.set(idx, 1)  # §7.1: 0x01 INVALID
        token = encode_status_list_token(
            builder.freeze(),
            key,
            key.alg or self._issuer.signing_alg,
            uri=self.uri(list_id),
            iat=now,
            exp=now + self.config.token_lifetime,
            ttl=self.config.ttl,
        )
        etag = f'"{list_id}.{record.version}.{now}"'
        built = ServedStatusList(token, etag, record.version, now, self.config.ttl, key.kid)
        with self._lock:
            if len(self._built) >= _CACHED_LISTS and list_id not in self._built:
                self._built.pop(next(iter(self._built)))
            self._built[list_id] = built
        return built

    def aggregation(self) -> dict[str, Any]:
        """The Status List Aggregation document (§9.3) of the lists still served."""
        ids: list[int] = []
        list_id = 1
        while (record := self._store.get_status_list(list_id)) is not None and len(ids) < 1000:
            if record.retired_at is None:
                ids.append(list_id)
            list_id += 1
        return {"status_lists": [self.uri(i) for i in ids]}

    # --- the deny-list mirror -----------------------------------------------------------

    def revoke_access_token(self, jti: str, *, expires_at: float) -> bool:
        """RFC 7009 for one access token: its bit and its outbox row in one transaction,
        then the mirror; True if its bit was set now."""
        flipped = self._store.revoke_access_token(
            jti, now=self._clock.time(), expires_at=expires_at
        )
        self.mirror()
        return flipped

    def mirror(self) -> int:
        """Write committed denials to the deny-list store, then settle them; return how many.

        A failure (the deny-list store down) propagates after what was written stays
        written; the rows left are written by the next call (a retried revocation, the
        next revocation, start-up)."""
        done = 0
        for denial in self._store.pending_denials():
            if self._issuer.deny_on_revoke:
                covers = max(denial.expires_at, denial.created_at + self._issuer.access_token_ttl)
                kind = DenyKind(denial.kind)
                self._deny.deny(kind, denial.value, expires_at=covers + DENY_MARGIN)
            self._store.settle_denial(denial)
            done += 1
        return done

    def retire(self) -> int:
        """Retire full lists whose tokens have all expired (housekeeping)."""
        before = self._clock.time() - _RETIRE_MARGIN
        return self._store.retire_status_lists(before=before, capacity=self._alloc.capacity)
