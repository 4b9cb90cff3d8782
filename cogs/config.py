"""Moderator configuration: `/config ...`, with every change audited."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import FILM_KEY, TIMEZONE_KEY, FilmClubBot
from bot.bounded import remember
from bot.checks import MOD_ROLE_KEY, is_moderator, moderator_only
from bot.errors import UserError
from bot.films import Film
from bot.names import ExactNames, Named, NameIndex, find_name, fold, plain_index
from bot.pages import page_buttons, show_page
from bot.readers import interaction_reader
from bot.render import CHOICE_NAME_LIMIT, fit_embed, inline_code, truncate
from bot.storage.config import ConfigChange
from bot.storage.health import describe as describe_health
from bot.usertext import plain

log = logging.getLogger(__name__)

Section = Callable[[discord.Guild], Awaitable[list[str]]]
Describer = Callable[[Any], str]
LOG_PAGES = "audit"  # kind of the /config log pages (bot.pages)
LOG_PER_PAGE = 10
RECENT_PROBLEMS = 3
RECENT_CHANGES = 5
LINES_KEPT = 5_000  # worded change lines kept, by change id


def _ts(unix: float) -> str:
    return f"<t:{int(unix)}:R>"


def _show_value(key: str, value: Any) -> str:
    if value is None:
        return "unset"
    if key == MOD_ROLE_KEY:
        return f"<@&{value}>"
    if key == "spoiler_channel":
        return f"<#{value}>"
    if isinstance(value, str):
        return inline_code(value)
    return inline_code(json.dumps(value, sort_keys=True), 120)


@dataclass(frozen=True)
class Zones:
    """Every IANA time zone the system knows, indexed for matching what a moderator types."""

    names: list[str]
    index: NameIndex
    exact: ExactNames


@functools.cache
def zones() -> Zones:
    """Read and indexed on first use, not at start-up (the list has some 600 names)."""
    names = sorted(available_timezones())
    return Zones(names, plain_index(names), ExactNames(names))


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Config(commands.GroupCog, group_name="config", group_description="Server settings (moderators only)"):
    """Per-server settings. Feature cogs attach their own subgroups and `/config show` sections."""

    def __init__(self, bot: FilmClubBot) -> None:
        self.bot = bot
        self._sections: dict[str, Section] = {}
        self._describers: dict[str, Describer] = {
            TIMEZONE_KEY: lambda value: inline_code(value or "UTC"),
            FILM_KEY: self._describe_film,
            "spoiler_channel": lambda value: f"<#{value}> marked" if value else "not marked",
        }
        self._lines: dict[int, str] = {}  # change id -> its line in /config show and /config log
        self._lines_for: object = None  # the film library the lines were worded with
        super().__init__()

    # default_permissions only hides the group from members without Manage Server; the runtime
    # moderator_only() check on every command is the one that counts. Attached subgroups add their own.
    __cog_app_commands_group__: app_commands.Group

    def attach(
        self,
        group: app_commands.Group,
        section: Section | None = None,
        describers: dict[str, Describer] | None = None,
    ) -> None:
        """Add a feature's `/config <feature>` subgroup, its `/config show` section and how the change
        log should word its settings (`describers`: setting key → value as people read it; None = unset)."""
        self.__cog_app_commands_group__.add_command(group)
        if section is not None:
            self._sections[group.name] = section
        self._describers.update(describers or {})
        self._lines.clear()

    def detach(self, group: app_commands.Group) -> None:
        self.__cog_app_commands_group__.remove_command(group.name)
        self._sections.pop(group.name, None)
        self._lines.clear()

    @app_commands.command(name="show", description="Show this server's settings and recent changes")
    @moderator_only()
    async def show(self, interaction: discord.Interaction[FilmClubBot]) -> None:
        guild = _guild(interaction)
        config = self.bot.db.config
        values = await config.get_all(guild.id)
        film = await self.bot.current_film(guild.id)
        reader = await interaction_reader(self.bot, interaction, film, private=True)
        spoiler_channels = sorted(await config.spoiler_channels(guild.id))
        lines = [
            f"**Film:** {reader.render(film.title, film.title_reveal)} (`{film.key}`)",
            f"**Time zone:** {values.get(TIMEZONE_KEY, 'UTC')}",
            f"**Moderator role:** {_show_value(MOD_ROLE_KEY, values.get(MOD_ROLE_KEY))} (Manage Server always counts)",
            "**Spoiler channels:** " + (", ".join(f"<#{c}>" for c in spoiler_channels) or "none"),
        ]
        for name, section in self._sections.items():
            lines.append(f"\n__{name.capitalize()}__")
            lines.extend(await section(guild))
        # One more change than shown tells whether there are older ones.
        changes, problems = await config.history(guild.id, RECENT_CHANGES + 1, RECENT_PROBLEMS)
        change_lines = [self.change_line(c) for c in changes[:RECENT_CHANGES]]
        if len(changes) > RECENT_CHANGES:
            change_lines.append("Older changes: `/config log`.")
        problem_lines = [f"{_ts(p.at)} {p.feature}: {plain(p.message)}" for p in problems]
        embed = discord.Embed(title="Server settings", description="\n".join(lines))
        embed.add_field(name="Recent changes", value="\n".join(change_lines) or "none yet", inline=False)
        if problem_lines:
            embed.add_field(name="Recent problems", value="\n".join(problem_lines), inline=False)
        outage = describe_health(self.bot.db.health)
        if outage:
            embed.add_field(name="Database", value=discord.utils.escape_markdown(outage), inline=False)
        await interaction.response.send_message(embed=fit_embed(embed), ephemeral=True)

    def _describe_film(self, value: Any) -> str:
        films = self.bot.films.films
        key = value if value in films else self.bot.films.default_key
        return f"*{films[key].title}*" if key in films else inline_code(str(value))

    def describe(self, key: str, value: Any) -> str:
        """A stored value as people read it, worded by the feature that owns the setting."""
        describer = self._describers.get(key)
        if describer is None:
            return _show_value(key, value)
        try:
            return describer(value)
        except (TypeError, ValueError, KeyError):
            return _show_value(key, value)

    def change_line(self, change: ConfigChange) -> str:
        """`<t:…:R> @mod time zone: UTC → Europe/Paris`, worded once per change (a change never changes;
        the wording is made afresh when a feature attaches or the films are reloaded)."""
        if self._lines_for is not self.bot.films:
            self._lines.clear()
            self._lines_for = self.bot.films
        line = self._lines.get(change.id)
        if line is None:
            old, new = self.describe(change.key, change.old), self.describe(change.key, change.new)
            line = f"{_ts(change.at)} <@{change.actor_id}> {change.key.replace('_', ' ')}: {old} → {new}"
            remember(self._lines, change.id, line, LINES_KEPT)
        return line

    @app_commands.command(name="log", description="Every change moderators made here, newest first")
    @moderator_only()
    async def log(self, interaction: discord.Interaction[FilmClubBot]) -> None:
        await self.log_page(interaction, 0, first=True)

    async def log_page(
        self, interaction: discord.Interaction[Any], page: int, *, first: bool = False
    ) -> None:
        """Page `page` of the change log (also redrawn by its buttons, after a moderator check)."""
        if not first and not await is_moderator(interaction):
            raise UserError("Only moderators can read the change log.")
        guild = _guild(interaction)
        config = self.bot.db.config
        pages = max(1, -(-await config.count_changes(guild.id) // LOG_PER_PAGE))
        page = min(page, pages - 1)
        changes = await config.recent_changes(guild.id, LOG_PER_PAGE, page * LOG_PER_PAGE)
        lines = [self.change_line(change) for change in changes] or ["No changes yet."]
        title = "Change log" + (f" ({page + 1}/{pages})" if pages > 1 else "")
        embed = fit_embed(discord.Embed(title=title, description="\n".join(lines)))
        await show_page(interaction, embed, page_buttons(LOG_PAGES, page, pages), first=first)

    async def _turn_log_page(self, interaction: discord.Interaction[Any], page: int) -> None:
        await self.log_page(interaction, page)

    async def cog_load(self) -> None:
        self.bot.page_drawers[LOG_PAGES] = self._turn_log_page

    async def cog_unload(self) -> None:
        self.bot.page_drawers.pop(LOG_PAGES, None)

    @app_commands.command(name="timezone", description="Set the server's time zone (an IANA name)")
    @app_commands.describe(zone="An IANA time zone such as Europe/London or America/New_York")
    @moderator_only()
    async def timezone(self, interaction: discord.Interaction[FilmClubBot], zone: str) -> None:
        name = zones().exact.find(zone.strip().replace(" ", "_")) or self._only_zone(zone)
        if name is None:
            close = [str(z) for z in zones().index.complete(zone)[:3]]
            hint = f" Did you mean {', '.join(inline_code(z) for z in close)}?" if close else ""
            raise UserError(
                f"{inline_code(zone)} isn't a time zone I know.{hint} "
                "Pick one from the list as you type, such as `Europe/Paris`."
            )
        ZoneInfo(name)
        guild = _guild(interaction)
        old = await self.bot.db.config.set(guild.id, TIMEZONE_KEY, name, actor_id=interaction.user.id)
        if old != name:
            # Features with local-time schedules (the daily question) re-time them.
            self.bot.dispatch("timezone_changed", guild.id)
        await _confirm(interaction, f"Time zone set to **{name}** (was {old or 'UTC'}).")

    def _only_zone(self, text: str) -> str | None:
        """The one zone whose name has these words (`new york` → America/New_York), if only one has."""
        found = zones().index.find(text)
        return str(found[0]) if len(found) == 1 else None

    @timezone.autocomplete("zone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction[FilmClubBot], current: str
    ) -> list[app_commands.Choice[str]]:
        matches = (
            [str(z) for z in zones().index.complete(current)] if current.strip() else ["UTC", *zones().names]
        )
        return [app_commands.Choice(name=z, value=z) for z in matches[:25]]

    @app_commands.command(
        name="modrole", description="Set or clear the role whose members may change settings"
    )
    @app_commands.describe(role="The moderator role; leave empty to clear it")
    @moderator_only()
    async def modrole(
        self, interaction: discord.Interaction[FilmClubBot], role: discord.Role | None = None
    ) -> None:
        guild = _guild(interaction)
        if role is not None and (role.is_default() or role.managed):
            raise UserError(
                "Pick a normal role: not @everyone, and not a role managed by a bot or integration."
            )
        await self.bot.db.config.set(
            guild.id, MOD_ROLE_KEY, role.id if role else None, actor_id=interaction.user.id
        )
        text = (
            f"Moderator role set to {role.mention}."
            if role
            else "Moderator role cleared: only Manage Server counts."
        )
        await _confirm(interaction, text)

    @app_commands.command(
        name="spoilers", description="Mark or unmark a channel where plot text is shown untagged"
    )
    @app_commands.describe(
        channel="The text channel", marked="True to mark it as a spoiler channel, False to unmark"
    )
    @moderator_only()
    async def spoilers(
        self, interaction: discord.Interaction[FilmClubBot], channel: discord.TextChannel, marked: bool = True
    ) -> None:
        guild = _guild(interaction)
        changed = await self.bot.db.config.set_spoiler_channel(
            guild.id, channel.id, marked, actor_id=interaction.user.id
        )
        if changed:
            state = "now a spoiler channel" if marked else "no longer a spoiler channel"
        else:
            state = "already a spoiler channel" if marked else "not a spoiler channel, so nothing changed"
        await _confirm(interaction, f"{channel.mention} is {state}.")

    @app_commands.command(name="film", description="Choose the film this server is discussing")
    @app_commands.describe(film="One of the film packs this bot has")
    @moderator_only()
    async def film(self, interaction: discord.Interaction[FilmClubBot], film: str) -> None:
        films = self.bot.films.films
        key = find_name(film, list(films)) or _key_by_title(films, film)
        if key is None:
            known = ", ".join(f"**{f.title}** (`{k}`)" for k, f in films.items())
            raise UserError(f"I have no film pack called {inline_code(film)}. Available: {known}.")
        chosen = self.bot.films.get(key)
        guild = _guild(interaction)
        old = await self.bot.db.config.set(guild.id, FILM_KEY, key, actor_id=interaction.user.id)
        await _confirm(interaction, f"This server is now discussing **{chosen.title}**.")
        if (old or self.bot.films.default_key) != key:
            # Features tied to the film (the discussion rooms) move on to the new one.
            self.bot.dispatch("film_changed", guild.id)

    @film.autocomplete("film")
    async def film_autocomplete(
        self, interaction: discord.Interaction[FilmClubBot], current: str
    ) -> list[app_commands.Choice[str]]:
        films = self.bot.films.films
        index = NameIndex(Named(key, (f.title, key)) for key, f in films.items())
        return [
            app_commands.Choice(name=truncate(films[str(key)].title, CHOICE_NAME_LIMIT), value=str(key))
            for key in index.complete(current)[:25]
        ]


def _key_by_title(films: Mapping[str, Film], text: str) -> str | None:
    keys = [key for key, film in films.items() if fold(film.title) == fold(text)]
    return keys[0] if len(keys) == 1 else None


def _guild(interaction: discord.Interaction[Any]) -> discord.Guild:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild


async def _confirm(interaction: discord.Interaction[Any], text: str) -> None:
    await interaction.response.send_message(text, ephemeral=True)


async def setup(bot: FilmClubBot) -> None:
    await bot.add_cog(Config(bot))
