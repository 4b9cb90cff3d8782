"""Fixtures shared by every test package: the storage backend a store test runs on.

Hypothesis runs with a fixed seed (the "ci" profile), so a failure found once is found every time;
`HYPOTHESIS_PROFILE=explore` draws fresh random examples instead (for hunting new failures locally).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from bot.storage import Database
from tests.backends import BACKENDS, open_backend

settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("explore", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


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
