"""Request bodies: size-limited reads, strict JSON objects and strict form encoding.

The body is read in chunks and abandoned as soon as it passes the limit, so a huge
upload costs at most ``limit`` bytes of memory whatever ``Content-Length`` claims.
Forms are parsed with ``urllib.parse`` (no python-multipart): ``application/x-www-form-
urlencoded`` is all OAuth needs (RFC 6749 §4.4.2, §6; RFC 7009 §2.1; RFC 7662 §2.1).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from gatehouse.errors import InvalidRequestError
from gatehouse.service.web import ClientDisconnectError, Request

__all__ = [
    "FORM",
    "JSON",
    "media_type",
    "optional_bool",
    "optional_str",
    "parse_form",
    "parse_json_object",
    "read_body",
    "read_params",
    "required_str",
]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MAX_FIELDS = 64
MAX_FIELD_CHARS = 8192


def media_type(request: Request) -> str:
    """The media type of the body, lower-cased, without parameters."""
    value = request.headers.get("content-type", "")
    kind, _, params = value.partition(";")
    charset = [
        value.strip(' "').lower()
        for name, _, value in (p.partition("=") for p in params.split(";"))
        if name.strip().lower() == "charset"
    ]
    if any(c not in ("utf-8", "utf8") for c in charset):
        raise InvalidRequestError("only the UTF-8 charset is accepted")
    return kind.strip().lower()


def _too_large(limit: int) -> InvalidRequestError:
    return InvalidRequestError(
        f"the request body is larger than {limit} bytes", code="request_too_large"
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or ``InvalidRequestError`` (413) once it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise InvalidRequestError("Content-Length is not a number")
        if int(declared) > limit:
            raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
    except ClientDisconnectError:
        raise InvalidRequestError("the client went away before sending the body") from None
    return b"".join(chunks)


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # RFC 6749 §3.1: parameters must not be included more than once.
            raise InvalidRequestError(f"the parameter {key[:40]!r} appears more than once")
        result[key] = value
    return result


def _is_text(value: str) -> bool:
    """Whether ``value`` is Unicode text, i.e. encodable as UTF-8 (no lone surrogates)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refuse_surrogates(document: Any) -> None:
    """RFC 8259 §8.2: a string escaping a lone surrogate (``"\\ud800"``) parses in Python
    but is not Unicode text; every later ``encode`` (hashing a password, writing a row)
    would fail. Refuse it here, once, for every member name and string at any depth."""
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not _is_text(item):
                raise InvalidRequestError("the body holds a string that is not valid Unicode")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def parse_json_object(body: bytes) -> dict[str, Any]:
    """A JSON object with unique member names and Unicode strings; ``InvalidRequestError``
    otherwise."""
    try:
        document = json.loads(body.decode("utf-8"), object_pairs_hook=_refuse_duplicates)
    except InvalidRequestError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidRequestError("the body is not valid JSON") from None
    if not isinstance(document, dict):
        raise InvalidRequestError("the body must be a JSON object")
    _refuse_surrogates(document)
    return document


def parse_form(body: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (each parameter at most once)."""
    try:
        text = body.decode("ascii")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=bool(text),
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeError, ValueError):
        raise InvalidRequestError("the body is not valid form encoding") from None
    return _refuse_duplicates([(k, v) for k, v in pairs])


async def read_params(
    request: Request, limit: int, *, accept: tuple[str, ...] = (FORM,)
) -> dict[str, Any]:
    """The body's parameters, from one of the ``accept``-ed media types."""
    kind = media_type(request)
    if kind not in accept:
        raise InvalidRequestError(
            f"Content-Type must be {' or '.join(accept)}", code="unsupported_media_type"
        )
    body = await read_body(request, limit)
    return parse_json_object(body) if kind == JSON else dict(parse_form(body))


def optional_str(params: Mapping[str, Any], name: str) -> str | None:
    """A string parameter; empty counts as absent (RFC 6749 §3.1)."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidRequestError(f"{name} must be a string")
    if len(value) > MAX_FIELD_CHARS:
        raise InvalidRequestError(f"{name} is too long")
    return value


def required_str(params: Mapping[str, Any], name: str) -> str:
    value = optional_str(params, name)
    if value is None:
        raise InvalidRequestError(f"{name} is required")
    return value


def optional_bool(params: Mapping[str, Any], name: str) -> bool:
    """A JSON boolean, or ``true``/``false`` text from a form."""
    value = params.get(name, False)
    if isinstance(value, bool):
        return value
    if value in ("true", "1"):
        return True
    if value in ("false", "0", ""):
        return False
    raise InvalidRequestError(f"{name} must be true or false")
