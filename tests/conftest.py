"""Test-wide settings: deterministic hypothesis, the shared vectors, backend policy."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from backend_servers import unavailable
from shared_material import missing_material, required_in_ci, shared_path

# CI sets HYPOTHESIS_PROFILE=ci: derandomized so a run is reproducible.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_configure(config: pytest.Config) -> None:
    """In CI, a run without ../shared stops here: the vectors and events would otherwise skip
    (collection-time loaders included) and the run would look green."""
    missing = missing_material()
    if missing and required_in_ci():
        names = ", ".join(str(path) for path in missing)
        raise pytest.UsageError(f"CI is set but shared test material is missing: {names}")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder beside the repo (vectors, events): fails in CI when absent."""
    return shared_path()


@pytest.fixture
def backend_unavailable() -> Callable[[str, str], None]:
    """Skip locally, fail in CI (GATEHOUSE_REQUIRE_BACKENDS=1): see backend_servers."""
    return unavailable
