"""Runtime permission checks. `default_permissions` only hides commands; these decide."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.errors import NotModerator

if TYPE_CHECKING:
    from bot.bot import FilmClubBot

MOD_ROLE_KEY = "mod_role"


async def is_moderator(interaction: discord.Interaction[Any]) -> bool:
    """Manage Server, or the server's configured moderator role."""
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        return False
    if member.guild_permissions.manage_guild:
        return True
    bot: FilmClubBot = interaction.client
    role_id = await bot.db.config.get(interaction.guild.id, MOD_ROLE_KEY)
    return role_id is not None and any(role.id == role_id for role in member.roles)


def moderator_only() -> Any:
    """An app-command check that raises NotModerator for everyone else."""

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        if not await is_moderator(interaction):
            raise NotModerator()
        return True

    return app_commands.check(predicate)
