"""Checking a new poll's input: slots, deadline, title and place. Plain code, no discord import."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.usertext import code
from cogs.watchparty._timeparse import MAX_AHEAD, ParsedTime, TimeParseError, parse_deadline, parse_moment

MAX_SLOTS = 10
TITLE_LIMIT = 100  # a guild scheduled event's name is at most 100 characters
PLACE_LIMIT = 100  # and an external event's location too
_SPLIT = re.compile(r"[;,]")
_MASS_MENTION = re.compile(r"@(everyone|here)\b", re.IGNORECASE)
_ROLE_MENTION = re.compile(r"<@&\d+>")


class PlanError(ValueError):
    """Input that can't make a poll; the message says what was wrong and what was understood."""


@dataclass(frozen=True, slots=True)
class PollPlan:
    """A checked poll: its slots in time order and its deadline."""

    slots: tuple[ParsedTime, ...]
    closes: ParsedTime


def plan_poll(slots_text: str, closes_text: str, zone: ZoneInfo, now: datetime) -> PollPlan:
    """Parse and check slots and deadline; raise PlanError echoing what was understood."""
    parts = [part.strip() for part in _SPLIT.split(slots_text) if part.strip()]
    if not parts:
        raise PlanError("Give at least one slot, like `fri 8pm; sat 7pm`.")
    if len(parts) > MAX_SLOTS:
        raise PlanError(
            f"That's {len(parts)} slots; a poll takes at most {MAX_SLOTS}. Drop a few and try again."
        )
    slots = _parse_slots(parts, zone, now)
    closes = _parse_closes(closes_text, zone, now, slots)
    return PollPlan(tuple(sorted(slots, key=lambda slot: slot.at)), closes)


def _parse_slots(parts: list[str], zone: ZoneInfo, now: datetime) -> list[ParsedTime]:
    slots: list[ParsedTime] = []
    for number, part in enumerate(parts, start=1):
        try:
            slot = parse_moment(part, zone, now)
        except TimeParseError as exc:
            raise PlanError(f"Slot {number}: {exc}{understood(slots)}") from None
        _check_future(slot, now, f"Slot {number}", slots)
        twin = next((earlier for earlier in slots if earlier.at == slot.at), None)
        if twin is not None:
            raise PlanError(
                f"Slot {number} {slot.describe()} is the same time as {twin.describe()}: "
                f"each slot must be different.{understood(slots)}"
            )
        slots.append(slot)
    return slots


def _parse_closes(text: str, zone: ZoneInfo, now: datetime, slots: list[ParsedTime]) -> ParsedTime:
    try:
        closes = parse_deadline(text, zone, now)
    except TimeParseError as exc:
        raise PlanError(f"Deadline: {exc}{understood(slots)}") from None
    _check_future(closes, now, "The deadline", slots)
    first = min(slots, key=lambda slot: slot.at)
    if closes.at > first.at:
        raise PlanError(
            f"The deadline {closes.describe()} is after the first slot {first.describe()}: "
            f"voting must close by the earliest slot.{understood(slots)}"
        )
    return closes


def _check_future(moment: ParsedTime, now: datetime, name: str, slots: list[ParsedTime]) -> None:
    if moment.at <= now:
        raise PlanError(f"{name} {moment.describe()} is in the past.{understood(slots)}")
    if moment.at - now > MAX_AHEAD:
        raise PlanError(f"{name} {moment.describe()} is more than a year ahead.{understood(slots)}")


def understood(slots: list[ParsedTime]) -> str:
    """An echo of the slots read so far, appended to error messages."""
    if not slots:
        return ""
    return "\nUnderstood so far: " + "; ".join(slot.describe() for slot in slots)


def check_title(title: str) -> str:
    """A cleaned title; PlanError for an empty one or one carrying @everyone/@here or a role mention."""
    cleaned = " ".join(title.split())
    if not cleaned:
        raise PlanError("Give the watch party a title.")
    _refuse_mentions(cleaned, "The title")
    if len(cleaned) > TITLE_LIMIT:
        raise PlanError(f"The title is {len(cleaned)} characters; keep it to {TITLE_LIMIT}.")
    return cleaned


def check_place(place: str) -> str:
    """A cleaned free-text place; the same mention rules as titles."""
    cleaned = " ".join(place.split())
    _refuse_mentions(cleaned, "The place")
    if len(cleaned) > PLACE_LIMIT:
        raise PlanError(f"The place is {len(cleaned)} characters; keep it to {PLACE_LIMIT}.")
    return cleaned


def _refuse_mentions(text: str, name: str) -> None:
    if _MASS_MENTION.search(text) or _ROLE_MENTION.search(text):
        raise PlanError(f"{name} can't contain @everyone, @here or a role mention. Understood: {code(text)}")
