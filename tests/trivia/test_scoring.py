"""The scoring rule and leaderboard order."""

from __future__ import annotations

from cogs.trivia._scoring import (
    BASE_POINTS,
    MAX_SPEED_BONUS,
    Attempt,
    Standing,
    ranked,
    round_totals,
    score_question,
    speed_bonus,
    streak_bonus,
)


def test_speed_bonus_is_the_share_of_time_left() -> None:
    assert speed_bonus(0.0, 0.0, 30.0) == MAX_SPEED_BONUS
    assert speed_bonus(15.0, 0.0, 30.0) == 2  # half the time left: 2.5, rounded down
    assert speed_bonus(29.9, 0.0, 30.0) == 0
    assert speed_bonus(40.0, 0.0, 30.0) == 0
    assert speed_bonus(5.0, 10.0, 10.0) == 0  # an empty window gives nothing


def test_streak_bonus_grows_and_is_capped() -> None:
    assert [streak_bonus(n) for n in range(6)] == [0, 2, 4, 6, 6, 6]


def test_right_wrong_and_streaks() -> None:
    attempts = [Attempt(1, True, 0.0), Attempt(2, False, 1.0), Attempt(3, True, 30.0)]
    awards = {a.user_id: a for a in score_question(attempts, 0.0, 30.0, {1: 2, 2: 5})}
    assert awards[1].points == BASE_POINTS + MAX_SPEED_BONUS + 4 and awards[1].streak == 3
    assert awards[2].points == 0 and awards[2].streak == 0  # wrong: nothing, streak reset
    assert awards[3].points == BASE_POINTS and awards[3].streak == 1


def test_daily_has_no_speed_bonus() -> None:
    awards = score_question([Attempt(1, True, 0.0)], 0.0, 3600.0, {}, with_speed=False)
    assert awards[0].points == BASE_POINTS


def test_leaderboard_order_and_shared_ranks() -> None:
    rows = [
        Standing(5, 30, 3, 3),
        Standing(1, 40, 3, 5),
        Standing(2, 40, 4, 6),
        Standing(3, 30, 3, 4),
        Standing(4, 10, 1, 1),
    ]
    order = [(rank, s.user_id) for rank, s in ranked(rows)]
    # points, then right answers; equal points and right answers share a rank; fewer answers first
    assert order == [(1, 2), (2, 1), (3, 5), (3, 3), (5, 4)]


def test_round_totals() -> None:
    awards = score_question([Attempt(1, True, 0.0), Attempt(2, True, 10.0)], 0.0, 10.0, {})
    awards += score_question([Attempt(2, True, 0.0)], 0.0, 10.0, {2: 1})
    totals = round_totals(awards)
    assert totals[0][0] == 2 and totals[0][2] == 2
    assert totals[1] == (1, BASE_POINTS + MAX_SPEED_BONUS, 1)
