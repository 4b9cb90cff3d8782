"""The benchmark's trivia throughput run, small: 200 clicks in flight, each acknowledged and stored exactly once.

Speed is the benchmark's business (`python -m benchmarks`); this checks only the counts it reports.
"""

from __future__ import annotations

import pytest

from benchmarks.cpu import is_scoreboard
from benchmarks.throughput import WINDOW, click_all, count_rows, open_question
from bot.standin import BotProcess, Driver, StandIn

pytestmark = pytest.mark.asyncio(loop_scope="session")

CLICKS = 400


async def test_every_click_in_a_burst_is_acknowledged_and_stored_exactly_once(
    driver: Driver, standin: StandIn, bot: BotProcess
) -> None:
    await driver.command("config trivia timeout", {"seconds": 300}, member="mod")
    try:
        question, custom_id = await open_question(driver, "spoilers")
        fans = await standin.add_members(CLICKS, prefix="throughputfan")
        burst = await click_all(standin, driver, question, custom_id, fans, WINDOW)
        burst.stored, burst.distinct = count_rows(bot.database_path, custom_id)
        # A second click from members who already answered is refused, not stored again.
        again = await click_all(standin, driver, question, custom_id, fans[:50], 50)
        stored_after, _ = count_rows(bot.database_path, custom_id)
    finally:
        stop = await driver.command("trivia stop", channel="spoilers", member="mod")
        await driver.wait_for_message("spoilers", is_scoreboard, 20, after=stop.interaction.id)
        await driver.command("config trivia timeout", {"seconds": 30}, member="mod")
    assert (burst.clicks, burst.acknowledged, burst.errors) == (CLICKS, CLICKS, 0)
    assert burst.stored == burst.distinct == CLICKS
    assert burst.exactly_once
    assert again.acknowledged == 50 and stored_after == CLICKS
