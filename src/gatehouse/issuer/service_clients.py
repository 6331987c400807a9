"""``TokenService``'s client administration methods (registered OAuth clients).

A part of the one facade (``issuer.service``), kept in a module of its own so the
facade stays small: ``TokenService`` inherits these methods, nothing else does. They
talk to ``ClientManager`` (``_clients``) and the client store only.
"""

from __future__ import annotations

from collections.abc import Iterable

from gatehouse.clock import Clock
from gatehouse.errors import InvalidRequestError
from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.clients import CLIENT_CREDENTIALS, ClientManager
from gatehouse.issuer.results import RegisteredClient
from gatehouse.issuer.sessions import SessionManager
from gatehouse.storage.ports import Stores
from gatehouse.storage.records import ClientRecord

__all__ = ["ClientAdministration"]


class ClientAdministration:
    """Register, rotate, disable, delete, list clients and set their DPoP policy."""

    _clients: ClientManager
    _sessions: SessionManager
    _stores: Stores
    _clock: Clock
    _audit: AuditLog

    def register_client(
        self,
        client_id: str,
        *,
        name: str = "",
        allowed_audiences: Iterable[str] = (),
        allowed_scopes: Iterable[str] = (),
        grant_types: Iterable[str] = (CLIENT_CREDENTIALS,),
        confidential: bool = True,
        require_dpop: bool = False,
    ) -> RegisteredClient:
        """A new client and its secret (shown this once; None for a public client);
        ``require_dpop``: its token requests need a DPoP proof."""
        record, secret = self._clients.register(
            client_id,
            name=name,
            allowed_audiences=allowed_audiences,
            allowed_scopes=allowed_scopes,
            grant_types=grant_types,
            confidential=confidential,
            require_dpop=require_dpop,
        )
        return RegisteredClient(record, secret)

    def rotate_client_secret(self, client_id: str) -> str:
        """A new secret for the client; the old one stops working at once."""
        return self._clients.rotate_secret(client_id)

    def disable_client(self, client_id: str) -> None:
        """The client can no longer authenticate (so the token endpoint refuses its
        grants), and the access tokens issued to it are set INVALID in the status lists
        (a verifier that checks none sees them run to ``exp``)."""
        self._clients.set_disabled(client_id, True)

    def enable_client(self, client_id: str) -> None:
        """Let a disabled client authenticate again."""
        self._clients.set_disabled(client_id, False)

    def delete_client(self, client_id: str) -> None:
        """Delete the client, a cascade (``ClientStore.delete_client``): the access
        tokens issued to it are set INVALID in the status lists, the sessions logged in
        through it are revoked, then the record goes. ``InvalidRequestError`` if unknown.
        Where no status list is published, its access tokens run to ``exp``."""
        if not self._stores.clients.delete_client(client_id, now=self._clock.time()):
            raise InvalidRequestError("no such client")
        self._sessions.deny_sessions([])  # mirrors the outbox rows the delete wrote
        self._audit.event("client_deleted", client_id=client_id)

    def list_clients(self) -> list[ClientRecord]:
        """Every registered client (administration; never on a request path)."""
        return self._stores.clients.list_clients()

    def set_client_require_dpop(self, client_id: str, required: bool) -> ClientRecord:
        """Require (or stop requiring) DPoP proofs from a client at the token endpoint
        (RFC 9449 §5); its requests without one get ``invalid_dpop_proof``."""
        return self._clients.set_require_dpop(client_id, required)
