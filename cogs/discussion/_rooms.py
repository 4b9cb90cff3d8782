"""Stage rooms on Discord: opening a film's threads, archiving them, adding members, the pinned index.

Rooms are rows (`db.discussion`); the threads and the index message are Discord's. Every change for one
server runs under that server's lock, so two triggers never open the same rooms twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

import discord

from bot.errors import UserError
from bot.films.model import Film
from bot.storage.discussion import IndexMessage, Room
from cogs.discussion import _render as render
from cogs.discussion._stages import Stage, default_starts, may_enter, member_reader, stages_from
from cogs.discussion._views import index_view

if TYPE_CHECKING:
    from bot.bot import FilmClubBot

log = logging.getLogger(__name__)

SETTINGS_KEY = "discussion"
ARCHIVE_AFTER_MINUTES: Final[Literal[10080]] = 10080  # a week; posting reopens an idle room
# What the rooms need from the bot in the discussion channel, with the names Discord's settings show.
NEEDED = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    ("read_message_history", "Read Message History"),
    ("create_public_threads", "Create Public Threads"),
    ("create_private_threads", "Create Private Threads"),
    ("send_messages_in_threads", "Send Messages in Threads"),
    ("manage_threads", "Manage Threads"),
    ("pin_messages", "Pin Messages"),
)


@dataclass(frozen=True, slots=True)
class DiscussionSettings:
    """A server's discussion channel and, per film, where its stages begin (None: the pack's levels)."""

    channel_id: int | None
    starts: dict[str, list[int]]

    @classmethod
    def from_json(cls, data: Any) -> DiscussionSettings:
        if not isinstance(data, dict):
            return cls(None, {})
        channel = data.get("channel")
        starts = data.get("starts") if isinstance(data.get("starts"), dict) else {}
        return cls(int(channel) if isinstance(channel, int) else None, dict(starts or {}))

    def to_json(self) -> dict[str, Any]:
        return {"channel": self.channel_id, "starts": self.starts}

    def stages(self, film: Film) -> tuple[Stage, ...]:
        starts = self.starts.get(film.key) or default_starts(film)
        return stages_from(starts, len(film.beats))


def missing_permissions(perms: discord.Permissions) -> list[str]:
    """The names of the permissions the rooms need that the bot lacks (pinning may use Manage Messages)."""
    missing = []
    for flag, name in NEEDED:
        if flag == "pin_messages" and perms.manage_messages:
            continue
        if not getattr(perms, flag):
            missing.append(name)
    return missing


def refused_text(channel: discord.abc.GuildChannel) -> str:
    """When Discord refused part of the work although the permissions looked right (a stale cache)."""
    names = ", ".join(name for _, name in NEEDED)
    return (
        f"Discord refused to let me set up the rooms in {channel.mention}. I need these permissions there: "
        f"{names}. Check my role and the channel's overrides, then run `/config discussion channel` again."
    )


def missing_text(channel: discord.abc.GuildChannel, missing: Sequence[str]) -> str:
    names = ", ".join(missing)
    return (
        f"I can't run discussion rooms in {channel.mention}: I'm missing {names}. Give my role "
        f"{'that permission' if len(missing) == 1 else 'those permissions'} there (or re-invite me with the "
        "link in the README), then run `/config discussion channel` again."
    )


class Rooms:
    """Opens, archives and fills a server's stage rooms."""

    def __init__(self, bot: FilmClubBot) -> None:
        self.bot = bot
        self._locks: dict[int, asyncio.Lock] = {}

    def lock(self, guild_id: int) -> asyncio.Lock:
        return self._locks.setdefault(guild_id, asyncio.Lock())

    async def settings(self, guild_id: int) -> DiscussionSettings:
        return DiscussionSettings.from_json(await self.bot.db.config.get(guild_id, SETTINGS_KEY))

    # --- Discord objects --------------------------------------------------------------------------

    async def thread(self, guild: discord.Guild, thread_id: int) -> discord.Thread | None:
        """A room's thread from the cache, or fetched (archived threads are not cached)."""
        cached = guild.get_thread(thread_id)
        if cached is not None:
            return cached
        try:
            fetched = await self.bot.fetch_channel(thread_id)
        except (discord.NotFound, discord.Forbidden):
            return None
        return fetched if isinstance(fetched, discord.Thread) else None

    def channel(self, guild: discord.Guild, channel_id: int | None) -> discord.TextChannel | None:
        found = guild.get_channel(channel_id) if channel_id else None
        return found if isinstance(found, discord.TextChannel) else None

    def check_channel(self, channel: discord.TextChannel) -> None:
        """UserError naming every permission the rooms need in this channel and the bot lacks."""
        missing = missing_permissions(channel.permissions_for(channel.guild.me))
        if missing:
            raise UserError(missing_text(channel, missing))

    # --- opening and closing ----------------------------------------------------------------------

    async def open_for(self, guild: discord.Guild, film: Film, channel: discord.TextChannel) -> list[Room]:
        """Make the server's open rooms those of `film` in `channel`: archive others, open what is missing."""
        async with self.lock(guild.id):
            store = self.bot.db.discussion
            rooms = await store.open_rooms(guild.id)
            stages = (await self.settings(guild.id)).stages(film)
            if rooms and _same(rooms, film, channel, stages):
                await self._post_index(guild, film, channel, rooms)
                return rooms
            if rooms:
                await self._archive(guild, rooms)
            self.check_channel(channel)
            try:
                rooms = [await self._open(guild, film, channel, stage) for stage in stages]
            except discord.Forbidden:
                raise UserError(refused_text(channel)) from None
            await self._post_index(guild, film, channel, rooms)
            for room in rooms[1:]:
                await self._add_reached(guild, film, room)
            return rooms

    async def close(self, guild: discord.Guild) -> list[Room]:
        """Archive and lock the server's open rooms (kept, never deleted) and retire the index."""
        async with self.lock(guild.id):
            rooms = await self.bot.db.discussion.open_rooms(guild.id)
            await self._archive(guild, rooms)
            return rooms

    async def _open(
        self, guild: discord.Guild, film: Film, channel: discord.TextChannel, stage: Stage
    ) -> Room:
        private = stage.number > 1
        kind = discord.ChannelType.private_thread if private else discord.ChannelType.public_thread
        thread = await channel.create_thread(
            name=stage.name(film.title),
            type=kind,
            invitable=False,
            auto_archive_duration=ARCHIVE_AFTER_MINUTES,
            reason="Discussion room for one stage of the film",
        )
        room = Room(
            thread.id,
            guild.id,
            channel.id,
            film.key,
            stage.number,
            stage.count,
            stage.first,
            stage.last,
            private,
            False,
        )
        await self.bot.db.discussion.add_room(room)
        log.info("Opened room %s (stage %d of %s) in guild %s", thread.id, stage.number, film.key, guild.id)
        return room

    async def _archive(self, guild: discord.Guild, rooms: Sequence[Room]) -> None:
        for room in rooms:
            thread = await self.thread(guild, room.thread_id)
            if thread is not None and not thread.locked:
                try:
                    await thread.edit(
                        archived=True, locked=True, reason="The server moved on to another film"
                    )
                except discord.Forbidden:
                    await self.bot.db.config.record_problem(
                        guild.id,
                        "discussion",
                        f"can't lock the old room <#{room.thread_id}>: I need Manage Threads",
                    )
        await self.bot.db.discussion.archive_rooms(guild.id)
        await self._retire_index(guild, rooms)

    # --- the index --------------------------------------------------------------------------------

    async def _post_index(
        self, guild: discord.Guild, film: Film, channel: discord.TextChannel, rooms: Sequence[Room]
    ) -> None:
        store = self.bot.db.discussion
        current = await store.index(guild.id)
        embed, view = render.index_embed(film, rooms), index_view(rooms)
        if current is not None and current.channel_id == channel.id and current.film_key == film.key:
            try:
                await channel.get_partial_message(current.message_id).edit(embed=embed, view=view)
                return
            except discord.NotFound:
                pass
        message = await channel.send(embed=embed, view=view)
        await store.set_index(guild.id, IndexMessage(channel.id, message.id, film.key))
        try:
            await message.pin(reason="Index of the discussion rooms")
        except discord.Forbidden:
            await self.bot.db.config.record_problem(
                guild.id, "discussion", "can't pin the rooms' index: I need Pin Messages in that channel"
            )

    async def _retire_index(self, guild: discord.Guild, rooms: Sequence[Room]) -> None:
        store = self.bot.db.discussion
        current = await store.index(guild.id)
        if current is None:
            return
        await store.clear_index(guild.id)
        channel = self.channel(guild, current.channel_id)
        film = self.bot.films.films.get(current.film_key)
        if channel is None or film is None:
            return
        partial = channel.get_partial_message(current.message_id)
        try:
            await partial.edit(embed=render.closed_index_embed(film), view=None)
            await partial.unpin(reason="These rooms are archived")
        except (discord.NotFound, discord.Forbidden):
            log.info("Could not retire the index message %s in guild %s", current.message_id, guild.id)

    # --- members ----------------------------------------------------------------------------------

    async def add(self, guild: discord.Guild, room: Room, user_id: int) -> bool:
        """Add a member to a room's thread (reopening an idle one); False when they were in it already."""
        thread = await self.thread(guild, room.thread_id)
        if thread is None:
            raise UserError(
                "That room's thread is gone. A moderator can reopen the rooms with `/config discussion channel`."
            )
        if thread.archived and not thread.locked:
            await thread.edit(archived=False)
        try:
            await thread.add_user(discord.Object(user_id))
        except discord.Forbidden:
            raise UserError(
                "I can't add members to that room: I need Send Messages in Threads and Manage Threads there. "
                "Ask a moderator to check my permissions."
            ) from None
        return await self.bot.db.discussion.add_member(room.thread_id, user_id)

    async def sync_member(
        self, guild: discord.Guild, film: Film, user_id: int, progress: int | None
    ) -> list[Room]:
        """Add a member to every open room of the film their progress lets them enter; returns the new ones."""
        reader = member_reader(film.setup_end, progress)
        added = []
        for room in await self.bot.db.discussion.open_rooms(guild.id):
            if room.film_key != film.key or not room.private:
                continue
            if not may_enter(reader, render.stage_of_room(room)):
                continue
            if user_id not in await self.bot.db.discussion.members(room.thread_id):
                await self.add(guild, room, user_id)
                added.append(room)
        return added

    async def _add_reached(self, guild: discord.Guild, film: Film, room: Room) -> None:
        """When a room opens, add the members whose saved progress already reaches it."""
        reached = await self.bot.db.progress.reached(guild.id, film.key, room.first_beat)
        for user_id, progress in reached.items():
            if may_enter(member_reader(film.setup_end, progress), render.stage_of_room(room)):
                try:
                    await self.add(guild, room, user_id)
                except (UserError, discord.HTTPException) as exc:
                    log.warning("Could not add %s to room %s: %s", user_id, room.thread_id, exc)


def _same(rooms: Sequence[Room], film: Film, channel: discord.TextChannel, stages: Sequence[Stage]) -> bool:
    """Whether the open rooms are exactly this film's stages in this channel."""
    wanted = [(s.number, s.count, s.first, s.last) for s in stages]
    have = [(r.stage, r.stages, r.first_beat, r.last_beat) for r in rooms]
    return all(r.film_key == film.key and r.channel_id == channel.id for r in rooms) and have == wanted
