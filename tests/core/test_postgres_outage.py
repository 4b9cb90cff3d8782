"""PostgreSQL going away and coming back: queries retry with backoff, then fail with a short reason; the
outage is kept for `/config show`; nothing is half-saved; start-up against no server says so in one line."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from bot.storage import DatabaseUnavailable
from bot.storage import postgres as pg
from bot.storage.health import describe
from tests.backends import postgres_url

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "postgres"


def server(action: str, folder: Path) -> str:
    done = subprocess.run([str(SCRIPT), action, str(folder)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


async def test_an_outage_is_retried_reported_and_recovered() -> None:
    postgres_url()  # only where the PostgreSQL tests run
    # Its own server, which this test stops and starts again (outside pytest's private temporary folders,
    # which the postgres user may not enter).
    folder = Path(tempfile.mkdtemp(prefix="filmclub-outage-"))
    url = await asyncio.to_thread(server, "start", folder)
    try:
        async with pg.PostgresDatabase(url, pool_size=2) as db:
            await db.config.set(7, "timezone", "Asia/Tokyo", actor_id=1)
            await asyncio.to_thread(server, "stop", folder)
            with pytest.raises(DatabaseUnavailable, match="unreachable"):
                await db.config.set(7, "timezone", "Europe/Paris", actor_id=1)
            assert db.health.down_since is not None
            assert "unreachable since" in (describe(db.health) or "")
            await asyncio.to_thread(server, "start", folder)
            assert await db.config.get_meta("anything") is None  # answers again
            assert db.health.down_since is None and db.health.last_outage is not None
            assert "was unreachable for" in (describe(db.health) or "")
            row = await db.fetchone(
                "SELECT value FROM guild_config WHERE guild_id = ? AND key = ?", (7, "timezone")
            )
            assert row is not None and row[0] == '"Asia/Tokyo"'  # the failed change left nothing behind
    finally:
        await asyncio.to_thread(server, "stop", folder)
        shutil.rmtree(folder, ignore_errors=True)


async def test_start_up_without_a_server_fails_with_one_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    postgres_url()
    monkeypatch.setattr(pg, "STARTUP_DELAYS", (0.01, 0.01))
    db = pg.PostgresDatabase(f"postgresql://bot:s3cret@/filmclub?host={tmp_path}/nothing-here")
    with pytest.raises(DatabaseUnavailable) as info:
        await db.open()
    assert "unreachable" in str(info.value) and "s3cret" not in str(info.value)
    assert db.health.down_since is None  # start-up failures are reported once, by the entry point
