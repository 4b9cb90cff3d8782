"""The bot's buttons, and the router that hands each press to its button class by custom_id.

Every button of the bot keeps its state in its custom_id (`wp:vote:<poll>:<slot>`, `trivia:answer:<asked>:<n>`
…), so a press needs nothing but the custom_id to find its handler, and presses keep working after a restart.
That is what discord.py's `DynamicItem` offers, but its dispatch first rebuilds the whole view of the pressed
message (`View.from_message`: every row, button and emoji), and every message sent with such a view goes
through the view store's bookkeeping. None of our callbacks reads that view. So a `RoutedButton` is a plain
`discord.ui.Button` that tells discord.py's view store it has nothing to dispatch, and the bot's
`on_interaction` matches the custom_id against the templates of the button classes it routes.

discord.py also keeps every view it sends in an interaction's reply until the view stops, and gives an
ephemeral reply's view a 15-minute timeout with a timer task of its own: a confirmation button kept a view,
its buttons and a task alive for a quarter of an hour, 1,500 of them after the benchmark's rounds. A
`RoutedView` holds only routed buttons (and links), so it is finished before it is sent and nothing keeps it.

Forms are routed the same way. discord.py answers a modal's submission only while it keeps the modal
object it sent (ten minutes, say, per form opened), so a form opened before a restart was answered by no
one after it. A `RoutedModal` is finished before it is sent, so discord.py keeps nothing, and its
submission is rebuilt from the custom_id and the text typed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any, ClassVar, Self

import discord

log = logging.getLogger(__name__)


class Templated:
    """A component class whose custom_ids match its `template` (given as `template=` when subclassing)."""

    template: ClassVar[re.Pattern[str]]

    def __init_subclass__(cls, *, template: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if template is not None:
            cls.template = re.compile(template)

    @classmethod
    def check_custom_id(cls, custom_id: str | None) -> None:
        if custom_id is None or not cls.template.fullmatch(custom_id):
            raise ValueError(f"custom_id {custom_id!r} must match {cls.template.pattern!r}")


class RoutedButton(Templated, discord.ui.Button[Any]):
    """A button whose custom_id matches its class's `template`; the `ButtonRouter` dispatches its presses.

    Subclasses give `template=` (a regular expression the whole custom_id matches), build themselves from
    the match in `from_match`, and answer the press in `callback`.
    """

    def __init__(self, **button: Any) -> None:
        super().__init__(**button)
        self.check_custom_id(self.custom_id)

    def is_dispatchable(self) -> bool:
        # discord.py stores a view it sends, and dispatches presses on it, when an item says it is
        # dispatchable. The router dispatches these, so a press runs once and sending costs no bookkeeping.
        return False

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        """The button a press on a custom_id matching `template` came from."""
        raise NotImplementedError


class RoutedView(discord.ui.View):
    """The bot's views: routed buttons and links only, finished before they are sent, so discord.py keeps
    nothing of them (no view store entry, no timeout task) and the router answers their presses."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.stop()

    def add_item(self, item: discord.ui.Item[Any]) -> Self:
        if item.is_dispatchable():
            raise TypeError(f"{type(item).__name__} needs discord.py's view store: make it a RoutedButton")
        return super().add_item(item)


class RoutedModal(Templated, discord.ui.Modal):
    """A form whose custom_id matches its class's `template`; the `ButtonRouter` answers its submission.

    Subclasses give `template=`, build themselves from the match and the submitted text (text input
    custom_id -> text) in `from_submit`, and answer in `on_submit`.
    """

    def __init__(self, *, title: str, custom_id: str) -> None:
        super().__init__(title=title, custom_id=custom_id, timeout=None)
        self.check_custom_id(custom_id)
        self.stop()  # finished before it is sent: discord.py keeps nothing of it, the router answers it

    @classmethod
    def from_submit(cls, match: re.Match[str], values: dict[str, str]) -> Self:
        """The form a submission on a custom_id matching `template` came from, with what was typed."""
        raise NotImplementedError


Routed = type[RoutedButton] | type[RoutedModal]


def submitted_text(components: Any) -> dict[str, str]:
    """The text of each input of a modal submission, by custom_id (inputs in action rows or labels)."""
    found: dict[str, str] = {}
    for component in components or ():
        if not isinstance(component, dict):
            continue
        if component.get("type") == discord.ComponentType.text_input.value and "custom_id" in component:
            found[str(component["custom_id"])] = str(component.get("value") or "")
        found.update(submitted_text(component.get("components")))
        found.update(submitted_text([component["component"]] if "component" in component else ()))
    return found


class ButtonRouter:
    """The bot's button and form classes, and the dispatch of a press or a submission to the one whose
    template matches."""

    def __init__(self) -> None:
        self._classes: dict[type[RoutedButton], None] = {}  # insertion-ordered set: first match wins
        self._forms: dict[type[RoutedModal], None] = {}

    def add(self, *classes: Routed) -> None:
        for cls in classes:
            if issubclass(cls, RoutedModal):
                self._forms[cls] = None
            else:
                self._classes[cls] = None

    def remove(self, *classes: Routed) -> None:
        for cls in classes:
            self._classes.pop(cls, None)  # type: ignore[arg-type]
            self._forms.pop(cls, None)  # type: ignore[arg-type]

    def __contains__(self, cls: Routed) -> bool:
        return cls in self._classes or cls in self._forms

    def __iter__(self) -> Iterator[Routed]:
        yield from self._classes
        yield from self._forms

    def find(self, custom_id: str) -> RoutedButton | None:
        """The button a custom_id belongs to, or None when no class of ours owns it."""
        for cls in self._classes:
            match = cls.template.fullmatch(custom_id)
            if match is not None:
                return cls.from_match(match)
        return None

    def find_form(self, custom_id: str, values: dict[str, str]) -> RoutedModal | None:
        """The form a submission belongs to, with what was typed, or None when no class of ours owns it."""
        for cls in self._forms:
            match = cls.template.fullmatch(custom_id)
            if match is not None:
                return cls.from_submit(match, values)
        return None

    async def dispatch(self, interaction: discord.Interaction[Any]) -> bool:
        """Answer a button press or a form's submission; False when it isn't one of ours."""
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        custom_id = str(data.get("custom_id", ""))
        what = "Form" if interaction.type is discord.InteractionType.modal_submit else "Button"
        try:
            if interaction.type is discord.InteractionType.modal_submit:
                form = self.find_form(custom_id, submitted_text(data.get("components")))
                answer = None if form is None else form.on_submit(interaction)
            elif interaction.type is discord.InteractionType.component:
                button = self.find(custom_id)
                answer = None if button is None else button.callback(interaction)
            else:
                return False
            if answer is None:
                return False
            await answer
        except Exception:  # callbacks answer members themselves (bot.errors.guard): this is a bug
            log.exception("%s %s failed", what, custom_id)
        return True
