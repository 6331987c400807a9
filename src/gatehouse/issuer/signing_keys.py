"""Signing keys through their lifecycle: next → active → retired → removed.

* NEXT is published in the JWKS before it signs anything, so verifiers have it cached
  by the time it becomes active.
* ACTIVE signs every new token (exactly one, once bootstrapped).
* RETIRED no longer signs but stays published for ``config.retention`` seconds
  (access-token lifetime + verifier cache time + our own key-cache time), so every
  token it signed can still be verified until it expires.
* REMOVED is dropped from the JWKS and its sealed private half erased.

``rotate`` does NEXT→ACTIVE, ACTIVE→RETIRED, adds a fresh NEXT and removes retired
keys past retention, as one compare-and-set on the store: two processes rotating at
once cannot both win. ``kid`` is the RFC 7638 thumbprint of the key.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from typing import Any

from gatehouse.clock import Clock
from gatehouse.errors import ConflictError, RotationTooSoonError, StorageError
from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.config import IssuerConfig
from gatehouse.issuer.kek import KeyEncryptionKey
from gatehouse.issuer.key_rotation import describe_wait
from gatehouse.jose import JWK
from gatehouse.storage.ports import SigningKeyStore
from gatehouse.storage.records import KeyState, KeyTransition, SigningKeyRecord

__all__ = ["SigningKeyManager"]

_PUBLISHED = (KeyState.ACTIVE, KeyState.NEXT, KeyState.RETIRED)


class SigningKeyManager:
    """Creates, rotates, publishes and unseals the issuer's signing keys."""

    def __init__(
        self,
        store: SigningKeyStore,
        kek: KeyEncryptionKey,
        config: IssuerConfig,
        *,
        clock: Clock,
        audit: AuditLog,
        random: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        self._store = store
        self._kek = kek
        self._config = config
        self._clock = clock
        self._audit = audit
        self._random = random
        self._lock = threading.Lock()
        self._active: tuple[JWK, float] | None = None  # (key, monotonic deadline)

    def _new_record(self, state: KeyState, now: float) -> SigningKeyRecord:
        jwk = JWK.generate(self._config.signing_alg, rsa_bits=self._config.rsa_bits)
        assert jwk.kid is not None
        private = json.dumps(jwk.to_dict(private=True)).encode()
        return SigningKeyRecord(
            kid=jwk.kid,
            alg=self._config.signing_alg,
            state=state,
            public_jwk=json.dumps(jwk.public().to_dict(), sort_keys=True),
            sealed_private=self._kek.seal(private, aad=jwk.kid.encode(), random=self._random),
            created_at=now,
            state_changed_at=now,
        )

    def ensure_keys(self) -> None:
        """Bootstrap an ACTIVE and a NEXT key if missing; safe to race with other processes."""
        keys = self._store.list_signing_keys()
        states = {k.state for k in keys}
        now = self._clock.time()
        try:
            if KeyState.ACTIVE not in states:
                self._store.add_signing_key(self._new_record(KeyState.ACTIVE, now))
                self._audit.event("signing_key_created", state="active")
            if KeyState.NEXT not in states:
                self._store.add_signing_key(self._new_record(KeyState.NEXT, now))
                self._audit.event("signing_key_created", state="next")
        except ConflictError:
            return  # another process bootstrapped at the same moment

    def _by_state(self) -> dict[KeyState, list[SigningKeyRecord]]:
        by_state: dict[KeyState, list[SigningKeyRecord]] = {s: [] for s in KeyState}
        for key in self._store.list_signing_keys():
            by_state[key.state].append(key)
        return by_state

    def _replace_next(self, stale: SigningKeyRecord, now: float) -> SigningKeyRecord:
        """Publish a NEXT key of the configured algorithm in place of ``stale`` (which
        never signed; it stays published until retention, like any retired key)."""
        fresh = self._new_record(KeyState.NEXT, now)
        self._store.apply_key_transitions(
            [KeyTransition(stale.kid, KeyState.NEXT, KeyState.RETIRED, now)], add=[fresh]
        )
        self._audit.event("signing_key_created", kid=fresh.kid, state="next")
        return fresh

    def rotate(self, *, min_published: float = 0.0) -> str:
        """Promote NEXT, retire ACTIVE, add a NEXT, drop expired retired keys; return the new
        active kid. ``ConflictError`` if another rotation won the race.

        ``RotationTooSoonError`` when NEXT has been published for less than
        ``min_published`` seconds (``key_rotation``: the verifiers' cache time; 0 forces).
        A NEXT of another algorithm than ``signing_alg`` is first replaced by a fresh one of
        the configured algorithm, which then has to wait its turn like any new key.
        """
        self.ensure_keys()
        now = self._clock.time()
        by_state = self._by_state()
        promoted = by_state[KeyState.NEXT][-1]
        wanted = self._config.signing_alg
        if promoted.alg != wanted:
            stale_alg = promoted.alg
            promoted = self._replace_next(promoted, now)
            if min_published > 0:
                raise RotationTooSoonError(
                    f"the next key signs {stale_alg} but [issuer] signing_alg is {wanted}:"
                    f" published a new {wanted} next key ({promoted.kid}); rotate again in"
                    f" {describe_wait(min_published)}, when every verifier has it, or now"
                    " with --force",
                    wait_seconds=min_published,
                )
            by_state = self._by_state()
        published = now - promoted.state_changed_at
        if published < min_published:
            wait = min_published - published
            raise RotationTooSoonError(
                f"the next key ({promoted.kid}) was published {describe_wait(published)} ago;"
                f" verifiers may cache the JWKS for {describe_wait(min_published)}, so promoting"
                f" it now could fail their checks: wait {describe_wait(wait)}, or use --force",
                wait_seconds=wait,
            )
        transitions = [KeyTransition(promoted.kid, KeyState.NEXT, KeyState.ACTIVE, now)]
        transitions += [
            KeyTransition(k.kid, KeyState.ACTIVE, KeyState.RETIRED, now)
            for k in by_state[KeyState.ACTIVE]
        ]
        transitions += self._expired(by_state[KeyState.RETIRED], now)
        fresh = self._new_record(KeyState.NEXT, now)
        self._store.apply_key_transitions(transitions, add=[fresh])
        with self._lock:
            self._active = None
        self._audit.event("signing_keys_rotated", kid=promoted.kid, state="active")
        return promoted.kid

    def _expired(self, retired: list[SigningKeyRecord], now: float) -> list[KeyTransition]:
        return [
            KeyTransition(k.kid, KeyState.RETIRED, KeyState.REMOVED, now)
            for k in retired
            if now - k.state_changed_at >= self._config.retention
        ]

    def prune(self) -> int:
        """Remove retired keys past retention without rotating; return how many."""
        now = self._clock.time()
        retired = [k for k in self._store.list_signing_keys() if k.state is KeyState.RETIRED]
        transitions = self._expired(retired, now)
        if transitions:
            self._store.apply_key_transitions(transitions)
            for t in transitions:
                self._audit.event("signing_key_removed", kid=t.kid, state="removed")
        return len(transitions)

    def active_key(self) -> JWK:
        """The private ACTIVE key, cached for ``key_cache_ttl`` so other processes'
        rotations are picked up within that time (which ``retention`` allows for)."""
        deadline_now = self._clock.monotonic()
        with self._lock:
            if self._active is not None and self._active[1] > deadline_now:
                return self._active[0]
        record = self._find_active()
        if record is None:
            self.ensure_keys()
            record = self._find_active()
            if record is None:
                raise StorageError("no active signing key could be stored")
        private = self._kek.open(record.sealed_private, aad=record.kid.encode())
        jwk = JWK.from_dict(json.loads(private), private_allowed=True)
        with self._lock:
            self._active = (jwk, deadline_now + self._config.key_cache_ttl)
        return jwk

    def _find_active(self) -> SigningKeyRecord | None:
        active = [k for k in self._store.list_signing_keys() if k.state is KeyState.ACTIVE]
        return max(active, key=lambda k: k.state_changed_at) if active else None

    def jwks(self) -> dict[str, Any]:
        """The public JWKS document (RFC 7517 §5): NEXT, ACTIVE and RETIRED keys."""
        keys = [k for k in self._store.list_signing_keys() if k.state in _PUBLISHED]
        keys.sort(key=lambda k: (_PUBLISHED.index(k.state), k.created_at))
        return {"keys": [json.loads(k.public_jwk) for k in keys]}
