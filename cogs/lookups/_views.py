"""Persistent page buttons: everything needed to redraw a page lives in the custom_id."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

import discord

from bot.components import RoutedButton, RoutedView
from bot.errors import guard, send_ephemeral

PREFIX = "plot:page"
CUSTOM_ID_LIMIT = 100
PAGE_KINDS = ("film", "cast", "syn", "synfull", "tl", "search", "prog", "sources", "beat")
TEMPLATE = (
    rf"{PREFIX}:(?P<kind>{'|'.join(PAGE_KINDS)}):(?P<film>[^:]+):(?P<mode>[pe])"
    r":(?P<page>\d{1,4}):(?P<arg>.*)"
)


@dataclass(frozen=True, slots=True)
class PageState:
    """Which list, of which film, for whom (public or private), and which page of it."""

    kind: str
    film: str
    private: bool
    page: int = 0
    arg: str = ""

    @property
    def custom_id(self) -> str:
        """`plot:page:<kind>:<film>:<p|e>:<page>:<arg>`."""
        mode = "e" if self.private else "p"
        return f"{PREFIX}:{self.kind}:{self.film}:{mode}:{self.page}:{self.arg}"

    @property
    def fits(self) -> bool:
        """Whether the state fits in a custom_id (a very long search text might not)."""
        return len(replace(self, page=9999).custom_id) <= CUSTOM_ID_LIMIT

    @classmethod
    def from_match(cls, match: re.Match[str]) -> PageState:
        """Rebuild the state from a custom_id matched against TEMPLATE."""
        return cls(match["kind"], match["film"], match["mode"] == "e", int(match["page"]), match["arg"])


@runtime_checkable
class PageTurner(Protocol):
    """The cog that can redraw a page; the button finds it through the bot."""

    async def turn_page(self, interaction: discord.Interaction[Any], state: PageState) -> None: ...


class PageButton(RoutedButton, template=TEMPLATE):
    """A ◀ or ▶ button that opens the page named in its custom_id."""

    def __init__(self, state: PageState, *, label: str = "▶", disabled: bool = False) -> None:
        self.state = state
        super().__init__(
            label=label, style=discord.ButtonStyle.secondary, custom_id=state.custom_id, disabled=disabled
        )

    @classmethod
    def from_match(cls, match: re.Match[str]) -> PageButton:
        return cls(PageState.from_match(match))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        turner = interaction.client.get_cog("Lookups")
        if not isinstance(turner, PageTurner):
            await send_ephemeral(
                interaction, "Those pages aren't available right now. Run the command again."
            )
            return
        await guard(interaction, self.state.custom_id, turner.turn_page(interaction, self.state))


def pager(state: PageState, pages: int) -> discord.ui.View | None:
    """◀ ▶ buttons for a list of `pages` pages shown at `state.page`; None when one page is enough."""
    if pages <= 1 or not state.fits:
        return None
    view = RoutedView()
    last = pages - 1
    state = replace(state, page=min(state.page, last))
    back = replace(state, page=max(state.page - 1, 0))
    forward = replace(state, page=min(state.page + 1, last))
    view.add_item(PageButton(back, label="◀ Previous", disabled=state.page == 0))
    view.add_item(PageButton(forward, label="Next ▶", disabled=state.page >= last))
    return view
