"""Time parsing: the grammar, DST gaps and overlaps, relative deadlines, round trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.watchparty._timeparse import (
    TimeParseError,
    format_local,
    input_form,
    localize,
    parse_deadline,
    parse_duration,
    parse_moment,
    timestamp_tag,
)

ZONES = ("UTC", "Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/St_Johns")
DST_ZONES = ("Europe/London", "America/New_York", "Australia/Sydney", "America/St_Johns", "Europe/Berlin")
NY = ZoneInfo("America/New_York")
# Friday 6 March 2026, 10:00 in New York; DST starts there on Sunday 8 March (02:00 → 03:00).
NOW = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)


@cache
def transitions(zone_name: str, year: int) -> tuple[datetime, ...]:
    """The UTC instants in a year when the zone's offset changes (found to the minute)."""
    zone = ZoneInfo(zone_name)
    found = []
    at = datetime(year, 1, 1, tzinfo=UTC)
    while at.year == year:
        step = at + timedelta(hours=1)
        if at.astimezone(zone).utcoffset() != step.astimezone(zone).utcoffset():
            low, high = at, step
            while high - low > timedelta(minutes=1):
                mid = low + (high - low) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = mid if mid != low else low + timedelta(minutes=1)
                else:
                    high = mid
            found.append(high)
        at = step
    return tuple(found)


@st.composite
def near_transition(draw: st.DrawFn) -> tuple[ZoneInfo, datetime]:
    """A zone and a naive local wall-clock time within three hours of one of its DST transitions."""
    name = draw(st.sampled_from(DST_ZONES))
    moment = draw(st.sampled_from(transitions(name, 2026)))
    zone = ZoneInfo(name)
    wall = moment.astimezone(zone).replace(tzinfo=None) + timedelta(minutes=draw(st.integers(-180, 180)))
    return zone, wall


@given(near_transition())
@settings(max_examples=400)
def test_gap_times_are_rejected_and_overlaps_take_the_first_occurrence(
    case: tuple[ZoneInfo, datetime],
) -> None:
    zone, wall = case
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    exists = first.astimezone(zone).replace(tzinfo=None) == wall
    text = f"{wall:%Y-%m-%d %H:%M}"
    if not exists:
        with pytest.raises(TimeParseError, match="doesn't exist"):
            parse_moment(text, zone, NOW)
        return
    parsed = parse_moment(text, zone, NOW)
    assert parsed.at == min(first, second)
    assert parsed.local.replace(tzinfo=None) == wall


def test_transitions_helper_finds_new_york_2026() -> None:
    assert [t.isoformat() for t in transitions("America/New_York", 2026)] == [
        "2026-03-08T07:00:00+00:00",
        "2026-11-01T06:00:00+00:00",
    ]


def test_spring_forward_gap_message_names_the_gap() -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_moment("sun 2:30am", NY, NOW)
    assert "02:30 doesn't exist on 2026-03-08 in America/New_York" in str(caught.value)
    assert "1 h" in str(caught.value)


def test_fall_back_overlap_picks_first_occurrence() -> None:
    parsed = parse_moment("2026-11-01 01:30", NY, NOW)
    assert parsed.at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not 01:30 EST
    assert parsed.local.utcoffset() == timedelta(hours=-4)


@given(
    zone_name=st.sampled_from(ZONES),
    at=st.datetimes(min_value=datetime(2026, 3, 7), max_value=datetime(2027, 3, 1)).map(
        lambda naive: naive.replace(second=0, microsecond=0, tzinfo=UTC)
    ),
)
@settings(max_examples=300)
def test_formatted_times_round_trip(zone_name: str, at: datetime) -> None:
    zone = ZoneInfo(zone_name)
    parsed = parse_moment(input_form(at, zone), zone, NOW)
    if at.astimezone(zone).fold == 1:  # the second occurrence of an ambiguous time reads back as the first
        assert parsed.at < at and parsed.local.replace(tzinfo=None) == at.astimezone(zone).replace(
            tzinfo=None
        )
    else:
        assert parsed.at == at
    assert format_local(parsed.at, zone).endswith(zone.key)


@given(
    weekday=st.sampled_from(["mon", "tuesday", "wed", "thurs", "fri", "sat", "sunday"]),
    hour=st.integers(1, 12),
    minute=st.integers(0, 59),
    meridiem=st.sampled_from(["am", "pm"]),
    now=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20)).map(
        lambda naive: naive.replace(tzinfo=UTC)
    ),
    zone_name=st.sampled_from(ZONES),
)
@settings(max_examples=300)
def test_weekday_means_the_next_such_day_still_ahead(
    weekday: str, hour: int, minute: int, meridiem: str, now: datetime, zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    try:
        parsed = parse_moment(f"{weekday} {hour}:{minute:02d}{meridiem}", zone, now)
    except TimeParseError as exc:
        assert "doesn't exist" in str(exc)
        return
    local = parsed.local
    assert local.strftime("%a").lower() == weekday[:3]
    assert (local.hour, local.minute) == (hour % 12 + (12 if meridiem == "pm" else 0), minute)
    assert now < parsed.at <= now + timedelta(days=7, hours=2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fri 8pm", "2026-03-06 20:00"),
        ("8pm fri", "2026-03-06 20:00"),
        ("friday at 8 pm", "2026-03-06 20:00"),
        ("next fri 8pm", "2026-03-13 20:00"),
        ("fri 9am", "2026-03-13 09:00"),  # this Friday's 9am has passed
        ("tomorrow 19:30", "2026-03-07 19:30"),
        ("tmrw noon", "2026-03-07 12:00"),
        ("today 23:59", "2026-03-06 23:59"),
        ("tonight 8.30pm", "2026-03-06 20:30"),
        ("2026-11-27 20:00", "2026-11-27 20:00"),
        ("2026-11-27T20:00", "2026-11-27 20:00"),
        ("2026-11-27 8pm", "2026-11-27 20:00"),
        ("nov 27 8pm", "2026-11-27 20:00"),
        ("27th november 20:00", "2026-11-27 20:00"),
        ("mar 1 12am", "2027-03-01 00:00"),  # already past this year: next year
        ("midnight sat", "2026-03-07 00:00"),
        ("12pm", "2026-03-06 12:00"),
    ],
)
def test_grammar_examples(text: str, expected: str) -> None:
    assert input_form(parse_moment(text, NY, NOW).at, NY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("fri", "no time of day"),
        ("8", "ambiguous"),
        ("25:00", "isn't a time"),
        ("13pm", "isn't a time"),
        ("0am", "isn't a time"),
        ("fri sat 8pm", "more than one day"),
        ("fri 8pm 9pm", "more than one time"),
        ("banana 8pm", "couldn't read `banana`"),
        ("2026-02-30 20:00", "isn't a date"),
        ("feb 30 8pm", "isn't a date"),
    ],
)
def test_unreadable_times_say_why(text: str, message: str) -> None:
    with pytest.raises(TimeParseError, match=message):
        parse_moment(text, NY, NOW)


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("in 2 hours", timedelta(hours=2)),
        ("2h", timedelta(hours=2)),
        ("1h30m", timedelta(minutes=90)),
        ("1h 30 mins", timedelta(minutes=90)),
        ("in 3 days", timedelta(days=3)),
        ("45m", timedelta(minutes=45)),
        ("in 1 week", timedelta(weeks=1)),
    ],
)
def test_relative_deadlines(text: str, delta: timedelta) -> None:
    assert parse_deadline(text, NY, NOW).at == NOW + delta


def test_deadline_accepts_absolute_forms() -> None:
    assert input_form(parse_deadline("fri 8pm", NY, NOW).at, NY) == "2026-03-06 20:00"
    assert input_form(parse_deadline("8pm", NY, NOW).at, NY) == "2026-03-06 20:00"


@given(hours=st.integers(1, 500), minutes=st.integers(0, 59))
def test_relative_round_trip(hours: int, minutes: int) -> None:
    assert parse_duration(f"in {hours} hours {minutes} minutes") == timedelta(hours=hours, minutes=minutes)


@pytest.mark.parametrize("text", ["in 2 parsecs", "in 0 hours", "in 400 days"])
def test_bad_relative_deadlines(text: str) -> None:
    with pytest.raises(TimeParseError):
        parse_deadline(text, NY, NOW)


@given(st.text(max_size=40))
def test_parser_never_crashes(text: str) -> None:
    try:
        parsed = parse_deadline(text, NY, NOW)
    except TimeParseError:
        return
    assert parsed.at.tzinfo is not None


def test_localize_is_utc_and_timestamp_tag() -> None:
    at = localize(datetime(2026, 11, 27, 20, 0), ZoneInfo("Europe/London"))
    assert at == datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
    assert timestamp_tag(at) == f"<t:{int(at.timestamp())}:F>"
    assert timestamp_tag(at, "R").endswith(":R>")


@given(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)),
    st.sampled_from([ZoneInfo("Europe/London"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]),
)
def test_format_local_reads_like_strftime(at: datetime, zone: ZoneInfo) -> None:
    # Python leaves LC_TIME at "C" unless asked, so strftime's %a is the English short day name.
    assert format_local(at, zone) == f"{at.astimezone(zone):%a %Y-%m-%d %H:%M} {zone.key}"
