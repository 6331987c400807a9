"""The arrows of the architecture: jose <- keys <- verify <- adapters never import the issuer,
storage, a web framework or a database driver (docs/architecture.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "gatehouse"
STDLIB = sys.stdlib_module_names

FORBIDDEN_AT_RUNTIME = (
    "gatehouse.issuer",
    "gatehouse.storage",
    "gatehouse.service",
    "gatehouse.gateway",
    "gatehouse.cli",
    "starlette",
    "fastapi",
    "flask",
    "werkzeug",
    "uvicorn",
    "psycopg",
    "psycopg_pool",
    "redis",
    "argon2",
    "sqlite3",
    "click",
    "rich",
    "httpx",
)


def _top_level_imports(path: Path) -> set[str]:
    """Modules a file imports at module level (lazy imports inside functions are not counted)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _all_imports(path: Path) -> set[str]:
    """Every module a file imports anywhere, including inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((SRC / "jose").glob("*.py")), ids=lambda p: p.name)
def test_jose_imports_only_stdlib_and_cryptography(path: Path) -> None:
    """gatehouse.jose depends on the standard library and pyca/cryptography only."""
    for name in _all_imports(path):
        root = name.split(".")[0]
        allowed = (
            root in STDLIB
            or root == "cryptography"
            or name.startswith("gatehouse.jose")
            or name == "gatehouse.errors"
        )
        assert allowed, f"{path.name} imports {name}"


VERIFIER_SIDE = [
    *sorted((SRC / "keys").glob("*.py")),
    SRC / "verify.py",
    SRC / "claims.py",
    SRC / "__init__.py",
    *sorted((SRC / "adapters").glob("*.py")),
]


@pytest.mark.parametrize("path", VERIFIER_SIDE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_verifier_side_never_imports_issuer_or_frameworks_at_module_level(path: Path) -> None:
    """Nothing a verifying function imports pulls in the issuer, storage or a framework."""
    for name in _top_level_imports(path):
        assert not name.startswith(FORBIDDEN_AT_RUNTIME), f"{path} imports {name}"


@pytest.mark.parametrize(
    "module",
    [
        "gatehouse",
        "gatehouse.jose",
        "gatehouse.keys",
        "gatehouse.adapters",
        "gatehouse.adapters.aws_lambda",
        "gatehouse.adapters.authorizer",
        "gatehouse.adapters.asgi",
        "gatehouse.adapters.wsgi",
    ],
)
def test_importing_the_verifier_side_loads_nothing_heavy(module: str) -> None:
    """A fresh interpreter importing the verifier side loads no framework, driver or issuer."""
    code = (
        "import importlib, sys; importlib.import_module(sys.argv[1]); "
        "print('\\n'.join(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, module], capture_output=True, text=True, check=True
    ).stdout.split()
    loaded = [m for m in out if m.startswith(FORBIDDEN_AT_RUNTIME)]
    assert loaded == [], f"import {module} loaded {loaded}"
    # Cold start: the top-level package must not drag in the network stack either.
    if module == "gatehouse":
        heavy = [m for m in out if m in ("urllib.request", "http.client", "ssl", "asyncio")]
        assert heavy == [], f"import gatehouse loaded {heavy}"
