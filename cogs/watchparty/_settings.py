"""`/config watchparty ...`: the watch-party settings, attached to the config cog's group."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.checks import moderator_only
from bot.errors import UserError
from bot.render import inline_code
from cogs.watchparty._lifecycle import REMINDERS_KEY
from cogs.watchparty._tally import DEFAULT_REMINDERS, parse_reminders

if TYPE_CHECKING:
    from bot.bot import FilmClubBot


def describe_reminders(minutes: tuple[int, ...]) -> str:
    """`60 and 10 minutes before the start`, or `off`."""
    if not minutes:
        return "off"
    numbers = [str(m) for m in minutes]
    joined = numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + f" and {numbers[-1]}"
    return f"{joined} minutes before the start"


class WatchPartySettings(app_commands.Group):
    """Moderator settings for watch parties."""

    def __init__(self) -> None:
        super().__init__(name="watchparty", description="Watch-party settings")

    @app_commands.command(name="reminders", description="When to remind the channel before a watch party")
    @app_commands.describe(
        minutes="Minutes before the start, like '60, 10'; 'off' for none; 'default' for 60, 10"
    )
    @moderator_only()
    async def reminders(self, interaction: discord.Interaction[FilmClubBot], minutes: str) -> None:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        try:
            values = parse_reminders(minutes)
        except ValueError as exc:
            wrote = (
                ""
                if minutes.strip() and minutes.strip() in str(exc)
                else f" You wrote {inline_code(minutes)}."
            )
            raise UserError(f"{exc}{wrote}") from None
        stored: Any = None if values == DEFAULT_REMINDERS else list(values)
        await interaction.client.db.config.set(
            interaction.guild.id, REMINDERS_KEY, stored, actor_id=interaction.user.id
        )
        await interaction.response.send_message(
            f"Watch-party reminders: {describe_reminders(values)}. Parties already set keep their reminders.",
            ephemeral=True,
        )
