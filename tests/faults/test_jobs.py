"""Scheduled jobs under faults: a job due at start waits for its guild instead of failing, re-timing the
daily question is one transaction, missed reminders collapse to the latest, and after the clock moved the
next daily question is the next slot in local time."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.standin import BotProcess, Driver, StandIn
from bot.standin.driver import message_text
from tests.faults.conftest import Fresh
from tests.faults.helpers import WAIT, bot_log, cancel_poll, db_rows, poll_id, titled

pytestmark = pytest.mark.asyncio(loop_scope="session")

DAILY = "SELECT key, due_at, state, attempts, last_error FROM jobs WHERE kind = 'trivia.daily' ORDER BY id"
PENDING_DAILY = "SELECT key, due_at FROM jobs WHERE kind = 'trivia.daily' AND state = 'pending'"


def execute(path: Any, sql: str, params: tuple[Any, ...] = ()) -> None:
    """Change the bot's SQLite file from outside (the bot is stopped, or the change is a fault)."""
    with sqlite3.connect(path, timeout=10) as conn:
        conn.execute(sql, params)


async def daily_at(driver: Driver, when: datetime, channel: str = "spoilers") -> str:
    reply = await driver.command(
        "config trivia daily", {"channel": channel, "time": f"{when:%H:%M}", "window": "10s"}, member="mod"
    )
    assert reply.ephemeral and "Next one" in reply.text(), reply.text()
    return reply.text()


async def daily_due_at_next_start(bot: BotProcess, driver: Driver) -> str:
    """A daily question whose slot passed two minutes ago while the bot was stopped; its job's key."""
    missed = (datetime.now(UTC) - timedelta(minutes=2)).replace(second=0, microsecond=0)
    await daily_at(driver, missed)
    [(key, *_)] = db_rows(bot.database_path, DAILY)
    await bot.stop()
    todays_key = key.rsplit(":", 3)[0] + f":{missed:%Y-%m-%dT%H:%M:%S}Z"
    execute(
        bot.database_path,
        "UPDATE jobs SET key = ?, due_at = ? WHERE key = ?",
        (todays_key, missed.timestamp(), key),
    )
    return todays_key


async def test_a_daily_question_due_at_start_posts_on_its_first_attempt(fresh: Fresh) -> None:
    standin, bot, driver = fresh.standin, fresh.bot, fresh.driver
    todays_key = await daily_due_at_next_start(bot, driver)
    standin.guild_create_delay = 3.5  # longer than discord.py waits for guilds before READY
    before = max((m.id for m in driver.channel_messages("spoilers")), default=0)
    await bot.start()
    await bot.wait_ready(60)
    await driver.wait_for_message("spoilers", titled("Daily question"), WAIT, after=before)
    rows = {k: (state, attempts, error) for k, _, state, attempts, error in db_rows(bot.database_path, DAILY)}
    assert rows[todays_key] == ("done", 1, None), rows  # the first attempt posted: nothing failed
    show = await driver.command("config show", member="mod")
    assert "Recent problems" not in message_text(show.message), message_text(show.message)
    log = bot_log(bot)
    assert "AttributeError" not in log and f"{todays_key} (id" not in log, log[-3000:]


async def test_a_job_of_a_guild_in_an_outage_waits_then_runs_as_soon_as_the_guild_is_back(
    fresh: Fresh,
) -> None:
    standin, bot, driver = fresh.standin, fresh.bot, fresh.driver
    todays_key = await daily_due_at_next_start(bot, driver)
    before = max((m.id for m in driver.channel_messages("spoilers")), default=0)
    standin.guild_outages.add(standin.guild.id)  # unavailable from the start: READY, then no GUILD_CREATE
    await bot.start()
    await bot.wait_ready(60)
    await standin.wait_until(
        lambda: "wait until the guild is available" in bot_log(bot), WAIT, what="the job to wait", recheck=0.1
    )
    assert not [m for m in driver.channel_messages("spoilers") if m.id > before]
    back = time.monotonic()
    await standin.end_outage(standin.guild)
    await driver.wait_for_message("spoilers", titled("Daily question"), WAIT, after=before)
    assert time.monotonic() - back < 20  # woken by the guild's return, not by the scheduler's 60 s nap

    def todays() -> tuple[Any, ...]:
        return {k: (state, attempts) for k, _, state, attempts, _ in db_rows(bot.database_path, DAILY)}[
            todays_key
        ]

    await standin.wait_until(lambda: todays()[0] == "done", WAIT, what="the job to finish", recheck=0.1)
    assert todays() == ("done", 1)  # waiting for the guild was not an attempt


async def test_re_timing_the_daily_question_is_one_transaction(bot: BotProcess, driver: Driver) -> None:
    await driver.command("config timezone", {"zone": "UTC"}, member="mod")
    await daily_at(driver, datetime.now(UTC) + timedelta(hours=3), channel="general")
    [before] = db_rows(bot.database_path, PENDING_DAILY)
    execute(  # the new job can't be written: the re-timing fails half-way
        bot.database_path,
        "CREATE TRIGGER refuse_daily BEFORE INSERT ON jobs WHEN NEW.kind = 'trivia.daily' "
        "BEGIN SELECT RAISE(ABORT, 'disk gave out'); END",
    )
    try:
        await driver.command("config timezone", {"zone": "Asia/Tokyo"}, member="mod")
        await driver.standin.wait_until(
            lambda: "Could not re-time" in bot_log(bot) or "disk gave out" in bot_log(bot),
            WAIT,
            what="the re-timing to fail",
            recheck=0.1,
        )
        assert db_rows(bot.database_path, PENDING_DAILY) == [before], "the daily chain was lost"
    finally:
        execute(bot.database_path, "DROP TRIGGER refuse_daily")
    await driver.command("config trivia daily-off", member="mod")
    await driver.command("config timezone", {"zone": "UTC"}, member="mod")
    assert db_rows(bot.database_path, PENDING_DAILY) == []


async def test_after_the_clock_moved_back_the_next_daily_slot_is_the_next_local_one(
    bot: BotProcess, driver: Driver
) -> None:
    await driver.command("config timezone", {"zone": "Europe/Paris"}, member="mod")
    await daily_at(driver, datetime.now(UTC) + timedelta(hours=5), channel="general")
    [(key, due)] = db_rows(bot.database_path, PENDING_DAILY)
    await bot.stop()
    # The job was stored while the clock was 10 days ahead: now it points 10 days past its next slot.
    later = due + timedelta(days=10).total_seconds()
    execute(bot.database_path, "UPDATE jobs SET due_at = ?, key = ? WHERE key = ?", (later, key + "x", key))
    await bot.start()
    await bot.wait_ready(60)
    await driver.standin.wait_until(
        lambda: db_rows(bot.database_path, PENDING_DAILY) == [(key, due)],
        WAIT,
        what="the daily job back on its next local slot",
        recheck=0.1,
    )
    await driver.command("config trivia daily-off", member="mod")
    await driver.command("config timezone", {"zone": "UTC"}, member="mod")


async def test_after_the_clock_moved_forward_the_next_daily_slot_is_the_next_local_one(
    bot: BotProcess, driver: Driver
) -> None:
    await driver.command("config timezone", {"zone": "America/New_York"}, member="mod")
    await daily_at(driver, datetime.now(UTC) + timedelta(hours=5), channel="general")
    [(key, due)] = db_rows(bot.database_path, PENDING_DAILY)
    await bot.stop()
    # The clock jumped three days forward while the job waited: three slots were missed.
    early = due - timedelta(days=3).total_seconds()
    execute(bot.database_path, "UPDATE jobs SET due_at = ?, key = ? WHERE key = ?", (early, key + "x", key))
    before = max((m.id for m in driver.channel_messages("general")), default=0)
    await bot.start()
    await bot.wait_ready(60)
    await driver.standin.wait_until(
        lambda: db_rows(bot.database_path, PENDING_DAILY) == [(key, due)],
        WAIT,
        what="the next local slot scheduled",
        recheck=0.1,
    )
    late = [m for m in driver.channel_messages("general") if m.id > before and titled("Daily question")(m)]
    assert len(late) <= 1, "more than one question for the missed slots"  # the catch-up rule allows one
    await driver.command("config trivia daily-off", member="mod")
    await driver.command("config timezone", {"zone": "UTC"}, member="mod")


async def test_missed_reminders_collapse_to_the_latest(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    await driver.command("config timezone", {"zone": "UTC"}, member="mod")
    await driver.command("config watchparty reminders", {"minutes": "60, 10"}, member="mod")
    start = (datetime.now(UTC) + timedelta(hours=3)).replace(second=0, microsecond=0)
    before = max((m.id for m in driver.channel_messages()), default=0)
    created = await driver.command(
        "watchparty poll", {"title": "Late night", "slots": f"{start:%Y-%m-%d %H:%M}", "closes": "2h"}
    )
    assert "is up" in created.text(), created.text()
    poll = await driver.wait_for_message(predicate=lambda m: "Late night" in message_text(m), after=before)
    pid = poll_id(poll)
    await driver.click(poll, f"wp:vote:{pid}:0")
    await driver.click(poll, f"wp:close:{pid}")
    await driver.wait_for_message(predicate=lambda m: "It's on" in message_text(m), timeout=WAIT, after=poll)
    reminders = "SELECT key FROM jobs WHERE kind = 'wp-remind' AND state = 'pending' ORDER BY key"
    await standin.wait_until(
        lambda: len(db_rows(bot.database_path, reminders)) == 2, WAIT, what="two reminders", recheck=0.1
    )
    await bot.stop()
    # The bot comes back 5 minutes before the start: later than both reminders.
    now = time.time()
    execute(bot.database_path, "UPDATE wp_slots SET starts_at = ? WHERE poll_id = ?", (now + 300, pid))
    execute(bot.database_path, "UPDATE jobs SET due_at = ? WHERE kind = 'wp-remind'", (now - 60,))
    mark = max((m.id for m in driver.channel_messages()), default=0)
    await bot.start()
    await bot.wait_ready(60)
    finished = "SELECT COUNT(*) FROM jobs WHERE kind = 'wp-remind' AND state IN ('done', 'failed')"
    await standin.wait_until(  # both jobs have run (a skipped reminder is done too) before counting posts
        lambda: db_rows(bot.database_path, finished) == [(2,)], WAIT, what="both reminder jobs", recheck=0.1
    )
    await standin.wait_until(
        lambda: any("⏰" in message_text(m) for m in driver.channel_messages() if m.id > mark),
        WAIT,
        what="a reminder",
    )
    posted = [m for m in driver.channel_messages() if m.id > mark and "⏰" in message_text(m)]
    assert len(posted) == 1, [message_text(m) for m in posted]
    cancelled = await cancel_poll(driver, pid)
    assert "cancelled" in cancelled.content
    await driver.command("config watchparty reminders", {"minutes": "default"}, member="mod")
