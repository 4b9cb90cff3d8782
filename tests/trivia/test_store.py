"""The trivia store on a temporary SQLite file: answers once, reveals once, seasons and standings."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import pytest

from bot.films import load_library
from bot.settings import DEFAULT_FILMS_DIR
from bot.storage import Database
from bot.storage.trivia import TriviaStore
from bot.storage.trivia_rows import (
    ASKED_COLUMNS,
    ROUND_COLUMNS,
    AnswerResult,
    Asked,
    Round,
    answer_of,
    round_of,
)
from cogs.trivia._bank import build_bank
from cogs.trivia._engine import scorer
from tests.backends import handle

GUILD, CHANNEL = 10, 20


@pytest.fixture(scope="module")
def payload() -> dict[str, object]:
    bank = build_bank(load_library(DEFAULT_FILMS_DIR).get("rush"))
    question = bank.get("director:rush")
    assert question is not None
    return question.to_payload()


def _choosing(payload: dict[str, object]):  # type: ignore[no-untyped-def]
    """A `choose` that always picks `payload`, keeping the cycle."""
    return lambda cycle, seen, used: (payload, cycle)


async def _open(store: TriviaStore, payload: dict[str, object], *, starter: int = 1, seconds: float = 30):  # type: ignore[no-untyped-def]
    return await store.open_round(
        guild_id=GUILD, channel_id=CHANNEL, starter_id=starter, film_key="rush", mode="buttons", max_level=1,
        total=3, timeout=seconds, now=0.0, choose=_choosing(payload), close_kind="trivia.close",
    )  # fmt: skip


async def _round_question(store: TriviaStore, payload: dict[str, object], *, closes: float = 100.0):  # type: ignore[no-untyped-def]
    opened = await _open(store, payload, seconds=closes)
    assert opened is not None
    round_, asked = opened
    assert asked is not None and asked.position == 1 and asked.closes_at == closes
    return round_, asked


async def _running(db: Database) -> Round | None:
    """The round the store has running in the test channel (read straight from the table)."""
    row = await db.fetchone(
        f"SELECT {ROUND_COLUMNS} FROM trivia_rounds WHERE channel_id = ? AND state = 'running'", (CHANNEL,)
    )
    return round_of(row) if row else None


def test_rows_are_read_by_position_in_the_order_of_their_fields() -> None:
    """`round_of` and `asked_of` unpack rows by position: each column list names the fields, in order."""
    assert ROUND_COLUMNS.split(", ") == [f.name for f in dataclasses.fields(Round)]
    assert ASKED_COLUMNS.split(", ") == [f.name for f in dataclasses.fields(Asked)]


async def test_one_running_round_per_channel(db: Database, payload: dict[str, object]) -> None:
    round_, _ = await _round_question(db.trivia, payload)
    assert await _open(db.trivia, payload, starter=2) is None
    assert await db.trivia.end_round(round_.id, "stopped", 2.0)
    assert not await db.trivia.end_round(round_.id, "finished", 3.0)


async def test_a_round_and_its_first_question_are_one_transaction(
    db: Database, payload: dict[str, object]
) -> None:
    def broken(cycle: int, seen: set[str], used: set[str]) -> tuple[dict[str, object], int]:
        raise RuntimeError("the bank broke")

    with pytest.raises(RuntimeError):
        await db.trivia.open_round(
            guild_id=GUILD, channel_id=CHANNEL, starter_id=1, film_key="rush", mode="buttons", max_level=1,
            total=3, timeout=30, now=0.0, choose=broken, close_kind="trivia.close",
        )  # fmt: skip
    assert await _running(db) is None  # no round left running without its question
    round_, asked = await _round_question(db.trivia, payload)
    assert (await _running(db)) == round_  # what open_round returns is what it stored
    assert await db.trivia.get_asked(asked.id) == asked


async def test_the_next_question_skips_what_the_round_used_and_keeps_the_cycle(
    db: Database, payload: dict[str, object]
) -> None:
    round_, _ = await _round_question(db.trivia, payload)
    offered: list[tuple[int, set[str], set[str]]] = []

    def choose(cycle: int, seen: set[str], used: set[str]) -> tuple[dict[str, object], int]:
        offered.append((cycle, seen, used))
        return {**payload, "id": "other"}, cycle + 1

    second = await db.trivia.ask_next(round_, 2, choose, 5.0, "trivia.close")
    assert second is not None and second.position == 2 and second.closes_at == 105.0
    assert offered == [(1, {"director:rush"}, {"director:rush"})]
    assert await db.trivia.seen(GUILD, "rush") == (2, {"other"})
    again = await db.trivia.ask_next(round_, 2, choose, 9.0, "trivia.close")  # a retry: the same question
    assert again == second and len(offered) == 1
    assert await db.trivia.ask_next(round_, 3, lambda *_: None, 9.0, "trivia.close") is None


async def _stop(db: Database, user: int, *, moderator: bool = False):  # type: ignore[no-untyped-def]
    return await db.trivia.stop_round(
        CHANNEL,
        may_stop=lambda round_: user == round_.starter_id or moderator,
        audit=lambda round_: (
            None if user == round_.starter_id
            else db.config.recording_action(GUILD, user, "trivia_stop", f"round #{round_.id}", "stopped")
        ),
        close_kind="trivia.close", scorer=scorer, now=10.0,
    )  # fmt: skip


async def test_a_stop_checks_ends_reveals_and_audits_in_one_go(
    db: Database, payload: dict[str, object]
) -> None:
    assert await _stop(db, 1) is None  # nothing running
    round_, asked = await _round_question(db.trivia, payload)
    await db.trivia.record_answer(asked.id, 5, "0", True, 1.0)
    refused = await _stop(db, 2)
    assert refused is not None and not refused.allowed and refused.reveals == ()
    assert await _running(db) == round_ == refused.round  # a refusal changes nothing
    stopped = await _stop(db, 2, moderator=True)
    assert stopped is not None and stopped.allowed and [q.id for q in stopped.questions] == [asked.id]
    assert [r.asked.id for r in stopped.reveals] == [asked.id]
    stored = await db.fetchall("SELECT * FROM trivia_answers WHERE asked_id = ?", (asked.id,))
    assert stopped.reveals[0].answers == tuple(answer_of(r) for r in stored)  # with the points just given
    assert stopped.scoreboard[0][0] == 5 and stopped.scoreboard[0][1] > 0
    assert await _running(db) is None
    assert await db.jobs.get("trivia.close", f"q:{asked.id}") is None  # its close job dropped
    assert [(c.key, c.actor_id) for c in await db.config.recent_changes(GUILD)] == [("trivia_stop", 2)]
    assert [r.user_id for r in await db.trivia.leaderboard(GUILD, 1)] == [5]  # the standings read afresh


async def test_a_stop_leaves_a_question_whose_close_job_is_running_to_that_job(
    db: Database, payload: dict[str, object]
) -> None:
    _, asked = await _round_question(db.trivia, payload, closes=5.0)
    claimed = await db.jobs.claim_due(datetime.fromtimestamp(6.0, UTC), 10, owner="other process")
    assert [job.key for job in claimed] == [f"q:{asked.id}"]
    stopped = await _stop(db, 1)
    assert stopped is not None and stopped.allowed and stopped.reveals == ()
    assert (await db.trivia.get_asked(asked.id)).state == "open"  # type: ignore[union-attr]


async def test_ask_is_idempotent_and_schedules_the_close(db: Database, payload: dict[str, object]) -> None:
    round_, asked = await _round_question(db.trivia, payload)
    again = await db.trivia.ask(
        guild_id=GUILD,
        channel_id=CHANNEL,
        payload=payload,
        mode="buttons",
        season=1,
        opened_at=5.0,
        closes_at=50.0,
        cycle=1,
        round_id=round_.id,
        position=1,
        close_kind="trivia.close",
    )
    assert again.id == asked.id and again.closes_at == asked.closes_at
    assert await db.jobs.get("trivia.close", f"q:{asked.id}") is not None
    cycle, seen = await db.trivia.seen(GUILD, "rush")
    assert cycle == 1 and seen == {"director:rush"}


async def test_answers_once_each_and_not_after_closing(db: Database, payload: dict[str, object]) -> None:
    _, asked = await _round_question(db.trivia, payload)
    store = db.trivia
    assert await store.record_answer(asked.id, 1, "0", True, 1.0) is AnswerResult.RECORDED
    assert await store.record_answer(asked.id, 1, "2", False, 2.0) is AnswerResult.DUPLICATE
    assert await store.record_answer(asked.id, 2, "1", False, 100.0) is AnswerResult.CLOSED
    answers = await store.answers(asked.id)
    assert [(a.user_id, a.answer) for a in answers] == [(1, "0")]


async def test_concurrent_answers_are_recorded_exactly_once(db: Database, payload: dict[str, object]) -> None:
    _, asked = await _round_question(db.trivia, payload)
    clicks = [db.trivia.record_answer(asked.id, user % 200, "0", True, 1.0) for user in range(400)]
    results = await asyncio.gather(*clicks)
    assert results.count(AnswerResult.RECORDED) == 200
    assert results.count(AnswerResult.DUPLICATE) == 200
    assert await db.trivia.answer_count(asked.id) == 200


async def test_reveal_scores_once(db: Database, payload: dict[str, object]) -> None:
    _, asked = await _round_question(db.trivia, payload, closes=30.0)
    store = db.trivia
    await store.record_answer(asked.id, 1, "0", True, 0.0)
    await store.record_answer(asked.id, 2, "1", False, 1.0)
    first = await store.reveal(asked.id, scorer)
    second = await store.reveal(asked.id, scorer)
    assert first is not None and first.first and second is not None and not second.first
    assert {a.user_id: a.points for a in second.answers} == {1: 15, 2: 0}
    board = await store.leaderboard(GUILD, 1)
    assert [(r.user_id, r.points, r.correct, r.answered, r.streak) for r in board] == [
        (1, 15, 1, 1, 1),
        (2, 0, 0, 1, 0),
    ]
    assert await store.rank_of(GUILD, 2, 1) == 2
    assert await store.round_scoreboard(asked.round_id or 0) == [(1, 15, 1), (2, 0, 0)]


async def test_new_season_keeps_the_old_one(db: Database, payload: dict[str, object]) -> None:
    old_round, asked = await _round_question(db.trivia, payload)
    assert old_round.season == 1
    await db.trivia.record_answer(asked.id, 1, "0", True, 0.0)
    await db.trivia.reveal(asked.id, scorer)
    assert await db.trivia.new_season(GUILD, 99, 5.0) == 2
    assert await db.trivia.current_season(GUILD) == 2
    assert await db.trivia.leaderboard(GUILD, 2) == []
    assert len(await db.trivia.leaderboard(GUILD, 1)) == 1
    total = await db.trivia.all_time(GUILD, 1)
    assert total is not None and total.points > 0
    assert await db.trivia.end_round(old_round.id, "finished", 6.0)
    first, _ = await _round_question(db.trivia, payload)
    assert first.season == 2  # a round opened now is in the new season, with its question
    assert (await db.trivia.round_questions(first.id))[0].season == 2


async def test_answers_racing_the_reveal_from_another_process_are_scored_or_refused(
    db_and_location: tuple[Database, str], backend: str, payload: dict[str, object]
) -> None:
    """Two writers: one process records answers while another reveals. Every answer told "recorded" is
    scored; the rest are told the question closed. None is recorded and then left out of the scores."""
    db, where = db_and_location
    _, asked = await _round_question(db.trivia, payload)
    async with handle(backend, where) as other:
        for user in range(20):  # some answers are in before the reveal starts
            await db.trivia.record_answer(asked.id, user, "0", True, 1.0)
        late = [other.trivia.record_answer(asked.id, user, "0", True, 1.0) for user in range(20, 220)]
        *results, reveal = await asyncio.gather(*late, db.trivia.reveal(asked.id, scorer))
    assert reveal is not None and reveal.first
    recorded = {20 + n for n, r in enumerate(results) if r is AnswerResult.RECORDED}
    refused = {20 + n for n, r in enumerate(results) if r is AnswerResult.CLOSED}
    assert recorded | refused == set(range(20, 220))
    stored = await db.trivia.answers(asked.id)
    assert {a.user_id for a in stored} == set(range(20)) | recorded
    unscored = [a.user_id for a in stored if a.points is None]
    assert unscored == [], f"recorded after the reveal read the answers, never scored: {unscored}"
