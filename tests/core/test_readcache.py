"""Reads kept until the process writes: `/config show`'s history and next jobs come from memory between writes,
and a read that overlapped a write is never kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.storage import Database
from bot.storage.readcache import ReadCache, WriteCount


class Reads:
    """A read that counts its calls and returns whatever `value` is now."""

    def __init__(self, value: Any) -> None:
        self.value = value
        self.calls = 0

    async def __call__(self) -> Any:
        self.calls += 1
        return self.value


async def test_a_value_is_served_again_until_a_write_begins() -> None:
    writes = WriteCount()
    cache: ReadCache[str, int] = ReadCache(writes)
    read = Reads(1)
    assert [await cache.get("k", read) for _ in range(3)] == [1, 1, 1]
    assert read.calls == 1
    read.value = 2
    with writes.writing():
        assert await cache.get("k", read) == 2  # read afresh while the write is open...
        assert await cache.get("k", read) == 2
    assert read.calls == 3  # ...and not kept
    assert await cache.get("k", read) == 2
    assert await cache.get("k", read) == 2
    assert read.calls == 4


async def test_a_read_that_a_write_overlapped_is_not_kept() -> None:
    writes = WriteCount()
    cache: ReadCache[str, int] = ReadCache(writes)
    started = asyncio.Event()
    done = asyncio.Event()
    calls = 0

    async def slow_read() -> int:
        nonlocal calls
        calls += 1
        started.set()
        await done.wait()
        return calls

    reading = asyncio.create_task(cache.get("k", slow_read))
    await asyncio.wait_for(started.wait(), 5)
    with writes.writing():  # begins and ends while the read is under way
        pass
    done.set()
    assert await asyncio.wait_for(reading, 5) == 1
    assert await cache.get("k", slow_read) == 2  # the overlapped value was not kept


async def test_an_entry_is_read_again_after_its_time_to_live() -> None:
    now = [0.0]
    cache: ReadCache[str, int] = ReadCache(WriteCount(), ttl=0.5, clock=lambda: now[0])
    read = Reads(1)
    await cache.get("k", read)
    now[0] = 0.4
    await cache.get("k", read)
    assert read.calls == 1
    now[0] = 0.6  # another process may have written by now
    read.value = 2
    assert await cache.get("k", read) == 2
    assert read.calls == 2


async def test_the_cache_stops_growing() -> None:
    cache: ReadCache[int, int] = ReadCache(WriteCount(), limit=3)
    for key in range(5):
        await cache.get(key, Reads(key))
    read = Reads(0)
    assert await cache.get(4, read) == 4 and read.calls == 0  # the newest are kept
    assert await cache.get(0, read) == 0 and read.calls == 1  # the oldest made room


async def test_config_history_and_next_jobs_come_from_memory_between_writes(db: Database) -> None:
    due = datetime(2030, 1, 1, 19, tzinfo=UTC)
    await db.config.set(1, "timezone", "Europe/London", actor_id=7)
    await db.jobs.add("discussion.prompt", "prompt:1", due, guild_id=1)
    first = await db.config.history(1, 6, 3)
    assert await db.jobs.next_due_for("discussion.prompt", 1) == due.timestamp()
    seen = db.writes.generation
    queried: list[str] = []
    outermost = [True]

    def counting(name: str) -> Any:
        real = getattr(db, name)

        async def read(*args: Any) -> Any:  # a read as the caller made it (fetchone may call fetch_many)
            if outermost[0]:
                queried.extend([args[0]] if isinstance(args[0], str) else [sql for sql, _ in args[0]])
            was, outermost[0] = outermost[0], False
            try:
                return await real(*args)
            finally:
                outermost[0] = was

        return read

    readers = ("fetchone", "fetchall", "fetch_many")
    for name in readers:
        setattr(db, name, counting(name))
    try:
        for _ in range(5):
            assert await db.config.history(1, 6, 3) == first
            assert await db.jobs.next_due_for("discussion.prompt", 1) == due.timestamp()
        assert queried == [] and db.writes.generation == seen
        # Any write (here one that moves the job) sends the next reads to the database, which see it.
        assert await db.jobs.cancel("discussion.prompt", "prompt:1")
        assert await db.jobs.next_due_for("discussion.prompt", 1) is None
        await db.config.set(1, "timezone", "UTC", actor_id=8)
        changes, _ = await db.config.history(1, 6, 3)
        assert [(c.actor_id, c.new) for c in changes[:1]] == [(8, "UTC")]
        assert len(queried) == 3  # the next job, then the history (changes and problems)
    finally:
        for name in readers:
            delattr(db, name)


async def test_every_kind_of_write_counts(db: Database) -> None:
    writes: list[Any] = [
        lambda: db.execute("UPDATE counters SET value = value WHERE name = 'config'"),
        lambda: db.batch([("UPDATE counters SET value = value WHERE name = 'config'", ())]),
        lambda: db.atomic(lambda tx: tx.execute("UPDATE counters SET value = value WHERE name = 'config'")),
    ]
    for write in writes:
        before = db.writes.generation
        await write()
        assert db.writes.generation == before + 2 and db.writes.open == 0
    before = db.writes.generation
    async with db.transaction() as tx:
        assert db.writes.open == 1
        await tx.execute("UPDATE counters SET value = value WHERE name = 'config'")
    assert db.writes.generation == before + 2 and db.writes.open == 0
    before = db.writes.generation
    with pytest.raises(RuntimeError):
        async with db.transaction():
            raise RuntimeError("rolled back")
    assert db.writes.generation == before + 2 and db.writes.open == 0
    await db.fetchall("SELECT 1")  # reads don't count
    assert db.writes.generation == before + 2
