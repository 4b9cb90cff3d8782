"""One name matcher for every surface: /cast, beat search, typed trivia answers and autocomplete.

No discord import. Text is folded (case, accents, punctuation, a leading article) into words. A typed
word matches an expected word when it is equal or within a small edit distance scaled to the expected
word's length; numbers are exact and whole words only ("air" never matches "chair"). Where the expected
text is a quantity ("About 2 hours", "1991") the typed text matches when it states the same quantity in
digits or words ("two hours", "120 minutes", "about 2 hrs").

A name is found by any ordered run of its words ("jason" finds Jason Patric and Jennifer Jason Leigh);
`person_variants` lists the short forms of a person's name that the bank accepts as typed answers, and
`unambiguous_variants` keeps those that name nobody else, so /cast and trivia agree on who is meant.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein

ARTICLES = frozenset({"the", "a", "an"})
MAX_TEXT_LENGTH = 200
SUGGEST_SCORE = 55.0  # a name at least this close is worth suggesting when nothing matched
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii"})


def fold(text: str) -> str:
    """Lower-case, strip accents and turn every non-word character into a space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", without_marks.replace("_", " ")).split())


def tokens(text: str) -> tuple[str, ...]:
    """The words of a text, folded, apostrophes dropped, without a leading article."""
    words = fold(text[:MAX_TEXT_LENGTH].replace("'", "").replace("’", "")).split()
    if len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    return tuple(words)


@functools.lru_cache(maxsize=4096)  # asked for the same few hundred names on every lookup
def allowed_typos(word: str) -> int:
    """Edits tolerated in an expected word: none up to 3 letters, one up to 6, two beyond; numbers exact.

    A four-letter word tolerates one wrong letter but no missing or extra one (see `word_distance`).
    """
    if any(map(str.isdigit, word)) or len(word) <= 3:
        return 0
    return 1 if len(word) <= 6 else 2


def word_distance(typed: str, expected: str) -> int | None:
    """Edits between a typed and an expected word, or None when beyond the expected word's allowance."""
    if typed == expected:
        return 0
    if any(map(str.isdigit, typed)):
        return None
    limit = allowed_typos(expected)
    if limit == 0 or abs(len(typed) - len(expected)) > limit:
        return None
    if len(expected) <= 4 and len(typed) != len(expected):
        return None  # a short word may have a wrong letter, not a missing or extra one ("Dod" isn't "Dodd")
    distance = DamerauLevenshtein.distance(typed, expected, score_cutoff=limit)
    return distance if distance <= limit else None


def words_match(typed: str, expected: str) -> bool:
    """One typed word against one expected word, with typo tolerance scaled to the expected length."""
    return word_distance(typed, expected) is not None


# --- quantities ------------------------------------------------------------------------------

_HEDGES = frozenset(
    {"about", "around", "roughly", "approximately", "approx", "circa", "ca", "nearly", "almost", "some", "in"}
)
_UNITS = {
    "h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60,
    "m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1,
}  # fmt: skip
_ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
_QUANTITY_WORD = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number, or a duration in minutes."""

    kind: str  # "number" | "minutes"
    value: float


def _number(words: list[str], at: int) -> tuple[float, int] | None:
    """A number written in digits or words starting at `at`: (value, words used)."""
    word = words[at]
    if word[0].isdigit():
        return float(word.replace(",", ".")), 1
    total, used = 0.0, 0
    while at + used < len(words):
        word = words[at + used]
        if word in _TENS:
            total += _TENS[word]
        elif word in _ONES:
            total += _ONES[word]
        elif word == "hundred" and total:
            total *= 100
        elif word == "and" and used and at + used + 1 < len(words) and words[at + used + 1] in _ONES:
            pass
        else:
            break
        used += 1
    if used:
        return total, used
    if word in ("a", "an") and at + 1 < len(words) and words[at + 1] in _UNITS:
        return 1.0, 1
    return None


def quantity(text: str) -> Quantity | None:
    """The quantity a whole text states (`about two hours` → 120 minutes, `1991` → 1991), else None."""
    words = _QUANTITY_WORD.findall(text[:MAX_TEXT_LENGTH].casefold())
    while words and words[0] in _HEDGES:
        words = words[1:]
    if not words:
        return None
    minutes, at, saw_unit = 0.0, 0, False
    while at < len(words):
        number = _number(words, at)
        if number is None:
            return None
        value, used = number
        at += used
        if words[at : at + 3] == ["and", "a", "half"]:
            value, at = value + 0.5, at + 3
        if at < len(words) and words[at] in _UNITS:
            unit = _UNITS[words[at]]
            at += 1
            if words[at : at + 3] == ["and", "a", "half"]:
                value, at = value + 0.5, at + 3
            minutes += value * unit
            saw_unit = True
            if at < len(words) and words[at] == "and":
                at += 1
        elif at == len(words) and not saw_unit:
            return Quantity("number", value)
        elif at == len(words) and saw_unit:
            minutes += value  # "2 h 30": the trailing number is minutes
        else:
            return None
    return Quantity("minutes", minutes) if saw_unit else None


# --- whole texts -----------------------------------------------------------------------------


def matches(answer: str, expected: str) -> bool:
    """Whether a typed text names the expected text: the same quantity, or the same words within typos."""
    wanted = quantity(expected)
    if wanted is not None:
        stated = quantity(answer)
        if stated is not None:  # two quantities: equal or not, however they are written
            return stated == wanted
    typed, words = tokens(answer), tokens(expected)
    if not typed or len(typed) != len(words):
        return False
    return all(words_match(t, e) for t, e in zip(typed, words, strict=True))


def is_correct(answer: str, aliases: Iterable[str]) -> bool:
    """Whether the answer matches any accepted alias."""
    return any(matches(answer, alias) for alias in aliases)


def run_distance(query: Sequence[str], words: Sequence[str], *, partial_last: bool = False) -> int | None:
    """Total edits for the query words to match an ordered run of `words`, or None when they don't.

    With `partial_last`, the last query word may be the start of its word (someone is still typing).
    """
    if not query or len(query) > len(words):
        return None
    best: int | None = None
    for positions in itertools.combinations(range(len(words)), len(query)):
        total = 0
        for index, (typed, position) in enumerate(zip(query, positions, strict=True)):
            expected = words[position]
            if partial_last and index == len(query) - 1 and expected.startswith(typed):
                continue
            distance = word_distance(typed, expected)
            if distance is None:
                break
            total += distance
        else:
            best = total if best is None else min(best, total)
    return best


# --- people ----------------------------------------------------------------------------------


def surname(name: str) -> str:
    """The last word of a name, skipping a suffix such as Jr."""
    words = name.split()
    if len(words) >= 3 and words[-1].lower().rstrip(".") in _SUFFIXES:
        return words[-2]
    return words[-1] if words else name


def person_variants(name: str) -> tuple[str, ...]:
    """Forms of a person's name people type: the full name, then every shorter ordered run of its words.

    These are exactly the forms /cast finds the person by, so trivia and /cast agree on a name.
    """
    words = [w for w in name.split() if w.lower().rstrip(".") not in _SUFFIXES] or name.split()
    if len(words) < 2:
        return (name,)
    if len(words) > 4:  # long names: the usual short forms only
        return tuple(dict.fromkeys([name, f"{words[0]} {words[-1]}", words[-1], words[0]]))
    runs = [
        " ".join(run) for size in range(len(words) - 1, 0, -1) for run in itertools.combinations(words, size)
    ]
    return tuple(dict.fromkeys([name, *sorted(runs, key=lambda run: run != surname(name))]))


def unambiguous_variants(name: str, everyone: Iterable[str]) -> tuple[str, ...]:
    """The variants of a name that are no variant of anybody else's (the full name always stays)."""
    others = {fold(v) for person in everyone if fold(person) != fold(name) for v in person_variants(person)}
    variants = person_variants(name)
    return (variants[0], *(v for v in variants[1:] if fold(v) not in others))


# --- looking names up ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Named:
    """Something found by name: the value returned and the names it answers to."""

    value: object
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    value: object
    names: tuple[tuple[str, ...], ...]  # each name as words
    shown: tuple[str, ...]


class NameIndex:
    """Entries looked up by any of their names; built once, asked on every keystroke.

    The index never changes, so each answer is a function of the query alone: the latest queries' answers
    are kept (members of a club type the same few names, and autocomplete asks again on every keystroke).
    """

    def __init__(self, entries: Iterable[Named], *, remembered: int = 1024) -> None:
        self._entries = tuple(
            _Entry(e.value, tuple(tokens(n) for n in e.names), e.names) for e in entries if e.names
        )
        self._scores = functools.lru_cache(maxsize=remembered)(self._score)
        self._suggestions = functools.lru_cache(maxsize=remembered)(self._suggest)

    def _score(self, query: str, partial: bool) -> tuple[tuple[float, int, object], ...]:
        words = tokens(query)
        if not words:
            return ()
        found: list[tuple[float, int, object]] = []
        for order, entry in enumerate(self._entries):
            best: float | None = None
            for name in entry.names:
                distance = run_distance(words, name, partial_last=partial)
                if distance is None:
                    continue
                score = 100.0 * len(words) / len(name) - 10.0 * distance
                if " ".join(name).startswith(" ".join(words)):
                    score += 50.0  # the name starts with what was typed
                best = score if best is None else max(best, score)
            if best is not None:
                found.append((best, order, entry.value))
        return tuple(sorted(found, key=lambda item: (-item[0], item[1])))

    def find(self, query: str) -> list[object]:
        """Entries one of whose names contains the query's words in order (typos allowed), best first."""
        return [value for _, _, value in self._scores(query, False)]

    def complete(self, query: str) -> list[object]:
        """Like `find`, but the last word may be unfinished: for autocomplete. Empty query: all, in order."""
        if not tokens(query):
            return [entry.value for entry in self._entries]
        return [value for _, _, value in self._scores(query, True)]

    def suggest(self, query: str, limit: int = 3) -> list[str]:
        """Names close to a query that matched nothing, best first (for "did you mean")."""
        return list(self._suggestions(query, limit))

    def _suggest(self, query: str, limit: int) -> tuple[str, ...]:
        typed = " ".join(tokens(query))
        if not typed:
            return ()
        scored: dict[str, float] = {}
        for entry in self._entries:
            for shown, name in zip(entry.shown, entry.names, strict=True):
                score = max(fuzz.ratio(typed, word) for word in (" ".join(name), *name))
                if score >= SUGGEST_SCORE:
                    scored[shown] = max(scored.get(shown, 0.0), score)
        return tuple(name for name, _ in sorted(scored.items(), key=lambda item: -item[1])[:limit])


def plain_index(names: Sequence[str]) -> NameIndex:
    """An index over plain names (time zones, film keys) where `/` and `_` separate words."""
    return NameIndex(Named(name, (name.replace("/", " ").replace("_", " "),)) for name in names)


class ExactNames:
    """Names looked up by their folded form, folded once (for long fixed lists such as time zones)."""

    def __init__(self, names: Iterable[str]) -> None:
        self._by_fold: dict[str, list[str]] = {}
        for name in names:
            self._by_fold.setdefault(fold(name), []).append(name)

    def find(self, query: str) -> str | None:
        """The one name a query means, ignoring case and spacing; None unless exactly one fits."""
        exact = self._by_fold.get(fold(query), ())
        return exact[0] if len(exact) == 1 else None


def find_name(query: str, names: Sequence[str]) -> str | None:
    """The one name a query means, ignoring case and spacing; None unless exactly one fits."""
    return ExactNames(names).find(query)
