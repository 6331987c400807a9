"""The URL a client addressed, rebuilt from a Lambda HTTP event (RFC 9449 §4.3 ``htu``).

A DPoP proof names the URL the client sent the request to; the server compares it with
"the HTTP URI value for the HTTP request in which the JWT was received, ignoring any
query and fragment parts" (§4.3 step 9). A Lambda function never sees that URL whole,
so it is rebuilt per producer, from the fields the AWS front end itself sets:

* scheme: ``X-Forwarded-Proto``, which API Gateway, Function URLs and ALB set to the
  protocol the client used (the last value, the one the AWS hop wrote); ``https`` when
  absent (API Gateway and Function URLs serve nothing else);
* host: ``requestContext.domainName`` (API Gateway, Function URLs: the custom domain or
  the execute-api / lambda-url name), else the ``Host`` header (ALB);
* path: HTTP API 2.0 and Function URLs: ``rawPath``, exactly as sent (stage and API
  mapping key included); HTTP API payload 1.0: ``path``; REST APIs: ``path`` is the
  resource path without the stage, so on the ``*.execute-api.*`` name the stage is put
  back in front (``/{stage}/...``), while on a custom domain ``path`` already is what the
  client sent (its base path mapping included) and nothing is added; ALB: ``path``.
  (The custom-domain behaviour is API Gateway's, reported e.g. in
  CodeGenieApp/serverless-express#216 and aws-powertools/powertools-lambda-python#576.)

Anything that cannot be a URL (no host, a host with a ``/`` or ``@`` in it, a scheme
other than http/https) is ``InvalidRequestError``: a 400, never a guess. Only stdlib
``re`` is used, so the Lambda adapter's import cost does not grow.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gatehouse.adapters.events import EventFamily, HttpEvent
from gatehouse.errors import InvalidRequestError

__all__ = ["build_url", "check_host", "lambda_url", "quote_path"]

# RFC 3986 §3.2.2/§3.2.3: reg-name or IP literal, then an optional port. Nothing that
# could move the path (no "/", "?", "#", "@"): a Host header is the client's to choose.
_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=]+)(?::[0-9]{1,5})?")
# RFC 3986 §3.3 pchar plus "/" and "%" (an escape already present is kept as is).
_PATH_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/%"
)
_SCHEMES = {"http": "http", "https": "https", "ws": "http", "wss": "https"}
_PATH_OK = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*")
# The spellings AWS uses, tried before a case-insensitive scan of every header.
_SPELLINGS = {
    "x-forwarded-proto": ("X-Forwarded-Proto", "x-forwarded-proto"),
    "host": ("Host", "host"),
}


def quote_path(path: str) -> str:
    """``path`` with every character outside RFC 3986 ``pchar`` percent-encoded (UTF-8)."""
    if _PATH_OK.fullmatch(path) is not None:
        return path
    return "".join(
        char if char in _PATH_SAFE else "".join(f"%{b:02X}" for b in char.encode("utf-8"))
        for char in path
    )


def check_host(host: str) -> str:
    """``host`` (with its port, if any) when it is one; ``InvalidRequestError`` otherwise."""
    if not host or len(host) > 255 or _HOST.fullmatch(host) is None:
        raise InvalidRequestError("the request names no usable host")
    return host


def build_url(scheme: str, host: str, path: str) -> str:
    """``scheme://host/path`` from parts a server saw; each part is checked."""
    normal = _SCHEMES.get(scheme.strip().lower())
    if normal is None:
        raise InvalidRequestError("the request's scheme is not http or https")
    if not path.startswith("/"):
        path = "/" + path
    return f"{normal}://{check_host(host.strip())}{quote_path(path)}"


def _header(event: HttpEvent, name: str) -> str | None:
    """The last value of header ``name``: the one the AWS hop nearest to us wrote (HTTP API
    2.0 joins repeats with commas); exact AWS spellings first, then any case."""
    values: tuple[str, ...] = ()
    multi = event.raw.get("multiValueHeaders")
    # The map HttpEvent.header_values reads first: the multi-value one outside payload 2.0.
    use_multi = event.family is not EventFamily.HTTP_V2 and isinstance(multi, dict)
    source = multi if use_multi else event.raw.get("headers")
    if isinstance(source, dict):
        for spelling in _SPELLINGS[name]:
            value = source.get(spelling)
            if isinstance(value, str):
                values = (value,)
            elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                values = tuple(value)
            if values:
                break
    if not values:
        values = event.header_values(name)
    return values[-1].rpartition(",")[2].strip() if values else None


def _text(mapping: Mapping[str, Any], key: str) -> str:
    value = mapping.get(key)
    return value if isinstance(value, str) else ""


def lambda_url(event: HttpEvent) -> str:
    """The URL the client addressed for ``event`` (see the module docstring)."""
    raw = event.raw
    context = raw.get("requestContext")
    context = context if isinstance(context, Mapping) else {}
    scheme = _header(event, "x-forwarded-proto") or "https"
    host = "" if event.family is EventFamily.ALB else _text(context, "domainName")
    host = host or _header(event, "host") or ""
    path = event.path
    if event.family is EventFamily.REST_V1 and raw.get("version") != "1.0":
        stage = _text(context, "stage")
        if ".execute-api." in host.lower() and stage and stage != "$default":
            path = f"/{stage}{path}"
    return build_url(scheme, host, path)
