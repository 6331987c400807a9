"""A project made by `gatehouse init` in tmp_path, and its token service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Project, invoke

from gatehouse.issuer import FAST_TEST_PROFILE


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """`gatehouse init` run in an empty folder that is also the working directory."""
    monkeypatch.chdir(tmp_path)
    for name in ("GATEHOUSE_CONFIG", "GATEHOUSE_KEK", "GATEHOUSE_KEK_FILE"):
        monkeypatch.delenv(name, raising=False)
    result = invoke("init")
    assert result.exit_code == 0, result.stderr
    return Project(tmp_path, invoke)


@pytest.fixture
def open_service(project: Project) -> Iterator[Callable[[], Any]]:
    """The project's TokenService through the composition root, closed after the test."""
    from gatehouse.service.compose import build_stores, build_token_service
    from gatehouse.service.settings import load_settings

    opened: list[Any] = []

    def make() -> Any:
        settings = load_settings(project.config, environ={})
        stores = build_stores(settings)
        opened.append(stores)
        return build_token_service(
            settings, stores, password_profile=FAST_TEST_PROFILE, bootstrap=False
        )

    yield make
    for stores in opened:
        stores.close()
