"""Threads: public and private threads under a text channel, their members, archiving, locking, pins.

As on Discord: a thread takes its parent's permission overwrites; in a thread, Send Messages in Threads
stands in for Send Messages; a private thread is visible only to its members and to holders of Manage
Threads; creating one needs Create Public (or Private) Threads in the parent; locking, and changing a
thread one did not start, need Manage Threads; nobody but a Manage Threads holder can post in, add to
or reopen a locked thread, and an archived thread refuses new members until it is reopened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.standin import limits
from bot.standin.core import _int, _Request, _response
from bot.standin.guilds import GuildsMixin
from bot.standin.model import INTENT_GUILDS, INTENT_MEMBERS, ApiError, unknown
from bot.standin.world import Channel, Guild, Member, Perm, iso

PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
THREAD_TYPES = (PUBLIC_THREAD, PRIVATE_THREAD)
ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)
MAX_NAME = 100


@dataclass(eq=False)
class Thread(Channel):
    """A thread: a channel with a parent, an owner, members, and archived/locked flags."""

    parent_id: int = 0
    owner_id: int = 0
    members: set[int] = field(default_factory=set)
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    auto_archive_duration: int = 10080
    archive_timestamp: str = field(default_factory=iso)

    @property
    def private(self) -> bool:
        return self.type == PRIVATE_THREAD

    def overwrite_source(self, guild: Guild) -> Channel:
        return guild.channels.get(self.parent_id, self)

    def restrict(self, member: Member, perms: int) -> int:
        if self.private and member.user.id not in self.members and not perms & Perm.MANAGE_THREADS:
            return 0
        sends = Perm.SEND_MESSAGES if perms & Perm.SEND_MESSAGES_IN_THREADS else 0
        return (perms & ~Perm.SEND_MESSAGES) | sends

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "parent_id": str(self.parent_id),
            "owner_id": str(self.owner_id),
            "name": self.name,
            "last_message_id": None,
            "message_count": 0,
            "member_count": min(len(self.members), 50),
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": self.archived,
                "auto_archive_duration": self.auto_archive_duration,
                "archive_timestamp": self.archive_timestamp,
                "locked": self.locked,
                "invitable": self.invitable,
                "create_timestamp": iso(),
            },
        }


def _member_payload(thread: Thread, user_id: int) -> dict[str, Any]:
    return {"id": str(thread.id), "user_id": str(user_id), "join_timestamp": iso(), "flags": 0}


class ThreadsMixin(GuildsMixin):
    """Threads: create, edit (archive, lock, rename), members, and pinning messages in any channel."""

    def _threads_routes(self) -> None:
        r = self._route
        r("POST", "/channels/{channel_id}/threads", self._create_thread)
        r("PATCH", "/channels/{channel_id}", self._edit_thread)
        r("GET", "/channels/{channel_id}/thread-members/{user_id}", self._get_thread_member)
        r("PUT", "/channels/{channel_id}/thread-members/{user_id}", self._add_thread_member)
        r("DELETE", "/channels/{channel_id}/thread-members/{user_id}", self._remove_thread_member)
        r("PUT", "/channels/{channel_id}/messages/pins/{message_id}", self._pin)
        r("DELETE", "/channels/{channel_id}/messages/pins/{message_id}", self._unpin)

    # -- helpers for tests and the sandbox ------------------------------------------------------------

    def threads_of(self, channel: Channel) -> list[Thread]:
        """A channel's threads, oldest first (archived ones included)."""
        guild = self.world.guilds[channel.guild_id] if channel.guild_id else self.guild
        found = [t for t in guild.threads.values() if isinstance(t, Thread) and t.parent_id == channel.id]
        return sorted(found, key=lambda t: t.id)

    def can_see(self, member: Member, channel: Channel) -> bool:
        """Whether a member can view a channel or thread (a private thread only when they are in it)."""
        guild = self.world.guilds[channel.guild_id or 0]
        return bool(guild.permissions(member, channel) & Perm.VIEW_CHANNEL)

    async def add_channel(self, name: str, *, guild: Guild | None = None) -> Channel:
        """A moderator creates a text channel; bots receive CHANNEL_CREATE."""
        guild = guild or self.guild
        channel = self.world.add_text_channel(guild, name)
        await self.dispatch("CHANNEL_CREATE", channel.payload())
        self.notify()
        return channel

    async def update_channel(self, channel: Channel) -> None:
        """After a test changed a channel (its overwrites, say): bots receive CHANNEL_UPDATE, as on Discord."""
        await self.dispatch("CHANNEL_UPDATE", channel.payload())
        self.notify()

    # -- REST -----------------------------------------------------------------------------------------

    def _thread(self, req: _Request) -> tuple[Guild, Thread, int]:
        """The thread named by the path and the bot's permissions in it (404 when it can't see it)."""
        found = self.world.find_channel(_int(req.params["channel_id"]))
        if found is None or found[0] is None or not isinstance(found[1], Thread):
            raise unknown("Channel", 10003)
        guild, thread = found[0], found[1]
        perms = guild.permissions(guild.members[self.bot_user.id], thread)
        if not perms & Perm.VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access")
        return guild, thread, perms

    async def _create_thread(self, req: _Request) -> web.StreamResponse:
        body = req.json if isinstance(req.json, dict) else {}
        kind = int(body.get("type") or PRIVATE_THREAD)
        needed = Perm.CREATE_PRIVATE_THREADS if kind == PRIVATE_THREAD else Perm.CREATE_PUBLIC_THREADS
        found = self.world.find_channel(_int(req.params["channel_id"]))
        if found is None:
            raise unknown("Channel", 10003)
        guild, parent = found
        if guild is None or parent.type != 0 or isinstance(parent, Thread):
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        perms = guild.permissions(guild.members[self.bot_user.id], parent)
        if not perms & Perm.VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access")
        if perms & needed != needed:
            raise ApiError(403, 50013, "Missing Permissions")
        name = str(body.get("name") or "")
        problems = []
        if kind not in THREAD_TYPES:
            problems.append(limits.Violation("type", f"{kind} is not a thread type for this route"))
        if not 1 <= len(name) <= MAX_NAME:
            problems.append(limits.Violation("name", f"must be 1-{MAX_NAME} characters, got {len(name)}"))
        duration = int(body.get("auto_archive_duration") or 10080)
        if duration not in ARCHIVE_DURATIONS:
            problems.append(
                limits.Violation("auto_archive_duration", f"{duration} is not one of {ARCHIVE_DURATIONS}")
            )
        self._validate(f"POST {req.path}", problems)
        thread = Thread(
            self.ids.fresh(),
            guild.id,
            name,
            kind,
            parent_id=parent.id,
            owner_id=self.bot_user.id,
            members={self.bot_user.id},
            invitable=bool(body.get("invitable", True)),
            auto_archive_duration=duration,
        )
        guild.threads[thread.id] = thread
        await self.dispatch("THREAD_CREATE", thread.payload() | {"newly_created": True})
        self.notify()
        return _response(thread.payload(), 201)

    async def _edit_thread(self, req: _Request) -> web.StreamResponse:
        _, thread, perms = self._thread(req)
        body = req.json if isinstance(req.json, dict) else {}
        manages = bool(perms & Perm.MANAGE_THREADS)
        own = thread.owner_id == self.bot_user.id
        if "locked" in body and bool(body["locked"]) != thread.locked and not manages:
            raise ApiError(403, 50013, "Missing Permissions")
        if thread.locked and not manages:
            raise ApiError(403, 50013, "Missing Permissions")
        if ("name" in body or "archived" in body) and not (manages or own):
            raise ApiError(403, 50013, "Missing Permissions")
        if "name" in body:
            name = str(body["name"] or "")
            if not 1 <= len(name) <= MAX_NAME:
                self._validate(
                    f"PATCH {req.path}", [limits.Violation("name", f"must be 1-{MAX_NAME} characters")]
                )
            thread.name = name
        if "archived" in body:
            thread.archived = bool(body["archived"])
            thread.archive_timestamp = iso()
        if "locked" in body:
            thread.locked = bool(body["locked"])
        if "invitable" in body and thread.private:
            thread.invitable = bool(body["invitable"])
        await self.dispatch("THREAD_UPDATE", thread.payload())
        self.notify()
        return _response(thread.payload())

    def _target_member(self, guild: Guild, req: _Request) -> Member:
        raw = req.params["user_id"]
        user_id = self.bot_user.id if raw == "@me" else _int(raw)
        member = guild.members.get(user_id)
        if member is None:
            raise unknown("Member", 10007)
        return member

    async def _get_thread_member(self, req: _Request) -> web.StreamResponse:
        guild, thread, _ = self._thread(req)
        member = self._target_member(guild, req)
        if member.user.id not in thread.members:
            raise unknown("Member", 10007)
        return _response(_member_payload(thread, member.user.id))

    async def _add_thread_member(self, req: _Request) -> web.StreamResponse:
        guild, thread, perms = self._thread(req)
        member = self._target_member(guild, req)
        if thread.archived:
            raise ApiError(400, 50083, "Thread is archived")
        if not perms & Perm.SEND_MESSAGES:
            raise ApiError(403, 50013, "Missing Permissions")
        if member.user.id not in thread.members:
            thread.members.add(member.user.id)
            await self._members_update(guild, thread, added=(member.user.id,))
        return _response(None, 204)

    async def _remove_thread_member(self, req: _Request) -> web.StreamResponse:
        guild, thread, perms = self._thread(req)
        member = self._target_member(guild, req)
        if member.user.id != self.bot_user.id and not perms & Perm.MANAGE_THREADS:
            raise ApiError(403, 50013, "Missing Permissions")
        if thread.archived:
            raise ApiError(400, 50083, "Thread is archived")
        if member.user.id in thread.members:
            thread.members.discard(member.user.id)
            await self._members_update(guild, thread, removed=(member.user.id,))
        return _response(None, 204)

    async def _members_update(
        self,
        guild: Guild,
        thread: Thread,
        *,
        added: tuple[int, ...] = (),
        removed: tuple[int, ...] = (),
    ) -> None:
        data = {
            "id": str(thread.id),
            "guild_id": str(guild.id),
            "member_count": min(len(thread.members), 50),
            "added_members": [_member_payload(thread, user_id) for user_id in added],
            "removed_member_ids": [str(user_id) for user_id in removed],
        }
        await self.dispatch("THREAD_MEMBERS_UPDATE", data, intent=INTENT_MEMBERS)
        self.notify()

    def _check_thread_post(self, guild: Guild | None, channel: Channel) -> None:
        """Posting in a thread: refused when locked (unless managing threads); reopens an archived one."""
        if guild is None or not isinstance(channel, Thread) or not channel.archived:
            return
        perms = guild.permissions(guild.members[self.bot_user.id], channel)
        if channel.locked and not perms & Perm.MANAGE_THREADS:
            raise ApiError(400, 50083, "Thread is archived")
        channel.archived = False

    async def _pin(self, req: _Request) -> web.StreamResponse:
        return await self._set_pinned(req, True)

    async def _unpin(self, req: _Request) -> web.StreamResponse:
        return await self._set_pinned(req, False)

    async def _set_pinned(self, req: _Request, pinned: bool) -> web.StreamResponse:
        found = self.world.find_channel(_int(req.params["channel_id"]))
        if found is None or found[0] is None:
            raise unknown("Channel", 10003)
        guild, channel = found
        if guild is None:
            raise unknown("Channel", 10003)
        perms = guild.permissions(guild.members[self.bot_user.id], channel)
        if not perms & Perm.VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access")
        if not perms & (Perm.PIN_MESSAGES | Perm.MANAGE_MESSAGES):
            raise ApiError(403, 50013, "Missing Permissions")
        message = self.messages.get(_int(req.params["message_id"]))
        if message is None or message.deleted or message.channel_id != channel.id:
            raise unknown("Message", 10008)
        message.pinned = pinned
        message.version += 1
        await self.dispatch(
            "CHANNEL_PINS_UPDATE",
            {"guild_id": str(guild.id), "channel_id": str(channel.id)},
            intent=INTENT_GUILDS,
        )
        self.notify()
        return _response(None, 204)
