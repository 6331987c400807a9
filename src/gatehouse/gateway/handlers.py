"""The ``[[functions]]`` of ``gatehouse.toml``, each behind its own worker processes.

``load_functions`` builds, for every function (and every Lambda authorizer), a
``FunctionRuntime`` with the function's own environment: the gateway's, the
``GATEHOUSE_*`` values of the stack, the entry's ``environment`` table and the
variables Lambda sets (``AWS_LAMBDA_FUNCTION_NAME``, ``AWS_REGION``, ``_HANDLER``...).
``start_functions`` starts one worker of each at start-up, so a wrong import path stops
``gatehouse dev`` at once with one line naming the function, the path and the fix,
rather than failing on the first request.
"""

from __future__ import annotations

import json
import re
import string
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from gatehouse._record import record
from gatehouse.errors import ConfigurationError
from gatehouse.functions.spec import Protection, Route, ServiceSpec, route_pattern
from gatehouse.gateway.authorizers import LambdaAuthorizer
from gatehouse.gateway.events import REGION
from gatehouse.gateway.imports import Handler
from gatehouse.gateway.sandbox import FunctionError, FunctionRuntime

__all__ = [
    "DevFunction",
    "InProcess",
    "Invoker",
    "close_functions",
    "function_environment",
    "load_functions",
    "start_functions",
]


class Invoker(Protocol):
    """How the gateway runs a function: the event's JSON in, (result, its size) out;
    ``FunctionError`` when the invocation fails."""

    def invoke(self, event: bytes, request_id: str) -> tuple[Any, int]: ...

    def __call__(self, event: dict[str, Any], context: Any) -> Any: ...


class InProcess:
    """A handler run in the gateway's own process (tests of the gateway's own rules);
    the event still crosses as JSON, as it does to a worker."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler

    def invoke(self, event: bytes, request_id: str) -> tuple[Any, int]:
        try:
            result = self._handler(json.loads(event), None)
            return result, len(json.dumps(result))
        except Exception as exc:
            raise FunctionError(str(exc), kind="error") from exc

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        return self._handler(event, context)


@record
class DevFunction:
    spec: ServiceSpec
    handler: Invoker
    authorizer: LambdaAuthorizer | None
    patterns: tuple[tuple[Route, re.Pattern[str]], ...]
    runtimes: tuple[FunctionRuntime, ...] = ()

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route, pattern in self.patterns:
            found = pattern.match(path)
            if found and route.method in (method, "ANY"):
                return route, found.groupdict()
        return None


def function_environment(
    spec: ServiceSpec, name: str, handler: str, base: Mapping[str, str], parent: Mapping[str, str]
) -> dict[str, str]:
    """What one function's worker sees: the stack's ``base`` values, the entry's
    ``environment`` (``${GATEHOUSE_DEV_URL}``-style values expanded), then ``parent``
    (the gateway's environment: what is set in the shell wins, as docs/cli.md says), then
    Lambda's own variables, which nothing overrides."""
    environ = dict(base)
    if spec.dpop:
        # What deploy sets for dpop = true functions (adapters.dpop_env).
        environ["GATEHOUSE_RESOURCE_DPOP"] = "on"
    for key, value in spec.environment:
        environ[key] = string.Template(value).safe_substitute(base)
    environ.update(parent)
    environ.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info[0]}.{sys.version_info[1]}",
            "_HANDLER": handler,
            "LAMBDA_TASK_ROOT": base.get("GATEHOUSE_PROJECT_DIR", ""),
        }
    )
    return environ


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def load_functions(
    specs: tuple[ServiceSpec, ...],
    *,
    log: Callable[[str], None] | None = None,
    base: Mapping[str, str] | None = None,
    parent: Mapping[str, str] | None = None,
    project: str = ".",
) -> tuple[DevFunction, ...]:
    """A runtime per function and authorizer (no process starts until ``start_functions``
    or the first invocation); ``log`` gets authorizer failures."""
    say = log or _stderr
    stack = dict(base or {})
    outer = dict(parent or {})
    loaded = []
    for spec in specs:
        what = f"[[functions]] {spec.name}"

        def runtime(name: str, handler: str, spec: ServiceSpec = spec) -> FunctionRuntime:
            environ = function_environment(spec, name, handler, stack, outer)
            return FunctionRuntime(
                name,
                handler,
                timeout=spec.timeout,
                memory=spec.memory,
                project=project,
                environ=environ,
            )

        handler = runtime(spec.name, spec.handler)
        runtimes = [handler]
        authorizer = None
        if spec.protection is Protection.LAMBDA:
            if spec.authorizer is None:  # ServiceSpec refuses this; a real check, not -O's assert
                raise ConfigurationError(f"{what}: a Lambda authorizer needs a handler")
            authorizer_runtime = runtime(f"{spec.name}-authorizer", spec.authorizer)
            runtimes.append(authorizer_runtime)
            authorizer = LambdaAuthorizer.for_spec(spec, authorizer_runtime, log=say)
        loaded.append(
            DevFunction(
                spec,
                handler,
                authorizer,
                tuple((r, route_pattern(r)) for r in spec.routes),
                tuple(runtimes),
            )
        )
    return tuple(loaded)


def start_functions(functions: tuple[DevFunction, ...]) -> None:
    """One warm worker per function and authorizer now, started side by side; the first
    import error (in the table's order) stops them all and is raised."""
    runtimes = [runtime for function in functions for runtime in function.runtimes]
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(runtimes)))) as pool:
        errors = [f.exception() for f in [pool.submit(r.start) for r in runtimes]]
    first = next((e for e in errors if e is not None), None)
    if first is not None:
        close_functions(functions)
        raise first


def close_functions(functions: tuple[DevFunction, ...]) -> None:
    """Stop every worker."""
    for function in functions:
        for runtime in function.runtimes:
            runtime.close()
