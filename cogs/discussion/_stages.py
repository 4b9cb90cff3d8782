"""Stages of a film for discussion rooms: boundaries, spoiler-free names. Plain code, no discord import.

A film is split into consecutive stages of beats; each stage gets a room. By default the stages are the
pack's setup, middle and ending ranges; moderators may move the boundaries. Which member may enter which
room is the spoiler policy's call (`bot.policy`): a member enters a stage once their own progress lets
them see its first beat.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.films.model import Film
from bot.policy import Reader, reader_for

THREAD_NAME_LIMIT = 100
MAX_STAGES = 10  # one Join button per stage on the index, within Discord's 25 components
_NUMBERS = re.compile(r"\d+")


class StageError(ValueError):
    """Boundaries that can't be used; the message says how to fix them."""


@dataclass(frozen=True, slots=True)
class Stage:
    """Beats `first`..`last` of a film, the `number`th of `count` stages."""

    number: int
    count: int
    first: int
    last: int

    @property
    def beats(self) -> str:
        """ "beats 7–12", or "beat 17" for a one-beat stage."""
        return f"beat {self.first}" if self.first == self.last else f"beats {self.first}–{self.last}"

    def name(self, film_title: str) -> str:
        """A thread name that reveals nothing: the film's title, the stage number and its beat range."""
        tail = f" · stage {self.number} of {self.count} ({self.beats})"
        room = THREAD_NAME_LIMIT - len(tail)
        title = film_title if len(film_title) <= room else film_title[: room - 1].rstrip() + "…"
        return title + tail

    @property
    def is_last(self) -> bool:
        return self.number == self.count


def default_starts(film: Film) -> tuple[int, ...]:
    """The first beat of each of the pack's levels (setup, middle, ending) that has beats."""
    return film.level_starts


def stages_from(starts: Sequence[int], beat_count: int) -> tuple[Stage, ...]:
    """Stages beginning at each start beat (the first always at beat 1), ending where the next begins."""
    return _stages(tuple(starts), beat_count)


@functools.lru_cache(maxsize=256)
def _stages(starts: tuple[int, ...], beat_count: int) -> tuple[Stage, ...]:
    """`stages_from`, worked out once per set of starts: every `/config show` and room list asks."""
    bounds = sorted(set(starts) | {1})
    if not bounds or bounds[-1] > beat_count or bounds[0] < 1:
        raise StageError(f"Stage starts must be beats of the film (1-{beat_count}).")
    if len(bounds) > MAX_STAGES:
        raise StageError(f"At most {MAX_STAGES} stages.")
    ends = [start - 1 for start in bounds[1:]] + [beat_count]
    count = len(bounds)
    return tuple(
        Stage(i + 1, count, first, last) for i, (first, last) in enumerate(zip(bounds, ends, strict=True))
    )


def parse_starts(text: str, beat_count: int) -> tuple[int, ...]:
    """Moderator input such as "7, 13" (the first beat of each stage after the first) as stage starts."""
    numbers = [int(n) for n in _NUMBERS.findall(text)]
    if not numbers or _NUMBERS.sub("", text).strip(" ,;") != "":
        raise StageError("List the first beat of each later stage, such as `7, 13`.")
    if any(not 2 <= n <= beat_count for n in numbers):
        raise StageError(
            f"Each stage must start at a beat from 2 to {beat_count}; the first stage starts at 1."
        )
    if len(set(numbers)) != len(numbers):
        raise StageError("Each beat can start only one stage.")
    starts = (1, *sorted(numbers))
    stages_from(starts, beat_count)  # checks the count
    return starts


def stage_of(beat: int, stages: Sequence[Stage]) -> Stage:
    """The stage holding a beat."""
    for stage in stages:
        if stage.first <= beat <= stage.last:
            return stage
    raise KeyError(beat)


def member_reader(setup_end: int, progress: int | None) -> Reader:
    """A member as the policy sees them for rooms: their own saved progress (a private reader)."""
    return reader_for(setup_end=setup_end, spoiler_channel=False, private=True, progress=progress)


def room_reader(stage: Stage, *, spoiler_channel: bool) -> Reader:
    """Who reads a room's posts: a member who has reached the stage's last beat (all, under a spoiler channel)."""
    return reader_for(
        setup_end=stage.last, spoiler_channel=spoiler_channel, private=True, progress=stage.last
    )


def may_enter(reader: Reader, stage: Stage) -> bool:
    """Whether the policy lets this reader see the stage's first beat, so they may enter its room."""
    return stage.number == 1 or reader.sees(stage.first)
