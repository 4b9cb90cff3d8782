"""End-to-end fixtures: a Discord stand-in on loopback, the bot as a subprocess against it, and a driver.

One stand-in and one bot process serve the whole session; tests that restart the bot leave it running.
Every test fails if the stand-in recorded a problem during it: a payload over a Discord limit, a route it
does not serve, or a late or repeated interaction acknowledgement. A test that provokes one on purpose
takes it with `standin.take_problems(kind)`.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import pytest
import pytest_asyncio

from bot.standin import BotProcess, Driver, StandIn

ROOT = Path(__file__).resolve().parents[2]
MINIBOT_ARGV = [sys.executable, str(Path(__file__).with_name("minibot.py"))]
READY_TIMEOUT = 60.0


async def start_bot(
    standin: StandIn, workdir: Path, argv: Sequence[str] | None = None, *, name: str = "bot"
) -> BotProcess:
    """Start a bot process against `standin` and wait until it is ready (stopping it if it never is)."""
    process = BotProcess(standin, argv, workdir=workdir, name=name)
    await process.start()
    try:
        await process.wait_ready(READY_TIMEOUT)
    except BaseException:
        await process.stop()
        raise
    return process


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def standin() -> AsyncIterator[StandIn]:
    """The Discord stand-in, serving on a free loopback port for the whole session."""
    async with StandIn() as server:
        yield server


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def bot(standin: StandIn, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    """`python -m bot` against the stand-in with a fresh database; shared by every test of the session."""
    process = await start_bot(standin, tmp_path_factory.mktemp("bot"))
    yield process
    await process.stop()


@pytest.fixture
def driver(standin: StandIn) -> Driver:
    """Acts as the member "member" in #general of the Film Club unless told otherwise."""
    return Driver(standin)


@pytest.fixture(autouse=True)
def no_standin_problems(standin: StandIn) -> Iterator[None]:
    """Fail the test if the stand-in recorded a limit violation, unhandled route or bad acknowledgement."""
    earlier = standin.take_problems()
    if earlier:
        pytest.fail("stand-in problems recorded between tests:\n" + "\n".join(map(str, earlier)))
    yield
    problems = standin.take_problems()
    if problems:
        pytest.fail("stand-in problems recorded during the test:\n" + "\n".join(map(str, problems)))
