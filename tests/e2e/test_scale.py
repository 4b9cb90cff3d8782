"""Two bot processes, shard 0 and shard 1 of 2, one PostgreSQL, four servers split across the shards.

Commands and clicks in every server are answered by the process holding its shard (the stand-in sends an
interaction's token to that session only, so an answer proves who gave it); a daily question in each server
and a watch-party deadline fire exactly once, each in the process holding its server's shard; then one
process is SIGKILLed in the middle of a burst of votes, a deadline of its passes while it is down, and it is
restarted: every acknowledged vote is stored, and its jobs run once.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from bot.standin import BotProcess, Driver, InteractionRecord, StandIn
from bot.standin.driver import message_text
from bot.standin.gateway import shard_of
from bot.standin.world import Guild
from tests.backends import fresh_postgres
from tests.faults.helpers import acknowledged, fire_click, poll_id, slot_text, titled

from .conftest import READY_TIMEOUT

pytestmark = pytest.mark.asyncio(loop_scope="session")

SHARDS = 2
BURST = 40
KILL_AFTER = 8


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def database_url() -> AsyncIterator[str]:
    async with fresh_postgres() as url:
        yield url


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def standin() -> AsyncIterator[StandIn]:
    """Four servers, two on each shard; max_concurrency 2 lets both shards identify at once."""
    async with StandIn(shard_count=SHARDS, max_concurrency=SHARDS, identify_interval=5.0) as server:
        while min(len(on_shard(server, n)) for n in range(SHARDS)) < 2:
            await server.add_guild(f"Club {len(server.world.guilds) + 1}")
        for extra in [g for n in range(SHARDS) for g in on_shard(server, n)[2:]]:
            del server.world.guilds[extra.id]  # before any bot connects: the world has exactly four
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def processes(
    standin: StandIn, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[list[BotProcess]]:
    """`python -m bot` twice: SHARD_IDS=0 and SHARD_IDS=1, SHARD_COUNT=2, one DATABASE_URL."""
    workdir = tmp_path_factory.mktemp("scale")
    bots = [
        BotProcess(
            standin,
            workdir=workdir / f"shard{n}",
            dev_guild=False,
            name=f"shard{n}",
            env={"DATABASE_URL": database_url, "SHARD_COUNT": str(SHARDS), "SHARD_IDS": str(n)},
        )
        for n in range(SHARDS)
    ]
    for bot in bots:
        await bot.start()
    try:
        await asyncio.gather(*(bot.wait_ready(READY_TIMEOUT) for bot in bots))
        yield bots
    finally:
        for bot in bots:
            await bot.stop()


def on_shard(standin: StandIn, shard: int) -> list[Guild]:
    return [g for g in standin.world.guilds.values() if shard_of(g.id, SHARDS) == shard]


def answered_by(standin: StandIn, record: InteractionRecord) -> int:
    """The shard whose session received the interaction (and so the only one holding its token)."""
    return standin.sessions[record.session_id].shard[0]


async def rows(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def wake(driver: Driver, hours: float) -> None:
    """Make the guild's process look at its jobs now: scheduling any job wakes its scheduler."""
    reply = await driver.command(
        "watchparty poll", {"title": f"Wake {hours}", "slots": slot_text(hours), "closes": "20h"}
    )
    assert "is up" in reply.content, reply.text()


async def test_two_processes_share_the_work_exactly_once(
    standin: StandIn, processes: list[BotProcess], database_url: str
) -> None:
    assert len(standin.commands.get(None, {})) > 0, "the shard 0 process syncs the global commands"
    syncs = [r for r in standin.requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert len(syncs) == 1, "exactly one process synced commands"
    drivers = {g.id: Driver(standin, guild=g) for g in standin.world.guilds.values()}

    # Commands in all four servers, each answered by the process holding its shard.
    due = (datetime.now(UTC) + timedelta(hours=3)).replace(second=0, microsecond=0)
    for guild in standin.world.guilds.values():
        driver = drivers[guild.id]
        zone = await driver.command("config timezone", {"zone": "UTC"}, member="mod")
        assert zone.ephemeral and "UTC" in zone.text(), zone.text()
        daily = await driver.command(
            "config trivia daily",
            {"channel": "general", "time": f"{due:%H:%M}", "window": "10s"},
            member="mod",
        )
        assert "Next one" in daily.text(), daily.text()
        for reply in (zone, daily):
            assert answered_by(standin, reply.interaction) == shard_of(guild.id, SHARDS)

    # A watch-party poll on each shard; a click on each, answered by the right process.
    polls = {}
    for shard in range(SHARDS):
        guild = on_shard(standin, shard)[0]
        driver = drivers[guild.id]
        before = max((m.id for m in driver.channel_messages()), default=0)
        created = await driver.command(
            "watchparty poll", {"title": f"Shard {shard} night", "slots": slot_text(30), "closes": "20h"}
        )
        assert "is up" in created.content, created.text()
        message = await driver.wait_for_message(
            predicate=lambda m, s=shard: f"Shard {s} night" in message_text(m), after=before
        )
        click = await driver.click(message, f"wp:vote:{poll_id(message)}:0")
        assert click.callback_type == 7 and answered_by(standin, click.interaction) == shard
        polls[shard] = (guild, message)

    # The daily questions and the shard 0 poll's deadline fall due now.
    now = time.time()
    await rows(
        database_url, "UPDATE jobs SET due_at = $1 WHERE kind = 'trivia.daily' AND state = 'pending'", now - 1
    )
    deadline_key = f"wp-close:{poll_id(polls[0][1])}"
    await rows(database_url, "UPDATE jobs SET due_at = $1 WHERE key = $2", now - 1, deadline_key)
    for shard in range(SHARDS):
        await wake(drivers[on_shard(standin, shard)[1].id], 31)

    for guild in standin.world.guilds.values():
        await standin.wait_until(
            lambda g=guild: any(titled("Daily question")(m) for m in drivers[g.id].channel_messages()),
            30,
            what=f"the daily question in {guild.name}",
        )
    deadline_guild = polls[0][0]
    deadline_channel = drivers[deadline_guild.id]

    def announced() -> list[Any]:
        return [m for m in deadline_channel.channel_messages() if "It's on: Shard 0 night" in message_text(m)]

    await standin.wait_until(announced, 30, what="the watch-party deadline")
    await standin.wait_until(
        lambda: all(any(titled("Answer:")(m) for m in d.channel_messages()) for d in drivers.values()),
        40,
        what="every daily question revealed",
    )
    for guild in standin.world.guilds.values():
        posts = [m for m in drivers[guild.id].channel_messages() if titled("Daily question")(m)]
        assert len(posts) == 1, f"{guild.name}: {len(posts)} daily questions"
    assert len(announced()) == 1
    done = await rows(
        database_url, "SELECT guild_id, state, attempts, lease_owner FROM jobs WHERE key = $1", deadline_key
    )
    assert [(r["guild_id"], r["state"], r["attempts"]) for r in done] == [(deadline_guild.id, "done", 1)]
    daily_runs = await rows(
        database_url,
        "SELECT guild_id, attempts, lease_owner FROM jobs WHERE kind = 'trivia.daily' AND state = 'done'",
    )
    assert sorted(r["attempts"] for r in daily_runs) == [1, 1, 1, 1]
    # Each server's job ran in the process holding its shard.
    for run in [*daily_runs, *done]:
        owner = processes[shard_of(run["guild_id"], SHARDS)]
        assert run["lease_owner"].endswith(f":{owner.pid}"), (run["guild_id"], run["lease_owner"])

    await kill_mid_burst_and_restart(standin, processes[1], polls[1], on_shard(standin, 1)[1], database_url)


async def kill_mid_burst_and_restart(
    standin: StandIn, bot: BotProcess, poll: tuple[Guild, Any], other: Guild, database_url: str
) -> None:
    """SIGKILL mid-burst; while it is down a deadline in another of its servers passes; restart."""
    guild, message = poll
    driver = Driver(standin, guild=guild)
    pid = poll_id(message)
    button = f"wp:vote:{pid}:0"
    fans = await standin.add_members(BURST, guild=guild, prefix="scalekill")
    records = list(await asyncio.gather(*(fire_click(standin, driver, message, button, fan) for fan in fans)))
    await standin.wait_until(
        lambda: sum(acknowledged(r) for r in records) >= KILL_AFTER, 20, what="the first acknowledgements"
    )
    assert bot.process is not None
    bot.process.send_signal(signal.SIGKILL)
    await asyncio.wait_for(bot.process.wait(), 10)
    acked = {r.user_id for r in records if acknowledged(r) and r.callback_type == 7}
    stored = {
        r["user_id"] for r in await rows(database_url, "SELECT user_id FROM wp_votes WHERE poll_id = $1", pid)
    }
    assert acked <= stored, f"acknowledged but lost: {sorted(acked - stored)}"
    assert len(acked) < len(records), "the whole burst was answered before the kill: nothing was in flight"

    missed = await rows(
        database_url,
        "UPDATE jobs SET due_at = $1 WHERE guild_id = $2 AND state = 'pending' AND key LIKE 'wp-close:%' "
        "RETURNING key",
        time.time() - 1,
        other.id,
    )
    assert len(missed) == 1, "the other server's poll deadline, passing while its process is down"
    other_driver = Driver(standin, guild=other)
    before = max((m.id for m in other_driver.channel_messages()), default=0)
    await bot.start()
    await bot.wait_ready(READY_TIMEOUT)

    def nobody() -> list[Any]:
        return [
            m for m in other_driver.channel_messages() if m.id > before and "Nobody voted" in message_text(m)
        ]

    await standin.wait_until(nobody, 30, what="the missed deadline run after the restart", recheck=0.2)
    late = (await standin.add_members(1, guild=guild, prefix="scalelate"))[0]
    after = await driver.click(message, button, member=late)
    assert after.callback_type == 7 and answered_by(standin, after.interaction) == 1
    total = await rows(database_url, "SELECT COUNT(*) AS n FROM wp_votes WHERE poll_id = $1", pid)
    assert f"#1 · {total[0]['n']}" in str(after.original.components if after.original else "")
    # Jobs ran once: nothing is left running, nothing ran twice.
    stuck = await rows(database_url, "SELECT key FROM jobs WHERE state = 'running'")
    assert stuck == []
    twice = await rows(database_url, "SELECT key FROM jobs WHERE state = 'done' AND attempts > 1")
    assert twice == []
    assert len(nobody()) == 1
    [ran] = await rows(database_url, "SELECT state, lease_owner FROM jobs WHERE key = $1", missed[0]["key"])
    assert ran["state"] == "done" and ran["lease_owner"].endswith(f":{bot.pid}")  # the restarted process
    assert standin.nonce_duplicates == 0
