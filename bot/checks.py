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
    """Manage Server (or Administrator), or the server's configured moderator role.

    The permissions are the ones Discord sent with the interaction, as discord.py's own
    `app_commands.checks.has_permissions` reads them: working them out again from the member's roles costs
    more than the rest of the check.
    """
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        return False
    permissions = interaction.permissions
    if permissions.administrator or permissions.manage_guild:
        return True
    bot: FilmClubBot = interaction.client
    role_id = await bot.db.config.get(interaction.guild.id, MOD_ROLE_KEY)
    return isinstance(role_id, int) and member.get_role(role_id) is not None


def moderator_only() -> Any:
    """An app-command check that raises NotModerator for everyone else."""

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        if not await is_moderator(interaction):
            raise NotModerator()
        return True

    return app_commands.check(predicate)
