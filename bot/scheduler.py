"""The scheduler: runs stored jobs when they fall due, once each, across restarts.

Due times live in the database. One loop sleeps until the next due job (or until a
new job is scheduled), claims the due ones and runs each job's handler. A boot-time
pass catches up anything that fell due while the bot was down. A handler that raises
is logged and retried; when it gives up, the failure is recorded for moderators. The
loop never stops because of a failing job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.clock import Clock
from bot.storage import Database
from bot.storage.jobs import Job, Shards

log = logging.getLogger(__name__)

Handler = Callable[[Job], Awaitable[None]]
FailureHook = Callable[[Job, BaseException], Awaitable[None]]

BATCH = 200
MAX_SLEEP = timedelta(seconds=60)
MAX_ATTEMPTS = 3
RETRY_DELAY = timedelta(seconds=30)
CLOCK_JUMP = timedelta(seconds=60)  # wall time drifting this far from elapsed time is a clock change


class PermanentJobError(Exception):
    """A job that can never succeed (a deleted channel, say): don't retry it."""


class JobGate(Protocol):
    """When jobs may run: after the bot is ready, and for a guild's job once that guild is cached."""

    async def wait_ready(self) -> None: ...

    def guild_ready(self, guild_id: int) -> bool: ...


class Scheduler:
    """Runs jobs by kind. Register handlers before `start()`.

    With a gate, the loop starts claiming only once the gate is ready, and a job whose guild isn't there
    yet is given back untouched (not an attempt, not a failure) until `wake()` is called for it.
    """

    def __init__(
        self, db: Database, clock: Clock, shards: Shards | None = None, *, gate: JobGate | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        self._shards = shards  # None: this process holds every shard
        self.owner = f"{socket.gethostname()}:{os.getpid()}"  # recorded with each lease
        self._gate = gate
        self._waiting: set[int] = set()  # guilds whose jobs wait for the guild to be cached
        self._handlers: dict[str, Handler] = {}
        self._wake = asyncio.Event()
        self._sleeping_until: datetime | None = None  # when the sleeping loop looks again; None while busy
        self.asleep = asyncio.Event()  # set while the loop waits for its next look
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self.on_failure: FailureHook | None = None
        self.on_clock_change: Callable[[float], None] | None = None

    def register(self, kind: str, handler: Handler) -> None:
        if kind in self._handlers:
            raise ValueError(f"a handler for {kind!r} is already registered")
        self._handlers[kind] = handler

    def unregister(self, kind: str) -> None:
        self._handlers.pop(kind, None)

    async def schedule(
        self,
        kind: str,
        key: str,
        due_at: datetime,
        *,
        guild_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> bool:
        """Store a job (a no-op when (kind, key) exists) and wake the loop if it is sooner."""
        added = await self._db.jobs.add(kind, key, due_at, guild_id=guild_id, payload=payload)
        self.wake(due_at)
        return added

    async def reschedule(
        self,
        kind: str,
        key: str,
        due_at: datetime,
        *,
        guild_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        await self._db.jobs.replace(kind, key, due_at, guild_id=guild_id, payload=payload)
        self.wake(due_at)

    async def cancel(self, kind: str, key: str) -> bool:
        return await self._db.jobs.cancel(kind, key)

    def wake(self, due_at: datetime | None = None) -> None:
        """Make the loop look at the database again now (after new jobs were stored).

        With the due time of the job just stored, a loop that will look again by then anyway is left asleep:
        it finds the job when it wakes. Without one (a guild became available), it always looks.
        """
        if due_at is not None and self._sleeping_until is not None and due_at >= self._sleeping_until:
            return
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="scheduler")

    async def stop(self) -> None:
        """Stop the loop and wait briefly for running handlers; unfinished ones rerun at boot."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._running:
            _, pending = await asyncio.wait(self._running, timeout=5)
            for task in pending:
                task.cancel()

    async def run_due(self) -> int:
        """Claim and run every job due now; returns how many ran. Used by the loop and by tests."""
        ran = 0
        self._waiting = {guild for guild in self._waiting if not self._guild_ready(guild)}
        while True:
            claimed = await self._db.jobs.claim_due(
                self._clock.now(), BATCH, self._shards, owner=self.owner, skip_guilds=self._waiting
            )
            if not claimed:
                return ran
            jobs = [job for job in claimed if job.guild_id is None or self._guild_ready(job.guild_id)]
            await self._hold_back([job for job in claimed if job not in jobs])
            await asyncio.gather(*(self._run(job) for job in jobs))
            ran += len(jobs)
            if len(claimed) < BATCH:
                return ran

    def _guild_ready(self, guild_id: int) -> bool:
        return self._gate is None or self._gate.guild_ready(guild_id)

    async def _hold_back(self, jobs: list[Job]) -> None:
        if not jobs:
            return
        await self._db.jobs.release([job.id for job in jobs])
        for guild in {job.guild_id for job in jobs} - self._waiting:
            log.info("Jobs of guild %s wait until the guild is available", guild)
        self._waiting |= {job.guild_id for job in jobs if job.guild_id is not None}

    async def _loop(self) -> None:
        if self._gate is not None:
            await self._gate.wait_ready()
        requeued = await self._db.jobs.requeue_interrupted(self._shards)
        if requeued:
            log.warning("Re-running %d job(s) interrupted by the last shutdown", requeued)
        offset = self._clock_offset()
        while True:
            self._wake.clear()  # a wake from here on (even mid-tick) makes the loop look once more
            self._sleeping_until = None
            self.asleep.clear()
            try:
                offset = self._notice_clock_change(offset)
                await self.run_due()
                delay = await self._delay_until_next()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Scheduler tick failed; trying again shortly")
                delay = 5.0
            self._sleeping_until = self._clock.now() + timedelta(seconds=delay)
            self.asleep.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    def _clock_offset(self) -> float:
        return self._clock.now().timestamp() - time.monotonic()

    def _notice_clock_change(self, offset: float) -> float:
        """Tell `on_clock_change` when the wall clock moved against elapsed time (NTP, a manual change)."""
        now_offset = self._clock_offset()
        moved = now_offset - offset
        if abs(moved) > CLOCK_JUMP.total_seconds():
            log.warning("The system clock moved by %+.0f s; re-timing scheduled posts", moved)
            if self.on_clock_change is not None:
                self.on_clock_change(moved)
        return now_offset

    async def _delay_until_next(self) -> float:
        next_due = await self._db.jobs.next_due_at(self._shards, self._waiting)
        cap = MAX_SLEEP.total_seconds()
        if next_due is None:
            return cap
        return max(0.0, min(cap, (next_due - self._clock.now()).total_seconds()))

    async def _run(self, job: Job) -> None:
        handler = self._handlers.get(job.kind)
        if handler is None:
            await self._db.jobs.fail(job.id, f"no handler for {job.kind!r}", retry_at=None)
            log.error("No handler for job kind %r (job %d)", job.kind, job.id)
            return
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await handler(job)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._record_failure(job, exc)
        else:
            await self._db.jobs.finish(job.id, self._clock.now())
        finally:
            if task is not None:
                self._running.discard(task)

    async def _record_failure(self, job: Job, exc: Exception) -> None:
        log.error(
            "Job %s:%s (id %d, attempt %d) failed", job.kind, job.key, job.id, job.attempts, exc_info=exc
        )
        final = isinstance(exc, PermanentJobError) or job.attempts >= MAX_ATTEMPTS
        retry_at = None if final else self._clock.now() + RETRY_DELAY
        await self._db.jobs.fail(job.id, f"{type(exc).__name__}: {exc}", retry_at=retry_at)
        if final and self.on_failure is not None:  # a failure that a retry may still fix is no problem yet
            try:
                await self.on_failure(job, exc)
            except Exception:
                log.exception("Recording the failure of job %d failed", job.id)
