"""The ``[[functions]]`` of ``gatehouse.toml``, imported and ready to route to.

Every handler (and authorizer) is imported at start-up, so a wrong import path stops
``gatehouse dev`` at once with one line naming the function, the path and the fix,
rather than failing on the first request. Afterwards each call checks the handler's
source file and re-imports the module when it changed (reload on save); a module that
no longer imports answers 502, like a function whose deployment is broken.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gatehouse.errors import ConfigurationError, GatehouseError
from gatehouse.functions.spec import Protection, Route, ServiceSpec, route_pattern
from gatehouse.gateway.authorizers import LambdaAuthorizer

__all__ = ["DevFunction", "load_functions", "resolve"]

Handler = Callable[[dict[str, Any], Any], Any]


def resolve(path: str, what: str) -> Handler:
    """``"package.module.attribute"`` → the callable it names."""
    module_name, _, attribute = path.replace(":", ".").rpartition(".")
    if not module_name:
        raise ConfigurationError(f'{what}: handler {path!r} must be "package.module.function"')
    try:
        module = importlib.import_module(module_name)
    except GatehouseError as exc:
        raise ConfigurationError(f"{what}: {module_name} failed at import: {exc.message}") from exc
    except Exception as exc:
        raise ConfigurationError(
            f"{what}: handler {path!r} does not import ({type(exc).__name__}: {exc}); run"
            " `gatehouse dev` from the folder that contains the package, or fix the path"
        ) from exc
    handler = getattr(module, attribute, None)
    if not callable(handler):
        raise ConfigurationError(f"{what}: {module_name} has no callable {attribute!r}")
    return handler  # type: ignore[no-any-return]


class ReloadingHandler:
    """A handler that follows edits to its module's source file."""

    def __init__(self, path: str, what: str) -> None:
        self._module, _, self._attribute = path.replace(":", ".").rpartition(".")
        self._handler = resolve(path, what)
        self._lock = threading.Lock()
        self._stamp = self._source_stamp()

    def _source_stamp(self) -> int | None:
        source = getattr(sys.modules.get(self._module), "__file__", None)
        try:
            return os.stat(source).st_mtime_ns if source else None
        except OSError:
            return None

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        with self._lock:
            stamp = self._source_stamp()
            if stamp != self._stamp:
                self._stamp = stamp
                module = importlib.reload(sys.modules[self._module])
                self._handler = getattr(module, self._attribute)
                print(f"reloaded {self._module}", flush=True)
            handler = self._handler
        return handler(event, context)


@dataclass(frozen=True, slots=True)
class DevFunction:
    spec: ServiceSpec
    handler: Handler
    authorizer: LambdaAuthorizer | None
    patterns: tuple[tuple[Route, re.Pattern[str]], ...]

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route, pattern in self.patterns:
            found = pattern.match(path)
            if found and route.method in (method, "ANY"):
                return route, found.groupdict()
        return None


def load_functions(
    specs: tuple[ServiceSpec, ...], *, log: Callable[[str], None] | None = None
) -> tuple[DevFunction, ...]:
    """Import every handler and authorizer now; ``log`` gets authorizer tracebacks."""
    loaded = []
    for spec in specs:
        what = f"[[functions]] {spec.name}"
        authorizer = None
        if spec.protection is Protection.LAMBDA:
            if spec.authorizer is None:  # ServiceSpec refuses this; a real check, not -O's assert
                raise ConfigurationError(f"{what}: a Lambda authorizer needs a handler")
            authorizer = LambdaAuthorizer(
                ReloadingHandler(spec.authorizer, f"{what} authorizer"),
                ttl=spec.authorizer_ttl,
                simple_responses=spec.payload == "2.0",
                log=log,
            )
        loaded.append(
            DevFunction(
                spec,
                ReloadingHandler(spec.handler, what),
                authorizer,
                tuple((r, route_pattern(r)) for r in spec.routes),
            )
        )
    return tuple(loaded)
