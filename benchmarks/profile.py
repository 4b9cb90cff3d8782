"""Profile the film bot under the benchmark's cases with py-spy: where its busy time goes.

`python -m benchmarks.profile [--cases WORD ...] [--bursts N] [--per-burst N] [--bare]` starts the stand-in and
the bot (pinned as in the benchmark), samples the bot process with `py-spy record` while the chosen cases run, and
prints the share of samples per function (self time) and per project function (inclusive), plus a split by
area (discord.py, asyncio, aiohttp, JSON, SQLite, the project). With `--bare` it samples the bare baseline
instead, replaying the film bot's recorded answers as in the benchmark: the two profiles side by side show
which of the library's work the film bot adds. Needs `pip install py-spy`.

With `--sql` it samples nothing: the bot runs under `benchmarks/sqltimes.py`, which times every SQL statement
it executes (thread CPU time), and it prints each statement's calls and CPU time per interaction, with each
burst's set-up included. py-spy can't tell these apart: SQLite's time shows on the Python line that called it.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from benchmarks import cpu, startup
from benchmarks.harness import ROOT, BenchStandIn
from benchmarks.run import Pinning, bare_process, start_stage
from bot.standin import BotProcess

AREAS = (
    ("SQLite (aiosqlite + sqlite3)", ("aiosqlite/", "sqlite3/")),
    ("discord.py", ("discord/",)),
    ("aiohttp / yarl / multidict", ("aiohttp/", "yarl/", "multidict/")),
    ("JSON", ("json/",)),
    ("asyncio", ("asyncio/",)),
    ("the project (bot/, cogs/)", ("(bot/", "(cogs/")),
)


# Leaves that are waiting, not working: the event loop's select and aiosqlite's worker waiting for a query.
IDLE = (
    "EpollSelector.select",
    "_connection_worker_thread (aiosqlite/core.py:59)",
    "Condition.wait (threading",
)


def parse(raw: Path) -> tuple[collections.Counter[str], collections.Counter[str], int]:
    """(self samples per frame, inclusive samples per project frame, total) from py-spy's raw format."""
    own: collections.Counter[str] = collections.Counter()
    project: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        if any(idle in frames[-1] for idle in IDLE):
            continue
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            if "(bot/" in frame or "(cogs/" in frame:
                project[frame] += n
    return own, project, total


def area_of(frame: str) -> str:
    for name, needles in AREAS:
        if any(needle in frame for needle in needles):
            return name
    return "other (stdlib, interpreter)"


def report(raw: Path, top: int) -> str:
    own, project, total = parse(raw)
    areas: collections.Counter[str] = collections.Counter()
    for frame, n in own.items():
        areas[area_of(frame)] += n
    lines = [f"{total} samples", "", "By area (self time):"]
    lines += [f"  {n / total:6.1%}  {name}" for name, n in areas.most_common()]
    lines += ["", "Top functions (self time):"]
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in own.most_common(top)]
    lines += ["", "Project functions (inclusive):"]
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in project.most_common(top)]
    return "\n".join(lines)


async def bare_stage(
    standin: BenchStandIn, stage: cpu.Stage, chosen: list[cpu.Case], folder: Path, pinning: Pinning
) -> tuple[cpu.Stage, BotProcess]:
    """The bare bot on a server of its own, answering what the film bot answered (as `python -m benchmarks`)."""
    answers = await cpu.record_answers(standin, stage, chosen)
    replies = folder / "replies.json"
    replies.write_text(json.dumps(answers), encoding="utf-8")
    guild = await standin.add_guild("Baseline Club")
    standin.commands[guild.id] = dict(standin.commands[standin.guild.id])
    bare = bare_process(standin, startup.fresh_workdir(folder, "bare"), replies)
    replay, _ = await start_stage(standin, bare, guild, "m", pinning)
    replay.expected = {k: cpu.shape(a["type"], a["data"]) for k, a in answers.items()}
    replay.replays = True
    return replay, bare


def report_sql(raw: Path, interactions: int, top: int) -> str:
    """Each statement's calls and CPU time per interaction, dearest first, from `sqltimes.py`'s totals."""
    totals: dict[str, list[float]] = json.loads(raw.read_text(encoding="utf-8"))
    spent = sum(seconds for _, seconds in totals.values())
    lines = [
        f"{interactions} interactions; SQL statements took {spent / interactions * 1e6:.0f} us of CPU per "
        "interaction", "", "  us/int.  calls/int.  us/call  statement",
    ]  # fmt: skip
    ranked = sorted(totals.items(), key=lambda item: -item[1][1])[:top]
    for sql, (calls, seconds) in ranked:
        text = " ".join(sql.split())
        lines.append(
            f"  {seconds / interactions * 1e6:7.1f}  {calls / interactions:10.2f}  {seconds / calls * 1e6:7.1f}"
            f"  {text[:110]}"
        )
    return "\n".join(lines)


async def run(
    words: list[str], bursts: int, per_burst: int, out: Path, *, bare: bool = False, sql: bool = False
) -> int:
    """Run the chosen cases under the profiler (py-spy, or statement timing with `sql`); the interactions
    answered while it watched."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    pinning = Pinning()
    cell = cpu.Cell()
    with tempfile.TemporaryDirectory(prefix="profile-") as folder:
        async with BenchStandIn() as standin:
            workdir = startup.fresh_workdir(Path(folder), "bot")
            if sql:
                argv = [sys.executable, str(ROOT / "benchmarks" / "sqltimes.py")]
                bot = BotProcess(standin, argv, workdir=workdir, name="bot", env={"SQL_TIMES": str(out)})
            else:
                bot = BotProcess(standin, workdir=workdir, name="bot")
            stage, _ = await start_stage(standin, bot, standin.guild, "b", pinning)
            await stage.side.driver.command("config trivia timeout", {"seconds": 300}, member="mod")
            chosen = [c for c in cpu.cases() if not words or any(w.lower() in c.name.lower() for w in words)]
            processes = [bot]
            if bare:
                stage, baseline = await bare_stage(standin, stage, chosen, Path(folder), pinning)
                processes.append(baseline)
            for case in chosen:  # warm caches outside the profile
                await cpu.run_burst(standin, stage, case, 2, cpu.Cell())
            if sql:
                os.kill(stage.pid, signal.SIGUSR1)
            else:
                sampler = await asyncio.create_subprocess_exec(
                    spy, "record", "--pid", str(stage.pid), "--rate", "250",
                    "--format", "raw", "--output", str(out),
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
                )  # fmt: skip
                await asyncio.sleep(1.0)  # py-spy attaches
            for _ in range(bursts):
                for case in chosen:
                    await cpu.run_burst(standin, stage, case, per_burst, cell)
            if sql:
                os.kill(stage.pid, signal.SIGUSR2)  # written before the process stops, below
            else:
                sampler.send_signal(signal.SIGINT)
                await sampler.wait()
            for process in processes:
                await process.stop()
    return cell.interactions


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("--cases", nargs="*", default=[], help="only cases whose name contains one of these")
    parser.add_argument("--bursts", type=int, default=2)
    parser.add_argument("--per-burst", type=int, default=100)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--bare", action="store_true", help="profile the bare baseline instead of the film bot"
    )
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "bot-profile.txt")
    parser.add_argument(
        "--sql", action="store_true", help="time each SQL statement of the film bot instead of sampling"
    )
    args = parser.parse_args()
    if args.sql and args.bare:
        parser.error("--sql times the film bot's statements; the bare bot has none")
    logging.basicConfig(level=logging.WARNING)
    out = args.out.with_suffix(".sql.json") if args.sql else args.out
    interactions = asyncio.run(
        run(args.cases, args.bursts, args.per_burst, out, bare=args.bare, sql=args.sql)
    )
    print(report_sql(out, interactions, args.top) if args.sql else report(args.out, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
