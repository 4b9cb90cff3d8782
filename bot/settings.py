"""Settings, read once in the entry point from the environment (and .env)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_PATH = REPO_ROOT / "state" / "filmclub.db"
DEFAULT_FILMS_DIR = REPO_ROOT / "data" / "films"

# Three dot-separated url-safe base64 parts, the shape of every Discord bot token.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{17,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
SHARD_RANGE = re.compile(r"(\d+)(?:\s*-\s*(\d+))?")
MAX_SHARDS = 4096
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the key and never echoes a secret."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        super().__init__(f"{key}: {problem}")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot is configured with. Build it with `Settings.from_env`."""

    token: str = field(repr=False)
    database_path: Path = DEFAULT_DATABASE_PATH
    films_dir: Path = DEFAULT_FILMS_DIR
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    api_base: str | None = None
    gateway_url: str | None = None
    database_url: str | None = field(default=None, repr=False)  # PostgreSQL; None: SQLite at database_path
    database_pool_size: int = 10
    shard_count: int | None = None  # None: ask Discord (/gateway/bot)
    shard_ids: tuple[int, ...] | None = None  # None: every shard

    @property
    def holds_shard_zero(self) -> bool:
        """Whether this process runs shard 0: the one process that syncs commands."""
        return self.shard_ids is None or 0 in self.shard_ids

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, require_token: bool = True) -> Settings:
        """Parse and validate settings from a mapping such as os.environ."""
        token = env.get("DISCORD_TOKEN", "").strip()
        if require_token:
            _check_token(token)
        shard_count = _shard_count(env)
        return cls(
            token=token,
            database_path=_path(env, "DATABASE_PATH", DEFAULT_DATABASE_PATH),
            films_dir=_path(env, "FILMS_DIR", DEFAULT_FILMS_DIR),
            dev_guild_id=_snowflake(env, "DEV_GUILD_ID"),
            log_level=_log_level(env),
            api_base=_url(env, "DISCORD_API_BASE", ("http", "https")),
            gateway_url=_url(env, "DISCORD_GATEWAY_URL", ("ws", "wss")),
            database_url=_database_url(env),
            database_pool_size=_bounded_int(env, "DATABASE_POOL_SIZE", 10, 1, 100),
            shard_count=shard_count,
            shard_ids=_shard_ids(env, shard_count),
        )


def _check_token(token: str) -> None:
    if not token:
        raise SettingsError(
            "DISCORD_TOKEN",
            "not set. Copy .env.example to .env and paste your bot token from the Discord Developer Portal "
            "(Applications > your app > Bot > Reset Token), or try the bot without one: python -m bot sandbox",
        )
    if not TOKEN_PATTERN.fullmatch(token):
        raise SettingsError(
            "DISCORD_TOKEN",
            "does not look like a Discord bot token (three dot-separated parts). "
            "Copy it again from the Developer Portal's Bot page.",
        )


def _path(env: Mapping[str, str], key: str, default: Path) -> Path:
    raw = env.get(key, "").strip()
    return Path(raw).expanduser() if raw else default


def _snowflake(env: Mapping[str, str], key: str) -> int | None:
    raw = env.get(key, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**64:
        raise SettingsError(key, f"must be a server id (digits only), got {raw!r}")
    return int(raw)


def _log_level(env: Mapping[str, str]) -> str:
    raw = env.get("LOG_LEVEL", "").strip().upper() or "INFO"
    if raw not in LOG_LEVELS:
        raise SettingsError("LOG_LEVEL", f"must be one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return raw


def _url(env: Mapping[str, str], key: str, schemes: tuple[str, ...]) -> str | None:
    raw = env.get(key, "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not parts.netloc:
        raise SettingsError(
            key, f"must be a {' or '.join(schemes)} URL such as {schemes[0]}://host:port/..., got {raw!r}"
        )
    return raw.rstrip("/")


def _database_url(env: Mapping[str, str]) -> str | None:
    raw = env.get("DATABASE_URL", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("postgresql", "postgres") or not (parts.netloc or "host=" in parts.query):
        # Never echo the value: it may carry a password.
        raise SettingsError(
            "DATABASE_URL",
            "must be a PostgreSQL address such as postgresql://user:password@host:5432/filmclub "
            "(leave it empty to use SQLite at DATABASE_PATH)",
        )
    return raw


def _bounded_int(env: Mapping[str, str], key: str, default: int, low: int, high: int) -> int:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SettingsError(key, f"must be a whole number from {low} to {high}, got {raw!r}")
    return int(raw)


def _shard_count(env: Mapping[str, str]) -> int | None:
    raw = env.get("SHARD_COUNT", "").strip().lower() or "auto"
    if raw == "auto":
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_SHARDS:
        raise SettingsError(
            "SHARD_COUNT", f"must be a number of shards (1 to {MAX_SHARDS}) or auto, got {raw!r}"
        )
    return int(raw)


def _shard_ids(env: Mapping[str, str], shard_count: int | None) -> tuple[int, ...] | None:
    raw = env.get("SHARD_IDS", "").strip()
    if not raw:
        return None
    try:
        ids = parse_shard_ids(raw)
    except ValueError:
        raise SettingsError("SHARD_IDS", f"must list shard ids like 0-3 or 4,5,6,7, got {raw!r}") from None
    if shard_count is None:
        raise SettingsError(
            "SHARD_IDS", "needs SHARD_COUNT set to a number, the same in every process (not auto)"
        )
    outside = [shard_id for shard_id in ids if shard_id >= shard_count]
    if outside:
        raise SettingsError(
            "SHARD_IDS",
            f"shard {outside[0]} is out of range: with SHARD_COUNT={shard_count} ids run 0-{shard_count - 1}",
        )
    return ids


def parse_shard_ids(raw: str) -> tuple[int, ...]:
    """`0-3`, `4,5,6,7` or a mix as sorted shard ids; ValueError when it is not that shape."""
    ids: set[int] = set()
    for part in (p.strip() for p in raw.split(",")):
        match = SHARD_RANGE.fullmatch(part)
        if match is None:
            raise ValueError(part)
        low, high = int(match.group(1)), int(match.group(2) or match.group(1))
        if high < low:
            raise ValueError(part)
        ids.update(range(low, high + 1))
    return tuple(sorted(ids))


def configure_logging(level: str) -> None:
    """Log to stderr, with the token redacted from every record as a safety net."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-8s %(name)s: %(message)s",
    )
    logging.getLogger("discord").setLevel(level)  # LOG_LEVEL=DEBUG shows discord.py's own debug lines too
