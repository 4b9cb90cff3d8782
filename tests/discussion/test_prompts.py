"""The prompt rotation (no repeat until all are used, spread across stages) and the weekly slots."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.films import load_pack
from bot.weekly import next_slot
from cogs.discussion._prompts import PromptSchedule, next_prompt
from cogs.discussion._stages import default_starts, stages_from

PACK = Path(__file__).resolve().parents[2] / "data" / "films" / "rush.toml"


def test_no_prompt_repeats_until_all_are_used() -> None:
    film = load_pack(PACK)
    stages = stages_from(default_starts(film), len(film.beats))
    cycle, used, order = 1, set[str](), []
    for _ in range(len(film.prompts) + 3):
        choice = next_prompt(film.prompts, stages, cycle, used)
        assert choice is not None
        if choice.cycle != cycle:
            cycle, used = choice.cycle, set()
        used.add(choice.prompt.key)
        order.append((choice.cycle, choice.prompt.key, choice.stage.number))
    first = [key for c, key, _ in order if c == 1]
    assert sorted(first) == sorted(p.key for p in film.prompts)
    assert order[len(film.prompts)][0] == 2
    assert [stage for _, _, stage in order[:3]] == [1, 2, 3]  # the rooms take turns


def test_each_prompt_goes_to_the_stage_of_its_reveal_point() -> None:
    film = load_pack(PACK)
    stages = stages_from((1, 10), len(film.beats))
    choice = next_prompt(film.prompts, stages, 1, {p.key for p in film.prompts if p.reveal < 10})
    assert choice is not None and choice.stage.number == 2 and choice.prompt.reveal >= 10
    assert next_prompt((), stages, 1, set()) is None


def test_schedule_round_trips_and_stays_at_local_time_across_dst() -> None:
    schedule = PromptSchedule(3, time(19, 30))
    assert PromptSchedule.from_json(schedule.to_json()) == schedule
    assert PromptSchedule.from_json({"weekday": 9, "time": "19:30"}) is None
    assert schedule.describe() == "Thursdays at 19:30"
    spec = schedule.spec(ZoneInfo("Europe/London"))
    before = next_slot(datetime(2026, 10, 20, tzinfo=UTC), spec)  # BST
    after = next_slot(before, spec)  # GMT from 25 October
    assert (before.hour, after.hour) == (18, 19)
    assert before.astimezone(spec.zone).time() == after.astimezone(spec.zone).time() == time(19, 30)
