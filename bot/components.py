"""The bot's buttons, and the router that hands each press to its button class by custom_id.

Every button of the bot keeps its state in its custom_id (`wp:vote:<poll>:<slot>`, `trivia:answer:<asked>:<n>`
…), so a press needs nothing but the custom_id to find its handler, and presses keep working after a restart.
That is what discord.py's `DynamicItem` offers, but its dispatch first rebuilds the whole view of the pressed
message (`View.from_message`: every row, button and emoji), and every message sent with such a view goes
through the view store's bookkeeping. None of our callbacks reads that view. So a `RoutedButton` is a plain
`discord.ui.Button` that tells discord.py's view store it has nothing to dispatch, and the bot's
`on_interaction` matches the custom_id against the templates of the button classes it routes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any, ClassVar, Self

import discord

log = logging.getLogger(__name__)


class RoutedButton(discord.ui.Button[Any]):
    """A button whose custom_id matches its class's `template`; the `ButtonRouter` dispatches its presses.

    Subclasses give `template=` (a regular expression the whole custom_id matches), build themselves from
    the match in `from_match`, and answer the press in `callback`.
    """

    template: ClassVar[re.Pattern[str]]

    def __init_subclass__(cls, *, template: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.template = re.compile(template)

    def __init__(self, **button: Any) -> None:
        super().__init__(**button)
        if self.custom_id is None or not self.template.fullmatch(self.custom_id):
            raise ValueError(f"custom_id {self.custom_id!r} must match {self.template.pattern!r}")

    def is_dispatchable(self) -> bool:
        # discord.py stores a view it sends, and dispatches presses on it, when an item says it is
        # dispatchable. The router dispatches these, so a press runs once and sending costs no bookkeeping.
        return False

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        """The button a press on a custom_id matching `template` came from."""
        raise NotImplementedError


class ButtonRouter:
    """The bot's button classes, and the dispatch of a press to the one whose template matches."""

    def __init__(self) -> None:
        self._classes: dict[type[RoutedButton], None] = {}  # insertion-ordered set: first match wins

    def add(self, *classes: type[RoutedButton]) -> None:
        for cls in classes:
            self._classes[cls] = None

    def remove(self, *classes: type[RoutedButton]) -> None:
        for cls in classes:
            self._classes.pop(cls, None)

    def __contains__(self, cls: type[RoutedButton]) -> bool:
        return cls in self._classes

    def __iter__(self) -> Iterator[type[RoutedButton]]:
        return iter(self._classes)

    def find(self, custom_id: str) -> RoutedButton | None:
        """The button a custom_id belongs to, or None when no class of ours owns it."""
        for cls in self._classes:
            match = cls.template.fullmatch(custom_id)
            if match is not None:
                return cls.from_match(match)
        return None

    async def dispatch(self, interaction: discord.Interaction[Any]) -> bool:
        """Answer a button press with its button's callback; False when it isn't one of ours."""
        if interaction.type is not discord.InteractionType.component:
            return False
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        custom_id = str(data.get("custom_id", ""))
        try:
            button = self.find(custom_id)
            if button is None:
                return False
            await button.callback(interaction)
        except Exception:  # callbacks answer members themselves (bot.errors.guard): this is a bug
            log.exception("Button %s failed", custom_id)
        return True
