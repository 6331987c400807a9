"""``TokenService``'s Token Status List methods (draft-ietf-oauth-status-list).

A part of the one facade (``issuer.service``): ``TokenService`` inherits these, nothing
else does. The rules live in ``issuer.status_lists``; the facade builds it once
(``_make_status_lists``) and hands it to the minter (every access token gets a
``status`` claim), the session manager and the revoker (the deny-list mirror).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gatehouse.clock import Clock
from gatehouse.errors import StorageUnavailableError
from gatehouse.issuer.access_tokens import AccessTokenMinter
from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.config import IssuerConfig
from gatehouse.issuer.signing_keys import SigningKeyManager
from gatehouse.issuer.status_config import StatusListConfig
from gatehouse.issuer.status_lists import ServedStatusList, StatusLists
from gatehouse.storage.ports import Stores

__all__ = ["StatusListMethods"]


class StatusListMethods:
    """Serve status list tokens; mirror committed revocations; retire old lists."""

    _status: StatusLists | None
    _audit: AuditLog
    _keys: SigningKeyManager
    _clock: Clock
    _random: Callable[[int], bytes]

    def _minter_for(self, config: IssuerConfig) -> AccessTokenMinter:
        """A minter whose tokens carry a ``status`` claim when lists are on."""
        return AccessTokenMinter(
            config, self._keys, clock=self._clock, random=self._random, status=self._status
        )

    @staticmethod
    def _make_status_lists(
        settings: StatusListConfig | None,
        config: IssuerConfig,
        stores: Stores,
        keys: SigningKeyManager,
        clock: Clock,
    ) -> StatusLists | None:
        """On by default; off when disabled or when the main store has no status tables."""
        settings = settings or StatusListConfig()
        if not settings.enabled or stores.status is None:
            return None
        return StatusLists(settings, config, stores.status, keys, stores.deny_list, clock=clock)

    @property
    def status_lists_enabled(self) -> bool:
        """Whether access tokens carry a ``status`` claim."""
        return self._status is not None

    def status_list_token(self, list_id: int) -> ServedStatusList | None:
        """The signed list token at ``/statuslists/{list_id}`` (§5.1), built once per
        content version; None for an unknown or retired list or when lists are off."""
        if self._status is None or list_id < 1:
            return None
        return self._status.served(list_id)

    def status_list_aggregation(self) -> dict[str, Any] | None:
        """The Status List Aggregation document (§9.3), or None when lists are off."""
        return None if self._status is None else self._status.aggregation()

    def status_list_metadata(self, aggregation_path: str = "/statuslists") -> dict[str, Any]:
        """Discovery members: ``status_list_aggregation_endpoint`` (registered by the draft,
        §9.1 and §14.6) and the gatehouse-specific ``status_list_ttl`` (seconds a verifier
        caches a list: a revoked token is refused within it plus one fetch)."""
        if self._status is None:
            return {}
        base = self._status.uri(0).removesuffix("/statuslists/0")
        return {
            "status_list_aggregation_endpoint": base + aggregation_path,
            "status_list_ttl": self._status.config.ttl,
        }

    def mirror_revocations(self) -> int:
        """Write committed revocations still in the outbox to the deny-list store (start-up
        and housekeeping; every revocation also does it); return how many."""
        return 0 if self._status is None else self._status.mirror()

    def _mirror_at_start(self) -> None:
        try:
            self.mirror_revocations()
        except StorageUnavailableError:
            # The next revocation or purge retries; starting must not depend on Redis.
            self._audit.event("revocation_mirror_deferred")

    def retire_status_lists(self) -> int:
        """Retire full lists whose tokens have all expired; return how many."""
        return 0 if self._status is None else self._status.retire()
