"""The gateway: websocket sessions, IDENTIFY and RESUME, dispatches."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import secrets
import time
import zlib
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from bot.standin.core import StandInCore, _int, _Request, _response
from bot.standin.model import (
    INTENT_GUILDS,
    INTENT_MEMBERS,
    OP_DISPATCH,
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_HELLO,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_PRESENCE,
    OP_RECONNECT,
    OP_REQUEST_MEMBERS,
    OP_RESUME,
    OP_VOICE_STATE,
)
from bot.standin.world import Guild, Perm

log = logging.getLogger(__name__)


class _Connection:
    """One gateway websocket, with its transport compression."""

    def __init__(
        self, ws: web.WebSocketResponse, compress: str | None, transport: asyncio.BaseTransport | None
    ) -> None:
        self.ws = ws
        self.transport = transport
        self.dropped = False  # closed by the stand-in on purpose: the session stays resumable
        self.lock = asyncio.Lock()
        self.session: Session | None = None
        self.compress = compress
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd = _zstd_compressor() if compress == "zstd-stream" else None

    async def send(self, payload: Mapping[str, Any]) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        async with self.lock:
            await self._send_locked(text)

    async def _send_locked(self, text: str) -> None:
        if self.ws.closed:
            return
        try:
            if self._zlib is not None:
                data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)
            elif self._zstd is not None:
                await self.ws.send_bytes(self._zstd(text.encode()))
            else:
                await self.ws.send_str(text)
        except (ConnectionError, RuntimeError) as error:
            log.debug("gateway send failed: %s", error)


def _zstd_compressor() -> Callable[[bytes], bytes] | None:
    """A per-connection zstd stream compressor flushing each message, if a zstd module is importable."""
    try:
        zstandard: Any = importlib.import_module("zstandard")
    except ImportError:
        pass
    else:
        stream = zstandard.ZstdCompressor().compressobj()
        flush_block = zstandard.COMPRESSOBJ_FLUSH_BLOCK
        return lambda data: bytes(stream.compress(data) + stream.flush(flush_block))
    try:
        stdlib: Any = importlib.import_module("compression.zstd")
    except ImportError:
        return None
    compressor = stdlib.ZstdCompressor()
    return lambda data: bytes(compressor.compress(data, mode=stdlib.ZstdCompressor.FLUSH_BLOCK))


def zstd_available() -> bool:
    """Whether the stand-in can speak zstd-stream (discord.py asks for it when it can decode it)."""
    return _zstd_compressor() is not None


@dataclass(eq=False)
class Session:
    """A gateway session: sequence numbers and the dispatches a RESUME replays."""

    id: str
    number: int
    intents: int
    large_threshold: int
    connection: _Connection | None = None
    sequence: int = 0
    sent: deque[tuple[int, dict[str, Any]]] = field(default_factory=lambda: deque(maxlen=20000))
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    valid: bool = True
    guilds_dispatched_at: float | None = None
    identified_at: float = 0.0
    shard: tuple[int, int] = (0, 1)  # [shard_id, shard_count] from IDENTIFY

    def holds(self, guild_id: int | None) -> bool:
        """Whether this session receives the guild's events (DMs go to shard 0, as on Discord)."""
        shard_id, count = self.shard
        return (0 if guild_id is None else shard_of(guild_id, count)) == shard_id


def shard_of(guild_id: int, shard_count: int) -> int:
    """Discord's shard formula."""
    return (guild_id >> 22) % shard_count


GUILDS_PER_SHARD = 2500  # above this Discord refuses an unsharded session (close code 4011)


def _shard(raw: Any) -> tuple[int, int] | None:
    """IDENTIFY's [shard_id, shard_count] (absent: [0, 1]); None when it is not a valid pair."""
    if raw is None:
        return (0, 1)
    try:
        shard_id, count = (int(raw[0]), int(raw[1]))
    except (TypeError, ValueError, IndexError):
        return None
    return (shard_id, count) if count >= 1 and 0 <= shard_id < count else None


class GatewayMixin(StandInCore):
    """The gateway: websocket sessions, IDENTIFY and RESUME, dispatches."""

    def _gateway_routes(self) -> None:
        r = self._route
        r("GET", "/gateway", self._get_gateway, auth=False)
        r("GET", "/gateway/bot", self._get_gateway)

    async def _get_gateway(self, _: _Request) -> web.StreamResponse:
        limit = {
            "total": 1000,
            "remaining": 1000 - self.identify_count,
            "reset_after": 86_400_000,
            "max_concurrency": self.max_concurrency,
        }
        url = self.advertised_gateway_url or self.gateway_url
        return _response({"url": url, "shards": self.shard_count, "session_start_limit": limit})

    @property
    def active_session(self) -> Session | None:
        """The newest valid session: where interactions are sent when there is one shard."""
        valid = [s for s in self.sessions.values() if s.valid]
        return max(valid, key=lambda s: s.number) if valid else None

    def session_for(self, guild_id: int | None) -> Session | None:
        """The newest valid session holding the guild's shard: where its events and interactions go."""
        valid = [s for s in self.sessions.values() if s.valid and s.holds(guild_id)]
        return max(valid, key=lambda s: s.number) if valid else None

    def shard_guilds(self, shard: tuple[int, int]) -> list[Guild]:
        """The guilds a session for this [shard_id, shard_count] receives."""
        shard_id, count = shard
        return [g for g in self.world.guilds.values() if shard_of(g.id, count) == shard_id]

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        compress = request.query.get("compress")
        if compress == "zstd-stream" and not zstd_available():
            self.record_problem(
                "gateway", "connect", "client asked for zstd-stream but no zstd module is present"
            )
            await ws.close(code=4000, message=b"zstd unavailable")
            return ws
        connection = _Connection(ws, compress, request.transport)
        self._connections.add(connection)
        try:
            if request.query.get("encoding", "json") != "json":
                await ws.close(code=4002, message=b"Only json encoding is supported")
                return ws
            await connection.send(
                {
                    "op": OP_HELLO,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                    "s": None,
                    "t": None,
                }
            )
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._on_gateway_message(connection, json.loads(message.data))
                elif message.type is WSMsgType.BINARY:
                    await ws.close(code=4002, message=b"Error while decoding payload")
        finally:
            self._connections.discard(connection)
            self._detach(connection)
        return ws

    def _detach(self, connection: _Connection) -> None:
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
            # A client closing with 1000/1001 ends its session; any other close can be resumed.
            if not connection.dropped and connection.ws.close_code in (1000, 1001):
                session.valid = False
        self.notify()

    async def _on_gateway_message(self, connection: _Connection, message: dict[str, Any]) -> None:
        op, data = message.get("op"), message.get("d")
        self.gateway_messages.append({"op": op, "at": time.time()})
        if op == OP_HEARTBEAT:
            await connection.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            await self._identify(connection, data or {})
        elif op == OP_RESUME:
            await self._resume(connection, data or {})
        elif op == OP_REQUEST_MEMBERS:
            await self._request_members(connection, data or {})
        elif op in (OP_PRESENCE, OP_VOICE_STATE):
            pass
        else:
            self.record_problem("unhandled route", f"GATEWAY op {op}", json.dumps(message)[:200])

    async def _identify(self, connection: _Connection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        if connection.session is not None:
            await connection.ws.close(code=4005, message=b"Already authenticated.")
            return
        shard = _shard(data.get("shard"))
        if shard is None:
            await connection.ws.close(code=4010, message=b"Invalid shard.")
            return
        if shard[1] == 1 and len(self.world.guilds) > GUILDS_PER_SHARD:
            await connection.ws.close(code=4011, message=b"Sharding required.")
            return
        loop = asyncio.get_running_loop()
        if not await self._identify_allowed(connection, shard, loop.time()):
            return
        for old in self.sessions.values():
            if old.connection is None and old.shard == shard:
                old.valid = False
        self.identify_count += 1
        session = Session(
            secrets.token_hex(16),
            self.identify_count,
            int(data.get("intents") or 0),
            min(max(int(data.get("large_threshold") or 50), 50), 250),
            identified_at=loop.time(),
            shard=shard,
        )
        self.sessions[session.id] = session
        connection.session = session
        session.connection = connection
        guilds = self.shard_guilds(shard)
        ready: dict[str, Any] = {
            "v": 10,
            "user": self.bot_user.payload() | {"verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.app_id), "flags": (1 << 13) | (1 << 15) | (1 << 19) | (1 << 23)},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "auth": {},
            "_trace": ["stand-in"],
        }
        if data.get("shard"):
            ready["shard"] = list(shard)
        await self._dispatch_to(session, "READY", ready)
        if self.guild_create_delay:  # a slow start: the guilds arrive after the client gave up waiting
            await asyncio.sleep(self.guild_create_delay)
        for guild in guilds:
            if guild.id not in self.guild_outages:
                await self._dispatch_to(
                    session, "GUILD_CREATE", self.guild_create(guild, session) | {"unavailable": False}
                )
        session.guilds_dispatched_at = loop.time()
        self.notify()

    async def _identify_allowed(self, connection: _Connection, shard: tuple[int, int], now: float) -> bool:
        """Discord's rules: one session per shard, and one identify per bucket per interval."""
        live = [s for s in self.sessions.values() if s.valid and s.shard == shard and s.connection]
        if live and self.one_session_per_shard:
            self.record_problem("gateway", f"IDENTIFY shard {list(shard)}", "the shard already has a session")
            await connection.ws.close(code=4005, message=b"Shard already has a session.")
            return False
        bucket = shard[0] % self.max_concurrency
        last = self._bucket_identified_at.get(bucket)
        if last is not None and now - last < self.identify_interval - 0.05:
            self.identify_rejections += 1
            log.info(
                "identify for shard %s refused: bucket %d identified %.2fs ago", shard, bucket, now - last
            )
            await connection.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return False
        self._bucket_identified_at[bucket] = now
        return True

    async def _resume(self, connection: _Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if data.get("token") != self.token:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        if session is None or not session.valid:
            await connection.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        async with session.lock:
            previous = session.connection
            connection.session = session
            session.connection = connection
            seq = int(data.get("seq") or 0)
            for number, payload in list(session.sent):
                if number > seq:
                    await connection.send(payload)
        if previous is not None and previous is not connection:
            with contextlib.suppress(Exception):
                await previous.ws.close(code=4000)
        self.resume_count += 1
        await self._dispatch_to(session, "RESUMED", {"_trace": ["stand-in"]})
        self.notify()

    async def _request_members(self, connection: _Connection, data: dict[str, Any]) -> None:
        guild = self.world.guilds.get(_int(data.get("guild_id")))
        session = connection.session
        if guild is None or session is None:
            return
        members = list(guild.members.values())
        wanted = {_int(u) for u in data.get("user_ids") or []}
        if wanted:
            members = [m for m in members if m.user.id in wanted]
        elif data.get("query"):
            members = [m for m in members if m.user.username.lower().startswith(str(data["query"]).lower())]
        if data.get("limit"):
            members = members[: int(data["limit"])]
        chunks = [members[i : i + 1000] for i in range(0, len(members), 1000)] or [[]]
        for index, chunk in enumerate(chunks):
            payload: dict[str, Any] = {
                "guild_id": str(guild.id),
                "members": [m.payload() for m in chunk],
                "chunk_index": index,
                "chunk_count": len(chunks),
            }
            if data.get("nonce"):
                payload["nonce"] = data["nonce"]
            if wanted and index == 0:
                payload["not_found"] = [str(u) for u in wanted - {m.user.id for m in members}]
            await self._dispatch_to(session, "GUILD_MEMBERS_CHUNK", payload)

    def _active_threads(self, guild: Guild) -> list[dict[str, Any]]:
        """Threads the bot can see that are not archived, as GUILD_CREATE lists them."""
        bot = guild.members[self.bot_user.id]
        return [
            thread.payload()
            for thread in guild.threads.values()
            if not getattr(thread, "archived", False) and guild.permissions(bot, thread) & Perm.VIEW_CHANNEL
        ]

    def guild_create(self, guild: Guild, session: Session) -> dict[str, Any]:
        """The GUILD_CREATE payload a session sees (members only with the members intent, as Discord)."""
        all_members = len(guild.members) <= session.large_threshold and session.intents & INTENT_MEMBERS
        members = list(guild.members.values()) if all_members else [guild.members[self.bot_user.id]]
        return guild.summary() | {
            "joined_at": guild.members[self.bot_user.id].joined_at,
            "large": len(guild.members) > session.large_threshold,
            "member_count": len(guild.members),
            "members": [m.payload() for m in members],
            "channels": [c.payload() for c in guild.channels.values()],
            "voice_states": [],
            "presences": [],
            "threads": self._active_threads(guild),
            "stage_instances": [],
            "guild_scheduled_events": list(guild.events.values()),
            "soundboard_sounds": [],
        }

    async def _dispatch_to(self, session: Session, event: str, data: Mapping[str, Any]) -> None:
        async with session.lock:
            session.sequence += 1
            payload = {"op": OP_DISPATCH, "t": event, "s": session.sequence, "d": data}
            session.sent.append((session.sequence, payload))
            if session.connection is not None:
                await session.connection.send(payload)

    async def dispatch(self, event: str, data: Mapping[str, Any], *, intent: int = INTENT_GUILDS) -> None:
        """Send a dispatch to every valid session whose intents include `intent` and that holds the guild."""
        guild_id = _int(data.get("guild_id")) or None
        for session in list(self.sessions.values()):
            if session.valid and (session.intents & intent or intent == 0) and session.holds(guild_id):
                await self._dispatch_to(session, event, data)

    async def start_outage(self, guild: Guild) -> None:
        """A Discord outage for one guild: GUILD_DELETE with unavailable, and no GUILD_CREATE at IDENTIFY."""
        self.guild_outages.add(guild.id)
        await self.dispatch(
            "GUILD_DELETE", {"id": str(guild.id), "guild_id": str(guild.id), "unavailable": True}
        )

    async def end_outage(self, guild: Guild) -> None:
        """The guild is back: GUILD_CREATE (unavailable false) to every session that holds it."""
        self.guild_outages.discard(guild.id)
        for session in list(self.sessions.values()):
            if session.valid and session.holds(guild.id):
                await self._dispatch_to(
                    session, "GUILD_CREATE", self.guild_create(guild, session) | {"unavailable": False}
                )

    async def drop_gateway(self, code: int | None = 4000, *, session: Session | None = None) -> None:
        """Close a session's websocket (a resumable code by default; None aborts the TCP link)."""
        session = session or self.active_session
        if session is None or session.connection is None:
            raise RuntimeError("no connected gateway session to drop")
        connection = session.connection
        connection.dropped = True
        if code is None:
            if isinstance(connection.transport, asyncio.Transport):
                connection.transport.abort()
        else:
            await connection.ws.close(code=code, message=b"stand-in dropped the connection")

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client closes and resumes."""
        session = self.active_session
        if session is None or session.connection is None:
            raise RuntimeError("no connected gateway session")
        await session.connection.send({"op": OP_RECONNECT, "d": None, "s": None, "t": None})

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION: with resumable False the client must identify again."""
        session = self.active_session
        if session is None or session.connection is None:
            raise RuntimeError("no connected gateway session")
        if not resumable:
            session.valid = False
        await session.connection.send({"op": OP_INVALID_SESSION, "d": resumable, "s": None, "t": None})
