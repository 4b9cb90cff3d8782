"""Rendering: every page of every lookup fits Discord's limits, and tags sit where the policy says."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import discord
import pytest

from bot.films.loader import load_pack
from bot.films.model import (
    Beat,
    CastMember,
    Evidence,
    Fact,
    Film,
    Source,
    SpoilerLevel,
    SynopsisPart,
    Variant,
)
from bot.films.reveals import iter_texts
from bot.policy import Place, Reader, public_reader, reader_for
from bot.settings import DEFAULT_FILMS_DIR
from bot.spoilers import hidden_text, unescaped_marks, visible_text
from bot.standin.limits import check_embeds
from cogs.lookups import _render

PUBLIC = public_reader(1)  # the hand-built film's setup is beat 1
SPOILER_CHANNEL = Reader(Place.SPOILER_CHANNEL, None)
PACKS = sorted(DEFAULT_FILMS_DIR.glob("*.toml"))


@pytest.fixture(scope="module", params=PACKS, ids=[p.stem for p in PACKS])
def pack(request: pytest.FixtureRequest) -> Film:
    path: Path = request.param
    return load_pack(path)


def _fits(embeds: list[discord.Embed]) -> None:
    assert embeds
    for embed in embeds:
        assert check_embeds([embed.to_dict()]) == []
        description = embed.description or ""
        for line in description.split("\n"):
            assert len(unescaped_marks(line, "||")) % 2 == 0, line
        assert unescaped_marks(description, "`") == []


def _visible(embeds: list[discord.Embed]) -> str:
    return "\n".join(visible_text(e.description or "") + "\n" + (e.title or "") for e in embeds)


def _readers(film: Film) -> list[Reader]:
    public = public_reader(film.setup_end)
    readers = [public, SPOILER_CHANNEL, public.with_opt_in(False)]
    for beat in range(film.last_beat + 1):
        readers.append(
            reader_for(setup_end=film.setup_end, spoiler_channel=False, private=True, progress=beat)
        )
    return readers


def _all_pages(film: Film, reader: Reader) -> list[discord.Embed]:
    embeds = [*_render.synopsis_pages(film, reader), *_render.timeline_pages(film, reader)]
    embeds += [*_render.film_pages(film, reader), *_render.search_pages(film, "q", film.beats, reader)]
    embeds += [*_render.cast_pages(film, reader), *_render.progress_pages(film, reader)]
    for beat in film.beats:
        embeds += _render.beat_pages(film, beat, reader)
    return embeds


def test_every_list_fits_for_every_reader(pack: Film) -> None:
    for reader in _readers(pack):
        _fits(_render.film_pages(pack, reader))
        _fits(_render.cast_pages(pack, reader))
        _fits(_render.synopsis_pages(pack, reader))
        _fits(_render.timeline_pages(pack, reader))
        _fits(_render.progress_pages(pack, reader))
    _fits(_render.sources_pages(pack))


def test_every_beat_and_cast_member_fits(pack: Film) -> None:
    for reader in _readers(pack):
        for beat in pack.beats:
            _fits(_render.beat_pages(pack, beat, reader))
        for member in pack.cast:
            _fits(_render.cast_embeds(pack, [member], reader))
        _fits(_render.search_pages(pack, "x" * 60, pack.beats, reader))


def test_no_reader_sees_text_revealed_after_their_beat(pack: Film) -> None:
    texts = list(iter_texts(pack))
    for reader in _readers(pack):
        shown = _visible(_all_pages(pack, reader))
        for path, text, reveal in texts:
            if not reader.sees(reveal) and len(text) > 12:  # short names may also be parts of earlier text
                assert text not in shown, (reader, path)


def test_default_synopsis_leaves_later_parts_out(pack: Film) -> None:
    pages = _render.synopsis_pages(pack, public_reader(pack.setup_end).with_opt_in(False))
    text = "\n".join(hidden_text(p.description or "") + visible_text(p.description or "") for p in pages)
    for part in pack.synopsis_full:
        if part.reveal > pack.setup_end:
            assert part.text not in text
    assert pack.synopsis_safe[0].text in text


def test_full_synopsis_tags_later_parts_and_a_spoiler_channel_shows_them(pack: Film) -> None:
    later = [p.text for p in pack.synopsis_full if p.reveal > pack.setup_end]
    public = public_reader(pack.setup_end)
    tagged = "\n".join(hidden_text(p.description or "") for p in _render.synopsis_pages(pack, public))
    open_text = _visible(_render.synopsis_pages(pack, SPOILER_CHANNEL))
    for text in later:
        assert " ".join(text.split()) in " ".join(tagged.split())
        assert text in open_text


def test_progress_untags_up_to_the_beat_and_tags_after_it(pack: Film) -> None:
    middle = pack.setup_end + 1
    reader = reader_for(setup_end=pack.setup_end, spoiler_channel=False, private=True, progress=middle)
    shown = _visible(_render.timeline_pages(pack, reader))
    for beat in pack.beats:
        assert (beat.title in shown) == (beat.number <= middle)


def test_labels_that_give_something_away_are_tagged(pack: Film) -> None:
    public = public_reader(pack.setup_end)
    shown = _visible(_render.film_pages(pack, public))
    for fact in pack.facts.values():
        assert (fact.label in shown) == (fact.label_reveal <= pack.setup_end), fact.key


# --- a small hand-built film for the edge cases -----------------------------------------------------


def _ev(source: str) -> tuple[Evidence, ...]:
    return (Evidence(source, "quote"),)


def _film(summary: str = "A *quiet* start with `ticks` || and bars.") -> Film:
    year = Fact(
        "release_year",
        "Release year",
        (Variant("1991", _ev("a") + _ev("b"), 1991), Variant("1992", _ev("c"), 1992)),
    )
    ending = Fact("fate", "Fate", (Variant("Gone ||`", _ev("c"), reveal=3),), label_reveal=3)
    unstated = Fact("novel", "Novel", ())
    beats = (
        Beat(1, "Start", summary, SpoilerLevel.SETUP, _ev("a")),
        Beat(2, "Twist || `x`", "Secret middle " * 400, SpoilerLevel.MIDDLE, _ev("b"), title_reveal=2),
        Beat(3, "End", "Secret end", SpoilerLevel.ENDING, _ev("c"), title_reveal=3),
    )
    member = CastMember("Ann Actor", _ev("a"), Fact("character", "Character", ()), None, unstated)
    return Film(
        key="tiny",
        title="Tiny",
        facts=MappingProxyType({"release_year": year, "fate": ending, "novel": unstated}),
        cast=(member,),
        characters=(),
        beats=beats,
        synopsis_safe=(SynopsisPart(1, "Safe."),),
        synopsis_full=(SynopsisPart(1, "Safe."), SynopsisPart(3, "Late.")),
        themes=(),
        sources=tuple(Source(k, f"{k}.txt", f"Doc {k}", "review", None, None) for k in "abc"),
    )


def test_disputes_show_every_variant_with_counts_and_sources() -> None:
    film = _film()
    text = _render.film_pages(film, PUBLIC)[0].description or ""
    assert "1991 (2 sources: [1][2]) · 1992 (1 source: [3])" in text
    assert "**Novel:** not stated" in text
    assert "||Gone \\|\\|\\`||" in text
    assert "||Fate:||" in text


def test_a_long_beat_is_split_across_pages_with_every_piece_tagged() -> None:
    film = _film()
    pages = _render.beat_pages(film, film.beat(2), PUBLIC)
    assert len(pages) > 1
    _fits(pages)
    for page in pages:
        assert "Secret" not in visible_text(page.description or "")


def test_markup_in_pack_text_is_shown_literally() -> None:
    film = _film()
    description = _render.beat_pages(film, film.beat(1), PUBLIC)[0].description or ""
    assert "A \\*quiet\\* start with \\`ticks\\` \\|\\| and bars." in description
    assert visible_text(description).endswith("A *quiet* start with `ticks` || and bars.")


def test_unstated_cast_fields_say_so() -> None:
    film = _film()
    block = _render.cast_block(film, film.cast[0], PUBLIC)
    assert "Character: not stated" in block and "Role: not stated" in block


def test_sources_name_author_and_date_or_not_stated() -> None:
    text = _render.sources_pages(_film())[0].description or ""
    assert "Author: not stated · Date: not stated · Kind: review" in text


def test_not_in_cast_offers_at_most_three_suggestions() -> None:
    message = _render.not_in_cast("Zed", ["A", "B", "C", "D"])
    assert "not in the cast" in message and "**C**" in message and "**D**" not in message


def test_a_not_stated_note_is_not_repeated() -> None:
    film = _film()
    fact = Fact("novel", "Novel", (), note="Not stated: only one source mentions it.")
    assert _render.fact_text(film, fact, PUBLIC) == "not stated — Only one source mentions it."
    assert _render.fact_text(film, Fact("x", "X", (), note="Not stated."), PUBLIC) == "not stated"
