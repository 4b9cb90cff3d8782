"""Who reads a reply: gathers, from Discord and the database, what `bot.policy` needs to build a Reader.

This module decides nothing about spoilers; it only looks up the place (a spoiler channel, or a thread
under one) and the member's saved progress, and hands them to `bot.policy.reader_for`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.films.model import Film
from bot.policy import Reader, reader_for

if TYPE_CHECKING:
    from bot.bot import FilmClubBot


async def is_spoiler_place(
    bot: FilmClubBot, guild_id: int | None, channel: Any, channel_id: int | None
) -> bool:
    """Whether a channel (or the channel a thread sits under) is marked as a spoiler channel."""
    if guild_id is None:
        return False
    ids = [channel_id] if channel_id is not None else []
    if isinstance(channel, discord.Thread) and channel.parent_id is not None:
        ids.append(channel.parent_id)
    for candidate in ids:
        if await bot.db.config.is_spoiler_channel(guild_id, candidate):
            return True
    return False


async def saved_progress(bot: FilmClubBot, guild_id: int, user_id: int, film: Film) -> int | None:
    """The member's saved point for this film, capped at its last beat; None when they saved none."""
    progress = await bot.db.progress.get(guild_id, user_id, film.key)
    return None if progress is None else min(progress, film.last_beat)


async def interaction_reader(
    bot: FilmClubBot, interaction: discord.Interaction[Any], film: Film, *, private: bool, opt_in: bool = True
) -> Reader:
    """The reader of a reply to this interaction (ephemeral when `private`)."""
    guild_id = interaction.guild_id
    spoiler = await is_spoiler_place(bot, guild_id, interaction.channel, interaction.channel_id)
    progress = None
    if private and guild_id is not None and not spoiler:
        progress = await saved_progress(bot, guild_id, interaction.user.id, film)
    return reader_for(
        setup_end=film.setup_end, spoiler_channel=spoiler, private=private, progress=progress, opt_in=opt_in
    )


async def channel_reader(bot: FilmClubBot, guild_id: int | None, channel: Any, film: Film) -> Reader:
    """The reader of a message posted in a channel for everyone (a trivia question, an announcement)."""
    channel_id = getattr(channel, "id", None)
    spoiler = await is_spoiler_place(bot, guild_id, channel, channel_id)
    return reader_for(setup_end=film.setup_end, spoiler_channel=spoiler, private=False)
