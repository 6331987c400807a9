"""Stateless DPoP nonces (RFC 9449 §8, §9): an HMAC of a time slot under a server key.

§8 lets a server demand that proofs carry a nonce it handed out, which bounds a proof's
lifetime by the server's clock instead of the client's (§11.1, §11.2 pre-generation).
Storing every nonce issued would need shared state; instead a nonce is
``base64url(HMAC-SHA256(key, context || slot))`` truncated to 128 bits, where ``slot``
is the wall-clock time divided by ``slot_seconds``. Every instance with the same key
and context computes the same nonce, so they agree without talking to each other.

A nonce is accepted in its own slot and the next one, so it lives between one and two
slots. ``context`` separates servers (§9: a nonce is only for the server that issued
it): use the server's origin or issuer URL. Keys rotate by listing the new key first:
nonces are issued under ``keys[0]`` and accepted under any.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Sequence

from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import ConfigurationError
from gatehouse.jose.b64 import b64url_encode

__all__ = ["MIN_NONCE_KEY_BYTES", "StatelessNonces"]

MIN_NONCE_KEY_BYTES = 32
_TAG_BYTES = 16


class StatelessNonces:
    """Issues and checks nonces; implements ``gatehouse.jose.dpop.NoncePolicy``."""

    __slots__ = ("_clock", "_context", "_keys", "slot_seconds")

    def __init__(
        self,
        keys: bytes | Sequence[bytes],
        *,
        context: str,
        slot_seconds: float = 300,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        key_list = [keys] if isinstance(keys, bytes) else list(keys)
        if not key_list or any(
            not isinstance(k, bytes) or len(k) < MIN_NONCE_KEY_BYTES for k in key_list
        ):
            raise ConfigurationError(
                f"DPoP nonce keys must be at least {MIN_NONCE_KEY_BYTES} random bytes"
            )
        if not context:
            raise ConfigurationError("a DPoP nonce context (the server's URL) is required")
        if not (math.isfinite(slot_seconds) and 1 <= slot_seconds <= 86_400):
            raise ConfigurationError("slot_seconds must be between 1 second and 1 day")
        self._keys = tuple(key_list)
        self._context = context.encode("utf-8")
        self.slot_seconds = float(slot_seconds)
        self._clock = clock

    def _tag(self, key: bytes, slot: int) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives import hmac as crypto_hmac

        mac = crypto_hmac.HMAC(key, hashes.SHA256())
        mac.update(len(self._context).to_bytes(4, "big") + self._context)
        mac.update(slot.to_bytes(8, "big", signed=True))
        return b64url_encode(mac.finalize()[:_TAG_BYTES])

    def _slot(self, now: float) -> int:
        return math.floor(now / self.slot_seconds)

    def issue(self, now: float) -> str:
        """The nonce for the slot ``now`` falls in (1*NQCHAR, §8.1)."""
        return self._tag(self._keys[0], self._slot(now))

    def is_valid(self, nonce: str, now: float) -> bool:
        """Was ``nonce`` issued in this slot or the previous one, under any key?"""
        if not isinstance(nonce, str) or len(nonce) > 64:
            return False
        given = nonce.encode("ascii", "replace")
        slot = self._slot(now)
        ok = False
        for key in self._keys:
            for candidate in (slot, slot - 1):
                # Constant time, and every candidate compared: no early exit to time.
                ok |= hmac.compare_digest(given, self._tag(key, candidate).encode("ascii"))
        return ok

    def current(self) -> str:
        """The nonce to send now (``DPoP-Nonce``), by this instance's clock."""
        return self.issue(self._clock.time())
