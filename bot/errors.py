"""User-facing errors, and the one error handler for the whole command tree."""

from __future__ import annotations

import logging
import secrets

import discord
from discord import app_commands

log = logging.getLogger(__name__)


class UserError(app_commands.AppCommandError):
    """A mistake the user can fix; its message is shown to them as is (keep it short)."""


class NotModerator(app_commands.CheckFailure):
    """The member lacks Manage Server and the configured moderator role."""


def describe_user_error(error: app_commands.AppCommandError) -> str | None:
    """The message for an error the user caused, or None when it is our fault."""
    if isinstance(error, UserError):
        return str(error)
    if isinstance(error, NotModerator):
        return "Only moderators can do that: you need Manage Server or the server's moderator role."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That command works in a server, not in direct messages."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.MissingPermissions | app_commands.BotMissingPermissions):
        return str(error)
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't understand {error.value!r} for that option. Pick one of the suggestions or check the format."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use that command here."
    return None


async def send_ephemeral(interaction: discord.Interaction, message: str) -> None:
    """Answer ephemerally whether or not the interaction was already acknowledged."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("Could not deliver an error message for interaction %s", interaction.id)


async def on_tree_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    """Short ephemeral help for user mistakes; log and apologise, with an error id, for the rest."""
    message = describe_user_error(error)
    if message is None:
        error_id = secrets.token_hex(4)
        command = interaction.command.qualified_name if interaction.command else "?"
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        log.error("Error %s in /%s", error_id, command, exc_info=original)
        message = f"Sorry, something went wrong on my side. If it keeps happening, tell a moderator: error `{error_id}`."
    await send_ephemeral(interaction, message)
