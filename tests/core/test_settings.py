"""Settings: the token is required and never echoed; every bad value names its key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import DEFAULT_DATABASE_PATH, Settings, SettingsError

GOOD_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAx.GaBcDe.abcdefghijklmnopqrstuvwxyz0123"
REPO = Path(__file__).resolve().parents[2]


def test_good_settings_and_defaults() -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": GOOD_TOKEN})
    assert settings.token == GOOD_TOKEN
    assert settings.database_path == DEFAULT_DATABASE_PATH
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"
    assert settings.api_base is None and settings.gateway_url is None


def test_token_is_not_in_repr() -> None:
    assert GOOD_TOKEN not in repr(Settings.from_env({"DISCORD_TOKEN": GOOD_TOKEN}))


@pytest.mark.parametrize("token", ["", "   ", "not-a-token", "abc.def.ghi", GOOD_TOKEN + " extra"])
def test_missing_or_malformed_token(token: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"DISCORD_TOKEN": token})
    assert info.value.key == "DISCORD_TOKEN"
    if token.strip():
        assert token.strip() not in str(info.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("DEV_GUILD_ID", "abc"),
        ("DEV_GUILD_ID", "-5"),
        ("LOG_LEVEL", "LOUD"),
        ("DISCORD_API_BASE", "ftp://example"),
        ("DISCORD_API_BASE", "127.0.0.1:8000"),
        ("DISCORD_GATEWAY_URL", "http://127.0.0.1:1/gateway"),
    ],
)
def test_bad_values_name_their_key(key: str, value: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"DISCORD_TOKEN": GOOD_TOKEN, key: value})
    assert info.value.key == key
    assert str(info.value).startswith(f"{key}:")


def test_urls_and_ids_parse() -> None:
    settings = Settings.from_env(
        {
            "DISCORD_TOKEN": GOOD_TOKEN,
            "DEV_GUILD_ID": "123456789012345678",
            "DISCORD_API_BASE": "http://127.0.0.1:8080/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8080/gateway",
            "LOG_LEVEL": "debug",
            "DATABASE_PATH": "~/films.db",
        }
    )
    assert settings.dev_guild_id == 123456789012345678
    assert settings.api_base == "http://127.0.0.1:8080/api/v10"
    assert settings.gateway_url == "ws://127.0.0.1:8080/gateway"
    assert settings.log_level == "DEBUG"
    assert settings.database_path == Path("~/films.db").expanduser()


def _run_bot(tmp_path: Path, env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )


def test_run_without_token_exits_2_with_one_line(tmp_path: Path) -> None:
    result = _run_bot(tmp_path, {"PYTHONPATH": str(REPO)})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DISCORD_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr


def test_malformed_token_is_not_echoed(tmp_path: Path) -> None:
    secret = "definitely-wrong-secret-value"
    result = _run_bot(tmp_path, {"PYTHONPATH": str(REPO), "DISCORD_TOKEN": secret})
    assert result.returncode == 2
    assert secret not in result.stderr + result.stdout
    assert "DISCORD_TOKEN" in result.stderr


def test_token_from_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DISCORD_TOKEN=short\nLOG_LEVEL=LOUD\n")
    result = _run_bot(tmp_path, {"PYTHONPATH": str(REPO)})
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr


def test_shard_settings_default_to_auto_and_every_shard() -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": GOOD_TOKEN})
    assert settings.shard_count is None and settings.shard_ids is None
    assert settings.holds_shard_zero


@pytest.mark.parametrize(
    ("ids", "expected"),
    [("0-3", (0, 1, 2, 3)), ("4,5,6,7", (4, 5, 6, 7)), ("7, 0-1", (0, 1, 7)), ("5", (5,))],
)
def test_shard_ids_parse(ids: str, expected: tuple[int, ...]) -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": GOOD_TOKEN, "SHARD_COUNT": "8", "SHARD_IDS": ids})
    assert settings.shard_count == 8 and settings.shard_ids == expected
    assert settings.holds_shard_zero is (0 in expected)


@pytest.mark.parametrize(
    ("env", "key", "says"),
    [
        ({"SHARD_COUNT": "zero"}, "SHARD_COUNT", "or auto"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT", "1 to"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0-"}, "SHARD_IDS", "like 0-3"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "3-1"}, "SHARD_IDS", "like 0-3"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "2-4"}, "SHARD_IDS", "ids run 0-3"),
        ({"SHARD_IDS": "0-1"}, "SHARD_IDS", "SHARD_COUNT set to a number"),
        ({"SHARD_COUNT": "auto", "SHARD_IDS": "0"}, "SHARD_IDS", "SHARD_COUNT set to a number"),
    ],
)
def test_bad_shard_settings_say_what_is_wrong(env: dict[str, str], key: str, says: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"DISCORD_TOKEN": GOOD_TOKEN, **env})
    assert info.value.key == key and says in str(info.value)
    assert "\n" not in str(info.value)


def test_database_url_selects_postgres_and_is_never_echoed() -> None:
    assert Settings.from_env({"DISCORD_TOKEN": GOOD_TOKEN}).database_url is None
    url = "postgresql://bot:s3cret@db.internal:5432/filmclub"
    settings = Settings.from_env(
        {"DISCORD_TOKEN": GOOD_TOKEN, "DATABASE_URL": url, "DATABASE_POOL_SIZE": "20"}
    )
    assert settings.database_url == url and settings.database_pool_size == 20
    assert "s3cret" not in repr(settings)
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"DISCORD_TOKEN": GOOD_TOKEN, "DATABASE_URL": "mysql://bot:s3cret@db/filmclub"})
    assert info.value.key == "DATABASE_URL" and "s3cret" not in str(info.value)
    with pytest.raises(SettingsError, match="DATABASE_POOL_SIZE"):
        Settings.from_env({"DISCORD_TOKEN": GOOD_TOKEN, "DATABASE_POOL_SIZE": "0"})
