"""Test-wide settings: deterministic hypothesis, the shared vectors, backend policy."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from backend_servers import unavailable

# CI sets HYPOTHESIS_PROFILE=ci: derandomized so a run is reproducible.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder beside the repo (vectors, events)."""
    if not SHARED.is_dir():
        pytest.skip(f"../shared not found at {SHARED}")
    return SHARED


@pytest.fixture
def backend_unavailable() -> Callable[[str, str], None]:
    """Skip locally, fail in CI (GATEHOUSE_REQUIRE_BACKENDS=1): see backend_servers."""
    return unavailable
