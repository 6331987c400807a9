"""Running a Lambda authorizer the way API Gateway does, result cache included.

API Gateway refuses a request whose configured identity sources are missing or empty
(401) before calling the authorizer, and caches an answer for ``authorizer_ttl`` seconds
keyed on the values of those identity sources: a REST API (payload 1.0) keys on them
alone and re-checks a cached IAM policy against each request's method ARN; the HTTP API
template ``gatehouse deploy sam`` writes adds ``$context.routeKey`` to the key
(``Identity.Context: [routeKey]``), so a simple response is reused only on its own
route. REST TOKEN authorizers get ``{type, authorizationToken, methodArn}``. A REST
authorizer's ``context`` reaches the handler with every value as a string (``1`` →
``"1"``, ``true`` → ``"true"``); an object or list value is an authorizer
configuration error (500), as in AWS.
"""

from __future__ import annotations

import fnmatch
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from gatehouse._record import record
from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.gateway.authorizer_events import request_authorizer_event, token_authorizer_event

if TYPE_CHECKING:
    from gatehouse.functions.spec import ServiceSpec
    from gatehouse.gateway.events import DevRequest

__all__ = ["AuthorizerDecision", "LambdaAuthorizer"]


@record
class AuthorizerDecision:
    status: int  # 200 = allowed, 401, 403 or 500
    context: Mapping[str, Any] | None = None
    cached: bool = False
    explicit: bool = False  # a 403 from an explicit Deny statement (REST says so)

    @property
    def allowed(self) -> bool:
        return self.status == 200


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _policy_allows(answer: Mapping[str, Any], arn: str) -> bool | str | None:
    """Allow (True), implicit deny (False), explicit deny ("explicit"), malformed (None)."""
    document = answer.get("policyDocument")
    if not isinstance(document, Mapping) or not isinstance(answer.get("principalId"), str):
        return None
    allowed = False
    for statement in _as_list(document.get("Statement", [])):
        if not isinstance(statement, Mapping):
            return None
        resources = [str(r) for r in _as_list(statement.get("Resource", []))]
        if not any(fnmatch.fnmatchcase(arn, pattern) for pattern in resources):
            continue
        if statement.get("Effect") == "Deny":
            return "explicit"
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def _rest_value(value: Any) -> str | None:
    """A REST context value as API Gateway passes it on; None for an object or a list."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


Identity = tuple[tuple[str, str], ...]


class LambdaAuthorizer:
    """One authorizer function, called with TOKEN or REQUEST inputs, with API Gateway's cache."""

    def __init__(
        self,
        handler: Callable[[dict[str, Any], Any], Any],
        *,
        ttl: float,
        simple_responses: bool,
        token: bool = False,
        identity: Identity = (("header", "Authorization"),),
        route_in_key: bool | None = None,
        clock: Clock = SYSTEM_CLOCK,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self._handler = handler
        self._log = log or _stderr
        self._ttl = ttl
        self._simple = simple_responses
        self._token = token
        self._identity = identity
        # The HTTP API template keys on routeKey too; REST keys on the identity alone.
        self._route_in_key = simple_responses if route_in_key is None else route_in_key
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, ...], tuple[Any, float]] = {}

    @classmethod
    def for_spec(
        cls,
        spec: ServiceSpec,
        handler: Callable[[dict[str, Any], Any], Any],
        *,
        clock: Clock = SYSTEM_CLOCK,
        log: Callable[[str], None] | None = None,
    ) -> LambdaAuthorizer:
        """The authorizer ``[[functions]]`` describes (REST for ``event = "v1"``)."""
        return cls(
            handler,
            ttl=spec.authorizer_ttl,
            simple_responses=spec.payload == "2.0",
            token=spec.authorizer_type == "token",
            identity=spec.identity,
            clock=clock,
            log=log,
        )

    def identity_values(self, request: DevRequest) -> list[str] | None:
        """The identity sources' values, in order; None when one is missing or empty."""
        query = dict(parse_qsl(request.query, keep_blank_values=True))
        values = []
        for where, name in self._identity:
            value = request.header(name) if where == "header" else query.get(name)
            if not value:
                return None
            values.append(value)
        return values

    def _decide(self, answer: Any, arn: str) -> AuthorizerDecision:
        if self._simple and isinstance(answer, Mapping) and "isAuthorized" in answer:
            if not isinstance(answer["isAuthorized"], bool):
                return AuthorizerDecision(500)
            simple = answer.get("context") or {}
            return AuthorizerDecision(200 if answer["isAuthorized"] else 403, simple)
        if not isinstance(answer, Mapping):
            return AuthorizerDecision(500)
        verdict = _policy_allows(answer, arn)
        if verdict is None:
            return AuthorizerDecision(500)
        context: dict[str, Any] = dict(answer.get("context") or {})
        if not self._simple:  # REST: every context value is a string, or the answer fails
            strings = {k: _rest_value(v) for k, v in context.items() if v is not None}
            if any(v is None for v in strings.values()):
                return AuthorizerDecision(500)
            context = dict(strings)
        context["principalId"] = answer["principalId"]
        if verdict is True:
            return AuthorizerDecision(200, context)
        return AuthorizerDecision(403, context, explicit=verdict == "explicit")

    def authorize(self, request: DevRequest, context: Any) -> AuthorizerDecision:
        """Call (or answer from the cache) for ``request``."""
        values = self.identity_values(request)
        if values is None:
            return AuthorizerDecision(401)  # API Gateway refuses before calling the authorizer
        arn = request.method_arn if not self._simple else request.route_arn
        key = (*values, request.route_key) if self._route_in_key else tuple(values)
        now = self._clock.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and hit[1] > now:
            decision = self._decide(hit[0], arn)
            return AuthorizerDecision(
                decision.status, decision.context, cached=True, explicit=decision.explicit
            )
        if self._token:
            event = token_authorizer_event(request, values[0])
        else:
            event = request_authorizer_event(request, "2.0" if self._simple else "1.0", values)
        try:
            answer = self._handler(event, context)
        except Exception as exc:
            # Exactly "Unauthorized" means 401; anything else is the authorizer failing:
            # API Gateway answers 500 and the traceback goes to the function's log.
            if str(exc) == "Unauthorized":
                return AuthorizerDecision(401)
            detail = getattr(exc, "detail", "") or traceback.format_exc().rstrip()
            self._log(f"the authorizer raised:\n{detail}")
            return AuthorizerDecision(500)
        decision = self._decide(answer, arn)
        if self._ttl > 0 and decision.status in (200, 403):
            with self._lock:
                self._cache[key] = (answer, now + self._ttl)
        return decision
