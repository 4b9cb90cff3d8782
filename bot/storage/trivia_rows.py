"""Trivia's records (rounds, questions asked, answers, standings) and the statements that read and write them
inside one transaction: plain functions of an `Atomic`, so a store method runs a whole step in one hand-off."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from bot.storage import Atomic
    from bot.storage.jobs import JobStore


class AnswerResult(enum.Enum):
    """What happened to a submitted answer."""

    RECORDED = "recorded"
    DUPLICATE = "duplicate"
    CLOSED = "closed"


# The columns `round_of` and `asked_of` read, in their order: every query for them names these (not `*`), so
# a row unpacks by position, several times cheaper than reading each column by name.
ROUND_COLUMNS = (
    "id, guild_id, channel_id, starter_id, film_key, mode, max_level, total, timeout, season, state, "
    "started_at"
)
ASKED_COLUMNS = (
    "id, guild_id, channel_id, round_id, position, daily_slot, question_id, mode, payload, season, opened_at, "
    "closes_at, message_id, state"
)
_PAYLOAD = ASKED_COLUMNS.split(", ").index("payload")


@dataclass(frozen=True, slots=True)
class Round:
    """A trivia round in one channel."""

    id: int
    guild_id: int
    channel_id: int
    starter_id: int
    film_key: str
    mode: str
    max_level: int
    total: int
    timeout: float
    season: int
    state: str
    started_at: float


@dataclass(frozen=True, slots=True)
class Asked:
    """A question as posted: in a round (round_id, position) or as a daily question (daily_slot)."""

    id: int
    guild_id: int
    channel_id: int
    round_id: int | None
    position: int | None
    daily_slot: str | None
    question_id: str
    mode: str
    payload: dict[str, Any]
    season: int
    opened_at: float
    closes_at: float
    message_id: int | None
    state: str


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """One member's answer to one asked question."""

    user_id: int
    answer: str
    correct: bool
    answered_at: float
    points: int | None


@dataclass(frozen=True, slots=True)
class Scored:
    """Points and the new streak for one answer, produced by the scoring rule."""

    user_id: int
    points: int
    streak: int


@dataclass(frozen=True, slots=True)
class Reveal:
    """A revealed question with its scored answers; `first` is False when it had been revealed before."""

    asked: Asked
    answers: tuple[AnswerRow, ...]
    first: bool


@dataclass(frozen=True, slots=True)
class StandingRow:
    """A member's totals in one season (or across seasons)."""

    user_id: int
    points: int
    correct: int
    answered: int
    streak: int
    best_streak: int


@dataclass(frozen=True, slots=True)
class Stopped:
    """A round `/trivia stop` was asked to stop: whether it was allowed, then its questions, the reveals the
    stop made and the round's scoreboard ((user, points, right answers), best first)."""

    round: Round
    allowed: bool
    questions: tuple[Asked, ...] = ()
    reveals: tuple[Reveal, ...] = ()
    scoreboard: tuple[tuple[int, int, int], ...] = ()


Scorer = Callable[[Asked, Sequence[AnswerRow], dict[int, int]], list[Scored]]
# (the cycle, question ids seen in it, ids the round used) -> (the question's payload, cycle to record it in)
Choose = Callable[[int, set[str], set[str]], tuple[dict[str, Any], int] | None]


def round_questions_query(round_id: int) -> tuple[str, tuple[Any, ...]]:
    return f"SELECT {ASKED_COLUMNS} FROM trivia_asked WHERE round_id = ? ORDER BY position", (round_id,)


def scoreboard_query(round_id: int) -> tuple[str, tuple[Any, ...]]:
    return (
        "SELECT a.user_id, COALESCE(SUM(a.points), 0) AS points, SUM(a.correct) AS correct "
        "FROM trivia_answers a JOIN trivia_asked q ON q.id = a.asked_id "
        "WHERE q.round_id = ? AND q.state = 'revealed' GROUP BY a.user_id "
        "ORDER BY points DESC, correct DESC, a.user_id",
        (round_id,),
    )


def board_row(row: Any) -> tuple[int, int, int]:
    return int(row["user_id"]), int(row["points"]), int(row["correct"])


def seen_query(guild_id: int, film_key: str) -> tuple[str, tuple[Any, ...]]:
    return (
        "SELECT cycle, question_id FROM trivia_seen WHERE guild_id = ? AND film_key = ? AND cycle = "
        "(SELECT MAX(cycle) FROM trivia_seen WHERE guild_id = ? AND film_key = ?)",
        (guild_id, film_key, guild_id, film_key),
    )


def seen_of(rows: Sequence[Any]) -> tuple[int, set[str]]:
    cycle = int(rows[0]["cycle"]) if rows else 1
    return cycle, {str(r["question_id"]) for r in rows}


def ask_next_in(
    tx: Atomic, jobs: JobStore, round_: Round, position: int, choose: Choose, now: float, close_kind: str,
    *, new_round: bool = False,
) -> Asked | None:  # fmt: skip
    """The round's question at `position`: the one stored already (a round created in this transaction,
    `new_round`, has none), else a new one `choose` picks."""
    existing = None if new_round else find_asked(tx, round_.guild_id, round_.id, position, None)
    if existing is not None:
        return existing
    used = (
        {str(r["question_id"]) for r in tx.fetchall(*round_questions_query(round_.id))}
        if position > 1
        else set()
    )
    cycle, seen = seen_of(tx.fetchall(*seen_query(round_.guild_id, round_.film_key)))
    chosen = choose(cycle, seen, used)
    if chosen is None:
        return None
    payload, cycle = chosen
    values = (round_.guild_id, round_.channel_id, round_.id, position, None, round_.mode, round_.season,
              now, now + round_.timeout)  # fmt: skip
    return insert_asked(tx, jobs, values, payload, cycle, close_kind)


def insert_asked(
    tx: Atomic, jobs: JobStore, values: tuple[Any, ...], payload: dict[str, Any], cycle: int,
    close_kind: str | None,
) -> Asked:  # fmt: skip
    """Store a question as asked, mark it seen in `cycle` and schedule its close job (key `q:<id>`).
    `values`: guild, channel, round, position, daily slot, mode, season, opened at, closes at."""
    guild_id, channel_id, round_id, position, daily_slot, mode, season, opened_at, closes_at = values
    row = tx.fetchone(
        "INSERT INTO trivia_asked (guild_id, channel_id, round_id, position, daily_slot, "
        "question_id, mode, payload, season, opened_at, closes_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (guild_id, channel_id, round_id, position, daily_slot, payload["id"], mode, orjson.dumps(payload).decode(),
         season, opened_at, closes_at),
    )  # fmt: skip
    tx.execute(
        "INSERT INTO trivia_seen (guild_id, film_key, cycle, question_id) "
        "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (guild_id, payload["film_key"], cycle, payload["id"]),
    )
    assert row is not None  # an INSERT ... RETURNING returns the row it inserted
    # The row as just written (no message yet, the schema's default state); the payload is JSON-ready, so it
    # is what parsing the stored snapshot would give back.
    asked = Asked(int(row[0]), guild_id, channel_id, round_id, position, daily_slot, payload["id"], mode, payload,
                  season, float(opened_at), float(closes_at), None, "open")  # fmt: skip
    if close_kind is not None:
        due = datetime.fromtimestamp(closes_at, UTC)
        tx.execute(
            *jobs.insert(close_kind, f"q:{asked.id}", due, guild_id=guild_id, payload={"asked": asked.id})
        )
    return asked


def reveal_in(tx: Atomic, asked_id: int, scorer: Scorer) -> Reveal | None:
    """Close a question (scoring its answers the first time) and read its answers."""
    row = tx.fetchone(f"SELECT {ASKED_COLUMNS} FROM trivia_asked WHERE id = ?", (asked_id,))
    return reveal_of(tx, asked_of(row), scorer) if row is not None else None


def reveal_of(tx: Atomic, asked: Asked, scorer: Scorer) -> Reveal:
    """`reveal_in` for a question read in this transaction already."""
    if asked.state == "open":
        return Reveal(asked, score_in(tx, asked, scorer), True)
    return Reveal(asked, answers_in(tx, asked.id), False)


def answers_in(tx: Atomic, asked_id: int) -> tuple[AnswerRow, ...]:
    rows = tx.fetchall(
        "SELECT * FROM trivia_answers WHERE asked_id = ? ORDER BY answered_at, user_id", (asked_id,)
    )
    return tuple(answer_of(r) for r in rows)


def find_asked(
    tx: Atomic, guild_id: int, round_id: int | None, position: int | None, slot: str | None
) -> Asked | None:
    params: tuple[Any, ...]
    if round_id is not None:
        sql, params = (
            f"SELECT {ASKED_COLUMNS} FROM trivia_asked WHERE round_id = ? AND position = ?",
            (round_id, position),
        )
    elif slot is not None:
        sql, params = (
            f"SELECT {ASKED_COLUMNS} FROM trivia_asked WHERE guild_id = ? AND daily_slot = ?",
            (guild_id, slot),
        )
    else:
        return None
    row = tx.fetchone(sql, params)
    return asked_of(row) if row else None


def score_in(tx: Atomic, asked: Asked, scorer: Scorer) -> tuple[AnswerRow, ...]:
    """Score an open question's answers, mark it revealed, and return its answers with their points."""
    answers = answers_in(tx, asked.id)
    streaks = streaks_of(tx, asked.guild_id, asked.season, [a.user_id for a in answers])
    by_user = {a.user_id: a for a in answers}
    points: dict[int, int] = {}
    for scored in scorer(asked, answers, streaks):
        answer = by_user[scored.user_id]
        points[scored.user_id] = scored.points
        tx.execute(
            "UPDATE trivia_answers SET points = ? WHERE asked_id = ? AND user_id = ?",
            (scored.points, asked.id, scored.user_id),
        )
        tx.execute(
            "INSERT INTO trivia_scores "
            "(guild_id, season, user_id, points, correct, answered, streak, best_streak) "
            "VALUES (?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (guild_id, season, user_id) DO UPDATE SET "
            "points = trivia_scores.points + excluded.points, "
            "correct = trivia_scores.correct + excluded.correct, answered = trivia_scores.answered + 1, "
            "streak = excluded.streak, best_streak = CASE WHEN excluded.streak > trivia_scores.best_streak "
            "THEN excluded.streak ELSE trivia_scores.best_streak END",
            (
                asked.guild_id,
                asked.season,
                scored.user_id,
                scored.points,
                int(answer.correct),
                scored.streak,
                scored.streak,
            ),
        )
    tx.execute("UPDATE trivia_asked SET state = 'revealed' WHERE id = ?", (asked.id,))
    return tuple(replace(a, points=points[a.user_id]) if a.user_id in points else a for a in answers)


def streaks_of(tx: Atomic, guild_id: int, season: int, users: list[int]) -> dict[int, int]:
    if not users:
        return {}
    marks = ",".join("?" * len(users))
    rows = tx.fetchall(
        "SELECT user_id, streak FROM trivia_scores WHERE guild_id = ? AND season = ? "
        f"AND user_id IN ({marks})",
        (guild_id, season, *users),
    )
    return {int(r["user_id"]): int(r["streak"]) for r in rows}


def round_of(row: Any) -> Round:
    """A round from a row of `ROUND_COLUMNS` (both backends give each column its Python type)."""
    return Round(*row)


def asked_of(row: Any) -> Asked:
    """An asked question from a row of `ASKED_COLUMNS`, its stored snapshot parsed."""
    values = list(row)
    values[_PAYLOAD] = orjson.loads(values[_PAYLOAD])
    return Asked(*values)


def answer_of(row: Any) -> AnswerRow:
    return AnswerRow(
        user_id=int(row["user_id"]),
        answer=str(row["answer"]),
        correct=bool(row["correct"]),
        answered_at=float(row["answered_at"]),
        points=row["points"],
    )


def standing_of(row: Any) -> StandingRow:
    return StandingRow(
        user_id=int(row["user_id"]),
        points=int(row["points"] or 0),
        correct=int(row["correct"] or 0),
        answered=int(row["answered"] or 0),
        streak=int(row["streak"] or 0),
        best_streak=int(row["best_streak"] or 0),
    )
