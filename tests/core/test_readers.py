"""Gathering a reader: spoiler channels, threads under them, and saved progress."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot.readers import is_spoiler_place

pytestmark = pytest.mark.asyncio

SPOILERS = 10


class _Config:
    async def is_spoiler_channel(self, guild_id: int, channel_id: int) -> bool:
        return channel_id == SPOILERS


def _bot() -> Any:
    return SimpleNamespace(db=SimpleNamespace(config=_Config()))


def _thread(thread_id: int, parent_id: int) -> discord.Thread:
    thread = discord.Thread.__new__(discord.Thread)
    thread.id, thread.parent_id = thread_id, parent_id
    return thread


async def test_a_thread_under_a_spoiler_channel_is_a_spoiler_place() -> None:
    assert await is_spoiler_place(_bot(), 1, _thread(99, SPOILERS), 99)
    assert not await is_spoiler_place(_bot(), 1, _thread(98, 11), 98)


async def test_channels_and_direct_messages() -> None:
    assert await is_spoiler_place(_bot(), 1, None, SPOILERS)
    assert not await is_spoiler_place(_bot(), 1, None, 11)
    assert not await is_spoiler_place(_bot(), None, None, SPOILERS)
