"""Posting discussion prompts: the weekly slot through the scheduler, and a moderator's "post one now".

Each slot is one job (its key names the slot), and the prompt chosen for a slot is stored before it is
posted, so a retried job posts the same prompt with the same nonce: exactly one post per slot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.films.model import Film, Prompt
from bot.scheduler import PermanentJobError
from bot.storage.discussion import PromptPost, Room
from bot.storage.jobs import Job
from bot.weekly import next_slot, plan_run
from cogs.discussion import _render as render
from cogs.discussion._prompts import PROMPT_JOB, PROMPTS_KEY, PromptSchedule, next_prompt, slot_key
from cogs.discussion._rooms import Rooms
from cogs.discussion._stages import room_reader

if TYPE_CHECKING:
    from bot.bot import FilmClubBot

log = logging.getLogger(__name__)


class NoRooms(Exception):
    """The server has no open rooms for its film, so there is nowhere to post a prompt."""


@dataclass(frozen=True, slots=True)
class Posted:
    """A prompt posted into a room."""

    prompt: Prompt
    room: Room
    message_id: int


class Prompts:
    """Chooses, schedules and posts prompts for every server."""

    def __init__(self, bot: FilmClubBot, rooms: Rooms) -> None:
        self.bot = bot
        self.rooms = rooms

    async def schedule_of(self, guild_id: int) -> PromptSchedule | None:
        return PromptSchedule.from_json(await self.bot.db.config.get(guild_id, PROMPTS_KEY))

    async def reschedule(self, guild_id: int) -> datetime | None:
        """Replace the server's pending prompt job with one for its next slot (none when switched off)."""
        await self.bot.db.jobs.cancel_prefix(PROMPT_JOB, f"prompt:{guild_id}:", guild_id=guild_id)
        schedule = await self.schedule_of(guild_id)
        if schedule is None:
            return None
        slot = next_slot(self.bot.clock.now(), schedule.spec(await self.bot.guild_timezone(guild_id)))
        await self.bot.scheduler.schedule(PROMPT_JOB, slot_key(guild_id, slot), slot, guild_id=guild_id)
        return slot

    async def on_job(self, job: Job) -> None:
        """One weekly slot: schedule the next slot first, then post this slot's prompt (at most once)."""
        guild_id = job.guild_id
        schedule = await self.schedule_of(guild_id) if guild_id is not None else None
        if guild_id is None or schedule is None:
            return
        spec = schedule.spec(await self.bot.guild_timezone(guild_id))
        plan = plan_run(job.due_at, self.bot.clock.now(), spec)
        await self.bot.scheduler.schedule(
            PROMPT_JOB, slot_key(guild_id, plan.next_slot), plan.next_slot, guild_id=guild_id
        )
        if not plan.post:
            log.info("Skipping the prompt for slot %s in guild %s: missed by too long", plan.slot, guild_id)
            return
        await self.bot.wait_until_ready()  # a job caught up at boot runs before the guilds are cached
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            raise PermanentJobError(f"the server {guild_id} is not available")
        try:
            await self.post(guild, slot_key(guild_id, plan.slot), job.nonce)
        except NoRooms as exc:
            raise PermanentJobError(str(exc)) from exc
        except discord.Forbidden as exc:
            raise PermanentJobError(f"can't post the discussion prompt: {exc.text or exc}") from exc

    async def post(self, guild: discord.Guild, slot: str, nonce: str | None = None) -> Posted:
        """Post the slot's prompt (chosen now, or the one chosen before) into its stage's room."""
        film = await self.bot.current_film(guild.id)
        rooms = [
            room for room in await self.bot.db.discussion.open_rooms(guild.id) if room.film_key == film.key
        ]
        if not rooms:
            raise NoRooms("no discussion rooms are open; set them up with /config discussion channel")
        async with self.rooms.lock(guild.id):
            post = await self._claim(guild.id, film, rooms, slot)
        if post is None:
            raise NoRooms(f"the film pack for {film.title} has no discussion prompts")
        prompt = next(p for p in film.prompts if p.key == post.prompt_key)
        room = next((r for r in rooms if r.thread_id == post.thread_id), rooms[0])
        thread = await self.rooms.thread(guild, room.thread_id)
        if thread is None:
            raise NoRooms(
                f"the room for stage {room.stage} is gone; reopen the rooms with /config discussion channel"
            )
        if thread.archived and not thread.locked:
            await thread.edit(archived=False)
        stage = render.stage_of_room(room)
        spoiler = await self.bot.db.config.is_spoiler_channel(guild.id, room.channel_id)
        text = render.prompt_message(prompt, room_reader(stage, spoiler_channel=spoiler), stage)
        message = await thread.send(text, nonce=nonce) if nonce else await thread.send(text)
        log.info(
            "Posted prompt %s in room %s (guild %s, slot %s)", prompt.key, room.thread_id, guild.id, slot
        )
        return Posted(prompt, room, message.id)

    async def _claim(self, guild_id: int, film: Film, rooms: list[Room], slot: str) -> PromptPost | None:
        store = self.bot.db.discussion
        claimed = await store.prompt_for_slot(guild_id, slot)
        if claimed is not None and any(p.key == claimed.prompt_key for p in film.prompts):
            return claimed
        cycle, used = await store.prompt_cycle(guild_id, film.key)
        stages = [render.stage_of_room(room) for room in rooms]
        choice = next_prompt(film.prompts, stages, cycle, used)
        if choice is None:
            return None
        room = next(r for r in rooms if r.stage == choice.stage.number)
        return await store.record_prompt(
            guild_id, film.key, PromptPost(choice.prompt.key, choice.cycle, slot, room.thread_id)
        )
