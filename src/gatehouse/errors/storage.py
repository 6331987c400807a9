"""The store failed (503), or refused a write that breaks a uniqueness rule (409)."""

from __future__ import annotations

from gatehouse.errors.base import GatehouseError


class StorageError(GatehouseError):
    """The store failed; nothing was half-written."""

    code = "storage"
    error = "temporarily_unavailable"
    status = 503


class StorageUnavailableError(StorageError):
    """The store is down or timed out."""

    code = "storage_unavailable"


class ConflictError(StorageError):
    """A uniqueness constraint was violated (for example, a username is taken)."""

    code = "conflict"
    error = "invalid_request"
    status = 409
