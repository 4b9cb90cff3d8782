"""The benchmark stand-in (per-interaction timing, routing to one bot, a global rate limit) and statistics."""

from __future__ import annotations

import asyncio
import copy
import json
import math
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.standin import BotProcess, InteractionRecord, StandIn
from bot.standin.server import Channel, Guild, Member, Message, Session, _Request

ROOT = Path(__file__).resolve().parents[1]
MINIBOT = ROOT / "tests" / "e2e" / "minibot.py"


class BenchStandIn(StandIn):
    """The stand-in, plus: when each interaction's callback arrived, which bot gets each guild's
    interactions, an optional Discord-like global limit on channel posts (50 per second, answered with a
    global 429), and, while recording, where each interaction starts in `requests` (so each request can be
    traced to it)."""

    def __init__(self) -> None:
        # The bot and the bare baseline run side by side on the same (only) shard.
        super().__init__(guild_name="Bench Club", heartbeat_interval_ms=41250, one_session_per_shard=False)
        self.callback_at: dict[int, float] = {}
        self.target: Session | None = None
        self.routes: dict[int, Session] = {}  # guild id -> the bot under test there (before `target`)
        self.post_limit: int | None = None
        self.post_window: tuple[int, int] = (0, 0)  # (second, posts in it)
        self.limited_posts = 0
        self._answered: dict[int, asyncio.Future[None]] = {}
        self.recording = False
        self.first_versions: dict[int, dict[str, Any]] = {}
        self.starts: list[tuple[int, int]] = []  # while recording: (len(requests) when sent, interaction id)
        self.quiet: Callable[[], Awaitable[object]] | None = None  # while recording: wait for the bot to idle
        self.processes: list[BotProcess] = []  # every bot started against this stand-in (startup.timed_start)

    async def __aexit__(self, *exc: object) -> None:
        """Stop any bot still running (a run that failed part-way leaves none behind), then the stand-in."""
        for process in self.processes:
            if process.running:
                await process.stop()
        await super().__aexit__(*exc)

    async def send_interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        guild: Guild,
        channel: Channel,
        member: Member,
        message: Message | None = None,
    ) -> InteractionRecord:
        """Send one interaction; while recording, only once the bot is idle, so that every request between
        two interactions' starts was made in answer to the first of them."""
        if self.recording and self.quiet is not None:
            await self.quiet()
        start = len(self.requests)
        record = await super().send_interaction(
            kind, data, guild=guild, channel=channel, member=member, message=message
        )
        if self.recording:
            self.starts.append((start, record.id))
        return record

    async def __aenter__(self) -> BenchStandIn:
        await self.start()
        return self

    @property
    def active_session(self) -> Session | None:
        target = self.target
        return target if target is not None and target.valid else super().active_session

    def session_for(self, guild_id: int | None) -> Session | None:
        route = self.routes.get(guild_id) if guild_id is not None else None
        if route is not None and route.valid:
            return route
        target = self.target
        return target if target is not None and target.valid else super().session_for(guild_id)

    async def _callback(self, req: _Request) -> web.StreamResponse:
        record_id = int(req.params["interaction_id"])
        loop = asyncio.get_running_loop()
        self.callback_at.setdefault(record_id, loop.time())
        try:
            return await super()._callback(req)
        finally:
            done = self._answered.setdefault(record_id, loop.create_future())
            if not done.done():
                done.set_result(None)

    async def wait_answered(self, record: InteractionRecord, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait for the bot's callback to one interaction (one future each: cheap with hundreds in flight)."""
        done = self._answered.setdefault(record.id, asyncio.get_running_loop().create_future())
        try:
            if record.callback_type is None and not record.errors:
                await asyncio.wait_for(done, timeout)
        finally:
            self._answered.pop(record.id, None)

    async def _create_message(self, req: _Request) -> web.StreamResponse:
        if self.post_limit is not None and not self._take_post_slot():
            self.limited_posts += 1
            retry = 1.0 - (time.time() % 1.0)
            body = {"message": "You are being rate limited.", "retry_after": retry, "global": True}
            headers = {"Retry-After": f"{retry:.3f}", "X-RateLimit-Global": "true", "Via": "1.1 google"}
            headers["Content-Type"] = "application/json"  # exactly, or discord.py reads the body as text
            return web.Response(body=json.dumps(body).encode(), status=429, headers=headers)
        known = set(self.messages) if self.recording else None
        response = await super()._create_message(req)
        if known is not None:  # keep each new message as first posted (later edits close trivia questions)
            for message_id in set(self.messages) - known:
                message = self.messages[message_id]
                self.first_versions[message_id] = {
                    "content": message.content, "embeds": copy.deepcopy(message.embeds),
                    "components": copy.deepcopy(message.components), "flags": message.flags,
                }  # fmt: skip
        return response

    def _take_post_slot(self) -> bool:
        second = int(time.time())
        start, used = self.post_window
        if start != second:
            start, used = second, 0
        self.post_window = (start, used + 1)
        return used < (self.post_limit or 0)


def minibot_process(standin: StandIn, workdir: Path, guild_id: int) -> BotProcess:
    """The bare discord.py baseline bot, syncing its commands to its own guild of the same stand-in."""
    import sys

    argv = [sys.executable, str(MINIBOT)]
    return BotProcess(standin, argv, workdir=workdir, name="minibot", env={"DEV_GUILD_ID": str(guild_id)})


def session_of(standin: StandIn, since: int, until: int | None = None) -> Session:
    """The valid session a bot identified with between identify counts `since` and `until`."""
    limit = until if until is not None else standin.identify_count
    found = [s for s in standin.sessions.values() if since < s.number <= limit and s.valid]
    if not found:
        raise RuntimeError("the bot has no session")
    return max(found, key=lambda s: s.number)


@dataclass(frozen=True)
class Summary:
    """Percentiles of a set of samples (milliseconds)."""

    n: int
    p50: float
    p99: float
    mean: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Summary:
        ms = sorted(s * 1000 for s in seconds)
        if not ms:
            return cls(0, math.nan, math.nan, math.nan)
        return cls(len(ms), percentile(ms, 50), percentile(ms, 99), statistics.fmean(ms))


def percentile(ordered: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of sorted samples."""
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB, from /proc/<pid>/status."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values["VmRSS"], values["VmHWM"]


async def wait_answered(standin: StandIn, record: InteractionRecord, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    """Wait for an interaction's answer: a future per interaction on the benchmark stand-in, else a predicate."""
    if isinstance(standin, BenchStandIn):
        await standin.wait_answered(record, timeout)
    else:
        await standin.wait_until(
            lambda: record.callback_type is not None or bool(record.errors), timeout, what="a click answer"
        )
