"""Run every benchmark in one process and write docs/benchmarks.md.

`python -m benchmarks` (about 4 minutes on 2 cores) or `python -m benchmarks --quick` (a smoke run).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # `python benchmarks/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import latency, report, scheduler, startup, throughput
from benchmarks.harness import ROOT, BenchStandIn, minibot_process, session_of
from bot.standin import BotProcess, Driver

log = logging.getLogger("benchmarks")


@dataclass
class Settings:
    single_rounds: int = 30
    concurrent_rounds: int = 4
    clicks: int = 3000
    starts: int = 3
    guilds: int = 1000
    fan_out: int = 250
    ticks: tuple[tuple[int, int], ...] = ((1000, 10), (10000, 10), (50000, 10), (10000, 100), (10000, 1000))


QUICK = Settings(3, 1, 300, 1, 100, 60, ((1000, 10), (5000, 10), (5000, 100)))


@dataclass
class Results:
    """Everything measured, for the report."""

    settings: Settings
    command: str
    starts: dict[str, list[startup.Start]] = field(default_factory=dict)
    memory: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    rows: list[latency.Row] = field(default_factory=list)
    bursts: dict[str, throughput.Burst] = field(default_factory=dict)
    ticks: list[scheduler.Tick] = field(default_factory=list)
    fan_out: scheduler.FanOut | None = None
    integrity: str = ""
    seconds: float = 0.0


async def measure_starts(
    standin: BenchStandIn, work: Path, settings: Settings, results: Results
) -> BotProcess:
    """Fresh starts (sync), then warm starts (no sync) of the bot; the baseline syncs every start."""
    driver = Driver(standin, timeout=30.0)
    results.starts = {"bot fresh": [], "bot warm": [], "baseline": []}
    for n in range(settings.starts):
        fresh = BotProcess(standin, workdir=startup.fresh_workdir(work, f"fresh{n}"), name="bot")
        results.starts["bot fresh"].append(await startup.timed_start(standin, fresh, "about", driver))
        await startup.stop(fresh, standin)
    bot = BotProcess(standin, workdir=startup.fresh_workdir(work, f"fresh{settings.starts - 1}"), name="bot")
    for _ in range(settings.starts):
        results.starts["bot warm"].append(await startup.timed_start(standin, bot, "about", driver))
        await startup.stop(bot, standin)
    return bot


async def measure_baseline_starts(
    standin: BenchStandIn, work: Path, settings: Settings, results: Results, guild_driver: Driver
) -> BotProcess:
    base = minibot_process(standin, startup.fresh_workdir(work, "minibot"), guild_driver.guild.id)
    for _ in range(settings.starts):
        results.starts["baseline"].append(await startup.timed_start(standin, base, "ping", guild_driver))
        await startup.stop(base, standin)
    return base


async def start_pair(
    standin: BenchStandIn, bot: BotProcess, base: BotProcess, base_driver: Driver
) -> tuple[int, int]:
    """Start the bot, then the baseline; the identify marks before each (to find their sessions)."""
    bot_mark = standin.identify_count
    await startup.timed_start(standin, bot, "about", Driver(standin))
    base_mark = standin.identify_count
    await startup.timed_start(standin, base, "ping", base_driver)
    standin.target = None
    return bot_mark, base_mark


async def measure_latency(
    standin: BenchStandIn,
    bot_side: latency.Side,
    base_side: latency.Side,
    settings: Settings,
    results: Results,
) -> None:
    for command in latency.COMMANDS:
        log.info("latency %s", command.name)
        results.rows.append(
            await latency.measure(standin, bot_side, base_side, command, 1, settings.single_rounds)
        )
        if command.concurrent:
            row = await latency.measure(
                standin, bot_side, base_side, command, latency.CONCURRENT, settings.concurrent_rounds
            )
            results.rows.append(row)


async def measure_memory(
    standin: BenchStandIn,
    sides: dict[str, tuple[BotProcess, latency.Side, str]],
    guilds: int,
    results: Results,
) -> None:
    """RSS after the latency runs, then after `guilds` guilds joined (GUILD_CREATE to both bots)."""
    for name, (process, _, _) in sides.items():
        results.memory.setdefault(name, {})["after commands"] = startup.memory(process)
    await startup.join_guilds(standin, guilds)
    for name, (process, side, command) in sides.items():
        standin.target = side.session
        await side.driver.command(command)  # answered only after every GUILD_CREATE before it was processed
        results.memory[name][f"after {guilds} guilds joined"] = startup.memory(process)


async def run(settings: Settings, results: Results) -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        work = Path(folder)
        async with BenchStandIn() as standin:
            base_guild = await standin.add_guild("Baseline Club")
            base_driver = Driver(standin, guild=base_guild, timeout=30.0)
            log.info("start-up")
            bot = await measure_starts(standin, work, settings, results)
            base = await measure_baseline_starts(standin, work, settings, results, base_driver)
            bot_mark, base_mark = await start_pair(standin, bot, base, base_driver)
            results.memory = {
                "bot": {"idle": startup.memory(bot)},
                "baseline": {"idle": startup.memory(base)},
            }
            bot_session = session_of(standin, bot_mark, base_mark)
            bot_side = await latency.prepare_side(standin, bot_session, standin.guild, "b")
            base_side = await latency.prepare_side(standin, session_of(standin, base_mark), base_guild, "m")
            log.info("latency")
            await measure_latency(standin, bot_side, base_side, settings, results)
            log.info("trivia throughput")
            results.bursts["bot"] = await throughput.trivia_burst(
                standin, bot_side, bot.database_path, settings.clicks
            )
            results.bursts["baseline"] = await throughput.baseline_burst(standin, base_side, settings.clicks)
            log.info("memory with many guilds")
            sides = {"bot": (bot, bot_side, "about"), "baseline": (base, base_side, "ping")}
            await measure_memory(standin, sides, settings.guilds, results)
            await base.stop()
            await bot.stop()
            with sqlite3.connect(bot.database_path) as conn:
                results.integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            log.info("scheduler")
            for total, due in settings.ticks:
                results.ticks.append(await scheduler.tick_cost(total, due))
            channels = [
                g.channel("general").id for g in list(standin.world.guilds.values())[-settings.fan_out :]
            ]
            results.fan_out = await scheduler.fan_out(standin, channels)
    results.seconds = time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run with few samples (not for the report)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md", help="where to write")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("bot.standin").setLevel(logging.ERROR)
    logging.getLogger("discord").setLevel(logging.ERROR)
    settings = QUICK if args.quick else Settings()
    command = "python -m benchmarks" + (" --quick" if args.quick else "")
    results = Results(settings, command)
    asyncio.run(run(settings, results))
    text = report.render(results)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
