"""Paged lists that survive restarts: lines split into pages without cutting one, and ◀ ▶ buttons.

A list is named by a short kind (`wp` for watch parties, `audit` for the settings log). Its page buttons
carry `pages:<kind>:<page>` as custom_id; the cog that owns the kind registers a drawer with the bot, which
redraws the page from the database on every click, so clicks keep working after a restart.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from bot.components import RoutedButton, RoutedView
from bot.errors import guard, send_ephemeral

PREFIX = "pages"
TEMPLATE = rf"{PREFIX}:(?P<kind>[a-z]{{1,16}}):(?P<page>\d{{1,5}})"
Drawer = Callable[[discord.Interaction[Any], int], Awaitable[None]]
DRAWERS_ATTRIBUTE = "page_drawers"


def split_lines(lines: Sequence[str], limit: int, *, per_page: int | None = None) -> list[list[str]]:
    """Lines grouped into pages of at most `limit` characters (joined by newlines); a line is never cut.

    A single line longer than the limit gets a page of its own (the caller keeps lines short).
    """
    pages: list[list[str]] = []
    current: list[str] = []
    size = 0
    for line in lines:
        added = len(line) + (1 if current else 0)
        full = per_page is not None and len(current) >= per_page
        if current and (size + added > limit or full):
            pages.append(current)
            current, size, added = [], 0, len(line)
        current.append(line)
        size += added
    if current:
        pages.append(current)
    return pages


def drawers(client: Any) -> dict[str, Drawer]:
    """The bot's registry of page drawers by kind (created on first use)."""
    found: dict[str, Drawer] | None = getattr(client, DRAWERS_ATTRIBUTE, None)
    if found is None:
        found = {}
        setattr(client, DRAWERS_ATTRIBUTE, found)
    return found


class ListPageButton(RoutedButton, template=TEMPLATE):
    """A ◀ or ▶ button that redraws page N of a list."""

    def __init__(self, kind: str, page: int, *, label: str, disabled: bool = False) -> None:
        self.kind = kind
        self.page = page
        super().__init__(
            label=label,
            style=discord.ButtonStyle.secondary,
            custom_id=f"{PREFIX}:{kind}:{page}",
            disabled=disabled,
        )

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ListPageButton:
        return cls(match["kind"], int(match["page"]), label="")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        drawer = drawers(interaction.client).get(self.kind)
        if drawer is None:
            await send_ephemeral(interaction, "That list isn't available right now. Run the command again.")
            return
        await guard(interaction, f"{PREFIX}:{self.kind}:{self.page}", drawer(interaction, self.page))


def page_buttons(kind: str, page: int, pages: int) -> discord.ui.View | None:
    """◀ Previous / Next ▶ for page `page` of `pages`; None when one page is enough."""
    if pages <= 1:
        return None
    view = RoutedView()
    view.add_item(ListPageButton(kind, max(page - 1, 0), label="◀ Previous", disabled=page <= 0))
    view.add_item(ListPageButton(kind, min(page + 1, pages - 1), label="Next ▶", disabled=page >= pages - 1))
    return view


async def show_page(
    interaction: discord.Interaction[Any], embed: discord.Embed, view: discord.ui.View | None, *, first: bool
) -> None:
    """Send page one as a new ephemeral reply, or redraw the clicked message in place."""
    if first:
        if view is None:
            await interaction.response.send_message(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
    else:
        await interaction.response.edit_message(embed=embed, view=view)
