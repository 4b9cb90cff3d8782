"""The one time-of-day grammar: the daily question and watch parties read and refuse the same words."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.timeofday import TimeOfDayError, parse_time_of_day
from bot.weekly import ScheduleError
from bot.weekly import parse_time_of_day as daily_time
from cogs.watchparty._timeparse import TimeParseError, parse_moment

ZONE = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 10:00 in New York


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("noon", time(12)),
        ("midday", time(12)),
        ("midnight", time(0)),
        ("7pm", time(19)),
        ("7 PM", time(19)),
        ("7:30am", time(7, 30)),
        ("7.30pm", time(19, 30)),
        ("19:00", time(19)),
        ("12am", time(0)),
    ],
)
def test_both_features_read_the_same_words(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected
    assert daily_time(text) == expected
    assert parse_moment(f"2026-12-24 {text}", ZONE, NOW).local.time() == expected


@pytest.mark.parametrize("text", ["8", "19", "13pm", "25:00", "7:61"])
def test_both_features_refuse_the_same_words_with_the_same_message(text: str) -> None:
    with pytest.raises(TimeOfDayError) as shared:
        parse_time_of_day(text)
    with pytest.raises(ScheduleError) as daily:
        daily_time(text)
    with pytest.raises(TimeParseError) as party:
        parse_moment(f"tomorrow {text}", ZONE, NOW)
    assert str(shared.value) == str(daily.value) == str(party.value)


def test_a_bare_midnight_is_the_coming_one() -> None:
    coming = parse_moment("midnight", ZONE, NOW).local
    assert (coming.date().isoformat(), coming.time()) == ("2026-12-02", time(0))
    assert parse_moment("tonight midnight", ZONE, NOW).local == coming
    assert parse_moment("fri midnight", ZONE, NOW).local.isoformat().startswith("2026-12-04T00:00")


@given(st.integers(0, 23), st.integers(0, 59))
def test_24_hour_and_12_hour_forms_agree(hour: int, minute: int) -> None:
    twelve = f"{hour % 12 or 12}:{minute:02d}{'am' if hour < 12 else 'pm'}"
    assert parse_time_of_day(f"{hour:02d}:{minute:02d}") == parse_time_of_day(twelve) == time(hour, minute)
