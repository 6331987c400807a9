"""The arrows of the architecture (STYLE.md, docs/architecture.md).

Between gatehouse's own packages the arrows are import-linter contracts in pyproject.toml
(``[tool.importlinter]``: the field's tool, which follows chains of imports through every
module and finds cycles, where a hand-written AST walk only sees one file); each contract is
one test case here, so the README's test command holds them. What import-linter does not
express stays below: the verifier side's *module-level* imports of frameworks and drivers
(lazy imports inside functions are allowed there) and a fresh interpreter's ``sys.modules``.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from import_walk import all_imports, top_level_imports

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "gatehouse"
PYPROJECT = REPO / "pyproject.toml"
STDLIB = sys.stdlib_module_names

FORBIDDEN_AT_RUNTIME = (
    "gatehouse.issuer",
    "gatehouse.storage",
    "gatehouse.service",
    "gatehouse.gateway",
    "gatehouse.deploy",
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


@pytest.mark.parametrize("path", sorted((SRC / "jose").glob("*.py")), ids=lambda p: p.name)
def test_jose_imports_only_stdlib_and_cryptography(path: Path) -> None:
    """gatehouse.jose depends on the standard library and pyca/cryptography only."""
    for name in all_imports(path):
        root = name.split(".")[0]
        allowed = (
            root in STDLIB
            or root == "cryptography"
            or name.startswith("gatehouse.jose")
            or name == "gatehouse.errors"
            or name == "gatehouse._lazy"  # the PEP 562 helper: a leaf (pyproject contract)
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
    for name in top_level_imports(path):
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


# --- import-linter contracts -------------------------------------------------------

CONTRACTS: list[dict[str, Any]] = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"][
    "importlinter"
]["contracts"]
# Contracts broken by code outside the tests' area, id -> the import that breaks it: marked
# xfail(strict=True), so the case turns red once the code is fixed. None today.
KNOWN_BROKEN: dict[str, str] = {}


def test_contract_ids_are_unique() -> None:
    """Each contract has its own id, so each one below is its own test case."""
    ids = [c["id"] for c in CONTRACTS]
    assert len(ids) == len(set(ids)), ids


@pytest.mark.parametrize(
    "contract",
    [
        pytest.param(
            c,
            id=c["id"],
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BROKEN[c["id"]])]
            if c["id"] in KNOWN_BROKEN
            else [],
        )
        for c in CONTRACTS
    ],
)
def test_import_contract_is_kept(
    contract: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Each architecture contract in pyproject.toml holds over the whole source tree."""
    from importlinter.cli import lint_imports  # import-linter's Python entry point

    status = lint_imports(
        config_filename=str(PYPROJECT), limit_to_contracts=(contract["id"],), no_cache=True
    )
    report = capsys.readouterr().out
    assert status == 0, report[report.find("Broken contracts") :]
    assert "Contracts: 1 kept, 0 broken." in report, report  # it ran, and only this one


def test_every_subpackage_is_under_some_contract() -> None:
    """A new package cannot slip past the arrows unnoticed: each gatehouse subpackage (and
    the verify and claims modules) is named by some contract; errors and clock are leaves."""
    named: set[str] = set()
    for contract in CONTRACTS:
        for key in ("source_modules", "forbidden_modules", "protected_modules"):
            named.update(contract.get(key, ()))
    parts = {p.stem for p in SRC.glob("*.py")} | {
        p.name for p in SRC.iterdir() if (p / "__init__.py").is_file()
    }
    leaves = {"__init__", "errors", "clock"}
    unnamed = sorted(f"gatehouse.{name}" for name in parts - leaves)
    unnamed = [name for name in unnamed if name not in named]
    assert unnamed == [], f"name these in a [tool.importlinter] contract: {unnamed}"
