"""Weekly local-time slots: parsing days and times, the next and previous slot, the catch-up rule.

Plain code, no discord import; any feature that posts on a schedule (the daily trivia question,
discussion prompts) uses it. A slot is a local time of day on chosen weekdays in a time zone. On a
daylight-saving change day a local time that does not exist (inside the spring-forward gap) moves to
the first valid instant after it (the end of the gap); a local time that happens twice (in the autumn
overlap) means its first occurrence.

Catch-up rule: when the bot comes back after missing one or more slots, it posts at most one late
post, for the most recent missed slot, and only if that slot is less than CATCH_UP_LIMIT old; older
missed slots are skipped. Then the next slot after now is scheduled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.bounded import remember
from bot.localtime import first_instant, gap_end
from bot.timeofday import TimeOfDayError
from bot.timeofday import parse_time_of_day as shared_time_of_day

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EVERY_DAY = frozenset(range(7))
NAMED_SETS = {
    "daily": EVERY_DAY,
    "everyday": EVERY_DAY,
    "all": EVERY_DAY,
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
CATCH_UP_LIMIT = timedelta(hours=24)
LATE_AFTER = timedelta(minutes=5)  # a post this long after its slot is a catch-up


class ScheduleError(ValueError):
    """A setting that can't be parsed; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class WeeklySpec:
    """When something is posted: a local time on some weekdays in a time zone."""

    at: time
    weekdays: frozenset[int]
    zone: ZoneInfo


@dataclass(frozen=True, slots=True)
class RunPlan:
    """What a scheduled job should do when it runs: post or skip, for which slot, and the next slot."""

    post: bool
    slot: datetime  # the slot the post stands for (the latest slot at or before now)
    late: bool
    next_slot: datetime


def parse_time_of_day(text: str) -> time:
    """A time of day in the grammar watch parties use too (bot.timeofday): `19:30`, `7pm`, `noon`."""
    try:
        return shared_time_of_day(text)
    except TimeOfDayError as exc:
        raise ScheduleError(str(exc)) from None


@lru_cache(maxsize=256)  # a club types the same few; errors are not kept
def parse_days(text: str) -> frozenset[int]:
    """`daily`, `weekdays`, `weekends`, or names and ranges such as `mon,wed,fri` or `mon-fri`."""
    cleaned = text.strip().lower().replace(" ", "")
    if cleaned in NAMED_SETS:
        return NAMED_SETS[cleaned]
    days: set[int] = set()
    for part in filter(None, cleaned.split(",")):
        start, _, end = part.partition("-")
        first = _weekday(start)
        days.update(_day_range(first, _weekday(end)) if end else {first})
    if not days:
        raise ScheduleError("Name at least one day, such as `daily`, `weekdays` or `mon,wed,fri`.")
    return frozenset(days)


def _weekday(name: str) -> int:
    for index, full in enumerate(FULL_WEEKDAY_NAMES):
        if len(name) >= 3 and full.startswith(name):
            return index
    raise ScheduleError(f"`{name[:20]}` isn't a day. Use mon, tue, wed, thu, fri, sat, sun.")


def _day_range(first: int, last: int) -> set[int]:
    span = (last - first) % 7
    return {(first + offset) % 7 for offset in range(span + 1)}


def format_days(days: frozenset[int]) -> str:
    """A short human form: daily, weekdays, weekends or a list of day names."""
    for name in ("daily", "weekdays", "weekends"):
        if days == NAMED_SETS[name]:
            return name
    return ",".join(WEEKDAY_NAMES[d] for d in sorted(days))


def local_slot(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of local time `at` on `day`: a gap moves to its end; an overlap takes the first."""
    wall = datetime.combine(day, at)
    return first_instant(wall, zone) or gap_end(wall, zone)


NEXT_SLOTS_KEPT = 1024  # schedules whose latest answer is remembered (one per server and feature)
_next_slots: dict[WeeklySpec, tuple[datetime, datetime]] = {}  # spec -> (asked after, its next slot)


def next_slot(after: datetime, spec: WeeklySpec) -> datetime:
    """The first slot strictly after the instant `after`.

    The latest answer per schedule is remembered: slot S, first after t, is also the first after any
    instant in [t, S), since no slot lies between. So asking again before the slot costs a lookup, and
    an instant outside that span (the clock moved back, or the slot passed) is worked out afresh.
    """
    known = _next_slots.get(spec)
    if known is not None and known[0] <= after < known[1]:
        return known[1]
    slot = _first_slot_after(after, spec)
    remember(_next_slots, spec, (after, slot), NEXT_SLOTS_KEPT)
    return slot


def _first_slot_after(after: datetime, spec: WeeklySpec) -> datetime:
    start = after.astimezone(spec.zone).date() - timedelta(days=1)
    for offset in range(9):
        day = start + timedelta(days=offset)
        if day.weekday() in spec.weekdays:
            slot = local_slot(day, spec.at, spec.zone)
            if slot > after:
                return slot
    raise ScheduleError("No day of the week is selected.")


def previous_slot(at_or_before: datetime, spec: WeeklySpec) -> datetime | None:
    """The latest slot at or before the instant, within the last eight days."""
    end = at_or_before.astimezone(spec.zone).date() + timedelta(days=1)
    for offset in range(9):
        day = end - timedelta(days=offset)
        if day.weekday() in spec.weekdays:
            slot = local_slot(day, spec.at, spec.zone)
            if slot <= at_or_before:
                return slot
    return None


def slot_stamp(slot: datetime) -> str:
    """A slot as a stable UTC text, for scheduler keys: one job, and so one post, per slot."""
    at = slot.astimezone(UTC)  # spelled out: strftime costs several times as much
    return f"{at.year:04d}-{at.month:02d}-{at.day:02d}T{at.hour:02d}:{at.minute:02d}:{at.second:02d}Z"


def plan_run(due_slot: datetime, now: datetime, spec: WeeklySpec) -> RunPlan:
    """Apply the catch-up rule for a job due at `due_slot` that runs at `now`."""
    latest = previous_slot(now, spec)
    slot = max(latest, due_slot) if latest is not None else due_slot
    slot = min(slot, now)
    return RunPlan(
        post=now - slot < CATCH_UP_LIMIT,
        slot=slot,
        late=now - slot > LATE_AFTER or slot != due_slot,
        next_slot=next_slot(now, spec),
    )
