"""Importing a ``[[functions]]`` handler by its dotted path, and following edits to it.

Runs inside a function's worker process (``gateway.worker``): the first import is the
cold start, and each invocation checks the module's source file and re-imports it when
it changed (reload on save), as a redeployed Lambda would run the new code.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from gatehouse.errors import ConfigurationError, GatehouseError

__all__ = ["Handler", "ReloadingHandler", "resolve"]

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
                print(f"reloaded {self._module}", file=sys.stderr, flush=True)
            handler = self._handler
        return handler(event, context)
