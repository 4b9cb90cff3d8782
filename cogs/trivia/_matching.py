"""Fair matching of typed answers against the accepted aliases. No discord import.

An answer matches an alias when, after normalising both (case, accents, punctuation,
leading articles), they have the same number of words and every word pair is equal
or, for longer words, within a small edit distance. Whole words only: "air" never
matches "chair", and numbers must be exact.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz.distance import DamerauLevenshtein

ARTICLES = frozenset({"the", "a", "an"})
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
MAX_ANSWER_LENGTH = 200


def fold(text: str) -> str:
    """Lower-case, strip accents and turn every non-word character into a space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", without_marks.replace("_", " ")).split())


def tokens(text: str) -> tuple[str, ...]:
    """The words of an answer, normalised, without a leading article."""
    words = fold(text[:MAX_ANSWER_LENGTH].replace("'", "").replace("’", "")).split()
    if len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    return tuple(words)


def allowed_typos(word: str) -> int:
    """Edits tolerated in a word: none up to 4 letters, one up to 7, two beyond; numbers exact."""
    if any(ch.isdigit() for ch in word) or len(word) <= 4:
        return 0
    return 1 if len(word) <= 7 else 2


def words_match(typed: str, expected: str) -> bool:
    """One typed word against one expected word, with typo tolerance scaled to the expected length."""
    if typed == expected:
        return True
    limit = min(allowed_typos(expected), allowed_typos(typed))
    if limit == 0 or abs(len(typed) - len(expected)) > limit:
        return False
    return DamerauLevenshtein.distance(typed, expected, score_cutoff=limit) <= limit


def matches_alias(answer: str, alias: str) -> bool:
    """Whether a typed answer names this alias (same words, each within its typo allowance)."""
    typed, expected = tokens(answer), tokens(alias)
    if not typed or len(typed) != len(expected):
        return False
    return all(words_match(t, e) for t, e in zip(typed, expected, strict=True))


def is_correct(answer: str, aliases: Iterable[str]) -> bool:
    """Whether the answer matches any accepted alias."""
    return any(matches_alias(answer, alias) for alias in aliases)


def person_aliases(name: str) -> tuple[str, ...]:
    """A person's full name and their surname alone (when it is a distinct word)."""
    words = name.split()
    found = [name]
    if len(words) >= 2:
        surname = words[-1]
        if surname.lower().rstrip(".") in {"jr", "sr", "ii", "iii"} and len(words) >= 3:
            surname = words[-2]
        found.append(surname)
    return tuple(dict.fromkeys(found))
