"""Tallying votes, deciding winners and ties, and the times that follow. Plain code, no discord import.

Ties: when two or more slots share the most votes, the moderators are shown one button per tied slot.
If nobody picks by the tie deadline, the earliest tied slot that is still ahead wins. The tie deadline
is `TIE_GRACE` (6 h) after voting closed, but never later than `TIE_MARGIN` (30 min) before the earliest
tied slot still ahead, so the event can still be made in time. If every tied slot has started, no event
is made.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.usertext import code

TIE_GRACE = timedelta(hours=6)
TIE_MARGIN = timedelta(minutes=30)
DEFAULT_RUNTIME_MINUTES = 120
DEFAULT_REMINDERS = (60, 10)
MAX_REMINDERS = 5
MAX_REMINDER_MINUTES = 7 * 24 * 60
EVENT_LEAD = timedelta(minutes=1)  # Discord wants an event's start in the future


class OutcomeKind(enum.Enum):
    NO_VOTES = "no_votes"
    WINNER = "winner"
    TIE = "tie"


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of a vote: no votes, one winning slot, or several tied slots (by index)."""

    kind: OutcomeKind
    slots: tuple[int, ...]
    top: int


def tally(slot_count: int, votes: Iterable[tuple[int, int]]) -> list[int]:
    """Count distinct voters per slot from (slot, user) pairs; unknown slots are ignored."""
    voters: list[set[int]] = [set() for _ in range(slot_count)]
    for slot, user in votes:
        if 0 <= slot < slot_count:
            voters[slot].add(user)
    return [len(users) for users in voters]


def decide(counts: Sequence[int]) -> Outcome:
    """Most votes wins; equal most votes is a tie; no votes at all is no outcome."""
    top = max(counts, default=0)
    if top == 0:
        return Outcome(OutcomeKind.NO_VOTES, (), 0)
    leaders = tuple(index for index, count in enumerate(counts) if count == top)
    kind = OutcomeKind.WINNER if len(leaders) == 1 else OutcomeKind.TIE
    return Outcome(kind, leaders, top)


def tie_fallback(tied: Sequence[int], starts: Sequence[datetime], now: datetime) -> int | None:
    """The slot that wins an unresolved tie: the earliest tied slot still ahead, else None."""
    ahead = [slot for slot in tied if starts[slot] > now + EVENT_LEAD]
    return min(ahead, key=lambda slot: starts[slot]) if ahead else None


def tie_deadline(closed_at: datetime, tied_starts: Iterable[datetime]) -> datetime:
    """When a tie falls back: TIE_GRACE after closing, but at least TIE_MARGIN before its first slot."""
    ahead = [start for start in tied_starts if start > closed_at]
    due = closed_at + TIE_GRACE
    if ahead:
        due = min(due, min(ahead) - TIE_MARGIN)
    return max(due, closed_at)


def can_schedule(start: datetime, now: datetime) -> bool:
    """Whether a Discord event can still be made for a start time."""
    return start > now + EVENT_LEAD


def event_end(start: datetime, runtime_minutes: int | None) -> tuple[datetime, bool]:
    """The end of a party: start + runtime, or the default when unstated; True when the default was used."""
    if runtime_minutes is None or runtime_minutes <= 0:
        return start + timedelta(minutes=DEFAULT_RUNTIME_MINUTES), True
    return start + timedelta(minutes=runtime_minutes), False


def reminder_times(start: datetime, minutes: Iterable[int], now: datetime) -> list[tuple[int, datetime]]:
    """(minutes before, due time) for each reminder still ahead of now, soonest-before-start last."""
    due = [(m, start - timedelta(minutes=m)) for m in sorted(set(minutes), reverse=True)]
    return [(m, at) for m, at in due if at > now]


def reminder_still_due(minutes: int, offsets: Iterable[int], start: datetime, now: datetime) -> bool:
    """Whether the reminder `minutes` before `start` should still be posted at `now`.

    Not once the party has started; and not when a later reminder (fewer minutes before) is due as well,
    as after a restart that missed both: the missed ones collapse into the latest.
    """
    if now >= start:
        return False
    return not any(m < minutes and start - timedelta(minutes=m) <= now for m in offsets)


def parse_reminders(text: str) -> tuple[int, ...]:
    """`60, 10` → (60, 10); `off` → (); `default` → the defaults. ValueError says what is wrong."""
    cleaned = text.strip().lower()
    if cleaned in ("off", "none", "0"):
        return ()
    if cleaned in ("default", "reset"):
        return DEFAULT_REMINDERS
    values: set[int] = set()
    for part in cleaned.replace(";", ",").replace(" ", ",").split(","):
        if not part:
            continue
        number = part.removesuffix("m").removesuffix("min")
        if not number.isdigit() or not 1 <= int(number) <= MAX_REMINDER_MINUTES:
            raise ValueError(
                f"{code(part, 30)} isn't a number of minutes between 1 and {MAX_REMINDER_MINUTES}."
            )
        values.add(int(number))
    if not values:
        raise ValueError("Give minutes before the start, like `60, 10`, or `off`.")
    if len(values) > MAX_REMINDERS:
        raise ValueError(f"At most {MAX_REMINDERS} reminders.")
    return tuple(sorted(values, reverse=True))
