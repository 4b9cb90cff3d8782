"""Users, DM channels and the application."""

from __future__ import annotations

from aiohttp import web

from bot.standin.core import StandInCore, _int, _Request, _response
from bot.standin.model import ApiError, unknown


class UsersMixin(StandInCore):
    """Users, DM channels and the application."""

    def _users_routes(self) -> None:
        r = self._route
        r("GET", "/users/@me", self._get_me)
        r("GET", "/users/{user_id}", self._get_user)
        r("POST", "/users/@me/channels", self._open_dm)
        r("GET", "/oauth2/applications/@me", self._get_application)
        r("GET", "/applications/@me", self._get_application)

    async def _get_me(self, _: _Request) -> web.StreamResponse:
        data = self.bot_user.payload() | {
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "locale": "en-US",
        }
        return _response(data)

    async def _get_user(self, req: _Request) -> web.StreamResponse:
        user = self.world.users.get(_int(req.params["user_id"]))
        if user is None:
            raise unknown("User", 10013)
        return _response(user.payload())

    async def _open_dm(self, req: _Request) -> web.StreamResponse:
        user = self.world.users.get(_int((req.json or {}).get("recipient_id")))
        if user is None or user.bot:
            raise ApiError(400, 50007, "Cannot send messages to this user")
        return _response(self.world.dm_channel(user).payload())

    async def _get_application(self, _: _Request) -> web.StreamResponse:
        owner = self.world.user("owner")
        flags = (1 << 13) | (1 << 15) | (1 << 19) | (1 << 23)
        return _response(
            {
                "id": str(self.app_id),
                "name": self.bot_user.username,
                "description": "A local stand-in application",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": owner.payload(),
                "team": None,
                "verify_key": "0" * 64,
                "flags": flags,
                "bot": self.bot_user.payload(),
                "interactions_endpoint_url": None,
                "approximate_guild_count": len(self.world.guilds),
                "redirect_uris": [],
                "tags": [],
            }
        )
