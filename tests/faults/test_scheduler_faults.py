"""A scheduled job that fails (its channel was deleted) is logged, shown to moderators in `/config show`,
and does not stop the scheduler: a job due after it still runs."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.standin import BotProcess, Driver, StandIn
from bot.standin.driver import message_text
from bot.standin.server import Channel
from tests.faults.helpers import WAIT, bot_log, db_rows, poll_id, slot_text

pytestmark = pytest.mark.asyncio(loop_scope="session")

DAILY = "SELECT key, state, last_error FROM jobs WHERE kind = 'trivia.daily' ORDER BY id"


async def add_channel(standin: StandIn, name: str) -> Channel:
    guild = standin.guild
    channel = Channel(standin.ids.fresh(), guild.id, name, 0, len(guild.channels))
    guild.channels[channel.id] = channel
    await standin.dispatch("CHANNEL_CREATE", channel.payload())
    return channel


async def delete_channel(standin: StandIn, channel: Channel) -> None:
    del standin.guild.channels[channel.id]
    await standin.dispatch("CHANNEL_DELETE", channel.payload())


async def test_daily_question_in_a_deleted_channel_fails_visibly_and_later_jobs_run(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    log_mark = len(bot_log(bot))
    # No /config timezone here: the server is on UTC already (its own bot), and a zone change re-times the
    # daily job from a listener that may run late, after the move below, and undo it.
    doomed = await add_channel(standin, "doomed")
    at = (datetime.now(UTC) + timedelta(hours=3)).strftime("%H:%M")
    reply = await driver.command("config trivia daily", {"channel": "doomed", "time": at}, member="mod")
    assert "Next one" in reply.text(), reply.text()
    await delete_channel(standin, doomed)
    [(key, _, _)] = db_rows(bot.database_path, DAILY)
    with sqlite3.connect(bot.database_path, timeout=10) as conn:  # the slot falls due now
        conn.execute("UPDATE jobs SET due_at = ? WHERE key = ?", (time.time() - 1, key))

    before = max((m.id for m in driver.channel_messages()), default=0)
    created = await driver.command(
        "watchparty poll", {"title": "After", "slots": slot_text(30), "closes": "2h"}
    )
    assert "is up" in created.content, created.text()  # storing its close job wakes the scheduler
    await standin.wait_until(
        lambda: any(state == "failed" for k, state, _ in db_rows(bot.database_path, DAILY) if k == key),
        WAIT,
        what="the daily job to fail",
        recheck=0.1,
    )

    poll = await driver.wait_for_message(predicate=lambda m: "After" in message_text(m), after=before)
    await driver.click(poll, f"wp:close:{poll_id(poll)}")  # moves its close job to now
    await driver.wait_for_message(predicate=lambda m: "Nobody voted" in message_text(m), after=poll)

    show = await driver.command("config show", member="mod")
    problems = message_text(show.message)
    assert "Recent problems" in problems and "gone" in problems, problems
    failures = [
        line for line in bot_log(bot)[log_mark:].splitlines() if f"Job trivia.daily:{key} (id" in line
    ]
    assert len(failures) == 1 and "attempt 1) failed" in failures[0], failures  # permanent: not retried
    await driver.command("config trivia daily-off", member="mod")
