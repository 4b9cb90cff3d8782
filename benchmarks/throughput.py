"""Trivia answer throughput: clicks per second with a window of clicks in flight, every click acknowledged and
recorded exactly once (checked against the SQLite file), beside the baseline's persistent button."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from benchmarks.harness import BenchStandIn
from benchmarks.latency import Side
from bot.standin import InteractionRecord, Message
from bot.standin.server import MESSAGE_COMPONENT, Member

WINDOW = 64  # clicks in flight at once, like a busy server


@dataclass
class Burst:
    """One burst of clicks: how many, how long, and what the bot and the database say about them."""

    clicks: int
    seconds: float
    acknowledged: int
    errors: int
    stored: int = -1
    distinct: int = -1

    @property
    def rate(self) -> float:
        return self.clicks / self.seconds


def answered(record: InteractionRecord) -> bool:
    return record.callback_type is not None or bool(record.errors)


async def click_all(
    standin: BenchStandIn, side: Side, message: Message, custom_id: str, members: list[Member]
) -> Burst:
    """Every member clicks once, at most WINDOW at a time; waits for every callback."""
    standin.target = side.session
    channel = side.driver.channel(message.channel_id)
    queue = list(reversed(members))
    records: list[InteractionRecord] = []

    async def worker() -> None:
        while queue:
            member = queue.pop()
            data = {"custom_id": custom_id, "component_type": 2}
            record = await standin.send_interaction(
                MESSAGE_COMPONENT,
                data,
                guild=side.driver.guild,
                channel=channel,
                member=member,
                message=message,
            )
            records.append(record)
            await standin.wait_until(partial(answered, record), 30, what="a click answer")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(WINDOW)))
    seconds = time.perf_counter() - started
    acked = sum(1 for r in records if r.callback_type is not None and not r.errors)
    return Burst(len(records), seconds, acked, sum(len(r.errors) for r in records))


async def trivia_burst(standin: BenchStandIn, side: Side, database: Path, clicks: int) -> Burst:
    """A trivia question open for 5 minutes, `clicks` members answer; count the rows afterwards."""
    standin.target = side.session
    driver = side.driver
    await driver.command("config trivia timeout", {"seconds": 300}, member="mod")
    reply = await driver.command("trivia start", {"questions": 1}, channel="spoilers")
    question = await driver.wait_for_message(
        "spoilers", lambda m: bool(m.components), 20, after=reply.message
    )
    custom_id = next(
        c["custom_id"]
        for row in question.components
        for c in row["components"]
        if "trivia:answer" in c["custom_id"]
    )
    asked = int(re.findall(r"\d+", custom_id)[0])
    fans = await standin.add_members(clicks, guild=driver.guild, prefix="burstfan")
    burst = await click_all(standin, side, question, custom_id, fans)
    with sqlite3.connect(database) as conn:
        burst.stored, burst.distinct = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT user_id) FROM trivia_answers WHERE asked_id = ?", (asked,)
        ).fetchone()
    await driver.command("trivia stop", channel="spoilers")
    return burst


async def baseline_burst(standin: BenchStandIn, side: Side, clicks: int) -> Burst:
    """The bare discord.py panel's persistent button, clicked the same way (it answers ephemerally)."""
    standin.target = side.session
    reply = await side.driver.command("panel")
    fans = await standin.add_members(clicks, guild=side.driver.guild, prefix="basefan")
    return await click_all(standin, side, reply.message, "mini:btn:1", fans)
