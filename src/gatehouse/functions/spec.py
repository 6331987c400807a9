"""One entry of ``[[functions]]``: a handler, its routes and how they are protected.

The local gateway (``gatehouse dev``) and the SAM generator (``gatehouse deploy sam``)
both read these values, so what runs locally is what gets deployed; neither owns them.
"""

from __future__ import annotations

import enum
import re

from gatehouse._record import record
from gatehouse.errors import ConfigurationError

__all__ = [
    "DEFAULT_MEMORY",
    "DEFAULT_TIMEOUT",
    "Protection",
    "Route",
    "ServiceSpec",
    "identity_source",
    "parse_route",
    "route_pattern",
]

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"})
_PATH = re.compile(r"^/[A-Za-z0-9._~\-/{}+]*$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
DEFAULT_TIMEOUT = 3.0  # Lambda's default function timeout, seconds (max 900)
DEFAULT_MEMORY = 128  # Lambda's default memory size, MB (128 to 10240)
_SOURCE = re.compile(
    r"^(?:\$request|method\.request)\.(header|querystring)\.([A-Za-z0-9!#$%&'*+.^_`|~-]+)$"
)


def identity_source(text: str) -> tuple[str, str]:
    """An authorizer identity source as ``(where, name)``: ``"Authorization"`` (a header),
    ``"$request.header.X"`` / ``"$request.querystring.x"`` (HTTP API selection
    expressions) or ``"method.request.header.X"`` (REST mapping expressions)."""
    found = _SOURCE.fullmatch(text)
    if found:
        return found.group(1), found.group(2)
    if not text.startswith(("$", "method.")) and re.fullmatch(r"[A-Za-z0-9!#%&'*+.^_`|~-]+", text):
        return "header", text
    raise ConfigurationError(
        f"identity source {text!r}: expected a header name or"
        ' "$request.header.NAME" / "$request.querystring.NAME"'
    )


class Protection(enum.Enum):
    """How API Gateway guards a service's routes before the function runs."""

    NONE = "none"  # the function verifies tokens itself (``@require_token``)
    JWT = "jwt"  # the HTTP API's built-in JWT authorizer (RSA keys only)
    LAMBDA = "lambda"  # a gatehouse Lambda authorizer function


@record
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


@record
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
    timeout: float = DEFAULT_TIMEOUT  # seconds the handler may run (Lambda's Timeout)
    memory: int = DEFAULT_MEMORY  # MB of address space the worker gets (Lambda's MemorySize)
    authorizer_type: str = "request"  # "request" or "token" (REST TOKEN authorizers)
    # What the Lambda authorizer's cache is keyed on (API Gateway's identity sources).
    identity_sources: tuple[str, ...] = ("Authorization",)

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
        self._check_runtime()

    def _check_runtime(self) -> None:
        if not 0 < self.timeout <= 900:
            raise ConfigurationError(
                f"function {self.name!r}: timeout must be more than 0 and at most 900 seconds"
            )
        if not 128 <= self.memory <= 10240:
            raise ConfigurationError(
                f"function {self.name!r}: memory must be between 128 and 10240 MB"
            )
        if self.authorizer_type not in ("request", "token"):
            raise ConfigurationError(
                f'function {self.name!r}: authorizer_type must be "request" or "token"'
            )
        if self.authorizer_type == "token" and (
            self.payload != "1.0" or len(self.identity_sources) != 1
        ):
            # TOKEN authorizers exist on REST APIs only, with one header as the token.
            raise ConfigurationError(
                f'function {self.name!r}: authorizer_type = "token" needs event = "v1" (REST)'
                " and exactly one identity source"
            )
        for source in self.identity_sources:
            where, _ = identity_source(source)
            if self.authorizer_type == "token" and where != "header":
                raise ConfigurationError(
                    f"function {self.name!r}: a TOKEN authorizer reads its token from a header"
                )

    @property
    def identity(self) -> tuple[tuple[str, str], ...]:
        """The identity sources parsed: ``(("header", "Authorization"),)``."""
        return tuple(identity_source(s) for s in self.identity_sources)

    @property
    def logical_name(self) -> str:
        """A CloudFormation logical id fragment: ``profile-api`` → ``ProfileApi``."""
        parts = re.split(r"[-_]", self.name)
        return "".join(p[:1].upper() + p[1:] for p in parts if p)
