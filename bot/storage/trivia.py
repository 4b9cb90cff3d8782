"""Storage for the trivia feature: seasons, rounds, asked questions, answers and standings."""

from __future__ import annotations

import enum
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.storage.coalesce import WriteCoalescer
from bot.storage.config import audit_row
from bot.storage.dialect import INTEGRITY_ERRORS

SEASON_AUDIT_KEY = "trivia_season"

if TYPE_CHECKING:
    from bot.storage import Atomic, Database


class AnswerResult(enum.Enum):
    """What happened to a submitted answer."""

    RECORDED = "recorded"
    DUPLICATE = "duplicate"
    CLOSED = "closed"


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


Scorer = Callable[[Asked, Sequence[AnswerRow], dict[int, int]], list[Scored]]


class TriviaStore:
    """SQL for the trivia cog. Answers are keyed by (question, member): the insert decides repeats.

    Standings only change when a question is revealed or a season starts, and both go through this
    store, so each server's standings reads (and its current season) are cached until then.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._standings: dict[int, dict[tuple[Any, ...], Any]] = {}
        self._answers = WriteCoalescer(db)  # a burst of clicks shares transactions (group commit)

    def _standings_changed(self, guild_id: int) -> None:
        self._standings.pop(guild_id, None)

    async def _cached(self, guild_id: int, key: tuple[Any, ...], read: Callable[[], Awaitable[Any]]) -> Any:
        """A standings read, from the cache when nothing has changed since it was last made."""
        cache = self._standings.setdefault(guild_id, {})
        try:
            return cache[key]
        except KeyError:
            pass
        value = await read()
        if self._standings.get(guild_id) is cache:  # not invalidated while we read
            cache[key] = value
        return value

    # --- seasons ---------------------------------------------------------------------------

    async def current_season(self, guild_id: int) -> int:
        """The server's current season number (1 until a moderator starts another)."""
        season: int = await self._cached(guild_id, ("season",), lambda: self._read_season(guild_id))
        return season

    async def _read_season(self, guild_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT MAX(number) FROM trivia_seasons WHERE guild_id = ?", (guild_id,)
        )
        return int(row[0]) if row and row[0] is not None else 1

    async def new_season(
        self, guild_id: int, actor_id: int, now: float, *, after: int | None = None
    ) -> int | None:
        """Start the next season (old seasons and standings are kept) and audit it in the same transaction.

        With `after`, only when the current season is still that one (a confirmation clicked twice
        starts one season, not two); None when it has moved on.
        """

        def start(tx: Atomic) -> int | None:
            row = tx.fetchone("SELECT MAX(number) FROM trivia_seasons WHERE guild_id = ?", (guild_id,))
            current = int(row[0]) if row and row[0] is not None else 1
            if after is not None and current != after:
                return None
            number = current + 1
            tx.execute(
                "INSERT INTO trivia_seasons (guild_id, number, started_at, started_by) VALUES (?, ?, ?, ?)",
                (guild_id, number, now, actor_id),
            )
            tx.execute(*audit_row(guild_id, actor_id, SEASON_AUDIT_KEY, str(current), str(number), now))
            return number

        try:  # one hand-off: the check, the new season and its audit row in one transaction
            return await self._db.atomic(start)
        finally:
            self._standings_changed(guild_id)

    async def seasons(self, guild_id: int) -> list[int]:
        """Every season number the server has had, oldest first."""
        return list(range(1, await self.current_season(guild_id) + 1))

    # --- rounds ----------------------------------------------------------------------------

    async def start_round(
        self,
        *,
        guild_id: int,
        channel_id: int,
        starter_id: int,
        film_key: str,
        mode: str,
        max_level: int,
        total: int,
        timeout: float,  # noqa: ASYNC109 - the per-question timeout to store
        now: float,
    ) -> Round | None:
        """Create a running round; None when the channel already has one."""
        season = await self.current_season(guild_id)
        values = (guild_id, channel_id, starter_id, film_key, mode, max_level, total, timeout, season, now)
        try:  # one statement in one hand-off; the unique index on running rounds decides
            row = await self._db.atomic(
                lambda tx: tx.fetchone(
                    "INSERT INTO trivia_rounds (guild_id, channel_id, starter_id, film_key, mode, "
                    "max_level, total, timeout, season, started_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
                    values,
                )
            )
        except INTEGRITY_ERRORS:
            return None
        return _round(row)

    async def get_round(self, round_id: int) -> Round | None:
        row = await self._db.fetchone("SELECT * FROM trivia_rounds WHERE id = ?", (round_id,))
        return _round(row) if row else None

    async def running_round(self, channel_id: int) -> Round | None:
        """The round running in a channel, if any."""
        row = await self._db.fetchone(
            "SELECT * FROM trivia_rounds WHERE channel_id = ? AND state = 'running'", (channel_id,)
        )
        return _round(row) if row else None

    async def end_round(self, round_id: int, state: str, now: float) -> bool:
        """Mark a running round finished or stopped; False when it had already ended."""
        changed = await self._db.execute(
            "UPDATE trivia_rounds SET state = ?, ended_at = ? WHERE id = ? AND state = 'running'",
            (state, now, round_id),
        )
        return changed > 0

    async def round_questions(self, round_id: int) -> list[Asked]:
        rows = await self._db.fetchall(
            "SELECT * FROM trivia_asked WHERE round_id = ? ORDER BY position", (round_id,)
        )
        return [_asked(row) for row in rows]

    async def round_scoreboard(self, round_id: int) -> list[tuple[int, int, int]]:
        """(user_id, points, right answers) for one round, best first."""
        rows = await self._db.fetchall(
            "SELECT a.user_id, COALESCE(SUM(a.points), 0) AS points, SUM(a.correct) AS correct "
            "FROM trivia_answers a JOIN trivia_asked q ON q.id = a.asked_id "
            "WHERE q.round_id = ? AND q.state = 'revealed' GROUP BY a.user_id "
            "ORDER BY points DESC, correct DESC, a.user_id",
            (round_id,),
        )
        return [(int(r["user_id"]), int(r["points"]), int(r["correct"])) for r in rows]

    # --- questions -------------------------------------------------------------------------

    async def seen(self, guild_id: int, film_key: str) -> tuple[int, set[str]]:
        """The server's current cycle for a film and the question ids asked in it."""
        rows = await self._db.fetchall(
            "SELECT cycle, question_id FROM trivia_seen WHERE guild_id = ? AND film_key = ? AND cycle = "
            "(SELECT MAX(cycle) FROM trivia_seen WHERE guild_id = ? AND film_key = ?)",
            (guild_id, film_key, guild_id, film_key),
        )
        cycle = int(rows[0]["cycle"]) if rows else 1
        return cycle, {str(r["question_id"]) for r in rows}

    async def ask(
        self,
        *,
        guild_id: int,
        channel_id: int,
        payload: dict[str, Any],
        mode: str,
        season: int,
        opened_at: float,
        closes_at: float,
        cycle: int,
        round_id: int | None = None,
        position: int | None = None,
        daily_slot: str | None = None,
        close_kind: str | None = None,
    ) -> Asked:
        """Store a question as asked, mark it seen and schedule its close job (`close_kind`, key `q:<id>`),
        all in one transaction; a question already stored for the same round position or slot is returned."""
        jobs = self._db.jobs

        def store(tx: Atomic) -> Asked:
            existing = _find_asked(tx, guild_id, round_id, position, daily_slot)
            if existing is not None:
                return existing
            row = tx.fetchone(
                "INSERT INTO trivia_asked (guild_id, channel_id, round_id, position, daily_slot, "
                "question_id, mode, payload, season, opened_at, closes_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
                (guild_id, channel_id, round_id, position, daily_slot, payload["id"], mode, json.dumps(payload),
                 season, opened_at, closes_at),
            )  # fmt: skip
            tx.execute(
                "INSERT INTO trivia_seen (guild_id, film_key, cycle, question_id) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, payload["film_key"], cycle, payload["id"]),
            )
            asked = _asked(row)
            if close_kind is not None:
                due = datetime.fromtimestamp(closes_at, UTC)
                tx.execute(
                    *jobs.insert(
                        close_kind, f"q:{asked.id}", due, guild_id=guild_id, payload={"asked": asked.id}
                    )
                )
            return asked

        return await self._db.atomic(store)

    async def set_message(self, asked_id: int, message_id: int) -> None:
        await self._db.execute("UPDATE trivia_asked SET message_id = ? WHERE id = ?", (message_id, asked_id))

    async def get_asked(self, asked_id: int) -> Asked | None:
        row = await self._db.fetchone("SELECT * FROM trivia_asked WHERE id = ?", (asked_id,))
        return _asked(row) if row else None

    async def daily_asked(self, guild_id: int, slot: str) -> Asked | None:
        row = await self._db.fetchone(
            "SELECT * FROM trivia_asked WHERE guild_id = ? AND daily_slot = ?", (guild_id, slot)
        )
        return _asked(row) if row else None

    # --- answers ---------------------------------------------------------------------------

    async def record_answer(
        self, asked_id: int, user_id: int, answer: str, correct: bool, now: float
    ) -> AnswerResult:
        """One atomic insert if the question is open; the (question, member) key decides repeats.

        Concurrent answers are written together, one transaction for the lot (`WriteCoalescer`)."""
        recorded = await self._answers.execute(
            "INSERT INTO trivia_answers (asked_id, user_id, answer, correct, answered_at) "
            "SELECT ?, ?, ?, ?, ? WHERE EXISTS "
            "(SELECT 1 FROM trivia_asked WHERE id = ? AND state = 'open' AND closes_at > ?) "
            "ON CONFLICT (asked_id, user_id) DO NOTHING",
            (asked_id, user_id, answer[:200], int(correct), now, asked_id, now),
        )
        if recorded > 0:
            return AnswerResult.RECORDED
        return AnswerResult.DUPLICATE if await self.has_answered(asked_id, user_id) else AnswerResult.CLOSED

    async def has_answered(self, asked_id: int, user_id: int) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM trivia_answers WHERE asked_id = ? AND user_id = ?", (asked_id, user_id)
        )
        return row is not None

    async def answered_members(self, asked_id: int) -> set[int]:
        rows = await self._db.fetchall("SELECT user_id FROM trivia_answers WHERE asked_id = ?", (asked_id,))
        return {int(row["user_id"]) for row in rows}

    async def answers(self, asked_id: int) -> list[AnswerRow]:
        rows = await self._db.fetchall(
            "SELECT * FROM trivia_answers WHERE asked_id = ? ORDER BY answered_at, user_id", (asked_id,)
        )
        return [_answer(row) for row in rows]

    async def answer_count(self, asked_id: int) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) FROM trivia_answers WHERE asked_id = ?", (asked_id,))
        return int(row[0]) if row else 0

    async def reveal(self, asked_id: int, scorer: Scorer) -> Reveal | None:
        """Close a question and score its answers once; points and standings change in one transaction."""

        def close(tx: Atomic) -> Reveal | None:
            row = tx.fetchone("SELECT * FROM trivia_asked WHERE id = ?", (asked_id,))
            if row is None:
                return None
            asked = _asked(row)
            first = asked.state == "open"
            if first:
                _score(tx, asked, scorer)
            rows = tx.fetchall(
                "SELECT * FROM trivia_answers WHERE asked_id = ? ORDER BY answered_at, user_id", (asked_id,)
            )
            return Reveal(asked, tuple(_answer(r) for r in rows), first)

        try:  # one hand-off: the scorer is plain code, run where the connection lives
            result = await self._db.atomic(close)
        except BaseException:
            self._standings.clear()  # the outcome (and the server) unknown: read everything afresh
            raise
        if result is not None:
            self._standings_changed(result.asked.guild_id)
        return result

    # --- standings -------------------------------------------------------------------------

    async def leaderboard(self, guild_id: int, season: int, limit: int = 10) -> list[StandingRow]:
        """The season's standings, best first (points, then right answers, then fewer answers given)."""
        rows: tuple[StandingRow, ...] = await self._cached(
            guild_id, ("leaderboard", season, limit), lambda: self._read_leaderboard(guild_id, season, limit)
        )
        return list(rows)

    async def _read_leaderboard(self, guild_id: int, season: int, limit: int) -> tuple[StandingRow, ...]:
        rows = await self._db.fetchall(
            "SELECT * FROM trivia_scores WHERE guild_id = ? AND season = ? AND answered > 0 "
            "ORDER BY points DESC, correct DESC, answered ASC, user_id ASC LIMIT ?",
            (guild_id, season, limit),
        )
        return tuple(_standing(r) for r in rows)

    async def standing(self, guild_id: int, user_id: int, season: int) -> StandingRow | None:
        standing: StandingRow | None = await self._cached(
            guild_id, ("standing", user_id, season), lambda: self._read_standing(guild_id, user_id, season)
        )
        return standing

    async def _read_standing(self, guild_id: int, user_id: int, season: int) -> StandingRow | None:
        row = await self._db.fetchone(
            "SELECT * FROM trivia_scores WHERE guild_id = ? AND season = ? AND user_id = ?",
            (guild_id, season, user_id),
        )
        return _standing(row) if row else None

    async def all_time(self, guild_id: int, user_id: int) -> StandingRow | None:
        """A member's totals across every season."""
        standing: StandingRow | None = await self._cached(
            guild_id, ("all_time", user_id), lambda: self._read_all_time(guild_id, user_id)
        )
        return standing

    async def _read_all_time(self, guild_id: int, user_id: int) -> StandingRow | None:
        row = await self._db.fetchone(
            "SELECT user_id, SUM(points) AS points, SUM(correct) AS correct, SUM(answered) AS answered, "
            "0 AS streak, MAX(best_streak) AS best_streak FROM trivia_scores "
            "WHERE guild_id = ? AND user_id = ? "
            "GROUP BY user_id",
            (guild_id, user_id),
        )
        return _standing(row) if row else None

    async def next_job_due(self, kind: str, guild_id: int) -> float | None:
        """When the server's next pending job of a kind is due (unix seconds), if any."""
        return await self._db.jobs.next_due_for(kind, guild_id)

    async def rank_of(self, guild_id: int, user_id: int, season: int) -> int | None:
        """A member's place on the season's leaderboard (1 = top), None when they haven't played."""
        mine = await self.standing(guild_id, user_id, season)
        if mine is None or mine.answered == 0:
            return None
        rank: int | None = await self._cached(
            guild_id, ("rank", user_id, season), lambda: self._read_rank(guild_id, season, mine)
        )
        return rank

    async def _read_rank(self, guild_id: int, season: int, mine: StandingRow) -> int | None:
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM trivia_scores WHERE guild_id = ? AND season = ? AND answered > 0 "
            "AND (points > ? OR (points = ? AND correct > ?))",
            (guild_id, season, mine.points, mine.points, mine.correct),
        )
        return int(row[0]) + 1 if row else None


def _find_asked(
    tx: Atomic, guild_id: int, round_id: int | None, position: int | None, slot: str | None
) -> Asked | None:
    params: tuple[Any, ...]
    if round_id is not None:
        sql, params = "SELECT * FROM trivia_asked WHERE round_id = ? AND position = ?", (round_id, position)
    elif slot is not None:
        sql, params = "SELECT * FROM trivia_asked WHERE guild_id = ? AND daily_slot = ?", (guild_id, slot)
    else:
        return None
    row = tx.fetchone(sql, params)
    return _asked(row) if row else None


def _score(tx: Atomic, asked: Asked, scorer: Scorer) -> None:
    rows = tx.fetchall(
        "SELECT * FROM trivia_answers WHERE asked_id = ? ORDER BY answered_at, user_id", (asked.id,)
    )
    answers = [_answer(r) for r in rows]
    streaks = _streaks(tx, asked.guild_id, asked.season, [a.user_id for a in answers])
    by_user = {a.user_id: a for a in answers}
    for scored in scorer(asked, answers, streaks):
        answer = by_user[scored.user_id]
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


def _streaks(tx: Atomic, guild_id: int, season: int, users: list[int]) -> dict[int, int]:
    if not users:
        return {}
    marks = ",".join("?" * len(users))
    rows = tx.fetchall(
        "SELECT user_id, streak FROM trivia_scores WHERE guild_id = ? AND season = ? "
        f"AND user_id IN ({marks})",
        (guild_id, season, *users),
    )
    return {int(r["user_id"]): int(r["streak"]) for r in rows}


def _round(row: Any) -> Round:
    return Round(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        channel_id=int(row["channel_id"]),
        starter_id=int(row["starter_id"]),
        film_key=str(row["film_key"]),
        mode=str(row["mode"]),
        max_level=int(row["max_level"]),
        total=int(row["total"]),
        timeout=float(row["timeout"]),
        season=int(row["season"]),
        state=str(row["state"]),
        started_at=float(row["started_at"]),
    )


def _asked(row: Any) -> Asked:
    return Asked(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        channel_id=int(row["channel_id"]),
        round_id=row["round_id"],
        position=row["position"],
        daily_slot=row["daily_slot"],
        question_id=str(row["question_id"]),
        mode=str(row["mode"]),
        payload=json.loads(row["payload"]),
        season=int(row["season"]),
        opened_at=float(row["opened_at"]),
        closes_at=float(row["closes_at"]),
        message_id=row["message_id"],
        state=str(row["state"]),
    )


def _answer(row: Any) -> AnswerRow:
    return AnswerRow(
        user_id=int(row["user_id"]),
        answer=str(row["answer"]),
        correct=bool(row["correct"]),
        answered_at=float(row["answered_at"]),
        points=row["points"],
    )


def _standing(row: Any) -> StandingRow:
    return StandingRow(
        user_id=int(row["user_id"]),
        points=int(row["points"] or 0),
        correct=int(row["correct"] or 0),
        answered=int(row["answered"] or 0),
        streak=int(row["streak"] or 0),
        best_streak=int(row["best_streak"] or 0),
    )
