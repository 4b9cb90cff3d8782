"""User text echoed back: whatever a member types, the rendered text shows it literally, with no link,
mention, block markup or open formatting it wrote (read by a markdown reader, not by counting marks)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.usertext import BACKTICK_STAND_IN, ZWSP, clean, code, plain
from tests.faults.markdown import SPOILER_MARK, render

TRICKS = [
    "](", "[", "]", "(", ")", "https://evil.example/x", "<https://evil.example>", "http://", "||", "|", "`",
    "```", "**", "*", "__", "_", "~~", "\\", "#", "# ", "-# ", "> ", ">>> ", "- ", "1. ", "2) ", "<@123456789012345678>",
    "<@&123456789012345678>", "<#123456789012345678>", "@everyone", "@here", "<t:0:R>", "\u200b", "\u200d",
    "\u202e", "\ufeff", "\n", "\r\n", " ", "x", "ß", "🎬", ":", "/",
]  # fmt: skip
HOSTILE = st.lists(st.one_of(st.sampled_from(TRICKS), st.text(max_size=3)), max_size=12).map("".join)
MORE = settings(max_examples=600)


def visible(text: str) -> str:
    return text.replace(ZWSP, "")


@MORE
@given(HOSTILE)
def test_plain_text_renders_as_typed_and_does_nothing_else(text: str) -> None:
    shown = render(plain(text))
    assert shown.links == [] and shown.mentions == [] and shown.blocks == [], shown
    assert shown.open_marks == [], shown
    assert visible(shown.text) == clean(text)


@MORE
@given(HOSTILE, HOSTILE)
def test_plain_text_cannot_break_out_of_a_spoiler_tag(inside: str, after: str) -> None:
    shown = render(f"Seen: ||{plain(inside)}|| then {plain(after)}")
    assert visible(shown.text) == f"Seen: {SPOILER_MARK}{clean(inside)}{SPOILER_MARK} then {clean(after)}"
    assert shown.open_marks == [] and shown.links == [] and shown.mentions == []


@MORE
@given(HOSTILE)
def test_a_code_span_shows_the_text_raw(text: str) -> None:
    shown = render(f"You wrote {code(text)}.")
    expected = clean(text).replace("`", BACKTICK_STAND_IN) or " "
    assert visible(shown.text) == f"You wrote {expected}." and shown.links == [] and shown.mentions == []


@given(HOSTILE, st.integers(1, 40))
def test_a_limit_counts_visible_characters_and_never_cuts_an_escape(text: str, limit: int) -> None:
    shown = render(plain(text, limit))
    assert len(visible(shown.text)) <= limit and shown.open_marks == [] and shown.links == []


def test_the_masked_link_from_the_report_is_plain_text() -> None:
    title = "x](https://evil.example/x) [y"
    shown = render(f"**[{plain(title)}](https://discord.com/channels/1/2/3)**")
    assert shown.links == ["https://discord.com/channels/1/2/3"]
    assert visible(shown.text) == title
