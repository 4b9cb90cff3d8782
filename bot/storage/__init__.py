"""SQLite storage: one connection owned by the bot, numbered migrations, typed stores.

All SQL in the project lives in this package. Cogs call the typed methods of the
stores hanging off `Database` (`db.config`, `db.progress`, `db.jobs`, `db.trivia`,
`db.watchparty`) and never write SQL themselves.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import aiosqlite

from bot.storage.config import ConfigStore
from bot.storage.jobs import JobStore
from bot.storage.progress import ProgressStore
from bot.storage.trivia import TriviaStore
from bot.storage.watchparty import WatchPartyStore

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Under Discord's 3 s interaction deadline, so a member waiting on a locked database still gets an answer.
BUSY_TIMEOUT_MS = 2000


class StorageError(Exception):
    """The database cannot be used as it is (for example, it is newer than this code)."""


def is_busy_error(error: BaseException) -> bool:
    """SQLite gave up waiting for another writer (after the busy timeout)."""
    return isinstance(error, sqlite3.OperationalError) and any(
        word in str(error).lower() for word in ("locked", "busy")
    )


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def load_migrations(directory: Path = MIGRATIONS_DIR) -> tuple[Migration, ...]:
    """Read the numbered .sql files in order; numbers must be unique."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise StorageError(f"migration file {path.name} is not named NNNN_name.sql")
        version = int(match.group(1))
        if version in found:
            raise StorageError(f"two migrations are numbered {version}")
        found[version] = Migration(version, path.name, split_statements(path.read_text(encoding="utf-8")))
    return tuple(found[v] for v in sorted(found))


def split_statements(script: str) -> tuple[str, ...]:
    """Split a SQL script into complete statements (so each migration runs in our own transaction)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise StorageError(f"migration ends with an incomplete statement: {buffer.strip()[:60]!r}")
    return tuple(statements)


class Database:
    """The bot's one SQLite connection, with WAL, foreign keys and a busy timeout."""

    def __init__(self, path: Path, migrations: Iterable[Migration] | None = None) -> None:
        self.path = path
        self._migrations = tuple(migrations) if migrations is not None else load_migrations()
        self._conn: aiosqlite.Connection | None = None
        # Held for the whole of a write transaction; lone statements need no lock (aiosqlite runs them in
        # order on its one worker thread) and only wait on `_idle` while a transaction is open.
        self._lock = asyncio.Lock()
        self._idle = asyncio.Event()
        self._idle.set()
        self.config = ConfigStore(self)
        self.progress = ProgressStore(self)
        self.jobs = JobStore(self)
        self.trivia = TriviaStore(self)
        self.watchparty = WatchPartyStore(self)

    @property
    def latest_version(self) -> int:
        return self._migrations[-1].version if self._migrations else 0

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def open(self) -> None:
        """Open the file (creating its folder), set pragmas and apply pending migrations."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await self._check_version(conn)
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await self._migrate(conn)
        except BaseException:
            await conn.close()
            raise
        self._conn = conn

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            async with self._lock:
                await conn.close()

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def _check_version(self, conn: aiosqlite.Connection) -> None:
        async with conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        current = int(row[0]) if row else 0
        if current > self.latest_version:
            raise StorageError(
                f"{self.path} has schema version {current}, newer than this code knows ({self.latest_version}). "
                "Upgrade the bot; the database was left untouched."
            )

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        async with conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        current = int(row[0]) if row else 0
        for migration in self._migrations:
            if migration.version <= current:
                continue
            log.info("Applying migration %s", migration.name)
            await conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in migration.statements:
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {migration.version:d}")
                await conn.execute("COMMIT")
            except BaseException:
                await _rollback(conn)
                raise

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StorageError("the database is not open")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One write transaction at a time; committed on success, rolled back on any error.

        Lone statements issued meanwhile wait until it ends, so none of them runs inside it.
        """
        async with self._lock:
            conn = self.conn
            self._idle.clear()
            try:
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    yield Transaction(conn)
                except BaseException:
                    await _rollback(conn)
                    raise
                await conn.execute("COMMIT")
            finally:
                self._idle.set()

    async def _statement_turn(self) -> aiosqlite.Connection:
        """The connection, once no transaction is open on it (no wait at all in the common case)."""
        while not self._idle.is_set():
            await self._idle.wait()
        return self.conn

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        rows = await (await self._statement_turn()).execute_fetchall(sql, tuple(params))
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        return list(await (await self._statement_turn()).execute_fetchall(sql, tuple(params)))

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write statement (atomic on its own, no explicit transaction); returns the rows changed."""
        return await _rowcount(await self._statement_turn(), sql, params)

    async def integrity_check(self) -> str:
        row = await self.fetchone("PRAGMA integrity_check")
        return str(row[0]) if row else "no answer"


class Transaction:
    """Statements inside `Database.transaction()`; each is one hand-off to the database thread."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        return next(iter(await self._conn.execute_fetchall(sql, tuple(params))), None)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        return list(await self._conn.execute_fetchall(sql, tuple(params)))

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; returns the rows changed."""
        return await _rowcount(self._conn, sql, params)

    async def executemany(self, sql: str, params: Iterable[Iterable[Any]]) -> None:
        await self._conn.executemany(sql, [tuple(p) for p in params])


async def _rowcount(conn: aiosqlite.Connection, sql: str, params: Iterable[Any]) -> int:
    # One hand-off: the statement runs to completion in execute(); reading rowcount needs no thread, and
    # the finished cursor is simply dropped (closing it would cost a second hand-off for nothing).
    cursor = await conn.execute(sql, tuple(params))
    return int(cursor.rowcount)


async def _rollback(conn: aiosqlite.Connection) -> None:
    """Roll back unless SQLite already did (it does on a full disk), so the first error is the one raised."""
    if conn.in_transaction:
        await conn.execute("ROLLBACK")
