"""The daily question's settings and scheduler keys. No discord import.

The weekly slots themselves (days, times, DST, the catch-up rule) are `bot.weekly`'s; this module adds
the answer window and the daily question's job keys.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache

from bot.weekly import ScheduleError, slot_stamp

MIN_WINDOW = timedelta(seconds=10)
MAX_WINDOW = timedelta(hours=23)
_DURATION_PART = re.compile(r"(\d+)\s*([hms])")


@lru_cache(maxsize=256)  # a club types the same few; errors are not kept
def parse_duration(text: str) -> timedelta:
    """`90s`, `10m`, `1h30m`; a bare number means minutes. Between MIN_WINDOW and MAX_WINDOW."""
    cleaned = text.strip().lower().replace(" ", "")
    if cleaned.isdigit():
        value = timedelta(minutes=int(cleaned))
    else:
        parts = _DURATION_PART.findall(cleaned)
        if not parts or "".join(n + u for n, u in parts) != cleaned:
            raise ScheduleError("Give the window as a duration such as 30m, 2h or 1h30m.")
        units = {"h": 3600, "m": 60, "s": 1}
        value = timedelta(seconds=sum(int(n) * units[u] for n, u in parts))
    if not MIN_WINDOW <= value <= MAX_WINDOW:
        raise ScheduleError("The answer window must be between 10 seconds and 23 hours.")
    return value


def format_duration(value: timedelta) -> str:
    """`1h30m`, `45s`, `10m`."""
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{secs}s" if secs else "")
    return text or "0s"


def slot_key(guild_id: int, slot: datetime) -> str:
    """The scheduler key of a daily slot: one job, and so one post, per slot."""
    return f"daily:{guild_id}:{slot_stamp(slot)}"
