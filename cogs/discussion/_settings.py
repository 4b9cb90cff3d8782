"""`/config discussion ...`: the discussion channel, stage boundaries and the weekly prompt (moderators only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands

from bot.checks import moderator_only
from bot.errors import UserError
from bot.timeofday import format_local
from bot.weekly import ScheduleError, parse_time_of_day
from cogs.discussion._prompts import PROMPT_JOB, PROMPTS_KEY, PromptSchedule
from cogs.discussion._rooms import SETTINGS_KEY, DiscussionSettings, Rooms
from cogs.discussion._stages import StageError, parse_starts

if TYPE_CHECKING:
    from bot.bot import FilmClubBot
    from cogs.discussion._posting import Prompts

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Day = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "off"]


class DiscussionSettingsGroup(app_commands.Group):
    """The `/config discussion` subgroup; every command checks for a moderator at run time."""

    def __init__(self, bot: FilmClubBot, rooms: Rooms, prompts: Prompts) -> None:
        super().__init__(name="discussion", description="Discussion rooms per stage of the film, and prompts")
        self.bot = bot
        self.rooms = rooms
        self.prompts = prompts

    @app_commands.command(
        name="channel", description="Open a room (thread) per stage of the film under a channel"
    )
    @app_commands.describe(channel="The text channel the rooms hang off; I pin an index of the rooms there")
    @moderator_only()
    async def channel(
        self, interaction: discord.Interaction[FilmClubBot], channel: discord.TextChannel
    ) -> None:
        guild = _guild(interaction)
        target = self.rooms.channel(guild, channel.id)
        if target is None:
            raise UserError("Pick a text channel: rooms are threads, and they hang off a text channel.")
        self.rooms.check_channel(target)
        settings = await self.rooms.settings(guild.id)
        new = DiscussionSettings(target.id, settings.starts)
        await self.bot.db.config.set(guild.id, SETTINGS_KEY, new.to_json(), actor_id=interaction.user.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        film = await self.bot.current_film(guild.id)
        rooms = await self.rooms.open_for(guild, film, target)
        listed = ", ".join(f"<#{room.thread_id}>" for room in rooms)
        await interaction.followup.send(
            f"Discussion rooms for **{discord.utils.escape_markdown(film.title)}** are open under "
            f"{target.mention}: {listed}. The index is pinned there. Set a weekly prompt with "
            "`/config discussion prompts`.",
            ephemeral=True,
        )

    @app_commands.command(
        name="stages", description="Move where the film's stages begin (or go back to the default)"
    )
    @app_commands.describe(starts="First beat of each stage after the first, e.g. 7, 13; or `default`")
    @moderator_only()
    async def stages(self, interaction: discord.Interaction[FilmClubBot], starts: str) -> None:
        guild = _guild(interaction)
        film = await self.bot.current_film(guild.id)
        settings = await self.rooms.settings(guild.id)
        chosen = dict(settings.starts)
        if starts.strip().lower() == "default":
            chosen.pop(film.key, None)
        else:
            try:
                chosen[film.key] = list(parse_starts(starts, len(film.beats)))
            except StageError as exc:
                raise UserError(str(exc)) from None
        new = DiscussionSettings(settings.channel_id, chosen)
        target = self.rooms.channel(guild, settings.channel_id)
        if target is not None:
            self.rooms.check_channel(target)
        await self.bot.db.config.set(guild.id, SETTINGS_KEY, new.to_json(), actor_id=interaction.user.id)
        shown = "; ".join(f"stage {s.number}: {s.beats}" for s in new.stages(film))
        if target is None:
            await interaction.response.send_message(
                f"Stages of **{discord.utils.escape_markdown(film.title)}**: {shown}. "
                "Set a channel with `/config discussion channel` to open their rooms.",
                ephemeral=True,
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.rooms.open_for(guild, film, target)
        await interaction.followup.send(
            f"Stages of **{discord.utils.escape_markdown(film.title)}**: {shown}. Rooms that no longer fit were "
            "archived and locked, and the index shows the new ones.",
            ephemeral=True,
        )

    @app_commands.command(name="prompts", description="Post a discussion prompt each week at a local time")
    @app_commands.describe(
        day="The weekday, or `off` to stop", time="Local time in the server's time zone, e.g. 19:30"
    )
    @moderator_only()
    async def prompts_schedule(
        self, interaction: discord.Interaction[FilmClubBot], day: Day, time: str | None = None
    ) -> None:
        guild = _guild(interaction)
        if day == "off":
            await self.bot.db.config.set(guild.id, PROMPTS_KEY, None, actor_id=interaction.user.id)
            await self.prompts.reschedule(guild.id)
            await interaction.response.send_message("Weekly discussion prompts are off.", ephemeral=True)
            return
        if time is None:
            raise UserError("Give a time too, such as `time:19:30` (24-hour, the server's time zone).")
        try:
            schedule = PromptSchedule(DAYS.index(day), parse_time_of_day(time))
        except ScheduleError as exc:
            raise UserError(str(exc)) from None
        await self.bot.db.config.set(guild.id, PROMPTS_KEY, schedule.to_json(), actor_id=interaction.user.id)
        slot = await self.prompts.reschedule(guild.id)
        zone = await self.bot.guild_timezone(guild.id)
        when = f" Next one: {format_local(slot, zone)} (<t:{int(slot.timestamp())}:R>)." if slot else ""
        rooms = await self.bot.db.discussion.open_rooms(guild.id)
        note = "" if rooms else " No rooms are open yet: set them up with `/config discussion channel`."
        await interaction.response.send_message(
            f"A discussion prompt goes into its stage's room {schedule.describe()}.{when}{note}",
            ephemeral=True,
        )

    def describers(self) -> dict[str, Callable[[Any], str]]:
        """How the change log words the discussion settings."""
        return {SETTINGS_KEY: _describe_settings, PROMPTS_KEY: _describe_prompts}

    async def section(self, guild: discord.Guild) -> list[str]:
        """Lines for `/config show`."""
        settings = await self.rooms.settings(guild.id)
        film = await self.bot.current_film(guild.id)
        channel = f"<#{settings.channel_id}>" if settings.channel_id else "not set"
        stages = "; ".join(f"{s.number}: {s.beats}" for s in settings.stages(film))
        rooms = await self.bot.db.discussion.open_rooms(guild.id)
        schedule = await self.prompts.schedule_of(guild.id)
        due = await self.bot.db.jobs.next_due_for(PROMPT_JOB, guild.id)
        prompts = schedule.describe() + (f"; next <t:{int(due)}:F>" if due else "") if schedule else "off"
        return [
            f"**Discussion channel:** {channel} ({len(rooms)} rooms open)",
            f"**Stages of {discord.utils.escape_markdown(film.title)}:** {stages}",
            f"**Weekly prompt:** {prompts}",
        ]


def _describe_settings(value: Any) -> str:
    if value is None:
        return "off"
    settings = DiscussionSettings.from_json(value)
    channel = f"<#{settings.channel_id}>" if settings.channel_id else "no channel"
    moved = "; ".join(
        f"{film} stages start at {', '.join(map(str, starts))}" for film, starts in settings.starts.items()
    )
    return channel + (f" ({moved})" if moved else "")


def _describe_prompts(value: Any) -> str:
    schedule = PromptSchedule.from_json(value)
    return schedule.describe() if schedule is not None else "off"


def _guild(interaction: discord.Interaction[Any]) -> discord.Guild:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild
