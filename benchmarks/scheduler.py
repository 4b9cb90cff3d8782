"""The scheduler in-process: tick cost against due jobs and total servers, and fan-out of posts within a
Discord-like 50 requests/second global limit, through the stand-in with discord.py's HTTP client."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from discord.http import HTTPClient, Route, handle_message_parameters

from benchmarks.harness import BenchStandIn
from bot.clock import FakeClock
from bot.scheduler import Scheduler
from bot.storage import Database
from bot.storage.jobs import Job

KIND = "trivia.daily"
NOW = datetime(2030, 1, 7, 19, 0, tzinfo=UTC)
REPEATS = 9


@dataclass
class Tick:
    """Cost of one scheduler tick with `due` jobs due among `total` stored."""

    total: int
    due: int
    ms: float
    empty_ms: float


async def fill(db: Database, total: int, due: int, tag: str) -> None:
    """`total - due` daily jobs later today (one per server) and `due` due now, through the store API."""
    async with db.transaction() as conn:
        for guild in range(total):
            at = NOW - timedelta(seconds=1) if guild < due else NOW + timedelta(minutes=1 + guild % 1400)
            await db.jobs.add_in(conn, KIND, f"daily:{guild}:{tag}", at, guild_id=guild)


async def tick_cost(total: int, due: int) -> Tick:
    """Median run_due() time over REPEATS ticks, each with `due` fresh due jobs; and an idle tick's cost."""
    with tempfile.TemporaryDirectory() as folder:
        async with Database(Path(folder) / "sched.db") as db:
            busy, idle = await measure_ticks(db, total, due)
    return Tick(total, due, busy, idle)


async def measure_ticks(db: Any, total: int, due: int) -> tuple[float, float]:
    """On an open database (either backend): median ms of a tick with `due` jobs due among `total`, and idle."""
    ran: list[int] = []

    async def handler(job: Job) -> None:
        ran.append(job.id)

    scheduler = Scheduler(db, FakeClock(NOW))
    scheduler.register(KIND, handler)
    await fill(db, total, 0, "base")
    samples, empty = [], []
    for n in range(REPEATS):
        await fill(db, due, due, f"r{n}")
        started = time.perf_counter()
        assert await scheduler.run_due() == due
        samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        await scheduler.run_due()
        await db.jobs.next_due_at()
        empty.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000, statistics.median(empty) * 1000


@dataclass
class FanOut:
    """Daily-question posts fanned out by one scheduler tick through a 50/s global limit."""

    posts: int
    seconds: float
    landed: int
    limited: int

    @property
    def rate(self) -> float:
        return self.posts / self.seconds


async def fan_out(standin: BenchStandIn, channel_ids: list[int], limit: int = 50) -> FanOut:
    """One tick with a due job per channel; each job posts through discord.py's HTTP client (its limiter)."""
    Route.BASE = standin.api_base
    http = HTTPClient(asyncio.get_running_loop())
    await http.static_login(standin.token)
    before = len(standin.messages)

    async def post(job: Job) -> None:
        params = handle_message_parameters(content=f"Daily question {job.key}", nonce=job.nonce)
        await http.send_message(int(job.payload["channel"]), params=params)

    standin.post_limit, standin.limited_posts = limit, 0
    try:
        with tempfile.TemporaryDirectory() as folder:
            async with Database(Path(folder) / "fan.db") as db:
                scheduler = Scheduler(db, FakeClock(NOW))
                scheduler.register(KIND, post)
                async with db.transaction() as conn:
                    for n, channel in enumerate(channel_ids):
                        await db.jobs.add_in(conn, KIND, f"fan:{n}", NOW, payload={"channel": channel})
                started = time.perf_counter()
                await scheduler.run_due()
                seconds = time.perf_counter() - started
    finally:
        standin.post_limit = None
        await http.close()
    return FanOut(len(channel_ids), seconds, len(standin.messages) - before, standin.limited_posts)
