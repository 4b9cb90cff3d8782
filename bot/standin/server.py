"""A local Discord: REST under /api/v10 and a gateway websocket, enough for an unmodified discord.py bot.

The stand-in runs inside the caller's event loop. Everything it learns is kept in plain Python objects
(`world`, `messages`, `interactions`, `requests`, ...) and every change wakes `wait_until` callers, so tests
wait for events instead of sleeping.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import importlib
import itertools
import json
import logging
import math
import re
import secrets
import time
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from bot.standin import limits

log = logging.getLogger(__name__)

DISCORD_EPOCH_MS = 1_420_070_400_000
SEED_EPOCH_MS = 1_704_067_200_000  # 2024-01-01: seeded objects get ids from here, deterministically
WEBHOOK_TOKEN_LIFETIME = 15 * 60.0
NONCE_WINDOW = 5 * 60.0  # how long Discord remembers an enforced message nonce
JSON = "application/json"

# Gateway intents and opcodes used here.
INTENT_GUILDS = 1 << 0
INTENT_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_SCHEDULED_EVENTS = 1 << 16
OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_PRESENCE, OP_VOICE_STATE = 0, 1, 2, 3, 4
OP_RESUME, OP_RECONNECT, OP_REQUEST_MEMBERS, OP_INVALID_SESSION, OP_HELLO, OP_HEARTBEAT_ACK = (
    6,
    7,
    8,
    9,
    10,
    11,
)

# Interaction and callback types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
EDITABLE_FLAGS = (1 << 2) | (1 << 12) | limits.FLAG_COMPONENTS_V2


class Perm:
    """Permission bits the stand-in computes with."""

    CREATE_INSTANT_INVITE = 1 << 0
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_EVENTS = 1 << 33
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38
    CREATE_EVENTS = 1 << 44
    ALL = (1 << 51) - 1

    EVERYONE = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CONNECT
        | SPEAK
        | USE_APPLICATION_COMMANDS
        | SEND_MESSAGES_IN_THREADS
    )
    MODERATOR = MANAGE_GUILD | MANAGE_MESSAGES | MANAGE_EVENTS | CREATE_EVENTS | MANAGE_CHANNELS
    BOT = (
        VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | ADD_REACTIONS
        | USE_EXTERNAL_EMOJIS
        | MANAGE_EVENTS
        | CREATE_EVENTS
        | CREATE_PUBLIC_THREADS
        | SEND_MESSAGES_IN_THREADS
    )


def iso(moment: float | None = None) -> str:
    """An ISO-8601 UTC timestamp like Discord's."""
    return datetime.fromtimestamp(time.time() if moment is None else moment, UTC).isoformat()


class Snowflakes:
    """Snowflake ids: deterministic for the seeded world, time-based for runtime objects."""

    def __init__(self) -> None:
        self._seeded = itertools.count(1)
        self._fresh = itertools.count(1)
        self._last_ms = 0

    def seeded(self) -> int:
        """The next id of the seeded world: the same sequence on every run."""
        n = next(self._seeded)
        return ((SEED_EPOCH_MS + n // 4096 - DISCORD_EPOCH_MS) << 22) | (n % 4096)

    def fresh(self) -> int:
        """A new id whose timestamp is now, strictly increasing."""
        self._last_ms = max(int(time.time() * 1000), self._last_ms)
        return ((self._last_ms - DISCORD_EPOCH_MS) << 22) | (next(self._fresh) % 4_194_304)


# --- world ----------------------------------------------------------------------------------------------


@dataclass(eq=False)
class User:
    """A Discord user."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(eq=False)
class Role:
    """A guild role."""

    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    bot_id: int | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(eq=False)
class Overwrite:
    """A channel permission overwrite for a role (type 0) or a member (type 1)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass(eq=False)
class Channel:
    """A guild text (0) or voice (2) channel, or a DM (1)."""

    id: int
    guild_id: int | None
    name: str
    type: int = 0
    position: int = 0
    overwrites: list[Overwrite] = field(default_factory=list)
    topic: str | None = None
    recipient: User | None = None

    def payload(self) -> dict[str, Any]:
        if self.type == 1:
            recipients = [self.recipient.payload()] if self.recipient else []
            return {
                "id": str(self.id),
                "type": 1,
                "recipients": recipients,
                "last_message_id": None,
                "flags": 0,
            }
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [o.payload() for o in self.overwrites],
            "parent_id": None,
            "nsfw": False,
            "flags": 0,
        }
        if self.type == 2:
            data.update(
                bitrate=64000, user_limit=0, rtc_region=None, last_message_id=None, rate_limit_per_user=0
            )
        else:
            data.update(topic=self.topic, last_message_id=None, rate_limit_per_user=0)
        return data


@dataclass(eq=False)
class Member:
    """A user's membership of a guild."""

    user: User
    roles: list[int]
    joined_at: str
    nick: str | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "user": self.user.payload(),
            "roles": [str(r) for r in self.roles],
            "joined_at": self.joined_at,
            "nick": self.nick,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "avatar": None,
            "premium_since": None,
            "communication_disabled_until": None,
        }


@dataclass(eq=False)
class Guild:
    """A guild with its roles, channels, members and scheduled events."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    events: dict[int, dict[str, Any]] = field(default_factory=dict)
    locale: str = "en-US"

    def channel(self, name_or_id: str | int) -> Channel:
        for channel in self.channels.values():
            if channel.name == str(name_or_id).lstrip("#") or str(channel.id) == str(name_or_id):
                return channel
        raise KeyError(f"no channel {name_or_id!r} in guild {self.name!r}")

    def member(self, name_or_id: str | int) -> Member:
        for member in self.members.values():
            if member.user.username == str(name_or_id) or str(member.user.id) == str(name_or_id):
                return member
        raise KeyError(f"no member {name_or_id!r} in guild {self.name!r}")

    def role(self, name_or_id: str | int) -> Role:
        for role in self.roles.values():
            if role.name == str(name_or_id) or str(role.id) == str(name_or_id):
                return role
        raise KeyError(f"no role {name_or_id!r} in guild {self.name!r}")

    def base_permissions(self, member: Member) -> int:
        """Guild-level permissions of a member."""
        if member.user.id == self.owner_id:
            return Perm.ALL
        perms = self.roles[self.id].permissions
        for role_id in member.roles:
            role = self.roles.get(role_id)
            perms |= role.permissions if role else 0
        return Perm.ALL if perms & Perm.ADMINISTRATOR else perms

    def permissions(self, member: Member, channel: Channel | None = None) -> int:
        """Permissions of a member, in a channel if given, after overwrites (Discord's algorithm)."""
        perms = self.base_permissions(member)
        if channel is None or perms & Perm.ADMINISTRATOR:
            return perms
        by_target = {(o.type, o.id): o for o in channel.overwrites}
        everyone = by_target.get((0, self.id))
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in member.roles:
            overwrite = by_target.get((0, role_id))
            if overwrite:
                allow, deny = allow | overwrite.allow, deny | overwrite.deny
        perms = (perms & ~deny) | allow
        own = by_target.get((1, member.user.id))
        if own:
            perms = (perms & ~own.deny) | own.allow
        return perms if perms & Perm.VIEW_CHANNEL else 0

    def summary(self) -> dict[str, Any]:
        """The guild object without members and channels (REST GET /guilds/{id})."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.locale,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "description": None,
            "vanity_url_code": None,
            "max_members": 500000,
        }


class World:
    """Users and guilds, seeded with a film club: roles, channels and named members."""

    def __init__(self, ids: Snowflakes, bot_user: User) -> None:
        self.ids = ids
        self.bot = bot_user
        self.users: dict[int, User] = {bot_user.id: bot_user}
        self.guilds: dict[int, Guild] = {}
        self.dm_channels: dict[int, Channel] = {}

    def user(self, name: str) -> User:
        """The user with this name, created (deterministically) on first use."""
        for user in self.users.values():
            if user.username == name:
                return user
        user = User(self.ids.seeded(), name, global_name=name.capitalize())
        self.users[user.id] = user
        return user

    def add_guild(self, name: str, *, member_names: Iterable[str] = ("mod", "member", "member2")) -> Guild:
        """A guild seeded like the film club: roles, four channels, the bot and the named members."""
        owner = self.user("owner")
        guild = Guild(self.ids.seeded(), name, owner.id)
        guild.roles[guild.id] = Role(guild.id, "@everyone", Perm.EVERYONE, 0)
        moderators = Role(self.ids.seeded(), "Moderators", Perm.MODERATOR, 1)
        bot_role = Role(self.ids.seeded(), self.bot.username, Perm.BOT, 2, managed=True, bot_id=self.bot.id)
        guild.roles.update({moderators.id: moderators, bot_role.id: bot_role})
        for position, channel_name in enumerate(("general", "spoilers", "announcements")):
            channel = Channel(self.ids.seeded(), guild.id, channel_name, 0, position)
            guild.channels[channel.id] = channel
        locked = guild.channel("announcements")
        locked.topic = "Club news. Only moderators post here."
        locked.overwrites.append(Overwrite(self.bot.id, 1, deny=Perm.SEND_MESSAGES | Perm.VIEW_CHANNEL))
        screening = Channel(self.ids.seeded(), guild.id, "screening", 2, 3)
        guild.channels[screening.id] = screening
        joined = iso(SEED_EPOCH_MS / 1000)
        guild.members[owner.id] = Member(owner, [], joined)
        guild.members[self.bot.id] = Member(self.bot, [bot_role.id], joined)
        for member_name in member_names:
            user = self.user(member_name)
            roles = [moderators.id] if member_name == "mod" else []
            guild.members[user.id] = Member(user, roles, joined)
        self.guilds[guild.id] = guild
        return guild

    def add_members(self, guild: Guild, count: int, prefix: str = "fan") -> list[Member]:
        """Add `count` plain members named prefix1, prefix2, ... (continuing after existing ones)."""
        start = sum(
            1 for m in guild.members.values() if re.fullmatch(re.escape(prefix) + r"\d+", m.user.username)
        )
        added = []
        for n in range(start + 1, start + count + 1):
            member = Member(self.user(f"{prefix}{n}"), [], iso())
            guild.members[member.user.id] = member
            added.append(member)
        return added

    def find_channel(self, channel_id: int) -> tuple[Guild | None, Channel] | None:
        """The guild (None for DMs) and channel with this id."""
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild, guild.channels[channel_id]
        dm = self.dm_channels.get(channel_id)
        return (None, dm) if dm else None

    def dm_channel(self, user: User) -> Channel:
        """The bot's DM channel with a user, opened on first use."""
        for channel in self.dm_channels.values():
            if channel.recipient is user:
                return channel
        channel = Channel(self.ids.fresh(), None, f"dm-{user.username}", 1, recipient=user)
        self.dm_channels[channel.id] = channel
        return channel


# --- messages and interactions --------------------------------------------------------------------------


@dataclass(eq=False)
class Message:
    """A message as the stand-in stores it; edits are applied in place, deletes only mark it."""

    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    poll: dict[str, Any] | None = None
    type: int = 0
    timestamp: str = field(default_factory=iso)
    edited_timestamp: str | None = None
    interaction_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    webhook_id: int | None = None
    message_reference: dict[str, Any] | None = None
    reactions: dict[str, set[int]] = field(default_factory=dict)
    deleted: bool = False
    version: int = 0

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & FLAG_LOADING)

    def apply(self, fields: Mapping[str, Any], *, edit: bool = True) -> None:
        """Apply the fields a create or edit payload carries; null clears a field."""
        if "content" in fields:
            self.content = fields["content"] or ""
        if "embeds" in fields:
            self.embeds = [dict(e, type=e.get("type", "rich")) for e in fields["embeds"] or []]
        if "components" in fields:
            self.components = _with_component_ids(fields["components"] or [])
        if "attachments" in fields and fields["attachments"] is not None:
            kept = {str(a.get("id")) for a in fields["attachments"]}
            self.attachments = [a for a in self.attachments if a["id"] in kept]
        if "poll" in fields and not edit:
            self.poll = fields["poll"]
        if edit:
            if not self.loading:  # filling in a "thinking" message is not an edit
                self.edited_timestamp = iso()
            self.flags &= ~FLAG_LOADING
            if fields.get("flags") is not None:
                self.flags = (self.flags & ~EDITABLE_FLAGS) | (int(fields["flags"]) & EDITABLE_FLAGS)
        self.version += 1

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self.attachments,
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "type": self.type,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(self.webhook_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
        if self.poll is not None:
            data["poll"] = self.poll
        if self.reactions:
            data["reactions"] = [
                {"emoji": {"id": None, "name": name}, "count": len(users), "me": False, "burst_colors": []}
                for name, users in self.reactions.items()
            ]
        return data


def _with_component_ids(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copy components, numbering those without an `id` the way Discord does."""
    copied = json.loads(json.dumps(components))
    used = {c["id"] for c in limits.walk_components(copied) if isinstance(c.get("id"), int)}
    counter = itertools.count(1)
    for component in limits.walk_components(copied):
        if "id" not in component:
            number = next(n for n in counter if n not in used)
            component["id"] = number  # type: ignore[index]
    return copied


@dataclass(eq=False)
class InteractionRecord:
    """One interaction the stand-in created, and everything the bot did in answer."""

    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user_id: int
    data: dict[str, Any]
    payload: dict[str, Any]
    created_at: float
    session_id: str
    source_message_id: int | None = None
    callback_type: int | None = None
    callback_data: dict[str, Any] | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    activity: int = 0

    @property
    def modal(self) -> dict[str, Any] | None:
        return self.callback_data if self.callback_type == MODAL else None

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        if self.callback_type != AUTOCOMPLETE_RESULT:
            return None
        return list((self.callback_data or {}).get("choices") or [])


@dataclass
class RecordedRequest:
    """One REST request the stand-in received."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    at: float
    status: int = 0

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@dataclass
class Problem:
    """Something a test should fail on: a payload over a limit, an unhandled route, a bad acknowledgement."""

    kind: str
    where: str
    detail: str
    at: float = field(default_factory=time.time)

    def __str__(self) -> str:
        return f"[{self.kind}] {self.where}: {self.detail}"


class ApiError(Exception):
    """An error answer in Discord's shape."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


def unknown(what: str, code: int) -> ApiError:
    return ApiError(404, code, f"Unknown {what}")


# --- gateway --------------------------------------------------------------------------------------------


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


# --- the stand-in ---------------------------------------------------------------------------------------


@dataclass
class _Request:
    method: str
    path: str
    params: dict[str, str]
    query: Mapping[str, str]
    json: Any
    files: list[dict[str, Any]]


Handler = Callable[[_Request], Awaitable[web.StreamResponse]]


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool
    bucket: str


@dataclass
class _Injected429:
    remaining: int
    path_prefix: str | None
    method: str | None
    retry_after: float
    status: int = 429
    after_handling: bool = False  # serve the request, then answer with the error anyway


def _response(data: Any = None, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    if data is None and status == 204:
        return web.Response(status=204, headers=headers)
    body = json.dumps(data, separators=(",", ":")).encode()
    all_headers = {"Content-Type": JSON, **(headers or {})}
    return web.Response(body=body, status=status, headers=all_headers)


def make_token(app_id: int) -> str:
    """A token shaped like Discord's: base64url(app id) . 'Stand' . 27 url-safe characters."""
    first = base64.urlsafe_b64encode(str(app_id).encode()).decode().rstrip("=")
    last = base64.urlsafe_b64encode(hashlib.sha256(f"stand-in {app_id}".encode()).digest()).decode()[:27]
    return f"{first}.Stand.{last}"


class StandIn:
    """The fake Discord. `async with StandIn() as standin:` serves it on a free loopback port."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        heartbeat_interval_ms: int = 41250,
        interaction_deadline: float = 3.0,
        reject_invalid: bool = True,
        guild_name: str = "Film Club",
    ) -> None:
        self.host, self.port = host, port
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_deadline = interaction_deadline
        self.reject_invalid = reject_invalid
        self.ids = Snowflakes()
        self.app_id = self.ids.seeded()
        self.token = make_token(self.app_id)
        self.bot_user = User(self.app_id, "FilmClubBot", global_name="Film Club Bot", bot=True)
        self.world = World(self.ids, self.bot_user)
        self.guild = self.world.add_guild(guild_name)
        self.commands: dict[int | None, dict[int, dict[str, Any]]] = {}
        self.messages: dict[int, Message] = {}
        self._nonces: dict[tuple[int, str], tuple[int, float]] = {}
        self.nonce_duplicates = 0
        self.interactions: dict[int, InteractionRecord] = {}
        self._by_token: dict[str, InteractionRecord] = {}
        self.requests: list[RecordedRequest] = []
        self.problems: list[Problem] = []
        self.sessions: dict[str, Session] = {}
        self.identify_count = 0
        self.resume_count = 0
        self.gateway_messages: list[dict[str, Any]] = []
        self.command_activity_at = 0.0
        self.command_requests_in_flight = 0
        self._injected: list[_Injected429] = []
        self.guild_create_delay = 0.0  # seconds between READY and the GUILD_CREATEs after an IDENTIFY
        self._connections: set[_Connection] = set()
        self._changed = asyncio.Event()
        self.version = 0  # counts changes: every `notify`
        self._started = False
        self._routes: list[_Route] = []
        self._runner: web.AppRunner | None = None
        self._register_routes()

    # -- lifecycle ----------------------------------------------------------------------------------------

    async def start(self) -> StandIn:
        """Serve on the configured host and port (port 0 picks a free one)."""
        self._started = True
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._api)
        app.router.add_route("*", "/{tail:.*}", self._api)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        log.info("stand-in serving on %s", self.base_url)
        return self

    async def stop(self) -> None:
        """Close every gateway connection and stop serving."""
        for connection in list(self._connections):
            with contextlib.suppress(Exception):
                await connection.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> StandIn:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    def env(
        self, *, database_path: str, dev_guild: bool | int = False, log_level: str = "INFO"
    ) -> dict[str, str]:
        """The environment a bot process needs to talk to this stand-in."""
        env = {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
            "DATABASE_PATH": database_path,
            "LOG_LEVEL": log_level,
        }
        if dev_guild:
            env["DEV_GUILD_ID"] = str(self.guild.id if dev_guild is True else dev_guild)
        return env

    # -- waiting ------------------------------------------------------------------------------------------

    def notify(self) -> None:
        """Wake everything waiting in `wait_until`."""
        self.version += 1
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_until(
        self,
        predicate: Callable[[], Any],
        timeout: float,  # noqa: ASYNC109
        *,
        what: str = "condition",
        recheck: float | None = None,
    ) -> Any:
        """Wait until `predicate()` is truthy, woken by stand-in changes; TimeoutError names `what`.

        `recheck` also re-evaluates every so many seconds, for predicates that depend on the clock.
        """
        if not self._started:
            raise RuntimeError("the stand-in is not started")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._changed
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what}")
            wait = remaining if recheck is None else min(remaining, recheck)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), wait)

    # -- problems -----------------------------------------------------------------------------------------

    def record_problem(self, kind: str, where: str, detail: str) -> None:
        self.problems.append(Problem(kind, where, detail))
        log.warning("stand-in %s at %s: %s", kind, where, detail)

    def take_problems(self, kind: str | None = None) -> list[Problem]:
        """Remove and return recorded problems (of one kind if given): a test that expects them takes them.

        Kinds: "payload violation" (over a Discord limit), "unhandled route" (REST or gateway op the stand-in
        does not serve), "interaction error" (late, repeated or invalid acknowledgement), "gateway".
        """
        taken = [p for p in self.problems if kind is None or p.kind == kind]
        self.problems = [p for p in self.problems if p not in taken]
        return taken

    def inject_429(
        self,
        count: int = 1,
        *,
        path_prefix: str | None = None,
        method: str | None = None,
        retry_after: float = 0.2,
    ) -> None:
        """Answer the next `count` matching REST requests with a 429 like Discord's (with `Via`)."""
        self._injected.append(_Injected429(count, path_prefix, method, retry_after))

    def inject_error(
        self,
        count: int = 1,
        status: int = 500,
        *,
        path_prefix: str | None = None,
        method: str | None = None,
        after_handling: bool = False,
    ) -> None:
        """Answer the next `count` matching REST requests with a server error such as 500 or 503.

        With `after_handling` the request takes effect first (a callback lands, a message is posted) and
        the error comes back anyway, as when Discord's edge fails after its backend did the work.
        """
        self._injected.append(_Injected429(count, path_prefix, method, 0.0, status, after_handling))

    def clear_injected(self) -> None:
        """Drop every injected fault not used up yet."""
        self._injected.clear()

    def _take_injected(self, method: str, path: str) -> _Injected429 | None:
        for injected in self._injected:
            if injected.remaining <= 0:
                continue
            if injected.path_prefix and not path.startswith(injected.path_prefix):
                continue
            if injected.method and injected.method.upper() != method:
                continue
            injected.remaining -= 1
            return injected
        return None

    # -- REST plumbing ------------------------------------------------------------------------------------

    def _route(self, method: str, pattern: str, handler: Handler, *, auth: bool = True) -> None:
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")
        self._routes.append(_Route(method, regex, handler, auth, f"{method} {pattern}"))

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        if request.content_type == "multipart/form-data":
            form = await request.post()
            payload: Any = None
            files: list[dict[str, Any]] = []
            for name, value in form.items():
                if name == "payload_json":
                    raw = value.file.read() if isinstance(value, web.FileField) else value
                    payload = json.loads(raw.decode() if isinstance(raw, (bytes, bytearray)) else str(raw))
                elif isinstance(value, web.FileField):
                    content = value.file.read()
                    files.append(
                        {
                            "field": name,
                            "filename": value.filename,
                            "size": len(content),
                            "content_type": value.content_type,
                        }
                    )
            return payload, files
        if not request.can_read_body:
            return None, []
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return raw.decode(errors="replace"), []

    async def _api(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info.get("tail", "")
        path = "/" + tail
        body, files = await self._read_body(request)
        record = RecordedRequest(request.method, path, dict(request.query), body, time.time())
        self.requests.append(record)
        try:
            response = await self._answer(request, record, body, files)
        except ApiError as error:
            response = _response(error.body(), error.status, _ratelimit_headers(path))
        record.status = response.status
        self.notify()
        return response

    async def _answer(
        self, request: web.Request, record: RecordedRequest, body: Any, files: list[dict[str, Any]]
    ) -> web.StreamResponse:
        if not request.path.startswith("/api/v10/"):
            self.record_problem("unhandled route", f"{request.method} {request.path}", "not under /api/v10")
            raise ApiError(404, 0, "404: Not Found")
        injected = self._take_injected(record.method, record.path)
        if injected is not None and not injected.after_handling:
            return _injected_response(record.path, injected)
        response = await self._serve(request, record, body, files)
        return response if injected is None else _injected_response(record.path, injected)

    async def _serve(
        self, request: web.Request, record: RecordedRequest, body: Any, files: list[dict[str, Any]]
    ) -> web.StreamResponse:
        for route in self._routes:
            match = route.pattern.match(record.path)
            if match is None or route.method != record.method:
                continue
            if route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
                raise ApiError(401, 0, "401: Unauthorized")
            call = _Request(record.method, record.path, match.groupdict(), request.query, body, files)
            response = await route.handler(call)
            response.headers.update(_ratelimit_headers(route.bucket))
            return response
        self.record_problem(
            "unhandled route", f"{record.method} {record.path}", "the stand-in does not serve it"
        )
        raise ApiError(404, 0, "404: Not Found")

    def _register_routes(self) -> None:
        r = self._route
        r("GET", "/users/@me", self._get_me)
        r("GET", "/users/{user_id}", self._get_user)
        r("POST", "/users/@me/channels", self._open_dm)
        r("GET", "/oauth2/applications/@me", self._get_application)
        r("GET", "/applications/@me", self._get_application)
        r("GET", "/gateway", self._get_gateway, auth=False)
        r("GET", "/gateway/bot", self._get_gateway)
        for prefix in ("/applications/{app_id}", "/applications/{app_id}/guilds/{guild_id}"):
            r("GET", prefix + "/commands", self._list_commands)
            r("PUT", prefix + "/commands", self._put_commands)
            r("POST", prefix + "/commands", self._post_command)
            r("GET", prefix + "/commands/{command_id}", self._get_command)
            r("PATCH", prefix + "/commands/{command_id}", self._patch_command)
            r("DELETE", prefix + "/commands/{command_id}", self._delete_command)
        r("GET", "/applications/{app_id}/guilds/{guild_id}/commands/permissions", self._command_permissions)
        r("POST", "/interactions/{interaction_id}/{token}/callback", self._callback, auth=False)
        r("POST", "/webhooks/{app_id}/{token}", self._followup, auth=False)
        for method in ("GET", "PATCH", "DELETE"):
            r(method, "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message, auth=False)
        r("GET", "/channels/{channel_id}", self._get_channel)
        r("GET", "/channels/{channel_id}/messages", self._list_messages)
        r("POST", "/channels/{channel_id}/messages", self._create_message)
        r("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message)
        r("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_message)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message)
        r("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._react)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._unreact)
        r("POST", "/channels/{channel_id}/typing", self._typing)
        r("GET", "/guilds/{guild_id}", self._get_guild)
        r("GET", "/guilds/{guild_id}/channels", self._get_guild_channels)
        r("GET", "/guilds/{guild_id}/roles", self._get_roles)
        r("GET", "/guilds/{guild_id}/members", self._list_members)
        r("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member)
        r("GET", "/guilds/{guild_id}/scheduled-events", self._list_events)
        r("POST", "/guilds/{guild_id}/scheduled-events", self._create_event)
        r("GET", "/guilds/{guild_id}/scheduled-events/{event_id}", self._get_event)
        r("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", self._edit_event)
        r("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}", self._delete_event)

    def _validate(self, where: str, violations: list[limits.Violation]) -> None:
        """Record violations; reject the request like Discord (50035) unless `reject_invalid` is off."""
        if not violations:
            return
        for violation in violations:
            self.record_problem("payload violation", where, str(violation))
        if self.reject_invalid:
            errors = {
                v.path or "_": {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": v.problem}]}
                for v in violations
            }
            raise ApiError(400, 50035, "Invalid Form Body", errors)

    # -- users, application, gateway info ----------------------------------------------------------------

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

    async def _get_gateway(self, _: _Request) -> web.StreamResponse:
        limit = {"total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1}
        return _response({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    # -- application commands -----------------------------------------------------------------------------

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

    # -- gateway ------------------------------------------------------------------------------------------

    @property
    def active_session(self) -> Session | None:
        """The newest valid session: where interactions are sent."""
        valid = [s for s in self.sessions.values() if s.valid]
        return max(valid, key=lambda s: s.number) if valid else None

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
        for old in self.sessions.values():
            if old.connection is None:
                old.valid = False
        self.identify_count += 1
        loop = asyncio.get_running_loop()
        session = Session(
            secrets.token_hex(16),
            self.identify_count,
            int(data.get("intents") or 0),
            min(max(int(data.get("large_threshold") or 50), 50), 250),
            identified_at=loop.time(),
        )
        self.sessions[session.id] = session
        connection.session = session
        session.connection = connection
        ready: dict[str, Any] = {
            "v": 10,
            "user": self.bot_user.payload() | {"verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g), "unavailable": True} for g in self.world.guilds],
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
            ready["shard"] = data["shard"]
        await self._dispatch_to(session, "READY", ready)
        if self.guild_create_delay:  # a slow start: the guilds arrive after the client gave up waiting
            await asyncio.sleep(self.guild_create_delay)
        for guild in list(self.world.guilds.values()):
            await self._dispatch_to(
                session, "GUILD_CREATE", self.guild_create(guild, session) | {"unavailable": False}
            )
        session.guilds_dispatched_at = loop.time()
        self.notify()

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
            "threads": [],
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
        """Send a dispatch to every valid session whose intents include `intent`."""
        for session in list(self.sessions.values()):
            if session.valid and (session.intents & intent or intent == 0):
                await self._dispatch_to(session, event, data)

    async def drop_gateway(self, code: int | None = 4000) -> None:
        """Close the active session's websocket (a resumable code by default; None aborts the TCP link)."""
        session = self.active_session
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

    # -- world changes ------------------------------------------------------------------------------------

    async def add_guild(self, name: str) -> Guild:
        """Create a seeded guild; connected bots receive GUILD_CREATE as if they had just joined it."""
        guild = self.world.add_guild(name)
        for session in list(self.sessions.values()):
            if session.valid:
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

    # -- messages -----------------------------------------------------------------------------------------

    def channel_messages(self, channel_id: int, *, include_ephemeral: bool = False) -> list[Message]:
        """A channel's messages oldest first, deleted ones left out (ephemeral ones too unless asked)."""
        found = [
            m
            for m in self.messages.values()
            if m.channel_id == channel_id and not m.deleted and (include_ephemeral or not m.ephemeral)
        ]
        return sorted(found, key=lambda m: m.id)

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

    # -- guilds -------------------------------------------------------------------------------------------

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

    # -- scheduled events ---------------------------------------------------------------------------------

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

    # -- interactions -------------------------------------------------------------------------------------

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
        """Create an interaction and dispatch INTERACTION_CREATE to the active session."""
        session = self.active_session
        if session is None:
            raise RuntimeError("no bot has identified with the stand-in")
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
        await self._dispatch_to(session, "INTERACTION_CREATE", payload)
        self.notify()
        return record

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
            await self._announce("MESSAGE_CREATE", message)
            return message
        if kind in (DEFERRED_UPDATE, UPDATE_MESSAGE):
            source = self.messages.get(record.source_message_id or 0)
            if source is None:
                raise self._interaction_error(record, unknown("Message", 10008), "no message to update")
            record.original_message_id = source.id
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

    def _touch_interactions(self, message: Message) -> None:
        """A channel edit of a message counts as activity for interactions that came from or made it."""
        for record in self.interactions.values():
            if message.id in (record.source_message_id, record.original_message_id):
                record.activity += 1


def _merged(message: Message, data: Mapping[str, Any]) -> dict[str, Any]:
    """What a message would look like after an edit, for limit checks."""
    current: dict[str, Any] = {
        "content": message.content,
        "embeds": message.embeds,
        "components": message.components,
        "flags": message.flags,
        "attachments": message.attachments,
    }
    current.update({k: v for k, v in data.items() if k in current and k != "attachments"})
    return current


def _ratelimit_headers(bucket: str) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": hashlib.md5(bucket.encode()).hexdigest()[:16],
    }


def _injected_response(path: str, injected: _Injected429) -> web.Response:
    if injected.status == 429:
        return _rate_limited(path, injected.retry_after)
    body = {"message": f"{injected.status}: injected server error", "code": 0}
    return _response(body, injected.status)


def _rate_limited(path: str, retry_after: float) -> web.Response:
    headers = {
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Bucket": hashlib.md5(path.encode()).hexdigest()[:16],
        "X-RateLimit-Scope": "user",
        "Via": "1.1 google",
    }
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
    return _response(body, 429, headers)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _parse_time(value: str) -> float:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
