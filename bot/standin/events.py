"""Guild scheduled events."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot.standin import limits
from bot.standin.core import _int, _parse_time, _Request, _response
from bot.standin.guilds import GuildsMixin
from bot.standin.model import INTENT_SCHEDULED_EVENTS, ApiError, unknown
from bot.standin.world import Guild, Perm


class EventsMixin(GuildsMixin):
    """Guild scheduled events."""

    def _events_routes(self) -> None:
        r = self._route
        r("GET", "/guilds/{guild_id}/scheduled-events", self._list_events)
        r("POST", "/guilds/{guild_id}/scheduled-events", self._create_event)
        r("GET", "/guilds/{guild_id}/scheduled-events/{event_id}", self._get_event)
        r("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", self._edit_event)
        r("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}", self._delete_event)

    def _event_guild(self, req: _Request) -> Guild:
        guild = self._guild(req)
        perms = guild.permissions(guild.members[self.bot_user.id])
        if not perms & (Perm.MANAGE_EVENTS | Perm.CREATE_EVENTS):
            raise ApiError(403, 50013, "Missing Permissions")
        return guild

    def _event(self, req: _Request) -> tuple[Guild, dict[str, Any]]:
        guild = self._guild(req)
        event = guild.events.get(_int(req.params["event_id"]))
        if event is None:
            raise unknown("Guild Scheduled Event", 10070)
        return guild, event

    def _event_time_checks(self, where: str, data: Mapping[str, Any]) -> None:
        start = data.get("scheduled_start_time")
        if start and _parse_time(start) < time.time():
            self._validate(where, [limits.Violation("scheduled_start_time", "must be in the future")])
        end = data.get("scheduled_end_time")
        if start and end and _parse_time(end) <= _parse_time(start):
            self._validate(where, [limits.Violation("scheduled_end_time", "must be after the start")])

    async def _list_events(self, req: _Request) -> web.StreamResponse:
        return _response(list(self._guild(req).events.values()))

    async def _get_event(self, req: _Request) -> web.StreamResponse:
        return _response(self._event(req)[1])

    async def _create_event(self, req: _Request) -> web.StreamResponse:
        guild = self._event_guild(req)
        data = req.json if isinstance(req.json, dict) else {}
        where = f"POST {req.path}"
        self._validate(where, limits.check_scheduled_event(data))
        self._event_time_checks(where, data)
        channel_id = data.get("channel_id")
        if channel_id is not None and _int(channel_id) not in guild.channels:
            raise ApiError(
                400, 50035, "Invalid Form Body", {"channel_id": {"_errors": [{"message": "unknown"}]}}
            )
        event_id = self.ids.fresh()
        event = {
            "id": str(event_id),
            "guild_id": str(guild.id),
            "channel_id": None if channel_id is None else str(channel_id),
            "creator_id": str(self.bot_user.id),
            "creator": self.bot_user.payload(),
            "name": data.get("name"),
            "description": data.get("description"),
            "scheduled_start_time": data.get("scheduled_start_time"),
            "scheduled_end_time": data.get("scheduled_end_time"),
            "privacy_level": data.get("privacy_level", 2),
            "status": 1,
            "entity_type": data.get("entity_type"),
            "entity_id": None,
            "entity_metadata": data.get("entity_metadata"),
            "user_count": 0,
            "image": None,
            "recurrence_rule": data.get("recurrence_rule"),
        }
        guild.events[event_id] = event
        await self.dispatch("GUILD_SCHEDULED_EVENT_CREATE", event, intent=INTENT_SCHEDULED_EVENTS)
        return _response(event)

    async def _edit_event(self, req: _Request) -> web.StreamResponse:
        self._event_guild(req)
        _, event = self._event(req)
        data = req.json if isinstance(req.json, dict) else {}
        where = f"PATCH {req.path}"
        self._validate(where, limits.check_scheduled_event({**event, **data}, partial=True))
        if "scheduled_start_time" in data:
            self._event_time_checks(where, {**event, **data})
        for key, value in data.items():
            event[key] = str(value) if key == "channel_id" and value is not None else value
        await self.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", event, intent=INTENT_SCHEDULED_EVENTS)
        return _response(event)

    async def _delete_event(self, req: _Request) -> web.StreamResponse:
        self._event_guild(req)
        guild, event = self._event(req)
        del guild.events[int(event["id"])]
        await self.dispatch("GUILD_SCHEDULED_EVENT_DELETE", event, intent=INTENT_SCHEDULED_EVENTS)
        return _response(None, 204)
