"""Storage for the trivia feature: seasons, rounds, asked questions, answers and standings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.storage.coalesce import WriteCoalescer
from bot.storage.config import audit_row
from bot.storage.dialect import INTEGRITY_ERRORS
from bot.storage.trivia_rows import (
    ASKED_COLUMNS,
    ROUND_COLUMNS,
    AnswerResult,
    AnswerRow,
    Asked,
    Choose,
    Reveal,
    Round,
    Scorer,
    StandingRow,
    Stopped,
    answer_of,
    ask_next_in,
    asked_of,
    board_row,
    find_asked,
    insert_asked,
    reveal_in,
    reveal_of,
    round_of,
    round_questions_query,
    scoreboard_query,
    seen_of,
    seen_query,
    standing_of,
)

SEASON_AUDIT_KEY = "trivia_season"

if TYPE_CHECKING:
    from bot.storage import Atomic, Database, Step


class _NotAllowed(Exception):
    """Raised inside `stop_round`'s transaction to roll back a stop its asker may not make."""

    def __init__(self, round_: Round) -> None:
        super().__init__(round_.id)
        self.round = round_


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

    async def open_round(
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
        choose: Choose,
        close_kind: str,
    ) -> tuple[Round, Asked | None] | None:
        """Create a running round and store its first question (`choose` picks it) in one transaction;
        None when the channel already has a round."""
        values = (guild_id, channel_id, starter_id, film_key, mode, max_level, total, timeout, guild_id, now)
        jobs = self._db.jobs

        def open_(tx: Atomic) -> tuple[Round, Asked | None]:
            row = tx.fetchone(  # in the server's current season, read in the same transaction
                "INSERT INTO trivia_rounds (guild_id, channel_id, starter_id, film_key, mode, "
                "max_level, total, timeout, season, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                "COALESCE((SELECT MAX(number) FROM trivia_seasons WHERE guild_id = ?), 1), ?) RETURNING id, season",
                values,
            )
            assert row is not None  # an INSERT ... RETURNING returns the row it inserted
            # Every other column is what was just written (the state is the schema's default, 'running').
            round_ = Round(int(row[0]), guild_id, channel_id, starter_id, film_key, mode, max_level, total,
                           float(timeout), int(row[1]), "running", now)  # fmt: skip
            return round_, ask_next_in(tx, jobs, round_, 1, choose, now, close_kind, new_round=True)

        try:  # one hand-off; the unique index on running rounds decides a second start
            return await self._db.atomic(open_)
        except INTEGRITY_ERRORS:
            return None

    async def ask_next(
        self, round_: Round, position: int, choose: Choose, now: float, close_kind: str
    ) -> Asked | None:
        """Store the round's question at `position` (`choose` picks it from what the round and the server's
        cycle have not used) with its close job, in one transaction; None when none is left."""
        jobs = self._db.jobs
        return await self._db.atomic(
            lambda tx: ask_next_in(tx, jobs, round_, position, choose, now, close_kind)
        )

    async def get_round(self, round_id: int) -> Round | None:
        row = await self._db.fetchone(f"SELECT {ROUND_COLUMNS} FROM trivia_rounds WHERE id = ?", (round_id,))
        return round_of(row) if row else None

    async def end_round(self, round_id: int, state: str, now: float) -> bool:
        """Mark a running round finished or stopped; False when it had already ended."""
        changed = await self._db.execute(
            "UPDATE trivia_rounds SET state = ?, ended_at = ? WHERE id = ? AND state = 'running'",
            (state, now, round_id),
        )
        return changed > 0

    async def stop_round(
        self,
        channel_id: int,
        *,
        may_stop: Callable[[Round], bool],
        audit: Callable[[Round], Step | None],
        close_kind: str,
        scorer: Scorer,
        now: float,
    ) -> Stopped | None:
        """Stop the channel's running round in one transaction, if `may_stop` allows: the audit row `audit`
        gives, the round's state, and a reveal of each open question whose close job had not started (its
        job dropped). None when no round is running there."""
        jobs = self._db.jobs

        def stop(tx: Atomic) -> Stopped | None:
            row = tx.fetchone(  # stopped at once: a stop that isn't allowed rolls it back (_NotAllowed)
                "UPDATE trivia_rounds SET state = 'stopped', ended_at = ? WHERE channel_id = ? AND "
                f"state = 'running' RETURNING {ROUND_COLUMNS}",
                (now, channel_id),
            )
            if row is None:
                return None
            round_ = round_of(row)  # as this transaction leaves it: stopped
            if not may_stop(round_):
                raise _NotAllowed(replace(round_, state="running"))  # rolled back: still running
            step = audit(round_)
            if step is not None:
                step(tx)
            questions = tuple(asked_of(r) for r in tx.fetchall(*round_questions_query(round_.id)))
            reveals = tuple(
                reveal_of(tx, asked, scorer)
                for asked in questions
                if asked.state == "open" and jobs.dropping(close_kind, f"q:{asked.id}")(tx)
            )
            board = tuple(board_row(r) for r in tx.fetchall(*scoreboard_query(round_.id)))
            return Stopped(round_, True, questions, reveals, board)

        try:
            stopped = await self._db.atomic(stop)
        except _NotAllowed as refused:
            return Stopped(refused.round, allowed=False)
        except BaseException:
            self._standings.clear()  # the outcome (and the server) unknown: read everything afresh
            raise
        if stopped is not None and stopped.reveals:
            self._standings_changed(stopped.round.guild_id)
        return stopped

    async def round_questions(self, round_id: int) -> list[Asked]:
        return [asked_of(row) for row in await self._db.fetchall(*round_questions_query(round_id))]

    async def round_scoreboard(self, round_id: int) -> list[tuple[int, int, int]]:
        """(user_id, points, right answers) for one round, best first."""
        return [board_row(r) for r in await self._db.fetchall(*scoreboard_query(round_id))]

    # --- questions -------------------------------------------------------------------------

    async def seen(self, guild_id: int, film_key: str) -> tuple[int, set[str]]:
        """The server's current cycle for a film and the question ids asked in it."""
        return seen_of(await self._db.fetchall(*seen_query(guild_id, film_key)))

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
        values = (guild_id, channel_id, round_id, position, daily_slot, mode, season, opened_at, closes_at)

        def store(tx: Atomic) -> Asked:
            existing = find_asked(tx, guild_id, round_id, position, daily_slot)
            if existing is not None:
                return existing
            return insert_asked(tx, jobs, values, payload, cycle, close_kind)

        return await self._db.atomic(store)

    async def set_message(self, asked_id: int, message_id: int) -> None:
        await self._db.execute("UPDATE trivia_asked SET message_id = ? WHERE id = ?", (message_id, asked_id))

    async def get_asked(self, asked_id: int) -> Asked | None:
        row = await self._db.fetchone(f"SELECT {ASKED_COLUMNS} FROM trivia_asked WHERE id = ?", (asked_id,))
        return asked_of(row) if row else None

    async def daily_asked(self, guild_id: int, slot: str) -> Asked | None:
        row = await self._db.fetchone(
            f"SELECT {ASKED_COLUMNS} FROM trivia_asked WHERE guild_id = ? AND daily_slot = ?",
            (guild_id, slot),
        )
        return asked_of(row) if row else None

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
        return [answer_of(row) for row in rows]

    async def answer_count(self, asked_id: int) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) FROM trivia_answers WHERE asked_id = ?", (asked_id,))
        return int(row[0]) if row else 0

    async def reveal(self, asked_id: int, scorer: Scorer) -> Reveal | None:
        """Close a question and score its answers once; points and standings change in one transaction."""

        def close(tx: Atomic) -> Reveal | None:
            return reveal_in(tx, asked_id, scorer)

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
        return tuple(standing_of(r) for r in rows)

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
        return standing_of(row) if row else None

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
        return standing_of(row) if row else None

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
