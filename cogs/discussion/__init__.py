"""Discussion: a room (thread) for each stage of the film, weekly prompts in those rooms, the club's ratings.

Stages, the prompt rotation and ratings are plain code (`_stages`, `_prompts`, `bot.ratings`); what a
reader may see is the core spoiler policy's call (`bot.policy`). Rooms are rows and their Join buttons
are persistent, so everything survives restarts.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import is_moderator, moderator_only
from bot.errors import UserError
from bot.films.model import Film
from bot.policy import Reader
from bot.ratings import star_choices, summarise
from bot.readers import interaction_reader, is_spoiler_place
from cogs.discussion import _render as render
from cogs.discussion._posting import NoRooms, Prompts
from cogs.discussion._prompts import PROMPT_JOB, now_key
from cogs.discussion._rooms import Rooms
from cogs.discussion._settings import DiscussionSettingsGroup
from cogs.discussion._stages import may_enter, member_reader, room_reader
from cogs.discussion._views import ConfirmJoinButton, JoinButton, ReviewModal, confirm_view

if TYPE_CHECKING:
    from bot.bot import FilmClubBot
    from cogs.config import Config

log = logging.getLogger(__name__)

STAR_CHOICES = [app_commands.Choice(name=label, value=halves) for label, halves in star_choices()]


class Discussion(commands.Cog):
    """Stage rooms, discussion prompts and ratings for the server's current film."""

    # default_permissions only hides the group from members; moderator_only() is the check that counts.
    discuss = app_commands.Group(
        name="discuss",
        description="Discussion prompts (moderators)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: FilmClubBot) -> None:
        self.bot = bot
        self.rooms = Rooms(bot)
        self.prompts = Prompts(bot, self.rooms)
        self.settings = DiscussionSettingsGroup(bot, self.rooms, self.prompts)

    async def cog_load(self) -> None:
        self.bot.buttons.add(JoinButton, ConfirmJoinButton, ReviewModal)
        self.bot.scheduler.register(PROMPT_JOB, self.prompts.on_job)
        config: Config | None = self.bot.get_cog("Config")  # type: ignore[assignment]
        if config is not None:
            config.attach(self.settings, self.settings.section, self.settings.describers())
        else:
            log.warning("The config cog isn't loaded; /config discussion is unavailable")

    async def cog_unload(self) -> None:
        self.bot.buttons.remove(JoinButton, ConfirmJoinButton, ReviewModal)
        self.bot.scheduler.unregister(PROMPT_JOB)
        config: Config | None = self.bot.get_cog("Config")  # type: ignore[assignment]
        if config is not None:
            config.detach(self.settings)

    # --- events from other features ---------------------------------------------------------------

    @commands.Cog.listener()
    async def on_progress_saved(
        self, interaction: discord.Interaction[Any], film_key: str, beat: int
    ) -> None:
        """A member saved their progress: add them to the rooms it opens, with a one-line note."""
        guild = interaction.guild
        film = self.bot.films.films.get(film_key)
        if guild is None or film is None:
            return
        try:
            added = await self.rooms.sync_member(guild, film, interaction.user.id, beat)
        except (UserError, discord.HTTPException) as exc:
            log.warning("Could not add %s to rooms in guild %s: %s", interaction.user.id, guild.id, exc)
            await self.bot.db.config.record_problem(
                guild.id, "discussion", f"can't add a member to a room: {exc}"
            )
            return
        if added:
            await interaction.followup.send(render.added_note(added), ephemeral=True)

    @commands.Cog.listener()
    async def on_film_changed(self, guild_id: int) -> None:
        """The server moved on: archive and lock the old rooms, open the new film's."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return
        settings = await self.rooms.settings(guild_id)
        channel = self.rooms.channel(guild, settings.channel_id)
        try:
            if channel is None:
                await self.rooms.close(guild)
                return
            await self.rooms.open_for(guild, await self.bot.current_film(guild_id), channel)
        except (UserError, discord.HTTPException) as exc:
            await self.bot.db.config.record_problem(
                guild_id, "discussion", f"can't open the new film's rooms: {exc}"
            )

    @commands.Cog.listener()
    async def on_timezone_changed(self, guild_id: int) -> None:
        """Re-time the weekly prompt for the server's new time zone."""
        await self.prompts.reschedule(guild_id)

    # --- /discuss ---------------------------------------------------------------------------------

    @discuss.command(name="prompt", description="Post the next discussion prompt now, in its stage's room")
    @moderator_only()
    async def discuss_prompt(self, interaction: discord.Interaction[FilmClubBot]) -> None:
        guild = _guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            posted = await self.prompts.post(guild, now_key(interaction.id))
        except NoRooms as exc:
            raise UserError(f"I can't post a prompt: {exc}.") from None
        except discord.Forbidden:
            raise UserError("I can't post in the rooms: I need Send Messages in Threads there.") from None
        await interaction.followup.send(
            f"Posted a prompt for stage {posted.room.stage} in <#{posted.room.thread_id}>.", ephemeral=True
        )

    # --- the index's Join buttons -----------------------------------------------------------------

    async def on_join(self, interaction: discord.Interaction[Any], thread_id: int, confirmed: bool) -> None:
        """Join a room: straight in when progress allows (or for moderators), else a warning first."""
        guild = _guild(interaction)
        room = await self.bot.db.discussion.room(thread_id)
        if room is None or room.archived or room.guild_id != guild.id:
            raise UserError("That room is closed: the server has moved on to another film.")
        film = self.bot.films.films.get(room.film_key)
        if film is None:
            raise UserError("That room's film is no longer available.")
        progress = await self.bot.db.progress.get(guild.id, interaction.user.id, film.key)
        stage = render.stage_of_room(room)
        allowed = may_enter(member_reader(film.setup_end, progress), stage) or await is_moderator(interaction)
        if not allowed and not confirmed:
            await interaction.response.send_message(
                render.join_warning(stage, progress), view=confirm_view(thread_id), ephemeral=True
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        moved = ""
        if not allowed:
            await self.bot.db.progress.set(guild.id, interaction.user.id, film.key, stage.first)
            moved = f" Your progress is now beat {stage.first}."
            earlier = await self.rooms.sync_member(guild, film, interaction.user.id, stage.first)
            others = [f"<#{r.thread_id}>" for r in earlier if r.thread_id != thread_id]
            moved += f" That also opened {', '.join(others)}." if others else ""
        if room.private:
            await self.rooms.add(guild, room, interaction.user.id)
        await interaction.followup.send(
            f"You're in <#{thread_id}> (stage {stage.number}).{moved}", ephemeral=True
        )

    # --- ratings ----------------------------------------------------------------------------------

    @app_commands.command(
        name="rate", description="Rate the server's film from ½ to 5 stars, with an optional review"
    )
    @app_commands.describe(stars="Your rating", review="True to write (or change) a short review")
    @app_commands.choices(stars=STAR_CHOICES)
    @app_commands.guild_only()
    async def rate(
        self, interaction: discord.Interaction[FilmClubBot], stars: int, review: bool = False
    ) -> None:
        guild = _guild(interaction)
        film = await self.bot.current_film(guild.id)
        if not 1 <= stars <= 10:
            raise UserError("Pick a rating from the list: ½ to 5 stars.")
        earlier = await self.bot.db.ratings.get(guild.id, film.key, interaction.user.id)
        if review:
            modal = ReviewModal(
                film.key, stars, film_title=film.title, current=earlier.review if earlier else None
            )
            await interaction.response.send_modal(modal)
            return
        await self._save(interaction, film, stars, earlier.review if earlier else None, reviewed=False)

    async def on_review(
        self, interaction: discord.Interaction[Any], film_key: str, halves: int, review: str
    ) -> None:
        """The review modal was submitted: save the rating with its review (empty removes the review).

        The rating is for the film the modal was opened for, even if the server moved on meanwhile."""
        film = self.bot.films.films.get(film_key)
        if film is None:
            raise UserError("That film is no longer available, so the review wasn't saved.")
        cleaned = review.strip() or None
        await self._save(interaction, film, halves, cleaned, reviewed=cleaned is not None)

    async def _save(
        self,
        interaction: discord.Interaction[Any],
        film: Film,
        halves: int,
        review: str | None,
        *,
        reviewed: bool,
    ) -> None:
        guild_id = _guild(interaction).id
        before = await self.bot.db.ratings.set(guild_id, film.key, interaction.user.id, halves, review)
        summary = summarise(await self.bot.db.ratings.halves(guild_id, film.key))
        await interaction.response.send_message(
            render.saved_rating(film, halves, before, summary, reviewed), ephemeral=True
        )

    @app_commands.command(
        name="ratings", description="The club's ratings of the film, or the films it has watched"
    )
    @app_commands.describe(history="True to list every film the club has rated", private="Answer only you")
    @app_commands.guild_only()
    async def ratings(
        self, interaction: discord.Interaction[FilmClubBot], history: bool = False, private: bool = False
    ) -> None:
        guild = _guild(interaction)
        if history:
            await interaction.response.send_message(embed=await self._history(guild.id), ephemeral=private)
            return
        film = await self.bot.current_film(guild.id)
        reader = await self.reader(interaction, film, private=private)
        summary = summarise(await self.bot.db.ratings.halves(guild.id, film.key))
        reviews = await self.bot.db.ratings.reviews(guild.id, film.key)
        hidden = not reader.sees(len(film.beats))
        embed = render.ratings_embed(film, summary, reviews, reader, hidden_note=hidden)
        await interaction.response.send_message(embed=embed, ephemeral=private)

    async def _history(self, guild_id: int) -> discord.Embed:
        averages = {entry.film_key: entry for entry in await self.bot.db.ratings.history(guild_id)}
        keys = list(dict.fromkeys([*await self.bot.db.discussion.films_discussed(guild_id), *averages]))
        current = (await self.bot.current_film(guild_id)).key
        if current not in keys:
            keys.append(current)
        titles = {key: film.title for key, film in self.bot.films.films.items()}
        return render.history_embed([(titles.get(key, key), averages.get(key)) for key in keys])

    async def reader(self, interaction: discord.Interaction[Any], film: Film, *, private: bool) -> Reader:
        """Who reads this reply: in a stage's room (a public reply there), a member at the stage's last beat;
        anywhere else, whoever `bot.readers` says (a spoiler channel or a thread under one, or the member's
        own progress when private)."""
        room = await self.bot.db.discussion.room(interaction.channel_id or 0)
        if room is not None and not room.archived and room.film_key == film.key and not private:
            spoiler = await is_spoiler_place(
                self.bot, room.guild_id, interaction.channel, interaction.channel_id
            )
            return room_reader(render.stage_of_room(room), spoiler_channel=spoiler)
        return await interaction_reader(self.bot, interaction, film, private=private)


def _guild(interaction: discord.Interaction[Any]) -> discord.Guild:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild


async def setup(bot: FilmClubBot) -> None:
    await bot.add_cog(Discussion(bot))
