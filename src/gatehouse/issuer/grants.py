"""Which audience a grant may carry (RFC 8707 resource indicators, simplified).

A client with allowed audiences is limited to them; otherwise the issuer's configured
audiences apply. With none requested, the default audience is used when permitted.
"""

from __future__ import annotations

from gatehouse.errors import InvalidTargetError
from gatehouse.issuer.config import IssuerConfig
from gatehouse.storage.records import ClientRecord

__all__ = ["choose_audience"]


def choose_audience(
    config: IssuerConfig, requested: str | None, client: ClientRecord | None
) -> str:
    permitted = (
        client.allowed_audiences
        if client is not None and client.allowed_audiences
        else config.allowed_audiences
    )
    if requested is None:
        if config.default_audience in permitted:
            return config.default_audience
        if len(permitted) == 1:
            return next(iter(permitted))
        raise InvalidTargetError("an audience is required")
    if requested not in permitted:
        # RFC 8707 §2: invalid_target.
        raise InvalidTargetError("the audience is not allowed")
    return requested
