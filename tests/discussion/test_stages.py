"""Stages of a film for rooms: default boundaries from the pack, moderators' boundaries, safe names."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.films import load_pack
from cogs.discussion._stages import (
    THREAD_NAME_LIMIT,
    Stage,
    StageError,
    default_starts,
    may_enter,
    member_reader,
    parse_starts,
    room_reader,
    stage_of,
    stages_from,
)

PACK = Path(__file__).resolve().parents[2] / "data" / "films" / "rush.toml"


def test_default_stages_follow_the_pack_levels() -> None:
    film = load_pack(PACK)
    assert default_starts(film) == (1, 7, 13)
    stages = stages_from(default_starts(film), len(film.beats))
    assert [(s.first, s.last) for s in stages] == [(1, 6), (7, 12), (13, 17)]
    assert stages[1].name(film.title) == "Rush · stage 2 of 3 (beats 7–12)"
    assert film.setup_end == 6


def test_names_fit_a_thread_and_show_no_film_text() -> None:
    stage = Stage(3, 3, 17, 17)
    assert stage.name("R" * 300).endswith("· stage 3 of 3 (beat 17)")
    assert len(stage.name("R" * 300)) == THREAD_NAME_LIMIT


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "List the first beat"),
        ("7, x", "List the first beat"),
        ("1", "from 2 to 17"),
        ("18", "from 2 to 17"),
        ("7, 7", "only one stage"),
        ("2,3,4,5,6,7,8,9,10,11", "At most"),
    ],
)
def test_bad_boundaries_are_explained(text: str, problem: str) -> None:
    with pytest.raises(StageError, match=problem):
        parse_starts(text, 17)


def test_moderators_move_boundaries() -> None:
    assert parse_starts("10, 5", 17) == (1, 5, 10)
    stages = stages_from((1, 5, 10), 17)
    assert stage_of(9, stages).number == 2 and stage_of(17, stages).is_last


@given(st.sets(st.integers(2, 17), max_size=8))
def test_stages_cover_every_beat_once(starts: set[int]) -> None:
    stages = stages_from((1, *starts), 17)
    covered = [beat for stage in stages for beat in range(stage.first, stage.last + 1)]
    assert covered == list(range(1, 18))


def test_entering_a_room_is_the_policy_reading_a_members_progress() -> None:
    second = Stage(2, 3, 7, 12)
    assert not may_enter(member_reader(6, None), second)
    assert not may_enter(member_reader(6, 6), second)
    assert may_enter(member_reader(6, 7), second)
    assert may_enter(member_reader(6, None), Stage(1, 3, 1, 6))
    reader = room_reader(second, spoiler_channel=False)
    assert reader.sees(12) and not reader.sees(13)
    assert room_reader(second, spoiler_channel=True).sees(17)
