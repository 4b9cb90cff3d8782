"""The weekly prompt through the real scheduler and database, on a fake clock across a DST change and a restart.

The bot process in the end-to-end tests runs on the real clock, so the daylight-saving part is driven here:
the same `Prompts.on_job` the bot registers, with the post itself recorded instead of sent to Discord.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.scheduler import Scheduler
from bot.storage import Database
from cogs.discussion._posting import Prompts
from cogs.discussion._prompts import PROMPT_JOB, PROMPTS_KEY, PromptSchedule

LONDON = ZoneInfo("Europe/London")
GUILD = 42


def _prompts(db: Database, clock: FakeClock, posted: list[str]) -> tuple[Prompts, Scheduler]:
    scheduler = Scheduler(db, clock)

    async def guild_timezone(_guild_id: int) -> ZoneInfo:
        return LONDON

    bot: Any = SimpleNamespace(db=db, clock=clock, scheduler=scheduler, guild_timezone=guild_timezone)
    bot.get_guild = lambda guild_id: SimpleNamespace(id=guild_id)

    async def wait_until_ready() -> None:
        return None

    bot.wait_until_ready = wait_until_ready
    prompts = Prompts(bot, rooms=None)  # type: ignore[arg-type]

    async def post(_guild: Any, slot: str, nonce: str | None = None) -> None:
        posted.append(slot)

    prompts.post = post  # type: ignore[method-assign]
    scheduler.register(PROMPT_JOB, prompts.on_job)
    return prompts, scheduler


async def test_one_post_per_slot_at_the_same_local_time_across_dst_and_a_restart(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 10, 18, 12, 0, tzinfo=UTC))  # a Sunday, British Summer Time
    posted: list[str] = []
    async with Database(tmp_path / "bot.db") as db:
        await db.config.set(GUILD, PROMPTS_KEY, PromptSchedule(6, time(19, 30)).to_json(), actor_id=1)
        prompts, scheduler = _prompts(db, clock, posted)
        first = await prompts.reschedule(GUILD)
        assert first == datetime(2026, 10, 18, 18, 30, tzinfo=UTC)  # 19:30 BST
        clock.set(first + timedelta(seconds=5))
        assert await scheduler.run_due() == 1
        assert await scheduler.run_due() == 0
        assert posted == [f"prompt:{GUILD}:2026-10-18T18:30:00Z"]

        # A restart: a new scheduler over the same database runs nothing twice.
        _, restarted = _prompts(db, clock, posted)
        assert await db.jobs.requeue_interrupted() == 0
        assert await restarted.run_due() == 0
        second = await db.jobs.next_due_for(PROMPT_JOB, GUILD)
        assert second is not None
        after_dst = datetime.fromtimestamp(second, UTC)
        assert after_dst == datetime(2026, 10, 25, 19, 30, tzinfo=UTC)  # 19:30 GMT: clocks went back
        assert after_dst.astimezone(LONDON).time() == time(19, 30)
        clock.set(after_dst + timedelta(minutes=1))
        assert await restarted.run_due() == 1
        assert posted[-1] == f"prompt:{GUILD}:2026-10-25T19:30:00Z" and len(posted) == 2


async def test_a_slot_missed_for_over_a_day_is_skipped_and_the_next_one_scheduled(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 3, 22, 12, 0, tzinfo=UTC))
    posted: list[str] = []
    async with Database(tmp_path / "bot.db") as db:
        await db.config.set(GUILD, PROMPTS_KEY, PromptSchedule(6, time(1, 30)).to_json(), actor_id=1)
        prompts, scheduler = _prompts(db, clock, posted)
        slot = await prompts.reschedule(GUILD)
        # 29 March 2026: London jumps from 01:00 to 02:00, so 01:30 moves to the end of the gap.
        assert slot == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
        clock.set(slot + timedelta(days=2))
        assert await scheduler.run_due() == 1
        assert posted == []
        nxt = await db.jobs.next_due_for(PROMPT_JOB, GUILD)
        assert nxt == datetime(2026, 4, 5, 0, 30, tzinfo=UTC).timestamp()  # 01:30 BST
