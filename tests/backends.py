"""Both storage backends for the store tests: SQLite in a temporary file, PostgreSQL in a fresh database.

PostgreSQL is used when TEST_DATABASE_URL names a server the tests may create databases on (`bash .ci/run`
starts a throwaway one and sets it); without it the PostgreSQL cases skip and say why.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.storage import Database, Migration

BACKENDS = ("sqlite", "postgresql")
SKIP_REASON = "PostgreSQL tests need TEST_DATABASE_URL (bash .ci/run starts a throwaway server and sets it)"


def postgres_url() -> str:
    """The test server's address, or skip the test saying how to get one."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        pytest.skip(SKIP_REASON)
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    """A new, empty database on the test server (dropped afterwards): its URL."""
    import asyncpg

    admin_url = postgres_url()
    name = "t_" + secrets.token_hex(6)
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        yield with_database(admin_url, name)
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


def location(backend: str, tmp_path: Path, url: str | None) -> str:
    """Where a second handle on the same data opens: the file, or the database's URL."""
    return url if backend == "postgresql" and url else str(tmp_path / "bot.db")


def handle(backend: str, where: str, migrations: Iterable[Migration] | None = None) -> Database:
    """A (closed) Database on `where` for this backend."""
    if backend == "postgresql":
        from bot.storage.postgres import PostgresDatabase

        return PostgresDatabase(where, migrations, pool_size=4)
    return Database(Path(where), migrations)


@asynccontextmanager
async def open_backend(backend: str, tmp_path: Path) -> AsyncIterator[tuple[Database, str]]:
    """An open Database of this backend, and the location a second handle would open."""
    if backend == "postgresql":
        async with fresh_postgres() as url, handle(backend, url) as db:
            yield db, url
    else:
        where = str(tmp_path / "bot.db")
        async with handle(backend, where) as db:
            yield db, where
