"""Storage: migrations on empty and existing files, newer databases refused, atomic transactions."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.storage import PAGE_SIZE, Database, Migration, StorageError, load_migrations, split_statements


async def test_migrates_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "bot.db"
    async with Database(path) as db:
        assert await db.schema_version() == db.latest_version > 0
        assert await db.integrity_check() == "ok"
        row = await db.fetchone("PRAGMA journal_mode")
        assert row is not None and row[0] == "wal"
        row = await db.fetchone("PRAGMA foreign_keys")
        assert row is not None and row[0] == 1
    assert path.exists()


async def test_a_new_database_has_small_pages_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    async with Database(tmp_path / "new.db") as db:
        assert (await db.fetchone("PRAGMA page_size"))[0] == PAGE_SIZE < 4096
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:  # made with SQLite's default pages, before this setting existed
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE kept (value TEXT)")
        conn.execute("INSERT INTO kept VALUES ('still here')")
    async with Database(old) as db:
        assert (await db.fetchone("PRAGMA page_size"))[0] == 4096
        assert (await db.fetchone("SELECT value FROM kept"))[0] == "still here"
        await db.execute("INSERT INTO kept VALUES ('and this')")
    with sqlite3.connect(old) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM kept").fetchone()[0] == 2


async def test_reopening_keeps_data_and_applies_only_new_migrations(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    base = load_migrations()
    async with Database(path, base) as db:
        await db.config.set(1, "timezone", "Europe/Paris", actor_id=7)
    extra = Migration(base[-1].version + 1, "9999_extra.sql", ("CREATE TABLE extra (x INTEGER)",))
    async with Database(path, (*base, extra)) as db:
        assert await db.schema_version() == extra.version
        assert await db.config.get(1, "timezone") == "Europe/Paris"
        await db.execute("INSERT INTO extra (x) VALUES (?)", (1,))


async def test_failed_migration_leaves_nothing_half_applied(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    base = load_migrations()
    async with Database(path, base):
        pass
    broken = Migration(base[-1].version + 1, "9999_broken.sql", ("CREATE TABLE half (x)", "NOT SQL AT ALL"))
    with pytest.raises(sqlite3.OperationalError):
        async with Database(path, (*base, broken)):
            pass
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == base[-1].version
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchone() is None


async def test_newer_database_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    before = path.read_bytes()
    with pytest.raises(StorageError, match="newer than this code"):
        async with Database(path):
            pass
    assert path.read_bytes() == before


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    async with Database(tmp_path / "bot.db") as db:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
                raise RuntimeError("boom")
        assert await db.config.get_meta("a") is None


async def test_config_changes_are_audited(tmp_path: Path) -> None:
    async with Database(tmp_path / "bot.db") as db:
        assert await db.config.set(5, "timezone", "UTC", actor_id=1) is None
        assert await db.config.set(5, "timezone", "Asia/Tokyo", actor_id=2) == "UTC"
        await db.config.set(5, "timezone", "Asia/Tokyo", actor_id=3)  # no change, no audit row
        assert await db.config.set_spoiler_channel(5, 77, True, actor_id=2)
        assert not await db.config.set_spoiler_channel(5, 77, True, actor_id=2)
        changes = await db.config.recent_changes(5)
        assert [(c.actor_id, c.key, c.old, c.new) for c in changes] == [
            (2, "spoiler_channel", None, 77),
            (2, "timezone", "UTC", "Asia/Tokyo"),
            (1, "timezone", None, "UTC"),
        ]
        assert await db.config.recent_changes(6) == []


async def test_settings_stored_as_older_versions_spelled_them_read_back_and_compare_alike(
    tmp_path: Path,
) -> None:
    spaced = '{"channel": 5, "days": [0, 1], "time": "19:00:00", "window": 3600}'  # json.dumps(sort_keys)
    value = {"window": 3600, "time": "19:00:00", "channel": 5, "days": [0, 1]}
    async with Database(tmp_path / "bot.db") as db:
        await db.execute(
            "INSERT INTO guild_config (guild_id, key, value) VALUES (?, ?, ?)", (5, "trivia_daily", spaced)
        )
        assert await db.config.get(5, "trivia_daily") == value
        assert await db.config.set(5, "trivia_daily", value, actor_id=1) == value
        assert await db.config.count_changes(5) == 0  # the same value in other spelling: no change logged
        row = await db.fetchone("SELECT value FROM guild_config WHERE guild_id = 5")
        assert row is not None and row[0] == spaced  # and nothing rewritten
        odd = {"big": 2**70, "text": "café ✓", "nested": {"b": [1.5, None, True], "a": {}}}
        await db.config.set(5, "odd", odd, actor_id=1)
        await db.config.set(5, "odd", dict(reversed(odd.items())), actor_id=2)  # same value, keys reordered
        assert await db.config.count_changes(5) == 1
    async with Database(tmp_path / "bot.db") as db:  # read afresh from the file
        assert await db.config.get(5, "odd") == odd
        assert [c.new for c in await db.config.recent_changes(5)] == [odd]


def test_split_statements_keeps_triggers_whole() -> None:
    script = """
    -- a comment
    CREATE TABLE a (x INTEGER);
    CREATE TRIGGER t AFTER INSERT ON a BEGIN
        UPDATE a SET x = 1;
    END;
    """
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


def test_shipped_migrations_are_numbered_and_parse() -> None:
    migrations = load_migrations()
    versions = [m.version for m in migrations]
    assert versions == sorted(set(versions))
    with sqlite3.connect(":memory:") as conn:
        for migration in migrations:
            for statement in migration.statements:
                conn.execute(statement)


async def test_cached_settings_follow_writes(tmp_path: Path) -> None:
    async with Database(tmp_path / "bot.db") as db:
        assert await db.config.get(9, "timezone", "UTC") == "UTC"  # fills the cache
        await db.config.set(9, "timezone", "Asia/Tokyo", actor_id=1)
        assert await db.config.get(9, "timezone") == "Asia/Tokyo"
        assert not await db.config.is_spoiler_channel(9, 5)
        await db.config.set_spoiler_channel(9, 5, True, actor_id=1)
        assert await db.config.is_spoiler_channel(9, 5)
        copy = await db.config.get_all(9)
        copy["timezone"] = "mutated by a caller"
        assert await db.config.get(9, "timezone") == "Asia/Tokyo"


async def _vm_steps(db: Database, work: Callable[[], Awaitable[Any]]) -> int:
    """SQLite virtual-machine steps `work` takes (counted in tens, on both connections): a cost that
    grows with the rows a query reads, and unlike a timing is the same on every machine."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    await db.set_progress_handler(count, 10)
    await work()
    await db.set_progress_handler(None, 10)
    return steps[0]


async def test_a_servers_next_job_is_found_without_reading_other_servers_jobs(tmp_path: Path) -> None:
    due = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    async with Database(tmp_path / "bot.db") as db:
        await db.jobs.add("trivia.daily", "daily:1:a", due + timedelta(days=30), guild_id=1)

        def others(first: int, count: int) -> Callable[[Any], None]:
            def insert(tx: Any) -> None:
                for n in range(first, first + count):  # all sooner than guild 1's job, as polls' closes are
                    soon = due + timedelta(minutes=n)
                    tx.execute(*db.jobs.insert("wp.close", f"close:{n}", soon, guild_id=2 + n))

            return insert

        await db.atomic(others(0, 50))
        few = await _vm_steps(db, lambda: db.jobs.next_due_for("trivia.daily", 1))
        await db.atomic(others(50, 5000))
        many = await _vm_steps(db, lambda: db.jobs.next_due_for("trivia.daily", 1))
        assert await db.jobs.next_due_for("trivia.daily", 1) == (due + timedelta(days=30)).timestamp()
        assert few > 0, "the read was counted"
        assert many <= few + 5, f"{few} steps with 50 other jobs, {many} with 5,050"


async def test_replacing_a_job_with_the_very_same_job_writes_nothing(tmp_path: Path) -> None:
    due = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    async with Database(tmp_path / "bot.db") as db:
        step = db.jobs.replacing("trivia.daily", "daily:1:", "daily:1:a", due, guild_id=1)
        assert await db.atomic(step)
        ran: list[str] = []
        await db.set_trace_callback(ran.append)
        assert await db.atomic(step)  # a moderator sets the same daily question again
        assert not [sql for sql in ran if sql.lstrip().upper().startswith(("DELETE", "INSERT", "UPDATE"))]
        later = db.jobs.replacing(
            "trivia.daily", "daily:1:", "daily:1:a", due + timedelta(days=1), guild_id=1
        )
        assert await db.atomic(later)  # the same key at another time is a change
        await db.set_trace_callback(None)
        found = await db.jobs.get("trivia.daily", "daily:1:a")
        assert found is not None and found[0].due_at == due + timedelta(days=1) and found[1] == "pending"


async def test_replacing_a_servers_job_reads_only_that_servers_jobs(tmp_path: Path) -> None:
    due = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    async with Database(tmp_path / "bot.db") as db:

        def others(first: int, count: int) -> Callable[[Any], None]:
            def insert(tx: Any) -> None:
                for n in range(first, first + count):  # other servers' daily questions and polls
                    tx.execute(*db.jobs.insert("trivia.daily", f"daily:{n + 2}:a", due, guild_id=n + 2))
                    tx.execute(*db.jobs.insert("wp.close", f"close:{n}", due, guild_id=n + 2))

            return insert

        async def replace(slot: str) -> Any:
            step = db.jobs.replacing("trivia.daily", "daily:1:", f"daily:1:{slot}", due, guild_id=1)
            return await db.atomic(step)

        await replace("a")
        await db.atomic(others(0, 50))
        few = await _vm_steps(db, lambda: replace("b"))
        await db.atomic(others(50, 3000))
        many = await _vm_steps(db, lambda: replace("c"))
        assert many <= few + 5, f"{few} steps with 100 other jobs, {many} with 6,100"
        assert await db.jobs.get("trivia.daily", "daily:1:b") is None  # replaced, not kept beside
        assert (await db.jobs.get("trivia.daily", "daily:1:c")) is not None
        assert (await db.jobs.get("trivia.daily", "daily:7:a")) is not None  # another server's stays
        await db.atomic(db.jobs.cancelling("trivia.daily", "daily:1:", guild_id=1))
        assert await db.jobs.get("trivia.daily", "daily:1:c") is None
