"""Members' own viewing progress: the beat each has watched up to, per film."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bot.bounded import remember

if TYPE_CHECKING:
    from bot.storage import Database

_Key = tuple[int, int, str]
# Enough for every active member of thousands of servers; past it the oldest entries are read afresh.
CACHE_LIMIT = 100_000


class ProgressStore:
    """Read and write a member's "watched up to" beat.

    Progress is read on every lookup and changes when a member says so, so it is cached in memory
    (including "no progress") and written through by `set` and `clear`.
    """

    def __init__(self, db: Database, cache_limit: int = CACHE_LIMIT) -> None:
        self._db = db
        self._cache: dict[_Key, int | None] = {}
        self._cache_limit = cache_limit

    async def get(self, guild_id: int, user_id: int, film_key: str) -> int | None:
        key = (guild_id, user_id, film_key)
        try:
            return self._cache[key]
        except KeyError:
            pass
        row = await self._db.fetchone(
            "SELECT beat FROM progress WHERE guild_id = ? AND user_id = ? AND film_key = ?", key
        )
        if key in self._cache:  # a write finished while we read; it is the newer value
            return self._cache[key]
        beat = int(row["beat"]) if row else None
        self._remember(key, beat)
        return beat

    async def set(self, guild_id: int, user_id: int, film_key: str, beat: int) -> None:
        key = (guild_id, user_id, film_key)
        self._cache.pop(key, None)  # unknown until the write returns
        await self._db.execute(
            "INSERT INTO progress (guild_id, user_id, film_key, beat, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id, user_id, film_key) DO UPDATE SET beat = excluded.beat, "
            "updated_at = excluded.updated_at",
            (guild_id, user_id, film_key, beat, time.time()),
        )
        self._remember(key, beat)

    async def clear(self, guild_id: int, user_id: int, film_key: str) -> bool:
        key = (guild_id, user_id, film_key)
        self._cache.pop(key, None)
        changed = await self._db.execute(
            "DELETE FROM progress WHERE guild_id = ? AND user_id = ? AND film_key = ?", key
        )
        self._remember(key, None)
        return changed > 0

    async def reached(self, guild_id: int, film_key: str, beat: int) -> dict[int, int]:
        """Members whose saved progress is at or past a beat, with their progress."""
        rows = await self._db.fetchall(
            "SELECT user_id, beat FROM progress WHERE guild_id = ? AND film_key = ? AND beat >= ?",
            (guild_id, film_key, beat),
        )
        return {int(row["user_id"]): int(row["beat"]) for row in rows}

    def _remember(self, key: _Key, beat: int | None) -> None:
        remember(self._cache, key, beat, self._cache_limit)
