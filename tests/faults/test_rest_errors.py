"""Discord's REST API failing with 5xx while a member creates a poll or cancels one: the interaction is
answered first, a 5xx reads "Discord had a problem; try again" (never a permissions problem), a persistent
failure is answered within 3 s, and either the poll exists and is recorded or neither does. A 502 after a
callback that already landed logs no error."""

from __future__ import annotations

import asyncio

import pytest

from bot.errors import DISCORD_PROBLEM
from bot.standin import BotProcess, Driver, Reply, StandIn
from bot.standin.driver import message_text
from tests.faults.helpers import WAIT, bot_log, cancel_poll, db_rows, poll_id, slot_text

pytestmark = pytest.mark.asyncio(loop_scope="session")

DEADLINE = 3.0


def polls(bot: BotProcess) -> list[tuple[int, int | None]]:
    return [(r[0], r[1]) for r in db_rows(bot.database_path, "SELECT id, message_id FROM wp_polls")]


def close_jobs(bot: BotProcess) -> int:
    return int(db_rows(bot.database_path, "SELECT COUNT(*) FROM jobs WHERE kind = 'wp-close'")[0][0])


def posts_path(driver: Driver, channel: str = "general") -> str:
    return f"/channels/{driver.channel(channel).id}/messages"


async def create(driver: Driver, title: str) -> tuple[Reply, float]:
    """Create a poll; the reply and how long the member waited for its final text."""
    await driver.command("config timezone", {"zone": "UTC"}, member="mod")
    loop = asyncio.get_running_loop()
    started = loop.time()
    reply = await driver.command("watchparty poll", {"title": title, "slots": slot_text(30), "closes": "2h"})
    return reply, loop.time() - started


def poll_messages(driver: Driver, title: str) -> list[int]:
    return [m.id for m in driver.channel_messages() if title in message_text(m) and m.components]


async def assert_nothing_created(
    driver: Driver, bot: BotProcess, title: str, before: list[tuple[int, int | None]]
) -> None:
    assert polls(bot) == before, "a poll row was left behind"
    assert poll_messages(driver, title) == [], "a poll message was left behind"


async def test_a_persistent_500_is_answered_within_the_deadline_and_nothing_is_created(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    before, jobs = polls(bot), close_jobs(bot)
    standin.inject_error(50, 500, path_prefix=posts_path(driver), method="POST")
    try:
        reply, waited = await create(driver, "Persistent")
    finally:
        standin.clear_injected()
    assert reply.ephemeral and DISCORD_PROBLEM in reply.text(), reply.text()
    assert "can't post" not in reply.text()
    assert waited < DEADLINE, f"the member waited {waited:.2f} s"
    await assert_nothing_created(driver, bot, "Persistent", before)
    assert close_jobs(bot) == jobs


async def test_two_500s_then_success_is_either_created_or_nothing(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    before = polls(bot)
    standin.inject_error(2, 500, path_prefix=posts_path(driver), method="POST")
    reply, waited = await create(driver, "Twice")
    standin.clear_injected()
    assert waited < DEADLINE and reply.callback_type is not None and not reply.error, reply.text()
    if "is up" in reply.text():
        [(pid, message_id)] = [p for p in polls(bot) if p not in before]
        assert message_id is not None and poll_messages(driver, "Twice") == [message_id]
        await cancel_poll(driver, pid)
    else:
        assert DISCORD_PROBLEM in reply.text(), reply.text()
        await assert_nothing_created(driver, bot, "Twice", before)


async def test_one_500_is_retried_and_the_poll_is_created_once(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    before = polls(bot)
    standin.inject_error(1, 500, path_prefix=posts_path(driver), method="POST")
    reply, waited = await create(driver, "Retried")
    assert "is up" in reply.text() and waited < DEADLINE, (waited, reply.text())
    [(pid, message_id)] = [p for p in polls(bot) if p not in before]
    assert poll_messages(driver, "Retried") == [message_id]
    await cancel_poll(driver, pid)


async def test_a_500_after_the_post_landed_records_the_one_message(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    before = polls(bot)
    standin.inject_error(1, 500, path_prefix=posts_path(driver), method="POST", after_handling=True)
    reply, _ = await create(driver, "Landed")
    assert "is up" in reply.text(), reply.text()
    [(pid, message_id)] = [p for p in polls(bot) if p not in before]
    assert poll_messages(driver, "Landed") == [message_id], "the retry posted the poll twice"
    await cancel_poll(driver, pid)


async def test_a_503_is_discords_problem_not_a_permissions_problem(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    before = polls(bot)
    standin.inject_error(1, 503, path_prefix=posts_path(driver), method="POST")
    reply, waited = await create(driver, "Unavailable")
    assert DISCORD_PROBLEM in reply.text() and "can't post" not in reply.text(), reply.text()
    assert waited < DEADLINE
    await assert_nothing_created(driver, bot, "Unavailable", before)


async def test_cancel_is_answered_even_when_discord_fails_the_clean_up(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    reply, _ = await create(driver, "Doomed")
    assert "is up" in reply.text(), reply.text()
    poll = await driver.wait_for_message(
        predicate=lambda m: "Doomed" in message_text(m) and bool(m.components)
    )
    standin.inject_error(50, 500, path_prefix=f"{posts_path(driver)}/{poll.id}", method="PATCH")
    try:
        cancelled = await cancel_poll(driver, poll_id(poll))
    finally:
        standin.clear_injected()
    assert "cancelled" in cancelled.content and not cancelled.error, cancelled.text()
    state = db_rows(bot.database_path, "SELECT state FROM wp_polls WHERE id = ?", (poll_id(poll),))
    assert state == [("cancelled",)]


async def test_a_502_after_a_callback_that_landed_logs_no_error(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    mark = len(bot_log(bot))
    standin.inject_error(1, 502, path_prefix="/interactions/", method="POST", after_handling=True)
    reply = await driver.command("about")
    standin.clear_injected()
    assert "Commands" in message_text(reply.message) and not reply.error, reply.text()
    # discord.py retries the callback after the 502; Discord (the stand-in) refuses it: already acknowledged.
    await standin.wait_until(
        lambda: "landed before an error reply" in bot_log(bot)[mark:] or "ERROR" in bot_log(bot)[mark:],
        WAIT,
        what="the bot to handle the refused retry",
        recheck=0.1,
    )
    standin.take_problems("interaction error")
    log = bot_log(bot)[mark:]
    assert "ERROR" not in log and "Traceback" not in log, log
    channel = driver.channel("general").id
    apologies = [
        m for m in standin.channel_messages(channel, include_ephemeral=True) if "went wrong" in m.content
    ]
    assert apologies == [], "the member was told something went wrong"
