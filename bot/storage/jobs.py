"""Scheduled jobs: deadlines, reminders and scheduled posts, stored so they survive restarts."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.storage import Database, Transaction


# Jobs of the guilds in the JSON list bound here are left alone (jobs of no guild never are).
_NOT_SKIPPED = "(guild_id IS NULL OR guild_id NOT IN (SELECT value FROM json_each(?)))"


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


class JobStore:
    """SQL for the scheduler. Due jobs are found through an index on (state, due_at)."""

    def __init__(self, db: Database) -> None:
        self._db = db

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
        async with self._db.transaction() as tx:
            return await self.add_in(tx, kind, key, due_at, guild_id=guild_id, payload=payload)

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
        changed = await tx.execute(
            "INSERT OR IGNORE INTO jobs (kind, key, guild_id, due_at, payload) VALUES (?, ?, ?, ?, ?)",
            (kind, key, guild_id, due_at.timestamp(), json.dumps(payload or {})),
        )
        return changed > 0

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
            (kind, key, guild_id, due_at.timestamp(), json.dumps(payload or {})),
        )

    async def replace_prefix(
        self,
        kind: str,
        key_prefix: str,
        key: str,
        due_at: datetime,
        *,
        guild_id: int | None = None,
        keep_sooner: bool = False,
    ) -> bool:
        """In one transaction, drop the pending jobs of a kind whose key starts with the prefix and add one.

        A crash or error part-way leaves the old job in place, never neither. With `keep_sooner`, only
        jobs due after `due_at` are replaced: one due sooner (an overdue catch-up) or running stays, and
        then nothing is added. Returns whether the new job was added.
        """
        match = "kind = ? AND substr(key, 1, ?) = ?"
        scope = (kind, len(key_prefix), key_prefix)
        async with self._db.transaction() as tx:
            later = "AND due_at > ?" if keep_sooner else ""
            await tx.execute(
                f"DELETE FROM jobs WHERE {match} AND state = 'pending' {later}",
                (*scope, due_at.timestamp()) if keep_sooner else scope,
            )
            if keep_sooner:
                left = await tx.fetchone(
                    f"SELECT 1 FROM jobs WHERE {match} AND state IN ('pending', 'running') LIMIT 1", scope
                )
                if left is not None:
                    return False
            return await self.add_in(tx, kind, key, due_at, guild_id=guild_id)

    async def cancel(self, kind: str, key: str) -> bool:
        """Drop a job that has not run yet."""
        changed = await self._db.execute(
            "DELETE FROM jobs WHERE kind = ? AND key = ? AND state = 'pending'", (kind, key)
        )
        return changed > 0

    async def cancel_prefix(self, kind: str, key_prefix: str) -> int:
        """Drop every pending job of a kind whose key starts with the prefix."""
        return await self._db.execute(
            "DELETE FROM jobs WHERE kind = ? AND state = 'pending' AND substr(key, 1, ?) = ?",
            (kind, len(key_prefix), key_prefix),
        )

    async def get(self, kind: str, key: str) -> tuple[Job, str] | None:
        """A job and its state ('pending', 'running', 'done' or 'failed')."""
        row = await self._db.fetchone("SELECT * FROM jobs WHERE kind = ? AND key = ?", (kind, key))
        return (_job(row), str(row["state"])) if row else None

    async def next_due_at(self, skip_guilds: Collection[int] = ()) -> datetime | None:
        """The earliest pending due time, leaving out jobs of the guilds in `skip_guilds`."""
        row = await self._db.fetchone(
            f"SELECT MIN(due_at) AS due FROM jobs WHERE state = 'pending' AND {_NOT_SKIPPED}",
            (json.dumps(sorted(skip_guilds)),),
        )
        if row is None or row["due"] is None:
            return None
        return datetime.fromtimestamp(row["due"], UTC)

    async def claim_due(self, now: datetime, limit: int, skip_guilds: Collection[int] = ()) -> list[Job]:
        """Mark up to `limit` due jobs as running and return them, oldest first (none of `skip_guilds`)."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                f"SELECT * FROM jobs WHERE state = 'pending' AND due_at <= ? AND {_NOT_SKIPPED} "
                "ORDER BY due_at, id LIMIT ?",
                (now.timestamp(), json.dumps(sorted(skip_guilds)), limit),
            )
            if rows:
                await tx.executemany(
                    "UPDATE jobs SET state = 'running', attempts = attempts + 1 WHERE id = ?",
                    [(row["id"],) for row in rows],
                )
        return [_job(row, attempts_delta=1) for row in rows]

    async def release(self, job_ids: Collection[int]) -> None:
        """Give claimed jobs back untouched (their guild isn't there yet): not an attempt, not a failure."""
        async with self._db.transaction() as tx:
            await tx.executemany(
                "UPDATE jobs SET state = 'pending', attempts = attempts - 1 WHERE id = ? AND state = 'running'",
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

    async def requeue_interrupted(self) -> int:
        """At boot: jobs left running by a crash go back to pending (their posts carry a nonce)."""
        return await self._db.execute("UPDATE jobs SET state = 'pending' WHERE state = 'running'")

    async def count(self, state: str = "pending") -> int:
        row = await self._db.fetchone("SELECT COUNT(*) FROM jobs WHERE state = ?", (state,))
        return int(row[0]) if row else 0


def _job(row: Any, attempts_delta: int = 0) -> Job:
    return Job(
        id=int(row["id"]),
        kind=str(row["kind"]),
        key=str(row["key"]),
        guild_id=row["guild_id"],
        due_at=datetime.fromtimestamp(row["due_at"], UTC),
        payload=json.loads(row["payload"]),
        attempts=int(row["attempts"]) + attempts_delta,
    )
