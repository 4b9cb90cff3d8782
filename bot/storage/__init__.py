"""Storage: SQLite by default (one connection owned by the bot), PostgreSQL at scale; numbered migrations, typed stores.

All SQL in the project lives in this package. Cogs call the typed methods of the
stores hanging off `Database` (`db.config`, `db.progress`, `db.jobs`, `db.trivia`,
`db.watchparty`, `db.discussion`, `db.ratings`) and never write SQL themselves. The stores' SQL is accepted by both
SQLite and PostgreSQL; `PostgresDatabase` (bot/storage/postgres.py) swaps the connection
layer underneath the same stores. `open_database` picks one from the settings.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import aiosqlite

from bot.storage.config import ConfigStore
from bot.storage.discussion import DiscussionStore
from bot.storage.health import Health
from bot.storage.jobs import JobStore
from bot.storage.progress import ProgressStore
from bot.storage.ratings import RatingStore
from bot.storage.readcache import WriteCount
from bot.storage.trivia import TriviaStore
from bot.storage.watchparty import WatchPartyStore

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_POSTGRES_SUFFIX = ".pg.sql"  # a migration's PostgreSQL spelling, where it really differs
# Under Discord's 3 s interaction deadline, so a member waiting on a locked database still gets an answer.
BUSY_TIMEOUT_MS = 2000
# Commits on the loop's thread between WAL checkpoints. A commit writes 5 to 10 pages, so the WAL grows to
# 20-40 MB between checkpoints. Each checkpoint copies every page changed since the last one once, and
# syncs the file: the busiest pages (index leaves, a table's last page) change in almost every commit, so
# rarer checkpoints copy and sync far less for the same writes.
CHECKPOINT_EVERY = 1000
# A new database's page size. A commit writes every page it changed to the WAL, whole: one leaf (and often
# more) of each table and index its rows touched. The bot's rows are small (a trivia question's, with its
# snapshot, is under 1 KiB), so with 1 KiB pages a round's start writes a quarter of the bytes it writes with
# SQLite's default 4 KiB. A database made with another size keeps it (SQLite changes a WAL database's page
# size only when it is empty).
PAGE_SIZE = 1024
CHECKPOINT = "PRAGMA wal_checkpoint(PASSIVE)"


class StorageError(Exception):
    """The database cannot be used as it is (for example, it is newer than this code)."""


class DatabaseUnavailable(StorageError):
    """The database server did not answer, even after retrying with backoff."""


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
    postgres: tuple[str, ...] | None = None  # from NNNN_name.pg.sql; else the statements, translated


def load_migrations(directory: Path = MIGRATIONS_DIR) -> tuple[Migration, ...]:
    """Read the numbered .sql files in order; numbers must be unique."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        if path.name.endswith(_POSTGRES_SUFFIX):
            continue
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise StorageError(f"migration file {path.name} is not named NNNN_name.sql")
        version = int(match.group(1))
        if version in found:
            raise StorageError(f"two migrations are numbered {version}")
        postgres_path = path.with_name(path.name.removesuffix(".sql") + _POSTGRES_SUFFIX)
        postgres = (
            split_statements(postgres_path.read_text(encoding="utf-8")) if postgres_path.exists() else None
        )
        statements = split_statements(path.read_text(encoding="utf-8"))
        found[version] = Migration(version, path.name, statements, postgres)
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


SCHEMA_MIGRATIONS = (
    "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
)
RECORD_MIGRATION = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"


def refuse_newer(where: str, known: Iterable[Migration], applied: set[int]) -> None:
    """Refuse a database with migrations this code does not know (it is newer, or from other code)."""
    versions = {m.version for m in known}
    latest = max(versions, default=0)
    unknown = sorted(v for v in applied if v not in versions)
    if unknown:
        raise StorageError(
            f"{where} has schema version {max(unknown)}, newer than this code knows ({latest}). "
            "Upgrade the bot; the database was left untouched."
        )


class Database:
    """The bot's SQLite database (WAL, foreign keys): two connections to one file.

    Statements run on the event loop's own thread, on a connection that never waits (busy timeout 0). An
    indexed read or a small write transaction takes SQLite microseconds from its page cache, far less than
    handing it to a worker thread and back costs the process (thread wake-ups, the GIL changing hands, the
    loop's self-pipe). aiosqlite's connection, on its worker thread with a busy timeout, takes whatever
    must wait or may be slow:
    - a statement SQLite can't run at once (another process holds the write lock, say), which then waits
      there as before;
    - any write while earlier work is still queued there, so writes keep their order;
    - explicit `transaction()`s, migrations, integrity checks, and the checkpoints that copy the WAL back
      into the file (with their fsync), every `CHECKPOINT_EVERY` commits made on the loop's thread.
    """

    dialect = "sqlite"

    def __init__(self, path: Path, migrations: Iterable[Migration] | None = None) -> None:
        self.path = path
        self._migrations = tuple(migrations) if migrations is not None else load_migrations()
        self._conn: aiosqlite.Connection | None = None
        self._local: sqlite3.Connection | None = None  # the loop thread's connection
        self._writes_queued = 0  # writes handed to the worker thread and not yet answered
        self._commits_here = 0  # commits on the loop's thread since the last checkpoint
        self._checkpoint: asyncio.Task[None] | None = None
        # Held for the whole of an explicit transaction; other units of work need no lock (they run whole on
        # the loop's thread, or in order on the worker) and only wait on `_idle` while a transaction is open.
        self._lock = asyncio.Lock()
        self.health = Health()
        self.writes = WriteCount()  # what `ReadCache`s check: no write began or ended since a read
        self._idle = asyncio.Event()
        self._idle.set()
        self.config = ConfigStore(self)
        self.progress = ProgressStore(self)
        self.jobs = JobStore(self)
        self.trivia = TriviaStore(self)
        self.watchparty = WatchPartyStore(self)
        self.discussion = DiscussionStore(self)
        self.ratings = RatingStore(self)

    @property
    def location(self) -> str:
        """Where the data lives, for messages."""
        return str(self.path)

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
        conn = await aiosqlite.connect(self.path, isolation_level=None, cached_statements=512)
        conn.row_factory = aiosqlite.Row
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await self._check_version(conn)
            await conn.execute(f"PRAGMA page_size = {PAGE_SIZE:d}")  # takes effect on a new, empty file only
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await self._migrate(conn)
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        self._local = self._open_local()

    def _open_local(self) -> sqlite3.Connection:
        local = sqlite3.connect(self.path, isolation_level=None, cached_statements=512)
        local.row_factory = aiosqlite.Row
        local.execute("PRAGMA busy_timeout = 0")  # never wait on the loop: the worker thread waits instead
        local.execute("PRAGMA synchronous = NORMAL")
        local.execute("PRAGMA foreign_keys = ON")
        local.execute("PRAGMA wal_autocheckpoint = 0")  # checkpoints (and their fsync) run on the worker
        return local

    async def set_trace_callback(self, callback: Callable[[str], object]) -> None:
        """Have `callback` see every statement either connection runs (for tests and debugging)."""
        await self.conn.set_trace_callback(callback)
        if self._local is not None:
            self._local.set_trace_callback(callback)

    async def set_progress_handler(self, handler: Callable[[], int] | None, n: int) -> None:
        """SQLite's progress handler (called every `n` virtual-machine steps) on both connections: a cost a
        test can count that, unlike a timing, is the same on every machine."""
        raw = self.conn._conn  # the sqlite3 connection aiosqlite owns: set on its own thread
        await self._handed_off(self.conn, lambda _: raw.set_progress_handler(handler, n))
        if self._local is not None:
            self._local.set_progress_handler(handler, n)

    async def close(self) -> None:
        if self._checkpoint is not None:
            await self._checkpoint
        if self._local is not None:
            local, self._local = self._local, None
            local.close()
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
        async with conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        ) as cursor:
            recorded = await cursor.fetchone() is not None
        applied: set[int] = set()
        if recorded:
            async with conn.execute("SELECT version FROM schema_migrations") as cursor:
                applied = {int(r[0]) for r in await cursor.fetchall()}
        refuse_newer(self.location, self._migrations, applied | ({current} if current else set()))

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        async with conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        current = int(row[0]) if row else 0
        await conn.execute(SCHEMA_MIGRATIONS)
        async with conn.execute("SELECT version FROM schema_migrations") as cursor:
            applied = {int(r[0]) for r in await cursor.fetchall()}
        if not applied and current:  # a database from before migrations were recorded one by one
            applied = {m.version for m in self._migrations if m.version <= current}
            await conn.executemany(
                RECORD_MIGRATION,
                [(m.version, m.name, time.time()) for m in self._migrations if m.version in applied],
            )
        for migration in self._migrations:
            if migration.version in applied:
                continue
            log.info("Applying migration %s", migration.name)
            await conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in migration.statements:
                    await conn.execute(statement)
                await conn.execute(RECORD_MIGRATION, (migration.version, migration.name, time.time()))
                await conn.execute(f"PRAGMA user_version = {max(current, migration.version):d}")
                await conn.execute("COMMIT")
            except BaseException:
                await _rollback(conn)
                raise
            current = max(current, migration.version)

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
                with self.writes.writing():
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

    # fetchone, fetchall, execute and atomic carry almost every statement the stores run: each goes straight
    # to `_unit`, one coroutine deep, with its statement bound once.

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        rows = await self._unit(partial(_fetch, sql=sql, params=tuple(params), begin=False), writes=False)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        return await self._unit(partial(_fetch, sql=sql, params=tuple(params), begin=False), writes=False)

    async def fetch_many(self, queries: Sequence[tuple[str, Iterable[Any]]]) -> list[list[aiosqlite.Row]]:
        """Several queries' rows, in order (a page that shows several lists reads them together)."""
        prepared = [(sql, tuple(params)) for sql, params in queries]
        return await self._run(partial(_fetch_many, queries=prepared), writes=False)

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write statement (atomic on its own, no explicit transaction); returns the rows changed."""
        with self.writes.writing():
            return await self._unit(partial(_run, sql=sql, params=tuple(params), begin=False), writes=True)

    async def atomic(self, work: Callable[[Atomic], T]) -> T:
        """Run `work` (plain code, no awaits) in one write transaction: a read-check-write sequence as one
        unit; committed when it returns, rolled back if it raises (and run again from the start on the
        worker thread if SQLite could not go on without waiting)."""
        with self.writes.writing():
            return await self._unit(partial(_atomic, work=work), writes=True)

    async def batch(
        self, statements: Sequence[tuple[str, Iterable[Any]]], *, chained: bool = False
    ) -> list[int]:
        """Run write statements in one transaction; the rows each changed.

        With `chained`, a statement that changes nothing ends the batch (the rest depend on it), still committed.
        """
        prepared = [(sql, tuple(params)) for sql, params in statements]
        return await self._run(partial(_batch, statements=prepared, chained=chained), writes=True)

    async def _run(self, work: Callable[[sqlite3.Connection], T], *, writes: bool) -> T:
        """`work` on the loop's thread when it can run there at once, else in one hand-off to the worker."""
        if not writes:
            return await self._unit(work, writes=False)
        with self.writes.writing():
            return await self._unit(work, writes=True)

    async def _unit(self, work: Callable[[sqlite3.Connection], T], *, writes: bool) -> T:
        conn = self.conn if self._idle.is_set() else await self._statement_turn()
        local = self._local
        if local is not None and not (writes and self._writes_queued):
            try:
                result = work(local)
            except sqlite3.OperationalError as error:
                if not is_busy_error(error):
                    raise
            else:
                if writes:
                    self._committed_here()
                return result
        return await self._handed_off(conn, work, writes=writes)

    async def _handed_off(
        self, conn: aiosqlite.Connection, work: Callable[[sqlite3.Connection], T], *, writes: bool = False
    ) -> T:
        """`work` on the worker thread. While a write waits there, later writes queue behind it, so writes
        keep their order; a checkpoint or a long read there holds up nothing on the loop."""
        if not writes:
            return await _in_worker(conn, work)
        self._writes_queued += 1
        try:
            return await _in_worker(conn, work)
        finally:
            self._writes_queued -= 1

    def _committed_here(self) -> None:
        self._commits_here += 1
        if self._commits_here >= CHECKPOINT_EVERY and (self._checkpoint is None or self._checkpoint.done()):
            self._commits_here = 0
            self._checkpoint = asyncio.get_running_loop().create_task(
                self._copy_back(), name="wal-checkpoint"
            )

    async def _copy_back(self) -> None:
        """Copy the WAL's pages back into the database file, on the worker thread (it may fsync).

        It goes there as a write: until it is done, the loop's writes queue behind it on the worker. So no
        commit lands while it copies, it copies the whole log, and the next write starts the log again from
        its beginning. With commits still landing on the loop meanwhile, a checkpoint never caught up with
        them: the log never restarted and grew with every commit (to hundreds of MB in a benchmark's run),
        and each commit and read cost more as it grew."""
        try:
            await self._handed_off(
                self.conn, partial(_fetch, sql=CHECKPOINT, params=(), begin=False), writes=True
            )
        except sqlite3.Error as error:  # the WAL keeps the data; the next checkpoint tries again
            log.warning("Copying the SQLite WAL back into %s failed: %s", self.location, error)

    async def integrity_check(self) -> str:
        """SQLite's own check of every page: a long read, so on the worker thread, never the loop's."""
        rows = await self._handed_off(
            self.conn, partial(_fetch, sql="PRAGMA integrity_check", params=(), begin=False)
        )
        return str(rows[0][0]) if rows else "no answer"


def database_for(*, url: str | None, path: Path, pool_size: int = 10) -> Database:
    """PostgreSQL when a DATABASE_URL is set, else SQLite at DATABASE_PATH (the default)."""
    if url:
        from bot.storage.postgres import PostgresDatabase

        return PostgresDatabase(url, pool_size=pool_size)
    return Database(path)


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


Step = Callable[[Atomic], Any]  # one store's write, to run inside another's transaction (Database.atomic)


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


def _fetch_many(
    raw: sqlite3.Connection, *, queries: list[tuple[str, tuple[Any, ...]]]
) -> list[list[aiosqlite.Row]]:
    return [raw.execute(sql, params).fetchall() for sql, params in queries]


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


async def _rollback(conn: aiosqlite.Connection) -> None:
    """Roll back unless SQLite already did (it does on a full disk), so the first error is the one raised."""
    if conn.in_transaction:
        await conn.execute("ROLLBACK")
