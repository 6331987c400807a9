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


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_object, parse_constant=_reject_constant)
_READ_ONLY_DECODER = json.JSONDecoder(
    object_pairs_hook=_unique_read_only_object, parse_constant=_reject_constant
)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def loads_object(
    data: bytes, *, max_depth: int = MAX_DEPTH, read_only: bool = False
) -> dict[str, Any]:
    """Parse ``data`` as one JSON object; raise ``ValueError`` for anything else."""
    text = data.decode("utf-8")  # strict: invalid UTF-8 raises UnicodeDecodeError (a ValueError)
    if text[:1] != "{":
        # Also rejects a BOM and leading whitespace: a JOSE segment is one object, nothing else.
        raise ValueError("not a JSON object")
    try:
        # raw_decode skips JSONDecoder.decode's whitespace regex; we demand none anyway.
        value, end = (_READ_ONLY_DECODER if read_only else _DECODER).raw_decode(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if end != len(text) or not isinstance(value, dict):
        raise ValueError("not a JSON object")
    # Cheap bound first: fewer brackets than the limit means the depth is within it.
    if data.count(b"{") + data.count(b"[") > max_depth and _depth(value) > max_depth:
        raise ValueError("JSON nested too deeply")
    return value


def dumps_compact(value: Any) -> bytes:
    """Serialise without whitespace; refuse NaN/Infinity so we never emit what we reject."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )
