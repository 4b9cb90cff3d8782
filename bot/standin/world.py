"""The stand-in's world: users, guilds with their roles, channels and members, and snowflake ids."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000
SEED_EPOCH_MS = 1_704_067_200_000  # 2024-01-01: seeded objects get ids from here, deterministically


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
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38
    CREATE_EVENTS = 1 << 44
    PIN_MESSAGES = 1 << 51
    ALL = (1 << 52) - 1

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
    MODERATOR = (
        MANAGE_GUILD | MANAGE_MESSAGES | MANAGE_EVENTS | CREATE_EVENTS | MANAGE_CHANNELS | MANAGE_THREADS
    )
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
        | CREATE_PRIVATE_THREADS
        | SEND_MESSAGES_IN_THREADS
        | MANAGE_THREADS
        | PIN_MESSAGES
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
        self._last_fresh = 0

    def seeded(self) -> int:
        """The next id of the seeded world: the same sequence on every run.

        Each id is a millisecond later than the one before, so guilds spread across shards as real ones do.
        """
        n = next(self._seeded)
        return ((SEED_EPOCH_MS + n - DISCORD_EPOCH_MS) << 22) | (n % 4096)

    def fresh(self) -> int:
        """A new id whose timestamp is now, strictly increasing (a wrapped counter moves to the next ms)."""
        self._last_ms = max(int(time.time() * 1000), self._last_ms)
        found = ((self._last_ms - DISCORD_EPOCH_MS) << 22) | (next(self._fresh) % 4_194_304)
        if found <= self._last_fresh:
            found = self._last_fresh + 1
            self._last_ms = (found >> 22) + DISCORD_EPOCH_MS
        self._last_fresh = found
        return found


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

    def overwrite_source(self, guild: Guild) -> Channel:
        """The channel whose overwrites apply to this one (a thread takes its parent's)."""
        return self

    def restrict(self, member: Member, perms: int) -> int:
        """Limits of this kind of channel on top of its overwrites (threads add their own)."""
        return perms

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
    threads: dict[int, Channel] = field(default_factory=dict)  # bot.standin.threads.Thread objects
    locale: str = "en-US"

    def channel(self, name_or_id: str | int) -> Channel:
        """A channel or thread by name (a leading # is ignored) or id."""
        for channel in [*self.channels.values(), *self.threads.values()]:
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
        if channel is None:
            return perms
        if perms & Perm.ADMINISTRATOR:
            return channel.restrict(member, perms)
        by_target = {(o.type, o.id): o for o in channel.overwrite_source(self).overwrites}
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
        return channel.restrict(member, perms) if perms & Perm.VIEW_CHANNEL else 0

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
            if channel_id in guild.threads:
                return guild, guild.threads[channel_id]
        dm = self.dm_channels.get(channel_id)
        return (None, dm) if dm else None

    def add_text_channel(self, guild: Guild, name: str) -> Channel:
        """A new text channel at the end of the guild's list."""
        channel = Channel(self.ids.fresh(), guild.id, name, 0, len(guild.channels))
        guild.channels[channel.id] = channel
        return channel

    def dm_channel(self, user: User) -> Channel:
        """The bot's DM channel with a user, opened on first use."""
        for channel in self.dm_channels.values():
            if channel.recipient is user:
                return channel
        channel = Channel(self.ids.fresh(), None, f"dm-{user.username}", 1, recipient=user)
        self.dm_channels[channel.id] = channel
        return channel
