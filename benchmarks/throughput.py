"""Trivia answer throughput: clicks per second with 200 clicks in flight, every click acknowledged and
recorded exactly once (rows counted in the SQLite file against acknowledgements), beside the bare bot
answering the same button from memory."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.cpu import cpu_ns, is_scoreboard, settle
from benchmarks.harness import wait_answered
from benchmarks.latency import Side
from bot.standin import Driver, InteractionRecord, Message, StandIn
from bot.standin.server import MESSAGE_COMPONENT, Member

WINDOW = 200  # clicks in flight at once, like a busy server's round


@dataclass
class Burst:
    """One burst of clicks: how many, how long, and what the bot and the database say about them."""

    clicks: int
    seconds: float
    acknowledged: int
    errors: int
    cpu_seconds: float = 0.0
    stored: int = -1
    distinct: int = -1

    @property
    def rate(self) -> float:
        return self.clicks / self.seconds

    @property
    def exactly_once(self) -> bool:
        return self.stored == self.distinct == self.acknowledged == self.clicks and not self.errors


def answered(record: InteractionRecord) -> bool:
    return record.callback_type is not None or bool(record.errors)


async def click_all(
    standin: StandIn,
    driver: Driver,
    message: Message,
    custom_id: str,
    members: list[Member],
    window: int = WINDOW,
) -> Burst:
    """Every member clicks once, at most `window` at a time; waits for every answer."""
    channel = driver.channel(message.channel_id)
    queue = list(reversed(members))
    records: list[InteractionRecord] = []

    async def worker() -> None:
        while queue:
            member = queue.pop()
            data = {"custom_id": custom_id, "component_type": 2}
            record = await standin.send_interaction(
                MESSAGE_COMPONENT, data, guild=driver.guild, channel=channel, member=member, message=message
            )
            records.append(record)
            await wait_answered(standin, record)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(window)))
    seconds = time.perf_counter() - started
    acked = sum(1 for r in records if r.callback_type is not None and not r.errors)
    return Burst(len(records), seconds, acked, sum(len(r.errors) for r in records))


async def open_question(driver: Driver, channel: str) -> tuple[Message, str]:
    """Start a one-question round in `channel`; the question message and its first answer button."""
    reply = await driver.command("trivia start", {"questions": 1}, channel=channel, force=True)
    question = await driver.wait_for_message(
        channel, lambda m: "trivia:answer" in str(m.components), 20, after=reply.message
    )
    custom_id = next(
        c["custom_id"]
        for row in question.components
        for c in row["components"]
        if "trivia:answer" in c["custom_id"]
    )
    return question, custom_id


def count_rows(database: Path, custom_id: str) -> tuple[int, int]:
    """(rows, distinct members) stored for the question a trivia answer button belongs to."""
    asked = int(re.findall(r"\d+", custom_id)[0])
    with sqlite3.connect(database) as conn:
        rows, distinct = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT user_id) FROM trivia_answers WHERE asked_id = ?", (asked,)
        ).fetchone()
    return int(rows), int(distinct)


async def trivia_burst(standin: StandIn, side: Side, database: Path, clicks: int, *, pid: int) -> Burst:
    """A trivia question open for 5 minutes, `clicks` fresh members answer; the rows are counted afterwards."""
    burst, custom_id = await _burst(standin, side, clicks, pid, "burstfan")
    burst.stored, burst.distinct = count_rows(database, custom_id)
    return burst


async def bare_burst(standin: StandIn, side: Side, clicks: int, *, pid: int) -> Burst:
    """The bare bot's copy of the question, its answer button clicked the same way (answered from memory)."""
    burst, _ = await _burst(standin, side, clicks, pid, "barefan")
    return burst


async def _burst(standin: StandIn, side: Side, clicks: int, pid: int, prefix: str) -> tuple[Burst, str]:
    setattr(standin, "target", side.session)  # noqa: B010 - BenchStandIn routes to one bot
    question, custom_id = await open_question(side.driver, "spoilers")
    fans = await standin.add_members(clicks, guild=side.driver.guild, prefix=prefix)
    await settle(pid)
    before = cpu_ns(pid)
    burst = await click_all(standin, side.driver, question, custom_id, fans)
    burst.cpu_seconds = (await settle(pid) - before) / 1e9
    stop = await side.driver.command("trivia stop", channel="spoilers", force=True)
    await side.driver.wait_for_message("spoilers", is_scoreboard, 20, after=stop.interaction.id)
    return burst, custom_id
