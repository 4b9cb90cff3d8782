"""Channel messages: create, edit, delete, reactions, nonces."""

from __future__ import annotations

import bisect
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot.standin import limits
from bot.standin.core import _int, _Request, _response
from bot.standin.model import (
    EDITABLE_FLAGS,
    FLAG_EPHEMERAL,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    NONCE_WINDOW,
    ApiError,
    Message,
    _merged,
    unknown,
)
from bot.standin.threads import ThreadsMixin
from bot.standin.world import Channel, Guild, Member, Perm, User


class MessagesMixin(ThreadsMixin):
    """Channel messages: create, edit, delete, reactions, nonces."""

    def _messages_routes(self) -> None:
        r = self._route
        r("GET", "/channels/{channel_id}", self._get_channel)
        r("GET", "/channels/{channel_id}/messages", self._list_messages)
        r("POST", "/channels/{channel_id}/messages", self._create_message)
        r("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message)
        r("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_message)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message)
        r("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._react)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._unreact)
        r("POST", "/channels/{channel_id}/typing", self._typing)

    def channel_messages(
        self, channel_id: int, *, include_ephemeral: bool = False, after: int = 0
    ) -> list[Message]:
        """A channel's messages oldest first (newer than id `after` if given), deleted ones left out, and
        ephemeral ones too unless asked."""
        listed = self.messages_by_channel.get(channel_id, [])  # in id order: ids only grow
        start = bisect.bisect_right(listed, after, key=lambda m: m.id) if after else 0
        return [m for m in listed[start:] if not m.deleted and (include_ephemeral or not m.ephemeral)]

    def _new_message(
        self,
        channel_id: int,
        guild_id: int | None,
        author: User,
        data: Mapping[str, Any],
        files: list[dict[str, Any]],
        **extra: Any,
    ) -> Message:
        message = Message(self.ids.fresh(), channel_id, guild_id, author, **extra)
        message.apply(data, edit=False)
        message.attachments = [self._attachment(channel_id, f) for f in files]
        self.messages[message.id] = message
        self.messages_by_channel.setdefault(channel_id, []).append(message)
        return message

    def _attachment(self, channel_id: int, file: dict[str, Any]) -> dict[str, Any]:
        attachment_id = self.ids.fresh()
        url = f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{file['filename']}"
        return {
            "id": str(attachment_id),
            "filename": file["filename"],
            "size": file["size"],
            "url": url,
            "proxy_url": url,
            "content_type": file.get("content_type"),
        }

    async def _announce(self, event: str, message: Message) -> None:
        if message.ephemeral:
            return
        intent = INTENT_GUILD_MESSAGES if message.guild_id else INTENT_DIRECT_MESSAGES
        if event == "MESSAGE_DELETE":
            data: dict[str, Any] = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id:
                data["guild_id"] = str(message.guild_id)
        else:
            data = message.payload()
        await self.dispatch(event, data, intent=intent)

    def _message_checks(self, where: str, data: Mapping[str, Any], files: list[dict[str, Any]]) -> None:
        if limits.is_empty_message(data) and not files:
            raise ApiError(400, 50006, "Cannot send an empty message")
        self._validate(where, limits.check_message(data))

    def _bot_channel(self, req: _Request, needed: int) -> tuple[Guild | None, Channel]:
        found = self.world.find_channel(_int(req.params["channel_id"]))
        if found is None:
            raise unknown("Channel", 10003)
        guild, channel = found
        if guild is not None:
            perms = guild.permissions(guild.members[self.bot_user.id], channel)
            if not perms & Perm.VIEW_CHANNEL:
                raise ApiError(403, 50001, "Missing Access")
            if perms & needed != needed:
                raise ApiError(403, 50013, "Missing Permissions")
        return guild, channel

    def _channel_message(self, req: _Request) -> tuple[Guild | None, Channel, Message]:
        guild, channel = self._bot_channel(req, Perm.READ_MESSAGE_HISTORY)
        message = self.messages.get(_int(req.params["message_id"]))
        if message is None or message.deleted or message.ephemeral or message.channel_id != channel.id:
            raise unknown("Message", 10008)
        return guild, channel, message

    async def _get_channel(self, req: _Request) -> web.StreamResponse:
        found = self.world.find_channel(_int(req.params["channel_id"]))
        if found is None:
            raise unknown("Channel", 10003)
        return _response(found[1].payload())

    async def _list_messages(self, req: _Request) -> web.StreamResponse:
        _, channel = self._bot_channel(req, Perm.READ_MESSAGE_HISTORY)
        found = self.channel_messages(channel.id)
        limit = min(int(req.query.get("limit", 50)), 100)
        if "before" in req.query:
            found = [m for m in found if m.id < int(req.query["before"])]
        if "after" in req.query:
            found = [m for m in found if m.id > int(req.query["after"])][:limit]
        return _response([m.payload() for m in reversed(found[-limit:])])

    async def _create_message(self, req: _Request) -> web.StreamResponse:
        guild, channel = self._bot_channel(req, Perm.SEND_MESSAGES)
        data = req.json if isinstance(req.json, dict) else {}
        self._message_checks(f"POST {req.path}", data, req.files)
        self._check_thread_post(guild, channel)
        if data.get("flags") and int(data["flags"]) & FLAG_EPHEMERAL:
            self._validate(
                f"POST {req.path}", [limits.Violation("flags", "only interaction replies can be ephemeral")]
            )
        duplicate = self._nonce_duplicate(channel.id, data)
        if duplicate is not None:
            return _response(duplicate.payload())
        reference = data.get("message_reference")
        message = self._new_message(
            channel.id,
            guild.id if guild else None,
            self.bot_user,
            data,
            req.files,
            flags=int(data.get("flags") or 0) & EDITABLE_FLAGS,
            type=19 if reference else 0,
            message_reference=reference,
        )
        if data.get("enforce_nonce") and data.get("nonce") is not None:
            self._nonces[(channel.id, str(data["nonce"]))] = (message.id, time.monotonic())
        await self._announce("MESSAGE_CREATE", message)
        return _response(message.payload())

    def _nonce_duplicate(self, channel_id: int, data: Mapping[str, Any]) -> Message | None:
        """Discord's enforce_nonce: the same nonce in a channel within a few minutes returns the first message."""
        if not data.get("enforce_nonce") or data.get("nonce") is None:
            return None
        seen = self._nonces.get((channel_id, str(data["nonce"])))
        if seen is None or time.monotonic() - seen[1] > NONCE_WINDOW:
            return None
        message = self.messages.get(seen[0])
        if message is not None:
            self.nonce_duplicates += 1
        return message

    async def _get_message(self, req: _Request) -> web.StreamResponse:
        return _response(self._channel_message(req)[2].payload())

    async def _edit_message(self, req: _Request) -> web.StreamResponse:
        _, _, message = self._channel_message(req)
        if message.author is not self.bot_user:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        data = req.json if isinstance(req.json, dict) else {}
        self._validate(f"PATCH {req.path}", limits.check_message(_merged(message, data)))
        message.apply(data)
        await self._announce("MESSAGE_UPDATE", message)
        self._touch_interactions(message)
        return _response(message.payload())

    async def _delete_message(self, req: _Request) -> web.StreamResponse:
        guild, channel, message = self._channel_message(req)
        if message.author is not self.bot_user and guild is not None:
            perms = guild.permissions(guild.members[self.bot_user.id], channel)
            if not perms & Perm.MANAGE_MESSAGES:
                raise ApiError(403, 50013, "Missing Permissions")
        message.deleted = True
        message.version += 1
        await self._announce("MESSAGE_DELETE", message)
        self._touch_interactions(message)
        return _response(None, 204)

    async def _react(self, req: _Request) -> web.StreamResponse:
        _, _, message = self._channel_message(req)
        message.reactions.setdefault(req.params["emoji"], set()).add(self.bot_user.id)
        message.version += 1
        return _response(None, 204)

    async def _unreact(self, req: _Request) -> web.StreamResponse:
        _, _, message = self._channel_message(req)
        message.reactions.get(req.params["emoji"], set()).discard(self.bot_user.id)
        message.version += 1
        return _response(None, 204)

    async def _typing(self, req: _Request) -> web.StreamResponse:
        self._bot_channel(req, Perm.SEND_MESSAGES)
        return _response(None, 204)

    async def post_as(self, member: Member, channel: Channel, content: str) -> Message:
        """A member writes in a channel; bots with the messages intent receive MESSAGE_CREATE."""
        guild = self.world.guilds.get(channel.guild_id) if channel.guild_id else None
        message = self._new_message(channel.id, channel.guild_id, member.user, {"content": content}, [])
        data = message.payload()
        if guild is not None:
            data["member"] = {k: v for k, v in member.payload().items() if k != "user"}
        await self.dispatch("MESSAGE_CREATE", data, intent=INTENT_GUILD_MESSAGES)
        self.notify()
        return message

    def _touch_interactions(self, message: Message) -> None:
        """A channel edit of a message counts as activity for interactions that came from or made it."""
        for record in self.interactions_by_message.get(message.id, ()):
            record.activity += 1
