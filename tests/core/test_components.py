"""The button router: a press finds its button class by custom_id, and discord.py's view store stays out."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import discord
import pytest
from discord.ui.view import ViewStore

from bot.components import ButtonRouter, RoutedButton, RoutedModal, RoutedView
from cogs.trivia._views import ChoiceButton, TypedAnswerButton
from cogs.watchparty._views import CancelButton, VoteButton


class Counter(RoutedButton, template=r"test:count:(?P<n>\d+)"):
    pressed: ClassVar[list[int]] = []

    def __init__(self, n: int) -> None:
        super().__init__(label="Count", custom_id=f"test:count:{n}")
        self.n = n

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Counter:
        return cls(int(match["n"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if self.n == 0:
            raise RuntimeError("a bug in a callback")
        Counter.pressed.append(self.n)


def press(custom_id: str, kind: discord.InteractionType = discord.InteractionType.component) -> Any:
    return SimpleNamespace(type=kind, data={"custom_id": custom_id})


def test_a_custom_id_finds_its_button_with_the_state_it_carries() -> None:
    router = ButtonRouter()
    router.add(ChoiceButton, TypedAnswerButton, VoteButton, CancelButton)
    vote = router.find("wp:vote:123:4")
    assert isinstance(vote, VoteButton) and (vote.poll_id, vote.slot) == (123, 4)
    choice = router.find("trivia:answer:77:2")
    assert isinstance(choice, ChoiceButton) and (choice.asked_id, choice.choice) == (77, 2)
    cancel = router.find("wp:cancel:9:tied")
    assert isinstance(cancel, CancelButton) and cancel.state == "tied"


@pytest.mark.parametrize(
    "custom_id",
    ["wp:vote:123:4x", "xwp:vote:123:4", "wp:vote:123", "trivia:answer:77:4", "wp:cancel:9:done", ""],
)
def test_a_custom_id_that_only_looks_like_a_template_finds_nothing(custom_id: str) -> None:
    router = ButtonRouter()
    router.add(ChoiceButton, VoteButton, CancelButton)
    assert router.find(custom_id) is None


def test_a_removed_button_class_is_no_longer_found() -> None:
    router = ButtonRouter()
    router.add(VoteButton)
    router.remove(VoteButton)
    assert VoteButton not in router and router.find("wp:vote:1:1") is None


def test_a_button_whose_custom_id_breaks_its_template_is_refused() -> None:
    with pytest.raises(ValueError, match="must match"):
        RoutedButton.__init__(Counter.__new__(Counter), label="x", custom_id="test:count:x")


async def test_discord_py_keeps_nothing_of_a_view_of_routed_buttons_not_even_a_timer() -> None:
    view = RoutedView()
    view.add_item(VoteButton(5, 0))
    view.add_item(ChoiceButton(6, 1))
    view.add_item(discord.ui.Button(label="Read more", url="https://example.com"))
    store = ViewStore(SimpleNamespace())  # type: ignore[arg-type]
    tasks = asyncio.all_tasks()
    if not view.is_finished():  # what InteractionResponse.send_message does once the reply is sent
        view.timeout = 15 * 60.0  # for an ephemeral reply
        store.add_view(view, message_id=42)
    assert asyncio.all_tasks() == tasks  # no timeout task holding the view for 15 minutes
    assert store.persistent_views == [] and not store._dynamic_items and not store._views


def test_a_view_refuses_an_item_only_discord_py_could_answer() -> None:
    with pytest.raises(TypeError, match="RoutedButton"):
        RoutedView().add_item(discord.ui.Button(label="Plain", custom_id="plain"))


def test_the_bot_builds_its_views_as_routed_views_only() -> None:
    root = Path(__file__).resolve().parents[2]
    plain = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("bot", "cogs")
        for path in sorted((root / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\bui\.View\(", line)
    ]
    assert not plain, f"views discord.py would keep (ephemeral ones for 15 minutes): {plain}"


async def test_a_press_runs_its_callback_once_and_a_failing_callback_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    router = ButtonRouter()
    router.add(Counter)
    Counter.pressed.clear()
    assert await router.dispatch(press("test:count:3"))
    assert Counter.pressed == [3]
    assert not await router.dispatch(press("test:other:3"))
    assert not await router.dispatch(
        SimpleNamespace(type=discord.InteractionType.application_command, data={})
    )
    with caplog.at_level(logging.ERROR, logger="bot.components"):
        assert await router.dispatch(press("test:count:0"))
    assert "Button test:count:0 failed" in caplog.text
    assert Counter.pressed == [3]


class Feedback(RoutedModal, template=r"test:form:(?P<n>\d+)"):
    sent: ClassVar[list[tuple[int, str]]] = []
    text_input: discord.ui.TextInput[Feedback] = discord.ui.TextInput(label="Text", custom_id="text")

    def __init__(self, n: int) -> None:
        super().__init__(title="Feedback", custom_id=f"test:form:{n}")
        self.n, self.text = n, ""

    @classmethod
    def from_submit(cls, match: re.Match[str], values: dict[str, str]) -> Feedback:
        form = cls(int(match["n"]))
        form.text = values.get("text", "")
        return form

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        Feedback.sent.append((self.n, self.text))


async def test_a_form_is_answered_from_its_custom_id_and_text_and_discord_py_keeps_nothing() -> None:
    form = Feedback(4)
    store = ViewStore(SimpleNamespace())  # type: ignore[arg-type]
    if not form.is_finished():  # what InteractionResponse.send_modal does after sending
        store.add_view(form)
    assert store._modals == {}
    router = ButtonRouter()
    router.add(Feedback)
    rows = [{"type": 1, "components": [{"type": 4, "custom_id": "text", "value": "loved it"}]}]
    labels = [{"type": 18, "component": {"type": 4, "custom_id": "text", "value": "the finale"}}]
    submit = discord.InteractionType.modal_submit
    assert await router.dispatch(
        SimpleNamespace(type=submit, data={"custom_id": "test:form:4", "components": rows})
    )
    assert await router.dispatch(
        SimpleNamespace(type=submit, data={"custom_id": "test:form:5", "components": labels})
    )
    assert not await router.dispatch(
        SimpleNamespace(type=submit, data={"custom_id": "test:form:x", "components": []})
    )
    assert Feedback.sent == [(4, "loved it"), (5, "the finale")]
    router.remove(Feedback)
    assert Feedback not in router
