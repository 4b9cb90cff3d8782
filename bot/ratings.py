"""The club's ratings of a film: half stars, the summary and its text bars. Plain code, no discord import.

A rating is kept as a whole number of half stars, 1 (½ star) to 10 (5 stars), so averages and the
distribution never meet floating-point stars.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MIN_HALVES = 1
MAX_HALVES = 10
MIN_RATERS_SHOWN = 3  # the club's average appears beside the film's details from this many ratings
BAR_WIDTH = 12
FULL, HALF, EMPTY = "★", "½", "☆"


def stars(halves: int) -> str:
    """Stars drawn as text: 7 half stars is "★★★½"."""
    if not MIN_HALVES <= halves <= MAX_HALVES:
        raise ValueError(f"a rating is 1-10 half stars, not {halves}")
    return FULL * (halves // 2) + (HALF if halves % 2 else "")


def star_number(halves: int) -> str:
    """The rating as a number of stars: "3½", "5", "½"."""
    whole, half = divmod(halves, 2)
    return (str(whole) if whole else "") + (HALF if half else "")


def star_choices() -> list[tuple[str, int]]:
    """(label, half stars) for every allowed rating, best first: ("★★★★★ 5", 10) … ("½", 1)."""
    return [(f"{stars(h)} {star_number(h)}".strip(), h) for h in range(MAX_HALVES, MIN_HALVES - 1, -1)]


@dataclass(frozen=True, slots=True)
class Summary:
    """How a film was rated: how many ratings, their mean in stars, and the count at each half star."""

    count: int
    average: float | None  # stars, None with no ratings
    distribution: tuple[int, ...]  # index 0 is ½ star, index 9 is 5 stars

    @property
    def shown_beside_film(self) -> bool:
        """Enough ratings to show the club's average beside the film's details."""
        return self.count >= MIN_RATERS_SHOWN


def summarise(ratings: Iterable[int]) -> Summary:
    """The summary of a film's ratings given in half stars."""
    counts = [0] * MAX_HALVES
    for halves in ratings:
        if not MIN_HALVES <= halves <= MAX_HALVES:
            raise ValueError(f"a rating is 1-10 half stars, not {halves}")
        counts[halves - 1] += 1
    total = sum(counts)
    weighted = sum((index + 1) * count for index, count in enumerate(counts))
    return Summary(total, weighted / total / 2 if total else None, tuple(counts))


def average_text(summary: Summary) -> str:
    """ "3.6 ★ from 5 ratings", or "no ratings yet"."""
    if summary.average is None:
        return "no ratings yet"
    noun = "rating" if summary.count == 1 else "ratings"
    return f"{summary.average:.1f} ★ from {summary.count} {noun}"


def bars(summary: Summary, width: int = BAR_WIDTH) -> list[str]:
    """One text line per half star, best first: the label, a bar scaled to the largest count, the count."""
    peak = max(summary.distribution, default=0)
    lines = []
    for halves in range(MAX_HALVES, MIN_HALVES - 1, -1):
        count = summary.distribution[halves - 1]
        filled = round(width * count / peak) if peak else 0
        if count and not filled:
            filled = 1
        label = star_number(halves).rjust(2)
        lines.append(f"`{label} {'█' * filled}{'░' * (width - filled)} {count}`")
    return lines


def film_line(summary: Summary, own: int | None) -> str | None:
    """For the film's details: the club's average (from enough ratings) and the member's own rating."""
    if not summary.shown_beside_film:
        return None
    mine = f"; yours: {stars(own)} {star_number(own)}" if own is not None else ""
    return f"Club rating: {average_text(summary)}{mine}"
