"""Ratings as plain code: half stars, the summary, the text bars; and the store keeping one row each."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ratings import average_text, bars, star_choices, star_number, stars, summarise


def test_stars_are_drawn_in_halves() -> None:
    assert stars(1) == "½" and stars(7) == "★★★½" and stars(10) == "★★★★★"
    assert star_number(1) == "½" and star_number(7) == "3½" and star_number(10) == "5"
    with pytest.raises(ValueError):
        stars(0)
    assert [h for _, h in star_choices()] == list(range(10, 0, -1))


def test_summary_counts_each_half_star() -> None:
    summary = summarise([10, 7, 7, 2])
    assert summary.count == 4
    assert summary.average == pytest.approx((5 + 3.5 + 3.5 + 1) / 4)
    assert summary.distribution[6] == 2 and summary.distribution[9] == 1 and summary.distribution[1] == 1
    assert average_text(summary) == "3.2 ★ from 4 ratings"
    assert not summarise([8, 8]).shown_beside_film and summarise([8, 8, 8]).shown_beside_film
    assert average_text(summarise([])) == "no ratings yet"


def test_bars_scale_to_the_largest_count() -> None:
    lines = bars(summarise([10, 10, 10, 10, 1]), width=8)
    assert len(lines) == 10
    assert lines[0] == "` 5 ████████ 4`"
    assert lines[-1] == "` ½ ██░░░░░░ 1`"  # never rounded away to nothing
    assert lines[1] == "`4½ ░░░░░░░░ 0`"


@given(st.lists(st.integers(1, 10), max_size=50))
def test_summary_is_consistent(ratings: list[int]) -> None:
    summary = summarise(ratings)
    assert sum(summary.distribution) == summary.count == len(ratings)
    if ratings:
        assert summary.average is not None and 0.5 <= summary.average <= 5
    assert all(len(line) == len(bars(summary)[0]) or "10" in line for line in bars(summary))
