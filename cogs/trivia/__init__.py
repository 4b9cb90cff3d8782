"""Trivia: rounds with buttons or typed answers, a graded daily question, seasons and leaderboards.

Questions come from the film data (see `_bank`); scoring, matching and the daily schedule are plain
code (`_scoring`, `_daily`). This module holds the `/trivia` commands and wiring.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import is_moderator
from bot.errors import UserError
from bot.films.model import SpoilerLevel
from cogs.trivia import _render as render
from cogs.trivia._engine import LEVELS
from cogs.trivia._game import CLOSE_JOB, DAILY_JOB, Game
from cogs.trivia._settings import TriviaSettings
from cogs.trivia._views import AnswerModal, ChoiceButton, NewSeasonButton, TypedAnswerButton

if TYPE_CHECKING:
    from bot.bot import FilmClubBot
    from cogs.config import Config

log = logging.getLogger(__name__)


@app_commands.guild_only()
class Trivia(commands.GroupCog, group_name="trivia", group_description="Film trivia rounds and leaderboards"):
    """Trivia rounds, the daily question and standings, kept in the database so restarts lose nothing."""

    def __init__(self, bot: FilmClubBot) -> None:
        self.bot = bot
        self.game = Game(bot)
        self.settings = TriviaSettings(self.game)
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.buttons.add(ChoiceButton, TypedAnswerButton, NewSeasonButton, AnswerModal)
        self.bot.scheduler.register(CLOSE_JOB, self.game.on_close)
        self.bot.scheduler.register(DAILY_JOB, self.game.on_daily)
        config: Config | None = self.bot.get_cog("Config")  # type: ignore[assignment]
        if config is not None:
            config.attach(self.settings, self.settings.section, self.settings.describers())
        else:
            log.warning("The config cog isn't loaded; /config trivia is unavailable")

    @commands.Cog.listener()
    async def on_timezone_changed(self, guild_id: int) -> None:
        """Re-time the pending daily question for the server's new time zone."""
        settings = await self.game.daily_settings(guild_id)
        if settings is not None:
            await self.game.schedule_daily(guild_id, settings)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """At start (and after a clock change while down), each daily question points at its next slot."""
        await self._retime_all()

    @commands.Cog.listener()
    async def on_clock_changed(self, moved: float) -> None:
        await self._retime_all()

    async def _retime_all(self) -> None:
        for guild in list(self.bot.guilds):
            try:
                await self.game.retime_daily(guild.id)
            except Exception:
                log.exception("Could not re-time the daily question of guild %s", guild.id)

    async def cog_unload(self) -> None:
        self.bot.buttons.remove(ChoiceButton, TypedAnswerButton, NewSeasonButton, AnswerModal)
        self.bot.scheduler.unregister(CLOSE_JOB)
        self.bot.scheduler.unregister(DAILY_JOB)
        config: Config | None = self.bot.get_cog("Config")  # type: ignore[assignment]
        if config is not None:
            config.detach(self.settings)

    @app_commands.command(
        name="start",
        description="Start a round here. Right answer 10 pts, up to +5 for speed, +2 per streak (max +6)",
    )
    @app_commands.describe(
        questions="How many questions (1-20)",
        spoilers="The furthest point in the film questions may reveal (default: setup, safe before watching)",
        mode="Buttons A-D, or type your answer (typos, accents and surnames are forgiven)",
    )
    async def start(
        self,
        interaction: discord.Interaction[FilmClubBot],
        questions: app_commands.Range[int, 1, 20] = 5,
        spoilers: Literal["setup", "middle", "ending"] = "setup",
        mode: Literal["buttons", "typed"] = "buttons",
    ) -> None:
        await self.game.start_round(interaction, questions, LEVELS[spoilers], mode)

    @app_commands.command(name="stop", description="Stop this channel's round (its starter or a moderator)")
    async def stop(self, interaction: discord.Interaction[FilmClubBot]) -> None:
        await self.game.stop(interaction, await is_moderator(interaction))

    @app_commands.command(name="leaderboard", description="The server's trivia leaderboard")
    @app_commands.describe(season="Which season (default: the current one)")
    async def leaderboard(
        self,
        interaction: discord.Interaction[FilmClubBot],
        season: app_commands.Range[int, 1, 10_000] | None = None,
    ) -> None:
        guild_id = _guild_id(interaction)
        current = await self.game.store.current_season(guild_id)
        chosen = season or current
        if chosen > current:
            raise UserError(f"There is no season {chosen} yet; this is season {current}.")
        rows = await self.game.store.leaderboard(guild_id, chosen, limit=15)
        await interaction.response.send_message(embed=render.leaderboard_embed(chosen, current, rows))

    @app_commands.command(name="stats", description="Question bank size, and a member's trivia record")
    @app_commands.describe(member="Whose record (default: yours)")
    async def stats(
        self, interaction: discord.Interaction[FilmClubBot], member: discord.Member | None = None
    ) -> None:
        guild_id = _guild_id(interaction)
        film = await self.bot.current_film(guild_id)
        user_id = (member or interaction.user).id
        store = self.game.store
        season = await store.current_season(guild_id)
        lines = render.bank_lines(film, self.game.bank(film))
        lines += render.member_lines(
            user_id,
            season,
            await store.standing(guild_id, user_id, season),
            await store.rank_of(guild_id, user_id, season),
            await store.all_time(guild_id, user_id),
        )
        await interaction.response.send_message(embed=render.stats_embed(lines), ephemeral=True)


def _guild_id(interaction: discord.Interaction[FilmClubBot]) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


def level_from(name: str) -> SpoilerLevel:
    """A spoiler level from its label."""
    return LEVELS[name]


async def setup(bot: FilmClubBot) -> None:
    await bot.add_cog(Trivia(bot))
