"""The benchmark's pacer (benchmarks/cpu.py): two bots' bursts run at once but take turns, one spell each.

The CPU ratios in docs/benchmarks.md are only fair if, at any moment, just one bot is working and both
meet the same stretch of the machine: these tests check the turn-taking itself, with no bots involved.
"""

from __future__ import annotations

import asyncio

from benchmarks.cpu import _PACER, Pacer, windowed


async def _burst(pacer: Pacer, side: str, count: int, window: int, log: list[tuple[str, str]]) -> list[int]:
    _PACER.set((pacer, side))

    async def one(i: int) -> int:
        log.append((side, "start"))
        await asyncio.sleep(0)  # let the other side try to start meanwhile
        await asyncio.sleep(0)
        log.append((side, "end"))
        return i

    try:
        return await windowed(count, window, one)
    finally:
        await pacer.finish(side)


def _spells(log: list[tuple[str, str]]) -> list[tuple[str, int]]:
    """The log as (side, units started) per uninterrupted run of one side's events."""
    spells: list[tuple[str, int]] = []
    for side, event in log:
        if not spells or spells[-1][0] != side:
            spells.append((side, 0))
        if event == "start":
            spells[-1] = (side, spells[-1][1] + 1)
    return spells


async def test_only_one_side_works_at_a_time_in_spells() -> None:
    pacer = Pacer(["bot", "bare"], spell=5)
    log: list[tuple[str, str]] = []
    results = await asyncio.wait_for(
        asyncio.gather(_burst(pacer, "bot", 23, 4, log), _burst(pacer, "bare", 23, 4, log)), 5
    )
    assert results == [list(range(23))] * 2
    busy = {"bot": 0, "bare": 0}
    for side, event in log:  # no unit of one side starts while one of the other's is in progress
        other = "bare" if side == "bot" else "bot"
        if event == "start":
            assert busy[other] == 0, log
        busy[side] += 1 if event == "start" else -1
    spells = _spells(log)
    assert [side for side, _ in spells[:4]] == ["bot", "bare", "bot", "bare"]
    assert all(started <= 5 for _, started in spells)
    assert sum(started for side, started in spells if side == "bot") == 23


async def test_a_side_that_ends_early_never_holds_the_other_up() -> None:
    pacer = Pacer(["bot", "bare"], spell=5)
    log: list[tuple[str, str]] = []
    await asyncio.wait_for(
        asyncio.gather(_burst(pacer, "bot", 3, 2, log), _burst(pacer, "bare", 40, 4, log)), 5
    )
    assert log.count(("bare", "start")) == 40


async def test_without_a_pacer_units_overlap_freely() -> None:
    """The check above can fail: unpaced, the two bursts' units interleave."""
    log: list[tuple[str, str]] = []

    async def burst(side: str) -> None:
        async def one(i: int) -> None:
            log.append((side, "start"))
            await asyncio.sleep(0)
            log.append((side, "end"))

        await windowed(10, 2, one)

    await asyncio.gather(burst("bot"), burst("bare"))
    assert len(_spells(log)) > 4
