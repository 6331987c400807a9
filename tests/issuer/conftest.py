"""Fixtures for the issuer's domain tests: a TokenService over real stores, fake time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from issuer_helpers import make_config, open_store

from gatehouse import ManualClock
from gatehouse.issuer import KeyEncryptionKey, TokenService
from gatehouse.storage.ports import Stores


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(wall=1_700_000_000.0)


@pytest.fixture
def kek() -> KeyEncryptionKey:
    return KeyEncryptionKey.generate()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    """The issuer's stores, on each full adapter (PostgreSQL in a schema of its own)."""
    with open_store(request.param, tmp_path) as store:
        yield Stores.single(store)


@pytest.fixture
def service(stores: Stores, kek: KeyEncryptionKey, clock: ManualClock) -> TokenService:
    svc = TokenService(make_config(), stores, kek, clock=clock)
    svc.bootstrap()
    return svc


@pytest.fixture
def alice(service: TokenService) -> str:
    """An account 'alice' / 'correct horse' with read+write scopes and a role; its id."""
    account = service.create_account(
        "Alice", "correct horse", roles=["editor"], allowed_scopes=["read", "write"]
    )
    return account.account_id
