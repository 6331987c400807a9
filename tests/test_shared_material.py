"""The ../shared door: missing vectors or events fail under CI and skip, with the path, locally."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared_material import (
    REQUIRED,
    SHARED,
    missing_material,
    required_in_ci,
    shared_files,
    shared_path,
)


@pytest.mark.parametrize(
    ("value", "required"),
    [("true", True), ("1", True), ("yes", True), ("", False), ("0", False), ("false", False)],
)
def test_ci_variable_decides(value: str, required: bool) -> None:
    """CI=true (or any non-false word) demands the material; unset, empty or false does not."""
    assert required_in_ci({"CI": value}) is required
    assert required_in_ci({}) is False


def test_missing_path_fails_under_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With CI=true a missing shared path is a test failure that names the path."""
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="vectors"):
        shared_path("vectors", root=tmp_path)


def test_missing_path_skips_locally(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without CI a missing shared path skips, and the reason names the path."""
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=str(tmp_path / "events")):
        shared_path("events", root=tmp_path)


def test_an_empty_glob_is_missing_material(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder that exists but matches no file is missing too (an empty parameter list
    would otherwise pass as a quiet skip)."""
    (tmp_path / "events" / "family").mkdir(parents=True)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        shared_files("events", "*/*.json", root=tmp_path)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        shared_files("events", "*/*.json", root=tmp_path)


def test_present_material_is_returned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Present files come back sorted, whatever CI says."""
    monkeypatch.setenv("CI", "true")
    for name in ("b.json", "a.json"):
        (tmp_path / "events" / "x").mkdir(parents=True, exist_ok=True)
        (tmp_path / "events" / "x" / name).write_text("{}")
    found = shared_files("events", "*/*.json", root=tmp_path)
    assert [p.name for p in found] == ["a.json", "b.json"]


def test_session_check_lists_absent_files_and_empty_folders(tmp_path: Path) -> None:
    """The check conftest runs at start-up names every required file absent and every
    required folder absent or empty."""
    assert missing_material(tmp_path) == [tmp_path / name for name in REQUIRED]
    folder, file = "events/powertools", "vectors/wycheproof/testvectors_v1/json_web_key_test.json"
    (tmp_path / folder).mkdir(parents=True)
    (tmp_path / file).parent.mkdir(parents=True)
    (tmp_path / file).write_text("{}")
    assert tmp_path / folder in missing_material(tmp_path)  # empty still counts as missing
    (tmp_path / folder / "a.json").write_text("{}")
    assert missing_material(tmp_path) == [tmp_path / n for n in REQUIRED if n not in (folder, file)]


def test_this_checkout_has_its_shared_material() -> None:
    """Where ../shared is laid out (CI always), every required folder is there and non-empty."""
    if not SHARED.is_dir():
        shared_path()  # fails under CI, skips locally
    assert missing_material() == []


def _pytest_without_shared(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["GATEHOUSE_TEST_SHARED"] = str(tmp_path / "no-shared-here")
    if ci is not None:
        env["CI"] = ci
    test = f"{Path(__file__).name}::test_this_checkout_has_its_shared_material"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parent,
        timeout=120,
    )


def test_a_ci_run_without_shared_material_fails_at_start_up(tmp_path: Path) -> None:
    """A real pytest run with CI=true and no ../shared exits non-zero, naming what is missing."""
    done = _pytest_without_shared(tmp_path, "true")
    assert done.returncode != 0
    assert "shared test material is missing" in done.stderr + done.stdout


def test_a_local_run_without_shared_material_skips_with_the_path(tmp_path: Path) -> None:
    """The same run without CI passes with a skip whose reason names the missing path."""
    done = _pytest_without_shared(tmp_path, None)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout
    assert "no-shared-here" in done.stdout
