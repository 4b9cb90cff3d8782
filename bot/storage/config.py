"""Per-server configuration, its audit trail, and problems shown to moderators."""

from __future__ import annotations

import builtins
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from bot.bounded import remember
from bot.storage.readcache import ReadCache

if TYPE_CHECKING:
    from bot.storage import Atomic, Database, Step


CHANGES_KEPT = 5_000  # parsed audit rows kept: the latest few of every server that looked lately
CHECK_INTERVAL = 0.5  # seconds: a change made by another process is seen within this (the promise is 1 s)


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """One recorded change: its row id, who, what, old -> new, and when (unix seconds)."""

    id: int
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
        self._changes: dict[int, ConfigChange] = {}  # audit rows never change: each is parsed once
        self._history: ReadCache[tuple[int, int, int], tuple[list[ConfigChange], list[Problem]]]
        self._history = ReadCache(db.writes)
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

    def _saw_own_write(self, version: int) -> None:
        """After our own change: the cache stays valid if no other process wrote since we last looked."""
        if self._version is not None and version == self._version + 1:
            self._version = version

    async def get_all(self, guild_id: int) -> dict[str, Any]:
        return dict(await self._settings(guild_id))

    async def get(self, guild_id: int, key: str, default: Any = None) -> Any:
        await self._drop_stale()
        cached = self._values.get(guild_id)
        if cached is None:
            cached = await self._settings(guild_id)
        return cached.get(key, default)

    async def _settings(self, guild_id: int) -> dict[str, Any]:
        await self._drop_stale()
        cached = self._values.get(guild_id)
        if cached is None:
            rows = await self._db.fetchall(
                "SELECT key, value FROM guild_config WHERE guild_id = ?", (guild_id,)
            )
            # A write that finished while we read has already filled the entry; it is the newer one.
            cached = self._values.setdefault(guild_id, {row["key"]: _loads(row["value"]) for row in rows})
        return cached

    async def set(
        self, guild_id: int, key: str, value: Any, *, actor_id: int, then: Step | None = None
    ) -> Any:
        """Store a value (None removes it) and audit the change; returns the old value.

        `then` is another store's write that goes with the setting (the daily question's job): it runs in
        the same transaction, so neither is saved without the other.
        """
        now = time.time()
        new_json = _dumps(value)
        try:
            old_json = await self._write(guild_id, key, new_json, actor_id, now, then)
        except BaseException:
            self._values.pop(guild_id, None)  # unknown outcome: read afresh next time
            raise
        cached = self._values.get(guild_id)
        if cached is not None:  # write-through (the value read back from JSON, as a fresh read would give)
            if new_json is None:
                cached.pop(key, None)
            else:
                cached[key] = _loads(new_json)
        return _loads(old_json) if old_json else None

    async def _write(
        self, guild_id: int, key: str, new_json: str | None, actor_id: int, now: float, then: Step | None
    ) -> str | None:
        """One hand-off: read the stored value, then the change, its audit row and the version bump, in one
        transaction (the stored value, not the cache, so the log shows what another process last wrote)."""

        def change(tx: Atomic) -> tuple[str | None, int | None]:
            if then is not None:
                then(tx)
            row = tx.fetchone(
                "SELECT value FROM guild_config WHERE guild_id = ? AND key = ?", (guild_id, key)
            )
            old_json = row["value"] if row else None
            if _same_json(old_json, new_json):
                return old_json, None
            if new_json is None:
                tx.execute("DELETE FROM guild_config WHERE guild_id = ? AND key = ?", (guild_id, key))
            else:
                tx.execute(
                    "INSERT INTO guild_config (guild_id, key, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
                    (guild_id, key, new_json),
                )
            tx.execute(*audit_row(guild_id, actor_id, key, old_json, new_json, now))
            return old_json, _bump_version(tx)

        old_json, version = await self._db.atomic(change)
        if version is not None:
            self._saw_own_write(version)
        return old_json

    async def spoiler_channels(self, guild_id: int) -> builtins.set[int]:
        """The server's spoiler channels; read from the database once, then kept up to date by our writes."""
        await self._drop_stale()
        cached = self._spoiler_channels.get(guild_id)
        if cached is None:
            rows = await self._db.fetchall(
                "SELECT channel_id FROM spoiler_channels WHERE guild_id = ?", (guild_id,)
            )
            # A write that finished while we read has already filled the entry; it is the newer one.
            cached = self._spoiler_channels.setdefault(
                guild_id, frozenset(int(r["channel_id"]) for r in rows)
            )
        return set(cached)

    async def is_spoiler_channel(self, guild_id: int, channel_id: int) -> bool:
        await self._drop_stale()
        cached = self._spoiler_channels.get(guild_id)
        if cached is None:
            return channel_id in await self.spoiler_channels(guild_id)
        return channel_id in cached

    async def set_spoiler_channel(
        self, guild_id: int, channel_id: int, marked: bool, *, actor_id: int
    ) -> bool:
        """Mark or unmark a spoiler channel; returns whether anything changed."""
        if marked:
            sql = "INSERT INTO spoiler_channels (guild_id, channel_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
        else:
            sql = "DELETE FROM spoiler_channels WHERE guild_id = ? AND channel_id = ?"
        old, new = (None, str(channel_id)) if marked else (str(channel_id), None)
        now = time.time()

        def change(tx: Atomic) -> int | None:
            if tx.execute(sql, (guild_id, channel_id)) == 0:
                return None
            tx.execute(*audit_row(guild_id, actor_id, "spoiler_channel", old, new, now))
            return _bump_version(tx)

        try:
            version = await self._db.atomic(change)
        except BaseException:
            self._spoiler_channels.pop(guild_id, None)  # unknown outcome: read afresh next time
            raise
        changed = version is not None
        if version is not None:
            self._saw_own_write(version)
        cached = self._spoiler_channels.get(guild_id)
        if cached is not None:  # write-through; an uncached server is read in full on first use
            self._spoiler_channels[guild_id] = cached | {channel_id} if marked else cached - {channel_id}
        return changed

    async def record_action(self, guild_id: int, actor_id: int, key: str, old: Any, new: Any) -> None:
        """Audit a moderator action that is not a stored setting (a cancelled party, a stopped round)."""
        await self._db.execute(*_action_row(guild_id, actor_id, key, old, new))

    def recording_action(self, guild_id: int, actor_id: int, key: str, old: Any, new: Any) -> Step:
        """`record_action` as a step of the transaction that makes the change it records."""
        row = _action_row(guild_id, actor_id, key, old, new)
        return lambda tx: tx.execute(*row)

    async def count_changes(self, guild_id: int) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) FROM config_audit WHERE guild_id = ?", (guild_id,))
        return int(row[0]) if row else 0

    async def recent_changes(self, guild_id: int, limit: int = 5, offset: int = 0) -> list[ConfigChange]:
        """Changes newest first; `offset` skips that many (for paging through the history)."""
        return [
            self._change(row) for row in await self._db.fetchall(*_changes_query(guild_id, limit, offset))
        ]

    async def history(
        self, guild_id: int, changes: int, problems: int
    ) -> tuple[list[ConfigChange], list[Problem]]:
        """The latest changes and problems together, in one read (for `/config show`: kept until this
        process next writes anything, see `ReadCache`). The lists are shared: don't change them."""

        async def read() -> tuple[list[ConfigChange], list[Problem]]:
            change_rows, problem_rows = await self._db.fetch_many(
                [_changes_query(guild_id, changes, 0), _problems_query(guild_id, problems)]
            )
            return [self._change(row) for row in change_rows], [_problem(row) for row in problem_rows]

        return await self._history.get((guild_id, changes, problems), read)

    def _change(self, row: Any) -> ConfigChange:
        change = self._changes.get(row["id"])
        if change is None:
            change = ConfigChange(
                row["id"],
                row["actor_id"],
                row["key"],
                _loads(row["old_value"]),
                _loads(row["new_value"]),
                row["at"],
            )
            remember(self._changes, change.id, change, CHANGES_KEPT)
        return change

    async def record_problem(self, guild_id: int, feature: str, message: str) -> None:
        """Keep a background failure so moderators see it; only the latest 20 per server are kept."""
        await self._db.batch(
            [
                (
                    "INSERT INTO problems (guild_id, feature, message, at) VALUES (?, ?, ?, ?)",
                    (guild_id, feature, message[:300], time.time()),
                ),
                (
                    "DELETE FROM problems WHERE guild_id = ? AND id NOT IN "
                    "(SELECT id FROM problems WHERE guild_id = ? ORDER BY id DESC LIMIT 20)",
                    (guild_id, guild_id),
                ),
            ]
        )

    async def recent_problems(self, guild_id: int, limit: int = 3) -> list[Problem]:
        return [_problem(row) for row in await self._db.fetchall(*_problems_query(guild_id, limit))]

    async def get_meta(self, key: str) -> str | None:
        row = await self._db.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return str(row["value"]) if row else None

    async def set_meta(self, key: str, value: str) -> None:
        await self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def _action_row(guild_id: int, actor_id: int, key: str, old: Any, new: Any) -> tuple[str, tuple[Any, ...]]:
    return audit_row(guild_id, actor_id, key, _dumps(old), _dumps(new), time.time())


def audit_row(
    guild_id: int, actor_id: int, key: str, old: str | None, new: str | None, at: float
) -> tuple[str, tuple[Any, ...]]:
    """The statement that records one change in the change log, for a batch or an atomic unit."""
    return (
        "INSERT INTO config_audit (guild_id, actor_id, key, old_value, new_value, at) VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, actor_id, key, old, new, at),
    )


def _dumps(value: Any) -> str | None:
    """A value's stored text (None for no value): canonical JSON, keys sorted, so the same value always
    gives the same text (orjson; the standard library's encoder for what orjson refuses, such as an
    integer past 64 bits)."""
    if value is None:
        return None
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _loads(raw: str | None) -> Any:
    if raw is None:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            return json.loads(raw)  # what orjson refuses (an integer past 64 bits)
        except ValueError:
            return raw


def _same_json(stored: str | None, new: str | None) -> bool:
    """Whether stored text holds the value `new` (canonical) stands for; text written by older versions
    (spaced, by the standard library's encoder) is compared by its canonical form."""
    if stored == new:
        return True
    if stored is None or new is None:
        return False
    try:
        return _dumps(_loads(stored)) == new
    except TypeError:  # not JSON at all: a different value
        return False


def _bump_version(tx: Atomic) -> int:
    """Count a change, in the writing transaction: other processes drop their caches when they see it."""
    row = tx.fetchone("UPDATE counters SET value = value + 1 WHERE name = 'config' RETURNING value")
    return int(row[0]) if row else 0


def _changes_query(guild_id: int, limit: int, offset: int) -> tuple[str, tuple[Any, ...]]:
    return (
        "SELECT id, actor_id, key, old_value, new_value, at FROM config_audit WHERE guild_id = ? "
        "ORDER BY id DESC LIMIT ? OFFSET ?",
        (guild_id, limit, offset),
    )


def _problems_query(guild_id: int, limit: int) -> tuple[str, tuple[Any, ...]]:
    return (
        "SELECT feature, message, at FROM problems WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
        (guild_id, limit),
    )


def _problem(row: Any) -> Problem:
    return Problem(row["feature"], row["message"], row["at"])
