"""Checking a new poll's input: every bad case is refused with what was understood."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cogs.watchparty._plan import MAX_SLOTS, PlanError, check_place, check_title, plan_poll
from cogs.watchparty._timeparse import input_form

ZONE = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday, noon in London


def test_slots_are_sorted_and_the_deadline_read() -> None:
    plan = plan_poll("sat 8pm, fri 8pm; 2026-11-27 20:00", "in 2 hours", ZONE, NOW)
    assert [input_form(s.at, ZONE) for s in plan.slots] == [
        "2026-11-20 20:00",
        "2026-11-21 20:00",
        "2026-11-27 20:00",
    ]
    assert plan.closes.at == NOW + timedelta(hours=2)


def test_deadline_may_equal_the_first_slot() -> None:
    plan = plan_poll("fri 8pm", "fri 8pm", ZONE, NOW)
    assert plan.closes.at == plan.slots[0].at


def test_a_weekday_whose_time_passed_today_means_next_week() -> None:
    plan = plan_poll("fri 10am", "1h", ZONE, NOW)
    assert input_form(plan.slots[0].at, ZONE) == "2026-11-27 10:00"


@pytest.mark.parametrize(
    ("slots", "closes", "fragments"),
    [
        ("today 9am", "1h", ["Slot 1 `today 9am`", "is in the past"]),
        (
            "fri 8pm; 2025-01-01 20:00",
            "1h",
            ["Slot 2", "in the past", "Understood so far: `fri 8pm` → Fri 2026-11-20"],
        ),
        ("fri 8pm; blorp", "1h", ["Slot 2", "couldn't read `blorp`", "Understood so far"]),
        ("fri 8pm; 20:00", "1h", ["Slot 2", "same time as `fri 8pm`"]),
        (
            ";".join(f"2026-12-0{d} 20:00" for d in range(1, 10)) + "; sat 8pm; sun 8pm",
            "1h",
            ["11 slots", "at most 10"],
        ),
        ("fri 8pm", "sat 8pm", ["deadline", "after the first slot", "Understood so far"]),
        ("fri 8pm", "2025-01-01 10:00", ["deadline", "in the past"]),
        ("fri 8pm", "whenever", ["Deadline", "couldn't read"]),
        ("", "1h", ["at least one slot"]),
        ("2028-01-01 20:00", "1h", ["more than a year ahead"]),
        ("2026-03-29 01:30", "1h", ["doesn't exist", "Europe/London"]),
    ],
)
def test_bad_input_is_refused_with_an_echo(slots: str, closes: str, fragments: list[str]) -> None:
    with pytest.raises(PlanError) as caught:
        plan_poll(slots, closes, ZONE, NOW)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_ten_slots_are_allowed() -> None:
    slots = "; ".join(f"2026-12-{day:02d} 20:00" for day in range(1, MAX_SLOTS + 1))
    assert len(plan_poll(slots, "1h", ZONE, NOW).slots) == MAX_SLOTS


@given(st.integers(min_value=-10_000, max_value=0))
def test_any_past_slot_is_refused(minutes: int) -> None:
    when = NOW + timedelta(minutes=minutes)
    with pytest.raises(PlanError, match="in the past"):
        plan_poll(input_form(when, ZONE), "1m", ZONE, NOW.replace(second=30))


@pytest.mark.parametrize(
    "title", ["Movie @everyone", "hey @here", "for <@&123456789012345678>", "@EVERYONE night"]
)
def test_titles_with_mass_or_role_mentions_are_refused(title: str) -> None:
    with pytest.raises(PlanError, match="can't contain") as caught:
        check_title(title)
    assert "@everyone" not in str(caught.value).split("Understood:")[1]


def test_titles_are_cleaned_and_limited() -> None:
    assert check_title("  Rush   night ") == "Rush night"
    assert check_title("Ask <@123> about snacks") == "Ask <@123> about snacks"
    with pytest.raises(PlanError):
        check_title("   ")
    with pytest.raises(PlanError, match="keep it to 100"):
        check_title("x" * 101)


def test_places_follow_the_same_rules() -> None:
    assert check_place(" The  Roxy ") == "The Roxy"
    with pytest.raises(PlanError):
        check_place("@here basement")
