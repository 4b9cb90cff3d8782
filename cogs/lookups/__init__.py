"""Film lookups: synopsis, spoiler-tagged plot, viewing progress, cast, film details and sources.

Everything shown comes from the server's current film pack; what gets spoiler tags is decided by the core
policy (`bot.policy`), drawn by `_render`, and long answers turn pages with the persistent buttons in `_views`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import FilmClubBot
from bot.errors import UserError
from bot.films import beat_choices, cast_choices, find_beats, find_cast, search_terms
from bot.films.model import Beat, Film
from bot.policy import Reader, reader_for
from bot.ratings import film_line, summarise
from bot.readers import interaction_reader
from bot.render import CHOICE_NAME_LIMIT, truncate
from cogs.lookups import _render
from cogs.lookups._views import PageButton, PageState, pager

log = logging.getLogger(__name__)

CHOICES_LIMIT = 25
SEARCH_MAX = 60
# Rendered pages are kept per (film, list, reader view): packs are immutable, so a page never goes stale.
DRAWN_CACHE_SIZE = 512


class Lookups(commands.Cog):
    """Spoiler-safe answers about the server's current film, and members' own viewing progress."""

    progress = app_commands.Group(
        name="progress", description="Your own 'watched up to' point for the current film", guild_only=True
    )

    def __init__(self, bot: FilmClubBot) -> None:
        self.bot = bot
        self._drawn: dict[tuple[str, str, str, Reader], tuple[dict[str, Any], ...]] = {}

    async def cog_load(self) -> None:
        self.bot.buttons.add(PageButton)

    async def cog_unload(self) -> None:
        self.bot.buttons.remove(PageButton)

    # --- commands --------------------------------------------------------------------------------------

    @app_commands.command(name="synopsis", description="The film's synopsis; spoiler-free unless you ask")
    @app_commands.describe(
        spoilers="True for the full synopsis, later parts behind spoiler tags", private="Answer only you"
    )
    async def synopsis(
        self, interaction: discord.Interaction[FilmClubBot], spoilers: bool = False, private: bool = False
    ) -> None:
        await self.send(interaction, PageState("synfull" if spoilers else "syn", "", private))

    @app_commands.command(name="plot", description="A plot beat, a search of the beats, or the timeline")
    @app_commands.describe(
        beat="A beat number (start typing a title to pick one)",
        search="Words to look for in the beats",
        timeline="True to list every beat (also what you get with no option)",
        private="Answer only you, honouring your saved progress",
    )
    async def plot(
        self,
        interaction: discord.Interaction[FilmClubBot],
        beat: int | None = None,
        search: str | None = None,
        timeline: bool = False,
        private: bool = False,
    ) -> None:
        film = await self.film_for(interaction)
        if sum((beat is not None, search is not None, timeline)) > 1:
            raise UserError("Pick one: `beat`, `search` or `timeline`, not several.")
        if beat is not None:
            self.beat_or_error(film, beat)
            await self.send(interaction, PageState("beat", film.key, private, arg=str(beat)))
        elif search is not None:
            await self.send(
                interaction, PageState("search", film.key, private, arg=self.search_text(film, search))
            )
        else:
            await self.send(interaction, PageState("tl", film.key, private))

    @plot.autocomplete("beat")
    async def plot_beat_autocomplete(
        self, interaction: discord.Interaction[FilmClubBot], current: str
    ) -> list[app_commands.Choice[int]]:
        return await self.beat_autocomplete(interaction, current)

    @app_commands.command(
        name="cast", description="Who plays whom, with sources; no name lists the whole cast"
    )
    @app_commands.describe(name="An actor or a character (typos are fine)", private="Answer only you")
    async def cast(
        self, interaction: discord.Interaction[FilmClubBot], name: str | None = None, private: bool = False
    ) -> None:
        film = await self.film_for(interaction)
        if name is None or not name.strip():
            await self.send(interaction, PageState("cast", film.key, private))
            return
        reader = await self.reader(interaction, film, private=private)
        lookup = find_cast(film, name, reader)
        if not lookup.matches and not lookup.unplayed:
            message = _render.not_in_cast(name, lookup.suggestions)
            await interaction.response.send_message(message, ephemeral=True)
            return
        embeds = _render.cast_embeds(film, list(lookup.matches), reader, lookup.unplayed)
        await interaction.response.send_message(embed=embeds[0], ephemeral=private)

    @cast.autocomplete("name")
    async def cast_autocomplete(
        self, interaction: discord.Interaction[FilmClubBot], current: str
    ) -> list[app_commands.Choice[str]]:
        film = await self.bot.current_film(interaction.guild_id)
        reader = await self.reader(interaction, film, private=True)
        return [_str_choice(choice) for choice in cast_choices(film, current, reader)][:CHOICES_LIMIT]

    @app_commands.command(name="film", description="The film's details; disputed facts show every version")
    @app_commands.describe(private="Answer only you")
    async def film(self, interaction: discord.Interaction[FilmClubBot], private: bool = False) -> None:
        await self.send(interaction, PageState("film", "", private))

    @app_commands.command(name="sources", description="The source documents behind everything the bot says")
    @app_commands.describe(private="Answer only you")
    async def sources(self, interaction: discord.Interaction[FilmClubBot], private: bool = False) -> None:
        await self.send(interaction, PageState("sources", "", private))

    @progress.command(name="set", description="Save the beat you've watched up to")
    @app_commands.describe(
        beat="The last beat you've seen, 0 if you haven't started (type a title to pick one)"
    )
    async def progress_set(self, interaction: discord.Interaction[FilmClubBot], beat: int) -> None:
        film = await self.film_for(interaction)
        if not 0 <= beat <= film.last_beat:
            raise UserError(
                f"There's no beat {beat}. {_render.beat_range(film)} Use 0 if you haven't started."
            )
        await self.bot.db.progress.set(_guild_id(interaction), interaction.user.id, film.key, beat)
        reader = reader_for(setup_end=film.setup_end, spoiler_channel=False, private=True, progress=beat)
        await interaction.response.send_message(_render.progress_saved(film, reader), ephemeral=True)
        # Other features follow progress (the discussion rooms add the member to the stages they reached).
        self.bot.dispatch("progress_saved", interaction, film.key, beat)

    @progress_set.autocomplete("beat")
    async def progress_beat_autocomplete(
        self, interaction: discord.Interaction[FilmClubBot], current: str
    ) -> list[app_commands.Choice[int]]:
        return await self.beat_autocomplete(interaction, current)

    @progress.command(name="show", description="Show your saved progress and the timeline as you see it")
    async def progress_show(self, interaction: discord.Interaction[FilmClubBot]) -> None:
        await self.send(interaction, PageState("prog", "", True))

    @progress.command(name="clear", description="Forget your saved progress for the current film")
    async def progress_clear(self, interaction: discord.Interaction[FilmClubBot]) -> None:
        film = await self.film_for(interaction)
        cleared = await self.bot.db.progress.clear(_guild_id(interaction), interaction.user.id, film.key)
        text = "Cleared your progress." if cleared else "You had no saved progress."
        await interaction.response.send_message(
            f"{text} Your private answers show the setup only (beats 1-{film.setup_end}) untagged; "
            "everything later is tagged.",
            ephemeral=True,
        )

    # --- helpers ---------------------------------------------------------------------------------------

    async def film_for(self, interaction: discord.Interaction[Any]) -> Film:
        """The server's current film."""
        return await self.bot.current_film(interaction.guild_id)

    async def reader(
        self, interaction: discord.Interaction[Any], film: Film, *, private: bool, opt_in: bool = True
    ) -> Reader:
        """Who reads this answer, and where, as the core spoiler policy sees it."""
        return await interaction_reader(self.bot, interaction, film, private=private, opt_in=opt_in)

    def beat_or_error(self, film: Film, number: int) -> Beat:
        """The beat with this number, or a UserError naming the range."""
        try:
            return film.beat(number)
        except KeyError:
            raise UserError(f"There's no beat {number}. {_render.beat_range(film)}") from None

    def search_text(self, film: Film, text: str) -> str:
        """The cleaned search text, or a UserError when there is nothing to search for."""
        cleaned = " ".join(text.split())
        if not cleaned:
            raise UserError(f"Type some words to search for. {_render.beat_range(film)}")
        if len(cleaned) > SEARCH_MAX:
            raise UserError(f"Keep the search under {SEARCH_MAX} characters.")
        if not search_terms(film, cleaned) and not cleaned.isdigit():
            raise UserError(
                f"“{_render.escape(cleaned)}” has only common words like “the” or “and”. "
                "Search for a name or a word from the scene, such as `race` or `kristen`."
            )
        return cleaned

    async def beat_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[int]]:
        film = await self.bot.current_film(interaction.guild_id)
        reader = await self.reader(interaction, film, private=True)  # the member's own progress
        return [_int_choice(choice) for choice in beat_choices(film, current, reader)][:CHOICES_LIMIT]

    async def pages_for(self, interaction: discord.Interaction[Any], state: PageState) -> list[discord.Embed]:
        """Draw every page of the list a state names, for the member who is reading it."""
        film = self.bot.films.get(state.film) if state.film else await self.film_for(interaction)
        reader = await self.reader(interaction, film, private=state.private, opt_in=state.kind != "syn")
        key = (film.key, state.kind, state.arg, reader)
        drawn = self._drawn.get(key)
        if drawn is None:
            drawn = tuple(dict(page.to_dict()) for page in self.draw(film, state, reader))
            if len(self._drawn) >= DRAWN_CACHE_SIZE:
                self._drawn.clear()
            self._drawn[key] = drawn
        pages = [discord.Embed.from_dict(page) for page in drawn]
        if state.kind == "film" and interaction.guild_id:
            line = await self.rating_line(interaction.guild_id, interaction.user.id, film)
            if line:
                pages[0].add_field(name="The club", value=line, inline=False)
        return pages

    async def rating_line(self, guild_id: int, user_id: int, film: Film) -> str | None:
        """The club's average and the member's own rating, once enough members rated (not cached)."""
        ratings = self.bot.db.ratings
        summary = summarise(await ratings.halves(guild_id, film.key))
        own = await ratings.get(guild_id, film.key, user_id) if summary.shown_beside_film else None
        return film_line(summary, own.halves if own else None)

    def draw(self, film: Film, state: PageState, reader: Reader) -> list[discord.Embed]:
        """Render the pages; a pure function of the (immutable) film, the list and the reader's view."""
        if state.kind == "beat":
            return _render.beat_pages(film, self.beat_or_error(film, int(state.arg)), reader)
        if state.kind == "search":
            beats = list(find_beats(film, state.arg, reader))
            if not beats:
                raise UserError(_render.nothing_found(film, state.arg, reader))
            return _render.search_pages(film, state.arg, beats, reader)
        return _DRAW[state.kind](film, reader)

    async def send(self, interaction: discord.Interaction[Any], state: PageState) -> None:
        """Answer with the first page of a list, and page buttons when there are more."""
        if not state.film:
            state = PageState(state.kind, (await self.film_for(interaction)).key, state.private, 0, state.arg)
        pages = await self.pages_for(interaction, state)
        view = pager(state, len(pages))
        if view is None:
            await interaction.response.send_message(embed=pages[0], ephemeral=state.private)
        else:
            await interaction.response.send_message(embed=pages[0], view=view, ephemeral=state.private)

    async def turn_page(self, interaction: discord.Interaction[Any], state: PageState) -> None:
        """Redraw the page a button names, in place."""
        if state.film not in self.bot.films.films:
            raise UserError("That film is no longer available. Run the command again.")
        pages = await self.pages_for(interaction, state)
        state = PageState(state.kind, state.film, state.private, min(state.page, len(pages) - 1), state.arg)
        await interaction.response.edit_message(embed=pages[state.page], view=pager(state, len(pages)))


_DRAW: dict[str, Callable[[Film, Reader], list[discord.Embed]]] = {
    "film": _render.film_pages,
    "cast": _render.cast_pages,
    "syn": _render.synopsis_pages,
    "synfull": _render.synopsis_pages,
    "tl": _render.timeline_pages,
    "prog": _render.progress_pages,
    "sources": lambda film, _reader: _render.sources_pages(film),
}


def _guild_id(interaction: discord.Interaction[Any]) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


def _int_choice(choice: tuple[str, int]) -> app_commands.Choice[int]:
    name, value = choice
    return app_commands.Choice(name=truncate(name, CHOICE_NAME_LIMIT), value=value)


def _str_choice(choice: tuple[str, str]) -> app_commands.Choice[str]:
    name, value = choice
    return app_commands.Choice(name=truncate(name, 100), value=value[:100])


async def setup(bot: FilmClubBot) -> None:
    await bot.add_cog(Lookups(bot))
