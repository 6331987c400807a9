"""Typed, lazy views over the HTTP events AWS hands a Lambda function.

Four producers, three formats: API Gateway REST APIs send payload 1.0, HTTP APIs send 2.0
(or 1.0 if so configured), Function URLs send 2.0, and ALB target groups send their own
variant of 1.0 with either ``headers`` or ``multiValueHeaders`` depending on the target
group setting. A view reads only what is asked of it; nothing is copied up front.
"""

from __future__ import annotations

import binascii
import enum
from collections.abc import Mapping
from typing import Any

from gatehouse.errors import ConfigurationError

__all__ = ["EventFamily", "HttpEvent"]


class EventFamily(enum.Enum):
    """Which response format an event expects back."""

    REST_V1 = "rest_v1"  # API Gateway REST API, or HTTP API with payload 1.0
    HTTP_V2 = "http_v2"  # API Gateway HTTP API payload 2.0, and Function URLs
    ALB = "alb"  # Application Load Balancer target group


def _mapping(value: object) -> Mapping[str, Any]:
    # ``type() is dict`` first: events are always dicts, and the ABC check costs ~10x more.
    return value if type(value) is dict or isinstance(value, Mapping) else {}


def _detect(event: Mapping[str, Any]) -> EventFamily:
    context = _mapping(event.get("requestContext"))
    if "elb" in context:
        return EventFamily.ALB
    if event.get("version") == "2.0" and "http" in context:
        return EventFamily.HTTP_V2
    if "httpMethod" in event:
        return EventFamily.REST_V1
    raise ConfigurationError("the event is not an API Gateway, ALB or Function URL HTTP event")


class HttpEvent:
    """A read-only view of one HTTP event, whatever its family."""

    __slots__ = ("family", "raw")

    def __init__(self, raw: Mapping[str, Any], family: EventFamily) -> None:
        self.raw = raw
        self.family = family

    @classmethod
    def from_dict(cls, event: object) -> HttpEvent:
        """Wrap ``event``; raise ``ConfigurationError`` if it is no HTTP event at all."""
        if type(event) is not dict and not isinstance(event, Mapping):
            raise ConfigurationError("a Lambda HTTP event must be a JSON object")
        return cls(event, _detect(event))

    @property
    def uses_multi_value_headers(self) -> bool:
        """ALB answers in the header style the request used (target group setting)."""
        return isinstance(self.raw.get("multiValueHeaders"), Mapping) and not isinstance(
            self.raw.get("headers"), Mapping
        )

    def header_values(self, name: str) -> tuple[str, ...]:
        """Every value of header ``name`` (case-insensitive, RFC 9110 §5.1)."""
        wanted = name.lower()
        multi = self.raw.get("multiValueHeaders")
        # Payload 1.0 repeats headers in both maps; the multi-value one keeps duplicates.
        if self.family is not EventFamily.HTTP_V2 and isinstance(multi, Mapping):
            found: list[str] = []
            for key, values in multi.items():
                if isinstance(key, str) and key.lower() == wanted and isinstance(values, list):
                    found.extend(v for v in values if isinstance(v, str))
            if found or not isinstance(self.raw.get("headers"), Mapping):
                return tuple(found)
        headers = _mapping(self.raw.get("headers"))
        if self.family is EventFamily.HTTP_V2:
            # Payload 2.0 lower-cases names and joins repeats with commas: one lookup.
            value = headers.get(wanted)
            if isinstance(value, str):
                return (value,)
        return tuple(
            value
            for key, value in headers.items()
            if isinstance(key, str) and key.lower() == wanted and isinstance(value, str)
        )

    @property
    def method(self) -> str:
        if self.family is EventFamily.HTTP_V2:
            return str(_mapping(_mapping(self.raw.get("requestContext")).get("http")).get("method"))
        return str(self.raw.get("httpMethod"))

    @property
    def path(self) -> str:
        if self.family is EventFamily.HTTP_V2:
            return str(self.raw.get("rawPath", "/"))
        return str(self.raw.get("path", "/"))

    @property
    def authorizer(self) -> Mapping[str, Any]:
        """``requestContext.authorizer`` (empty when there is none)."""
        return _mapping(_mapping(self.raw.get("requestContext")).get("authorizer"))

    @property
    def body(self) -> str | None:
        """The body as sent in the event (base64 text when ``isBase64Encoded``)."""
        body = self.raw.get("body")
        return body if isinstance(body, str) else None

    def decoded_body(self) -> bytes:
        """The body's bytes; ``InvalidRequestError`` when base64 is claimed but absent.

        Some producers (and test fixtures) set ``isBase64Encoded`` over plain text; that is
        a typed 400, never a ``binascii.Error`` escaping into the handler. So is a text
        body holding a lone surrogate (the event's JSON may escape one).
        """
        # Imported here: the OAuth branch of errors is not on a verifying cold start's path.
        from gatehouse.errors import InvalidRequestError

        body = self.body or ""
        if self.raw.get("isBase64Encoded") is not True:
            try:
                return body.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate from a JSON "\ud800" escape
                raise InvalidRequestError("the body is not valid Unicode text") from None
        try:
            return binascii.a2b_base64(body.encode("ascii"), strict_mode=True)
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise InvalidRequestError("the body is marked base64 but is not base64") from exc
