"""The one door to ``../shared`` (test vectors, recorded events): missing material fails in CI.

The Wycheproof/RFC vectors and the recorded Lambda events live beside the repository, not in
it. A test that silently skips when they are absent stops testing without anyone noticing,
so every loader goes through here: with the environment variable ``CI`` set (CI runs with
``CI=true``) missing material is a failure; locally it is a skip that names the path, the
same policy ``backend_servers.unavailable`` applies to PostgreSQL and Redis.

Importable from any test folder (``tests/`` is on ``sys.path`` through the root conftest).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

import pytest

__all__ = [
    "REQUIRED",
    "SHARED",
    "missing_material",
    "required_in_ci",
    "shared_files",
    "shared_path",
    "unavailable_material",
]

# ../shared beside the repository; GATEHOUSE_TEST_SHARED points elsewhere (as
# GATEHOUSE_TEST_POSTGRES does for the database), which is also how the policy is tested.
SHARED = Path(
    os.environ.get("GATEHOUSE_TEST_SHARED") or Path(__file__).resolve().parents[1].parent / "shared"
)
# What the suite reads from ../shared; the session check in conftest.py holds all of it.
REQUIRED = (
    "vectors/rfc7520/jwk",
    "vectors/wycheproof/testvectors_v1/json_web_signature_test.json",
    "vectors/wycheproof/testvectors_v1/json_web_key_test.json",
    "events/aws-lambda-go",
    "events/aws-sam-cli",
    "events/powertools",
)
_OFF = ("", "0", "false", "no", "off")


def required_in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """True where missing material must fail: ``CI`` is set to anything but a false-ish word."""
    env = os.environ if environ is None else environ
    return env.get("CI", "").strip().lower() not in _OFF


def unavailable_material(path: Path, *, module_level: bool = False) -> NoReturn:
    """Fail (CI) or skip (locally) because ``path`` is not there; the reason names it."""
    reason = f"shared test material not found: {path}"
    if required_in_ci():
        pytest.fail(f"{reason} (CI is set: ../shared is required)", pytrace=False)
    pytest.skip(reason, allow_module_level=module_level)


def shared_path(*parts: str, root: Path = SHARED, module_level: bool = False) -> Path:
    """``root/parts`` if it exists; else fail in CI or skip here.

    ``module_level=True`` for use at import (collection) time, where a skip covers the
    whole module and a CI failure is a collection error that fails the run.
    """
    path = root.joinpath(*parts)
    if not path.exists():
        unavailable_material(path, module_level=module_level)
    return path


def shared_files(
    folder: str, pattern: str, *, root: Path = SHARED, module_level: bool = False
) -> list[Path]:
    """The files under ``root/folder`` matching ``pattern``, sorted; none at all is missing
    material (an empty parameter list would otherwise pass as a skip)."""
    base = shared_path(folder, root=root, module_level=module_level)
    found = sorted(p for p in base.glob(pattern) if p.is_file())
    if not found:
        unavailable_material(base / pattern, module_level=module_level)
    return found


def missing_material(root: Path = SHARED) -> list[Path]:
    """The entries of ``REQUIRED`` absent under ``root``: a file that is not there, or a
    folder that is not there or empty."""
    missing = []
    for name in REQUIRED:
        path = root / name
        present = path.is_file() or (path.is_dir() and any(path.iterdir()))
        if not present:
            missing.append(path)
    return missing
