"""Storage for the trivia feature."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage import Database


class TriviaStore:
    """SQL for the trivia cog."""

    def __init__(self, db: Database) -> None:
        self._db = db
