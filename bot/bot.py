"""The bot: an AutoShardedBot built from its settings, database and film data."""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import pkgutil
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import discord
import yarl
from discord.ext import commands
from discord.gateway import DiscordWebSocket

import cogs
from bot.clock import Clock, SystemClock
from bot.components import ButtonRouter
from bot.errors import on_tree_error
from bot.films import Film, FilmLibrary
from bot.pages import Drawer, ListPageButton
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.storage import Database
from bot.storage.jobs import Job, Shards

log = logging.getLogger(__name__)

FILM_KEY = "film"
TIMEZONE_KEY = "timezone"
GC_THRESHOLDS = (25_000, 20, 10)  # the collector's, once start-up is frozen (see `on_ready`)

# Exactly what the bot uses: read and post in channels, embed links, create watch-party events, and run
# the discussion rooms (threads per stage of the film, with a pinned index).
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    read_message_history=True,
    create_events=True,
    create_public_threads=True,
    create_private_threads=True,
    send_messages_in_threads=True,
    manage_threads=True,
    pin_messages=True,
)


def use_endpoints(settings: Settings) -> None:
    """Point discord.py's REST and gateway base URLs at a proxy or the local stand-in."""
    if settings.api_base:
        discord.http.Route.BASE = settings.api_base
    if settings.gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def extension_names() -> list[str]:
    """Every feature cog under cogs/: one module or package each."""
    return sorted(
        f"cogs.{module.name}"
        for module in pkgutil.iter_modules(cogs.__path__)
        if not module.name.startswith("_")
    )


def held_shards(settings: Settings) -> Shards | None:
    """The shards this process holds, or None when it holds every one."""
    if settings.shard_ids is None or settings.shard_count is None:
        return None
    return Shards(settings.shard_count, settings.shard_ids)


class FilmClubBot(commands.AutoShardedBot):
    """The film-club bot. Feature cogs reach settings, storage and film data through it.

    One process runs the shards it is given (all of them by default). Discord sends each guild's events and
    interactions to the session of its shard; the scheduler here runs only the jobs of guilds on those shards.
    """

    def __init__(
        self,
        settings: Settings,
        db: Database,
        films: FilmLibrary,
        *,
        clock: Clock | None = None,
        force_sync: bool = False,
    ) -> None:
        sharding: dict[str, Any] = {"shard_count": settings.shard_count}
        if settings.shard_ids is not None:
            sharding["shard_ids"] = list(settings.shard_ids)
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            **sharding,
        )
        self.settings = settings
        self.db = db
        self.films = films
        self.clock: Clock = clock or SystemClock()
        self.held = held_shards(settings)
        self.scheduler = Scheduler(db, self.clock, self.held, gate=self)
        self.scheduler.on_failure = self._record_job_failure
        self.scheduler.on_clock_change = lambda moved: self.dispatch("clock_changed", moved)
        self.force_sync = force_sync
        self.page_drawers: dict[str, Drawer] = {}  # paged lists by kind, see bot.pages
        self.buttons = ButtonRouter()  # every button's class, found by custom_id (bot.components)
        self.buttons.add(ListPageButton)
        self._waking_on_guilds = False
        self._frozen = False
        self.tree.error(on_tree_error)

    async def setup_hook(self) -> None:
        for name in extension_names():
            await self.load_extension(name)
        log.info("Loaded %d cogs: %s", len(self.cogs), ", ".join(sorted(self.cogs)))
        if self.force_sync or self.settings.holds_shard_zero:
            await self.sync_commands(force=self.force_sync)
        else:
            log.info("Not syncing commands: the process holding shard 0 does")
        self.scheduler.start()
        if self.application_id:
            log.info("Invite link: %s", self.invite_link())

    async def wait_ready(self) -> None:
        """For the scheduler: jobs start once the gateway is ready. From then on a guild that becomes
        available wakes it (its jobs may be waiting); the thousands of guilds streamed in before ready don't
        each cost an event task."""
        await self.wait_until_ready()
        if not self._waking_on_guilds:
            self._waking_on_guilds = True
            for event in ("on_guild_available", "on_guild_join"):
                self.add_listener(self._wake_scheduler, event)

    async def on_ready(self) -> None:
        """Once, when the gateway is first ready: what start-up built lives as long as the process (the
        cogs, the film packs, the command tree, every server's cache), so it is moved out of the garbage
        collector's reach. A full collection no longer walks it, and every interaction leaves discord.py's
        reference cycles behind, so full collections run every few hundred interactions.

        From then on the young generation is collected every `GC_THRESHOLDS[0]` allocations instead of 700:
        most of an interaction's objects are freed by reference counting long before that, so far fewer
        survive to be walked, and fewer are moved on to the older generations only to be walked again there.
        (Over a short benchmark run, with 3,000 new members answering, collections took 0.70 s of the bot's
        CPU time at 700 and 0.16 s at 25,000; its heap grew by 3 MiB more.)"""
        if not self._frozen:
            self._frozen = True
            gc.collect()
            gc.freeze()
            gc.set_threshold(*GC_THRESHOLDS)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await self.buttons.dispatch(interaction)

    def guild_ready(self, guild_id: int) -> bool:
        """For the scheduler: a guild's jobs run once the guild and the bot's member in it are cached."""
        guild = self.get_guild(guild_id)
        return guild is not None and not guild.unavailable and guild.me is not None

    async def _wake_scheduler(self, guild: discord.Guild) -> None:
        self.scheduler.wake()  # jobs waiting for this guild can run now

    async def launch_shards(self) -> None:
        """With SHARD_COUNT=auto, ask /gateway/bot for the count only: the gateway stays DISCORD_GATEWAY_URL
        (a gateway proxy), where discord.py would otherwise connect to the URL Discord names."""
        if self.shard_count is None and self.settings.gateway_url:
            self.shard_count, _, _ = await self.http.get_bot_gateway()
        await super().launch_shards()

    async def close(self) -> None:
        await self.scheduler.stop()
        await super().close()

    def invite_link(self) -> str:
        assert self.application_id is not None
        return discord.utils.oauth_url(
            self.application_id, permissions=PERMISSIONS, scopes=("bot", "applications.commands")
        )

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Sync the command tree when it changed since the last sync (or when forced)."""
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        scope = f"guild:{guild.id}" if guild else "global"
        digest = self.command_tree_hash(guild)
        meta_key = f"command_hash:{scope}"
        if not force and await self.db.config.get_meta(meta_key) == digest:
            log.info("Commands unchanged since the last sync (%s); not syncing", scope)
            return False
        synced = await self.tree.sync(guild=guild)
        await self.db.config.set_meta(meta_key, digest)
        log.info("Synced %d commands (%s)", len(synced), scope)
        return True

    def command_tree_hash(self, guild: discord.abc.Snowflake | None = None) -> str:
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
        blob = json.dumps(sorted(payload, key=lambda c: (c.get("type", 1), c["name"])), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    async def current_film(self, guild_id: int | None) -> Film:
        """The film the server is discussing (the library's default until a moderator picks one)."""
        key = await self.db.config.get(guild_id, FILM_KEY) if guild_id else None
        if key and key in self.films.films:
            return self.films.get(key)
        return self.films.get(self.films.default_key)

    async def guild_timezone(self, guild_id: int | None) -> ZoneInfo:
        """The server's configured IANA time zone, UTC until one is set."""
        name = await self.db.config.get(guild_id, TIMEZONE_KEY) if guild_id else None
        try:
            return ZoneInfo(name or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    async def _record_job_failure(self, job: Job, exc: BaseException) -> None:
        if job.guild_id is not None:
            await self.db.config.record_problem(job.guild_id, job.kind, f"{type(exc).__name__}: {exc}")
