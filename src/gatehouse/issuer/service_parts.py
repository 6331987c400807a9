"""The parts of ``TokenService`` a login never uses, built on first use.

A part of the one facade (``issuer.service``), like ``service_dpop``. Introspection
(RFC 7662) verifies our own access tokens, so it loads the verifier side
(``gatehouse.verify``, ``keys.jwks``, ``claims``); revocation (RFC 7009) and logout read
tokens through it. A Lambda cold start that answers ``/login`` needs neither (issue 15
§2), so each is built by the first call that does, once, under a lock: every thread
then shares the one instance, as when they were built in ``__init__``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from gatehouse.clock import Clock
from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.config import IssuerConfig
from gatehouse.issuer.sessions import SessionManager
from gatehouse.issuer.signing_keys import SigningKeyManager
from gatehouse.storage.ports import Stores

if TYPE_CHECKING:
    from gatehouse.issuer.introspection import Introspector
    from gatehouse.issuer.revocation import Revoker
    from gatehouse.issuer.status_lists import StatusLists

__all__ = ["LazyParts"]

_BUILDING = threading.Lock()


class LazyParts:
    """``_introspector`` and ``_revoker``, made when first asked for."""

    config: IssuerConfig
    _stores: Stores
    _keys: SigningKeyManager
    _sessions: SessionManager
    _audit: AuditLog
    _clock: Clock
    _status: StatusLists | None
    _built_introspector: Introspector | None = None
    _built_revoker: Revoker | None = None

    @property
    def _introspector(self) -> Introspector:
        part = self._built_introspector
        if part is None:
            with _BUILDING:
                part = self._built_introspector
                if part is None:
                    part = self._built_introspector = self._make_introspector()
        return part

    @property
    def _revoker(self) -> Revoker:
        part = self._built_revoker
        if part is None:
            introspector = self._introspector  # outside the lock, which is not re-entrant
            with _BUILDING:
                part = self._built_revoker
                if part is None:
                    part = self._built_revoker = self._make_revoker(introspector)
        return part

    def _make_introspector(self) -> Introspector:
        from gatehouse.issuer.introspection import Introspector

        stores = self._stores
        return Introspector(
            self.config,
            self._keys,
            stores.sessions,
            stores.deny_list,
            stores.clients,
            clock=self._clock,
        )

    def _make_revoker(self, introspector: Introspector) -> Revoker:
        from gatehouse.issuer.revocation import Revoker

        return Revoker(
            self.config,
            self._sessions,
            self._stores.sessions,
            introspector,
            self._stores.deny_list,
            audit=self._audit,
            status=self._status,
        )
