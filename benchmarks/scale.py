"""Running at scale: start time and memory for 2,500 servers in one shard and 5,000 in two processes, the
scheduler tick with 10,000 scheduled servers in PostgreSQL, and what the SQL layer costs per query.

`python -m benchmarks.scale` writes docs/benchmarks-scale.md. PostgreSQL comes from TEST_DATABASE_URL (a
server the benchmark may create databases on: `.ci/postgres start DIR` prints one); without it those lines are
left out. SQLAlchemy Core is measured when it is importable (it is not a dependency of the bot).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python benchmarks/scale.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import ROOT, rss_kib
from benchmarks.scheduler import measure_ticks
from bot.standin import BotProcess, StandIn
from bot.storage import Database
from bot.storage.postgres import PostgresDatabase
from tests.backends import fresh_postgres

log = logging.getLogger("benchmarks.scale")
QUERIES = 3000
SELECT = "SELECT value FROM guild_config WHERE guild_id = ? AND key = ?"


@dataclass
class Start:
    label: str
    servers: int
    process: str
    ready: float  # seconds from the processes' start to every guild of its shards dispatched
    rss: float  # MiB once ready
    hwm: float


async def start_fleet(
    label: str, servers: int, shards: int, processes: int, database_url: str | None
) -> list[Start]:
    """Start `processes` bot processes splitting `shards` shards, against a stand-in with `servers` guilds."""
    async with StandIn(shard_count=shards, max_concurrency=shards) as standin:
        await standin.add_guilds(servers - len(standin.world.guilds))
        with tempfile.TemporaryDirectory() as folder:
            per = shards // processes
            bots = []
            for n in range(processes):
                env = {"SHARD_COUNT": str(shards), "SHARD_IDS": f"{n * per}-{(n + 1) * per - 1}"}
                if database_url:
                    env["DATABASE_URL"] = database_url
                bots.append(
                    BotProcess(
                        standin, workdir=Path(folder) / f"p{n}", dev_guild=False, name=f"p{n}", env=env
                    )
                )
            started = asyncio.get_running_loop().time()
            for bot in bots:
                await bot.start()
            try:
                await asyncio.gather(*(bot.wait_ready(300) for bot in bots))
                results = []
                for n, bot in enumerate(bots):
                    ready = max(s.guilds_dispatched_at or 0.0 for s in bot._sessions()) - started
                    assert bot.pid is not None
                    rss, hwm = rss_kib(bot.pid)
                    results.append(
                        Start(
                            label,
                            servers,
                            f"shards {bot.shards[0][0]}-{bot.shards[-1][0]} (p{n})",
                            ready,
                            rss / 1024,
                            hwm / 1024,
                        )
                    )
                return results
            finally:
                for bot in bots:
                    await bot.stop()


async def pg_tick(total: int, due: int) -> tuple[float, float]:
    """Median run_due() with `due` jobs due among `total` in PostgreSQL, and an idle tick (ms)."""
    async with fresh_postgres() as url, PostgresDatabase(url) as db:
        return await measure_ticks(db, total, due)


Query = Callable[[], Awaitable[Any]]
ROUNDS = 9


async def layer_costs(database_url: str | None) -> dict[str, tuple[float, float]]:
    """One settings read, by hand through the driver, through our stores' layer, and through SQLAlchemy Core:
    (best, median) microseconds per query over ROUNDS interleaved rounds, so a busy machine hits all alike."""
    async with contextlib.AsyncExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        path = Path(folder) / "layer.db"
        db = await stack.enter_async_context(Database(path))
        await db.config.set(1, "timezone", "UTC", actor_id=1)
        conn = db.conn
        ways: dict[str, Query] = {
            "SQLite: aiosqlite by hand": lambda: conn.execute_fetchall(SELECT, (1, "timezone")),
            "SQLite: our layer (Database.fetchone)": lambda: db.fetchone(SELECT, (1, "timezone")),
        }
        ways |= await sqlalchemy_ways(stack, f"sqlite+aiosqlite:///{path}", "SQLite")
        if database_url:
            import asyncpg

            url = await stack.enter_async_context(fresh_postgres())
            pg = await stack.enter_async_context(PostgresDatabase(url))
            await pg.config.set(1, "timezone", "UTC", actor_id=1)
            raw = await asyncpg.connect(url)
            stack.push_async_callback(raw.close)
            pool = await asyncpg.create_pool(url, min_size=1, max_size=10)
            stack.push_async_callback(pool.close)
            pg_sql = "SELECT value FROM guild_config WHERE guild_id = $1 AND key = $2"
            ways |= {
                "PostgreSQL: asyncpg by hand, one connection": lambda: raw.fetchrow(pg_sql, 1, "timezone"),
                "PostgreSQL: asyncpg by hand, pool.fetchrow": lambda: pool.fetchrow(pg_sql, 1, "timezone"),
                "PostgreSQL: our layer (pool + placeholder adapter)": lambda: pg.fetchone(
                    SELECT, (1, "timezone")
                ),
            }
            ways |= await sqlalchemy_ways(
                stack, "postgresql+asyncpg://" + url.split("://", 1)[1], "PostgreSQL"
            )
        samples: dict[str, list[float]] = {name: [] for name in ways}
        for way in ways.values():  # warm-up: statement caches, pools
            for _ in range(100):
                await way()
        for _ in range(ROUNDS):
            for name, way in ways.items():
                begun = time.perf_counter()
                for _ in range(QUERIES // ROUNDS):
                    await way()
                samples[name].append((time.perf_counter() - begun) / (QUERIES // ROUNDS) * 1e6)
    return {name: (min(values), statistics.median(values)) for name, values in samples.items()}


async def sqlalchemy_ways(stack: contextlib.AsyncExitStack, url: str, label: str) -> dict[str, Query]:
    try:
        from sqlalchemy import bindparam, column, select, table, text
        from sqlalchemy.ext.asyncio import create_async_engine
    except ImportError:
        log.warning("SQLAlchemy is not installed: its lines are left out")
        return {}
    engine = create_async_engine(url)
    stack.push_async_callback(engine.dispose)
    conn = await stack.enter_async_context(engine.connect())
    guild_config = table("guild_config", column("guild_id"), column("key"), column("value"))
    core = select(guild_config.c.value).where(
        guild_config.c.guild_id == bindparam("g"), guild_config.c.key == bindparam("k")
    )
    textual = text("SELECT value FROM guild_config WHERE guild_id = :g AND key = :k")
    return {
        f"{label}: SQLAlchemy Core text(), one connection": lambda: conn.execute(
            textual, {"g": 1, "k": "timezone"}
        ),
        f"{label}: SQLAlchemy Core select(), one connection": lambda: conn.execute(
            core, {"g": 1, "k": "timezone"}
        ),
    }


def report(
    starts: list[Start], ticks: list[tuple[int, int, float, float]], costs: dict[str, float], seconds: float
) -> str:
    lines = [
        "# Benchmarks at scale",
        "",
        f"`python -m benchmarks.scale` on {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{seconds:.0f} s in all. Against the local stand-in; PostgreSQL 15 on a Unix socket (fsync off).",
        "",
        "## Start-up and memory per process",
        "",
        "From the processes' start to every guild of their shards dispatched (the stand-in decides); VmRSS and",
        "VmHWM from /proc once ready. One shard: SQLite; two processes: one PostgreSQL.",
        "",
        "| servers | layout | process | ready (s) | VmRSS (MiB) | VmHWM (MiB) |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {s.servers:,} | {s.label} | {s.process} | {s.ready:.2f} | {s.rss:.1f} | {s.hwm:.1f} |"
        for s in starts
    ]
    if ticks:
        lines += [
            "",
            "## Scheduler tick in PostgreSQL",
            "",
            "As in the main benchmark's scheduler table, on PostgreSQL: one daily-question job per server, a",
            "no-op handler, median of 9 ticks. Each claim is one leased, conditional UPDATE.",
            "",
            "| servers (jobs) | due | tick (ms) | per due job (ms) | idle tick (ms) |",
            "|---|---|---|---|---|",
        ]
        lines += [f"| {t:,} | {d:,} | {ms:.1f} | {ms / d:.2f} | {idle:.2f} |" for t, d, ms, idle in ticks]
    lines += [
        "",
        "## The SQL layer",
        "",
        f"One settings read (`{SELECT}`), {QUERIES:,} in all, in {ROUNDS} rounds that take turns between the",
        "ways, so a busy machine slows them alike; microseconds per query, best round and median round.",
        "",
        "| how | µs per query (best) | (median) |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {best:.0f} | {median:.0f} |" for name, (best, median) in costs.items()]
    return "\n".join(lines) + "\n"


async def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    begun = time.perf_counter()
    admin = os.environ.get("TEST_DATABASE_URL", "").strip() or None
    starts = await start_fleet("1 process, 1 shard", 2500, 1, 1, None)
    ticks: list[tuple[int, int, float, float]] = []
    if admin:
        async with fresh_postgres() as url:
            starts += await start_fleet("2 processes, 2 shards", 5000, 2, 2, url)
        for total, due in ((10_000, 10), (10_000, 100)):
            ms, idle = await pg_tick(total, due)
            ticks.append((total, due, ms, idle))
    else:
        log.warning("TEST_DATABASE_URL is not set: the PostgreSQL lines are left out")
    costs = await layer_costs(admin)
    text = report(starts, ticks, costs, time.perf_counter() - begun)
    (ROOT / "docs" / "benchmarks-scale.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    asyncio.run(main())
