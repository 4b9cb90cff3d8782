"""Persistent discussion components: Join buttons on the index, the join confirmation, the review modal.

Buttons carry their room's thread id in the custom_id (bot.components), so they keep working after restarts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import discord

from bot.components import RoutedButton, RoutedModal, RoutedView
from bot.errors import guard, send_ephemeral
from bot.storage.discussion import Room

if TYPE_CHECKING:
    from bot.bot import FilmClubBot

REVIEW_MAX = 300


class JoinHandler(Protocol):
    """What the buttons and the modal call into (the discussion cog)."""

    async def on_join(
        self, interaction: discord.Interaction[Any], thread_id: int, confirmed: bool
    ) -> None: ...

    async def on_review(
        self, interaction: discord.Interaction[Any], film_key: str, halves: int, review: str
    ) -> None: ...


def _handler(interaction: discord.Interaction[Any]) -> JoinHandler | None:
    client: FilmClubBot = interaction.client
    return client.get_cog("Discussion")  # type: ignore[return-value]


async def _offline(interaction: discord.Interaction[Any]) -> None:
    await send_ephemeral(interaction, "Discussion rooms aren't running right now; try again in a moment.")


class JoinButton(RoutedButton, template=r"disc:join:(?P<thread>\d+)"):
    """Join one stage's room from the pinned index."""

    def __init__(self, thread_id: int, stage: int = 0) -> None:
        super().__init__(
            label=f"Join stage {stage}" if stage else "Join",
            style=discord.ButtonStyle.primary if stage == 1 else discord.ButtonStyle.secondary,
            custom_id=f"disc:join:{thread_id}",
        )
        self.thread_id = thread_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> JoinButton:
        return cls(int(match["thread"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        handler = _handler(interaction)
        if handler is None:
            await _offline(interaction)
            return
        await guard(
            interaction, f"button {self.custom_id}", handler.on_join(interaction, self.thread_id, False)
        )


class ConfirmJoinButton(RoutedButton, template=r"disc:confirm:(?P<thread>\d+)"):
    """Confirm joining a room past one's progress (which moves the progress to the stage's first beat)."""

    def __init__(self, thread_id: int) -> None:
        super().__init__(
            label="Join anyway", style=discord.ButtonStyle.danger, custom_id=f"disc:confirm:{thread_id}"
        )
        self.thread_id = thread_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ConfirmJoinButton:
        return cls(int(match["thread"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        handler = _handler(interaction)
        if handler is None:
            await _offline(interaction)
            return
        await guard(
            interaction, f"button {self.custom_id}", handler.on_join(interaction, self.thread_id, True)
        )


def index_view(rooms: Sequence[Room]) -> discord.ui.View:
    """One Join button per stage, in stage order (at most 10 stages, so two rows at most)."""
    view = RoutedView()
    for room in rooms:
        view.add_item(JoinButton(room.thread_id, room.stage))
    return view


def confirm_view(thread_id: int) -> discord.ui.View:
    view = RoutedView()
    view.add_item(ConfirmJoinButton(thread_id))
    return view


class ReviewModal(RoutedModal, template=r"disc:review:(?P<film>[a-z0-9_-]{1,40}):(?P<halves>\d{1,2})"):
    """A short review with a rating; the stars come from the /rate command (and ride in the custom_id)."""

    def __init__(
        self, film_key: str, halves: int, *, film_title: str = "", current: str | None = None
    ) -> None:
        super().__init__(
            title=f"Your review of {film_title}"[:45], custom_id=f"disc:review:{film_key}:{halves}"
        )
        self.film_key = film_key
        self.halves = halves
        self.text: discord.ui.TextInput[ReviewModal] = discord.ui.TextInput(
            label="Review (leave empty to remove it)",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=REVIEW_MAX,
            default=current,
            placeholder="What did you think? It stays behind a spoiler tag for those who haven't finished.",
            custom_id="disc:review:text",
        )
        self.add_item(self.text)
        self.typed = ""

    @classmethod
    def from_submit(cls, match: re.Match[str], values: dict[str, str]) -> ReviewModal:
        form = cls(match["film"], int(match["halves"]))
        form.typed = values.get("disc:review:text", "")
        return form

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        handler = _handler(interaction)
        if handler is None:
            await _offline(interaction)
            return
        await guard(
            interaction,
            "disc:review",
            handler.on_review(interaction, self.film_key, self.halves, self.typed),
        )
