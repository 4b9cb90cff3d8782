"""User-facing errors, and the one error handler for the whole command tree."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable
from typing import Any

import discord
from discord import app_commands

from bot.storage import DatabaseUnavailable, is_busy_error
from bot.usertext import code

log = logging.getLogger(__name__)


class UserError(app_commands.AppCommandError):
    """A mistake the user can fix; its message is shown to them as is (keep it short)."""


class NotModerator(app_commands.CheckFailure):
    """The member lacks Manage Server and the configured moderator role."""


UNAVAILABLE_MESSAGE = (
    "I can't reach my database right now. Nothing was changed; please try again in a minute."
)
BUSY_MESSAGE = "I'm busy saving something else right now. Nothing was changed; please try again in a moment."
DISCORD_PROBLEM = "Discord had a problem; try again in a moment."
ALREADY_ACKNOWLEDGED = 40060  # Discord's code for a second callback to one interaction


def describe_user_error(error: BaseException) -> str | None:
    """The message for an error the user caused (or a passing one), or None when it is our fault."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if is_busy_error(error):
        return BUSY_MESSAGE
    if isinstance(error, DatabaseUnavailable):
        return UNAVAILABLE_MESSAGE
    if isinstance(error, UserError):
        return str(error)
    if isinstance(error, discord.HTTPException) and error.status >= 500:
        return DISCORD_PROBLEM
    if isinstance(error, NotModerator):
        return "Only moderators can do that: you need Manage Server or the server's moderator role."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That command works in a server, not in direct messages."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.MissingPermissions | app_commands.BotMissingPermissions):
        return str(error)
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't understand {code(str(error.value), 60)} for that option. Pick one of the suggestions or check the format."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use that command here."
    return None


async def send_ephemeral(interaction: discord.Interaction[Any], message: str) -> None:
    """Answer ephemerally whether or not the interaction was already acknowledged."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("Could not deliver an error message for interaction %s", interaction.id)


def already_landed(error: BaseException) -> bool:
    """Discord refused a retried callback because the first try landed (its answer got lost on the way back)."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    return isinstance(error, discord.HTTPException) and error.code == ALREADY_ACKNOWLEDGED


async def defer(interaction: discord.Interaction[Any], *, ephemeral: bool) -> None:
    """Acknowledge now ("thinking…"), before work that can take a while; followups finish the answer."""
    try:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    except discord.HTTPException as error:
        if not already_landed(error):
            raise
        log.info("The deferral of interaction %s landed before an error reply; carrying on", interaction.id)


async def report_error(interaction: discord.Interaction[Any], error: BaseException, where: str) -> None:
    """Short ephemeral help for user mistakes; log and apologise, with an error id, for the rest."""
    if already_landed(error):
        log.info(
            "The answer to interaction %s in %s landed before an error reply; nothing to do",
            interaction.id,
            where,
        )
        return
    message = describe_user_error(error)
    if message is None:
        error_id = secrets.token_hex(4)
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        log.error("Error %s in %s", error_id, where, exc_info=original)
        message = f"Sorry, something went wrong on my side. If it keeps happening, tell a moderator: error `{error_id}`."
    await send_ephemeral(interaction, message)


async def on_tree_error(interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
    """The command tree's error handler."""
    command = interaction.command.qualified_name if interaction.command else "?"
    await report_error(interaction, error, f"/{command}")


async def guard(interaction: discord.Interaction[Any], where: str, action: Awaitable[None]) -> None:
    """Run a button, select or modal handler so its errors get the same treatment as commands'."""
    try:
        await action
    except Exception as error:
        await report_error(interaction, error, where)
