"""Redrawing a poll's counts as votes come in: one write to the poll message at a time, the newest counts last.

A vote answers its press by redrawing the poll (an UPDATE_MESSAGE callback). Two redraws of one message in
flight at once could land in either order and leave older counts showing, so writes to a poll message never
overlap. While one is in flight, a vote counted meanwhile is acknowledged at once (a deferred update, which
leaves the message as it is), and when the write lands the same member's interaction redraws the message
once more with the counts as they stand. A burst of votes then costs one redraw per write in flight instead
of one each, and the message always ends on the newest counts.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord

log = logging.getLogger(__name__)

Drawn = tuple[discord.Embed, discord.ui.View]
Draw = Callable[
    [list[int] | None], Awaitable[Drawn | None]
]  # for these counts (None: as stored); None once closed


@dataclass
class _Writing:
    """A poll whose message is being written: how many votes were counted since the write began."""

    counted: int = 0


class Redraws:
    """Per poll, who is writing its message, and whether votes came in since."""

    def __init__(self) -> None:
        self._writing: dict[int, _Writing] = {}

    async def vote_counted(
        self, interaction: discord.Interaction[Any], poll_id: int, counts: list[int], draw: Draw
    ) -> None:
        """Answer a counted vote: redraw the poll with this vote's `counts`, or acknowledge the vote while
        another vote's write is in flight, which then redraws once more with the counts as stored."""
        writing = self._writing.get(poll_id)
        if writing is not None:  # checked and marked with no await between: no vote is missed
            writing.counted += 1
            await interaction.response.defer()
            return
        writing = self._writing[poll_id] = _Writing()
        try:
            drawn = await draw(counts)
            if drawn is None:  # closed since the vote was counted: the closing job draws the result
                await interaction.response.defer()
                return
            embed, view = drawn
            await interaction.response.edit_message(embed=embed, view=view)
            while writing.counted:
                writing.counted = 0
                drawn = await draw(None)
                if drawn is None:
                    break
                embed, view = drawn
                try:
                    await interaction.edit_original_response(embed=embed, view=view)
                except discord.HTTPException as exc:  # the member has their answer; the next vote redraws
                    log.warning("Redrawing poll %s failed: %s", poll_id, exc)
                    break
        finally:
            del self._writing[poll_id]
