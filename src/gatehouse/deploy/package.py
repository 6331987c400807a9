"""The code ``sam build`` packages: a staged folder, never the project folder itself.

``sam build`` copies a function's whole ``CodeUri`` folder into the artifact, skipping only
``.git``, caches and the like (aws-lambda-builders' Python workflow). Pointed at the project
folder it would ship ``.gatehouse/`` (the development KEK and the SQLite store with password
hashes) and the tests. So ``gatehouse deploy sam`` stages what the functions need into a
folder of its own and points ``CodeUri`` there:

* ``requirements.txt``: this version of gatehouse from the package index, by its
  distribution name (``gatehouse._distribution``) with the extras the token service
  imports on Lambda; ``sam build`` installs it;
* a copy of each top-level package the ``[[functions]]`` handlers and authorizers import
  from (``examples`` for ``examples.orders.handler.handler``), without tests, caches,
  ``.gatehouse`` or ``.git``;
* ``.gitignore`` (``*``): keeps the staged copy out of git, and marks the folder as ours,
  so a rerun replaces it but a folder someone else made is never deleted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from gatehouse._distribution import requirement
from gatehouse._record import record
from gatehouse.errors import ConfigurationError
from gatehouse.functions.spec import ServiceSpec

__all__ = [
    "LAMBDA_EXTRAS",
    "MARKER",
    "StagedCode",
    "handler_packages",
    "requirements_text",
    "stage_code",
]

# What gatehouse.service.lambda_entry imports: argon2 (issuer), psycopg (postgres), the
# optional Redis store, Starlette (server). The verifier side needs none of them.
LAMBDA_EXTRAS = ("issuer", "postgres", "redis", "server")
MARKER = "# staged by `gatehouse deploy sam`: rebuilt on every run; edit the sources instead\n*\n"
_NEVER_SHIPPED = (
    ".gatehouse",
    ".git",
    "__pycache__",
    "*.pyc",
    "tests",
    "test",
    "test_*.py",
    "*_test.py",
    "conftest.py",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
)


@record
class StagedCode:
    folder: Path
    packages: tuple[str, ...]
    requirement: str


def handler_packages(services: tuple[ServiceSpec, ...]) -> tuple[str, ...]:
    """The top-level packages the handlers and authorizers live in, gatehouse's own aside."""
    names = {
        path.split(".", 1)[0]
        for service in services
        for path in (service.handler, service.authorizer)
        if path is not None
    }
    names.discard("gatehouse")
    return tuple(sorted(names))


def requirements_text(version: str) -> str:
    """The ``requirements.txt`` that makes ``sam build`` install this gatehouse."""
    return (
        "# Written by `gatehouse deploy sam`: the gatehouse the functions were generated with.\n"
        f"{requirement(*LAMBDA_EXTRAS)}=={version}\n"
    )


def _copy_package(project: Path, name: str, target: Path) -> None:
    folder, module = project / name, project / f"{name}.py"
    ignore = shutil.ignore_patterns(*_NEVER_SHIPPED)
    if folder.is_dir():
        shutil.copytree(folder, target / name, ignore=ignore)
    elif module.is_file():
        shutil.copy2(module, target / module.name)
    else:
        raise ConfigurationError(
            f"[[functions]] import from {name!r}, but {project} has no {name}/ package or"
            f" {name}.py; run deploy sam from the folder that holds the handlers' code"
        )


def _check_replaceable(folder: Path) -> None:
    if not folder.exists():
        return
    marker = folder / ".gitignore"
    if not folder.is_dir() or not marker.is_file() or marker.read_text() != MARKER:
        raise ConfigurationError(
            f"{folder} exists and was not staged by gatehouse deploy sam; choose another"
            " --code-uri or move it away"
        )


def stage_code(
    project: Path, folder: Path, services: tuple[ServiceSpec, ...], *, version: str
) -> StagedCode:
    """(Re)build ``folder`` from ``project``: built beside it, then swapped in by renames,
    so a failed copy leaves the previous staging as it was."""
    project, folder = project.resolve(), folder.absolute()
    if folder == project or project.is_relative_to(folder):
        raise ConfigurationError(f"--code-uri {folder}: choose a folder inside the project")
    _check_replaceable(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    packages = handler_packages(services)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        work.chmod(0o755)  # mkdtemp's 0700 would reach the zip: Lambda's user must read it
        for name in packages:
            _copy_package(project, name, work)
        (work / "requirements.txt").write_text(requirements_text(version), encoding="utf-8")
        (work / ".gitignore").write_text(MARKER, encoding="utf-8")
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
            os.replace(work, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return StagedCode(folder, packages, requirement(*LAMBDA_EXTRAS) + f"=={version}")
