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

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, require_token: bool = True) -> Settings:
        """Parse and validate settings from a mapping such as os.environ."""
        token = env.get("DISCORD_TOKEN", "").strip()
        if require_token:
            _check_token(token)
        return cls(
            token=token,
            database_path=_path(env, "DATABASE_PATH", DEFAULT_DATABASE_PATH),
            films_dir=_path(env, "FILMS_DIR", DEFAULT_FILMS_DIR),
            dev_guild_id=_snowflake(env, "DEV_GUILD_ID"),
            log_level=_log_level(env),
            api_base=_url(env, "DISCORD_API_BASE", ("http", "https")),
            gateway_url=_url(env, "DISCORD_GATEWAY_URL", ("ws", "wss")),
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


def configure_logging(level: str) -> None:
    """Log to stderr, with the token redacted from every record as a safety net."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-8s %(name)s: %(message)s",
    )
    logging.getLogger("discord").setLevel(level)  # LOG_LEVEL=DEBUG shows discord.py's own debug lines too
