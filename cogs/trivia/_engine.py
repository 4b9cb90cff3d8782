"""Plain trivia rules that glue the bank, scoring and storage together. No discord import."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time, timedelta
from functools import lru_cache
from typing import Any

from bot.films.model import SpoilerLevel
from bot.names import is_correct
from bot.storage.trivia_rows import AnswerRow, Asked, Scored
from bot.weekly import ScheduleError, format_days
from cogs.trivia._bank import Question
from cogs.trivia._daily import format_duration
from cogs.trivia._scoring import Attempt, score_question

DEFAULT_TIMEOUT = 30
MIN_TIMEOUT = 5
MAX_TIMEOUT = 300
TIMEOUT_KEY = "trivia_timeout"
DAILY_KEY = "trivia_daily"
LEVELS = {level.label: level for level in SpoilerLevel}


@dataclass(frozen=True, slots=True)
class Pick:
    """The next question to ask, and whether asking it starts a new no-repeat cycle."""

    question: Question
    new_cycle: bool


def pick_next(
    eligible: Sequence[Question], seen: set[str], used: set[str], rng: random.Random | None = None
) -> Pick | None:
    """An unseen question if any is left; else start a new cycle (never repeating within the round)."""
    chooser = rng or random.Random()
    unseen = [q for q in eligible if q.id not in seen and q.id not in used]
    if unseen:
        return Pick(chooser.choice(unseen), False)
    fresh = [q for q in eligible if q.id not in used]
    return Pick(chooser.choice(fresh), True) if fresh else None


def check_choice(question: Question, choice: int) -> bool:
    """Whether a button choice is one of the right ones."""
    return choice in question.correct


def check_typed(question: Question, answer: str) -> bool:
    """Whether a typed answer matches any accepted alias."""
    return is_correct(answer, question.aliases)


def scorer(asked: Asked, answers: Sequence[AnswerRow], streaks: dict[int, int]) -> list[Scored]:
    """The scoring rule applied to stored answers: speed bonus in rounds only."""
    attempts = [Attempt(a.user_id, a.correct, a.answered_at) for a in answers]
    awards = score_question(
        attempts, asked.opened_at, asked.closes_at, streaks, with_speed=asked.round_id is not None
    )
    return [Scored(a.user_id, a.points, a.streak) for a in awards]


@dataclass(frozen=True, slots=True)
class DailySettings:
    """A server's daily question settings as stored in its config (JSON)."""

    channel_id: int
    at: time
    weekdays: frozenset[int]
    window: timedelta

    def to_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel_id,
            "time": self.at.isoformat(),
            "days": sorted(self.weekdays),
            "window": int(self.window.total_seconds()),
        }

    @classmethod
    def from_json(cls, data: Any) -> DailySettings | None:
        """The stored settings, or None when absent or unreadable."""
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                channel_id=int(data["channel"]),
                at=time.fromisoformat(str(data["time"])),
                weekdays=frozenset(int(d) for d in data["days"]),
                window=timedelta(seconds=int(data["window"])),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def describe(self, zone: str | None = None) -> str:
        """`every day at 19:30 (Europe/Paris time), answers open for 1h`; no zone named when None."""
        return _describe(self, zone)


@lru_cache(maxsize=256)  # the settings are frozen: each server's wording is worked out once
def _describe(settings: DailySettings, zone: str | None) -> str:
    shown = settings.at.strftime("%H:%M:%S" if settings.at.second else "%H:%M")
    days = format_days(settings.weekdays)
    when = {"daily": "every day", "weekdays": "on weekdays", "weekends": "at weekends"}.get(
        days, "on " + days.replace(",", ", ")
    )
    where = f" ({zone} time)" if zone else ""
    return f"{when} at {shown}{where}, answers open for {format_duration(settings.window)}"


def parse_timeout(seconds: int) -> int:
    """A round's per-question timeout in seconds, within bounds."""
    if not MIN_TIMEOUT <= seconds <= MAX_TIMEOUT:
        raise ScheduleError(f"The question timeout must be between {MIN_TIMEOUT} and {MAX_TIMEOUT} seconds.")
    return seconds
