"""One entry of ``[[functions]]``: a handler, its routes and how they are protected.

The local gateway (``gatehouse dev``) and the SAM generator (``gatehouse deploy sam``)
both read these values, so what runs locally is what gets deployed; neither owns them.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from gatehouse.errors import ConfigurationError

__all__ = ["Protection", "Route", "ServiceSpec", "parse_route", "route_pattern"]

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"})
_PATH = re.compile(r"^/[A-Za-z0-9._~\-/{}+]*$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")


class Protection(enum.Enum):
    """How API Gateway guards a service's routes before the function runs."""

    NONE = "none"  # the function verifies tokens itself (``@require_token``)
    JWT = "jwt"  # the HTTP API's built-in JWT authorizer (RSA keys only)
    LAMBDA = "lambda"  # a gatehouse Lambda authorizer function


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str


def route_pattern(route: Route) -> re.Pattern[str]:
    """``/profiles/{sub}`` → a regex with a named group; ``{proxy+}`` spans slashes (the
    path-variable rules of API Gateway HTTP APIs)."""
    parts = []
    for piece in re.split(r"(\{[^}]+\})", route.path):
        if piece.startswith("{") and piece.endswith("}"):
            name = piece[1:-1]
            greedy = name.endswith("+")
            parts.append(f"(?P<{name.rstrip('+')}>{'.+' if greedy else '[^/]+'})")
        else:
            parts.append(re.escape(piece))
    return re.compile("^" + "".join(parts) + "$")


def parse_route(text: str) -> Route:
    """``"GET /orders"`` → ``Route("GET", "/orders")``."""
    method, _, path = text.strip().partition(" ")
    method, path = method.upper(), path.strip()
    if method not in _METHODS or not _PATH.fullmatch(path):
        raise ConfigurationError(
            f'route {text!r}: expected METHOD /path, e.g. "GET /orders/{{id}}"'
        )
    return Route(method, path)


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One function behind the services' HTTP API."""

    name: str
    handler: str
    routes: tuple[Route, ...]
    protection: Protection = Protection.NONE
    scopes: tuple[str, ...] = ()
    authorizer: str | None = None  # the Lambda authorizer's handler (Protection.LAMBDA)
    authorizer_ttl: int = 300
    environment: tuple[tuple[str, str], ...] = ()
    payload: str = "2.0"  # the event format the handler expects: "1.0" (REST) or "2.0"
    # RFC 9449: the routes take DPoP-bound tokens (Authorization: DPoP + a DPoP proof).
    dpop: bool = False

    def __post_init__(self) -> None:
        if self.payload not in ("1.0", "2.0"):
            raise ConfigurationError(f'function {self.name!r}: event must be "v1" or "v2"')
        if not _NAME.fullmatch(self.name.replace("-", "").replace("_", "")):
            raise ConfigurationError(f"function name {self.name!r}: letters and digits only")
        if not self.routes:
            raise ConfigurationError(f"function {self.name!r} has no routes")
        if self.protection is Protection.LAMBDA and not self.authorizer:
            raise ConfigurationError(f"function {self.name!r}: a Lambda authorizer needs a handler")
        if not 0 <= self.authorizer_ttl <= 3600:
            raise ConfigurationError("authorizer_ttl must be between 0 and 3600 seconds")
        if self.dpop and self.protection is Protection.JWT:
            # The HTTP API JWT authorizer checks no proof, and a bound token accepted
            # without one is the downgrade RFC 9449 §7.2 forbids.
            raise ConfigurationError(
                f'function {self.name!r}: dpop = true needs auth = "lambda" or "none" (the'
                " HTTP API JWT authorizer cannot check DPoP proofs)"
            )
        if self.dpop and self.authorizer_ttl:
            # A proof is single-use; a cached Allow would answer its replay (docs/deploy.md).
            raise ConfigurationError(
                f"function {self.name!r}: dpop = true needs authorizer_ttl = 0 (a cached"
                " decision would accept a replayed DPoP proof)"
            )

    @property
    def logical_name(self) -> str:
        """A CloudFormation logical id fragment: ``profile-api`` → ``ProfileApi``."""
        parts = re.split(r"[-_]", self.name)
        return "".join(p[:1].upper() + p[1:] for p in parts if p)
