"""Wall-clock times across daylight-saving changes: gaps are found, overlaps take the first occurrence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.localtime import first_instant, gap_end, gap_length

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
ZONES = st.sampled_from([NEW_YORK, LONDON, ZoneInfo("Australia/Sydney"), ZoneInfo("UTC")])
WALLS = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31))


def test_spring_forward_gap() -> None:
    wall = datetime(2026, 3, 8, 2, 30)  # New York skips 02:00-03:00
    assert first_instant(wall, NEW_YORK) is None
    assert gap_length(wall, NEW_YORK) == timedelta(hours=1)
    assert gap_end(wall, NEW_YORK) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT


def test_fall_back_overlap_takes_the_first_occurrence() -> None:
    wall = datetime(2026, 11, 1, 1, 30)  # New York has 01:30 twice
    assert first_instant(wall, NEW_YORK) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT


def test_ordinary_time() -> None:
    assert first_instant(datetime(2026, 7, 1, 20, 0), LONDON) == datetime(2026, 7, 1, 19, 0, tzinfo=UTC)
    assert gap_length(datetime(2026, 7, 1, 20, 0), LONDON) == timedelta(0)


@given(WALLS, ZONES)
def test_an_instant_reads_back_as_the_same_wall_time(wall: datetime, zone: ZoneInfo) -> None:
    instant = first_instant(wall, zone)
    if instant is None:
        end = gap_end(wall, zone)
        assert gap_length(wall, zone) > timedelta(0)
        assert end.astimezone(zone).replace(tzinfo=None) > wall  # the gap ends after the missing time
        assert first_instant(end.astimezone(zone).replace(tzinfo=None), zone) == end
    else:
        assert instant.astimezone(zone).replace(tzinfo=None) == wall.replace(fold=0)
        earlier = instant - timedelta(hours=1)
        # the first occurrence: an hour earlier never shows the same wall time
        assert earlier.astimezone(zone).replace(tzinfo=None) != wall.replace(fold=0)


@given(WALLS, ZONES, st.sampled_from([0, 1]), st.booleans())
def test_first_instant_agrees_with_the_plain_round_trip(
    wall: datetime, zone: ZoneInfo, fold: int, aware: bool
) -> None:
    # The wall time may come with a fold or a zone attached; both are ignored.
    given_wall = wall.replace(fold=fold, tzinfo=zone if aware else None)
    naive = wall.replace(fold=0)
    instant = naive.replace(tzinfo=zone).astimezone(UTC)
    expected = instant if instant.astimezone(zone).replace(tzinfo=None) == naive else None
    assert first_instant(given_wall, zone) == expected
