"""Interactions: INTERACTION_CREATE, callbacks, followups and webhook messages."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from aiohttp import web

from bot.standin import limits
from bot.standin.core import _int, _Request, _response
from bot.standin.messages import MessagesMixin
from bot.standin.model import (
    ALLOWED_CALLBACKS,
    APPLICATION_COMMAND,
    CHANNEL_MESSAGE,
    DEFERRED_MESSAGE,
    DEFERRED_UPDATE,
    EDITABLE_FLAGS,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    UPDATE_MESSAGE,
    WEBHOOK_TOKEN_LIFETIME,
    ApiError,
    InteractionRecord,
    Message,
    _merged,
    unknown,
)
from bot.standin.world import Channel, Guild, Member


class InteractionsMixin(MessagesMixin):
    """Interactions: INTERACTION_CREATE, callbacks, followups and webhook messages."""

    def _interactions_routes(self) -> None:
        r = self._route
        r("POST", "/interactions/{interaction_id}/{token}/callback", self._callback, auth=False)
        r("POST", "/webhooks/{app_id}/{token}", self._followup, auth=False)
        for method in ("GET", "PATCH", "DELETE"):
            r(method, "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message, auth=False)

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
        """Create an interaction and dispatch INTERACTION_CREATE to the session holding the guild's shard."""
        session = self.session_for(guild.id)
        if session is None:
            raise RuntimeError(f"no bot session holds the shard of guild {guild.name!r}")
        interaction_id = self.ids.fresh()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        user_perms = guild.permissions(member, channel)
        bot_perms = guild.permissions(guild.members[self.bot_user.id], channel)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.app_id),
            "type": kind,
            "data": data,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
            "channel_id": str(channel.id),
            "channel": channel.payload() | {"permissions": str(user_perms)},
            "member": member.payload() | {"permissions": str(user_perms)},
            "token": token,
            "version": 1,
            "app_permissions": str(bot_perms),
            "locale": "en-US",
            "guild_locale": guild.locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message.payload()
        record = InteractionRecord(
            interaction_id,
            token,
            kind,
            guild.id,
            channel.id,
            member.user.id,
            data,
            payload,
            asyncio.get_running_loop().time(),
            session.id,
            source_message_id=message.id if message else None,
        )
        self.interactions[interaction_id] = record
        self._by_token[token] = record
        if message is not None:
            self._link(record, message.id)
        await self._dispatch_to(session, "INTERACTION_CREATE", payload)
        self.notify()
        return record

    def _link(self, record: InteractionRecord, message_id: int) -> None:
        """Index an interaction under a message it came from or made (see `_touch_interactions`)."""
        self.interactions_by_message.setdefault(message_id, []).append(record)

    def _interaction_error(self, record: InteractionRecord, error: ApiError, detail: str) -> ApiError:
        record.errors.append({"code": error.code, "message": error.message, "detail": detail})
        self.record_problem(
            "interaction error", f"interaction {record.id}", f"{error.code} {error.message}: {detail}"
        )
        return error

    async def _callback(self, req: _Request) -> web.StreamResponse:
        record = self.interactions.get(_int(req.params["interaction_id"]))
        if record is None or record.token != req.params["token"]:
            raise ApiError(404, 10062, "Unknown interaction")
        body = req.json if isinstance(req.json, dict) else {}
        kind = int(body.get("type") or 0)
        elapsed = asyncio.get_running_loop().time() - record.created_at
        if elapsed > self.interaction_deadline:
            error = ApiError(404, 10062, "Unknown interaction")
            raise self._interaction_error(record, error, f"callback {elapsed:.2f}s after the interaction")
        if record.callback_type is not None:
            error = ApiError(400, 40060, "Interaction has already been acknowledged.")
            raise self._interaction_error(record, error, f"second callback (type {kind})")
        if kind not in ALLOWED_CALLBACKS.get(record.type, set()):
            error = ApiError(400, 50035, "Invalid Form Body", {"type": {"_errors": [{"message": "invalid"}]}})
            raise self._interaction_error(
                record, error, f"callback type {kind} for interaction type {record.type}"
            )
        data = dict(body.get("data") or {})
        self._validate(f"callback type {kind}", limits.check_callback(kind, data))
        if kind == CHANNEL_MESSAGE:
            self._message_checks(f"callback type {kind}", data, req.files)
        message = await self._apply_callback(record, kind, data, req.files)
        record.callback_type, record.callback_data = kind, data
        record.activity += 1
        self.notify()
        if req.query.get("with_response") not in ("1", "true", "True"):
            return _response(None, 204)
        return _response(self._callback_response(record, kind, message))

    async def _apply_callback(
        self, record: InteractionRecord, kind: int, data: dict[str, Any], files: list[dict[str, Any]]
    ) -> Message | None:
        if kind in (CHANNEL_MESSAGE, DEFERRED_MESSAGE):
            flags = int(data.get("flags") or 0) & (EDITABLE_FLAGS | FLAG_EPHEMERAL)
            if kind == DEFERRED_MESSAGE:
                flags = (flags & FLAG_EPHEMERAL) | FLAG_LOADING
                data = {}
            message = self._new_message(
                record.channel_id,
                record.guild_id,
                self.bot_user,
                data,
                files,
                flags=flags,
                type=20 if record.type == APPLICATION_COMMAND else 0,
                interaction_id=record.id,
                interaction_metadata=self._interaction_metadata(record),
                webhook_id=self.app_id,
            )
            record.original_message_id = message.id
            self._link(record, message.id)
            await self._announce("MESSAGE_CREATE", message)
            return message
        if kind in (DEFERRED_UPDATE, UPDATE_MESSAGE):
            source = self.messages.get(record.source_message_id or 0)
            if source is None:
                raise self._interaction_error(record, unknown("Message", 10008), "no message to update")
            record.original_message_id = source.id  # the message it came from: linked already
            if kind == UPDATE_MESSAGE:
                self._validate(f"callback type {kind}", limits.check_message(_merged(source, data)))
                source.apply(data)
                if files:
                    source.attachments += [self._attachment(source.channel_id, f) for f in files]
                await self._announce("MESSAGE_UPDATE", source)
            return source
        return None

    def _interaction_metadata(self, record: InteractionRecord) -> dict[str, Any]:
        user = self.world.users[record.user_id]
        data: dict[str, Any] = {
            "id": str(record.id),
            "type": record.type,
            "user": user.payload(),
            "authorizing_integration_owners": {"0": str(record.guild_id)},
        }
        if record.type == APPLICATION_COMMAND:
            data["name"] = record.data.get("name")
        if record.source_message_id:
            data["interacted_message_id"] = str(record.source_message_id)
        return data

    def _callback_response(
        self, record: InteractionRecord, kind: int, message: Message | None
    ) -> dict[str, Any]:
        interaction: dict[str, Any] = {"id": str(record.id), "type": record.type}
        response: dict[str, Any] = {"interaction": interaction}
        if message is not None:
            interaction.update(
                response_message_id=str(message.id),
                response_message_loading=message.loading,
                response_message_ephemeral=message.ephemeral,
            )
            response["resource"] = {"type": kind, "message": message.payload()}
        return response

    def _webhook_record(self, req: _Request) -> InteractionRecord:
        record = self._by_token.get(req.params["token"])
        if record is None or _int(req.params["app_id"]) != self.app_id:
            raise unknown("Webhook", 10015)
        if asyncio.get_running_loop().time() - record.created_at > WEBHOOK_TOKEN_LIFETIME:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        if record.callback_type is None:
            raise self._interaction_error(record, unknown("Webhook", 10015), "followup before acknowledging")
        return record

    async def _followup(self, req: _Request) -> web.StreamResponse:
        record = self._webhook_record(req)
        data = req.json if isinstance(req.json, dict) else {}
        self._message_checks(f"POST /webhooks/{{app}}/{{token}} (interaction {record.id})", data, req.files)
        original = self.messages.get(record.original_message_id or 0)
        if record.callback_type == DEFERRED_MESSAGE and original is not None and original.loading:
            # The first followup after a "thinking" defer replaces the loading message.
            original.apply({k: v for k, v in data.items() if k != "flags"})
            original.attachments += [self._attachment(original.channel_id, f) for f in req.files]
            message = original
            await self._announce("MESSAGE_UPDATE", message)
        else:
            flags = int(data.get("flags") or 0) & (EDITABLE_FLAGS | FLAG_EPHEMERAL)
            metadata = self._interaction_metadata(record)
            if record.original_message_id:
                metadata["original_response_message_id"] = str(record.original_message_id)
            message = self._new_message(
                record.channel_id,
                record.guild_id,
                self.bot_user,
                data,
                req.files,
                flags=flags,
                interaction_id=record.id,
                interaction_metadata=metadata,
                webhook_id=self.app_id,
            )
            record.followup_ids.append(message.id)
            await self._announce("MESSAGE_CREATE", message)
        record.activity += 1
        self.notify()
        if req.query.get("wait") in ("0", "false", "False"):
            return _response(None, 204)
        return _response(message.payload())

    async def _webhook_message(self, req: _Request) -> web.StreamResponse:
        record = self._webhook_record(req)
        raw_id = req.params["message_id"]
        message_id = record.original_message_id if raw_id == "@original" else _int(raw_id)
        allowed = {record.original_message_id, *record.followup_ids}
        message = self.messages.get(message_id or 0)
        if message is None or message.deleted or message_id not in allowed:
            raise unknown("Message", 10008)
        if req.method == "GET":
            return _response(message.payload())
        if req.method == "DELETE":
            message.deleted = True
            message.version += 1
            await self._announce("MESSAGE_DELETE", message)
            record.activity += 1
            self.notify()
            return _response(None, 204)
        data = req.json if isinstance(req.json, dict) else {}
        self._validate(
            f"PATCH webhook message (interaction {record.id})", limits.check_message(_merged(message, data))
        )
        if limits.is_empty_message(_merged(message, data)) and not message.attachments and not req.files:
            raise ApiError(400, 50006, "Cannot send an empty message")
        message.apply(data)
        message.attachments += [self._attachment(message.channel_id, f) for f in req.files]
        await self._announce("MESSAGE_UPDATE", message)
        record.activity += 1
        self.notify()
        return _response(message.payload())
