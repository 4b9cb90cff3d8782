"""The stand-in's threads, called as the bot would call them: private threads, members, archive, lock, pins."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from bot.standin import StandIn
from bot.standin.server import Perm, Thread
from bot.standin.world import Overwrite

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def standin() -> AsyncIterator[StandIn]:
    """A fresh stand-in per test: these tests change the bot's permissions."""
    async with StandIn() as server:
        yield server


async def raw(standin: StandIn, method: str, path: str, body: object = None) -> tuple[int, str, object]:
    """A REST call as the bot would make it: (status, content type, json body or None for 204)."""
    headers = {"Authorization": f"Bot {standin.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, standin.api_base + path, json=body, headers=headers) as response,
    ):
        data = None if response.status == 204 else await response.json()
        return response.status, response.headers.get("Content-Type", ""), data


async def _thread(standin: StandIn, kind: int = 12) -> Thread:
    parent = standin.guild.channel("general")
    status, _, body = await raw(
        standin, "POST", f"/channels/{parent.id}/threads", {"name": "Room", "type": kind, "invitable": False}
    )
    assert status == 201, body
    assert isinstance(body, dict)
    thread = standin.guild.threads[int(body["id"])]
    assert isinstance(thread, Thread)
    return thread


async def test_private_thread_is_seen_by_its_members_and_moderators(standin: StandIn) -> None:
    thread = await _thread(standin)
    assert thread.parent_id == standin.guild.channel("general").id and thread.private
    member, mod = standin.guild.member("member"), standin.guild.member("mod")
    assert not standin.can_see(member, thread)
    assert standin.can_see(mod, thread)  # Manage Threads
    status, _, _ = await raw(standin, "PUT", f"/channels/{thread.id}/thread-members/{member.user.id}")
    assert status == 204 and standin.can_see(member, thread)
    status, _, body = await raw(standin, "GET", f"/channels/{thread.id}/thread-members/{member.user.id}")
    assert status == 200 and isinstance(body, dict) and body["user_id"] == str(member.user.id)
    assert standin.threads_of(standin.guild.channel("general")) == [thread]
    public = await _thread(standin, 11)
    assert standin.can_see(member, public)


async def test_archived_and_locked_threads_refuse_posts_and_members(standin: StandIn) -> None:
    thread = await _thread(standin)
    status, _, body = await raw(
        standin, "PATCH", f"/channels/{thread.id}", {"archived": True, "locked": True}
    )
    assert status == 200 and isinstance(body, dict) and body["thread_metadata"]["locked"]
    member = standin.guild.member("member")
    status, _, body = await raw(standin, "PUT", f"/channels/{thread.id}/thread-members/{member.user.id}")
    assert status == 400 and isinstance(body, dict) and body["code"] == 50083
    standin.guild.role("FilmClubBot").permissions &= ~Perm.MANAGE_THREADS
    status, _, body = await raw(standin, "POST", f"/channels/{thread.id}/messages", {"content": "hello"})
    assert status == 400 and isinstance(body, dict) and body["code"] == 50083


async def test_missing_thread_permissions_are_refused(standin: StandIn) -> None:
    role = standin.guild.role("FilmClubBot")
    role.permissions &= ~Perm.CREATE_PRIVATE_THREADS
    parent = standin.guild.channel("general")
    status, _, body = await raw(
        standin, "POST", f"/channels/{parent.id}/threads", {"name": "Room", "type": 12}
    )
    assert status == 403 and isinstance(body, dict) and body["code"] == 50013
    role.permissions |= Perm.CREATE_PRIVATE_THREADS
    thread = await _thread(standin)
    parent.overwrites.append(Overwrite(standin.bot_user.id, 1, deny=Perm.SEND_MESSAGES_IN_THREADS))
    status, _, body = await raw(standin, "POST", f"/channels/{thread.id}/messages", {"content": "hello"})
    assert status == 403 and isinstance(body, dict) and body["code"] == 50013
    status, _, body = await raw(standin, "PATCH", f"/channels/{thread.id}", {"name": ""})
    assert status == 400
    standin.take_problems()


async def test_pins_need_pin_permission(standin: StandIn) -> None:
    parent = standin.guild.channel("general")
    status, _, body = await raw(standin, "POST", f"/channels/{parent.id}/messages", {"content": "index"})
    assert status == 200 and isinstance(body, dict)
    message_id = body["id"]
    status, _, _ = await raw(standin, "PUT", f"/channels/{parent.id}/messages/pins/{message_id}")
    assert status == 204 and standin.messages[int(message_id)].pinned
    standin.guild.role("FilmClubBot").permissions &= ~(Perm.PIN_MESSAGES | Perm.MANAGE_MESSAGES)
    status, _, body = await raw(standin, "DELETE", f"/channels/{parent.id}/messages/pins/{message_id}")
    assert status == 403 and isinstance(body, dict) and body["code"] == 50013
