"""SIGKILL in the middle of a burst of trivia answers and of watch-party votes, three times each.

Whatever the member saw acknowledged (the stand-in accepted the bot's callback) must be in the SQLite file
after the crash, the file must pass `PRAGMA integrity_check`, and the same buttons must work after a restart.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from bot.standin import BotProcess, Driver, InteractionRecord, StandIn
from bot.standin.driver import message_text
from bot.standin.server import Member
from tests.faults.helpers import (
    acknowledged,
    asked_id,
    callback_text,
    cancel_poll,
    db_rows,
    fire_click,
    integrity,
    poll_id,
    set_trivia_timeout,
    slot_text,
    start_round,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

KILLS = 3
BURST = 100  # large enough that a loaded machine still has clicks in flight at the kill
KILL_AFTER = 5  # acknowledged clicks before the kill: the rest of the burst is in flight
ANSWERS = "SELECT user_id FROM trivia_answers WHERE asked_id = ?"
VOTES = "SELECT user_id FROM wp_votes WHERE poll_id = ?"


async def crash_mid_burst(
    standin: StandIn, bot: BotProcess, clicks: list[Coroutine[Any, Any, InteractionRecord]]
) -> list[InteractionRecord]:
    """Send a burst of clicks, SIGKILL the bot after the first acknowledgements, return the burst's records."""
    records = list(await asyncio.gather(*clicks))
    await standin.wait_until(
        lambda: sum(acknowledged(r) for r in records) >= KILL_AFTER, 20, what="the first acknowledgements"
    )
    assert bot.process is not None
    bot.process.send_signal(signal.SIGKILL)
    await asyncio.wait_for(bot.process.wait(), 10)
    return records


async def restart(bot: BotProcess) -> None:
    await bot.start()
    await bot.wait_ready(60)


def user_ids(records: list[InteractionRecord], predicate: Callable[[InteractionRecord], bool]) -> set[int]:
    """Members whose click was acknowledged with an answer matching `predicate`."""
    return {r.user_id for r in records if acknowledged(r) and predicate(r)}


async def test_sigkill_during_trivia_answers_loses_no_acknowledged_answer(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    await set_trivia_timeout(driver, 120)
    question = await start_round(driver, "general", questions=1)
    asked = asked_id(question)
    button = f"trivia:answer:{asked}:0"
    clicked: set[int] = set()
    in_flight = 0
    for kill in range(KILLS):
        fans: list[Member] = await standin.add_members(BURST, prefix=f"triviakill{kill}x")
        records = await crash_mid_burst(
            standin, bot, [fire_click(standin, driver, question, button, fan) for fan in fans]
        )
        acked = user_ids(records, lambda r: "is in" in callback_text(r))
        in_flight += len(records) - len(acked)
        stored = {row[0] for row in db_rows(bot.database_path, ANSWERS, (asked,))}
        assert acked <= stored, f"kill {kill + 1}: acknowledged but lost: {sorted(acked - stored)}"
        clicked |= {f.user.id for f in fans}
        assert stored <= clicked, "an answer nobody gave was stored"
        assert integrity(bot.database_path) == "ok"
        await restart(bot)
        first = next(f for f in fans if f.user.id in acked)
        again = await driver.click(question, 1, member=first)
        assert "already answered" in again.text(), again.text()
        late = (await standin.add_members(1, prefix=f"late{kill}x"))[0]
        clicked.add(late.user.id)
        fresh = await driver.click(question, 2, member=late)
        assert fresh.ephemeral and "is in" in fresh.text(), fresh.text()
    assert in_flight, "every kill came after the whole burst was answered: nothing was in flight"
    await driver.command("trivia stop")
    await set_trivia_timeout(driver, 5)


async def test_sigkill_during_watchparty_votes_loses_no_acknowledged_vote(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    await driver.command("config timezone", {"zone": "UTC"}, member="mod")
    before = max((m.id for m in driver.channel_messages("spoilers")), default=0)
    reply = await driver.command(
        "watchparty poll",
        {"title": "Crash night", "slots": slot_text(30), "closes": "20h"},
        channel="spoilers",
    )
    assert "is up" in reply.content, reply.text()
    poll = await driver.wait_for_message("spoilers", lambda m: "Crash night" in message_text(m), after=before)
    pid = poll_id(poll)
    button = f"wp:vote:{pid}:0"
    in_flight = 0
    for kill in range(KILLS):
        fans: list[Member] = await standin.add_members(BURST, prefix=f"votekill{kill}x")
        records = await crash_mid_burst(
            standin, bot, [fire_click(standin, driver, poll, button, fan) for fan in fans]
        )
        acked = user_ids(records, lambda r: r.callback_type == 7)
        in_flight += len(records) - len(acked)
        stored = {row[0] for row in db_rows(bot.database_path, VOTES, (pid,))}
        assert acked <= stored, f"kill {kill + 1}: acknowledged but lost: {sorted(acked - stored)}"
        assert integrity(bot.database_path) == "ok"
        await restart(bot)
        late = (await standin.add_members(1, prefix=f"latevote{kill}x"))[0]
        after = await driver.click(poll, button, member=late)
        assert after.callback_type == 7 and after.original is not None, after.text()
        total = db_rows(bot.database_path, "SELECT COUNT(*) FROM wp_votes WHERE poll_id = ?", (pid,))[0][0]
        assert f"#1 · {total}" in str(after.original.components)
    assert in_flight, "every kill came after the whole burst was answered: nothing was in flight"
    cancelled = await cancel_poll(driver, pid)
    assert "cancelled" in cancelled.content
