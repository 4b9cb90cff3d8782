"""Trivia scoring and leaderboard order. Plain code, no discord import.

The rule (also in docs/trivia.md and the `/trivia start` help):
- a right answer scores 10 points; a wrong answer or none scores 0;
- in a round, a speed bonus of up to 5 points: 5 × the share of the question's time still left, rounded down;
- a streak bonus for answering right again: +2 per right answer in a row before this one, at most +6.
  A wrong answer resets the streak; a question you skip leaves it alone. Streaks belong to a season.
- the daily question has no speed bonus (people live in different hours); the streak bonus applies.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

BASE_POINTS = 10
MAX_SPEED_BONUS = 5
STREAK_STEP = 2
MAX_STREAK_BONUS = 6

SCORING_RULE = (
    "Scoring: a right answer is worth 10 points, plus up to 5 for speed (the share of time left) "
    "and +2 for each right answer in a row before it (at most +6). "
    "Wrong answers score 0 and reset your streak."
)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One member's answer to one question."""

    user_id: int
    correct: bool
    answered_at: float  # unix seconds


@dataclass(frozen=True, slots=True)
class Award:
    """The outcome of one attempt once the question closes."""

    user_id: int
    correct: bool
    points: int
    streak: int  # the member's streak after this answer


@dataclass(frozen=True, slots=True)
class Standing:
    """One member's season totals, as stored."""

    user_id: int
    points: int
    correct: int
    answered: int
    streak: int = 0
    best_streak: int = 0


def speed_bonus(answered_at: float, opened_at: float, closes_at: float) -> int:
    """Up to MAX_SPEED_BONUS points for the share of the answer window still left."""
    window = closes_at - opened_at
    if window <= 0:
        return 0
    left = min(max(closes_at - answered_at, 0.0), window)
    return math.floor(MAX_SPEED_BONUS * left / window + 1e-9)


def streak_bonus(previous_streak: int) -> int:
    """The bonus for a right answer that follows `previous_streak` right answers in a row."""
    return min(STREAK_STEP * max(previous_streak, 0), MAX_STREAK_BONUS)


def score_question(
    attempts: Iterable[Attempt],
    opened_at: float,
    closes_at: float,
    streaks: Mapping[int, int],
    *,
    with_speed: bool = True,
) -> list[Award]:
    """Points and new streaks for every attempt at one question, in answer order."""
    awards: list[Award] = []
    for attempt in sorted(attempts, key=lambda a: (a.answered_at, a.user_id)):
        previous = streaks.get(attempt.user_id, 0)
        if not attempt.correct:
            awards.append(Award(attempt.user_id, False, 0, 0))
            continue
        points = BASE_POINTS + streak_bonus(previous)
        if with_speed:
            points += speed_bonus(attempt.answered_at, opened_at, closes_at)
        awards.append(Award(attempt.user_id, True, points, previous + 1))
    return awards


def leaderboard_key(standing: Standing) -> tuple[int, int, int, int]:
    """Order: most points, then most right answers, then fewest answers given, then earliest id."""
    return (-standing.points, -standing.correct, standing.answered, standing.user_id)


def ranked(standings: Sequence[Standing]) -> list[tuple[int, Standing]]:
    """Standings in leaderboard order with competition ranks (equal points and right answers share a rank)."""
    ordered = sorted(standings, key=leaderboard_key)
    result: list[tuple[int, Standing]] = []
    for index, standing in enumerate(ordered):
        previous = ordered[index - 1] if index else None
        tied = previous is not None and (previous.points, previous.correct) == (
            standing.points,
            standing.correct,
        )
        result.append((result[-1][0] if tied else index + 1, standing))
    return result


def round_totals(awards: Iterable[Award]) -> list[tuple[int, int, int]]:
    """(user_id, points, right answers) for a round's scoreboard, best first."""
    totals: dict[int, list[int]] = {}
    for award in awards:
        entry = totals.setdefault(award.user_id, [0, 0])
        entry[0] += award.points
        entry[1] += int(award.correct)
    return sorted(((u, p, c) for u, (p, c) in totals.items()), key=lambda t: (-t[1], -t[2], t[0]))
