"""Migration 0011 rebuilds slots, votes and pings without rowids: on a file that already holds polls, every
row survives, and the foreign keys still cascade (SQLite only; PostgreSQL's tables have no rowid)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.storage import Database, load_migrations
from tests.watchparty.test_store import NOW, make_poll

REBUILT = ("wp_slots", "wp_votes", "wp_pings")


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        return {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall()) for table in REBUILT}


async def test_a_file_with_polls_keeps_every_slot_vote_and_ping(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    before_0011 = tuple(m for m in load_migrations() if m.version < 11)
    async with Database(path, before_0011) as old:
        polls = [await make_poll(old, slots=3), await make_poll(old, slots=2)]
        for user in (1, 2, 3):
            await old.watchparty.toggle_vote(polls[0].id, user % 3, user, NOW)
        await old.watchparty.toggle_vote(polls[1].id, 1, 4, NOW)
        await old.watchparty.toggle_ping(polls[0].id, 2)
        await old.watchparty.toggle_ping(polls[1].id, 4)
    kept = _rows(path)
    assert len(kept["wp_slots"]) == 5 and len(kept["wp_votes"]) == 4 and len(kept["wp_pings"]) == 2

    async with Database(path) as db:
        assert await db.schema_version() == db.latest_version
        assert await db.integrity_check() == "ok"
        assert await db.fetchall("PRAGMA foreign_key_check") == []
        assert await db.watchparty.counts(polls[0].id) == [1, 1, 1]
        assert await db.watchparty.opted_in_voters(polls[1].id, 1) == [4]
        await db.execute(
            "DELETE FROM wp_polls WHERE id = ?", (polls[0].id,)
        )  # cascades to slots, votes, pings
    after = _rows(path)
    assert after == {table: [row for row in kept[table] if row[0] != polls[0].id] for table in REBUILT}
    with sqlite3.connect(path) as conn:
        for table in REBUILT:
            (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()
            assert sql.rstrip().endswith("WITHOUT ROWID"), table
        assert conn.execute("SELECT name FROM sqlite_master WHERE name LIKE '%_old'").fetchall() == []
