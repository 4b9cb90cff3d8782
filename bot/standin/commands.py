"""Application commands, global and per guild."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot.standin import limits
from bot.standin.core import StandInCore, _int, _Request, _response
from bot.standin.model import ApiError, unknown


class CommandsMixin(StandInCore):
    """Application commands, global and per guild."""

    def _commands_routes(self) -> None:
        r = self._route
        for prefix in ("/applications/{app_id}", "/applications/{app_id}/guilds/{guild_id}"):
            r("GET", prefix + "/commands", self._list_commands)
            r("PUT", prefix + "/commands", self._put_commands)
            r("POST", prefix + "/commands", self._post_command)
            r("GET", prefix + "/commands/{command_id}", self._get_command)
            r("PATCH", prefix + "/commands/{command_id}", self._patch_command)
            r("DELETE", prefix + "/commands/{command_id}", self._delete_command)
        r("GET", "/applications/{app_id}/guilds/{guild_id}/commands/permissions", self._command_permissions)

    def _command_scope(self, req: _Request) -> int | None:
        if _int(req.params["app_id"]) != self.app_id:
            raise ApiError(403, 50001, "Missing Access")
        guild_id = req.params.get("guild_id")
        if guild_id is None:
            return None
        if _int(guild_id) not in self.world.guilds:
            raise ApiError(403, 50001, "Missing Access")
        return _int(guild_id)

    def _store_command(
        self, scope: int | None, data: Mapping[str, Any], command_id: int | None = None
    ) -> dict:
        kind = data.get("type", 1)
        existing = self.commands.setdefault(scope, {})
        if command_id is None:
            same = [c for c in existing.values() if c["name"] == data.get("name") and c["type"] == kind]
            command_id = int(same[0]["id"]) if same else self.ids.fresh()
        permissions = data.get("default_member_permissions")
        stored: dict[str, Any] = {
            "id": str(command_id),
            "application_id": str(self.app_id),
            "version": str(self.ids.fresh()),
            "type": kind,
            "name": data.get("name"),
            "description": data.get("description", ""),
            "options": json.loads(json.dumps(data.get("options") or [])),
            "default_member_permissions": None if permissions is None else str(permissions),
            "dm_permission": data.get("dm_permission", True),
            "contexts": data.get("contexts"),
            "integration_types": data.get("integration_types") or [0],
            "nsfw": data.get("nsfw", False),
            "name_localizations": data.get("name_localizations"),
            "description_localizations": data.get("description_localizations"),
        }
        if scope is not None:
            stored["guild_id"] = str(scope)
        existing[command_id] = stored
        return stored

    @contextlib.contextmanager
    def _command_activity(self) -> Any:
        self.command_requests_in_flight += 1
        try:
            yield
        finally:
            self.command_requests_in_flight -= 1
            self.command_activity_at = asyncio.get_running_loop().time()

    async def _list_commands(self, req: _Request) -> web.StreamResponse:
        with self._command_activity():
            scope = self._command_scope(req)
            return _response(list(self.commands.get(scope, {}).values()))

    async def _put_commands(self, req: _Request) -> web.StreamResponse:
        with self._command_activity():
            scope = self._command_scope(req)
            commands = req.json if isinstance(req.json, list) else []
            self._validate(f"PUT {req.path}", limits.check_commands(commands))
            old = self.commands.get(scope, {})
            self.commands[scope] = {}
            stored = []
            for data in commands:
                same = [
                    c
                    for c in old.values()
                    if c["name"] == data.get("name") and c["type"] == data.get("type", 1)
                ]
                stored.append(self._store_command(scope, data, int(same[0]["id"]) if same else None))
            return _response(stored)

    async def _post_command(self, req: _Request) -> web.StreamResponse:
        with self._command_activity():
            scope = self._command_scope(req)
            self._validate(f"POST {req.path}", limits.check_command(req.json or {}))
            others = [
                c for c in self.commands.get(scope, {}).values() if c["name"] != (req.json or {}).get("name")
            ]
            self._validate(f"POST {req.path}", limits.check_commands([*others, req.json or {}]))
            return _response(self._store_command(scope, req.json or {}), 201)

    def _find_command(self, req: _Request) -> tuple[int | None, dict[str, Any]]:
        scope = self._command_scope(req)
        command = self.commands.get(scope, {}).get(_int(req.params["command_id"]))
        if command is None:
            raise unknown("application command", 10063)
        return scope, command

    async def _get_command(self, req: _Request) -> web.StreamResponse:
        with self._command_activity():
            return _response(self._find_command(req)[1])

    async def _patch_command(self, req: _Request) -> web.StreamResponse:
        with self._command_activity():
            scope, command = self._find_command(req)
            merged = {**command, **(req.json or {})}
            self._validate(f"PATCH {req.path}", limits.check_command(merged))
            return _response(self._store_command(scope, merged, int(command["id"])))

    async def _delete_command(self, req: _Request) -> web.StreamResponse:
        with self._command_activity():
            scope, command = self._find_command(req)
            del self.commands[scope][int(command["id"])]
            return _response(None, 204)

    async def _command_permissions(self, req: _Request) -> web.StreamResponse:
        self._command_scope(req)
        return _response([])

    def visible_commands(self, guild_id: int | None) -> list[dict[str, Any]]:
        """Commands a user sees in a guild: the guild's own first, then global ones."""
        guild_commands = list(self.commands.get(guild_id, {}).values()) if guild_id is not None else []
        return guild_commands + list(self.commands.get(None, {}).values())
