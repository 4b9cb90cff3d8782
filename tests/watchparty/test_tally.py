"""Tallying, winners, ties and the times that follow a decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cogs.watchparty._tally import (
    DEFAULT_REMINDERS,
    DEFAULT_RUNTIME_MINUTES,
    TIE_GRACE,
    TIE_MARGIN,
    OutcomeKind,
    can_schedule,
    decide,
    event_end,
    parse_reminders,
    reminder_still_due,
    reminder_times,
    tally,
    tie_deadline,
    tie_fallback,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_tally_counts_distinct_voters_and_ignores_unknown_slots() -> None:
    assert tally(3, [(0, 1), (0, 1), (0, 2), (2, 1), (5, 9), (-1, 3)]) == [2, 0, 1]


def test_decide() -> None:
    assert decide([0, 0]).kind is OutcomeKind.NO_VOTES
    assert decide([]).kind is OutcomeKind.NO_VOTES
    winner = decide([1, 3, 2])
    assert (winner.kind, winner.slots, winner.top) == (OutcomeKind.WINNER, (1,), 3)
    tie = decide([2, 0, 2])
    assert (tie.kind, tie.slots) == (OutcomeKind.TIE, (0, 2))


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(1, 8)), max_size=60))
def test_decide_properties(votes: list[tuple[int, int]]) -> None:
    counts = tally(5, votes)
    outcome = decide(counts)
    if not votes:
        assert outcome.kind is OutcomeKind.NO_VOTES
        return
    assert all(counts[slot] == max(counts) for slot in outcome.slots)
    assert len(outcome.slots) == counts.count(max(counts))
    assert (outcome.kind is OutcomeKind.TIE) == (len(outcome.slots) > 1)


def test_tie_fallback_is_the_earliest_tied_slot_still_ahead() -> None:
    starts = [NOW + timedelta(hours=h) for h in (5, 1, 3)]
    assert tie_fallback((0, 2), starts, NOW) == 2
    assert tie_fallback((0, 1, 2), starts, NOW) == 1
    assert tie_fallback((0, 1, 2), starts, NOW + timedelta(hours=2)) == 2
    assert tie_fallback((0, 1), starts, NOW + timedelta(hours=6)) is None


def test_tie_deadline() -> None:
    far = [NOW + timedelta(days=3), NOW + timedelta(days=4)]
    assert tie_deadline(NOW, far) == NOW + TIE_GRACE
    soon = [NOW + timedelta(hours=2), NOW + timedelta(days=1)]
    assert tie_deadline(NOW, soon) == NOW + timedelta(hours=2) - TIE_MARGIN
    assert tie_deadline(NOW, [NOW + timedelta(minutes=10)]) == NOW  # no time to wait: fall back at once
    assert tie_deadline(NOW, []) == NOW + TIE_GRACE


def test_event_end_uses_runtime_or_the_default() -> None:
    assert event_end(NOW, 123) == (NOW + timedelta(minutes=123), False)
    assert event_end(NOW, None) == (NOW + timedelta(minutes=DEFAULT_RUNTIME_MINUTES), True)
    assert event_end(NOW, 0)[1] is True


def test_can_schedule() -> None:
    assert can_schedule(NOW + timedelta(minutes=5), NOW)
    assert not can_schedule(NOW, NOW)


def test_reminder_times_skip_the_past() -> None:
    start = NOW + timedelta(minutes=30)
    assert reminder_times(start, DEFAULT_REMINDERS, NOW) == [(10, start - timedelta(minutes=10))]
    later = NOW + timedelta(hours=3)
    assert [m for m, _ in reminder_times(later, (10, 60, 60), NOW)] == [60, 10]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("60, 10", (60, 10)),
        ("10 60", (60, 10)),
        ("off", ()),
        ("default", DEFAULT_REMINDERS),
        ("5m;1", (5, 1)),
    ],
)
def test_parse_reminders(text: str, expected: tuple[int, ...]) -> None:
    assert parse_reminders(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "-5", "0, 10", "99999", "1,2,3,4,5,6"])
def test_parse_reminders_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_reminders(text)


def test_missed_reminders_collapse_to_the_latest_still_ahead_of_the_start() -> None:
    start = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
    offsets = (60, 10)
    on_time = start - timedelta(minutes=60)
    assert reminder_still_due(60, offsets, start, on_time)
    both_missed = start - timedelta(minutes=5)  # a restart later than both reminders
    assert not reminder_still_due(60, offsets, start, both_missed)
    assert reminder_still_due(10, offsets, start, both_missed)
    assert not reminder_still_due(10, offsets, start, start)  # the party has started
    assert not reminder_still_due(10, offsets, start, start + timedelta(minutes=1))
