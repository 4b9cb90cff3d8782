"""Interaction latency per command, 1 member and 50 concurrent members, interleaved with the bare
discord.py baseline answering /ping. Latency is measured in the stand-in: INTERACTION_CREATE dispatched on
the gateway → the bot's callback received, on the event loop's monotonic clock."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.harness import BenchStandIn, Summary
from bot.standin import Driver, Reply
from bot.standin.server import Guild, Member, Session

CONCURRENT = 50


def _slot() -> str:
    return f"{datetime.now(UTC) + timedelta(days=2):%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class Command:
    """One command as a member would run it; `concurrent` False when 50 at once makes no sense."""

    path: str
    options: Callable[[], dict[str, Any]] = dict
    moderator: bool = False
    concurrent: bool = True
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or "/" + self.path + "".join(f" {k}:{v}" for k, v in self.options().items())


COMMANDS = [
    Command("about"),
    Command("synopsis"),
    Command("synopsis", lambda: {"spoilers": True}),
    Command("plot", lambda: {"beat": 3}),
    Command("plot", lambda: {"search": "gaines"}),
    Command("plot", lambda: {"timeline": True}),
    Command("cast", lambda: {"name": "raynor"}),
    Command("cast"),
    Command("film"),
    Command("sources"),
    Command("progress set", lambda: {"beat": 5}),
    Command("progress show"),
    Command("progress clear"),
    Command("trivia leaderboard"),
    Command("trivia stats"),
    Command("trivia start", lambda: {"questions": 1}, concurrent=False),
    Command("trivia stop", concurrent=False),
    Command("watchparty list"),
    Command(
        "watchparty poll",
        lambda: {"title": "Bench", "slots": _slot(), "closes": "2h"},
        label="/watchparty poll",
    ),
    Command(
        "watchparty list", concurrent=False, label="/watchparty list (after the poll rounds: 230 live polls)"
    ),
    Command("watchparty cancel", concurrent=False, label="/watchparty cancel poll:<own poll>"),
    Command("config show", moderator=True),
    Command("config timezone", lambda: {"zone": "Europe/London"}, moderator=True),
    Command("config spoilers", lambda: {"channel": "spoilers", "marked": False}, moderator=True),
    Command("config film", lambda: {"film": "rush"}, moderator=True),
    Command("config modrole", moderator=True),
    Command("config trivia timeout", lambda: {"seconds": 30}, moderator=True),
    Command("config trivia daily", lambda: {"channel": "general", "time": "19:00"}, moderator=True),
    Command("config trivia daily-off", moderator=True),
    Command("config trivia new-season", moderator=True),
    Command("config watchparty reminders", lambda: {"minutes": "30"}, moderator=True),
]


@dataclass
class Side:
    """One bot under test: its session, a driver for its guild, and the members who act."""

    session: Session
    driver: Driver
    members: list[Member]
    moderators: list[Member]


@dataclass
class Row:
    """Samples of one command, bot and baseline, at one concurrency."""

    command: str
    members: int
    bot: list[float] = field(default_factory=list)
    base: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def ratio(self) -> float:
        return Summary.of(self.bot).p99 / Summary.of(self.base).p99


async def prepare_side(standin: BenchStandIn, session: Session, guild: Guild, prefix: str) -> Side:
    """A driver and 50 members plus 50 moderators in the bot's guild."""
    members = await standin.add_members(CONCURRENT, guild=guild, prefix=f"{prefix}fan")
    moderators = await standin.add_members(CONCURRENT, guild=guild, prefix=f"{prefix}mod")
    mod_role = guild.role("Moderators").id
    for member in moderators:
        member.roles.append(mod_role)
    return Side(session, Driver(standin, guild=guild, timeout=30.0), members, moderators)


def latency(standin: BenchStandIn, reply: Reply) -> float:
    return standin.callback_at[reply.interaction.id] - reply.interaction.created_at


async def timed(
    standin: BenchStandIn, side: Side, run: Callable[[Member], Awaitable[Reply]], count: int
) -> list[float]:
    """Send `count` interactions at once from different members to one bot; their latencies."""
    standin.target = side.session
    replies = await asyncio.gather(*(run(member) for member in side.members[:count]))
    return [latency(standin, reply) for reply in replies]


def runner(side: Side, command: Command, poll_ids: list[int]) -> Callable[[Member], Awaitable[Reply]]:
    """How one member runs the command (as a moderator for moderator commands)."""

    async def run(member: Member) -> Reply:
        who = side.moderators[side.members.index(member)] if command.moderator else member
        options = command.options()
        if command.path == "watchparty cancel":
            options = {"poll": poll_ids.pop()}
        return await side.driver.command(command.path, options, member=who, force=True)

    return run


def ping(side: Side) -> Callable[[Member], Awaitable[Reply]]:
    async def run(member: Member) -> Reply:
        return await side.driver.command("ping", member=member)

    return run


async def make_poll(side: Side) -> int:
    """A poll to cancel, created outside the timing."""
    reply = await side.driver.command(
        "watchparty poll", {"title": "To cancel", "slots": _slot(), "closes": "2h"}
    )
    match = re.search(r"Poll #(\d+)", reply.content)
    if match is None:
        raise RuntimeError(f"no poll was created: {reply.content}")
    return int(match.group(1))


async def measure(
    standin: BenchStandIn, bot: Side, base: Side, command: Command, members: int, rounds: int
) -> Row:
    """Interleave rounds of the command (bot) and /ping (baseline), alternating which goes first."""
    row = Row(command.name, members)
    base_run = ping(base)
    poll_ids: list[int] = []
    for n in range(rounds):
        if command.path == "watchparty cancel":
            standin.target = bot.session
            poll_ids.append(await make_poll(bot))
        bot_run = runner(bot, command, poll_ids)
        order = [(bot, bot_run, row.bot), (base, base_run, row.base)]
        for side, run, samples in order if n % 2 == 0 else reversed(order):
            samples += await timed(standin, side, run, members)
        if command.path == "trivia start":
            standin.target = bot.session
            await bot.driver.command("trivia stop")
    return row
