"""The club's ratings: one row per member and film, with an optional short review."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage import Database


@dataclass(frozen=True, slots=True)
class Rating:
    """One member's rating of one film, in half stars, and their review (user text, never trusted)."""

    user_id: int
    halves: int
    review: str | None
    rated_at: float


@dataclass(frozen=True, slots=True)
class FilmAverage:
    """A film the club has rated: how many ratings, their mean in half stars, and when rating began."""

    film_key: str
    count: int
    mean_halves: float
    first_rated_at: float


class RatingStore:
    """Read and write ratings; a member re-rating a film replaces their row."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def set(
        self, guild_id: int, film_key: str, user_id: int, halves: int, review: str | None
    ) -> Rating | None:
        """Store a member's rating (replacing any earlier one); returns the earlier one."""
        before = await self.get(guild_id, film_key, user_id)
        await self._db.execute(
            "INSERT INTO ratings (guild_id, film_key, user_id, halves, review, rated_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id, film_key, user_id) DO UPDATE SET halves = excluded.halves, "
            "review = excluded.review, rated_at = excluded.rated_at",
            (guild_id, film_key, user_id, halves, review, time.time()),
        )
        return before

    async def get(self, guild_id: int, film_key: str, user_id: int) -> Rating | None:
        row = await self._db.fetchone(
            "SELECT user_id, halves, review, rated_at FROM ratings WHERE guild_id = ? AND film_key = ? "
            "AND user_id = ?",
            (guild_id, film_key, user_id),
        )
        return Rating(row["user_id"], row["halves"], row["review"], row["rated_at"]) if row else None

    async def delete(self, guild_id: int, film_key: str, user_id: int) -> bool:
        changed = await self._db.execute(
            "DELETE FROM ratings WHERE guild_id = ? AND film_key = ? AND user_id = ?",
            (guild_id, film_key, user_id),
        )
        return changed > 0

    async def halves(self, guild_id: int, film_key: str) -> list[int]:
        """Every rating of a film, in half stars."""
        rows = await self._db.fetchall(
            "SELECT halves FROM ratings WHERE guild_id = ? AND film_key = ?", (guild_id, film_key)
        )
        return [int(row["halves"]) for row in rows]

    async def reviews(self, guild_id: int, film_key: str, limit: int = 5) -> list[Rating]:
        """The latest ratings that carry a review, newest first."""
        rows = await self._db.fetchall(
            "SELECT user_id, halves, review, rated_at FROM ratings WHERE guild_id = ? AND film_key = ? "
            "AND review IS NOT NULL ORDER BY rated_at DESC LIMIT ?",
            (guild_id, film_key, limit),
        )
        return [Rating(row["user_id"], row["halves"], row["review"], row["rated_at"]) for row in rows]

    async def history(self, guild_id: int) -> list[FilmAverage]:
        """Every film the club has rated, in the order it began rating them."""
        rows = await self._db.fetchall(
            "SELECT film_key, COUNT(*) AS n, AVG(halves) AS mean, MIN(rated_at) AS first_at FROM ratings "
            "WHERE guild_id = ? GROUP BY film_key ORDER BY first_at",
            (guild_id,),
        )
        return [FilmAverage(row["film_key"], row["n"], float(row["mean"]), row["first_at"]) for row in rows]
