"""Local wall-clock times in a time zone, with daylight-saving gaps and overlaps made explicit.

Features choose their own rule for a time inside a gap (the trivia schedule moves it to the end of the
gap; a watch-party slot is refused), but both read a wall-clock time the same way: an ambiguous time in
an overlap means its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def first_instant(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall-clock time: the earlier one in an overlap, None inside a gap.

    A time inside a gap reads back as another wall-clock time. The read-back is compared field by field:
    each `datetime.replace` costs more than the rest of the work, and slots and schedules ask this often."""
    naive = wall if wall.tzinfo is None and not wall.fold else wall.replace(tzinfo=None, fold=0)
    instant = naive.replace(tzinfo=zone).astimezone(UTC)
    back = instant.astimezone(zone)
    if _wall_fields(back) != _wall_fields(naive):
        return None
    return instant


def _wall_fields(at: datetime) -> tuple[int, int, int, int, int, int, int]:
    return (at.year, at.month, at.day, at.hour, at.minute, at.second, at.microsecond)


def gap_length(wall: datetime, zone: ZoneInfo) -> timedelta:
    """How far the clocks jump at the transition around a wall-clock time (zero outside a transition)."""
    naive = wall.replace(tzinfo=None)
    before = naive.replace(tzinfo=zone, fold=0).utcoffset() or timedelta()
    after = naive.replace(tzinfo=zone, fold=1).utcoffset() or timedelta()
    return abs(after - before)


def gap_end(wall: datetime, zone: ZoneInfo) -> datetime:
    """The transition instant ending the gap a wall-clock time falls in: the first valid instant after it."""
    naive = wall.replace(tzinfo=None)
    low = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if low > high:
        low, high = high, low
    offset = low.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)
