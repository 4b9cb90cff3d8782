"""The one grammar for a time of day, shared by the daily question and watch parties. No discord import.

    clock := noon | midday | midnight | H[:MM] am|pm | HH:MM (24-hour)

"8 pm" and "8.30pm" are read as "8pm" and "8:30pm". A bare hour such as `8` is refused as ambiguous,
everywhere with the same message.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.usertext import code

NAMED = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}
EXAMPLES = "`19:30`, `7:30pm`, `noon` or `midnight`"
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # English, whatever the machine's locale
_CLOCK_12 = re.compile(r"^(\d{1,2})(?::(\d{2}))?(am|pm)$")
_CLOCK_24 = re.compile(r"^(\d{1,2}):(\d{2})$")
_SPACED_MERIDIEM = re.compile(r"(\d)\s+(am|pm)\b")
_DOTTED_MINUTES = re.compile(r"(\d)\.(\d{2})(am|pm)?\b")


class TimeOfDayError(ValueError):
    """A time of day that is ambiguous or impossible; the message says how to write it."""


@lru_cache(maxsize=1024)
def normalise(text: str) -> str:
    """Lower-case, single-spaced, with "8 pm" → "8pm" and "8.30pm" → "8:30pm". Remembered: members send
    the same few texts again and again."""
    lowered = " ".join(text.lower().split())
    lowered = _SPACED_MERIDIEM.sub(r"\1\2", lowered)
    return _DOTTED_MINUTES.sub(r"\1:\2\3", lowered)


def read_clock(token: str) -> time | None:
    """The time of day one normalised token states; None when it isn't one; an error when it's wrong."""
    if token in NAMED:
        return NAMED[token]
    if match := _CLOCK_12.match(token):
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise TimeOfDayError(
                f"{code(token)} isn't a time: with am/pm the hour runs 1–12 and minutes 00–59."
            )
        return time(hour % 12 + (12 if match.group(3) == "pm" else 0), minute)
    if match := _CLOCK_24.match(token):
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise TimeOfDayError(f"{code(token)} isn't a time: hours run 00–23 and minutes 00–59.")
        return time(hour, minute)
    if token.isdigit() and len(token) <= 2:
        raise TimeOfDayError(
            f"{code(token)} is ambiguous: add am/pm ({code(token + 'pm')}) or use 24-hour time ({code(token + ':00')})."
        )
    return None


@lru_cache(maxsize=256)  # a club types the same few times; errors are not kept
def parse_time_of_day(text: str) -> time:
    """A whole text that is a time of day (`19:30`, `7pm`, `noon`), else TimeOfDayError."""
    cleaned = normalise(text).removeprefix("at ").strip()
    found = read_clock(cleaned) if cleaned and " " not in cleaned else None
    if found is None:
        shown = " ".join(text.split())[:40].replace("`", "ʹ")
        raise TimeOfDayError(f"{code(shown)} isn't a time of day I can read. Write it like {EXAMPLES}.")
    return found


@lru_cache(maxsize=1024)  # a server's next slot is shown again and again until it passes
def format_local(at: datetime, zone: ZoneInfo) -> str:
    """A wall-clock time in a zone, naming the zone: `Fri 2026-11-27 20:00 Europe/London`."""
    local = at.astimezone(zone)  # spelled out: strftime costs several times as much
    return (
        f"{_WEEKDAYS[local.weekday()]} {local.year:04d}-{local.month:02d}-{local.day:02d} "
        f"{local.hour:02d}:{local.minute:02d} {zone.key}"
    )
