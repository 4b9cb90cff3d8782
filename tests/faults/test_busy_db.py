"""Another process holds a write lock on the bot's SQLite file while members use commands and buttons:
answers are normal, late at worst, and no "database is locked" error or traceback reaches anyone."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.errors import BUSY_MESSAGE
from bot.standin import BotProcess, Driver, Reply, StandIn
from bot.standin.driver import message_text
from tests.faults.conftest import Fresh
from tests.faults.helpers import (
    TRACEBACK_MARKS,
    assert_clean_reply,
    db_rows,
    set_trivia_timeout,
    slot_text,
    start_round,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

HOLD = 1.5
BUSY_TIMEOUT = 5.0  # seconds: longer than the bot's 2 s busy timeout


@contextmanager
def write_lock(path: Path) -> Iterator[sqlite3.Connection]:
    """Hold a write transaction (BEGIN IMMEDIATE) on the file from a second connection."""
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        conn.execute("COMMIT")
    finally:
        conn.close()


async def test_commands_and_clicks_while_another_writer_holds_the_database(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    await driver.command("config timezone", {"zone": "UTC"}, member="mod")
    await set_trivia_timeout(driver, 60)
    question = await start_round(driver, "spoilers", questions=1)
    fans = await standin.add_members(3, prefix="busyfan")
    with write_lock(bot.database_path):
        work = asyncio.gather(
            driver.command("progress set", {"beat": 3}),
            driver.command("config timezone", {"zone": "Europe/Paris"}, member="mod"),
            driver.command("watchparty poll", {"title": "Locked", "slots": slot_text(30), "closes": "2h"}),
            driver.command("synopsis"),
            *(driver.click(question, 1 + n, member=fan) for n, fan in enumerate(fans)),
        )
        done, _ = await asyncio.wait({asyncio.ensure_future(work)}, timeout=HOLD)
        assert not done, "the writes did not wait for the other writer: the lock was not effective"
    replies: list[Reply] = await work
    for reply in replies:
        assert reply.callback_type is not None and not reply.error, reply.text()
        assert_clean_reply(reply.text())
    assert "3" in replies[0].text() and "Europe/Paris" in replies[1].text()
    assert "is up" in replies[2].text()
    assert all("is in" in r.text() for r in replies[4:])
    await driver.command("trivia stop", channel="spoilers")
    await driver.command("config timezone", {"zone": "UTC"}, member="mod")
    await set_trivia_timeout(driver, 5)


async def test_a_lock_held_past_the_busy_timeout_gets_the_busy_message_and_changes_nothing(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    saved = await driver.command("progress set", {"beat": 2})
    assert "beat 2" in saved.text(), saved.text()
    user = driver.member("member").user.id
    progress = "SELECT beat FROM progress WHERE user_id = ?"
    assert db_rows(bot.database_path, progress, (user,)) == [(2,)]
    with write_lock(bot.database_path):
        work = asyncio.ensure_future(driver.command("progress set", {"beat": 4}))
        await asyncio.wait({work}, timeout=BUSY_TIMEOUT + 0.5)
        assert work.done(), "no answer while the other writer still held the lock"
    reply = await work
    late = standin.take_problems("interaction error")
    assert reply.callback_type is not None and not reply.error and not late, reply.text()
    assert reply.ephemeral and BUSY_MESSAGE in reply.text(), reply.text()
    assert db_rows(bot.database_path, progress, (user,)) == [(2,)], "the refused change was saved"
    for mark in TRACEBACK_MARKS:
        assert mark not in reply.text()


async def test_a_poll_posted_while_the_database_is_locked_is_taken_down_and_not_stored(fresh: Fresh) -> None:
    driver, bot = fresh.driver, fresh.bot
    stored = "SELECT id, title, message_id IS NOT NULL FROM wp_polls ORDER BY id"
    before = await driver.command(
        "watchparty poll", {"title": "Before", "slots": slot_text(30), "closes": "2h"}
    )
    assert "Poll #1 is up" in before.text(), before.text()  # ids 1-16 reserved: the next needs no write
    with write_lock(bot.database_path):
        work = asyncio.ensure_future(
            driver.command("watchparty poll", {"title": "Locked out", "slots": slot_text(30), "closes": "2h"})
        )
        await asyncio.wait({work}, timeout=BUSY_TIMEOUT + 0.5)
        assert work.done(), "no answer while the other writer still held the lock"
    reply = await work
    assert reply.ephemeral and BUSY_MESSAGE in reply.text(), reply.text()
    posted = [m for m in fresh.standin.messages.values() if "Locked out" in message_text(m)]
    assert posted, "the poll was not posted before it was stored"
    assert all(m.deleted for m in posted), "the poll's message stayed up though the poll was not stored"
    assert db_rows(bot.database_path, stored) == [(1, "Before", 1)]
    after = await driver.command(
        "watchparty poll", {"title": "After", "slots": slot_text(30), "closes": "2h"}
    )
    assert "Poll #3 is up" in after.text(), after.text()  # #2 went with the poll that was taken down
    assert db_rows(bot.database_path, stored) == [(1, "Before", 1), (3, "After", 1)]
