"""The stand-in speaks sharding: /gateway/bot, [shard_id, shard_count] on IDENTIFY, one session per shard,
max_concurrency on identifies, and each session sent only its shard's guilds and interactions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.standin import StandIn
from bot.standin.gateway import shard_of
from bot.standin.server import APPLICATION_COMMAND

from .conftest import start_bot

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def standin() -> AsyncIterator[StandIn]:
    """Two shards, max_concurrency 1 and Discord's 5-second identify interval."""
    async with StandIn(shard_count=2, max_concurrency=1, identify_interval=5.0) as server:
        await server.add_guilds(11)
        yield server


class Gateway:
    """A raw gateway client: identify with a shard, then read dispatches."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def receive(self) -> dict[str, Any]:
        message = await self.ws.receive(timeout=5)
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
            return {"op": "closed", "code": self.ws.close_code}
        payload: dict[str, Any] = json.loads(message.data)
        return payload

    async def identify(self, standin: StandIn, shard: list[int]) -> dict[str, Any]:
        assert (await self.receive())["op"] == 10
        await self.ws.send_json({"op": 2, "d": {"token": standin.token, "intents": 1, "shard": shard}})
        return await self.receive()

    async def guilds_until_quiet(self) -> set[int]:
        seen: set[int] = set()
        while True:
            try:
                payload = await asyncio.wait_for(self.receive(), 0.5)
            except TimeoutError:
                return seen
            if payload.get("t") == "GUILD_CREATE":
                seen.add(int(payload["d"]["id"]))


async def connect(session: aiohttp.ClientSession, standin: StandIn) -> Gateway:
    return Gateway(await session.ws_connect(f"{standin.gateway_url}?v=10&encoding=json"))


async def test_gateway_bot_reports_shards_and_concurrency(standin: StandIn) -> None:
    headers = {"Authorization": f"Bot {standin.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(standin.api_base + "/gateway/bot", headers=headers) as r,
    ):
        body = await r.json()
    assert body["shards"] == 2
    assert body["session_start_limit"]["max_concurrency"] == 1


async def test_each_shard_gets_its_own_guilds_and_interactions(standin: StandIn) -> None:
    expected = {n: {g.id for g in standin.world.guilds.values() if shard_of(g.id, 2) == n} for n in (0, 1)}
    assert expected[0] and expected[1], "the seeded guilds should land on both shards"
    async with aiohttp.ClientSession() as session:
        zero = await connect(session, standin)
        ready = await zero.identify(standin, [0, 2])
        assert ready["t"] == "READY" and ready["d"]["shard"] == [0, 2]
        assert {int(g["id"]) for g in ready["d"]["guilds"]} == expected[0]
        assert await zero.guilds_until_quiet() == expected[0]

        # Same bucket (1 % 1 == 0 % 1) within 5 s: refused with a non-resumable INVALID_SESSION.
        one = await connect(session, standin)
        refused = await one.identify(standin, [1, 2])
        assert refused["op"] == 9 and refused["d"] is False
        assert standin.identify_rejections == 1
        await one.ws.close()

        standin.identify_interval = 0.0  # let the second shard in without waiting 5 s
        one = await connect(session, standin)
        assert (await one.identify(standin, [1, 2]))["t"] == "READY"
        assert await one.guilds_until_quiet() == expected[1]

        # A second session for a shard that has one is refused.
        again = await connect(session, standin)
        assert (await again.identify(standin, [0, 2])) == {"op": "closed", "code": 4005}
        assert [p.kind for p in standin.take_problems()] == ["gateway"]

        # An interaction goes to the session holding its guild's shard, and only there.
        for shard, gateway in ((0, zero), (1, one)):
            guild = standin.world.guilds[min(expected[shard])]
            data = {"id": "1", "name": "ping", "type": 1}
            member, channel = guild.member("member"), guild.channel("general")
            await standin.send_interaction(
                APPLICATION_COMMAND, data, guild=guild, channel=channel, member=member
            )
            payload = await gateway.receive()
            while payload.get("t") != "INTERACTION_CREATE":
                payload = await gateway.receive()
            assert int(payload["d"]["guild_id"]) == guild.id
        await zero.ws.close()
        await one.ws.close()


async def test_bad_shards_are_refused(standin: StandIn) -> None:
    async with aiohttp.ClientSession() as session:
        gateway = await connect(session, standin)
        assert (await gateway.identify(standin, [2, 2])) == {"op": "closed", "code": 4010}


async def test_thousands_of_guilds_need_sharding(standin: StandIn) -> None:
    await standin.add_guilds(2500)
    async with aiohttp.ClientSession() as session:
        unsharded = await connect(session, standin)
        assert (await unsharded.identify(standin, [0, 1])) == {"op": "closed", "code": 4011}
        sharded = await connect(session, standin)
        ready = await sharded.identify(standin, [1, 2])
        held = {int(g["id"]) for g in ready["d"]["guilds"]}
        assert 1100 < len(held) < 1400  # about half of 2,512
        assert all(shard_of(guild_id, 2) == 1 for guild_id in held)
        await sharded.ws.close()


async def test_auto_shard_count_keeps_the_configured_gateway(tmp_path: Path) -> None:
    """SHARD_COUNT=auto asks /gateway/bot how many shards, but connects to DISCORD_GATEWAY_URL (a proxy),
    not to the URL /gateway/bot names."""
    async with StandIn(shard_count=2, max_concurrency=2) as server:
        server.advertised_gateway_url = "ws://127.0.0.1:9/gateway"  # nothing listens there
        bot = await start_bot(server, tmp_path)
        try:
            assert sorted(s.shard for s in server.sessions.values() if s.valid) == [(0, 2), (1, 2)]
            assert any(r.path == "/gateway/bot" for r in server.requests)
        finally:
            await bot.stop()
