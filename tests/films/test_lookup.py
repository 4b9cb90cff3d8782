"""Cast and beat lookups: tolerant of case, accents and typos, and never returning junk."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.films import (
    Film,
    beat_choices,
    cast_choices,
    find_beats,
    find_cast,
    index_for,
    load_pack,
    normalise,
)
from bot.policy import public_reader, reader_for

PACK = Path(__file__).resolve().parents[2] / "data" / "films" / "rush.toml"


@pytest.fixture(scope="module")
def film() -> Film:
    return load_pack(PACK)


def _actors(film: Film, query: str) -> list[str]:
    return [member.actor for member in find_cast(film, query).matches]


def test_normalise_folds_case_accents_and_punctuation() -> None:
    assert normalise("  Kristén   CATES! ") == "kristen cates"
    assert normalise("Gaines’s") == "gaines s"
    assert normalise("") == ""


@pytest.mark.parametrize(
    ("query", "actor"),
    [
        ("sam eliot", "Sam Elliott"),
        ("raynor", "Jason Patric"),
        ("kristen", "Jennifer Jason Leigh"),
        ("Kristén", "Jennifer Jason Leigh"),
        ("KRISTEN CATES", "Jennifer Jason Leigh"),
        ("Jennifer Jason Leigh", "Jennifer Jason Leigh"),
        ("larry", "Sam Elliott"),
        ("Dodd", "Sam Elliott"),
        ("greg alman", "Gregg Allman"),
        ("will gaines", "Gregg Allman"),
        ("jim", "Jason Patric"),
        ("perlich", "Max Perlich"),
    ],
)
def test_find_cast_by_actor_or_character(film: Film, query: str, actor: str) -> None:
    lookup = find_cast(film, query)
    assert lookup.matches[0].actor == actor
    assert lookup.suggestions == ()


def test_match_carries_its_sources(film: Film) -> None:
    (member,) = find_cast(film, "sam eliot").matches
    assert [variant.sources for variant in member.character.variants] == [("explainer",), ("review",)]


def test_shared_name_matches_both(film: Film) -> None:
    assert set(_actors(film, "jason")) == {"Jason Patric", "Jennifer Jason Leigh"}


def test_unknown_name_gets_suggestions(film: Film) -> None:
    lookup = find_cast(film, "Tom Hanks")
    assert lookup.matches == ()
    assert "Tony Frank" in lookup.suggestions
    assert find_cast(film, "sammy").suggestions[0] == "Sam Elliott"


@pytest.mark.parametrize("query", ["", "   ", "!!!", "x", "qwerty", "asdfghjkl", "zzzz zzzz", "the"])
def test_garbage_matches_nothing(film: Film, query: str) -> None:
    lookup = find_cast(film, query)
    assert lookup.matches == ()
    assert lookup.suggestions == ()


def test_cast_choices_with_nothing_typed(film: Film) -> None:
    choices = cast_choices(film, "")
    assert choices[0] == ("Jason Patric as Jim Raynor", "Jason Patric")
    assert ("Larry (Sam Elliott)", "Larry") in choices
    assert ("Tony Frank", "Tony Frank") in choices


def test_cast_choices_best_first(film: Film) -> None:
    assert cast_choices(film, "sam el")[0] == ("Sam Elliott as Dodd / Larry", "Sam Elliott")
    assert cast_choices(film, "kris")[0][1] == "Kristen Cates"
    assert cast_choices(film, "qqqq") == []


def test_every_choice_value_finds_its_member(film: Film) -> None:
    for _, value in cast_choices(film, ""):
        lookup = find_cast(film, value)
        assert lookup.matches or lookup.unplayed, value


def test_choices_are_capped_at_25(film: Film) -> None:
    crowded = dataclasses.replace(film, cast=film.cast * 6)
    assert len(cast_choices(crowded, "")) == 25
    assert len(cast_choices(crowded, "a")) <= 25
    many_beats = dataclasses.replace(film, beats=film.beats * 2)
    assert len(beat_choices(many_beats, "")) == 25


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("shotgun", 13),
        ("grand jury", 14),
        ("Race", 2),
        ("nose gesture", 15),
        ("heroin", 7),
        ("framing gaines", 12),
        ("back seat", 16),
        ("apartment", 4),
        ("netles", 11),
        ("8", 8),
    ],
)
def test_find_beats(film: Film, text: str, number: int) -> None:
    assert find_beats(film, text)[0].number == number


def test_find_beats_searches_only_what_the_reader_may_see(film: Film) -> None:
    public = public_reader(film.setup_end)
    assert find_beats(film, "shotgun", public) == ()
    assert find_beats(film, "acquitted", public) == ()
    found = find_beats(
        film, "gaines", reader_for(setup_end=film.setup_end, spoiler_channel=False, private=True, progress=12)
    )
    assert found
    assert all(beat.number <= 12 for beat in found)


@pytest.mark.parametrize("text", ["", "qwxz", "zzzzzz", "!!!"])
def test_find_beats_garbage(film: Film, text: str) -> None:
    assert find_beats(film, text) == ()


def test_beat_choices(film: Film) -> None:
    everything = beat_choices(film, "")
    assert everything[0] == ("1 · Orders to find a partner", 1)
    assert [number for _, number in everything] == list(range(1, len(film.beats) + 1))
    assert beat_choices(film, "8")[0][1] == 8
    assert beat_choices(film, "8 · Something edited")[0][1] == 8
    assert {number for _, number in beat_choices(film, "1")} >= {1, 10, 11}
    assert beat_choices(film, "grand")[0][1] == 14

    nothing_seen = reader_for(setup_end=film.setup_end, spoiler_channel=False, private=True, progress=0)
    neutral = beat_choices(film, "", nothing_seen)
    assert neutral == [(f"Beat {n}", n) for n in range(1, film.last_beat + 1)]
    public = public_reader(film.setup_end)
    shown = dict((number, name) for name, number in beat_choices(film, "", public))
    assert shown[film.setup_end] == f"{film.setup_end} · {film.beat(film.setup_end).title}"
    assert shown[film.setup_end + 1] == f"Beat {film.setup_end + 1}"
    # Words from later beats find nothing past the reader's point; the number still does.
    assert all(number <= film.setup_end for _, number in beat_choices(film, "grand jury", public))
    assert all(number <= film.setup_end for _, number in beat_choices(film, "trial", public))
    assert beat_choices(film, "14", public)[0] == ("Beat 14", 14)
    assert beat_choices(film, "Beat 14", public)[0] == ("Beat 14", 14)


def test_cast_choices_hide_names_the_reader_has_not_met(film: Film) -> None:
    nothing_seen = reader_for(setup_end=film.setup_end, spoiler_channel=False, private=True, progress=0)
    labels = [name for name, _ in cast_choices(film, "", nothing_seen)]
    assert "Gregg Allman" in labels
    assert not any("Gaines" in label or "Larry" in label for label in labels)
    assert any("Gaines" in name for name, _ in cast_choices(film, "", public_reader(film.setup_end)))


def test_index_is_built_once(film: Film) -> None:
    assert index_for(film) is index_for(film)


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_any_text_is_safe(film: Film, text: str) -> None:
    lookup = find_cast(film, text)
    assert len(lookup.suggestions) <= 3
    assert not (lookup.matches and lookup.suggestions)
    for choices in (cast_choices(film, text), beat_choices(film, text)):
        assert len(choices) <= 25
        assert all(0 < len(name) <= 100 for name, _ in choices)
    assert all(isinstance(beat.number, int) for beat in find_beats(film, text))


def test_cast_suggestions_leave_out_names_the_reader_has_not_met(film: Film) -> None:
    assert "Larry" in find_cast(film, "Barrymore").suggestions
    nothing_seen = reader_for(setup_end=film.setup_end, spoiler_channel=False, private=True, progress=0)
    assert "Larry" not in find_cast(film, "Barrymore", nothing_seen).suggestions
