"""``@record``: a frozen, slotted dataclass that costs a fraction of one at import.

Why not ``@dataclass(frozen=True, slots=True)`` itself: the standard library writes the
source of six methods per class (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
``__setattr__``, ``__delattr__``) and compiles each with ``exec``. The token service
declares some forty such records on its Lambda path, and those compiles were 55 of the
93 ms its modules took to import: the largest single part of its cold start (issue 15 §2).

A record is still a dataclass: ``dataclasses.dataclass`` collects the fields (defaults,
``field(default_factory=..., repr=False, compare=False, metadata=...)``), writes
``__slots__`` and ``__match_args__``, and keeps ``fields()``, ``replace()``, ``asdict()``
and ``is_dataclass()`` working. It is asked for none of the generated methods. In their
place:

- ``__eq__``, ``__hash__``, ``__repr__``, ``__setattr__``, ``__delattr__`` and the pickle
  state are written once here and shared, reading the class's compared and shown field
  names; they behave as the frozen dataclass's do (same-class equality over the compared
  fields, their tuple's hash, ``FrozenInstanceError`` on assignment, ``repr=False`` hidden);
- ``__init__`` is the dataclass's own text, compiled the first time the class is
  constructed, so a record a process never builds never pays for it, and one it builds
  costs what a dataclass costs from then on.

``tests/test_record.py`` holds each of these against ``@dataclass(frozen=True, slots=True)``.
A leaf, like ``_lazy``: every layer may read it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

__all__ = ["record"]

T = TypeVar("T")

_MISSING = dataclasses.MISSING


def _setattr(self: object, name: str, value: object) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: object, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _eq(self: Any, other: Any) -> object:
    if other.__class__ is not self.__class__:
        return NotImplemented
    compared: Callable[[object], object] = self.__record_compared__
    return compared(self) == compared(other)


def _hash(self: Any) -> int:
    return hash(self.__record_compared__(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_shown__)
    return f"{self.__class__.__qualname__}({shown})"


def _getstate(self: Any) -> list[object]:
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self: Any, state: list[object]) -> None:
    for f, value in zip(dataclasses.fields(self), state, strict=True):
        object.__setattr__(self, f.name, value)


def _compiled_init(cls: type) -> Callable[..., None]:
    """``cls.__init__`` as ``@dataclass(frozen=True)`` writes it: positional-or-keyword in
    field order, defaults and factories applied, ``__post_init__`` called at the end."""
    params, body = ["self"], []
    names: dict[str, object] = {"__setattr": object.__setattr__, "__missing": _MISSING}
    for f in dataclasses.fields(cls):
        if f.default is not _MISSING:
            names[f"__default_{f.name}"] = f.default
            params.append(f"{f.name}=__default_{f.name}")
            value = f.name
        elif f.default_factory is not _MISSING:
            names[f"__factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=__missing")
            value = f"__factory_{f.name}() if {f.name} is __missing else {f.name}"
        else:
            params.append(f.name)
            value = f.name
        body.append(f"    __setattr(self, {f.name!r}, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    source = f"def __init__({', '.join(params)}) -> None:\n" + ("\n".join(body) or "    pass")
    exec(source, names)  # noqa: S102 -- our own text over field names, as dataclasses does
    init: Callable[..., None] = names["__init__"]  # type: ignore[assignment]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _first_init(cls: type) -> Callable[..., None]:
    def __init__(self: object, *args: object, **kwargs: object) -> None:  # noqa: N807
        init = _compiled_init(cls)
        type.__setattr__(cls, "__init__", init)  # every later construction runs it directly
        init(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _nothing(_: object) -> tuple[()]:
    return ()


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def record(cls: type[T]) -> type[T]:
    """Make ``cls`` a frozen, slotted dataclass record (see the module docstring)."""
    undocumented = not cls.__doc__
    if undocumented:  # else dataclass writes one from inspect.signature: 0.3-3 ms a class
        cls.__doc__ = cls.__name__
    made: type[T] = dataclasses.dataclass(init=False, repr=False, eq=False, slots=True)(cls)
    fields = dataclasses.fields(made)  # type: ignore[arg-type]
    if undocumented:
        made.__doc__ = f"{made.__name__}({', '.join(f.name for f in fields)})"
    for f in fields:  # what the shared __init__ text does not write: refused here, not later
        if not f.init or f.kw_only:
            raise TypeError(f"{made.__qualname__}.{f.name}: no init=False or kw_only field")
    own = made.__dict__  # what the class body wrote itself, kept as dataclass keeps it
    if "__setattr__" in own or "__delattr__" in own:
        raise TypeError(f"{made.__qualname__}: a record is frozen; it cannot define __setattr__")
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    compared = tuple(f.name for f in fields if f.compare)
    methods: dict[str, object] = {
        "__record_compared__": staticmethod(attrgetter(*compared) if compared else _nothing),
        "__record_shown__": tuple(f.name for f in fields if f.repr),
        "__init__": _first_init(made),
        "__setattr__": _setattr,
        "__delattr__": _delattr,
    }
    for name, shared in (("__eq__", _eq), ("__repr__", _repr), ("__getstate__", _getstate)):
        if name not in own:
            methods[name] = shared
    if not explicit_hash:
        methods["__hash__"] = _hash
    if "__setstate__" not in own:
        methods["__setstate__"] = _setstate
    for name, value in methods.items():
        setattr(made, name, value)
    return made
