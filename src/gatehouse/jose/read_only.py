"""Read-only JSON values: what a long-lived verifier may hand to many callers.

A verifier caches parsed headers (one per issuer key) and verified claim sets (one per
token) and serves the same objects to every later request. If a caller could edit them,
one request would change what the next is told, or how the next token with the same header
verifies. ``ReadOnlyDict`` and ``ReadOnlyList`` refuse every edit, yet stay a ``dict`` and a
``list`` to ``isinstance``, ``==`` and ``json.dumps`` (``types.MappingProxyType`` would not
serialise), so code that only reads them needs no change. ``thaw`` makes an editable copy.
They guard against edits through the mapping and sequence API; calling ``dict``'s or
``list``'s own methods on them (``dict.__setitem__(value, ...)``) is deliberate, not a slip.
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = [
    "ReadOnlyDict",
    "ReadOnlyList",
    "read_only",
    "read_only_list",
    "thaw",
]


def _refuse(*args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError("this JSON value is read-only; copy it (thaw, to_dict) to edit")


class ReadOnlyDict(dict[str, Any]):
    """A JSON object that refuses edits (built by ``dict``'s own constructor, at C speed)."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type[ReadOnlyDict], tuple[list[tuple[str, Any]]]]:
        # copy, deepcopy and pickle rebuild through __new__, never through __setitem__.
        return (ReadOnlyDict, (list(self.items()),))

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse


class ReadOnlyList(list[Any]):
    """A JSON array that refuses edits (built by ``list``'s own constructor, at C speed)."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type[ReadOnlyList], tuple[list[Any]]]:
        return (ReadOnlyList, (list(self),))

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse


def read_only_list(value: list[Any]) -> ReadOnlyList:
    """``value`` with every nested list made read-only too (nested objects already are:
    the JSON decoder builds them read-only, innermost first)."""
    for item in value:
        if item.__class__ is list:
            return ReadOnlyList([read_only_list(v) if v.__class__ is list else v for v in value])
    return ReadOnlyList(value)


def read_only(value: Any) -> Any:
    """A read-only deep copy of a JSON value (scalars are returned as they are)."""
    cls = value.__class__
    if cls is dict or cls is ReadOnlyDict:
        return ReadOnlyDict([(name, read_only(member)) for name, member in value.items()])
    if cls is list or cls is ReadOnlyList:
        return ReadOnlyList([read_only(item) for item in value])
    return value


def thaw(value: Any) -> Any:
    """A deep, plain, editable copy of a JSON value (``dict`` and ``list`` all the way down)."""
    if isinstance(value, dict):
        return {name: thaw(member) for name, member in value.items()}
    if isinstance(value, list):
        return [thaw(item) for item in value]
    return value
