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
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

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
                await conn.execute("ROLLBACK")
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
                try:
                    yield Transaction(conn)
                except BaseException:
                    if conn.in_transaction:
                        await conn.execute("ROLLBACK")
                    raise
                if conn.in_transaction:
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
        conn = await self._statement_turn()
        return await _in_worker(conn, partial(_run, sql=sql, params=tuple(params), begin=False))

    async def atomic(self, work: Callable[[Atomic], T]) -> T:
        """Run `work` (plain code, no awaits) in one write transaction on the database thread: one hand-off
        for a read-check-write sequence; committed when it returns, rolled back if it raises."""
        conn = await self._statement_turn()
        return await _in_worker(conn, partial(_atomic, work=work))

    async def batch(
        self, statements: Sequence[tuple[str, Iterable[Any]]], *, chained: bool = False
    ) -> list[int]:
        """Run write statements in one transaction with one hand-off; the rows each changed.

        With `chained`, a statement that changes nothing ends the batch (the rest depend on it), still committed.
        """
        conn = await self._statement_turn()
        prepared = [(sql, tuple(params)) for sql, params in statements]
        return await _in_worker(conn, partial(_batch, statements=prepared, chained=chained))

    async def integrity_check(self) -> str:
        row = await self.fetchone("PRAGMA integrity_check")
        return str(row[0]) if row else "no answer"


class Transaction:
    """Statements inside `Database.transaction()`: each is one hand-off to the database thread, and the
    transaction begins (BEGIN IMMEDIATE) in the same hand-off as its first statement."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        return next(iter(await self.fetchall(sql, params)), None)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        begin = not self._conn.in_transaction
        return await _in_worker(self._conn, partial(_fetch, sql=sql, params=tuple(params), begin=begin))

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; returns the rows changed."""
        begin = not self._conn.in_transaction
        return await _in_worker(self._conn, partial(_run, sql=sql, params=tuple(params), begin=begin))

    async def executemany(self, sql: str, params: Iterable[Iterable[Any]]) -> None:
        rows = [tuple(p) for p in params]
        await _in_worker(self._conn, partial(_many, sql=sql, rows=rows, begin=not self._conn.in_transaction))


T = TypeVar("T")


class Atomic:
    """The statements of `Database.atomic` work, run where the connection lives (plain calls, no awaits)."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        row: aiosqlite.Row | None = self._raw.execute(sql, tuple(params)).fetchone()
        return row

    def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        return self._raw.execute(sql, tuple(params)).fetchall()

    def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        return int(self._raw.execute(sql, tuple(params)).rowcount)


def _atomic(raw: sqlite3.Connection, *, work: Callable[[Atomic], T]) -> T:
    raw.execute("BEGIN IMMEDIATE")
    try:
        result = work(Atomic(raw))
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    return result


async def _in_worker(conn: aiosqlite.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run `work(sqlite3 connection)` on aiosqlite's worker thread: one hand-off, however many statements.

    aiosqlite's own helpers (execute_fetchall, execute_insert, cursors) all go through this same
    `Connection._execute` queue; calling it directly lets a transaction's BEGIN travel with its first
    statement and a write batch travel whole.
    """
    result: T = await conn._execute(work, conn._conn)
    return result


def _fetch(raw: sqlite3.Connection, *, sql: str, params: tuple[Any, ...], begin: bool) -> list[aiosqlite.Row]:
    if begin:
        raw.execute("BEGIN IMMEDIATE")
    return raw.execute(sql, params).fetchall()


def _run(raw: sqlite3.Connection, *, sql: str, params: tuple[Any, ...], begin: bool) -> int:
    if begin:
        raw.execute("BEGIN IMMEDIATE")
    return int(raw.execute(sql, params).rowcount)


def _many(raw: sqlite3.Connection, *, sql: str, rows: list[tuple[Any, ...]], begin: bool) -> None:
    if begin:
        raw.execute("BEGIN IMMEDIATE")
    raw.executemany(sql, rows)


def _batch(
    raw: sqlite3.Connection, *, statements: list[tuple[str, tuple[Any, ...]]], chained: bool
) -> list[int]:
    raw.execute("BEGIN IMMEDIATE")
    try:
        counts: list[int] = []
        for sql, params in statements:
            counts.append(int(raw.execute(sql, params).rowcount))
            if chained and counts[-1] == 0:
                break
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    return counts
