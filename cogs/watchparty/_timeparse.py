"""Natural time parsing in a server's time zone: a small, predictable hand-written grammar.

Grammar (case-insensitive; "at" is ignored; day and time may come in either order)::

    moment   := iso | [day] time | time [day]
    iso      := YYYY-MM-DD[T| ]HH:MM
    day      := today | tonight | tomorrow | tmrw | [next] weekday | YYYY-MM-DD | D month | month D
    weekday  := mon[day] | tue[s|sday] | wed[nesday] | thu[r|rs|rsday] | fri[day] | sat[urday] | sun[day]
    month    := jan[uary] | feb[ruary] | ... | dec[ember]
    time     := H[:MM] am|pm | HH:MM (24-hour) | noon | midnight
    relative := [in] amount unit {amount unit}      (deadlines only: "in 2 hours", "2h", "1h30m", "3 days")
    unit     := m | min | mins | minute[s] | h | hr | hrs | hour[s] | d | day[s] | w | week[s]

Day rules: no day means today, except that a bare `midnight` (or `tonight midnight`) is the coming one; a weekday means the next such day, today included while the time is still
ahead ("next fri" never means today); "D month" without a year is the next such date that is still ahead.
DST rules: a local time that does not exist (inside a spring-forward gap) is rejected with a message naming
the gap; an ambiguous local time (inside a fall-back overlap) means its first occurrence, the earlier
instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.localtime import first_instant, gap_length
from bot.timeofday import TimeOfDayError, format_local, read_clock
from bot.timeofday import normalise as normalise_clock
from bot.usertext import code

MAX_AHEAD = timedelta(days=366)

WEEKDAYS = {
    "mon": 0, "monday": 0,
    "tue": 1, "tues": 1, "tuesday": 1,
    "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}  # fmt: skip
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
UNITS = {
    "m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1,
    "h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60,
    "d": 1440, "day": 1440, "days": 1440,
    "w": 10080, "week": 10080, "weeks": 10080,
}  # fmt: skip

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ](\d{1,2}):(\d{2}))?$")
_DAY_NUMBER = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")
_RELATIVE_PART = re.compile(r"(\d+)\s*([a-z]+)")
_RELATIVE = re.compile(r"^(?:in\s+)?(?:\d+\s*[a-z]+\s*)+$")


class TimeParseError(ValueError):
    """A time that can't be understood or doesn't exist; the message says why, for the user."""


@dataclass(frozen=True, slots=True)
class ParsedTime:
    """What the user typed and the instant it means (aware, UTC) in the zone it was read in."""

    text: str
    at: datetime
    zone: ZoneInfo

    @property
    def local(self) -> datetime:
        return self.at.astimezone(self.zone)

    def describe(self) -> str:
        """`fri 8pm` → Fri 27 Nov 2026 20:00 Europe/London, for echoing back what was understood."""
        return f"{code(self.text)} → {format_local(self.at, self.zone)}"


DaySpec = str | date | tuple[str, int, int]
""""today", "tomorrow", a date, ("weekday", n, next_week) or ("month_day", month, day)."""


def input_form(at: datetime, zone: ZoneInfo) -> str:
    """The plainest text `parse_moment` reads back as the same local wall-clock time: `2026-11-27 20:00`."""
    return f"{at.astimezone(zone):%Y-%m-%d %H:%M}"


def timestamp_tag(at: datetime, style: str = "F") -> str:
    """Discord's `<t:unix:style>` markup: every viewer sees it in their own time zone."""
    return f"<t:{int(at.timestamp())}:{style}>"


def localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """Attach a zone to a wall-clock time: reject DST gaps, pick the first occurrence in overlaps."""
    instant = first_instant(naive, zone)
    if instant is None:
        raise TimeParseError(
            f"{naive:%H:%M} doesn't exist on {naive:%Y-%m-%d} in {zone.key}: the clocks jump forward "
            f"{_duration(gap_length(naive, zone))} that night. Pick a time outside the gap."
        )
    return instant


def parse_moment(text: str, zone: ZoneInfo, now: datetime) -> ParsedTime:
    """Parse one absolute time ("fri 8pm", "tomorrow 19:30", "2026-11-27 20:00") in `zone`."""
    cleaned = _normalise(text)
    if not cleaned:
        raise TimeParseError("an empty time: write something like `fri 8pm` or `2026-11-27 20:00`.")
    day, clock = _read_pieces(cleaned)
    if clock is None:
        raise TimeParseError(f"{code(text.strip())} has no time of day: add one, like `8pm` or `20:00`.")
    if clock == time(0, 0) and (day is None or "tonight" in cleaned.split()):
        day = "tomorrow"  # a bare "midnight" is the coming one, at the end of today
    at = _resolve(day, clock, zone, now)
    return ParsedTime(text.strip(), at, zone)


def parse_deadline(text: str, zone: ZoneInfo, now: datetime) -> ParsedTime:
    """Parse a deadline: any absolute form, or a relative one ("in 2 hours", "2h", "1h30m")."""
    cleaned = _normalise(text)
    if cleaned.startswith("in ") or _is_relative(cleaned):
        return ParsedTime(text.strip(), now.astimezone(UTC) + _duration_of(cleaned, text), zone)
    return parse_moment(text, zone, now)


def parse_duration(text: str) -> timedelta:
    """`in 2 hours`, `2h`, `1h 30m`, `3 days` → a timedelta (must be positive)."""
    return _duration_of(_normalise(text), text)


def _duration_of(normalised: str, text: str) -> timedelta:
    cleaned = normalised.removeprefix("in ").strip()
    minutes = 0
    for amount, unit in _RELATIVE_PART.findall(cleaned):
        if unit not in UNITS:
            raise TimeParseError(
                f"{code(unit)} isn't a unit I know: use minutes, hours, days or weeks (`2h`, `30m`)."
            )
        minutes += int(amount) * UNITS[unit]
    if minutes <= 0:
        raise TimeParseError(f"{code(text.strip())} is no time at all: give a positive duration like `2h`.")
    if minutes > MAX_AHEAD.total_seconds() // 60:
        raise TimeParseError(f"{code(text.strip())} is too far ahead (the limit is a year).")
    return timedelta(minutes=minutes)


def _is_relative(cleaned: str) -> bool:
    if not _RELATIVE.match(cleaned):
        return False
    return all(unit in UNITS for _, unit in _RELATIVE_PART.findall(cleaned))


def _normalise(text: str) -> str:
    lowered = normalise_clock(text.replace(",", " "))
    return " ".join(token for token in lowered.split() if token not in ("at", "on", "the"))


def _read_pieces(cleaned: str) -> tuple[DaySpec | None, time | None]:
    if (iso := _ISO.match(cleaned)) and iso.group(4) is not None:
        return _date(iso.group(1), iso.group(2), iso.group(3)), _clock(iso.group(4), iso.group(5))
    tokens = cleaned.split()
    found: dict[str, DaySpec | time] = {}
    index = 0
    while index < len(tokens):
        kind, value, used = _read_token(tokens, index, cleaned)
        if kind in found:
            what = "time of day" if kind == "clock" else "day"
            raise TimeParseError(
                f"{code(cleaned)} gives more than one {what}: give one day and one time per slot."
            )
        found[kind] = value
        index += used
    clock = found.get("clock")
    day = found.get("day")
    assert clock is None or isinstance(clock, time)
    assert not isinstance(day, time)
    return day, clock


def _read_token(tokens: list[str], index: int, whole: str) -> tuple[str, DaySpec | time, int]:
    """Read the token(s) at `index`: returns ("day" or "clock", the value, how many tokens were used)."""
    token = tokens[index]
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    if token == "next" and following in WEEKDAYS:
        return "day", ("weekday", WEEKDAYS[following], 1), 2
    if token in MONTHS and (number := _DAY_NUMBER.match(following)):
        return "day", ("month_day", MONTHS[token], int(number.group(1))), 2
    if (number := _DAY_NUMBER.match(token)) and following in MONTHS:
        return "day", ("month_day", MONTHS[following], int(number.group(1))), 2
    return (*_read_single(token, whole), 1)


def _read_single(token: str, whole: str) -> tuple[str, DaySpec | time]:
    if token in ("today", "tonight"):
        return "day", "today"
    if token in ("tomorrow", "tmrw", "tmr"):
        return "day", "tomorrow"
    if token in WEEKDAYS:
        return "day", ("weekday", WEEKDAYS[token], 0)
    if (iso := _ISO.match(token)) and iso.group(4) is None:
        return "day", _date(iso.group(1), iso.group(2), iso.group(3))
    try:
        clock = read_clock(token)
    except TimeOfDayError as exc:
        raise TimeParseError(str(exc)) from None
    if clock is not None:
        return "clock", clock
    raise TimeParseError(
        f"I couldn't read {code(token)} in {code(whole)}. "
        "Try forms like `fri 8pm`, `tomorrow 19:30` or `2026-11-27 20:00`."
    )


def _clock(hour: str, minute: str) -> time:
    if int(hour) > 23 or int(minute) > 59:
        raise TimeParseError(f"`{hour}:{minute}` isn't a time: hours run 00–23 and minutes 00–59.")
    return time(int(hour), int(minute))


def _date(year: str, month: str, day: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise TimeParseError(f"`{year}-{month}-{day}` isn't a date on the calendar.") from None


def _resolve(day: DaySpec | None, clock: time, zone: ZoneInfo, now: datetime) -> datetime:
    today = now.astimezone(zone).date()
    if isinstance(day, tuple):
        kind, first, second = day
        if kind == "weekday":
            return _next_weekday(first, bool(second), clock, zone, now)
        return _next_month_day((first, second), clock, zone, now)
    if isinstance(day, date):
        return localize(datetime.combine(day, clock), zone)
    offset = 1 if day == "tomorrow" else 0
    return localize(datetime.combine(today + timedelta(days=offset), clock), zone)


def _next_weekday(weekday: int, next_week: bool, clock: time, zone: ZoneInfo, now: datetime) -> datetime:
    today = now.astimezone(zone).date()
    ahead = (weekday - today.weekday()) % 7
    if next_week and ahead == 0:
        ahead = 7
    candidate = today + timedelta(days=ahead)
    at = _localize_or_none(datetime.combine(candidate, clock), zone)
    if at is not None and at <= now:
        return localize(datetime.combine(candidate + timedelta(days=7), clock), zone)
    return at if at is not None else localize(datetime.combine(candidate, clock), zone)


def _next_month_day(month_day: tuple[int, int], clock: time, zone: ZoneInfo, now: datetime) -> datetime:
    year = now.astimezone(zone).year
    month, day = month_day
    for candidate_year in (year, year + 1):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        at = localize(datetime.combine(candidate, clock), zone)
        if at > now:
            return at
    raise TimeParseError(f"day {day} of month {month} isn't a date on the calendar in {year} or {year + 1}.")


def _localize_or_none(naive: datetime, zone: ZoneInfo) -> datetime | None:
    try:
        return localize(naive, zone)
    except TimeParseError:
        return None


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"
