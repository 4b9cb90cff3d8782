"""`/about`: what the bot does, its commands, and where its film facts come from."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import FilmClubBot
from bot.films import Film
from bot.readers import interaction_reader
from bot.render import fit_embed, truncate

DISCUSSION_SETUP = (
    "**Moderators:** `/config discussion channel` opens a thread per stage of the film under a channel and pins "
    "an index with Join buttons (I need Create Public and Private Threads, Send Messages in Threads, Manage "
    "Threads and Pin Messages there). `/config discussion stages` moves where stages begin; "
    "`/config discussion prompts` posts an open question each week; `/discuss prompt` posts one now.\n"
    "**Members:** `/progress set` adds you to each room as you reach it. `/rate` and `/ratings` keep the "
    "club's verdict; reviews stay behind spoiler tags until you finish the film."
)

AppCommand = app_commands.Command[Any, ..., Any] | app_commands.Group | app_commands.ContextMenu


def _subcommands(group: app_commands.Group, prefix: str = "") -> list[str]:
    names: list[str] = []
    for child in group.commands:
        if isinstance(child, app_commands.Group):
            names += _subcommands(child, f"{prefix}{child.name} ")
        else:
            names.append(f"{prefix}{child.name}")
    return names


def command_line(command: AppCommand) -> str:
    """One line per top-level command: its description, or its subcommands for a group."""
    if isinstance(command, app_commands.Group):
        return f"`/{command.name}` " + " · ".join(_subcommands(command))
    if isinstance(command, app_commands.Command):
        return f"`/{command.name}` {command.description}"
    return ""


class Meta(commands.Cog):
    """Information about the bot itself."""

    def __init__(self, bot: FilmClubBot) -> None:
        self.bot = bot
        # The reply depends only on the film, its title as this reader may see it, and the commands loaded.
        self._replies: dict[tuple[str, str, tuple[str, ...]], discord.Embed] = {}

    @app_commands.command(name="about", description="What this bot does, its commands and its sources")
    async def about(self, interaction: discord.Interaction[FilmClubBot]) -> None:
        film = await self.bot.current_film(interaction.guild_id)
        reader = await interaction_reader(self.bot, interaction, film, private=True)
        title = reader.render(film.title, film.title_reveal)
        key = (film.key, title, tuple(self.bot.extensions))
        embed = self._replies.get(key)
        if embed is None:
            embed = self._replies[key] = self._reply(film, title)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    def _reply(self, film: Film, title: str) -> discord.Embed:
        commands_list = [command_line(c) for c in sorted(self.bot.tree.get_commands(), key=lambda c: c.name)]
        embed = discord.Embed(
            title="Film club bot",
            description=(
                f"This server is discussing **{title}**. I answer questions about it without spoiling it: "
                "public answers show the setup only, private answers (`private:true`) follow the beat you "
                "saved with `/progress set`, and a spoiler channel shows everything; anything later stays "
                "behind spoiler tags or is left out. I also run trivia, help pick a watch-party time, give each stage of the film its own "
                "discussion room, and keep the club's ratings.\n\n"
                "Everything I say about the film comes from the source documents below; where they disagree I "
                'show every version, and where they are silent I say "not stated".'
            ),
        )
        embed.add_field(name="Commands", value=truncate("\n".join(commands_list), 1024), inline=False)
        embed.add_field(name="Discussion rooms", value=DISCUSSION_SETUP, inline=False)
        sources = [
            f"• {s.title} ({s.kind}; {s.author or 'author not stated'}; {s.date or 'date not stated'})"
            for s in film.sources
        ]
        embed.add_field(name="Sources", value=truncate("\n".join(sources), 1024), inline=False)
        return fit_embed(embed)


async def setup(bot: FilmClubBot) -> None:
    await bot.add_cog(Meta(bot))
