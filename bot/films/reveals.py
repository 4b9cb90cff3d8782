"""Reveal points: every text of a pack with the beat that first reveals it, and the checks on them.

A reveal point may come later than the evidence needs (more tagging is safe), never earlier: text
whose evidence overlaps a beat's own evidence relies on that beat. `bot.films.check` adds the
sentence-level version of this rule when the source documents are at hand.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.films.model import Evidence, Film, iter_facts


def iter_texts(film: Film) -> Iterator[tuple[str, str, int]]:
    """Every piece of film text the bot can show, as (field path, text, reveal point)."""
    for path, fact in iter_facts(film):
        yield f"{path}.label", fact.label, fact.label_reveal
        if fact.note:
            yield f"{path}.note", fact.note, fact.note_reveal
        for index, variant in enumerate(fact.variants):
            yield f"{path}.variants[{index}].value", variant.value, variant.reveal
    for index, character in enumerate(film.characters):
        for name in (character.name, *character.aliases):
            yield f"characters[{index}].name", name, character.reveal
        yield f"characters[{index}].description", character.description, character.description_reveal
    for index, beat in enumerate(film.beats):
        yield f"beats[{index}].title", beat.title, beat.title_reveal
        yield f"beats[{index}].summary", beat.summary, beat.reveal
        for keyword in beat.keywords:
            yield f"beats[{index}].keywords", keyword, beat.reveal
    for name, parts in (("safe", film.synopsis_safe), ("full", film.synopsis_full)):
        for index, part in enumerate(parts):
            yield f"synopsis.{name}[{index}].text", part.text, part.reveal
    for index, theme in enumerate(film.themes):
        yield f"themes[{index}].name", theme.name, theme.reveal
        yield f"themes[{index}].description", theme.description, theme.description_reveal
    for index, prompt in enumerate(film.prompts):
        yield f"prompts[{index}].text", prompt.text, prompt.reveal


def iter_reliance(film: Film) -> Iterator[tuple[str, int, tuple[Evidence, ...]]]:
    """Every text that rests on evidence, as (field path, its reveal point, the evidence it rests on)."""
    for path, fact in iter_facts(film):
        for index, variant in enumerate(fact.variants):
            yield f"{path}.variants[{index}].reveal", variant.reveal, variant.evidence
    for index, character in enumerate(film.characters):
        yield f"characters[{index}].description_reveal", character.description_reveal, character.evidence
    for index, theme in enumerate(film.themes):
        yield f"themes[{index}].description_reveal", theme.description_reveal, theme.evidence


def _quote_key(evidence: Evidence) -> tuple[str, str]:
    return evidence.source, " ".join(evidence.quote.casefold().split())


def relied_beat(film: Film, evidence: Evidence) -> int:
    """The latest beat whose own evidence overlaps this phrase (one contains the other); 0 when none does."""
    source, quote = _quote_key(evidence)
    found = 0
    for beat in film.beats:
        for own in beat.evidence:
            own_source, own_quote = _quote_key(own)
            if own_source == source and (quote in own_quote or own_quote in quote):
                found = max(found, beat.number)
    return found


def reveal_problems(film: Film) -> Iterator[tuple[str, str]]:
    """Reveal points out of range, too early for their evidence, or out of order, as (path, problem)."""
    last = film.last_beat
    for path, _text, reveal in iter_texts(film):
        if reveal > last and not path.startswith("beats["):  # a beat's own number is checked as numbering
            yield path, f"reveal point {reveal} is past the last beat ({last})"
    for index, (beat, before) in enumerate(zip(film.beats[1:], film.beats, strict=False), 1):
        if beat.level < before.level:
            yield f"beats[{index}].level", "levels name ranges of beats: they never go back to an earlier one"
    for index, beat in enumerate(film.beats):
        if beat.title_reveal > beat.number:
            yield (
                f"beats[{index}].title_reveal",
                f"a beat's title may reveal only its own beat and earlier ones ({beat.title_reveal} > {beat.number})",
            )
    for index, part in enumerate(film.synopsis_safe):
        if part.reveal > film.setup_end:
            yield (
                f"synopsis.safe[{index}].reveal",
                f"the spoiler-free synopsis holds setup passages only (the setup ends at beat {film.setup_end})",
            )
    previous = 0
    for index, part in enumerate(film.synopsis_full):
        if part.reveal <= previous:
            yield (
                f"synopsis.full[{index}].reveal",
                "each full-synopsis passage ends at a later beat than the one before it",
            )
        previous = max(previous, part.reveal)
    if film.synopsis_full and film.beats and previous != last:
        yield "synopsis.full", f"the last passage must end at the last beat ({last}), not {previous}"
    for path, reveal, evidence in iter_reliance(film):
        needed = max((relied_beat(film, item) for item in evidence), default=0)
        if reveal < needed:
            yield path, f"reveal point {reveal} comes before beat {needed}, whose evidence it relies on"
