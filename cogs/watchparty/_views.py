"""Persistent buttons for watch parties: state lives in each custom_id, so clicks work after a restart.

custom_ids: `wp:vote:<poll>:<slot>`, `wp:voters:<poll>`, `wp:ping:<poll>`, `wp:close:<poll>`,
`wp:tie:<poll>:<slot>`, `wp:cancel:<poll>:<state>` (the confirmation of `/watchparty cancel`, carrying
the state the member agreed to cancel). Every callback hands over to the cog, and no traceback ever reaches the member.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import discord

from bot.components import RoutedButton, RoutedView
from bot.errors import guard, send_ephemeral
from bot.storage.watchparty import OPEN, Poll

if TYPE_CHECKING:
    from bot.bot import FilmClubBot


COG_NAME = "WatchParty"
VOTE_BUTTONS_PER_ROW = 5


class ButtonHandler(Protocol):
    """What the cog offers the buttons."""

    async def on_vote(self, interaction: discord.Interaction[Any], poll_id: int, slot: int) -> None: ...
    async def on_voters(self, interaction: discord.Interaction[Any], poll_id: int) -> None: ...
    async def on_ping(self, interaction: discord.Interaction[Any], poll_id: int) -> None: ...
    async def on_close(self, interaction: discord.Interaction[Any], poll_id: int) -> None: ...
    async def on_tie_pick(self, interaction: discord.Interaction[Any], poll_id: int, slot: int) -> None: ...
    async def on_cancel(self, interaction: discord.Interaction[Any], poll_id: int, state: str) -> None: ...


async def run_guarded(
    interaction: discord.Interaction[Any], action: Callable[[ButtonHandler], Awaitable[None]]
) -> None:
    """Run a button's action through the cog; user mistakes become ephemeral replies, the rest is logged."""
    client: FilmClubBot = interaction.client
    handler: Any = client.get_cog(COG_NAME)
    if handler is None:
        await send_ephemeral(interaction, "Watch parties are switched off right now. Try again later.")
        return
    custom_id = str(dict(interaction.data or {}).get("custom_id", "?"))
    await guard(interaction, f"button {custom_id}", action(handler))


def vote_label(slot: int, count: int) -> str:
    return f"#{slot + 1} · {count}"


class VoteButton(RoutedButton, template=r"wp:vote:(?P<poll>\d+):(?P<slot>\d+)"):
    """Approve a slot, or withdraw the approval."""

    def __init__(self, poll_id: int, slot: int, count: int = 0, *, disabled: bool = False) -> None:
        super().__init__(
            label=vote_label(slot, count),
            emoji="🗳️",
            style=discord.ButtonStyle.primary,
            custom_id=f"wp:vote:{poll_id}:{slot}",
            disabled=disabled,
            row=slot // VOTE_BUTTONS_PER_ROW,
        )
        self.poll_id = poll_id
        self.slot = slot

    @classmethod
    def from_match(cls, match: re.Match[str]) -> VoteButton:
        return cls(int(match["poll"]), int(match["slot"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_guarded(interaction, lambda cog: cog.on_vote(interaction, self.poll_id, self.slot))


class VotersButton(RoutedButton, template=r"wp:voters:(?P<poll>\d+)"):
    """Show who approved each slot, ephemerally."""

    def __init__(self, poll_id: int, row: int = 2) -> None:
        super().__init__(
            label="Voters",
            emoji="👥",
            style=discord.ButtonStyle.secondary,
            custom_id=f"wp:voters:{poll_id}",
            row=row,
        )
        self.poll_id = poll_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> VotersButton:
        return cls(int(match["poll"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_guarded(interaction, lambda cog: cog.on_voters(interaction, self.poll_id))


class PingButton(RoutedButton, template=r"wp:ping:(?P<poll>\d+)"):
    """Opt in (or out) to be mentioned when the party is set and in its reminders."""

    def __init__(self, poll_id: int, row: int = 2) -> None:
        super().__init__(
            label="Ping me",
            emoji="🔔",
            style=discord.ButtonStyle.secondary,
            custom_id=f"wp:ping:{poll_id}",
            row=row,
        )
        self.poll_id = poll_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> PingButton:
        return cls(int(match["poll"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_guarded(interaction, lambda cog: cog.on_ping(interaction, self.poll_id))


class CloseButton(RoutedButton, template=r"wp:close:(?P<poll>\d+)"):
    """Close voting now (the creator or a moderator)."""

    def __init__(self, poll_id: int, row: int = 2) -> None:
        super().__init__(
            label="Close now",
            emoji="⏹️",
            style=discord.ButtonStyle.danger,
            custom_id=f"wp:close:{poll_id}",
            row=row,
        )
        self.poll_id = poll_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> CloseButton:
        return cls(int(match["poll"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_guarded(interaction, lambda cog: cog.on_close(interaction, self.poll_id))


class TieButton(RoutedButton, template=r"wp:tie:(?P<poll>\d+):(?P<slot>\d+)"):
    """A moderator picks this tied slot as the winner."""

    def __init__(self, poll_id: int, slot: int, *, disabled: bool = False) -> None:
        super().__init__(
            label=f"Pick #{slot + 1}",
            style=discord.ButtonStyle.success,
            custom_id=f"wp:tie:{poll_id}:{slot}",
            disabled=disabled,
        )
        self.poll_id = poll_id
        self.slot = slot

    @classmethod
    def from_match(cls, match: re.Match[str]) -> TieButton:
        return cls(int(match["poll"]), int(match["slot"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_guarded(interaction, lambda cog: cog.on_tie_pick(interaction, self.poll_id, self.slot))


class CancelButton(RoutedButton, template=r"wp:cancel:(?P<poll>\d+):(?P<state>open|tied|scheduled)"):
    """Confirms `/watchparty cancel`; carries the state it cancels, so a second press does nothing."""

    def __init__(self, poll_id: int, state: str) -> None:
        super().__init__(
            label=f"Cancel #{poll_id}",
            style=discord.ButtonStyle.danger,
            custom_id=f"wp:cancel:{poll_id}:{state}",
        )
        self.poll_id = poll_id
        self.state = state

    @classmethod
    def from_match(cls, match: re.Match[str]) -> CancelButton:
        return cls(int(match["poll"]), match["state"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_guarded(interaction, lambda cog: cog.on_cancel(interaction, self.poll_id, self.state))


BUTTONS: tuple[type[RoutedButton], ...] = (
    VoteButton,
    VotersButton,
    PingButton,
    CloseButton,
    TieButton,
    CancelButton,
)


def poll_view(poll: Poll, counts: Sequence[int]) -> discord.ui.View:
    """Vote buttons (two rows of five at most) and the tools row while open; only Voters afterwards."""
    view = RoutedView()
    if poll.state != OPEN:
        view.add_item(VotersButton(poll.id, row=0))
        return view
    for slot in poll.slots:
        view.add_item(VoteButton(poll.id, slot.index, counts[slot.index]))
    tools_row = (len(poll.slots) - 1) // VOTE_BUTTONS_PER_ROW + 1
    view.add_item(VotersButton(poll.id, tools_row))
    view.add_item(PingButton(poll.id, tools_row))
    view.add_item(CloseButton(poll.id, tools_row))
    return view


class PollViews:
    """Each live poll's view, built once per poll state and relabelled as the counts change.

    Building a view of buttons costs more than the rest of a vote. The cog writes one poll's message one write
    at a time (`_redraw`), and discord.py turns a view into its payload when the edit is sent, so relabelling
    the same view for the next write is safe.
    """

    def __init__(self, limit: int = 1000) -> None:
        self._limit = limit
        self._built: dict[int, tuple[Poll, discord.ui.View]] = {}

    def view(self, poll: Poll, counts: Sequence[int]) -> discord.ui.View:
        built = self._built.get(poll.id)
        if built is None or built[0] != poll:  # a new poll state (closed, say) gets a new view
            view = poll_view(poll, counts)
            self._built.pop(poll.id, None)
            if len(self._built) >= self._limit:
                del self._built[next(iter(self._built))]
            self._built[poll.id] = (poll, view)
            return view
        view = built[1]
        for item in view.children:
            if isinstance(item, VoteButton):
                item.label = vote_label(item.slot, counts[item.slot])
        return view


def cancel_view(poll: Poll) -> discord.ui.View:
    """The one confirmation button under `/watchparty cancel`'s question."""
    view = RoutedView()
    view.add_item(CancelButton(poll.id, poll.state))
    return view


def tie_view(poll_id: int, tied: Sequence[int], *, disabled: bool = False) -> discord.ui.View:
    """One button per tied slot for the moderators."""
    view = RoutedView()
    for slot in tied:
        view.add_item(TieButton(poll_id, slot, disabled=disabled))
    return view
