"""Discussion prompts: the rotation and the weekly schedule. Plain code, no discord import.

Rotation: no prompt repeats in a server until every prompt of the film has been used; then a new cycle
starts. Within a cycle the next prompt goes to the stage that has had the fewest prompts so far, so the
talk moves through every room; ties go to the earlier prompt in the pack.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.films.model import Prompt
from bot.weekly import FULL_WEEKDAY_NAMES, WeeklySpec, slot_stamp
from cogs.discussion._stages import Stage, stage_of

PROMPTS_KEY = "discussion_prompts"
PROMPT_JOB = "discussion.prompt"


@dataclass(frozen=True, slots=True)
class Choice:
    """The prompt to post next, the cycle it belongs to, and the stage whose room gets it."""

    prompt: Prompt
    cycle: int
    stage: Stage


def next_prompt(
    prompts: Sequence[Prompt], stages: Sequence[Stage], cycle: int, used: set[str]
) -> Choice | None:
    """The next prompt to post given the current cycle and the prompts already used in it."""
    if not prompts:
        return None
    unused = [p for p in prompts if p.key not in used]
    if not unused:
        cycle, used, unused = cycle + 1, set(), list(prompts)
    per_stage = Counter(stage_of(p.reveal, stages).number for p in prompts if p.key in used)
    order = {p.key: index for index, p in enumerate(prompts)}
    chosen = min(unused, key=lambda p: (per_stage[stage_of(p.reveal, stages).number], order[p.key]))
    return Choice(chosen, cycle, stage_of(chosen.reveal, stages))


@dataclass(frozen=True, slots=True)
class PromptSchedule:
    """A server's weekly prompt: a weekday (0 is Monday) and a local time."""

    weekday: int
    at: time

    def spec(self, zone: ZoneInfo) -> WeeklySpec:
        return WeeklySpec(self.at, frozenset({self.weekday}), zone)

    def describe(self) -> str:
        """ "Thursdays at 19:30"."""
        return f"{FULL_WEEKDAY_NAMES[self.weekday].capitalize()}s at {self.at.strftime('%H:%M')}"

    def to_json(self) -> dict[str, Any]:
        return {"weekday": self.weekday, "time": self.at.isoformat()}

    @classmethod
    def from_json(cls, data: Any) -> PromptSchedule | None:
        """The stored schedule, or None when absent or unreadable."""
        if not isinstance(data, dict):
            return None
        try:
            weekday = int(data["weekday"])
            at = time.fromisoformat(str(data["time"]))
        except (KeyError, TypeError, ValueError):
            return None
        return cls(weekday, at) if 0 <= weekday <= 6 else None


def slot_key(guild_id: int, slot: datetime) -> str:
    """The scheduler key of one weekly slot: one job, and so one prompt, per slot."""
    return f"prompt:{guild_id}:{slot_stamp(slot)}"


def now_key(request_id: int) -> str:
    """The slot of a prompt a moderator asked for now (one per request)."""
    return f"now:{request_id}"
