"""Fixtures shared by every test package: the storage backend a store test runs on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import Database
from tests.backends import BACKENDS, open_backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """ "sqlite" or "postgresql": each store test runs on both (PostgreSQL skips without a server)."""
    return str(request.param)


@pytest.fixture
async def db_and_location(backend: str, tmp_path: Path) -> AsyncIterator[tuple[Database, str]]:
    async with open_backend(backend, tmp_path) as opened:
        yield opened


@pytest.fixture
def db(db_and_location: tuple[Database, str]) -> Database:
    """An open, migrated database on the test's backend."""
    return db_and_location[0]
