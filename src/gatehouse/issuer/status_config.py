"""The ``[status_list]`` settings: Token Status Lists on the issuer side.

Each field with a ``doc`` is a setting (``service.settings_schema`` derives its TOML key,
environment variable, parser and documentation row), as for ``[issuer]``.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from gatehouse._record import record
from gatehouse.errors import ConfigurationError

__all__ = ["StatusListConfig"]


def _setting(doc: str) -> dict[str, Any]:
    return {"doc": doc}


@record
class StatusListConfig:
    enabled: bool = field(
        default=True,
        metadata=_setting(
            "Every access token carries a `status` claim pointing at a status list"
            " (draft-ietf-oauth-status-list), served at `/statuslists/{id}`; logout and every"
            " other revocation sets the token's bit there."
        ),
    )
    ttl: int = field(
        default=60,
        metadata=_setting(
            "Seconds a verifier may cache a list (`ttl` claim, `Cache-Control: max-age`): the"
            " longest a revoked token keeps working at a verifier, plus one fetch. 1 … 3600."
        ),
    )
    list_size: int = field(
        default=1 << 20,
        metadata=_setting(
            "Entries per list (a multiple of 8, 1024 … 2**24). A list counts as full at half,"
            " so indices stay random among many decoys; then the next list opens."
        ),
    )
    token_lifetime: int = field(
        default=3600,
        metadata=_setting(
            "Seconds from `iat` to `exp` of a served status list token (more than `ttl`);"
            " the issuer re-signs a list after half of it."
        ),
    )

    def __post_init__(self) -> None:
        if not 1 <= self.ttl <= 3600:
            raise ConfigurationError("[status_list] ttl must be 1 … 3600 seconds")
        if self.list_size % 8 or not 1024 <= self.list_size <= 1 << 24:
            raise ConfigurationError(
                "[status_list] list_size must be a multiple of 8, 1024 … 2**24"
            )
        if not self.ttl < self.token_lifetime <= 86400:
            raise ConfigurationError("[status_list] token_lifetime must exceed ttl, at most 1 day")
