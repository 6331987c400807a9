"""Strict JSON for JOSE headers and JWT claim sets.

RFC 7515 §5.2 lets a parser reject duplicate member names, and we do: two parsers
reading ``{"alg":"none","alg":"ES256"}`` differently is a classic confusion attack.
RFC 8259 §8.1 wants UTF-8 without a byte order mark; NaN and Infinity are not JSON.
Nesting is bounded so a small token cannot cost deep recursion. ``read_only=True``
builds every object and array read-only as it is decoded (``read_only``), for values
a verifier caches and hands out.
"""

from __future__ import annotations

import json
from json.scanner import make_scanner
from typing import Any, NoReturn

from gatehouse.jose.read_only import ReadOnlyDict, read_only_list

__all__ = ["MAX_DEPTH", "dumps_compact", "loads_object"]

MAX_DEPTH = 32


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate member name")
    return obj


def _unique_read_only_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Objects arrive innermost first, so nested objects are read-only already; arrays are
    # not (the decoder has no hook for them) and are made read-only here, where they sit.
    obj = ReadOnlyDict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate member name")
    for name, value in pairs:
        if value.__class__ is list:
            dict.__setitem__(obj, name, read_only_list(value))
    return obj


def _scanner(object_pairs_hook: Any) -> make_scanner:
    """A strict decoder's scanner, called directly: ``raw_decode`` is one more Python frame
    that only turns the scanner's StopIteration into a ValueError, as ``loads_object`` does."""
    decoder: Any = json.JSONDecoder(
        object_pairs_hook=object_pairs_hook, parse_constant=_reject_constant
    )
    return make_scanner(decoder)  # Any: typeshed types the argument as a scanner (its TODO)


_SCAN = _scanner(_unique_object)
_SCAN_READ_ONLY = _scanner(_unique_read_only_object)


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether objects and arrays nest more than ``limit`` deep in ``value``.

    Iterative, with an explicit stack: a recursive walk of a value a few hundred levels deep
    (the scanner decodes up to the interpreter's recursion limit) raised RecursionError out
    of ``loads_object``, so a header nested 400 deep made the parser of an unverified token
    raise something other than ``ValueError``. Stops at the first level past ``limit``.
    """
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


def loads_object(
    data: bytes, *, max_depth: int = MAX_DEPTH, read_only: bool = False
) -> dict[str, Any]:
    """Parse ``data`` as one JSON object; raise ``ValueError`` for anything else."""
    text = data.decode("utf-8")  # strict: invalid UTF-8 raises UnicodeDecodeError (a ValueError)
    if text[:1] != "{":
        # Also rejects a BOM and leading whitespace: a JOSE segment is one object, nothing else.
        raise ValueError("not a JSON object")
    try:
        # From index 0, as raw_decode does: no whitespace before (refused above) or after.
        value, end = (_SCAN_READ_ONLY if read_only else _SCAN)(text, 0)
    except StopIteration:  # the scanner's "no JSON value here", at any depth
        raise ValueError("not JSON") from None
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if end != len(text) or not isinstance(value, dict):
        raise ValueError("not a JSON object")
    # Cheap bound first: fewer brackets than the limit means the depth is within it.
    if data.count(b"{") + data.count(b"[") > max_depth and _deeper_than(value, max_depth):
        raise ValueError("JSON nested too deeply")
    return value


def dumps_compact(value: Any) -> bytes:
    """Serialise without whitespace; refuse NaN/Infinity so we never emit what we reject."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )
