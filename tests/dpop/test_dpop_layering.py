"""DPoP keeps the arrows: the proof is pure jose, the verifier side imports no storage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from import_walk import all_imports

SRC = Path(__file__).resolve().parents[2] / "src" / "gatehouse"
PURE = [SRC / "jose" / name for name in ("dpop.py", "dpop_make.py", "htu.py")]
VERIFIER_SIDE = sorted((SRC / "dpop").glob("*.py"))
FORBIDDEN = ("gatehouse.issuer", "gatehouse.storage", "gatehouse.service", "gatehouse.adapters")


@pytest.mark.parametrize("path", PURE, ids=lambda p: p.name)
def test_proof_code_is_pure_jose(path: Path) -> None:
    """The proof modules use the standard library, cryptography and jose only."""
    for name in all_imports(path):
        root = name.split(".")[0]
        assert (
            root in sys.stdlib_module_names
            or root == "cryptography"
            or name.startswith("gatehouse.jose")
            or name == "gatehouse.errors"
        ), f"{path.name} imports {name}"


@pytest.mark.parametrize("path", VERIFIER_SIDE, ids=lambda p: p.name)
def test_dpop_package_never_imports_storage_or_issuer(path: Path) -> None:
    """gatehouse.dpop (port, memory cache, verifier) imports no storage, issuer or adapter."""
    for name in all_imports(path):
        assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"
        assert name.split(".")[0] not in ("redis", "psycopg", "starlette", "flask")


def test_importing_gatehouse_dpop_loads_nothing_heavy() -> None:
    """A fresh interpreter importing gatehouse.dpop loads no driver, storage or network stack."""
    code = "import sys, gatehouse.dpop; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    heavy = [m for m in out if m.startswith((*FORBIDDEN, "redis", "http.client", "asyncio"))]
    assert heavy == []
