"""The scheduler, driven by a fake clock: due jobs run once, failures never stop it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import FakeClock, SystemClock
from bot.scheduler import MAX_ATTEMPTS, PermanentJobError, Scheduler
from bot.storage import Database
from bot.storage.jobs import Job

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def test_runs_due_jobs_once(db: Database) -> None:
    clock = FakeClock(START)
    scheduler = Scheduler(db, clock)
    ran: list[str] = []

    async def handler(job: Job) -> None:
        ran.append(job.key)

    scheduler.register("post", handler)
    assert await scheduler.schedule("post", "a", START + timedelta(minutes=5))
    assert not await scheduler.schedule("post", "a", START + timedelta(minutes=1))  # same key: ignored
    await scheduler.schedule("post", "b", START + timedelta(minutes=10))

    assert await scheduler.run_due() == 0
    clock.advance(timedelta(minutes=5))
    assert await scheduler.run_due() == 1
    assert await scheduler.run_due() == 0
    clock.advance(timedelta(hours=1))
    assert await scheduler.run_due() == 1
    assert ran == ["a", "b"]
    assert await db.jobs.count("done") == 2


async def test_failure_is_recorded_retried_and_does_not_stop_others(db: Database) -> None:
    clock = FakeClock(START)
    scheduler = Scheduler(db, clock)
    failures: list[str] = []
    ran: list[str] = []

    async def flaky(job: Job) -> None:
        raise RuntimeError("channel vanished")

    async def fine(job: Job) -> None:
        ran.append(job.key)

    async def on_failure(job: Job, exc: BaseException) -> None:
        failures.append(f"{job.key}:{exc}")

    scheduler.register("flaky", flaky)
    scheduler.register("fine", fine)
    scheduler.on_failure = on_failure
    await scheduler.schedule("flaky", "x", START)
    await scheduler.schedule("fine", "y", START)
    assert await scheduler.run_due() == 2
    assert ran == ["y"]
    for _ in range(MAX_ATTEMPTS - 1):
        clock.advance(timedelta(minutes=1))
        await scheduler.run_due()
    found = await db.jobs.get("flaky", "x")
    assert found is not None and found[1] == "failed"
    assert failures == ["x:channel vanished"]  # recorded once, when the scheduler gave up


async def test_a_failure_that_a_retry_fixes_records_no_problem(db: Database) -> None:
    clock = FakeClock(START)
    scheduler = Scheduler(db, clock)
    failures: list[str] = []
    tries: list[int] = []

    async def once_flaky(job: Job) -> None:
        tries.append(job.attempts)
        if job.attempts == 1:
            raise RuntimeError("Discord had a hiccup")

    async def on_failure(job: Job, exc: BaseException) -> None:
        failures.append(job.key)

    scheduler.register("post", once_flaky)
    scheduler.on_failure = on_failure
    await scheduler.schedule("post", "p", START)
    await scheduler.run_due()
    clock.advance(timedelta(minutes=1))
    await scheduler.run_due()
    found = await db.jobs.get("post", "p")
    assert tries == [1, 2] and found is not None and found[1] == "done"
    assert failures == []


class Gate:
    """A job gate the test opens by hand."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.guilds: set[int] = set()

    async def wait_ready(self) -> None:
        await self.ready.wait()

    def guild_ready(self, guild_id: int) -> bool:
        return guild_id in self.guilds


async def test_a_job_waits_for_its_guild_without_counting_an_attempt(db: Database) -> None:
    clock = FakeClock(START)
    gate = Gate()
    scheduler = Scheduler(db, clock, gate=gate)
    ran: list[tuple[str, int]] = []
    failures: list[str] = []

    async def post(job: Job) -> None:
        ran.append((job.key, job.attempts))

    async def on_failure(job: Job, exc: BaseException) -> None:
        failures.append(job.key)

    scheduler.register("post", post)
    scheduler.on_failure = on_failure
    await scheduler.schedule("post", "waits", START, guild_id=1)
    await scheduler.schedule("post", "other", START, guild_id=2)
    await scheduler.schedule("post", "global", START)
    gate.guilds.add(2)
    assert await scheduler.run_due() == 2
    assert sorted(ran) == [("global", 1), ("other", 1)]
    found = await db.jobs.get("post", "waits")
    assert found is not None and found[1] == "pending" and found[0].attempts == 0
    assert await db.jobs.next_due_at(None, {1}) is None  # the loop does not spin on the waiting job
    assert await scheduler.run_due() == 0
    gate.guilds.add(1)
    assert await scheduler.run_due() == 1
    assert ran[-1] == ("waits", 1) and failures == []


async def test_the_loop_runs_nothing_before_the_bot_is_ready(db: Database) -> None:
    gate = Gate()
    gate.guilds.add(1)
    scheduler = Scheduler(db, SystemClock(), gate=gate)
    ran = asyncio.Event()

    async def post(job: Job) -> None:
        ran.set()

    scheduler.register("post", post)
    await scheduler.schedule("post", "due", datetime.now(UTC) - timedelta(seconds=1), guild_id=1)
    scheduler.start()
    try:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(ran.wait()), 0.3)
        gate.ready.set()
        await asyncio.wait_for(ran.wait(), 5)
    finally:
        await scheduler.stop()


async def test_permanent_failure_is_not_retried(db: Database) -> None:
    clock = FakeClock(START)
    scheduler = Scheduler(db, clock)

    async def gone(job: Job) -> None:
        raise PermanentJobError("deleted")

    scheduler.register("gone", gone)
    await scheduler.schedule("gone", "z", START)
    await scheduler.run_due()
    found = await db.jobs.get("gone", "z")
    assert found is not None and found[1] == "failed"


async def test_interrupted_jobs_are_requeued(db: Database) -> None:
    clock = FakeClock(START)
    await db.jobs.add("post", "k", START)
    claimed = await db.jobs.claim_due(clock.now(), 10)
    assert [j.key for j in claimed] == ["k"]
    assert await db.jobs.claim_due(clock.now(), 10) == []  # running jobs are not claimed twice
    assert await db.jobs.requeue_interrupted() == 1
    again = await db.jobs.claim_due(clock.now(), 10)
    assert again[0].attempts == 2 and again[0].nonce == claimed[0].nonce


async def test_only_due_jobs_are_read(db: Database) -> None:
    clock = FakeClock(START)
    for guild in range(500):
        await db.jobs.add("daily", str(guild), START + timedelta(days=1, seconds=guild))
    await db.jobs.add("daily", "due", START - timedelta(seconds=1))
    claimed = await db.jobs.claim_due(clock.now(), 100)
    assert [j.key for j in claimed] == ["due"]
    query = "SELECT * FROM jobs WHERE state = 'pending' AND due_at <= ? ORDER BY due_at, id"
    if db.dialect == "sqlite":
        plan = await db.fetchall("EXPLAIN QUERY PLAN " + query, (0,))
    else:
        await db.execute("ANALYZE jobs")
        plan = await db.fetchall("EXPLAIN " + query, (0.0,))
    assert any("jobs_due" in str(tuple(row)) for row in plan)


async def test_a_clock_change_is_noticed_in_either_direction(db: Database) -> None:
    clock = FakeClock(START)
    scheduler = Scheduler(db, clock)
    moves: list[float] = []
    scheduler.on_clock_change = moves.append
    offset = scheduler._clock_offset()
    offset = scheduler._notice_clock_change(offset)  # no change: nothing said
    clock.advance(timedelta(hours=-3))
    offset = scheduler._notice_clock_change(offset)
    clock.advance(timedelta(days=2))
    scheduler._notice_clock_change(offset)
    assert [round(m / 3600) for m in moves] == [-3, 48]


async def test_replacing_a_job_by_prefix_is_one_transaction(db: Database, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("the failing write is staged with an SQLite trigger")
    await db.jobs.add("daily", "daily:1:a", START, guild_id=1)
    await db.jobs.add("daily", "daily:2:a", START, guild_id=2)
    await db.conn.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON jobs WHEN NEW.key = 'daily:1:b' "
        "BEGIN SELECT RAISE(ABORT, 'disk gave out'); END"
    )
    with pytest.raises(Exception, match="disk gave out"):
        await db.atomic(
            db.jobs.replacing("daily", "daily:1:", "daily:1:b", START + timedelta(days=1), guild_id=1)
        )
    assert await db.jobs.get("daily", "daily:1:a") is not None  # the old job is still there
    await db.conn.execute("DROP TRIGGER refuse")
    assert await db.atomic(
        db.jobs.replacing("daily", "daily:1:", "daily:1:b", START + timedelta(days=1), guild_id=1)
    )
    assert (
        await db.jobs.get("daily", "daily:1:a") is None
        and await db.jobs.get("daily", "daily:2:a") is not None
    )


async def test_a_setting_and_the_job_that_goes_with_it_are_saved_together(db: Database) -> None:
    """The daily question's setting and its job are one transaction: a failure leaves both as they were."""
    await db.jobs.add("daily", "daily:1:a", START, guild_id=1)
    later = START + timedelta(days=1)
    replace = db.jobs.replacing("daily", "daily:1:", "daily:1:b", later, guild_id=1)

    def failing(tx: Any) -> None:
        replace(tx)
        raise RuntimeError("disk gave out")

    with pytest.raises(RuntimeError, match="disk gave out"):
        await db.config.set(1, "trivia_daily", {"at": "19:00"}, actor_id=5, then=failing)
    assert await db.config.get(1, "trivia_daily") is None
    assert (
        await db.jobs.get("daily", "daily:1:a") is not None
        and await db.jobs.get("daily", "daily:1:b") is None
    )
    assert await db.config.count_changes(1) == 0
    await db.config.set(1, "trivia_daily", {"at": "19:00"}, actor_id=5, then=replace)
    assert await db.config.get(1, "trivia_daily") == {"at": "19:00"}
    assert (
        await db.jobs.get("daily", "daily:1:a") is None
        and await db.jobs.get("daily", "daily:1:b") is not None
    )
    await db.config.set(1, "trivia_daily", None, actor_id=5, then=db.jobs.cancelling("daily", "daily:1:"))
    assert await db.config.get(1, "trivia_daily") is None and await db.jobs.get("daily", "daily:1:b") is None
    assert await db.config.count_changes(1) == 2


async def test_keep_sooner_leaves_an_overdue_job_for_the_catch_up(db: Database) -> None:
    await db.jobs.add("daily", "daily:1:old", START, guild_id=1)
    later = START + timedelta(days=1)
    assert not await db.atomic(db.jobs.replacing("daily", "daily:1:", "daily:1:new", later, keep_sooner=True))
    assert await db.jobs.get("daily", "daily:1:old") is not None
    far = "daily:1:far"
    await db.atomic(db.jobs.replacing("daily", "daily:1:", far, START + timedelta(days=11)))
    assert await db.atomic(db.jobs.replacing("daily", "daily:1:", "daily:1:new", later, keep_sooner=True))
    assert await db.jobs.get("daily", far) is None and await db.jobs.get("daily", "daily:1:new") is not None


async def test_a_job_due_after_the_next_look_does_not_wake_the_loop(db: Database) -> None:
    """Storing a job the sleeping loop will reach anyway costs no extra look at the database; a sooner job
    wakes it at once."""
    scheduler = Scheduler(db, SystemClock())
    looks: list[int] = []
    looked = asyncio.Event()
    ran = asyncio.Event()
    run_due = scheduler.run_due

    async def counted() -> int:
        looks.append(1)
        looked.set()
        return await run_due()

    async def post(job: Job) -> None:
        ran.set()

    scheduler.run_due = counted  # type: ignore[method-assign]
    scheduler.register("post", post)
    scheduler.start()
    try:
        await asyncio.wait_for(looked.wait(), 5)  # the first look, at start
        await asyncio.wait_for(scheduler.asleep.wait(), 5)  # and then asleep until its next look
        looked.clear()
        await scheduler.schedule("post", "later", datetime.now(UTC) + timedelta(hours=2))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(looked.wait()), 0.3)
        assert len(looks) == 1
        await scheduler.schedule("post", "now", datetime.now(UTC))
        await asyncio.wait_for(ran.wait(), 5)
        assert len(looks) == 2
    finally:
        await scheduler.stop()
