"""Start-up faults in words a club can act on, and logging in to Discord when it can't be reached yet.

Every start-up failure becomes one line on stderr (see `bot/__main__.py`): what is wrong and what to do.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import sqlite3
from pathlib import Path

import aiohttp
import discord

log = logging.getLogger("bot")

FIRST_RETRY = 1.0
MAX_RETRY = 60.0
UNREACHABLE = (
    OSError,
    aiohttp.ClientError,
    TimeoutError,
    discord.DiscordServerError,
    discord.GatewayNotFound,
)


def describe_database_error(path: Path, error: BaseException) -> str:
    """One line naming what is wrong with the database file and how to fix it."""
    detail = str(error).strip() or type(error).__name__
    text = detail.lower()
    if isinstance(error, OSError) and error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"{path} can't be created: {error.strerror or detail}. Let the bot's user write to "
            f"{path.parent}, or set DATABASE_PATH to a folder it can write to."
        )
    if (isinstance(error, OSError) and error.errno == errno.ENOSPC) or "full" in text:
        return f"the disk holding {path} is full ({detail}). Free some space there and start the bot again."
    if "readonly" in text or "read-only" in text:
        return (
            f"{path} is read-only ({detail}). Let the bot's user write to the file and its folder "
            "(SQLite keeps -wal and -shm files beside it), or set DATABASE_PATH to a writable place."
        )
    if "unable to open" in text:
        return (
            f"{path} can't be opened ({detail}). Check that its folder exists and the bot's user can "
            "read and write there, or set DATABASE_PATH to another place."
        )
    if "disk i/o" in text:
        return (
            f"reading or writing {path} failed ({detail}). Check the disk and free space, then start again."
        )
    if isinstance(error, sqlite3.DatabaseError):
        return (
            f"{path} is not a usable SQLite database ({detail}). Restore it from a backup, "
            "or move it aside and the bot will start with an empty one."
        )
    return f"{path} can't be used ({detail}). Check the file, or set DATABASE_PATH to another place."


def retry_delay(attempt: int) -> float:
    """Capped exponential backoff: 1, 2, 4, ... seconds, never more than a minute."""
    return float(min(MAX_RETRY, FIRST_RETRY * 2 ** max(0, attempt - 1)))


async def login_when_reachable(bot: discord.Client, token: str) -> None:
    """Log in, retrying with capped backoff while Discord can't be reached (one log line per attempt).

    A rejected token (LoginFailure) is not retried: it raises at once.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            await bot.login(token)
            return
        except discord.LoginFailure:
            raise
        except UNREACHABLE as exc:
            delay = retry_delay(attempt)
            reason = str(exc).strip() or type(exc).__name__
            log.warning(
                "Can't reach Discord (attempt %d: %s); trying again in %.0f s", attempt, reason, delay
            )
            await bot.http.close()
            bot.http.connector = discord.utils.MISSING  # the closed session took its connector with it
            await asyncio.sleep(delay)
