"""The daily schedule: local times across DST changes, settings parsing and the catch-up rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import weekly
from bot.weekly import (
    CATCH_UP_LIMIT,
    EVERY_DAY,
    ScheduleError,
    format_days,
    local_slot,
    next_slot,
    parse_days,
    parse_time_of_day,
    plan_run,
    previous_slot,
)
from bot.weekly import WeeklySpec as DailySpec
from cogs.trivia._daily import format_duration, parse_duration, slot_key

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def test_spring_forward_gap_moves_to_the_first_valid_instant() -> None:
    # 2026-03-08: New York clocks jump from 02:00 to 03:00, so 02:30 doesn't exist.
    slot = local_slot(date(2026, 3, 8), time(2, 30), NY)
    assert slot == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert slot.astimezone(NY).time() == time(3, 0)
    # London 2026-03-29: 01:00 -> 02:00.
    assert local_slot(date(2026, 3, 29), time(1, 30), LONDON).astimezone(LONDON).time() == time(2, 0)


def test_fall_back_overlap_takes_the_first_occurrence() -> None:
    # 2026-11-01: New York 01:30 happens twice; the first is still on daylight time (UTC-4).
    assert local_slot(date(2026, 11, 1), time(1, 30), NY) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert local_slot(date(2026, 10, 25), time(1, 30), LONDON) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_local_time_is_kept_across_dst() -> None:
    spec = DailySpec(time(19, 0), EVERY_DAY, NY)
    before = next_slot(datetime(2026, 3, 7, 12, 0, tzinfo=UTC), spec)
    after = next_slot(before, spec)
    assert before.astimezone(NY).time() == after.astimezone(NY).time() == time(19, 0)
    assert after - before == timedelta(hours=23)  # the short day


@given(
    st.lists(
        st.datetimes(min_value=datetime(2026, 3, 1), max_value=datetime(2026, 4, 15), timezones=st.just(UTC)),
        min_size=2,
        max_size=12,
    ),
    st.frozensets(st.integers(0, 6), min_size=1),
    st.sampled_from([NY, LONDON]),
)
def test_a_remembered_next_slot_is_the_one_worked_out_afresh(
    instants: list[datetime], days: frozenset[int], zone: ZoneInfo
) -> None:
    # Asked in any order (the clock may move back), the answer is the computed one every time.
    spec = DailySpec(time(2, 30), days, zone)  # inside the spring-forward gap in both zones
    for after in instants:
        assert next_slot(after, spec) == weekly._first_slot_after(after, spec)


def test_next_slot_is_worked_out_once_until_its_slot_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = DailySpec(time(19, 0), EVERY_DAY, ZoneInfo("Asia/Tokyo"))
    monkeypatch.setattr(weekly, "_next_slots", {})
    worked: list[datetime] = []
    first = weekly._first_slot_after

    def counted(after: datetime, spec: DailySpec) -> datetime:
        worked.append(after)
        return first(after, spec)

    monkeypatch.setattr(weekly, "_first_slot_after", counted)
    start = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    slot = next_slot(start, spec)
    assert [next_slot(start + timedelta(hours=h), spec) for h in range(1, 10)] == [slot] * 9
    assert worked == [start]
    assert next_slot(slot, spec) == slot + timedelta(days=1)  # strictly after: the slot itself moves on
    assert len(worked) == 2


def test_next_slot_skips_unchosen_days_and_is_strictly_after() -> None:
    spec = DailySpec(time(9, 0), parse_days("mon,wed"), LONDON)
    monday_nine = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # 09:00 BST on a Monday
    assert next_slot(monday_nine - timedelta(seconds=1), spec) == monday_nine
    assert next_slot(monday_nine, spec) == datetime(2026, 6, 3, 8, 0, tzinfo=UTC)


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)),
    st.times(),
    st.frozensets(st.integers(0, 6), min_size=1),
    st.sampled_from([NY, LONDON, ZoneInfo("UTC")]),
)
def test_next_slot_properties(after: datetime, at: time, days: frozenset[int], zone: ZoneInfo) -> None:
    spec = DailySpec(at.replace(microsecond=0), days, zone)
    slot = next_slot(after, spec)
    assert after < slot <= after + timedelta(days=8)
    assert slot.astimezone(zone).weekday() in days
    prev = previous_slot(slot, spec)
    assert prev == slot


def test_parsing_settings() -> None:
    assert parse_time_of_day("19:30") == time(19, 30)
    assert parse_time_of_day("7:05pm") == time(19, 5)
    assert parse_time_of_day("12am") == time(0, 0)
    assert parse_days("weekdays") == frozenset(range(5))
    assert parse_days("fri-mon") == frozenset({4, 5, 6, 0})
    assert format_days(parse_days("Monday, Wednesday")) == "mon,wed"
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("45") == timedelta(minutes=45)
    assert format_duration(timedelta(seconds=3725)) == "1h2m5s"
    assert parse_time_of_day("noon") == time(12, 0)
    assert parse_time_of_day("midnight") == time(0, 0)
    for bad in ("25:00", "7:61", "13pm", "8", "soon"):
        with pytest.raises(ScheduleError):
            parse_time_of_day(bad)
    for bad in ("", "funday", "mo"):
        with pytest.raises(ScheduleError):
            parse_days(bad)
    for bad in ("5s", "24h", "soon", "1x"):
        with pytest.raises(ScheduleError):
            parse_duration(bad)


def test_on_time_run_posts_for_its_slot() -> None:
    spec = DailySpec(time(19, 0), EVERY_DAY, LONDON)
    slot = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
    plan = plan_run(slot, slot + timedelta(seconds=2), spec)
    assert plan.post and not plan.late and plan.slot == slot
    assert plan.next_slot == slot + timedelta(days=1)


def test_downtime_over_several_slots_gives_one_catch_up_for_the_latest() -> None:
    spec = DailySpec(time(19, 0), EVERY_DAY, LONDON)
    first_missed = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
    back = datetime(2026, 6, 4, 10, 0, tzinfo=UTC)  # three slots missed
    plan = plan_run(first_missed, back, spec)
    assert plan.post and plan.late
    assert plan.slot == datetime(2026, 6, 3, 18, 0, tzinfo=UTC)
    assert plan.next_slot == datetime(2026, 6, 4, 18, 0, tzinfo=UTC)


def test_a_slot_missed_by_more_than_the_limit_is_skipped() -> None:
    spec = DailySpec(time(19, 0), frozenset({0}), LONDON)  # Mondays only
    monday = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
    plan = plan_run(monday, monday + CATCH_UP_LIMIT + timedelta(hours=1), spec)
    assert not plan.post
    assert plan.next_slot == monday + timedelta(days=7)


def test_slot_key_is_stable() -> None:
    slot = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
    assert slot_key(7, slot) == "daily:7:2026-06-01T18:00:00Z"
    assert slot_key(7, slot.astimezone(NY)) == slot_key(7, slot)


@given(
    st.datetimes(
        min_value=datetime(1000, 1, 1), timezones=st.sampled_from([UTC, NY, ZoneInfo("Asia/Kolkata")])
    )
)
def test_slot_stamp_is_the_utc_iso_text_jobs_were_stored_under(at: datetime) -> None:
    # Keys stored by earlier versions (strftime) must still name the same slot.
    assert weekly.slot_stamp(at) == at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_settings_parse_the_same_each_time_and_bad_input_is_refused_each_time() -> None:
    assert parse_duration("1h30m") is parse_duration("1h30m")  # remembered
    assert weekly.parse_days("mon-fri") == frozenset(range(5))
    for _ in range(2):  # an error is never remembered as a value
        with pytest.raises(weekly.ScheduleError):
            parse_duration("forever")
        with pytest.raises(weekly.ScheduleError):
            weekly.parse_days("someday")
