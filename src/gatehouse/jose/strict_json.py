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
# Byte values, not one-byte strings: ``bytes in bytes`` first tries the operand as an integer
# and pays for a raised-and-cleared TypeError each time (``str in str`` does not).
_TAB, _LF, _CR, _OPEN_BRACE, _OPEN_BRACKET = b"\t\n\r{["


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


def _scanner(object_pairs_hook: Any = None) -> make_scanner:
    """A strict decoder's scanner, called directly: ``raw_decode`` is one more Python frame
    that only turns the scanner's StopIteration into a ValueError, as ``loads_object`` does."""
    decoder: Any = json.JSONDecoder(
        object_pairs_hook=object_pairs_hook, parse_constant=_reject_constant
    )
    return make_scanner(decoder)  # Any: typeshed types the argument as a scanner (its TODO)


_SCAN = _scanner(_unique_object)
_SCAN_READ_ONLY = _scanner(_unique_read_only_object)
# Builds each object in C and keeps the last of repeated names: used only for a text whose
# repeated names ``loads_object`` can count instead (see there), which saves the hook's
# list of pairs, its Python call and its dict: a third of decoding a claim set.
_SCAN_FLAT = _scanner()


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
    # A flat claim set (no second '{' anywhere, not even in a string) is one object whose
    # repeated names can be counted rather than caught by the hook.
    flat = not read_only and data.find(_OPEN_BRACE, 1) < 0
    try:
        # From index 0, as raw_decode does: no whitespace before (refused above) or after.
        value, end = (_SCAN_FLAT if flat else _SCAN_READ_ONLY if read_only else _SCAN)(text, 0)
        # The count (RFC 8259 §4): each member is ``"name" ws ":" ws value``. With no
        # whitespace right after any '"' (tab, LF and CR cannot be inside a strict JSON
        # string, so any of them is whitespace between tokens), each member's name ends in
        # '":', so the text holds at least as many '":' as members, more if strings hold
        # some; the object holds fewer than the members exactly when a name repeats. An
        # equal count therefore proves no name repeats; anything else decodes again with
        # the hook, which refuses a repeat (or finds none: a '":' inside a string).
        if flat and (
            data.count(b'":') != len(value)
            or '" ' in text
            or _TAB in data
            or _LF in data
            or _CR in data
        ):
            value, end = _SCAN(text, 0)
    except StopIteration:  # the scanner's "no JSON value here", at any depth
        raise ValueError("not JSON") from None
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if end != len(text) or not isinstance(value, dict):
        raise ValueError("not a JSON object")
    # Cheap bound first: fewer brackets than the limit means the depth is within it (a flat
    # object has one '{', and often no '[', which memchr finds faster than a count).
    if flat:
        brackets = 1 + data.count(b"[") if _OPEN_BRACKET in data else 1
    else:
        brackets = data.count(b"{") + data.count(b"[")
    if brackets > max_depth and _deeper_than(value, max_depth):
        raise ValueError("JSON nested too deeply")
    return value


def dumps_compact(value: Any) -> bytes:
    """Serialise without whitespace; refuse NaN/Infinity so we never emit what we reject."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )
