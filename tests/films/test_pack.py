"""The shipped Rush pack: valid, traced to its sources, and honest about disputes and gaps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.films import Film, SpoilerLevel, iter_evidence, iter_facts, load_pack, pack_problems
from bot.films.loader import MAX_QUOTE_WORDS, REQUIRED_FACTS

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "data" / "films" / "rush.toml"
SEEDS = ROOT.parent / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="the source documents are not shipped")
COPIED_RUN = 13  # this many words in a row shared with a source means a sentence was copied


@pytest.fixture(scope="module")
def film() -> Film:
    return load_pack(PACK)


def _values(film: Film, key: str) -> list[str]:
    return [variant.value for variant in film.fact(key).variants]


def test_pack_validates(film: Film) -> None:
    assert film.key == "rush"
    assert film.title == "Rush"
    assert pack_problems(film) == []
    assert set(REQUIRED_FACTS) <= set(film.facts)


def test_every_fact_is_traced_and_every_dispute_keeps_its_variants(film: Film) -> None:
    for _, fact in iter_facts(film):
        assert fact.label
        for variant in fact.variants:
            assert variant.evidence, fact.key
        if fact.disputed:
            assert len(fact.variants) >= 2
            assert len({variant.value for variant in fact.variants}) == len(fact.variants), fact.key
            assert fact.note or fact.key.startswith("cast."), f"{fact.key}: a dispute should say why"


def test_evidence_is_short(film: Film) -> None:
    for path, evidence in iter_evidence(film):
        assert 0 < len(evidence.quote.split()) <= MAX_QUOTE_WORDS, path
        assert evidence.source in {source.key for source in film.sources}, path


def test_sources_are_described_as_the_documents_give_them(film: Film) -> None:
    explainer, review, summary = film.sources
    assert (explainer.author, explainer.date, explainer.kind) == ("Daniel Fox", None, "explainer")
    assert (review.author, review.date, review.kind) == (None, "February 8, 2021", "review")
    assert (summary.author, summary.date, summary.kind) == (None, None, "plot summary")


def test_release_year_is_disputed_with_numbers(film: Film) -> None:
    fact = film.fact("release_year")
    assert fact.disputed
    years = {variant.amount: set(variant.sources) for variant in fact.variants}
    assert years == {1991: {"explainer", "review"}, 1992: {"summary"}}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("setting_place", {"A small town", "A city"}),
        ("dodd_superior", {"Nettle", "Nettles"}),
        ("case_assigned_by", {"Captain Dodd, Raynor's supervisor", "Larry, their lieutenant"}),
    ],
)
def test_known_disputes(film: Film, key: str, expected: set[str]) -> None:
    assert film.fact(key).disputed
    assert expected <= set(_values(film, key))


@pytest.mark.parametrize(
    "key",
    ["setting_time", "elliott_rank", "addiction_start", "gaines_description", "framing_pressure"],
)
def test_disputes_set_one_source_against_another(film: Film, key: str) -> None:
    sources = [set(variant.sources) for variant in film.fact(key).variants]
    assert len(sources) >= 2
    assert any(a != b for a in sources for b in sources), key


def test_setting_time_variants(film: Film) -> None:
    fact = film.fact("setting_time")
    by_source = {source: variant for variant in fact.variants for source in variant.sources}
    assert by_source["review"].amount == 1975
    assert "present" in by_source["summary"].value.lower()


def test_sam_elliott_plays_dodd_or_larry(film: Film) -> None:
    (elliott,) = [member for member in film.cast if member.actor == "Sam Elliott"]
    assert elliott.character.disputed
    assert {(v.value, v.sources) for v in elliott.character.variants} == {
        ("Dodd", ("explainer",)),
        ("Larry", ("review",)),
    }


@pytest.mark.parametrize(
    ("key", "value", "sources"),
    [
        ("screenplay", "Pete Dexter", ("review",)),
        ("novel", "Kim Wozencraft", ("review",)),
        ("studio", "Metro-Goldwyn-Mayer (MGM)", ("summary",)),
        ("setting_town", "Katterly", ("review",)),
        ("director", "Lili Fini Zanuck", ("explainer", "review", "summary")),
    ],
)
def test_settled_facts(film: Film, key: str, value: str, sources: tuple[str, ...]) -> None:
    variant = film.fact(key).value
    assert variant is not None
    assert (variant.value, variant.sources) == (value, sources)


def test_runtime_is_in_minutes(film: Film) -> None:
    assert film.runtime_minutes == 120


def test_unstated_facts(film: Film) -> None:
    assert not film.fact("novel_title").stated
    assert not film.fact("nettles_actor").stated
    parts = {member.actor: member for member in film.cast}
    assert not parts["Max Perlich"].character.stated
    assert parts["Max Perlich"].description.stated
    assert not parts["Tony Frank"].character.stated
    assert not parts["Tony Frank"].description.stated
    assert parts["Tony Frank"].character_key is None


def test_cast_links_to_characters(film: Film) -> None:
    keys = {character.key for character in film.characters}
    linked = {member.actor: member.character_key for member in film.cast}
    assert linked["Jason Patric"] == "raynor"
    assert linked["Jennifer Jason Leigh"] == "cates"
    assert {key for key in linked.values() if key} <= keys


def test_beats_run_in_order_from_setup_to_ending(film: Film) -> None:
    assert [beat.number for beat in film.beats] == list(range(1, len(film.beats) + 1))
    levels = [beat.level for beat in film.beats]
    assert levels == sorted(levels)
    assert levels[0] is SpoilerLevel.SETUP
    assert levels[-1] is SpoilerLevel.ENDING
    assert all(beat.keywords and beat.evidence for beat in film.beats)


def test_synopses(film: Film) -> None:
    assert film.synopsis_safe
    assert all(part.reveal <= film.setup_end for part in film.synopsis_safe)
    ends = [part.reveal for part in film.synopsis_full]
    assert ends == sorted(set(ends)) and ends[-1] == film.last_beat
    assert {film.level_of(end) for end in ends} == set(SpoilerLevel)


@needs_seeds
def test_every_evidence_phrase_is_in_the_document_it_cites(film: Film) -> None:
    texts = {source.key: (SEEDS / source.file).read_text(encoding="utf-8") for source in film.sources}
    missing = [path for path, evidence in iter_evidence(film) if evidence.quote not in texts[evidence.source]]
    assert missing == []


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("\u2019", "'"))


def _shown_texts(film: Film) -> Iterator[tuple[str, str]]:
    for path, fact in iter_facts(film):
        yield f"{path}.note", fact.note
        for index, variant in enumerate(fact.variants):
            yield f"{path}.variants[{index}].value", variant.value
    for character in film.characters:
        yield f"character {character.key}", character.description
    for beat in film.beats:
        yield f"beat {beat.number}", f"{beat.title} {beat.summary}"
    for part in (*film.synopsis_safe, *film.synopsis_full):
        yield "synopsis", part.text
    for theme in film.themes:
        yield f"theme {theme.name}", theme.description


@needs_seeds
def test_nothing_shown_to_users_copies_a_source_sentence(film: Film) -> None:
    runs: set[tuple[str, ...]] = set()
    for source in film.sources:
        words = _words((SEEDS / source.file).read_text(encoding="utf-8"))
        runs |= {tuple(words[i : i + COPIED_RUN]) for i in range(len(words) - COPIED_RUN + 1)}
    for where, text in _shown_texts(film):
        words = _words(text)
        copied = [i for i in range(len(words) - COPIED_RUN + 1) if tuple(words[i : i + COPIED_RUN]) in runs]
        assert copied == [], where
