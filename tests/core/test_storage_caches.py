"""Storage caches and where statements run: hot reads come from memory, writes go through, each unit of work runs
on the loop's thread unless it has to wait."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot import storage
from bot.storage import Database
from bot.storage import config as config_store
from bot.storage.coalesce import WriteCoalescer
from bot.storage.discussion import DiscussionStore, Room
from bot.storage.trivia_rows import AnswerRow, Asked, Scored
from bot.storage.watchparty import NewPoll, WatchPartyStore


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "bot.db") as database:
        yield database


class Statements:
    """Every SQL statement the connection runs while installed (SQLite's trace callback)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def touching(self, table: str) -> list[str]:
        return [s for s in self.seen if table in s]


async def traced(db: Database) -> Statements:
    statements = Statements()
    await db.set_trace_callback(statements.seen.append)
    return statements


async def test_spoiler_channel_lookups_never_query_the_database(db: Database) -> None:
    await db.config.set_spoiler_channel(1, 10, True, actor_id=7)
    assert await db.config.is_spoiler_channel(1, 10)  # the one read that fills the server's entry
    statements = await traced(db)
    for _ in range(50):
        assert await db.config.is_spoiler_channel(1, 10)
        assert not await db.config.is_spoiler_channel(1, 11)
    assert await db.config.spoiler_channels(1) == {10}
    # Changes are written through: the next lookups see them, still without a read.
    await db.config.set_spoiler_channel(1, 11, True, actor_id=7)
    await db.config.set_spoiler_channel(1, 10, False, actor_id=7)
    assert await db.config.is_spoiler_channel(1, 11)
    assert not await db.config.is_spoiler_channel(1, 10)
    assert not any(s.lstrip().upper().startswith("SELECT") for s in statements.touching("spoiler_channels"))
    assert statements.touching("spoiler_channels"), "the writes themselves reached the database"


async def test_spoiler_channels_survive_a_restart(tmp_path: Path) -> None:
    async with Database(tmp_path / "bot.db") as db:
        await db.config.set_spoiler_channel(1, 10, True, actor_id=7)
    async with Database(tmp_path / "bot.db") as db:
        assert await db.config.is_spoiler_channel(1, 10)
        assert not await db.config.is_spoiler_channel(2, 10)


async def test_progress_is_read_once_and_written_through(db: Database) -> None:
    assert await db.progress.get(1, 2, "rush") is None  # fills the cache with "no progress"
    statements = await traced(db)
    assert await db.progress.get(1, 2, "rush") is None
    await db.progress.set(1, 2, "rush", 7)
    assert await db.progress.get(1, 2, "rush") == 7
    assert await db.progress.clear(1, 2, "rush")
    assert await db.progress.get(1, 2, "rush") is None
    assert not await db.progress.clear(1, 2, "rush")
    selects = [s for s in statements.touching("progress") if s.lstrip().upper().startswith("SELECT")]
    assert selects == []


async def test_progress_cache_is_bounded_and_stays_correct(tmp_path: Path) -> None:
    async with Database(tmp_path / "bot.db") as db:
        db.progress._cache_limit = 3
        for user in range(10):
            await db.progress.set(1, user, "rush", user + 1)
        assert len(db.progress._cache) == 3
        assert [await db.progress.get(1, user, "rush") for user in range(10)] == list(range(1, 11))


async def test_progress_persists(tmp_path: Path) -> None:
    async with Database(tmp_path / "bot.db") as db:
        await db.progress.set(1, 2, "rush", 4)
    async with Database(tmp_path / "bot.db") as db:
        assert await db.progress.get(1, 2, "rush") == 4


_SLOTS = itertools.count()


def _everyone_scores(points: int) -> Callable[[Asked, Any, dict[int, int]], list[Scored]]:
    def scorer(asked: Asked, answers: list[AnswerRow], streaks: dict[int, int]) -> list[Scored]:
        return [Scored(a.user_id, points if a.correct else 0, streaks.get(a.user_id, 0) + 1) for a in answers]

    return scorer


async def _answered_question(db: Database, guild: int, users: dict[int, bool]) -> Asked:
    slot = f"slot-{next(_SLOTS)}"
    payload = {"id": slot, "film_key": "rush"}
    asked = await db.trivia.ask(
        guild_id=guild, channel_id=5, payload=payload, mode="buttons", season=1,
        opened_at=0.0, closes_at=1e12, cycle=1, daily_slot=slot,
    )  # fmt: skip
    for user, correct in users.items():
        await db.trivia.record_answer(asked.id, user, "a", correct, 1.0)
    return asked


async def test_standings_are_cached_until_a_reveal_or_new_season(db: Database) -> None:
    asked = await _answered_question(db, 1, {1: True, 2: False})
    await db.trivia.reveal(asked.id, _everyone_scores(10))
    assert [r.user_id for r in await db.trivia.leaderboard(1, 1)] == [1, 2]
    statements = await traced(db)
    for _ in range(5):
        board = await db.trivia.leaderboard(1, 1)
        assert await db.trivia.current_season(1) == 1
        mine = await db.trivia.standing(1, 2, 1)
        rank = await db.trivia.rank_of(1, 2, 1)
        total = await db.trivia.all_time(1, 2)
    assert [r.points for r in board] == [10, 0] and mine is not None and rank == 2 and total is not None
    reads = [s for s in statements.seen if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 4, reads  # season, standing, rank and all-time: once each, the leaderboard not again

    # A reveal changes standings: the next reads show it.
    second = await _answered_question(db, 1, {2: True, 3: True})
    await db.trivia.reveal(second.id, _everyone_scores(20))
    assert [(r.user_id, r.points) for r in await db.trivia.leaderboard(1, 1)] == [(3, 20), (2, 20), (1, 10)]
    assert await db.trivia.rank_of(1, 2, 1) == 1
    # A new season starts empty.
    assert await db.trivia.new_season(1, actor_id=9, now=5.0) == 2
    assert await db.trivia.current_season(1) == 2
    assert await db.trivia.leaderboard(1, 2) == []


async def test_a_reveal_in_one_server_keeps_another_servers_cache(db: Database) -> None:
    await db.trivia.leaderboard(2, 1)
    asked = await _answered_question(db, 1, {1: True})
    await db.trivia.reveal(asked.id, _everyone_scores(10))
    statements = await traced(db)
    assert await db.trivia.leaderboard(2, 1) == []
    assert statements.seen == []


class Counts:
    """Units of work the database ran (each one statement, or one transaction) and how many of them were
    handed to aiosqlite's worker thread (the queue all its helpers use)."""

    def __init__(self) -> None:
        self.count = 0  # units
        self.hand_offs = 0
        self.handed_off = asyncio.Event()


def count_hand_offs(db: Database, monkeypatch: pytest.MonkeyPatch) -> Counts:
    conn, counts = db.conn, Counts()
    real_execute, real_unit = conn._execute, db._unit

    async def handing_off(fn: Any, *args: Any, **kwargs: Any) -> Any:
        counts.hand_offs += 1
        counts.handed_off.set()
        return await real_execute(fn, *args, **kwargs)

    async def running(work: Any, *, writes: bool) -> Any:
        counts.count += 1
        return await real_unit(work, writes=writes)

    monkeypatch.setattr(conn, "_execute", handing_off)
    monkeypatch.setattr(db, "_unit", running)
    return counts


async def test_statements_run_on_the_loop_thread_when_nothing_has_to_wait(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = count_hand_offs(db, monkeypatch)
    assert await db.fetchone("SELECT value FROM meta WHERE key = 'k'") is None
    await db.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
    row = await db.fetchone("SELECT value FROM meta WHERE key = 'k'")  # the write is seen at once
    assert row is not None and row["value"] == "v"
    assert [list(r) for r in await db.fetchall("SELECT 1 UNION SELECT 2")] == [[1], [2]]
    assert [len(rows) for rows in await db.fetch_many([("SELECT 1", ()), ("SELECT 1 WHERE 0", ())])] == [1, 0]
    assert await db.atomic(lambda tx: tx.execute("UPDATE meta SET value = 'w' WHERE key = 'k'")) == 1
    assert counts.count == 6 and counts.hand_offs == 0


def held_worker(db: Database, *, writes: bool) -> tuple[asyncio.Task[None], threading.Event]:
    """Work that keeps the worker thread busy until the event is set (a write, or a checkpoint's kind)."""
    release = threading.Event()

    def hold(raw: sqlite3.Connection) -> None:
        release.wait(5)
        if writes:
            raw.execute("INSERT INTO meta (key, value) VALUES ('k', 'first')")

    return asyncio.create_task(db._handed_off(db.conn, hold, writes=writes)), release


async def test_a_write_waits_its_turn_behind_a_write_waiting_on_the_worker_thread(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = count_hand_offs(db, monkeypatch)
    first, release = held_worker(db, writes=True)
    await asyncio.wait_for(counts.handed_off.wait(), 5)
    counts.handed_off.clear()
    second = asyncio.create_task(db.execute("UPDATE meta SET value = 'second' WHERE key = 'k'"))
    await asyncio.wait_for(counts.handed_off.wait(), 5)  # it went to the worker too, behind the first
    release.set()
    assert await asyncio.wait_for(second, 5) == 1  # behind the first write, so it found the row
    await first
    assert counts.hand_offs == 2 and await db.config.get_meta("k") == "second"
    await db.execute("UPDATE meta SET value = 'w' WHERE key = 'k'")  # nothing queued now: on the loop
    assert counts.hand_offs == 2 and await db.config.get_meta("k") == "w"


async def test_work_on_the_worker_that_writes_nothing_holds_up_no_write_on_the_loop(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = count_hand_offs(db, monkeypatch)
    held, release = held_worker(db, writes=False)  # a checkpoint or an integrity check, say
    await asyncio.wait_for(counts.handed_off.wait(), 5)
    try:
        await db.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
        assert counts.hand_offs == 1 and not held.done()  # ran on the loop while the worker was busy
    finally:
        release.set()
    await asyncio.wait_for(held, 5)
    assert await db.config.get_meta("k") == "v" and await db.integrity_check() == "ok"


async def test_a_statement_that_would_wait_for_another_writer_waits_on_the_worker_thread(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = sqlite3.connect(db.path, isolation_level=None)  # another process's connection, say
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO meta (key, value) VALUES ('theirs', '1')")
    counts = count_hand_offs(db, monkeypatch)
    mine = asyncio.create_task(db.execute("INSERT INTO meta (key, value) VALUES ('mine', '1')"))
    await asyncio.wait_for(counts.handed_off.wait(), 5)  # the loop didn't wait: the worker thread does
    assert not mine.done()
    row = await db.fetchone("SELECT COUNT(*) FROM meta")  # reads never wait for a writer
    assert row is not None and row[0] == 0
    other.execute("COMMIT")
    other.close()
    assert await asyncio.wait_for(mine, 5) == 1
    assert await db.config.get_meta("mine") == "1" and await db.config.get_meta("theirs") == "1"


async def test_the_wal_is_copied_back_into_the_file_from_the_worker_thread(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage, "CHECKPOINT_EVERY", 5)
    loop_thread, where = threading.get_ident(), []
    await db.set_trace_callback(lambda sql: where.append((sql, threading.get_ident() == loop_thread)))
    for n in range(12):
        await db.execute("INSERT INTO meta (key, value) VALUES (?, '1')", (f"k{n}",))
    await db.close()  # waits for a checkpoint still running
    assert (storage.CHECKPOINT, False) in where and (storage.CHECKPOINT, True) not in where
    assert ("INSERT INTO meta (key, value) VALUES ('k0', '1')", True) in where
    async with Database(db.path) as again:
        assert await again.config.get_meta("k11") == "1"


async def test_the_wal_starts_again_while_writes_keep_coming(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writes that never pause (each lets the loop run once, as a busy bot's do) must not grow the log
    without end: each checkpoint copies all of it back, and the next write starts it again."""
    monkeypatch.setattr(storage, "CHECKPOINT_EVERY", 50)
    wal = db.path.with_name(db.path.name + "-wal")

    async def write(n: int) -> None:
        for i in range(n):
            await db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (f"k{i % 40}", "x" * 500)
            )
            await asyncio.sleep(0)

    await write(300)
    settled = wal.stat().st_size
    await write(3_000)
    # Without restarts, 3,000 more commits of a page or two each add megabytes.
    assert wal.stat().st_size <= settled * 2, (settled, wal.stat().st_size)


async def test_settings_and_trivia_writes_are_one_unit_each(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await db.config.get(1, "timezone")  # the version check and the settings read, before counting
    assert await db.trivia.current_season(1) == 1
    hand_offs = count_hand_offs(db, monkeypatch)

    async def costs(write: Any) -> int:
        hand_offs.count = 0
        await write
        return hand_offs.count

    assert await costs(db.config.set(1, "timezone", "Europe/London", actor_id=7)) == 1
    assert await costs(db.config.set(1, "timezone", "Europe/London", actor_id=7)) == 1  # unchanged
    assert await costs(db.config.set_spoiler_channel(1, 10, True, actor_id=7)) == 1
    assert await costs(db.config.record_problem(1, "trivia", "the channel is gone")) == 1
    round_ = db.trivia.open_round(
        guild_id=1, channel_id=5, starter_id=7, film_key="rush", mode="buttons", max_level=3, total=1,
        timeout=30.0, now=0.0, choose=lambda cycle, seen, used: ({"id": "q0", "film_key": "rush"}, cycle),
        close_kind="trivia.close",
    )  # fmt: skip
    assert await costs(round_) == 1
    stop = db.trivia.stop_round(
        5, may_stop=lambda _: True, audit=lambda _: None, close_kind="trivia.close",
        scorer=_everyone_scores(10), now=1.0,
    )  # fmt: skip
    assert await costs(stop) == 1
    asked = db.trivia.ask(
        guild_id=1, channel_id=5, payload={"id": "q1", "film_key": "rush"}, mode="buttons", season=1,
        opened_at=0.0, closes_at=2e9, cycle=1, daily_slot="s1", close_kind="trivia.close",
    )  # fmt: skip
    assert await costs(asked) == 1
    stored = await db.trivia.daily_asked(1, "s1")
    assert stored is not None and await db.jobs.next_due_for("trivia.close", 1) == 2e9
    await db.trivia.record_answer(stored.id, 2, "a", True, 1.0)
    assert await costs(db.trivia.reveal(stored.id, _everyone_scores(10))) == 1
    assert await costs(db.trivia.new_season(1, actor_id=7, now=2.0)) == 1
    monkeypatch.undo()
    logged = [c.key for c in await db.config.recent_changes(1)]
    assert logged == ["trivia_season", "spoiler_channel", "timezone"]
    assert (await db.trivia.all_time(1, 2)) is not None and await db.trivia.current_season(1) == 2


async def test_creating_a_poll_is_one_unit_and_its_message_keeps_it_cached(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    new = NewPoll(
        guild_id=1, channel_id=5, creator_id=7, title="Rush night", voice_channel_id=None, place="the pub",
        closes_at=start + timedelta(hours=2), created_at=start,
        slots=((start + timedelta(days=1), "sat 8pm"), (start + timedelta(days=2), "sun 8pm")),
    )  # fmt: skip
    poll_id = await db.watchparty.reserve_id()
    hand_offs = count_hand_offs(db, monkeypatch)
    assert await db.watchparty.reserve_id() == poll_id + 1 and hand_offs.count == 0  # from the reserved block
    poll = await db.watchparty.create(new, "wp.close", lambda i: f"poll:{i}", poll_id=poll_id, message_id=99)
    assert hand_offs.count == 1 and poll.id == poll_id
    cached = await db.watchparty.get(poll.id)
    assert hand_offs.count == 1  # no read: the poll was built from what was written
    assert await db.watchparty.cancel(poll.id, "open")
    assert not await db.watchparty.cancel(poll.id, "open")  # pressed twice: nothing more
    cancelled = await db.watchparty.get(poll.id)
    assert hand_offs.count == 3 and cancelled is not None and cancelled.state == "cancelled"  # still no read
    monkeypatch.undo()
    stored = await WatchPartyStore(db).get(poll.id)  # a store with no cache reads the rows
    assert cancelled == stored and stored is not None and stored.message_id == 99
    assert cached is not None and cached.state == "open"
    assert [s.label for s in stored.slots] == ["sat 8pm", "sun 8pm"] and stored.state == "cancelled"
    assert await db.jobs.next_due_for("wp.close", 1) == new.closes_at.timestamp()


def _new_poll(guild_id: int, title: str) -> NewPoll:
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    return NewPoll(
        guild_id=guild_id, channel_id=5, creator_id=7, title=title, voice_channel_id=None, place=None,
        closes_at=start + timedelta(hours=2), created_at=start, slots=((start + timedelta(days=1), "sat 8pm"),),
    )  # fmt: skip


async def test_live_polls_are_listed_from_memory_until_a_poll_is_written(db: Database) -> None:
    store = db.watchparty
    first = await store.create(_new_poll(1, "Rush night"), "wp.close", lambda i: f"poll:{i}")
    assert [p.id for p in await store.live(1)] == [first.id]  # the read that fills the entry
    statements = await traced(db)
    assert [p.id for p in await store.live(1)] == [first.id]
    assert statements.touching("wp_polls") == []
    # Any poll written drops every list: a poll in another server, a cancel.
    await store.create(_new_poll(2, "Elsewhere"), "wp.close", lambda i: f"poll:{i}")
    second = await store.create(_new_poll(1, "Second night"), "wp.close", lambda i: f"poll:{i}")
    assert [p.id for p in await store.live(1)] == [first.id, second.id]
    third = await store.create(_new_poll(1, "Third night"), "wp.close", lambda i: f"poll:{i}", message_id=99)
    assert [p.message_id for p in await store.live(1)] == [None, None, 99]
    assert await store.cancel(third.id, "open")
    assert await store.cancel(first.id, "open")
    assert [p.id for p in await store.live(1)] == [second.id]
    assert [p.id for p in await WatchPartyStore(db).live(1)] == [second.id]  # what a fresh read gives


async def test_a_live_list_read_while_a_poll_changed_is_not_kept(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = db.watchparty
    poll = await store.create(_new_poll(1, "Rush night"), "wp.close", lambda i: f"poll:{i}")
    real_fetchall = db.fetchall

    async def read_then_cancel(sql: str, params: Any = ()) -> Any:
        rows = await real_fetchall(sql, params)  # the list as it was before the cancel
        assert await store.cancel(poll.id, "open")
        return rows

    monkeypatch.setattr(db, "fetchall", read_then_cancel)
    assert [p.id for p in await store.live(1)] == [poll.id]
    monkeypatch.undo()
    assert await store.live(1) == []  # read again: the stale list was not kept


def _room(thread_id: int, stage: int, guild_id: int = 1) -> Room:
    return Room(thread_id, guild_id, 9, "rush", stage, 3, stage * 6 - 5, stage * 6, False, False)


async def test_open_rooms_come_from_memory_until_the_servers_rooms_change(db: Database) -> None:
    store = db.discussion
    await store.add_room(_room(101, 1))
    assert [r.thread_id for r in await store.open_rooms(1)] == [101]  # the read that fills the entry
    statements = await traced(db)
    assert [r.thread_id for r in await store.open_rooms(1)] == [101]
    assert statements.touching("discussion_rooms") == []
    await store.add_room(_room(201, 1, guild_id=2))  # another server's room leaves this entry alone
    assert [r.thread_id for r in await store.open_rooms(1)] == [101]
    assert [s for s in statements.touching("discussion_rooms") if s.lstrip().startswith("SELECT")] == []
    await store.add_room(_room(102, 2))
    assert [r.thread_id for r in await store.open_rooms(1)] == [101, 102]
    assert [r.thread_id for r in await store.archive_rooms(1)] == [101, 102]
    assert await store.open_rooms(1) == []
    assert await DiscussionStore(db).open_rooms(1) == []  # what a fresh read gives
    assert [r.thread_id for r in await store.open_rooms(2)] == [201]


async def test_an_open_rooms_read_while_a_room_opened_is_not_kept(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = db.discussion
    real_fetchall = db.fetchall

    async def read_then_open(sql: str, params: Any = ()) -> Any:
        rows = await real_fetchall(sql, params)  # no rooms yet
        monkeypatch.setattr(db, "fetchall", real_fetchall)
        await store.add_room(_room(101, 1))
        return rows

    monkeypatch.setattr(db, "fetchall", read_then_open)
    assert await store.open_rooms(1) == []
    assert [r.thread_id for r in await store.open_rooms(1)] == [
        101
    ]  # read again: the stale list was not kept


async def test_lone_statements_wait_for_an_open_transaction_and_stay_outside_it(db: Database) -> None:
    inside = asyncio.Event()
    release = asyncio.Event()

    async def failing_transaction() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO meta (key, value) VALUES ('tx', '1')")
            inside.set()
            await release.wait()
            raise RuntimeError("roll back")

    task = asyncio.create_task(failing_transaction())
    await asyncio.wait_for(inside.wait(), 5)
    lone = asyncio.create_task(db.execute("INSERT INTO meta (key, value) VALUES ('lone', '1')"))
    await asyncio.sleep(0)
    assert not lone.done()
    release.set()
    with pytest.raises(RuntimeError):
        await asyncio.wait_for(task, 5)
    assert await asyncio.wait_for(lone, 5) == 1
    assert await db.config.get_meta("lone") == "1"
    assert await db.config.get_meta("tx") is None


async def test_concurrent_reads_are_not_serialised_behind_a_lock(db: Database) -> None:
    results = await asyncio.gather(*(db.fetchone("SELECT ?", (n,)) for n in range(200)))
    assert [r[0] for r in results if r is not None] == list(range(200))


async def test_a_batch_is_one_transaction_and_chained_batches_stop_at_no_change(db: Database) -> None:
    insert = ("INSERT INTO meta (key, value) VALUES (?, ?)", ("a", "1"))
    with pytest.raises(sqlite3.IntegrityError):
        await db.batch([insert, ("INSERT INTO meta (key, value) VALUES (?, ?)", ("a", "2"))])
    assert await db.config.get_meta("a") is None  # the first insert was rolled back with the second
    counts = await db.batch([("UPDATE meta SET value = 'x' WHERE key = 'missing'", ()), insert], chained=True)
    assert counts == [0] and await db.config.get_meta("a") is None
    assert await db.batch([insert, ("UPDATE meta SET value = '3' WHERE key = 'a'", ())]) == [1, 1]
    assert await db.config.get_meta("a") == "3"


async def test_concurrent_writes_share_one_transaction_and_each_gets_its_own_count(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes = WriteCoalescer(db)
    insert = "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) DO NOTHING"
    assert await writes.execute(insert, ("lone",)) == 1  # nothing waits for company
    hand_offs = count_hand_offs(db, monkeypatch)
    keys = [f"k{n % 150}" for n in range(200)]  # 50 repeats
    counts = await asyncio.gather(*(writes.execute(insert, (key,)) for key in keys))
    assert hand_offs.count <= 2  # the first write alone, then everything that arrived meanwhile (one unit)
    assert sum(counts) == 150 and counts[:150] == [1] * 150 and counts[150:] == [0] * 50
    monkeypatch.undo()
    row = await db.fetchone("SELECT COUNT(*) FROM meta WHERE key LIKE 'k%'")
    assert row is not None and row[0] == 150


async def test_a_failed_group_of_writes_is_rolled_back_and_every_writer_hears_of_it(db: Database) -> None:
    writes = WriteCoalescer(db)
    good = "INSERT INTO meta (key, value) VALUES (?, '1')"
    await writes.execute(good, ("first",))
    results = await asyncio.gather(
        writes.execute(good, ("a",)),
        writes.execute(good, ("first",)),  # a duplicate key: the whole group fails
        writes.execute(good, ("b",)),
        return_exceptions=True,
    )
    assert all(isinstance(r, sqlite3.IntegrityError) for r in results), results
    assert await db.fetchall("SELECT key FROM meta WHERE key IN ('a', 'b')") == []  # nothing half-saved
    assert await writes.execute(good, ("c",)) == 1  # and the next group is written as usual


async def test_each_audit_row_is_parsed_once(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    await db.config.set(1, "trivia_daily", {"channel": 5, "at": "19:00"}, actor_id=7)
    await db.config.set(1, "timezone", "Europe/London", actor_id=7)
    first = await db.config.recent_changes(1)
    parsed: list[object] = []
    real = config_store._loads
    monkeypatch.setattr(config_store, "_loads", lambda raw: parsed.append(raw) or real(raw))
    again, _ = await db.config.history(1, 5, 3)
    assert again == first and [c.key for c in again] == ["timezone", "trivia_daily"]
    assert parsed == []  # both rows came from the parsed cache
    await db.config.set(1, "timezone", "UTC", actor_id=7)
    parsed.clear()  # the setting's own values, read back for the cache
    newest = await db.config.recent_changes(1)
    assert [(c.old, c.new) for c in newest[:1]] == [("Europe/London", "UTC")]
    assert len(parsed) == 2  # only the new row: its old and new values
