"""What a source file imports, read from its syntax tree (nothing is imported or run): the
layering tests hold module-level imports and every import, lazy ones included, to rules."""

from __future__ import annotations

import ast
from pathlib import Path

__all__ = ["all_imports", "top_level_imports"]


def _names(nodes: list[ast.stmt] | list[ast.AST]) -> set[str]:
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def top_level_imports(path: Path) -> set[str]:
    """Modules a file imports at module level (lazy imports inside functions are not counted)."""
    return _names(ast.parse(path.read_text(encoding="utf-8")).body)


def all_imports(path: Path) -> set[str]:
    """Every module a file imports anywhere, including inside functions."""
    return _names(list(ast.walk(ast.parse(path.read_text(encoding="utf-8")))))
