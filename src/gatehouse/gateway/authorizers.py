"""Running a Lambda authorizer the way API Gateway does, result cache included.

API Gateway caches an authorizer's answer for the identity source (the Authorization
header) for ``authorizer_ttl`` seconds, *not* per route: a cached IAM policy is checked
again against each request's method ARN, and a simple response (HTTP API) is reused as
is. Reproducing that locally is what lets a per-route mistake show up before deploying.
"""

from __future__ import annotations

import fnmatch
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gatehouse.clock import SYSTEM_CLOCK, Clock

__all__ = ["AuthorizerDecision", "LambdaAuthorizer"]


@dataclass(frozen=True, slots=True)
class AuthorizerDecision:
    status: int  # 200 = allowed, 401, 403 or 500
    context: Mapping[str, Any] | None = None
    cached: bool = False

    @property
    def allowed(self) -> bool:
        return self.status == 200


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _policy_allows(answer: Mapping[str, Any], arn: str) -> bool | None:
    """Allow (True), explicit or implicit deny (False), malformed (None)."""
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
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class LambdaAuthorizer:
    """One authorizer handler, called with REQUEST events, with API Gateway's cache."""

    def __init__(
        self,
        handler: Callable[[dict[str, Any], Any], Any],
        *,
        ttl: float,
        simple_responses: bool,
        clock: Clock = SYSTEM_CLOCK,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self._handler = handler
        self._log = log or _stderr
        self._ttl = ttl
        self._simple = simple_responses
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[Any, float]] = {}

    def _decide(self, answer: Any, arn: str) -> AuthorizerDecision:
        if self._simple and isinstance(answer, Mapping) and "isAuthorized" in answer:
            context = answer.get("context") or {}
            return AuthorizerDecision(200 if answer["isAuthorized"] is True else 403, context)
        if not isinstance(answer, Mapping):
            return AuthorizerDecision(500)
        verdict = _policy_allows(answer, arn)
        if verdict is None:
            return AuthorizerDecision(500)
        context = {**(answer.get("context") or {}), "principalId": answer["principalId"]}
        return AuthorizerDecision(200 if verdict else 403, context)

    def authorize(
        self, event: dict[str, Any], identity: str | None, arn: str, context: Any
    ) -> AuthorizerDecision:
        if not identity:
            return AuthorizerDecision(401)  # API Gateway refuses before calling the authorizer
        now = self._clock.monotonic()
        with self._lock:
            hit = self._cache.get(identity)
        if hit is not None and hit[1] > now:
            decision = self._decide(hit[0], arn)
            return AuthorizerDecision(decision.status, decision.context, cached=True)
        try:
            answer = self._handler(event, context)
        except Exception as exc:
            # Exactly "Unauthorized" means 401; anything else is the authorizer failing:
            # API Gateway answers 500 and the traceback goes to the function's log.
            if str(exc) == "Unauthorized":
                return AuthorizerDecision(401)
            self._log(f"the authorizer raised:\n{traceback.format_exc().rstrip()}")
            return AuthorizerDecision(500)
        decision = self._decide(answer, arn)
        if self._ttl > 0 and decision.status in (200, 403):
            with self._lock:
                self._cache[identity] = (answer, now + self._ttl)
        return decision
