"""The scheduler, driven by a fake clock: due jobs run once, failures never stop it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
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
    assert len(failures) == MAX_ATTEMPTS


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
