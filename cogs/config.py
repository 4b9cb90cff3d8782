"""Moderator configuration: `/config ...`, with every change audited."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import FILM_KEY, TIMEZONE_KEY, FilmClubBot
from bot.checks import MOD_ROLE_KEY, moderator_only
from bot.errors import UserError
from bot.render import CHOICE_NAME_LIMIT, fit_embed, truncate
from bot.usertext import code, plain

log = logging.getLogger(__name__)

Section = Callable[[discord.Guild], Awaitable[list[str]]]


def _ts(unix: float) -> str:
    return f"<t:{int(unix)}:R>"


def _show_value(key: str, value: Any) -> str:
    if value is None:
        return "unset"
    if key == MOD_ROLE_KEY:
        return f"<@&{value}>"
    if key == "spoiler_channel":
        return f"<#{value}>"
    return f"`{value}`" if not isinstance(value, dict) else "updated"


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Config(commands.GroupCog, group_name="config", group_description="Server settings (moderators only)"):
    """Per-server settings. Feature cogs attach their own subgroups and `/config show` sections."""

    def __init__(self, bot: FilmClubBot) -> None:
        self.bot = bot
        self._sections: dict[str, Section] = {}
        self._zones = sorted(available_timezones())
        super().__init__()

    # default_permissions only hides the group from members without Manage Server; the runtime
    # moderator_only() check on every command is the one that counts. Attached subgroups add their own.
    __cog_app_commands_group__: app_commands.Group

    def attach(self, group: app_commands.Group, section: Section | None = None) -> None:
        """Add a feature's `/config <feature>` subgroup and an optional `/config show` section."""
        self.__cog_app_commands_group__.add_command(group)
        if section is not None:
            self._sections[group.name] = section

    def detach(self, group: app_commands.Group) -> None:
        self.__cog_app_commands_group__.remove_command(group.name)
        self._sections.pop(group.name, None)

    @app_commands.command(name="show", description="Show this server's settings and recent changes")
    @moderator_only()
    async def show(self, interaction: discord.Interaction[FilmClubBot]) -> None:
        guild = _guild(interaction)
        config = self.bot.db.config
        values = await config.get_all(guild.id)
        film = await self.bot.current_film(guild.id)
        spoiler_channels = sorted(await config.spoiler_channels(guild.id))
        lines = [
            f"**Film:** {film.title} (`{film.key}`)",
            f"**Time zone:** {values.get(TIMEZONE_KEY, 'UTC')}",
            f"**Moderator role:** {_show_value(MOD_ROLE_KEY, values.get(MOD_ROLE_KEY))} (Manage Server always counts)",
            "**Spoiler channels:** " + (", ".join(f"<#{c}>" for c in spoiler_channels) or "none"),
        ]
        for name, section in self._sections.items():
            lines.append(f"\n__{name.capitalize()}__")
            lines.extend(await section(guild))
        changes = await config.recent_changes(guild.id)
        change_lines = [
            f"{_ts(c.at)} <@{c.actor_id}> {c.key}: {_show_value(c.key, c.old)} → {_show_value(c.key, c.new)}"
            for c in changes
        ]
        problems = await config.recent_problems(guild.id)
        problem_lines = [f"{_ts(p.at)} {p.feature}: {plain(p.message)}" for p in problems]
        embed = discord.Embed(title="Server settings", description="\n".join(lines))
        embed.add_field(name="Recent changes", value="\n".join(change_lines) or "none yet", inline=False)
        if problem_lines:
            embed.add_field(name="Recent problems", value="\n".join(problem_lines), inline=False)
        await interaction.response.send_message(embed=fit_embed(embed), ephemeral=True)

    @app_commands.command(name="timezone", description="Set the server's time zone (an IANA name)")
    @app_commands.describe(zone="An IANA time zone such as Europe/London or America/New_York")
    @moderator_only()
    async def timezone(self, interaction: discord.Interaction[FilmClubBot], zone: str) -> None:
        name = zone.strip()
        if name not in self._zones:
            raise UserError(
                f"{code(name, 60)} isn't a time zone I know. Pick one from the list, such as `Europe/Paris`."
            )
        ZoneInfo(name)
        guild = _guild(interaction)
        old = await self.bot.db.config.set(guild.id, TIMEZONE_KEY, name, actor_id=interaction.user.id)
        if old != name:
            # Features with local-time schedules (the daily question) re-time them.
            self.bot.dispatch("timezone_changed", guild.id)
        await _confirm(interaction, f"Time zone set to **{name}** (was {old or 'UTC'}).")

    @timezone.autocomplete("zone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction[FilmClubBot], current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.strip().lower().replace(" ", "_")
        matches = [z for z in self._zones if needle in z.lower()] if needle else ["UTC", *self._zones]
        matches.sort(key=lambda z: (not z.lower().startswith(needle), len(z)))
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
        state = "now a spoiler channel" if marked else "no longer a spoiler channel"
        note = "" if changed else " (no change)"
        await _confirm(interaction, f"{channel.mention} is {state}{note}.")

    @app_commands.command(name="film", description="Choose the film this server is discussing")
    @app_commands.describe(film="One of the film packs this bot has")
    @moderator_only()
    async def film(self, interaction: discord.Interaction[FilmClubBot], film: str) -> None:
        if film not in self.bot.films.films:
            known = ", ".join(f"`{k}`" for k in self.bot.films.films)
            raise UserError(f"I have no film pack called that. Available: {known}.")
        chosen = self.bot.films.get(film)
        await self.bot.db.config.set(_guild(interaction).id, FILM_KEY, film, actor_id=interaction.user.id)
        await _confirm(interaction, f"This server is now discussing **{chosen.title}**.")

    @film.autocomplete("film")
    async def film_autocomplete(
        self, interaction: discord.Interaction[FilmClubBot], current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.lower()
        return [
            app_commands.Choice(name=truncate(f.title, CHOICE_NAME_LIMIT), value=key)
            for key, f in self.bot.films.films.items()
            if needle in f.title.lower() or needle in key
        ][:25]


def _guild(interaction: discord.Interaction[Any]) -> discord.Guild:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild


async def _confirm(interaction: discord.Interaction[Any], text: str) -> None:
    await interaction.response.send_message(text, ephemeral=True)


async def setup(bot: FilmClubBot) -> None:
    await bot.add_cog(Config(bot))
