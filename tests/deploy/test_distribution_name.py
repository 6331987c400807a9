"""The distribution name is one fact: pyproject, install hints, docs and generated files agree."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from gatehouse._distribution import DISTRIBUTION, install_hint, requirement

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _shipped(paths: list[Path]) -> list[Path]:
    """The files git tracks (what a clone and a wheel contain), not work in progress."""
    listed = subprocess.run(
        ["git", "ls-files", "--", *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:  # not a checkout (an sdist): every file is shipped
        return sorted(paths)
    return sorted(ROOT / line for line in listed.stdout.splitlines())


# Where a user reads an install command: the README, the docs, the examples' guide, and
# every message or docstring in the package.
TEXTS = _shipped(
    [
        ROOT / "README.md",
        ROOT / "examples" / "README.md",
        *(ROOT / "docs").glob("*.md"),
        *(ROOT / "src" / "gatehouse").rglob("*.py"),
    ]
)
# `pip install NAME` where NAME is a package (not an option, a path or a quoted extra of ours).
_PIP_INSTALL = re.compile(r"pip install\s+(?:-[-\w]+\s+)*'?([A-Za-z][\w.-]*)")
_THIRD_PARTY = frozenset({"uvloop"})  # named on purpose: an optional speed-up, not gatehouse


def test_the_constant_is_the_pyproject_name() -> None:
    """DISTRIBUTION is [project] name, and the import name stays gatehouse."""
    assert PYPROJECT["project"]["name"] == DISTRIBUTION == "gatehouse-auth"
    assert PYPROJECT["project"]["scripts"] == {"gatehouse": "gatehouse.cli.main:main"}


def test_extras_refer_to_the_distribution_itself() -> None:
    """all and dev pull the other extras by the distribution's own name."""
    extras = PYPROJECT["project"]["optional-dependencies"]
    (everything,) = extras["all"]
    named = everything.removeprefix(f"{DISTRIBUTION}[").removesuffix("]").split(",")
    assert everything == requirement(*named)
    assert set(named) == set(extras) - {"all", "bench", "dev"}
    assert requirement("all") in extras["dev"]


def test_install_hint_quotes_the_extra() -> None:
    """An error message suggests a command a shell runs as is."""
    assert install_hint("postgres") == "pip install 'gatehouse-auth[postgres]'"


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_text_installs_the_wrong_project(path: Path) -> None:
    """No doc or message installs `gatehouse` (an unrelated project on the index)."""
    text = path.read_text(encoding="utf-8")
    stale = [m.group(0) for m in re.finditer(r"(?<![\w-])gatehouse\[", text)]
    assert stale == [], f"{path.name}: use {DISTRIBUTION}[...]"
    for match in _PIP_INSTALL.finditer(text):
        name = match.group(1)
        assert name in {DISTRIBUTION, *_THIRD_PARTY}, f"{path.name}: {match.group(0)!r}"
