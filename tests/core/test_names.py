"""The one name matcher: fair to typos, accents and articles; never partial words; quantities in any form."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.names import (
    Named,
    NameIndex,
    fold,
    is_correct,
    person_variants,
    plain_index,
    quantity,
    tokens,
    unambiguous_variants,
)
from bot.names import matches as matches_alias

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
    assert matches_alias("Lary", "Larry")  # five letters: one edit
    assert not matches_alias("Lar", "Larry")  # two edits in five letters: too many


def test_short_words_need_an_exact_match() -> None:
    assert not matches_alias("Dod", "Dodd")  # four letters: a wrong letter, never a missing one
    assert not matches_alias("Wil", "Will")
    assert matches_alias("Lily", "Lili")
    assert not matches_alias("Jin", "Jim")  # three letters: exact
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


def test_person_variants() -> None:
    assert person_variants("Sam Elliott") == ("Sam Elliott", "Elliott", "Sam")
    assert person_variants("Dodd") == ("Dodd",)
    assert person_variants("Harry Connick Jr.")[1] == "Connick"
    assert set(person_variants("Lili Fini Zanuck")) >= {"Lili Zanuck", "Zanuck", "Lili", "Fini Zanuck"}


def test_short_forms_shared_with_someone_else_are_dropped() -> None:
    everyone = ["Jason Patric", "Jennifer Jason Leigh"]
    assert unambiguous_variants("Jason Patric", everyone) == ("Jason Patric", "Patric")
    assert "Jason" not in unambiguous_variants("Jennifer Jason Leigh", everyone)
    assert "Jennifer" in unambiguous_variants("Jennifer Jason Leigh", everyone)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("sam eliot", "Sam Elliott"),  # the README's /cast example
        ("greg allman", "Gregg Allman"),
        ("Lily Fini Zanuck", "Lili Fini Zanuck"),
    ],
)
def test_the_typos_cast_forgives(typed: str, expected: str) -> None:
    assert matches_alias(typed, expected)


@pytest.mark.parametrize(
    "typed",
    ["2 hours", "two hours", "about 2 hours", "120 minutes", "About 2 hours", "2h", "2 hrs.", "120 mins"],
)
def test_a_duration_in_words_or_digits(typed: str) -> None:
    assert matches_alias(typed, "About 2 hours")


@pytest.mark.parametrize(
    "typed", ["3 hours", "2 h 30 min", "90 minutes", "2", "hours", "about", "twenty hours"]
)
def test_another_duration_is_wrong(typed: str) -> None:
    assert not matches_alias(typed, "About 2 hours")


def test_quantities() -> None:
    assert quantity("an hour and a half") == quantity("90 minutes")
    assert quantity("1h30") == quantity("1.5 hours")
    assert quantity("1991") == quantity("in 1991")
    assert quantity("the race") is None
    assert matches_alias("1991", "1991")
    assert not matches_alias("1991 minutes", "1991")


@given(st.integers(1, 600))
def test_minutes_and_hours_agree(minutes: int) -> None:
    hours, rest = divmod(minutes, 60)
    spelled = " ".join(
        part for part in (f"{hours} h" if hours else "", f"{rest} min" if rest else "") if part
    )
    assert matches_alias(spelled, f"{minutes} minutes")
    assert matches_alias(f"about {minutes} min", f"{minutes} minutes")
    assert not matches_alias(f"{minutes + 1} minutes", f"{minutes} minutes")


def test_index_finds_by_any_run_of_words() -> None:
    index = NameIndex([Named("jp", ("Jason Patric",)), Named("jjl", ("Jennifer Jason Leigh", "Kristen"))])
    assert set(index.find("jason")) == {"jp", "jjl"}
    assert index.find("jenifer leigh") == ["jjl"]
    assert index.find("kristen") == ["jjl"]
    assert index.find("jas") == []
    assert set(index.complete("jas")) == {"jp", "jjl"}
    assert index.complete("jason p") == ["jp"]
    assert index.suggest("jasonn patrick smith") == ["Jason Patric"]


def test_plain_names_ignore_case_and_separators() -> None:
    zones = ["Europe/Paris", "Europe/London", "America/New_York"]
    index = plain_index(zones)
    assert index.complete("europe/pa") == ["Europe/Paris"]
    assert index.find("new york") == ["America/New_York"]
    assert index.find("EUROPE/PARIS") == ["Europe/Paris"]
    assert index.complete("") == zones


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
    st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=3),
    st.text(alphabet="qwxz", min_size=1, max_size=3),
)
def test_a_short_word_inside_a_longer_one_never_matches(short: str, extra: str) -> None:
    # (a four-letter word may miss one letter of a five-letter one: "greg" for "Gregg")
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
