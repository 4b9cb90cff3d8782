"""Guilds: their channels, roles and members, and guilds joining."""

from __future__ import annotations

from aiohttp import web

from bot.standin.core import _int, _Request, _response
from bot.standin.gateway import GatewayMixin
from bot.standin.model import INTENT_MEMBERS, unknown
from bot.standin.world import Guild, Member


class GuildsMixin(GatewayMixin):
    """Guilds: their channels, roles and members, and guilds joining."""

    def _guilds_routes(self) -> None:
        r = self._route
        r("GET", "/guilds/{guild_id}", self._get_guild)
        r("GET", "/guilds/{guild_id}/channels", self._get_guild_channels)
        r("GET", "/guilds/{guild_id}/roles", self._get_roles)
        r("GET", "/guilds/{guild_id}/members", self._list_members)
        r("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member)

    def _guild(self, req: _Request) -> Guild:
        guild = self.world.guilds.get(_int(req.params["guild_id"]))
        if guild is None:
            raise unknown("Guild", 10004)
        return guild

    async def _get_guild(self, req: _Request) -> web.StreamResponse:
        guild = self._guild(req)
        data = guild.summary()
        if req.query.get("with_counts") in ("true", "1"):
            data.update(approximate_member_count=len(guild.members), approximate_presence_count=0)
        return _response(data)

    async def _get_guild_channels(self, req: _Request) -> web.StreamResponse:
        return _response([c.payload() for c in self._guild(req).channels.values()])

    async def _get_roles(self, req: _Request) -> web.StreamResponse:
        return _response([r.payload() for r in self._guild(req).roles.values()])

    async def _list_members(self, req: _Request) -> web.StreamResponse:
        guild = self._guild(req)
        after = int(req.query.get("after", 0))
        limit = min(int(req.query.get("limit", 1)), 1000)
        members = sorted((m for m in guild.members.values() if m.user.id > after), key=lambda m: m.user.id)
        return _response([m.payload() for m in members[:limit]])

    async def _get_member(self, req: _Request) -> web.StreamResponse:
        member = self._guild(req).members.get(_int(req.params["user_id"]))
        if member is None:
            raise unknown("Member", 10007)
        return _response(member.payload())

    async def add_guild(self, name: str) -> Guild:
        """Create a seeded guild; connected bots receive GUILD_CREATE as if they had just joined it."""
        guild = self.world.add_guild(name)
        for session in list(self.sessions.values()):
            if session.valid and session.holds(guild.id):
                await self._dispatch_to(session, "GUILD_CREATE", self.guild_create(guild, session))
        self.notify()
        return guild

    async def add_guilds(self, count: int, prefix: str = "Club") -> list[Guild]:
        """Create `count` guilds named prefix 1, prefix 2, ... (for scale tests)."""
        start = len(self.world.guilds)
        return [await self.add_guild(f"{prefix} {start + n}") for n in range(1, count + 1)]

    async def add_members(
        self, count: int, *, guild: Guild | None = None, prefix: str = "fan"
    ) -> list[Member]:
        """Add plain members to a guild; bots with the members intent receive GUILD_MEMBER_ADD."""
        guild = guild or self.guild
        added = self.world.add_members(guild, count, prefix)
        for member in added:
            await self.dispatch(
                "GUILD_MEMBER_ADD", member.payload() | {"guild_id": str(guild.id)}, intent=INTENT_MEMBERS
            )
        self.notify()
        return added
