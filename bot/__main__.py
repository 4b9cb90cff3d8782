"""Entry point: `python -m bot` runs the bot; `python -m bot sync` syncs commands; `python -m bot sandbox`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sqlite3
import sys
from pathlib import Path

import discord
from dotenv import load_dotenv

from bot.films import FilmLibrary, PackError, load_library
from bot.settings import Settings, SettingsError, configure_logging
from bot.startup import describe_database_error, login_when_reachable
from bot.storage import Database, StorageError

log = logging.getLogger("bot")

USAGE = """usage: python -m bot [run | sync | sandbox]
  run      connect to Discord and serve (the default)
  sync     sync the slash commands to Discord now, then exit
  sandbox  try the bot against a local Discord stand-in, no token needed"""


class RedactToken(logging.Filter):
    """Replace the token wherever it might appear in a log record."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self._token and self._token in record.getMessage():
            record.msg = record.getMessage().replace(self._token, "[token]")
            record.args = None
        return True


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "run"
    if command in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    if command == "sandbox":
        from bot.sandbox import main as sandbox_main

        return sandbox_main(args[1:])
    if command not in ("run", "sync") or len(args) > 1:
        print(USAGE, file=sys.stderr)
        return 2

    load_dotenv(Path.cwd() / ".env")  # the real environment wins over .env
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(settings.token))
    try:
        return asyncio.run(_run(settings, sync_only=command == "sync"))
    except KeyboardInterrupt:
        return 130


async def _run(settings: Settings, *, sync_only: bool) -> int:
    from bot.bot import FilmClubBot, use_endpoints
    from bot.storage import database_for

    use_endpoints(settings)
    films = _load_films(settings)
    if films is None:
        return 2
    db = database_for(
        url=settings.database_url, path=settings.database_path, pool_size=settings.database_pool_size
    )
    try:
        await db.open()
        if not settings.database_url:  # SQLite: refuse a damaged file now, not halfway through a command
            await check_database(db)
    except (StorageError, sqlite3.Error, OSError) as exc:
        await db.close()
        if isinstance(exc, StorageError):
            detail = str(exc)
        elif settings.database_url:
            detail = f"PostgreSQL (DATABASE_URL) can't be used ({exc}). Check the server and the URL."
        else:
            detail = describe_database_error(settings.database_path, exc)
        print(f"error: database: {detail}", file=sys.stderr)
        return 2
    try:
        async with FilmClubBot(settings, db, films, force_sync=sync_only) as bot:
            await login_when_reachable(bot, settings.token)  # setup_hook loads the cogs (and syncs)
            if sync_only:
                return 0
            _close_on_signals(bot)
            await bot.connect()
    except discord.LoginFailure:
        print(
            "error: DISCORD_TOKEN was rejected by Discord. Reset it on the Bot page and update .env.",
            file=sys.stderr,
        )
        return 2
    except discord.PrivilegedIntentsRequired:
        print(
            "error: Discord refused the gateway intents; this bot needs no privileged ones.", file=sys.stderr
        )
        return 2
    except discord.ConnectionClosed as exc:  # a close code discord.py won't reconnect after
        print(f"error: {describe_gateway_refusal(exc.code)}", file=sys.stderr)
        return 2
    finally:
        await db.close()
    log.info("Shut down cleanly")
    return 0


def describe_gateway_refusal(code: int) -> str:
    """What a fatal gateway close code means for whoever runs the bot, and what to change."""
    if code == 4011:
        return (
            "Discord requires more shards for this many servers (at most 2,500 each). "
            "Set SHARD_COUNT=auto, or a larger SHARD_COUNT."
        )
    if code == 4010:
        return "Discord refused the shard settings. Check SHARD_COUNT and SHARD_IDS."
    return f"Discord closed the gateway connection for good (close code {code}). Check the bot's settings."


def _load_films(settings: Settings) -> FilmLibrary | None:
    """The film packs, or None after printing the one line that says why they can't be read."""
    try:
        return load_library(settings.films_dir)
    except PackError as exc:
        print(f"error: film data: {exc}", file=sys.stderr)
    except (RecursionError, MemoryError, ValueError, OSError) as exc:
        print(
            f"error: film data in {settings.films_dir} can't be read ({type(exc).__name__}). "
            "Check the packs with: python -m bot.films check",
            file=sys.stderr,
        )
    return None


async def check_database(db: Database) -> None:
    """A quick structural check, so a damaged file is refused at start and not halfway through a command."""
    result = await db.fetchone("PRAGMA quick_check")
    if result is None or str(result[0]) != "ok":
        raise sqlite3.DatabaseError(
            f"database disk image is malformed: {result[0] if result else 'no answer'}"
        )


def _close_on_signals(bot: discord.Client) -> None:
    """SIGINT and SIGTERM close the bot: tasks are stopped, then the database is closed."""
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []

    def request_close(name: str) -> None:
        log.info("%s received, shutting down", name)
        if not closing:
            closing.append(loop.create_task(bot.close()))

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows: KeyboardInterrupt still works
            loop.add_signal_handler(sig, request_close, sig.name)


if __name__ == "__main__":
    sys.exit(main())
