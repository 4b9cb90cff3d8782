"""Start-up faults against the real `python -m bot`: every bad database, unreadable pack or bad setting prints
one line on stderr that names the problem and the fix, and exits 2 with no traceback. When Discord can't be
reached yet, the bot keeps trying with capped backoff, one log line per attempt, and connects once it can."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from bot.standin import BotProcess, StandIn
from bot.standin.driver import PROJECT_ROOT
from bot.storage import Database

pytestmark = pytest.mark.asyncio(loop_scope="session")

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Stand.abcdefghijklmnopqrstuvwxyz0"
NOWHERE = "http://127.0.0.1:9/api/v10"  # nothing listens there: the tests below must fail before Discord
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
UNSHARE = shutil.which("unshare")


@pytest.fixture
def place(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder anyone can enter, so the bot can also run as an unprivileged user."""
    folder = tmp_path_factory.mktemp("startup")
    for parent in (folder, *folder.parents):
        if parent == Path(tmp_path_factory.getbasetemp()).parent:
            break
        parent.chmod(0o755)
    yield folder
    for path in folder.rglob("*"):  # let pytest clean up what the tests locked
        if path.is_dir():
            path.chmod(0o755)


def unprivileged() -> list[str]:
    """A command prefix that drops root's permission override (file modes would not bind root)."""
    if not IS_ROOT:
        return []
    if UNSHARE is None:
        pytest.skip("running as root without unshare: file permissions would not apply")
    return [UNSHARE, "--user"]


def in_mount_namespace(mount: str) -> list[str]:
    """A command prefix that runs the bot with `mount` (a shell command) applied in a private mount namespace."""
    if UNSHARE is None:
        pytest.skip("unshare is not available")
    return [UNSHARE, "--user", "--map-root-user", "--mount", "sh", "-c", f'{mount} && exec "$@"', "sh"]


async def run_bot(env: dict[str, str], prefix: Sequence[str] = ()) -> tuple[int, list[str]]:
    """Run `python -m bot` to completion; its exit status and stderr lines."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    full.update(DISCORD_TOKEN=TOKEN, DISCORD_API_BASE=NOWHERE, PYTHONPATH=str(PROJECT_ROOT), LOG_LEVEL="INFO")
    full.update(env)
    process = await asyncio.create_subprocess_exec(
        *prefix,
        sys.executable,
        "-m",
        "bot",
        cwd=PROJECT_ROOT,
        env=full,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, err.decode(errors="replace").splitlines()


def assert_one_line(status: int, lines: list[str], *words: str) -> str:
    """Exit 2, no traceback, exactly one `error:` line (the last), naming the problem in `words`."""
    text = "\n".join(lines)
    assert "Traceback" not in text and 'File "' not in text, text
    errors = [line for line in lines if line.startswith("error:")]
    assert status == 2, f"exit status {status}:\n{text}"
    assert len(errors) == 1 and lines[-1] == errors[0], text
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


async def a_database(path: Path, rows: int = 400) -> Path:
    """A real, migrated database with some rows, in journal mode DELETE (one file)."""
    async with Database(path) as db:
        for n in range(rows):
            await db.config.set_meta(f"filler{n}", "x" * 200)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
    return path


async def test_random_bytes(place: Path) -> None:
    path = place / "random.db"
    path.write_bytes(os.urandom(20_000))
    assert_one_line(*await run_bot({"DATABASE_PATH": str(path)}), str(path), "not a usable SQLite", "backup")


async def test_malformed_header(place: Path) -> None:
    path = place / "malformed.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 84 + b"garbage" * 100)
    assert_one_line(*await run_bot({"DATABASE_PATH": str(path)}), "not a usable SQLite", "move it aside")


async def test_truncated_file(place: Path) -> None:
    path = await a_database(place / "truncated.db")
    os.truncate(path, path.stat().st_size // 2)
    assert_one_line(*await run_bot({"DATABASE_PATH": str(path)}), "malformed", "backup")


async def test_read_only_file(place: Path) -> None:
    path = await a_database(place / "readonly.db")
    path.chmod(0o444)
    status, lines = await run_bot({"DATABASE_PATH": str(path)}, unprivileged())
    assert_one_line(status, lines, "read-only", "write")


async def test_folder_without_write_permission(place: Path) -> None:
    folder = place / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    status, lines = await run_bot({"DATABASE_PATH": str(folder / "new" / "bot.db")}, unprivileged())
    assert_one_line(status, lines, str(folder), "DATABASE_PATH")


async def test_existing_file_in_a_folder_without_write_permission(place: Path) -> None:
    folder = place / "locked2"
    folder.mkdir()
    path = await a_database(folder / "bot.db")
    path.chmod(0o666)
    folder.chmod(0o555)
    status, lines = await run_bot({"DATABASE_PATH": str(path)}, unprivileged())
    assert_one_line(status, lines, str(path), "folder")


async def test_read_only_mount(place: Path) -> None:
    folder = place / "mounted"
    folder.mkdir()
    path = await a_database(folder / "bot.db")
    prefix = in_mount_namespace(f"mount --bind -o ro {folder} {folder}")
    assert_one_line(*await run_bot({"DATABASE_PATH": str(path)}, prefix), "read-only")


async def test_full_disk(place: Path) -> None:
    folder = place / "tiny"
    folder.mkdir()
    fill = f"dd if=/dev/zero of={folder}/filler bs=1k count=60 2>/dev/null; true"
    prefix = in_mount_namespace(f"mount -t tmpfs -o size=64k tmpfs {folder} && {fill}")
    assert_one_line(*await run_bot({"DATABASE_PATH": str(folder / "bot.db")}, prefix), "full", "Free")


async def test_database_newer_than_the_code(place: Path) -> None:
    path = await a_database(place / "newer.db", rows=1)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    assert_one_line(*await run_bot({"DATABASE_PATH": str(path)}), "newer", "Upgrade")


def pack_folder(place: Path, text: str | bytes) -> Path:
    folder = place / "films"
    folder.mkdir()
    pack = folder / "broken.toml"
    pack.write_bytes(text if isinstance(text, bytes) else text.encode())
    return folder


@pytest.mark.parametrize(
    ("pack", "words"),
    [
        pytest.param("x = " + "[" * 5000 + "]" * 5000 + "\n", ("broken.toml", "deeply"), id="deep-nesting"),
        pytest.param("key = 'rush\ntitle = \n", ("broken.toml", "TOML"), id="bad-toml"),
        pytest.param(b"\xff\xfe\x00k", ("broken.toml", "UTF-8"), id="not-utf8"),
        pytest.param("key = 'x'\n", ("broken.toml",), id="missing-fields"),
    ],
)
async def test_unreadable_pack(place: Path, pack: str, words: tuple[str, ...]) -> None:
    folder = pack_folder(place, pack)
    status, lines = await run_bot({"FILMS_DIR": str(folder), "DATABASE_PATH": str(place / "bot.db")})
    assert_one_line(status, lines, "film data", *words)


async def test_pack_folder_missing(place: Path) -> None:
    status, lines = await run_bot({"FILMS_DIR": str(place / "nope"), "DATABASE_PATH": str(place / "bot.db")})
    assert_one_line(status, lines, "film data", "not a folder")


@pytest.mark.parametrize(
    ("env", "words"),
    [
        pytest.param({"LOG_LEVEL": "LOUD"}, ("LOG_LEVEL", "DEBUG"), id="log-level"),
        pytest.param({"DEV_GUILD_ID": "club"}, ("DEV_GUILD_ID", "digits"), id="guild-id"),
        pytest.param({"DISCORD_TOKEN": ""}, ("DISCORD_TOKEN", "sandbox"), id="no-token"),
        pytest.param({"DISCORD_API_BASE": "ftp://x"}, ("DISCORD_API_BASE",), id="api-base"),
    ],
)
async def test_settings_error(place: Path, env: dict[str, str], words: tuple[str, ...]) -> None:
    status, lines = await run_bot({"DATABASE_PATH": str(place / "bot.db"), **env})
    assert_one_line(status, lines, *words)
    assert TOKEN not in "\n".join(lines)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_for_log(bot: BotProcess, text: str, count: int, timeout: float) -> str:  # noqa: ASYNC109
    """Wait until the bot's log holds `count` lines containing `text` (the log is a file: poll it)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        log = bot.log_path.read_text(errors="replace") if bot.log_path.exists() else ""
        if sum(text in line for line in log.splitlines()) >= count:
            return log
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"no {count} log lines with {text!r}:\n{log[-3000:]}")
        await asyncio.sleep(0.1)


async def test_discord_unreachable_at_start_is_retried_with_backoff(place: Path) -> None:
    standin = StandIn(port=free_port(), guild_name="Late Club")  # not serving yet
    bot = BotProcess(standin, workdir=place, name="latebot")
    await bot.start()
    try:
        await wait_for_log(bot, "Can't reach Discord", 3, 30)
        assert bot.running, "the bot gave up while Discord was unreachable"
        async with standin:
            await bot.wait_ready(60)
            log = bot.log_path.read_text(errors="replace")
    finally:
        await bot.stop()
    attempts = [line for line in log.splitlines() if "Can't reach Discord" in line]
    assert [f"attempt {n}:" in line for n, line in enumerate(attempts, 1)] == [True] * len(attempts)
    assert "trying again in 1 s" in attempts[0] and "trying again in 4 s" in attempts[2], attempts
    assert "Traceback" not in log and "Error" not in log.replace("ClientConnectorError", ""), log[-3000:]


async def test_a_rejected_token_exits_with_one_line(place: Path) -> None:
    async with StandIn(guild_name="Token Club") as standin:
        status, lines = await run_bot(
            {
                "DATABASE_PATH": str(place / "bot.db"),
                "DISCORD_API_BASE": standin.api_base,
                "DISCORD_TOKEN": TOKEN,
            }
        )
    assert_one_line(status, lines, "DISCORD_TOKEN", "rejected")


async def test_log_level_debug_reaches_discord_py_and_never_logs_the_token(place: Path) -> None:
    async with StandIn(guild_name="Debug Club") as standin:
        bot = BotProcess(standin, workdir=place, name="debugbot", env={"LOG_LEVEL": "DEBUG"})
        await bot.start()
        try:
            await bot.wait_ready(60)
        finally:
            await bot.stop()
        log = bot.log_path.read_text(errors="replace")
    assert any(" DEBUG " in line and " discord." in line for line in log.splitlines()), log[-2000:]
    assert standin.token not in log and standin.token.split(".")[-1] not in log


async def test_discord_requiring_more_shards_exits_with_one_line(place: Path) -> None:
    """Close code 4011: one shard may hold 2,500 servers at most; the line says which setting to change."""
    async with StandIn(guild_name="Big Club") as standin:
        await standin.add_guilds(2500)
        env = standin.env(database_path=str(place / "bot.db")) | {"SHARD_COUNT": "1"}
        status, lines = await run_bot(env)
    assert_one_line(status, lines, "SHARD_COUNT", "shard")
