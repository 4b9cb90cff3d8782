"""The watch-party store on a temporary SQLite file: votes, concurrency, state changes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.storage import Database
from bot.storage.watchparty import (
    CANCELLED,
    CLOSED,
    OPEN,
    POLL_IDS_PER_BLOCK,
    SCHEDULED,
    TIED,
    Decision,
    NewPoll,
    Poll,
    WatchPartyStore,
)
from tests.backends import handle

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def make_poll(db: Database, slots: int = 3, guild_id: int = 1, message_id: int | None = None) -> Poll:
    new = NewPoll(
        guild_id=guild_id,
        channel_id=10,
        creator_id=99,
        title="Rush night",
        voice_channel_id=None,
        place="The Roxy",
        closes_at=NOW + timedelta(hours=1),
        slots=tuple((NOW + timedelta(days=d + 1), f"slot {d}") for d in range(slots)),
        created_at=NOW,
    )
    return await db.watchparty.create(
        new, "wp-close", lambda poll_id: f"wp-close:{poll_id}", message_id=message_id
    )


async def test_create_stores_poll_slots_and_the_closing_job(db: Database) -> None:
    poll = await make_poll(db)
    assert poll.state == OPEN and poll.place == "The Roxy" and len(poll.slots) == 3
    assert [s.label for s in poll.slots] == ["slot 0", "slot 1", "slot 2"]
    job = await db.jobs.get("wp-close", f"wp-close:{poll.id}")
    assert job is not None and job[0].due_at == poll.closes_at and job[0].payload == {"poll": poll.id}
    posted = await make_poll(db, message_id=555)
    assert posted.message_id == 555 and posted.id == poll.id + 1
    assert (await WatchPartyStore(db).get(posted.id)).message_id == 555  # type: ignore[union-attr]


async def test_poll_ids_are_reserved_in_blocks_and_the_unused_rest_given_back(db: Database) -> None:
    store = db.watchparty
    first = [await store.reserve_id() for _ in range(POLL_IDS_PER_BLOCK + 1)]
    assert first == list(range(1, POLL_IDS_PER_BLOCK + 2))  # a second block follows the first
    other = WatchPartyStore(db)  # another process: its block starts after ours
    assert await other.reserve_id() == 2 * POLL_IDS_PER_BLOCK + 1
    await store.release_ids()  # another block was taken since ours: nothing to give back
    assert await WatchPartyStore(db).reserve_id() == 3 * POLL_IDS_PER_BLOCK + 1
    await other.release_ids()  # not the latest block any more either
    last = WatchPartyStore(db)
    assert await last.reserve_id() == 4 * POLL_IDS_PER_BLOCK + 1
    await last.release_ids()  # the latest block: the next process goes on from the next unused id
    assert await WatchPartyStore(db).reserve_id() == 4 * POLL_IDS_PER_BLOCK + 2


async def test_the_first_block_of_ids_starts_above_every_stored_poll(db: Database) -> None:
    await db.execute(  # a poll stored before ids were reserved: no counter yet
        "INSERT INTO wp_polls (id, guild_id, channel_id, creator_id, title, closes_at, created_at) "
        "VALUES (40, 1, 10, 99, 'Old night', 0, 0)"
    )
    assert await db.watchparty.reserve_id() == 41


async def test_concurrent_reservations_share_one_block(db: Database) -> None:
    ids = await asyncio.gather(*(db.watchparty.reserve_id() for _ in range(POLL_IDS_PER_BLOCK)))
    assert sorted(ids) == list(range(1, POLL_IDS_PER_BLOCK + 1))
    row = await db.fetchone("SELECT value FROM counters WHERE name = 'wp_poll_ids'")
    assert row is not None and row[0] == POLL_IDS_PER_BLOCK


async def test_toggle_votes_and_withdraws(db: Database) -> None:
    poll = await make_poll(db)
    first = await db.watchparty.toggle_vote(poll.id, 1, 7, NOW)
    assert first is not None and first.voted and first.counts == [0, 1, 0]
    again = await db.watchparty.toggle_vote(poll.id, 1, 7, NOW)
    assert again is not None and not again.voted and again.counts == [0, 0, 0]
    assert await db.watchparty.toggle_vote(poll.id, 9, 7, NOW) is None  # no such slot
    assert await db.watchparty.toggle_vote(poll.id + 1, 0, 7, NOW) is None  # no such poll


async def test_a_hundred_concurrent_toggles_end_in_the_right_counts(db: Database) -> None:
    poll = await make_poll(db)
    # 100 members approve slot 0; 50 of them also approve slot 1 and withdraw it again (two toggles each).
    toggles = [(0, user) for user in range(100)] + [(1, user) for user in range(50)] * 2
    results = await asyncio.gather(
        *(db.watchparty.toggle_vote(poll.id, slot, user, NOW) for slot, user in toggles)
    )
    assert all(result is not None for result in results)
    assert await db.watchparty.counts(poll.id) == [100, 0, 0]
    voters = await db.watchparty.voters(poll.id)
    assert sorted(voters[0]) == list(range(100)) and 1 not in voters


async def test_concurrent_toggles_from_two_connections_lose_nothing(
    db_and_location: tuple[Database, str], backend: str
) -> None:
    db, where = db_and_location
    poll = await make_poll(db)
    other = handle(backend, where)
    await other.open()
    try:
        await asyncio.gather(
            *(db.watchparty.toggle_vote(poll.id, 2, user, NOW) for user in range(0, 100, 2)),
            *(other.watchparty.toggle_vote(poll.id, 2, user, NOW) for user in range(1, 100, 2)),
        )
    finally:
        await other.close()
    assert await db.watchparty.counts(poll.id) == [0, 0, 100]


async def test_close_voting_is_compare_and_set(db: Database) -> None:
    poll = await make_poll(db)
    await db.watchparty.toggle_vote(poll.id, 2, 7, NOW)
    seen: list[list[int]] = []

    def decide(_: Poll, counts: list[int]) -> Decision:
        seen.append(counts)
        return Decision(SCHEDULED, winner_slot=2)

    closed = await db.watchparty.close_voting(poll.id, NOW, decide)
    assert closed is not None and closed.state == SCHEDULED and closed.winner is not None
    assert closed.winner.index == 2 and seen == [[0, 0, 1]]
    assert await db.watchparty.close_voting(poll.id, NOW, decide) is None
    assert await db.watchparty.toggle_vote(poll.id, 0, 8, NOW) is None  # voting has stopped
    assert await db.watchparty.counts(poll.id) == [0, 0, 1]


async def test_ties_settle_once(db: Database) -> None:
    poll = await make_poll(db)
    due = NOW + timedelta(hours=6)
    tied = await db.watchparty.close_voting(poll.id, NOW, lambda _p, _c: Decision(TIED, tie_due_at=due))
    assert tied is not None and tied.state == TIED and tied.tie_due_at == due
    assert await db.watchparty.settle_tie(poll.id, 1)
    assert not await db.watchparty.settle_tie(poll.id, 0)
    settled = await db.watchparty.get(poll.id)
    assert settled is not None and settled.state == SCHEDULED and settled.winner_slot == 1


async def test_tie_with_no_winner_closes(db: Database) -> None:
    poll = await make_poll(db)
    await db.watchparty.close_voting(poll.id, NOW, lambda _p, _c: Decision(TIED))
    assert await db.watchparty.settle_tie(poll.id, None)
    assert (await db.watchparty.get(poll.id)).state == CLOSED  # type: ignore[union-attr]


async def test_pings_are_opt_in_and_only_for_voters_of_the_slot(db: Database) -> None:
    poll = await make_poll(db)
    for user in (1, 2, 3):
        await db.watchparty.toggle_vote(poll.id, 0, user, NOW)
    await db.watchparty.toggle_vote(poll.id, 1, 4, NOW)
    assert await db.watchparty.toggle_ping(poll.id, 2)
    assert await db.watchparty.toggle_ping(poll.id, 4)
    assert await db.watchparty.toggle_ping(poll.id, 3)
    assert not await db.watchparty.toggle_ping(poll.id, 3)  # opted out again
    assert await db.watchparty.opted_in_voters(poll.id, 0) == [2]


async def test_a_cancel_and_what_goes_with_it_are_one_transaction(db: Database) -> None:
    """The poll's closing job and the audit row are dropped and written with the cancel, or not at all."""
    poll = await make_poll(db)
    close = db.jobs.dropping("wp-close", f"wp-close:{poll.id}")
    audit = db.config.recording_action(1, 5, "watchparty_cancel", f"#{poll.id}: open", "cancelled")

    def failing(tx: Any) -> None:
        raise RuntimeError("disk gave out")

    with pytest.raises(RuntimeError, match="disk gave out"):
        await db.watchparty.cancel(poll.id, expected=OPEN, then=[close, audit, failing])
    assert (await db.watchparty.get(poll.id)).state == OPEN  # type: ignore[union-attr]
    assert await db.jobs.get("wp-close", f"wp-close:{poll.id}") is not None
    assert await db.config.count_changes(1) == 0
    assert await db.watchparty.cancel(poll.id, expected=OPEN, then=[close, audit])
    assert (await db.watchparty.get(poll.id)).state == CANCELLED  # type: ignore[union-attr]
    assert await db.jobs.get("wp-close", f"wp-close:{poll.id}") is None
    assert await db.config.count_changes(1) == 1
    assert not await db.watchparty.cancel(poll.id, expected=OPEN, then=[audit])  # refused: nothing written
    assert await db.config.count_changes(1) == 1


async def test_cancel_and_live(db: Database) -> None:
    first = await make_poll(db)
    second = await make_poll(db)
    await make_poll(db, guild_id=2)
    assert [p.id for p in await db.watchparty.live(1)] == [first.id, second.id]
    assert not await db.watchparty.cancel(first.id, expected=SCHEDULED)  # not the state it is in
    assert (await db.watchparty.get(first.id)).state == OPEN  # type: ignore[union-attr]
    assert await db.watchparty.cancel(first.id, expected=OPEN)
    assert not await db.watchparty.cancel(first.id, expected=OPEN)  # a second press: nothing more
    assert not await db.watchparty.cancel(first.id, expected=CANCELLED)
    assert (await db.watchparty.get(first.id)).state == CANCELLED  # type: ignore[union-attr]
    assert [p.id for p in await db.watchparty.live(1)] == [second.id]
    await db.watchparty.set_event(second.id, 4242)
    await db.watchparty.set_announced(second.id, OPEN)
    stored = await db.watchparty.get(second.id)
    assert stored is not None and stored.event_id == 4242 and stored.announced == OPEN
