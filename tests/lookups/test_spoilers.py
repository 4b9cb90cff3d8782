"""The spoiler helper: tags that text cannot break, and splitting that never cuts a tag."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.spoilers import (
    Segment,
    escape,
    hidden_text,
    paginate,
    render,
    split_segment,
    spoiler,
    unescape,
    unescaped_marks,
    visible_text,
)

# Text rich in the characters that could break a tag or open a code span.
tricky = st.text(alphabet=st.sampled_from(list("ab |`*_~\\>#-[]().:1\n ")), max_size=80) | st.text(
    max_size=80
)


def _tagged_lines(rendered: str) -> list[str]:
    return [line for line in rendered.split("\n") if line]


@given(tricky)
def test_each_tagged_line_has_exactly_one_opening_and_one_closing_mark(text: str) -> None:
    for line in _tagged_lines(spoiler(text)):
        assert unescaped_marks(line, "||") == [0, len(line) - 2]


@given(tricky)
def test_no_unescaped_backtick_can_open_a_code_span(text: str) -> None:
    assert unescaped_marks(spoiler(text), "`") == []
    assert unescaped_marks(escape(text), "`") == []


@given(tricky)
def test_tagged_text_round_trips(text: str) -> None:
    rendered = spoiler(text)
    assert visible_text(rendered).strip() == ""
    expected = [line.strip() for line in text.split("\n") if line.strip()]
    assert hidden_text(rendered).split("\n") == (expected or [""])


@given(tricky)
def test_escape_round_trips_and_has_no_live_markup(text: str) -> None:
    escaped = escape(text)
    assert unescape(escaped) == text
    for mark in ("||", "`", "*", "_", "~"):
        assert unescaped_marks(escaped, mark) == []


@given(tricky, tricky)
def test_untagged_text_cannot_reach_into_a_neighbouring_tag(before: str, secret: str) -> None:
    rendered = render([Segment(before), Segment(secret, tagged=True)])
    for line in rendered.split("\n"):
        assert len(unescaped_marks(line, "||")) % 2 == 0
    assert unescaped_marks(rendered, "`") == []
    assert visible_text(rendered).replace("\n", "").strip() == before.replace("\n", "").strip()


@settings(max_examples=200)
@given(st.text(min_size=0, max_size=600), st.booleans(), st.integers(min_value=12, max_value=200))
def test_split_pieces_fit_and_keep_their_tags(text: str, tagged: bool, limit: int) -> None:
    pieces = split_segment(Segment(text, tagged), limit)
    for piece in pieces:
        rendered = piece.render()
        assert len(rendered) <= limit
        assert piece.tagged is tagged
        if tagged:
            for line in _tagged_lines(rendered):
                assert unescaped_marks(line, "||") == [0, len(line) - 2]
    assert re.sub(r"\s+", "", "".join(p.text for p in pieces)) == re.sub(r"\s+", "", text)


@given(st.lists(st.text(min_size=1, max_size=50), max_size=30), st.integers(min_value=50, max_value=300))
def test_paginate_never_splits_a_block_and_respects_the_limit(blocks: list[str], limit: int) -> None:
    pages = paginate(blocks, limit, separator="\n\n", max_blocks=4)
    assert all(len(page) <= limit for page in pages)
    assert "\n\n".join(pages) == "\n\n".join(blocks)


def test_paginate_starts_a_new_page_after_max_blocks() -> None:
    assert paginate(["a", "b", "c"], 100, max_blocks=2) == ["a\nb", "c"]


def test_escape_neutralises_discord_markup() -> None:
    assert spoiler("a||b") == "||a\\|\\|b||"
    assert escape("`code` *bold*") == "\\`code\\` \\*bold\\*"
    assert escape("# Heading\n> quote\n1991. Year") == "\\# Heading\n\\> quote\n1991\\. Year"


def test_blank_lines_stay_untagged() -> None:
    assert spoiler("one\n\n two ") == "||one||\n\n||two||"
