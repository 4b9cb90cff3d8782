"""Run every benchmark in one process and write docs/benchmarks.md.

`python -m benchmarks` (about 10 minutes on 2 cores) or `python -m benchmarks --quick` (a smoke run).
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import gc
import json
import logging
import os
import pickle
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # `python benchmarks/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import cpu, latency, report, scheduler, startup, throughput
from benchmarks.harness import ROOT, BenchStandIn
from bot.standin import BotProcess, Driver
from bot.standin.gateway import Session
from bot.standin.server import Guild

log = logging.getLogger("benchmarks")


@dataclass
class Settings:
    rounds: int = 11
    per_burst: int = 250
    clicks: int = 3000
    starts: int = 3
    guilds: int = 2500
    fan_out: int = 250
    ticks: tuple[tuple[int, int], ...] = ((1000, 10), (10000, 10), (50000, 10), (10000, 100), (10000, 1000))
    cases: tuple[str, ...] = ()
    restart_every: int = 2  # rounds per pair of bot processes (see `FreshPairs`)


QUICK = Settings(2, 12, 300, 1, 100, 60, ((1000, 10), (5000, 10), (5000, 100)), restart_every=1)


@dataclass
class Results:
    """Everything measured, for the report."""

    settings: Settings
    command: str
    pinning: str = ""
    load: dict[str, str] = field(default_factory=dict)
    cases: list[cpu.CaseResult] = field(default_factory=list)
    starts: dict[str, list[startup.Start]] = field(default_factory=dict)
    memory: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    bursts: dict[str, throughput.Burst] = field(default_factory=dict)
    ticks: list[scheduler.Tick] = field(default_factory=list)
    fan_out: scheduler.FanOut | None = None
    integrity: str = ""
    restarts: int = 0  # fresh pairs of bot processes during the rounds
    seconds: float = 0.0
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    commit: str = field(default_factory=report.commit_now)


class Pinning:
    """The stand-in and driver (this process) on one core, the bot under test on another, where possible."""

    def __init__(self) -> None:
        cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        self.harness, self.bots = ({cores[0]}, {cores[1]}) if len(cores) >= 2 else (None, None)
        if self.harness is not None:
            os.sched_setaffinity(0, self.harness)

    def pin(self, pid: int) -> None:
        if self.bots is not None:
            os.sched_setaffinity(pid, self.bots)

    def describe(self) -> str:
        if self.harness is None:
            return "not pinned (one core available)"
        return (
            f"stand-in + driver pinned to CPU {min(self.harness)}; both bots pinned to CPU {min(self.bots or {0})}, "
            f"sharing it: their bursts run at once, taking turns in spells of {cpu.SPELL} interactions"
        )


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f}"


def bare_process(standin: BenchStandIn, workdir: Path, replies: Path) -> BotProcess:
    """The bare bot, with the film bot's recorded replies and the commands the film bot synced."""
    commands = workdir / "commands.json"
    commands.write_text(json.dumps(list(standin.commands[standin.guild.id].values())), encoding="utf-8")
    argv = [sys.executable, str(ROOT / "benchmarks" / "bare.py")]
    env = {"BARE_REPLIES": str(replies), "BARE_COMMANDS": str(commands)}
    return BotProcess(
        standin, argv, workdir=workdir, name="bare", env=env, dev_guild=False, require_commands=False
    )


async def routed_start(
    standin: BenchStandIn, process: BotProcess, guild: Guild, pinning: Pinning
) -> tuple[Session, startup.Start]:
    """Start the bot (timed) and route the guild's interactions to its session, whichever is `target`."""
    driver = Driver(standin, guild=guild, timeout=30.0)
    started = await startup.timed_start(standin, process, "about", driver, pinning.pin)
    session = standin.target
    assert session is not None and process.pid is not None
    standin.routes[guild.id] = session
    return session, started


async def start_stage(
    standin: BenchStandIn, process: BotProcess, guild: Guild, prefix: str, pinning: Pinning
) -> tuple[cpu.Stage, startup.Start]:
    session, started = await routed_start(standin, process, guild, pinning)
    assert process.pid is not None
    side = await latency.prepare_side(standin, session, guild, prefix)
    stage = cpu.Stage(side, process.pid, prefix)
    stage.fresh = cpu.fresh_members(standin, guild, f"{prefix}new")
    return stage, started


async def restart_stage(
    standin: BenchStandIn, process: BotProcess, stage: cpu.Stage, guild: Guild, pinning: Pinning
) -> None:
    """Stop the bot and start it again on the same database and folder; the stage follows the new process
    (its session and pid), keeping its members and case-to-case state."""
    await startup.stop(process, standin)
    session, _ = await routed_start(standin, process, guild, pinning)
    assert process.pid is not None
    stage.side.session, stage.pid = session, process.pid


class FreshPairs:
    """`run_rounds`' `between`: a new pair of bot processes every `every` rounds, each pair warmed up by one
    uncounted round of `warm_up`-interaction bursts.

    A process's CPU cost per interaction carries an offset of its own, the same in each of its rounds (its
    memory layout, its hash seed): `/about`, where both bots run the same code, came out anywhere from 0.96×
    to 1.07× from one run's pair to the next. Fresh pairs spread those offsets over the rounds instead of one
    pair's deciding the whole run."""

    def __init__(
        self,
        standin: BenchStandIn,
        pinning: Pinning,
        sides: tuple[tuple[BotProcess, cpu.Stage, Guild], tuple[BotProcess, cpu.Stage, Guild]],
        found: list[cpu.Case],
        warm_up: int,
        every: int,
    ) -> None:
        self.standin, self.pinning, self.sides = standin, pinning, sides
        self.found, self.warm_up, self.every = found, warm_up, every
        self.count = 0  # fresh pairs started so far

    async def between(self, number: int) -> None:
        if number % self.every:
            return
        for process, stage, guild in self.sides:
            await restart_stage(self.standin, process, stage, guild, self.pinning)
        settle_harness()
        first, second = (stage for _, stage, _ in self.sides)
        await cpu.run_rounds(self.standin, first, second, self.found, 1, self.warm_up)  # not counted
        settle_harness()
        self.count += 1


async def restarts(
    standin: BenchStandIn, process: BotProcess, guild: Guild, count: int, pinning: Pinning
) -> tuple[list[startup.Start], tuple[float, float]]:
    """Restart `count` times with every guild present; RSS after the last start's first answer."""
    found = []
    for _ in range(count):
        await startup.stop(process, standin)
        found.append(
            await startup.timed_start(standin, process, "about", Driver(standin, guild=guild), pinning.pin)
        )
    return found, startup.memory(process)


def settle_harness() -> None:
    """Keep the stand-in's records out of Python's garbage collector from here on.

    The stand-in keeps every request, interaction and dispatched event of the run: millions of objects by
    the end of the rounds. A full collection over them pauses the stand-in for seconds, and the bots then
    look late (a click past Discord's 3 s, a slow start) for a pause that is the harness's own.
    """
    gc.collect()
    gc.freeze()


def after_round(text: str) -> None:
    log.info(text)
    settle_harness()


def compile_project() -> None:
    """Write the project's bytecode first: with PYTHONDONTWRITEBYTECODE set (as on CI machines), every start
    would otherwise compile every module again, which no installed bot does after its first start."""
    for folder in ("bot", "cogs"):
        compileall.compile_dir(ROOT / folder, quiet=1)


async def run(settings: Settings, results: Results) -> None:
    started = time.perf_counter()
    compile_project()
    pinning = Pinning()
    results.pinning = pinning.describe()
    results.load["start"] = load_line()
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        work = Path(
            os.environ.get("BENCH_DIR") or folder
        )  # BENCH_DIR keeps the logs and replies to look into
        async with BenchStandIn() as standin:
            base_guild = await standin.add_guild("Baseline Club")
            bot = BotProcess(standin, workdir=startup.fresh_workdir(work, "bot"), name="bot")
            bot_stage, first = await start_stage(standin, bot, standin.guild, "b", pinning)
            results.starts = {"bot": [first], "bare": []}
            await bot_stage.side.driver.command("config trivia timeout", {"seconds": 300}, member="mod")
            log.info("recording the film bot's answers")
            wanted = (*settings.cases, "/about")  # the bare bot's start-up answers /about
            found = [c for c in cpu.cases() if not settings.cases or any(w in c.name for w in wanted)]
            # Every case once before the recording: a reply that shows the server's state (/config show lists
            # the latest changes) is then recorded as it stands during the rounds, which repeat every case.
            await cpu.record_answers(standin, bot_stage, found)
            answers = await cpu.record_answers(standin, bot_stage, found)
            bot_stage.expected = {k: cpu.shape(a["type"], a["data"]) for k, a in answers.items()}
            replies = work / "replies.json"
            replies.write_text(json.dumps(answers), encoding="utf-8")
            standin.commands[base_guild.id] = dict(standin.commands[standin.guild.id])
            bare = bare_process(standin, startup.fresh_workdir(work, "bare"), replies)
            bare_stage, first = await start_stage(standin, bare, base_guild, "m", pinning)
            bare_stage.expected, bare_stage.replays = bot_stage.expected, True
            results.starts["bare"].append(first)
            results.memory = {
                "bot": {"after start": startup.memory(bot)},
                "bare": {"after start": startup.memory(bare)},
            }
            settle_harness()
            warm_up = max(2, settings.per_burst // 10)

            log.info("warm-up round")
            await cpu.run_rounds(standin, bot_stage, bare_stage, found, 1, warm_up)
            log.info("%d rounds of %d cases", settings.rounds, len(found))
            sides = ((bot, bot_stage, standin.guild), (bare, bare_stage, base_guild))
            fresh = FreshPairs(standin, pinning, sides, found, warm_up, settings.restart_every)
            results.cases = await cpu.run_rounds(
                standin, bot_stage, bare_stage, found, settings.rounds, settings.per_burst, after_round,
                fresh.between,
            )  # fmt: skip
            results.restarts = fresh.count
            results.load["after the rounds"] = load_line()
            results.memory["bot"]["after the rounds"] = startup.memory(bot)
            results.memory["bare"]["after the rounds"] = startup.memory(bare)
            settle_harness()
            log.info("trivia throughput")
            results.bursts["bot"] = await throughput.trivia_burst(
                standin, bot_stage.side, bot.database_path, settings.clicks, pid=bot_stage.pid
            )
            results.bursts["bare"] = await throughput.bare_burst(
                standin, bare_stage.side, settings.clicks, pid=bare_stage.pid
            )
            settle_harness()
            log.info("start-up and memory with %d servers", settings.guilds)
            # Up to exactly `guilds` in all: one shard may hold 2,500 (the stand-in closes a bigger one with 4011).
            await startup.join_guilds(standin, settings.guilds - len(standin.world.guilds))
            for name, process, guild in (("bot", bot, standin.guild), ("bare", bare, base_guild)):
                starts, rss = await restarts(standin, process, guild, settings.starts, pinning)
                results.starts[f"{name}, {len(standin.world.guilds):,} servers"] = starts
                results.memory[name][f"after a start with {len(standin.world.guilds):,} servers"] = rss
                await startup.stop(process, standin)
            with sqlite3.connect(bot.database_path) as conn:
                results.integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            log.info("scheduler")
            for total, due in settings.ticks:
                results.ticks.append(await scheduler.tick_cost(total, due))
            channels = [
                g.channel("general").id for g in list(standin.world.guilds.values())[-settings.fan_out :]
            ]
            results.fan_out = await scheduler.fan_out(standin, channels)
    results.load["end"] = load_line()
    results.seconds = time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run with few samples (not for the report)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md", help="where to write")
    parser.add_argument("--rounds", type=int, help="rounds per case (default 11)")
    parser.add_argument("--per-burst", type=int, help="interactions per burst (default 250)")
    parser.add_argument(
        "--save", type=Path, help="also keep the measurements here (pickle), to re-render later"
    )
    parser.add_argument(
        "--render", type=Path, help="write the report from saved measurements, without running"
    )
    parser.add_argument("--cases", nargs="*", default=[], help="only cases whose name contains one of these")
    parser.add_argument("--skip-scheduler", action="store_true", help="leave out the scheduler measurements")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("bot.standin").setLevel(logging.ERROR)
    logging.getLogger("discord").setLevel(logging.ERROR)
    settings = QUICK if args.quick else Settings()
    if args.rounds:
        settings = replace(settings, rounds=args.rounds)
    if args.per_burst:
        settings = replace(settings, per_burst=args.per_burst)
    if args.cases:
        settings = replace(settings, cases=tuple(args.cases))
    if args.skip_scheduler:
        settings = replace(settings, ticks=settings.ticks[:2], fan_out=20)
    command = "python -m benchmarks" + (" --quick" if args.quick else "")
    command += "".join(
        f" --{k.replace('_', '-')} {v}"
        for k, v in (("rounds", args.rounds), ("per_burst", args.per_burst))
        if v
    )
    command += " --skip-scheduler" if args.skip_scheduler else ""
    if args.render:
        results = pickle.loads(args.render.read_bytes())
    else:
        results = Results(settings, command)
        asyncio.run(run(settings, results))
        if args.save:
            args.save.write_bytes(pickle.dumps(results))
    text = report.render(results)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
