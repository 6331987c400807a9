"""Which requests a middleware protects, and with which extra scopes, by path prefix."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["PathRules"]


def _normalise(prefix: str) -> str:
    return "/" + prefix.strip("/") if prefix.strip("/") else "/"


def _under(path: str, prefix: str) -> bool:
    # Segment-wise: "/orders" covers "/orders" and "/orders/1", not "/ordersx".
    return prefix == "/" or path == prefix or path.startswith(prefix + "/")


class PathRules:
    """Public path prefixes and per-prefix scope requirements; the longest prefix wins."""

    __slots__ = ("_public", "_scoped")

    def __init__(self, path_scopes: Mapping[str, Iterable[str]], public: Iterable[str]) -> None:
        scoped = [(_normalise(p), tuple(s)) for p, s in path_scopes.items()]
        self._scoped = sorted(scoped, key=lambda rule: len(rule[0]), reverse=True)
        self._public = tuple(_normalise(p) for p in public)

    def is_public(self, path: str) -> bool:
        return any(_under(path, prefix) for prefix in self._public)

    def scopes_for(self, path: str) -> tuple[str, ...]:
        for prefix, scopes in self._scoped:
            if _under(path, prefix):
                return scopes
        return ()
