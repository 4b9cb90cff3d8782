"""Fault fixtures: a stand-in and bot process of their own for each fault test module, apart from the e2e ones.

The tests here kill the bot, drop its gateway, rate-limit it and lock its database, so they get their own
stand-in and process rather than sharing the e2e bot, and no module sees the settings another one left
behind. A test that needs a server nobody touched yet takes `fresh` (its own stand-in and bot). Every test
fails if the stand-in recorded a problem it did not expect (a test that provokes one on purpose takes it
with `standin.take_problems(kind)`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from bot.standin import BotProcess, Driver, StandIn
from tests.e2e.conftest import start_bot


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def standin() -> AsyncIterator[StandIn]:
    """A Discord stand-in for one fault test module."""
    async with StandIn(guild_name="Fault Club") as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def bot(standin: StandIn, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    """`python -m bot` against the module's stand-in, with a fresh database (tests restart it as needed)."""
    process = await start_bot(standin, tmp_path_factory.mktemp("faultbot"), name="faultbot")
    yield process
    await process.stop()


@dataclass
class Fresh:
    """A stand-in and a bot with a new database that only this test uses."""

    standin: StandIn
    bot: BotProcess
    driver: Driver


@pytest_asyncio.fixture(loop_scope="session")
async def fresh(tmp_path: Path) -> AsyncIterator[Fresh]:
    async with StandIn(guild_name="Fresh Club") as server:
        process = await start_bot(server, tmp_path, name="freshbot")
        try:
            yield Fresh(server, process, Driver(server, timeout=15.0))
        finally:
            await process.stop()
        problems = server.take_problems()
        if problems:
            pytest.fail("stand-in problems recorded during the test:\n" + "\n".join(map(str, problems)))


@pytest.fixture
def driver(standin: StandIn) -> Driver:
    """Acts as "member" in #general unless told otherwise."""
    return Driver(standin, timeout=15.0)


@pytest.fixture(autouse=True)
def no_standin_problems(standin: StandIn) -> Iterator[None]:
    """Fail the test on a payload over a limit, an unhandled route or a bad acknowledgement it did not expect."""
    standin.take_problems()
    yield
    problems = standin.take_problems()
    if problems:
        pytest.fail("stand-in problems recorded during the test:\n" + "\n".join(map(str, problems)))
