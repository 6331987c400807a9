"""Audit events as structured ``logging`` records, with no secret ever in them.

Each event is one record on the ``gatehouse.audit`` logger at INFO (WARNING for reuse
and lockouts) carrying ``record.audit`` (a dict) and ``record.event``. Field names are
an allow-list: a password, token, secret or key cannot be logged by accident because
no field exists to put it in.
"""

from __future__ import annotations

import logging
from typing import Final

__all__ = ["AUDIT_FIELDS", "AUDIT_LOGGER", "AuditLog"]

AUDIT_LOGGER = "gatehouse.audit"

AUDIT_FIELDS: Final = frozenset(
    {
        "account_id",
        "username",
        "client_id",
        "sid",
        "jti",
        "kid",
        "remote_addr",
        "reason",
        "retry_after",
        "count",
        "scope",
        "audience",
        "outcome",
        "state",
        "chain",  # token exchange: the actors' client ids, newest first (RFC 8693 §4.1)
    }
)

_WARNINGS = frozenset({"refresh_token_reused", "login_locked_out", "kek_development"})

Value = str | int | float | bool | None


class AuditLog:
    """Writes audit events; inject a logger to route them elsewhere."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._logger = logger or logging.getLogger(AUDIT_LOGGER)

    def event(self, name: str, **fields: Value) -> None:
        unknown = set(fields) - AUDIT_FIELDS
        if unknown:
            raise ValueError(f"not an audit field: {sorted(unknown)}")  # a programming error
        data = {k: v for k, v in fields.items() if v is not None}
        level = logging.WARNING if name in _WARNINGS else logging.INFO
        if not self._logger.isEnabledFor(level):
            return
        text = " ".join(f"{k}={v}" for k, v in sorted(data.items()))
        self._logger.log(
            level, "%s %s", name, text, extra={"event": name, "audit": {"event": name, **data}}
        )
