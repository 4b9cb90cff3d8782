"""Entry point: `python -m bot` runs the bot; `python -m bot sync` syncs commands; `python -m bot sandbox`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

import discord
from dotenv import load_dotenv

from bot.settings import Settings, SettingsError, configure_logging

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
    from bot.films import PackError, load_library
    from bot.storage import StorageError, database_for

    use_endpoints(settings)
    try:
        films = load_library(settings.films_dir)
    except PackError as exc:
        print(f"error: film data: {exc}", file=sys.stderr)
        return 2
    try:
        async with (
            database_for(
                url=settings.database_url, path=settings.database_path, pool_size=settings.database_pool_size
            ) as db,
            FilmClubBot(settings, db, films, force_sync=sync_only) as bot,
        ):
            if sync_only:
                await bot.login(settings.token)  # setup_hook loads the cogs and syncs
                return 0
            _close_on_signals(bot)
            await bot.start(settings.token)
    except StorageError as exc:
        print(f"error: database: {exc}", file=sys.stderr)
        return 2
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
    log.info("Shut down cleanly")
    return 0


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
