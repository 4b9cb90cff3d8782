"""Scheduled jobs: deadlines, reminders and scheduled posts, stored so they survive restarts."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson

from bot.storage.readcache import ReadCache

if TYPE_CHECKING:
    from bot.storage import Atomic, Database, Step, Transaction


@dataclass(frozen=True, slots=True)
class Job:
    """A unit of scheduled work; (kind, key) is unique, so scheduling twice is harmless."""

    id: int
    kind: str
    key: str
    guild_id: int | None
    due_at: datetime
    payload: dict[str, Any]
    attempts: int

    @property
    def nonce(self) -> str:
        """A message nonce (≤ 25 chars) so a retried post is deduplicated by Discord."""
        return f"job{self.id}"


LEASE = timedelta(minutes=2)  # a job still running after this is taken to be orphaned


@dataclass(frozen=True, slots=True)
class Shards:
    """The shards one process holds: it runs the jobs of guilds on them (and guild-less jobs on shard 0)."""

    count: int
    ids: tuple[int, ...]

    def holds(self, guild_id: int | None) -> bool:
        return (0 if guild_id is None else (guild_id >> 22) % self.count) in self.ids

    def sql(self) -> tuple[str, tuple[int, ...]]:
        """A WHERE condition (SQLite and PostgreSQL alike) selecting this process's jobs, and its parameters."""
        marks = ", ".join("?" for _ in self.ids)
        return f"((COALESCE(guild_id, 0) >> 22) % ?) IN ({marks})", (self.count, *self.ids)


class JobStore:
    """SQL for the scheduler. Due jobs are found through an index on (state, due_at)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._next_due: ReadCache[tuple[str, int], float | None] = ReadCache(db.writes)

    async def add(
        self,
        kind: str,
        key: str,
        due_at: datetime,
        *,
        guild_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> bool:
        """Schedule a job unless one with the same kind and key exists; returns whether it was added."""
        return await self._db.execute(*self.insert(kind, key, due_at, guild_id=guild_id, payload=payload)) > 0

    async def add_in(
        self,
        tx: Transaction,
        kind: str,
        key: str,
        due_at: datetime,
        *,
        guild_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> bool:
        """Like `add`, inside a transaction another store already holds."""
        return await tx.execute(*self.insert(kind, key, due_at, guild_id=guild_id, payload=payload)) > 0

    @staticmethod
    def insert(
        kind: str,
        key: str,
        due_at: datetime,
        *,
        guild_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> tuple[str, tuple[Any, ...]]:
        """The statement that schedules a job unless (kind, key) exists, for a batch or an atomic unit."""
        return (
            "INSERT INTO jobs (kind, key, guild_id, due_at, payload) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (kind, key, guild_id, due_at.timestamp(), _payload_text(payload)),
        )

    async def replace(
        self,
        kind: str,
        key: str,
        due_at: datetime,
        *,
        guild_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Schedule or move a pending job (a job already done is scheduled afresh)."""
        await self._db.execute(
            "INSERT INTO jobs (kind, key, guild_id, due_at, payload) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (kind, key) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload, "
            "state = 'pending', attempts = 0, last_error = NULL, done_at = NULL "
            "WHERE jobs.state != 'running'",
            (kind, key, guild_id, due_at.timestamp(), _payload_text(payload)),
        )

    def replacing(
        self,
        kind: str,
        key_prefix: str,
        key: str,
        due_at: datetime,
        *,
        guild_id: int | None = None,
        keep_sooner: bool = False,
    ) -> Step:
        """A transaction step (run it with `Database.atomic`, alone or with the write it goes with): drop the
        pending jobs of a kind whose key starts with the prefix (of that server, given `guild_id`) and add one.

        A crash or error part-way leaves the old job in place, never neither. With `keep_sooner`, only
        jobs due after `due_at` are replaced: one due sooner (an overdue catch-up) or running stays, and
        then nothing is added. The step returns whether the new job was added (or, without `keep_sooner`,
        was the one pending already: then nothing is written).
        """
        match, scope = _prefix_match(kind, key_prefix, guild_id)
        later = "AND due_at > ?" if keep_sooner else ""
        insert = self.insert(kind, key, due_at, guild_id=guild_id)

        def replace(tx: Atomic) -> bool:  # one hand-off on SQLite
            if not keep_sooner:
                pending = tx.fetchall(
                    f"SELECT key, guild_id, due_at, payload FROM jobs WHERE {match} AND state = 'pending'",
                    scope,
                )
                stored_as = insert[1][1:]  # (key, guild_id, due_at, payload), as the insert writes them
                if [tuple(row) for row in pending] == [stored_as]:
                    return True  # that very job is in place already: write nothing
            tx.execute(
                f"DELETE FROM jobs WHERE {match} AND state = 'pending' {later}",
                (*scope, due_at.timestamp()) if keep_sooner else scope,
            )
            if keep_sooner:
                left = tx.fetchone(
                    f"SELECT 1 FROM jobs WHERE {match} AND state IN ('pending', 'running') LIMIT 1", scope
                )
                if left is not None:
                    return False
            return tx.execute(*insert) > 0

        return replace

    async def cancel(self, kind: str, key: str) -> bool:
        """Drop a job that has not run yet."""
        return await self._db.execute(*_cancel(kind, key)) > 0

    def dropping(self, kind: str, key: str) -> Step:
        """`cancel` as a step of a transaction, for a write that must go with it (a cancelled poll)."""
        return lambda tx: tx.execute(*_cancel(kind, key))

    async def cancel_prefix(self, kind: str, key_prefix: str, *, guild_id: int | None = None) -> int:
        """Drop every pending job of a kind whose key starts with the prefix (of that server, given `guild_id`:
        then only the server's own jobs are read)."""
        return await self._db.execute(*_cancel_prefix(kind, key_prefix, guild_id))

    def cancelling(self, kind: str, key_prefix: str, *, guild_id: int | None = None) -> Step:
        """`cancel_prefix` as a step of a transaction, for a write that must go with it (a setting)."""
        return lambda tx: tx.execute(*_cancel_prefix(kind, key_prefix, guild_id))

    async def get(self, kind: str, key: str) -> tuple[Job, str] | None:
        """A job and its state ('pending', 'running', 'done' or 'failed')."""
        row = await self._db.fetchone("SELECT * FROM jobs WHERE kind = ? AND key = ?", (kind, key))
        return (_job(row), str(row["state"])) if row else None

    async def next_due_at(
        self, shards: Shards | None = None, skip_guilds: Collection[int] = ()
    ) -> datetime | None:
        """The earliest pending due time (of `shards`), leaving out jobs of the guilds in `skip_guilds`."""
        where, params = shards.sql() if shards else ("1 = 1", ())
        skip, skipped = _not_skipped(skip_guilds)
        row = await self._db.fetchone(
            f"SELECT MIN(due_at) AS due FROM jobs WHERE state = 'pending' AND {where} AND {skip}",
            (*params, *skipped),
        )
        if row is None or row["due"] is None:
            return None
        return datetime.fromtimestamp(row["due"], UTC)

    async def next_due_for(self, kind: str, guild_id: int) -> float | None:
        """When the server's next pending job of a kind is due (unix seconds), if any (for `/config show`:
        kept until this process next writes, see `ReadCache`)."""

        async def read() -> float | None:
            row = await self._db.fetchone(
                "SELECT MIN(due_at) FROM jobs WHERE kind = ? AND guild_id = ? AND state = 'pending'",
                (kind, guild_id),
            )
            return float(row[0]) if row and row[0] is not None else None

        return await self._next_due.get((kind, guild_id), read)

    async def claim_due(
        self,
        now: datetime,
        limit: int,
        shards: Shards | None = None,
        *,
        lease: timedelta = LEASE,
        owner: str = "",
        skip_guilds: Collection[int] = (),
    ) -> list[Job]:
        """Lease up to `limit` due jobs (of guilds on `shards`, if given) and return them, oldest first.

        One conditional UPDATE claims them: a job is taken only while it is pending (or its lease ran out),
        and the condition is checked again on the row itself, so two processes never take the same job.
        A job whose lease ran out (its process died mid-job) is taken once more, with the same nonce.
        `owner` (host:pid) is recorded with the lease, to tell which process ran a job.
        """
        where, params = shards.sql() if shards else ("1 = 1", ())
        skip, skipped = _not_skipped(skip_guilds)  # guilds whose jobs wait for the guild to be cached
        where, params = f"{where} AND {skip}", (*params, *skipped)
        at = now.timestamp()
        async with self._db.transaction() as tx:
            await tx.execute(
                f"{_GIVE_UP} WHERE state = 'running' AND lease_until < ? AND lease_retries > 0 AND {where}",
                (at, *params),
            )
            rows = await tx.fetchall(
                "UPDATE jobs SET attempts = attempts + 1, lease_until = ?, lease_owner = ?, "
                "lease_retries = lease_retries + (CASE WHEN state = 'running' THEN 1 ELSE 0 END), "
                "state = 'running' "
                f"WHERE id IN (SELECT id FROM jobs WHERE {_CLAIMABLE} AND {where} ORDER BY due_at, id LIMIT ?) "
                f"AND {_CLAIMABLE} RETURNING *",
                ((now + lease).timestamp(), owner or None, at, at, *params, limit, at, at),
            )
        return sorted((_job(row) for row in rows), key=lambda job: (job.due_at, job.id))

    async def release(self, job_ids: Collection[int]) -> None:
        """Give claimed jobs back untouched (their guild isn't there yet): not an attempt, not a failure."""
        async with self._db.transaction() as tx:
            await tx.executemany(
                "UPDATE jobs SET state = 'pending', attempts = attempts - 1, lease_until = NULL, "
                "lease_owner = NULL WHERE id = ? AND state = 'running'",
                [(job_id,) for job_id in job_ids],
            )

    async def finish(self, job_id: int, now: datetime) -> None:
        await self._db.execute(
            "UPDATE jobs SET state = 'done', done_at = ?, last_error = NULL WHERE id = ?",
            (now.timestamp(), job_id),
        )

    async def fail(self, job_id: int, error: str, *, retry_at: datetime | None) -> None:
        """Record a failure; with `retry_at` the job goes back to pending for another try."""
        if retry_at is None:
            await self._db.execute(
                "UPDATE jobs SET state = 'failed', last_error = ? WHERE id = ?", (error[:500], job_id)
            )
        else:
            await self._db.execute(
                "UPDATE jobs SET state = 'pending', due_at = ?, last_error = ? WHERE id = ?",
                (retry_at.timestamp(), error[:500], job_id),
            )

    async def requeue_interrupted(self, shards: Shards | None = None) -> int:
        """At boot: jobs of this process's shards left running by a crash go back to pending (their posts
        carry a nonce), once: a job its process stopped under twice is marked failed, not run a third time.
        Each shard runs in one process, so no other live process holds those jobs."""
        where, params = shards.sql() if shards else ("1 = 1", ())
        async with self._db.transaction() as tx:
            await tx.execute(f"{_GIVE_UP} WHERE state = 'running' AND lease_retries > 0 AND {where}", params)
            return await tx.execute(
                "UPDATE jobs SET state = 'pending', lease_until = NULL, lease_retries = lease_retries + 1 "
                f"WHERE state = 'running' AND {where}",
                params,
            )

    async def count(self, state: str = "pending") -> int:
        row = await self._db.fetchone("SELECT COUNT(*) FROM jobs WHERE state = ?", (state,))
        return int(row[0]) if row else 0


_GIVE_UP = "UPDATE jobs SET state = 'failed', last_error = 'its process stopped twice while running it'"
# Pending and due, or running under a lease that ran out and was not yet renewed once.
_CLAIMABLE = (
    "((state = 'pending' AND due_at <= ?) OR (state = 'running' AND lease_until < ? AND lease_retries = 0))"
)


def _job(row: Any, attempts_delta: int = 0) -> Job:
    return Job(
        id=int(row["id"]),
        kind=str(row["kind"]),
        key=str(row["key"]),
        guild_id=row["guild_id"],
        due_at=datetime.fromtimestamp(row["due_at"], UTC),
        payload=orjson.loads(row["payload"]),
        attempts=int(row["attempts"]) + attempts_delta,
    )


def _not_skipped(guild_ids: Collection[int]) -> tuple[str, tuple[int, ...]]:
    """A WHERE condition leaving out the jobs of these guilds (jobs of no guild are never left out)."""
    if not guild_ids:
        return "1 = 1", ()
    ids = tuple(sorted(guild_ids))
    return f"(guild_id IS NULL OR guild_id NOT IN ({', '.join('?' for _ in ids)}))", ids


def _prefix_match(kind: str, key_prefix: str, guild_id: int | None) -> tuple[str, tuple[Any, ...]]:
    """Jobs of a kind whose key starts with the prefix; with a server, found through its own jobs' index
    (jobs_guild_kind) instead of every pending job."""
    match, scope = "kind = ? AND substr(key, 1, ?) = ?", (kind, len(key_prefix), key_prefix)
    if guild_id is None:
        return match, scope
    return f"guild_id = ? AND {match}", (guild_id, *scope)


def _cancel_prefix(kind: str, key_prefix: str, guild_id: int | None) -> tuple[str, tuple[Any, ...]]:
    match, scope = _prefix_match(kind, key_prefix, guild_id)
    return f"DELETE FROM jobs WHERE {match} AND state = 'pending'", scope


def _cancel(kind: str, key: str) -> tuple[str, tuple[Any, ...]]:
    return "DELETE FROM jobs WHERE kind = ? AND key = ? AND state = 'pending'", (kind, key)


def _payload_text(payload: dict[str, Any] | None) -> str:
    """A job's payload as stored: JSON (orjson), the empty object without encoding it."""
    return orjson.dumps(payload).decode() if payload else "{}"
