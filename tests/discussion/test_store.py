"""The discussion and rating stores on both backends: rooms, members, the index, prompt slots, ratings."""

from __future__ import annotations

from bot.storage import Database
from bot.storage.discussion import IndexMessage, PromptPost, Room

GUILD = 42


def _room(thread_id: int, stage: int, film: str = "rush") -> Room:
    return Room(thread_id, GUILD, 9, film, stage, 3, stage * 6 - 5, stage * 6, stage > 1, False)


async def test_rooms_open_archive_and_keep_their_members(db: Database) -> None:
    store = db.discussion
    for stage in (1, 2, 3):
        await store.add_room(_room(100 + stage, stage))
    assert [r.stage for r in await store.open_rooms(GUILD)] == [1, 2, 3]
    room = await store.room(102)
    assert room is not None and room.private and not room.archived and room.first_beat == 7
    assert await store.add_member(102, 5) and not await store.add_member(102, 5)
    assert await store.members(102) == {5}
    archived = await store.archive_rooms(GUILD)
    assert [r.thread_id for r in archived] == [101, 102, 103]
    assert await store.open_rooms(GUILD) == []
    after = await store.room(102)
    assert after is not None and after.archived and await store.members(102) == {5}
    await store.add_room(_room(201, 1, "tiny"))  # a stage number is free again once archived
    assert await store.films_discussed(GUILD) == ["rush", "tiny"]


async def test_the_index_is_one_row_per_server(db: Database) -> None:
    store = db.discussion
    assert await store.index(GUILD) is None
    await store.set_index(GUILD, IndexMessage(9, 1000, "rush"))
    await store.set_index(GUILD, IndexMessage(9, 1001, "tiny"))
    assert await store.index(GUILD) == IndexMessage(9, 1001, "tiny")
    await store.clear_index(GUILD)
    assert await store.index(GUILD) is None


async def test_a_slot_keeps_the_prompt_first_claimed_for_it(db: Database) -> None:
    store = db.discussion
    first = await store.record_prompt(GUILD, "rush", PromptPost("the-race", 1, "prompt:42:x", None))
    again = await store.record_prompt(GUILD, "rush", PromptPost("the-line", 1, "prompt:42:x", None))
    assert first.prompt_key == again.prompt_key == "the-race"
    assert await store.prompt_cycle(GUILD, "rush") == (1, {"the-race"})
    await store.record_prompt(GUILD, "rush", PromptPost("the-race", 2, "prompt:42:y", None))
    assert await store.prompt_cycle(GUILD, "rush") == (2, {"the-race"})
    assert await store.prompt_for_slot(GUILD, "prompt:42:y") == PromptPost("the-race", 2, "prompt:42:y", None)


async def test_one_rating_per_member_and_film_and_a_changed_rating(db: Database) -> None:
    assert await db.ratings.set(1, "rush", 7, 6, None) is None
    earlier = await db.ratings.set(1, "rush", 7, 9, "Tense.")
    assert earlier is not None and earlier.halves == 6
    await db.ratings.set(1, "rush", 8, 4, None)
    await db.ratings.set(1, "other", 7, 2, None)
    await db.ratings.set(2, "rush", 7, 1, None)
    assert sorted(await db.ratings.halves(1, "rush")) == [4, 9]
    assert [r.review for r in await db.ratings.reviews(1, "rush")] == ["Tense."]
    history = await db.ratings.history(1)
    assert [(h.film_key, h.count, h.mean_halves) for h in history] == [("rush", 2, 6.5), ("other", 1, 2.0)]
    assert await db.ratings.delete(1, "rush", 8) and not await db.ratings.delete(1, "rush", 8)


async def test_members_who_reached_a_beat(db: Database) -> None:
    await db.progress.set(GUILD, 1, "rush", 6)
    await db.progress.set(GUILD, 2, "rush", 7)
    await db.progress.set(GUILD, 3, "rush", 15)
    await db.progress.set(GUILD, 4, "tiny", 15)
    assert await db.progress.reached(GUILD, "rush", 7) == {2: 7, 3: 15}
