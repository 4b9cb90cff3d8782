"""Discussion rooms (one thread per stage of a film), the pinned index, members added, prompts posted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.bounded import remember

if TYPE_CHECKING:
    from bot.storage import Database

OPEN_ROOMS_KEPT = 1000  # servers whose open rooms are kept


@dataclass(frozen=True, slots=True)
class Room:
    """A stage's thread. Open rooms belong to the server's current film; archived ones are kept."""

    thread_id: int
    guild_id: int
    channel_id: int
    film_key: str
    stage: int
    stages: int
    first_beat: int
    last_beat: int
    private: bool
    archived: bool


@dataclass(frozen=True, slots=True)
class IndexMessage:
    """The pinned message listing a film's rooms with their Join buttons."""

    channel_id: int
    message_id: int
    film_key: str


@dataclass(frozen=True, slots=True)
class PromptPost:
    """A prompt posted for one slot (a scheduled slot, or a moderator's request)."""

    prompt_key: str
    cycle: int
    slot: str
    thread_id: int | None


def _room(row: Any) -> Room:
    return Room(
        thread_id=int(row["thread_id"]),
        guild_id=int(row["guild_id"]),
        channel_id=int(row["channel_id"]),
        film_key=str(row["film_key"]),
        stage=int(row["stage"]),
        stages=int(row["stages"]),
        first_beat=int(row["first_beat"]),
        last_beat=int(row["last_beat"]),
        private=bool(row["private"]),
        archived=row["archived_at"] is not None,
    )


class DiscussionStore:
    """SQL for stage rooms, their index message, the members added to them and prompt posts.

    A server's open rooms are read by `/config show`, the room list and every prompt posted, and change
    only through this store (a room opened, the rooms archived), so they are kept per server; each write
    drops the server's entry, and a read that overlapped a write is not kept.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._open: dict[int, tuple[Room, ...]] = {}  # guild id -> its open rooms, in stage order
        self._room_writes: dict[int, int] = {}  # guild id -> room writes started and finished

    @contextmanager
    def _changing_rooms(self, guild_id: int) -> Iterator[None]:
        self._open.pop(guild_id, None)
        self._room_writes[guild_id] = self._room_writes.get(guild_id, 0) + 1
        try:
            yield
        finally:
            self._open.pop(guild_id, None)
            self._room_writes[guild_id] += 1

    # --- rooms -----------------------------------------------------------------------------------

    async def add_room(self, room: Room) -> None:
        row = (room.thread_id, room.guild_id, room.channel_id, room.film_key, room.stage, room.stages,
               room.first_beat, room.last_beat, int(room.private), time.time())  # fmt: skip
        with self._changing_rooms(room.guild_id):
            await self._db.execute(
                "INSERT INTO discussion_rooms (thread_id, guild_id, channel_id, film_key, stage, stages, "
                "first_beat, last_beat, private, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )

    async def open_rooms(self, guild_id: int) -> list[Room]:
        """The server's open rooms, in stage order."""
        cached = self._open.get(guild_id)
        if cached is not None:
            return list(cached)
        writes = self._room_writes.get(guild_id, 0)
        rows = await self._db.fetchall(
            "SELECT * FROM discussion_rooms WHERE guild_id = ? AND archived_at IS NULL ORDER BY stage",
            (guild_id,),
        )
        rooms = tuple(_room(row) for row in rows)
        if self._room_writes.get(guild_id, 0) == writes:  # no room of the server was written meanwhile
            remember(self._open, guild_id, rooms, OPEN_ROOMS_KEPT)
        return list(rooms)

    async def room(self, thread_id: int) -> Room | None:
        row = await self._db.fetchone("SELECT * FROM discussion_rooms WHERE thread_id = ?", (thread_id,))
        return _room(row) if row else None

    async def archive_rooms(self, guild_id: int) -> list[Room]:
        """Mark every open room of a server archived; returns them (their threads are kept)."""
        with self._changing_rooms(guild_id):
            rooms = await self.open_rooms(guild_id)
            await self._db.execute(
                "UPDATE discussion_rooms SET archived_at = ? WHERE guild_id = ? AND archived_at IS NULL",
                (time.time(), guild_id),
            )
        return rooms

    async def films_discussed(self, guild_id: int) -> list[str]:
        """Film keys that had rooms in this server, in the order they were opened."""
        rows = await self._db.fetchall(
            "SELECT film_key, MIN(opened_at) AS first_at FROM discussion_rooms WHERE guild_id = ? "
            "GROUP BY film_key ORDER BY first_at",
            (guild_id,),
        )
        return [str(row["film_key"]) for row in rows]

    # --- members ---------------------------------------------------------------------------------

    async def add_member(self, thread_id: int, user_id: int) -> bool:
        """Record that a member was added to a room; False when they already were."""
        changed = await self._db.execute(
            "INSERT INTO discussion_members (thread_id, user_id, added_at) VALUES (?, ?, ?) "
            "ON CONFLICT (thread_id, user_id) DO NOTHING",
            (thread_id, user_id, time.time()),
        )
        return changed > 0

    async def forget_member(self, thread_id: int, user_id: int) -> None:
        await self._db.execute(
            "DELETE FROM discussion_members WHERE thread_id = ? AND user_id = ?", (thread_id, user_id)
        )

    async def members(self, thread_id: int) -> set[int]:
        rows = await self._db.fetchall(
            "SELECT user_id FROM discussion_members WHERE thread_id = ?", (thread_id,)
        )
        return {int(row["user_id"]) for row in rows}

    # --- the index message -----------------------------------------------------------------------

    async def set_index(self, guild_id: int, index: IndexMessage) -> None:
        await self._db.execute(
            "INSERT INTO discussion_index (guild_id, channel_id, message_id, film_key) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, "
            "message_id = excluded.message_id, film_key = excluded.film_key",
            (guild_id, index.channel_id, index.message_id, index.film_key),
        )

    async def index(self, guild_id: int) -> IndexMessage | None:
        row = await self._db.fetchone(
            "SELECT channel_id, message_id, film_key FROM discussion_index WHERE guild_id = ?", (guild_id,)
        )
        return (
            IndexMessage(int(row["channel_id"]), int(row["message_id"]), str(row["film_key"]))
            if row
            else None
        )

    async def clear_index(self, guild_id: int) -> None:
        await self._db.execute("DELETE FROM discussion_index WHERE guild_id = ?", (guild_id,))

    # --- prompts ---------------------------------------------------------------------------------

    async def prompt_for_slot(self, guild_id: int, slot: str) -> PromptPost | None:
        """The prompt already chosen for a slot (so a retried job posts the same one)."""
        row = await self._db.fetchone(
            "SELECT prompt_key, cycle, slot, thread_id FROM discussion_prompts WHERE guild_id = ? AND slot = ?",
            (guild_id, slot),
        )
        return PromptPost(row["prompt_key"], row["cycle"], row["slot"], row["thread_id"]) if row else None

    async def prompt_cycle(self, guild_id: int, film_key: str) -> tuple[int, set[str]]:
        """The current rotation cycle and the prompts already used in it."""
        rows = await self._db.fetchall(
            "SELECT cycle, prompt_key FROM discussion_prompts WHERE guild_id = ? AND film_key = ? "
            "AND cycle = (SELECT MAX(cycle) FROM discussion_prompts WHERE guild_id = ? AND film_key = ?)",
            (guild_id, film_key, guild_id, film_key),
        )
        if not rows:
            return 1, set()
        return int(rows[0]["cycle"]), {str(row["prompt_key"]) for row in rows}

    async def record_prompt(self, guild_id: int, film_key: str, post: PromptPost) -> PromptPost:
        """Claim a slot for a prompt; when the slot was claimed already, the earlier claim wins."""
        await self._db.execute(
            "INSERT INTO discussion_prompts (guild_id, film_key, cycle, prompt_key, slot, thread_id, posted_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (guild_id, film_key, post.cycle, post.prompt_key, post.slot, post.thread_id, time.time()),
        )
        claimed = await self.prompt_for_slot(guild_id, post.slot)
        return claimed or post
