"""Start-up time (process start → ready, decided in the stand-in) and memory (VmRSS/VmHWM from /proc)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import BenchStandIn, rss_kib, session_of
from bot.standin import BotProcess, Driver
from bot.standin.server import Session


@dataclass
class Start:
    """One start: seconds to ready (identified, guilds sent, commands settled), to the first answer, PUTs."""

    ready: float
    first_answer: float
    command_puts: int


async def timed_start(
    standin: BenchStandIn,
    process: BotProcess,
    first_command: str,
    guild_driver: Driver,
    pin: Callable[[int], None] = lambda _: None,
) -> Start:
    """Start the process and time it from the stand-in's side: READY dispatched with every guild after a new
    IDENTIFY (commands are synced before IDENTIFY, in setup_hook), then the first slash command answered."""
    mark_identify, mark_requests = standin.identify_count, len(standin.requests)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await process.start()
    if process not in standin.processes:
        standin.processes.append(process)
    assert process.pid is not None
    pin(process.pid)

    def ready() -> Session | None:
        found = [s for s in standin.sessions.values() if s.number > mark_identify and s.guilds_dispatched_at]
        return found[0] if found else None

    session: Session = await standin.wait_until(ready, 60, what="the bot to be ready", recheck=0.05)
    assert session.guilds_dispatched_at is not None
    standin.target = session
    reply = await guild_driver.command(first_command)
    answered = standin.callback_at[reply.interaction.id]
    puts = sum(
        1 for r in standin.requests[mark_requests:] if r.method == "PUT" and r.path.endswith("/commands")
    )
    return Start(session.guilds_dispatched_at - started, answered - started, puts)


async def stop(process: BotProcess, standin: BenchStandIn) -> None:
    await process.stop()
    standin.target = None


def memory(process: BotProcess) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MiB."""
    assert process.pid is not None
    rss, hwm = rss_kib(process.pid)
    return rss / 1024, hwm / 1024


async def settle(standin: BenchStandIn, driver: Driver, command: str, session_since: int) -> None:
    """An interaction sent after earlier dispatches is answered only once they were processed (one socket)."""
    standin.target = session_of(standin, session_since)
    await driver.command(command)


async def join_guilds(standin: BenchStandIn, count: int) -> None:
    await standin.add_guilds(count, prefix="Joined")


def fresh_workdir(base: Path, name: str) -> Path:
    """An empty folder for one bot's database and log. A BENCH_DIR kept from an earlier run is emptied: a
    database left there would make the bot skip its command sync against this run's stand-in."""
    path = base / name
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path
