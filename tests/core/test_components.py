"""The button router: a press finds its button class by custom_id, and discord.py's view store stays out."""

from __future__ import annotations

import logging
import re
from types import SimpleNamespace
from typing import Any, ClassVar

import discord
import pytest
from discord.ui.view import ViewStore

from bot.components import ButtonRouter, RoutedButton
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


def test_discord_py_view_store_keeps_nothing_of_a_view_of_routed_buttons() -> None:
    view = discord.ui.View(timeout=None)
    view.add_item(VoteButton(5, 0))
    view.add_item(ChoiceButton(6, 1))
    assert not view.is_dispatchable()
    store = ViewStore(SimpleNamespace())  # type: ignore[arg-type]
    store.add_view(view, message_id=42)  # what sending the view does
    assert store.persistent_views == []
    assert not store._dynamic_items and not store._views  # nothing to dispatch a press to a second time


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
