"""`/config trivia ...`: the daily question, the round timeout and seasons (moderators only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.checks import is_moderator, moderator_only
from bot.components import RoutedView
from bot.errors import UserError
from bot.storage.trivia import SEASON_AUDIT_KEY
from bot.timeofday import format_local
from bot.weekly import ScheduleError, parse_days, parse_time_of_day
from cogs.trivia._daily import parse_duration
from cogs.trivia._engine import DAILY_KEY, DEFAULT_TIMEOUT, TIMEOUT_KEY, DailySettings, parse_timeout
from cogs.trivia._game import Game, can_post
from cogs.trivia._views import NewSeasonButton

if TYPE_CHECKING:
    from bot.bot import FilmClubBot


class TriviaSettings(app_commands.Group):
    """The `/config trivia` subgroup; every command checks for a moderator at run time."""

    def __init__(self, game: Game) -> None:
        super().__init__(name="trivia", description="Trivia settings: daily question, timeout, seasons")
        self.game = game

    @app_commands.command(name="daily", description="Post a graded daily question at a local time")
    @app_commands.describe(
        channel="Where to post it (I need to be able to post there)",
        time="Local time in the server's time zone: 19:30, 7:30pm, noon or midnight",
        days="daily, weekdays, weekends, or days such as mon,wed,fri or mon-fri",
        window="How long answers stay open, e.g. 30m, 2h (10 s to 23 h)",
    )
    @moderator_only()
    async def daily(
        self,
        interaction: discord.Interaction[FilmClubBot],
        channel: discord.TextChannel,
        time: str,
        days: str = "daily",
        window: str = "1h",
    ) -> None:
        guild = _guild(interaction)
        if not can_post(channel, guild):
            raise UserError(
                f"I can't post in {channel.mention}: I need View Channel, Send Messages and Embed Links."
            )
        try:
            settings = DailySettings(
                channel.id, parse_time_of_day(time), parse_days(days), parse_duration(window)
            )
        except ScheduleError as exc:
            raise UserError(str(exc)) from None
        slot = await self.game.set_daily(guild.id, settings, actor_id=interaction.user.id)
        zone = await self.game.bot.guild_timezone(guild.id)
        when = f" Next one: {format_local(slot, zone)} (<t:{int(slot.timestamp())}:R>)." if slot else ""
        await interaction.response.send_message(
            f"Daily question: {channel.mention}, {settings.describe(zone.key)}.{when}", ephemeral=True
        )

    @app_commands.command(name="daily-off", description="Stop posting the daily question")
    @moderator_only()
    async def daily_off(self, interaction: discord.Interaction[FilmClubBot]) -> None:
        guild = _guild(interaction)
        await self.game.set_daily(guild.id, None, actor_id=interaction.user.id)
        await interaction.response.send_message("The daily question is off.", ephemeral=True)

    @app_commands.command(name="timeout", description="Seconds each question stays open in a trivia round")
    @app_commands.describe(seconds="5 to 300 seconds")
    @moderator_only()
    async def timeout(self, interaction: discord.Interaction[FilmClubBot], seconds: int) -> None:
        guild = _guild(interaction)
        try:
            value = parse_timeout(seconds)
        except ScheduleError as exc:
            raise UserError(str(exc)) from None
        await self.game.bot.db.config.set(guild.id, TIMEOUT_KEY, value, actor_id=interaction.user.id)
        await interaction.response.send_message(
            f"Round questions now stay open for {value} s.", ephemeral=True
        )

    @app_commands.command(name="new-season", description="Start a new trivia season (old seasons are kept)")
    @moderator_only()
    async def new_season(self, interaction: discord.Interaction[FilmClubBot]) -> None:
        guild = _guild(interaction)
        current = await self.game.store.current_season(guild.id)
        view = RoutedView()
        view.add_item(NewSeasonButton(current))
        await interaction.response.send_message(
            f"Start season {current + 1}? Everyone goes back to 0 points on the leaderboard; season {current} "
            "stays in `/trivia leaderboard season:`. Press the button to confirm, or just ignore this message.",
            view=view,
            ephemeral=True,
        )

    async def confirm_new_season(self, interaction: discord.Interaction[Any], after: int) -> None:
        """The confirmation button: a moderator check at click time, then at most one new season."""
        guild = _guild(interaction)
        if not await is_moderator(interaction):
            raise UserError("Only moderators can start a new season.")
        number = await self.game.store.new_season(guild.id, interaction.user.id, self.game.now(), after=after)
        if number is None:
            current = await self.game.store.current_season(guild.id)
            text = f"Season {after + 1} was already started, so nothing changed (the current season is {current})."
        else:
            text = (
                f"Season {number} has started: everyone is back to 0 points. "
                "Earlier seasons stay in `/trivia leaderboard season:`."
            )
        await interaction.response.edit_message(content=text, view=None)

    def describers(self) -> dict[str, Callable[[Any], str]]:
        """How the change log words the trivia settings."""
        return {
            DAILY_KEY: _describe_daily,
            TIMEOUT_KEY: lambda value: f"{value if value is not None else DEFAULT_TIMEOUT} s per question",
            SEASON_AUDIT_KEY: lambda value: f"season {value}" if value is not None else "none",
        }

    async def section(self, guild: discord.Guild) -> list[str]:
        """Lines for `/config show`."""
        game = self.game
        settings = await game.daily_settings(guild.id)
        if settings is None:
            daily = "**Daily question:** off"
        else:
            due = await game.store.next_job_due("trivia.daily", guild.id)
            nxt = f"; next <t:{int(due)}:F>" if due else ""
            zone = await game.bot.guild_timezone(guild.id)
            daily = f"**Daily question:** <#{settings.channel_id}>, {settings.describe(zone.key)}{nxt}"
        season = await game.store.current_season(guild.id)
        return [
            daily,
            f"**Round question timeout:** {await game.timeout(guild.id)} s",
            f"**Season:** {season}",
        ]


def _describe_daily(value: Any) -> str:
    if value is None:
        return "off"
    settings = DailySettings.from_json(value)
    if settings is None:
        raise ValueError("unreadable daily settings")
    return f"<#{settings.channel_id}> {settings.describe()}"


def _guild(interaction: discord.Interaction[Any]) -> discord.Guild:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild
