"""PostgreSQL through asyncpg: a bounded pool under the same typed stores as SQLite.

Selected by `DATABASE_URL=postgresql://...`. The stores' SQL is shared (see `bot.storage.dialect`); what
differs lives here: the pool, the migration record, retries on connection loss, and how writers are kept
exact. Every write (a transaction or a single statement) first takes one transaction-scoped advisory lock,
so writers run one at a time across every process, as SQLite's BEGIN IMMEDIATE does within one file: each
store's read-then-write reasoning holds unchanged under several processes. Reads never wait for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from bot.storage import (
    Atomic,
    Database,
    DatabaseUnavailable,
    Migration,
    StorageError,
    Transaction,
    refuse_newer,
)
from bot.storage.dialect import ConstraintViolation, ddl_to_postgres, returns_rows, rowcount, to_postgres

log = logging.getLogger(__name__)

WRITE_LOCK = 0x46494C4D  # pg_advisory_xact_lock key: "FILM"
MIGRATION_LOCK = 0x46494C4E
RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8)  # about 1.5 s in all: within Discord's 3 s deadline
STARTUP_DELAYS = (0.1, 0.2, 0.5, 1.0, *(2.0,) * 7)  # about 16 s for a server still starting
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
    TimeoutError,
)
T = TypeVar("T")


class PostgresTransaction(Transaction):
    """Statements inside `PostgresDatabase.transaction()`, on one pooled connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._pg = conn

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Any:
        return await self._pg.fetchrow(to_postgres(sql), *tuple(params))

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        return list(await self._pg.fetch(to_postgres(sql), *tuple(params)))

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        return await run(self._pg, sql, tuple(params))

    async def executemany(self, sql: str, params: Iterable[Iterable[Any]]) -> None:
        await self._pg.executemany(to_postgres(sql), [tuple(p) for p in params])


async def run(conn: asyncpg.Connection, sql: str, params: tuple[Any, ...]) -> int:
    """Run one statement; returns the rows it changed (or returned)."""
    query = to_postgres(sql)
    if returns_rows(sql):
        return len(await conn.fetch(query, *params))
    return rowcount(await conn.execute(query, *params))


class _BridgedAtomic:
    """`Atomic`'s plain calls, each run as the transaction's async statement on the event loop."""

    def __init__(self, tx: Transaction, loop: asyncio.AbstractEventLoop) -> None:
        self._tx, self._loop = tx, loop

    def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Any:
        return asyncio.run_coroutine_threadsafe(self._tx.fetchone(sql, params), self._loop).result()

    def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        return asyncio.run_coroutine_threadsafe(self._tx.fetchall(sql, params), self._loop).result()

    def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        return asyncio.run_coroutine_threadsafe(self._tx.execute(sql, params), self._loop).result()


class PostgresDatabase(Database):
    """The same stores over a bounded asyncpg pool."""

    dialect = "postgresql"

    def __init__(
        self, url: str, migrations: Iterable[Migration] | None = None, *, pool_size: int = 10
    ) -> None:
        super().__init__(Path(), migrations)  # no file: `location` names the server instead
        self.url = url
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        """Connect (retrying while the server starts), refuse a newer schema, apply pending migrations."""
        pool = await self._retry(
            lambda: asyncpg.create_pool(
                self.url,
                min_size=1,
                max_size=self.pool_size,
                command_timeout=30,
                max_inactive_connection_lifetime=60,
                reset=_keep_session,
            ),
            STARTUP_DELAYS,
            report=False,
        )
        assert pool is not None
        try:
            async with pool.acquire() as conn:
                await self._migrate_pg(conn)
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    @property
    def location(self) -> str:
        return _display(self.url)

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StorageError("the database is not open")
        return self._pool

    # --- queries ------------------------------------------------------------------------------------------

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Any:
        values = tuple(params)
        return await self._retry(lambda: self._read(lambda c: c.fetchrow(to_postgres(sql), *values)))

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        values = tuple(params)
        return list(await self._retry(lambda: self._read(lambda c: c.fetch(to_postgres(sql), *values))))

    async def fetch_many(self, queries: Sequence[tuple[str, Iterable[Any]]]) -> list[list[Any]]:
        """Several queries' rows, in order, on one connection."""
        prepared = [(to_postgres(sql), tuple(params)) for sql, params in queries]

        async def read(conn: asyncpg.Connection) -> list[list[Any]]:
            return [list(await conn.fetch(sql, *params)) for sql, params in prepared]

        return await self._retry(lambda: self._read(read))

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """One write statement, atomic, taking its turn among writers; returns the rows changed."""
        values = tuple(params)

        async def write() -> int:
            async with self.pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
                return await run(conn, sql, values)

        with self.writes.writing():  # the write count `ReadCache`s check
            return await self._retry(write)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One writer at a time across processes; committed on success, rolled back on any error.

        Getting a connection and the write turn is retried; a connection lost inside the block is not (the
        block cannot be run twice) and surfaces as DatabaseUnavailable, the transaction rolled back.
        """

        async def begin() -> tuple[asyncpg.Connection, Any]:
            conn = await self.pool.acquire()
            try:
                tx = conn.transaction()
                await tx.start()
                await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
            except BaseException:
                await self.pool.release(conn)
                raise
            return conn, tx

        with self.writes.writing():  # the write count `ReadCache`s check
            conn, tx = await self._retry(begin)
            try:
                try:
                    yield PostgresTransaction(conn)
                except CONNECTION_ERRORS as error:
                    self.health.failed(error)
                    raise DatabaseUnavailable(f"PostgreSQL went away mid-transaction: {error}") from error
                except BaseException as error:
                    with contextlib.suppress(*CONNECTION_ERRORS):
                        await tx.rollback()
                    if isinstance(error, asyncpg.IntegrityConstraintViolationError):
                        raise ConstraintViolation(str(error)) from error
                    raise
                try:
                    await tx.commit()
                except CONNECTION_ERRORS as error:
                    self.health.failed(error)
                    raise DatabaseUnavailable(f"PostgreSQL went away while committing: {error}") from error
            finally:
                await self.pool.release(conn)

    async def batch(
        self, statements: Sequence[tuple[str, Iterable[Any]]], *, chained: bool = False
    ) -> list[int]:
        """Write statements in one transaction (see `Database.batch`)."""
        counts: list[int] = []
        async with self.transaction() as tx:
            for sql, params in statements:
                counts.append(await tx.execute(sql, params))
                if chained and counts[-1] == 0:
                    break
        return counts

    async def atomic(self, work: Callable[[Atomic], T]) -> T:
        """Run `work` in one transaction (see `Database.atomic`). Its plain calls are bridged to this
        transaction's async statements: `work` runs in a worker thread and waits for each on the loop."""
        loop = asyncio.get_running_loop()
        async with self.transaction() as tx:
            return await asyncio.to_thread(work, _BridgedAtomic(tx, loop))  # type: ignore[arg-type]

    async def _read(self, query: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        async with self.pool.acquire() as conn:
            return await query(conn)

    async def _retry(
        self,
        attempt: Callable[[], Awaitable[T]],
        delays: tuple[float, ...] = RETRY_DELAYS,
        *,
        report: bool = True,
    ) -> T:
        """Retry on connection loss with backoff; DatabaseUnavailable when it does not come back in time.

        `report` keeps `health` (and its log lines) up to date; start-up leaves it out and says it once."""
        for delay in (*delays, None):
            try:
                result = await attempt()
            except asyncpg.IntegrityConstraintViolationError as error:
                raise ConstraintViolation(str(error)) from error
            except CONNECTION_ERRORS as error:
                reason = f"{type(error).__name__}: {error}"[:200]
                if report:
                    self.health.failed(error)
                if delay is None:
                    raise DatabaseUnavailable(
                        f"PostgreSQL at {self.location} is unreachable: {reason}"
                    ) from error
                await asyncio.sleep(delay)
            else:
                if report:
                    self.health.answered()
                return result
        raise AssertionError("unreachable")

    # --- schema -------------------------------------------------------------------------------------------

    async def schema_version(self) -> int:
        row = await self.fetchone("SELECT MAX(version) FROM schema_migrations")
        return int(row[0]) if row and row[0] is not None else 0

    async def integrity_check(self) -> str:
        row = await self.fetchone("SELECT 1")
        return "ok" if row else "no answer"

    async def _migrate_pg(self, conn: asyncpg.Connection) -> None:
        """Apply each known migration not yet recorded, in order, one transaction each, one process at a time."""
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        try:
            exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
            applied = (
                {int(r[0]) for r in await conn.fetch("SELECT version FROM schema_migrations")}
                if exists
                else set()
            )
            refuse_newer(self.location, self._migrations, applied)
            await conn.execute(to_postgres(SCHEMA_MIGRATIONS_PG))
            for migration in self._migrations:
                if migration.version in applied:
                    continue
                log.info("Applying migration %s (PostgreSQL)", migration.name)
                async with conn.transaction():
                    for statement in postgres_statements(migration):
                        await conn.execute(statement)
                    await resync_identities(conn)
                    await conn.execute(
                        to_postgres(
                            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"
                        ),
                        migration.version,
                        migration.name,
                        time.time(),
                    )
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


SCHEMA_MIGRATIONS_PG = (
    "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)"
)


def postgres_statements(migration: Migration) -> list[str]:
    """A migration's PostgreSQL statements: its .pg.sql if it has one, else its SQLite ones translated."""
    if migration.postgres is not None:
        return list(migration.postgres)
    return [s for s in (ddl_to_postgres(statement) for statement in migration.statements) if s]


async def resync_identities(conn: asyncpg.Connection) -> None:
    """Move each identity sequence past the largest id (a migration may copy rows with their ids)."""
    columns = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'"
    )
    for table, column in columns:
        await conn.execute(
            f'SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, false)',
            table,
            column,
        )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool release without asyncpg's reset query (a round trip per query): the stores leave no session
    state behind (advisory locks are transaction-scoped; migrations release theirs), so there is none to reset."""


def _display(url: str) -> str:
    """The address without a password, for messages."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{tail}"
