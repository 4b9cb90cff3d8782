"""Storage for the watchparty feature."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage import Database


class WatchPartyStore:
    """SQL for the watchparty cog."""

    def __init__(self, db: Database) -> None:
        self._db = db
