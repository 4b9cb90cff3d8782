"""Typed-answer matching: fair to typos, accents and articles; never partial words."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from cogs.trivia._matching import fold, is_correct, matches_alias, person_aliases, tokens

WORDS = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=12)
NAMES = st.lists(WORDS, min_size=1, max_size=4).map(" ".join)


def test_case_accents_punctuation_and_articles() -> None:
    assert matches_alias("jason PATRIC", "Jason Patric")
    assert matches_alias("Jasón Pátric!", "Jason Patric")
    assert matches_alias("the Metro-Goldwyn-Mayer", "Metro Goldwyn Mayer")
    assert matches_alias("Gaines' ", "Gaines")
    assert matches_alias("Kim  Wozencraft.", "Kim Wozencraft")


def test_small_typos_scaled_to_length() -> None:
    assert matches_alias("Wozencaft", "Wozencraft")  # one letter dropped from a long word
    assert matches_alias("Jason Partic", "Jason Patric")  # a swap
    assert matches_alias("Jasen", "Jason")  # five letters: one typo allowed
    assert not matches_alias("Wzncrft", "Wozencraft")  # three edits in ten letters: too many
    assert not matches_alias("Lary", "Larry")  # a four-letter answer must be exact


def test_short_words_need_an_exact_match() -> None:
    assert not matches_alias("Dod", "Dodd")
    assert not matches_alias("Wil", "Will")
    assert matches_alias("dodd", "Dodd")


def test_air_never_matches_chair() -> None:
    assert not matches_alias("air", "chair")
    assert not matches_alias("chair", "air")
    assert not is_correct("air", ["chair", "The Chair"])


def test_whole_tokens_only() -> None:
    assert not matches_alias("Patric", "Jason Patric")  # the surname is its own alias, not a partial match
    assert not matches_alias("Jason", "Jason Patric")
    assert not matches_alias("Jason Patric Smith", "Jason Patric")


def test_numbers_are_exact() -> None:
    assert matches_alias("1991", "1991")
    assert not matches_alias("1992", "1991")
    assert not matches_alias("12O", "120")


def test_person_aliases() -> None:
    assert person_aliases("Sam Elliott") == ("Sam Elliott", "Elliott")
    assert person_aliases("Dodd") == ("Dodd",)
    assert person_aliases("Harry Connick Jr.")[-1] == "Connick"


@given(NAMES)
def test_an_alias_matches_itself_in_any_case(name: str) -> None:
    assert matches_alias(name.upper(), name)
    assert matches_alias(f"  {name.title()}  ", name)


@given(NAMES)
def test_fold_is_idempotent(name: str) -> None:
    assert fold(fold(name)) == fold(name)


@given(
    st.text(alphabet=string.ascii_lowercase, min_size=8, max_size=14),
    st.integers(0, 100),
    st.sampled_from("xyz"),
)
def test_one_substitution_in_a_long_word_still_matches(word: str, at: int, letter: str) -> None:
    index = at % len(word)
    typo = word[:index] + letter + word[index + 1 :]
    assert matches_alias(typo, word)


@given(
    st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=4),
    st.text(alphabet="qwxz", min_size=1, max_size=3),
)
def test_a_short_word_inside_a_longer_one_never_matches(short: str, extra: str) -> None:
    assert not matches_alias(short, extra + short)
    assert not matches_alias(extra + short, short)


@given(NAMES, NAMES)
def test_matching_is_symmetric_for_equal_length_words(a: str, b: str) -> None:
    if len(tokens(a)) == len(tokens(b)) and all(
        len(x) == len(y) for x, y in zip(tokens(a), tokens(b), strict=True)
    ):
        assert matches_alias(a, b) == matches_alias(b, a)


@given(NAMES, WORDS)
def test_an_extra_word_never_matches(name: str, extra: str) -> None:
    if tokens(name) and extra not in {"the", "a", "an"}:
        assert not matches_alias(f"{name} {extra}", name)
