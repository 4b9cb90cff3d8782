"""Members' own viewing progress: the beat each has watched up to, per film."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage import Database


class ProgressStore:
    """Read and write a member's "watched up to" beat."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild_id: int, user_id: int, film_key: str) -> int | None:
        row = await self._db.fetchone(
            "SELECT beat FROM progress WHERE guild_id = ? AND user_id = ? AND film_key = ?",
            (guild_id, user_id, film_key),
        )
        return int(row["beat"]) if row else None

    async def set(self, guild_id: int, user_id: int, film_key: str, beat: int) -> None:
        await self._db.execute(
            "INSERT INTO progress (guild_id, user_id, film_key, beat, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id, user_id, film_key) DO UPDATE SET beat = excluded.beat, "
            "updated_at = excluded.updated_at",
            (guild_id, user_id, film_key, beat, time.time()),
        )

    async def clear(self, guild_id: int, user_id: int, film_key: str) -> bool:
        changed = await self._db.execute(
            "DELETE FROM progress WHERE guild_id = ? AND user_id = ? AND film_key = ?",
            (guild_id, user_id, film_key),
        )
        return changed > 0

    async def reached(self, guild_id: int, film_key: str, beat: int) -> dict[int, int]:
        """Members whose saved progress is at or past a beat, with their progress."""
        rows = await self._db.fetchall(
            "SELECT user_id, beat FROM progress WHERE guild_id = ? AND film_key = ? AND beat >= ?",
            (guild_id, film_key, beat),
        )
        return {int(row["user_id"]): int(row["beat"]) for row in rows}
