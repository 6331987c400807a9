"""The DPoP ``htu`` comparison: one normal form for an HTTP target URI (RFC 9449 §4.3).

RFC 9449 §4.3 step 9 compares the proof's ``htu`` with the request's URI "ignoring any
query and fragment parts", and says servers SHOULD apply syntax-based (RFC 3986 §6.2.2)
and scheme-based (§6.2.3) normalisation first, so that a client and a server that
spell one URI differently still agree. ``normalize_htu`` is that normal form:

* scheme and host lower-cased (§6.2.2.1); percent-encodings upper-cased, and those of
  unreserved characters decoded (§6.2.2.1, §6.2.2.2); dot segments removed (§6.2.2.3,
  the §5.2.4 algorithm);
* the scheme's default port dropped, an empty path made ``/`` (§6.2.3).

Only absolute ``http``/``https`` URIs with a host are targets; userinfo is refused (RFC
9110 §4.2.4 deprecates it in http URIs). Anything unexpected is ``ValueError``: the
caller decides which error that becomes.
"""

from __future__ import annotations

import re

__all__ = ["MAX_URI_LENGTH", "normalize_htu", "strip_query"]

MAX_URI_LENGTH = 4096
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# RFC 3986 §3: the characters a URI may hold (reserved, unreserved and '%').
_URI_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_PCT_ANY = re.compile(r"%")
# A reg-name without percent-encoding (DNS names never need it) or an IP literal.
_HOST = re.compile(r"\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=]+")


def strip_query(uri: str) -> str:
    """``uri`` without its query and fragment (RFC 9449 §4.2 ``htu``)."""
    end = len(uri)
    for mark in ("?", "#"):
        at = uri.find(mark)
        if at != -1:
            end = min(end, at)
    return uri[:end]


def _pct_normalize(text: str) -> str:
    if "%" not in text:
        return text
    if len(_PCT.findall(text)) != len(_PCT_ANY.findall(text)):
        raise ValueError("a '%' is not followed by two hex digits")

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _PCT.sub(fix, text)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, over whole segments."""
    if "." not in path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    return result if result.startswith("/") else "/" + result


def normalize_htu(uri: str, *, allow_query: bool = False) -> str:
    """The normal form of an absolute http(s) URI, without query or fragment.

    ``allow_query`` is for the request's own URI (its query is dropped); a proof's
    ``htu`` must not carry one (RFC 9449 §4.2: "without query and fragment parts").
    """
    if not isinstance(uri, str) or not uri or len(uri) > MAX_URI_LENGTH:
        raise ValueError("a target URI is a non-empty string of bounded length")
    if _URI_CHARS.fullmatch(uri) is None:
        raise ValueError("the URI has characters outside RFC 3986")
    base = strip_query(uri)
    if base != uri and not allow_query:
        raise ValueError("htu must not have a query or fragment")
    scheme, sep, rest = base.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in _DEFAULT_PORTS:
        raise ValueError("the URI is not an absolute http or https URI")
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        raise ValueError("userinfo is not allowed in an http(s) target URI")
    host, port = authority, ""
    if authority.startswith("["):
        close = authority.find("]")
        host, tail = authority[: close + 1], authority[close + 1 :]
        if close == -1 or (tail and not tail.startswith(":")):
            raise ValueError("malformed IP literal")
        port = tail[1:]
    elif ":" in authority:
        host, _, port = authority.rpartition(":")
    if not host or _HOST.fullmatch(host) is None:
        raise ValueError("the URI has no usable host")
    if port and (not port.isdigit() or not port.isascii() or int(port) > 65535):
        raise ValueError("the URI port is not a number")
    port = str(int(port)) if port else ""
    if port == _DEFAULT_PORTS[scheme]:
        port = ""
    host = host.lower()
    path = _remove_dot_segments(_pct_normalize(slash + path)) or "/"
    return f"{scheme}://{host}{':' + port if port else ''}{path}"
