"""Per-server configuration, its audit trail, and problems shown to moderators."""

from __future__ import annotations

import builtins
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.storage import Database


CHECK_INTERVAL = 0.5  # seconds: a change made by another process is seen within this (the promise is 1 s)
BUMP_VERSION = "UPDATE counters SET value = value + 1 WHERE name = 'config'"


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """One recorded change: who, what, old -> new, and when (unix seconds)."""

    actor_id: int
    key: str
    old: Any
    new: Any
    at: float


@dataclass(frozen=True, slots=True)
class Problem:
    """Something that went wrong in the background, kept for `/config show`."""

    feature: str
    message: str
    at: float


class ConfigStore:
    """Key/value settings per server (values are JSON); every change is audited.

    Settings are read on nearly every interaction and change rarely, so each server's are cached in
    memory after the first read. Several processes may share the database: every change also bumps
    the `config` counter in the same transaction, and a reader compares that one row with the value it
    cached under at most every `CHECK_INTERVAL` seconds, dropping its cache when another process wrote.
    """

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._db = db
        self._values: dict[int, dict[str, Any]] = {}
        self._spoiler_channels: dict[int, frozenset[int]] = {}
        self._clock = clock
        self._version: int | None = None
        self._checked_at = -CHECK_INTERVAL

    async def _drop_stale(self) -> None:
        """Forget cached settings if any process changed one since the last look (one cheap read)."""
        now = self._clock()
        if now - self._checked_at < CHECK_INTERVAL:
            return
        self._checked_at = now
        row = await self._db.fetchone("SELECT value FROM counters WHERE name = 'config'")
        version = int(row[0]) if row else 0
        if version != self._version:
            self._values.clear()
            self._spoiler_channels.clear()
            self._version = version

    async def get_all(self, guild_id: int) -> dict[str, Any]:
        await self._drop_stale()
        cached = self._values.get(guild_id)
        if cached is None:
            rows = await self._db.fetchall(
                "SELECT key, value FROM guild_config WHERE guild_id = ?", (guild_id,)
            )
            cached = self._values[guild_id] = {row["key"]: json.loads(row["value"]) for row in rows}
        return dict(cached)

    async def get(self, guild_id: int, key: str, default: Any = None) -> Any:
        return (await self.get_all(guild_id)).get(key, default)

    async def set(self, guild_id: int, key: str, value: Any, *, actor_id: int) -> Any:
        """Store a value (None removes it) and audit the change; returns the old value."""
        now = time.time()
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT value FROM guild_config WHERE guild_id = ? AND key = ?", (guild_id, key)
            ) as cursor:
                row = await cursor.fetchone()
            old_json = row["value"] if row else None
            new_json = json.dumps(value, sort_keys=True) if value is not None else None
            if old_json == new_json:
                return value
            if new_json is None:
                await conn.execute("DELETE FROM guild_config WHERE guild_id = ? AND key = ?", (guild_id, key))
            else:
                await conn.execute(
                    "INSERT INTO guild_config (guild_id, key, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
                    (guild_id, key, new_json),
                )
            await _audit(conn, guild_id, actor_id, key, old_json, new_json, now)
            await conn.execute(BUMP_VERSION)
        self._values.pop(guild_id, None)  # re-read after the commit
        return json.loads(old_json) if old_json else None

    async def spoiler_channels(self, guild_id: int) -> builtins.set[int]:
        rows = await self._db.fetchall(
            "SELECT channel_id FROM spoiler_channels WHERE guild_id = ?", (guild_id,)
        )
        return {int(row["channel_id"]) for row in rows}

    async def is_spoiler_channel(self, guild_id: int, channel_id: int) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM spoiler_channels WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id)
        )
        return row is not None

    async def set_spoiler_channel(
        self, guild_id: int, channel_id: int, marked: bool, *, actor_id: int
    ) -> bool:
        """Mark or unmark a spoiler channel; returns whether anything changed."""
        async with self._db.transaction() as conn:
            if marked:
                sql = (
                    "INSERT INTO spoiler_channels (guild_id, channel_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
                )
            else:
                sql = "DELETE FROM spoiler_channels WHERE guild_id = ? AND channel_id = ?"
            async with conn.execute(sql, (guild_id, channel_id)) as cursor:
                changed = cursor.rowcount > 0
            if changed:
                old, new = (None, str(channel_id)) if marked else (str(channel_id), None)
                await _audit(conn, guild_id, actor_id, "spoiler_channel", old, new, time.time())
                await conn.execute(BUMP_VERSION)
        self._spoiler_channels.pop(guild_id, None)
        return changed

    async def recent_changes(self, guild_id: int, limit: int = 5) -> list[ConfigChange]:
        rows = await self._db.fetchall(
            "SELECT actor_id, key, old_value, new_value, at FROM config_audit WHERE guild_id = ? "
            "ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [
            ConfigChange(
                row["actor_id"], row["key"], _loads(row["old_value"]), _loads(row["new_value"]), row["at"]
            )
            for row in rows
        ]

    async def record_problem(self, guild_id: int, feature: str, message: str) -> None:
        """Keep a background failure so moderators see it; only the latest 20 per server are kept."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO problems (guild_id, feature, message, at) VALUES (?, ?, ?, ?)",
                (guild_id, feature, message[:300], time.time()),
            )
            await conn.execute(
                "DELETE FROM problems WHERE guild_id = ? AND id NOT IN "
                "(SELECT id FROM problems WHERE guild_id = ? ORDER BY id DESC LIMIT 20)",
                (guild_id, guild_id),
            )

    async def recent_problems(self, guild_id: int, limit: int = 3) -> list[Problem]:
        rows = await self._db.fetchall(
            "SELECT feature, message, at FROM problems WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [Problem(row["feature"], row["message"], row["at"]) for row in rows]

    async def get_meta(self, key: str) -> str | None:
        row = await self._db.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return str(row["value"]) if row else None

    async def set_meta(self, key: str, value: str) -> None:
        await self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


async def _audit(
    conn: Any, guild_id: int, actor_id: int, key: str, old: str | None, new: str | None, at: float
) -> None:
    await conn.execute(
        "INSERT INTO config_audit (guild_id, actor_id, key, old_value, new_value, at) VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, actor_id, key, old, new, at),
    )


def _loads(raw: str | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw
