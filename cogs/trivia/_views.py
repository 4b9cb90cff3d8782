"""Persistent trivia components: answer buttons carry their question in the custom_id (bot.components)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol

import discord

from bot.components import RoutedButton, RoutedModal, RoutedView
from bot.errors import guard, send_ephemeral
from bot.policy import Reader
from cogs.trivia._bank import LETTERS, Question
from cogs.trivia._render import button_labels

if TYPE_CHECKING:
    from bot.bot import FilmClubBot

ANSWER_LIMIT = 100


class AnswerHandler(Protocol):
    """What the buttons call into (the trivia game)."""

    async def on_choice(self, interaction: discord.Interaction[Any], asked_id: int, choice: int) -> None: ...

    async def on_answer_button(self, interaction: discord.Interaction[Any], asked_id: int) -> None: ...

    async def on_typed(self, interaction: discord.Interaction[Any], asked_id: int, text: str) -> None: ...


def _handler(interaction: discord.Interaction[Any]) -> AnswerHandler | None:
    client: FilmClubBot = interaction.client
    cog = client.get_cog("Trivia")
    return getattr(cog, "game", None)


async def _offline(interaction: discord.Interaction[Any]) -> None:
    await send_ephemeral(interaction, "Trivia isn't running right now; try again in a moment.")


class ChoiceButton(RoutedButton, template=r"trivia:answer:(?P<asked>\d+):(?P<choice>[0-3])"):
    """An A–D answer button; works after restarts because the question id is in the custom_id."""

    def __init__(self, asked_id: int, choice: int, label: str | None = None) -> None:
        super().__init__(
            label=label or LETTERS[choice],
            style=discord.ButtonStyle.primary,
            custom_id=f"trivia:answer:{asked_id}:{choice}",
        )
        self.asked_id = asked_id
        self.choice = choice

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ChoiceButton:
        return cls(int(match["asked"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        handler = _handler(interaction)
        if handler is None:
            await _offline(interaction)
            return
        await guard(
            interaction,
            f"button {self.custom_id}",
            handler.on_choice(interaction, self.asked_id, self.choice),
        )


class TypedAnswerButton(RoutedButton, template=r"trivia:typed:(?P<asked>\d+)"):
    """The "Answer" button of a typed question; it opens a modal."""

    def __init__(self, asked_id: int) -> None:
        super().__init__(
            label="Answer", style=discord.ButtonStyle.success, custom_id=f"trivia:typed:{asked_id}"
        )
        self.asked_id = asked_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> TypedAnswerButton:
        return cls(int(match["asked"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        handler = _handler(interaction)
        if handler is None:
            await _offline(interaction)
            return
        await guard(
            interaction, f"button {self.custom_id}", handler.on_answer_button(interaction, self.asked_id)
        )


class AnswerModal(RoutedModal, template=r"trivia:modal:(?P<asked>\d+):(?P<user>\d+)"):
    """The typed-answer form; its custom_id names the question and the member (one form each)."""

    answer: discord.ui.TextInput[AnswerModal] = discord.ui.TextInput(
        label="Your answer", placeholder="Type your answer", max_length=ANSWER_LIMIT, custom_id="answer"
    )

    def __init__(self, asked_id: int, user_id: int) -> None:
        super().__init__(title="Trivia answer", custom_id=f"trivia:modal:{asked_id}:{user_id}")
        self.asked_id = asked_id
        self.text = ""

    @classmethod
    def from_submit(cls, match: re.Match[str], values: dict[str, str]) -> AnswerModal:
        form = cls(int(match["asked"]), int(match["user"]))
        form.text = values.get("answer", "")
        return form

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        handler = _handler(interaction)
        if handler is None:
            await _offline(interaction)
            return
        await guard(interaction, self.custom_id, handler.on_typed(interaction, self.asked_id, self.text))


def question_view(question: Question, asked_id: int, mode: str, reader: Reader) -> discord.ui.View:
    """The components under a question: four choice buttons (letters only past the reader), or Answer."""
    view = RoutedView()
    if mode == "typed":
        view.add_item(TypedAnswerButton(asked_id))
    else:
        for index, label in enumerate(button_labels(question, reader)):
            view.add_item(ChoiceButton(asked_id, index, label))
    return view


class NewSeasonButton(RoutedButton, template=r"trivia:season:(?P<after>\d+)"):
    """Confirms `/config trivia new-season`; carries the season it ends, so a second click does nothing."""

    def __init__(self, after: int) -> None:
        super().__init__(
            label=f"Start season {after + 1}",
            style=discord.ButtonStyle.danger,
            custom_id=f"trivia:season:{after}",
        )
        self.after = after

    @classmethod
    def from_match(cls, match: re.Match[str]) -> NewSeasonButton:
        return cls(int(match["after"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        cog = interaction.client.get_cog("Trivia")
        settings = getattr(cog, "settings", None)
        if settings is None:
            await _offline(interaction)
            return
        await guard(
            interaction, f"trivia:season:{self.after}", settings.confirm_new_season(interaction, self.after)
        )
