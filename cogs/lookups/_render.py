"""Embeds for the lookup commands, built from plain film data and a `Reader`.

Every function here returns embeds that already fit Discord's limits without trimming: spoiler-tagged text is
split between lines or pages, never cut, so `fit_embed` never has to shorten a tag.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import discord

from bot.films.model import Beat, CastMember, Character, Fact, Film, Variant
from bot.policy import Reader
from bot.render import EMBED_DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT, FOOTER_LIMIT, fit_embed, truncate
from bot.spoilers import Segment, escape, paginate, split_segment
from bot.usertext import plain

NOT_STATED = "not stated"
# Room kept free in every embed for the title, the footer and the page marker.
DESCRIPTION_BUDGET = 3600
FOOTER_BUDGET = 1500
CAST_PER_PAGE = 8
SEARCH_PER_PAGE = 5
TIMELINE_PER_PAGE = 25
COLOUR = discord.Colour.dark_teal()


# --- sources -------------------------------------------------------------------------------------------


def source_number(film: Film, key: str) -> int:
    """The 1-based footnote number of a source, in pack order."""
    return next(index for index, source in enumerate(film.sources, 1) if source.key == key)


def refs(film: Film, keys: Iterable[str]) -> str:
    """Footnote marks such as `[1][3]` for source keys, in pack order."""
    numbers = sorted({source_number(film, key) for key in keys if _known(film, key)})
    return "".join(f"[{n}]" for n in numbers)


def _known(film: Film, key: str) -> bool:
    return any(source.key == key for source in film.sources)


def source_footer(film: Film, keys: Iterable[str] | None = None) -> str:
    """`Sources: [1] Title (kind) · …` for the given source keys (all sources when None)."""
    wanted = None if keys is None else set(keys)
    parts = [
        f"[{index}] {source.title} ({source.kind})"
        for index, source in enumerate(film.sources, 1)
        if wanted is None or source.key in wanted
    ]
    return truncate("Sources: " + (" · ".join(parts) if parts else NOT_STATED), FOOTER_BUDGET)


def _embed(title: str, description: str, footer: str) -> discord.Embed:
    embed = discord.Embed(title=truncate(title, 256), description=description or None, colour=COLOUR)
    embed.set_footer(text=truncate(footer, FOOTER_LIMIT))
    return fit_embed(embed)


def _pages(
    title: str, blocks: Sequence[str], footer: str, per_page: int | None = None
) -> list[discord.Embed]:
    """One embed per page of blocks; the page marker goes in the title."""
    budget = min(DESCRIPTION_BUDGET, EMBED_DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - len(footer) - 300)
    pages = paginate(blocks, budget, separator="\n\n", max_blocks=per_page) or [""]
    if len(pages) == 1:
        return [_embed(title, pages[0], footer)]
    return [_embed(f"{title} ({n}/{len(pages)})", page, footer) for n, page in enumerate(pages, 1)]


def _blocks(segment: Segment, prefix: str = "") -> list[str]:
    """Render a segment as one or more blocks that each fit a page, the prefix on the first."""
    room = DESCRIPTION_BUDGET - len(prefix) - 2
    pieces = split_segment(segment, room)
    return [(prefix if i == 0 else "") + piece.render() for i, piece in enumerate(pieces)]


# --- facts ---------------------------------------------------------------------------------------------


def count_sources(n: int) -> str:
    """`1 source` / `2 sources`."""
    return f"{n} source" if n == 1 else f"{n} sources"


def variant_text(film: Film, variant: Variant, reader: Reader) -> str:
    """One variant: its value (tagged when needed) and sources, e.g. `1991 (2 sources: [1][2])`."""
    value = reader.render(variant.value, variant.reveal)
    sources = variant.sources
    return f"{value} ({count_sources(len(sources))}: {refs(film, sources)})" if sources else value


def fact_text(film: Film, fact: Fact, reader: Reader) -> str:
    """A fact's value: every variant of a disputed fact, or `not stated`, plus the pack's note."""
    note = fact.note.strip()
    if not fact.stated:
        text = NOT_STATED
        note = _without_not_stated(note)
    else:
        text = " · ".join(variant_text(film, variant, reader) for variant in fact.variants)
    if note:
        text += " — " + reader.render(note, fact.note_reveal)
    return text


def fact_block(film: Film, fact: Fact, reader: Reader) -> str:
    """`**Label:** value`; a label that gives something away is tagged like any other text."""
    if reader.sees(fact.label_reveal):
        label = f"**{escape(fact.label)}:**"
    else:
        label = reader.render(fact.label + ":", fact.label_reveal)
    return f"{label} {fact_text(film, fact, reader)}"


def _without_not_stated(note: str) -> str:
    """A note on an unstated fact, minus a leading "Not stated" that would repeat the value."""
    if not note.casefold().startswith(NOT_STATED):
        return note
    rest = note[len(NOT_STATED) :].lstrip(" :.;,—-")
    return rest[:1].upper() + rest[1:]


def fact_sources(fact: Fact) -> list[str]:
    """The source keys behind every variant of a fact."""
    return [key for variant in fact.variants for key in variant.sources]


def film_pages(film: Film, reader: Reader) -> list[discord.Embed]:
    """`/film`, paginated if the pack has very many facts."""
    blocks = [_fit(fact_block(film, fact, reader)) for fact in film.facts.values()]
    keys = [key for fact in film.facts.values() for key in fact_sources(fact)]
    return _pages(film.title, blocks or [NOT_STATED], source_footer(film, keys))


def _fit(block: str) -> str:
    """Keep an untruncatable block within a page; a fact this long would be a pack error."""
    if len(block) <= DESCRIPTION_BUDGET:
        return block
    raise ValueError(f"a fact renders to {len(block)} characters, more than a page")


# --- sources -------------------------------------------------------------------------------------------


def sources_pages(film: Film) -> list[discord.Embed]:
    """`/sources`: title, author, date and kind of every source document."""
    blocks = [
        f"**[{index}] {escape(source.title)}**\nAuthor: {escape(source.author or NOT_STATED)} · "
        f"Date: {escape(source.date or NOT_STATED)} · Kind: {escape(source.kind)}"
        for index, source in enumerate(film.sources, 1)
    ]
    footer = f"{count_sources(len(film.sources))} behind everything the bot says about {film.title}"
    return _pages(f"Sources for {film.title}", blocks or [NOT_STATED], footer)


# --- synopsis ------------------------------------------------------------------------------------------


def synopsis_pages(film: Film, reader: Reader) -> list[discord.Embed]:
    """`/synopsis`: the safe synopsis, or the full one with later parts tagged for this reader."""
    # A member who saved progress gets the full synopsis up to their beat as their spoiler-free one.
    personal = not reader.opt_in and reader.progress_saved
    parts = film.synopsis_full if reader.opt_in or personal else film.synopsis_safe
    blocks: list[str] = []
    for part in parts:
        segment = reader.segment(part.text, part.reveal)
        if segment is not None:
            blocks += _blocks(segment)
    kind = "full synopsis" if reader.opt_in else "spoiler-free synopsis"
    if personal:
        kind = f"synopsis up to beat {reader.beat}"
    if not blocks:
        blocks = [
            f"No passage of the synopsis ends at or before beat {reader.beat}, where your saved progress is. "
            "Ask with `spoilers:true` to see it behind spoiler tags."
        ]
    all_keys = [source.key for source in film.sources]
    return _pages(f"{film.title}: {kind}", blocks, source_footer(film, all_keys))


# --- beats ---------------------------------------------------------------------------------------------


def beat_range(film: Film) -> str:
    """`Beats run from 1 to 12.`"""
    return f"Beats run from 1 to {len(film.beats)}." if film.beats else "This film has no beats yet."


def beat_blocks(film: Film, beat: Beat, reader: Reader) -> list[str]:
    """A beat's heading (number, title) and summary, each tagged when the reader may not see it."""
    title = reader.render(beat.title, beat.title_reveal)
    return _blocks(
        Segment(beat.summary, not reader.sees(beat.reveal)), prefix=f"**Beat {beat.number}:** {title}\n"
    )


def beat_sources(beat: Beat) -> list[str]:
    """Source keys behind a beat."""
    return [evidence.source for evidence in beat.evidence]


def beat_pages(film: Film, beat: Beat, reader: Reader) -> list[discord.Embed]:
    """`/plot beat:<n>`."""
    title = f"{film.title}: beat {beat.number} of {len(film.beats)} ({beat.level.label})"
    return _pages(title, beat_blocks(film, beat, reader), source_footer(film, beat_sources(beat)))


def timeline_pages(film: Film, reader: Reader) -> list[discord.Embed]:
    """`/plot timeline`: every beat title, later ones tagged."""
    lines = [f"**{beat.number}.** {reader.render(beat.title, beat.title_reveal)}" for beat in film.beats]
    keys = [key for beat in film.beats for key in beat_sources(beat)]
    budget = DESCRIPTION_BUDGET - 400  # room for the progress line above it
    pages = paginate(lines, budget, separator="\n", max_blocks=TIMELINE_PER_PAGE) or [beat_range(film)]
    return _pages(f"{film.title}: timeline", pages, source_footer(film, keys), per_page=1)


def search_pages(film: Film, query: str, beats: Sequence[Beat], reader: Reader) -> list[discord.Embed]:
    """`/plot search:<text>`: the matching beats, each tagged as the reader needs."""
    blocks = [block for beat in beats for block in beat_blocks(film, beat, reader)]
    keys = [key for beat in beats for key in beat_sources(beat)]
    title = f"{film.title}: beats matching “{plain(query, 60)}”"
    return _pages(title, blocks, source_footer(film, keys), per_page=SEARCH_PER_PAGE)


def progress_pages(film: Film, reader: Reader) -> list[discord.Embed]:
    """`/progress show`: the member's point and the timeline as they see it."""
    if not reader.progress_saved or reader.beat is None:
        head = (
            "You haven't saved your progress, so your private answers show the setup only "
            f"(beats 1-{film.setup_end}). Use /progress set to say which beat you've watched up to."
        )
    else:
        head = (
            progress_line(film, reader.beat)
            + f" In your private answers {reader.shown_up_to(film.last_beat)}."
        )
    pages = timeline_pages(film, reader)
    for page in pages:
        page.description = f"{head}\n\n{page.description or ''}"
        page.title = (page.title or "").replace("timeline", "your progress", 1)
    return [fit_embed(page) for page in pages]


def progress_saved(film: Film, reader: Reader) -> str:
    """The answer to `/progress set`: the point saved and exactly which beats are now untagged."""
    beat = reader.beat or 0
    if beat >= film.last_beat:
        rest = "Your private answers (`private:true`) now show every beat untagged."
    else:
        rest = (
            f"In your private answers (`private:true`) {reader.shown_up_to(film.last_beat)}; "
            f"beats {beat + 1}-{film.last_beat} stay behind spoiler tags. Public answers still show the "
            f"setup only (beats 1-{film.setup_end})."
        )
    return f"Saved. {progress_line(film, beat)} {rest}"


def nothing_found(film: Film, query: str, reader: Reader) -> str:
    """No beat the reader may see matches the search (later beats are not searched for them)."""
    shown = f"“{plain(query, 60)}”"
    if reader.beat is None or reader.beat >= film.last_beat:
        return f"No beat mentions {shown}. {beat_range(film)}"
    return (
        f"No beat up to beat {reader.beat} mentions {shown}. Later beats are searched only where you may see "
        "them: in a spoiler channel, or privately once your progress reaches them."
    )


def progress_line(film: Film, beat: int) -> str:
    """`You've watched up to beat 7 of 17: The first fix.` (beat 0: not started)."""
    if beat <= 0:
        return f"You haven't started the film yet (beat 0 of {film.last_beat})."
    title = film.beat(beat)
    return f"You've watched up to **beat {beat} of {film.last_beat}**: {escape(title.title)}."


# --- cast ----------------------------------------------------------------------------------------------


def cast_block(film: Film, member: CastMember, reader: Reader) -> str:
    """One cast member: actor, character (every variant), one-line role description and sources."""
    actor_refs = refs(film, (e.source for e in member.actor_evidence))
    return (
        f"**{escape(member.actor)}** {actor_refs}\n"
        f"Character: {fact_text(film, member.character, reader)}\n"
        f"Role: {fact_text(film, member.description, reader)}"
    )


def cast_sources(member: CastMember) -> list[str]:
    """Every source key behind a cast entry."""
    keys = [e.source for e in member.actor_evidence]
    return keys + fact_sources(member.character) + fact_sources(member.description)


def cast_member_embed(film: Film, member: CastMember, reader: Reader) -> discord.Embed:
    """`/cast name:<actor or character>`: one cast member."""
    return _pages(
        f"{film.title}: {member.actor}",
        [_fit(cast_block(film, member, reader))],
        source_footer(film, cast_sources(member)),
    )[0]


def unplayed_block(film: Film, character: Character, reader: Reader) -> str:
    """A character the sources name without an actor: who they are, and that the actor is not stated."""
    sources = refs(film, (e.source for e in character.evidence))
    if reader.sees(character.reveal):
        name = f"**{escape(character.name)}**"
    else:
        name = reader.render(character.name, character.reveal)
    return (
        f"{name} {sources}\n"
        f"Actor: {NOT_STATED} (no source names who plays this part)\n"
        f"Role: {reader.render(character.description, character.description_reveal)}"
    )


def cast_embeds(
    film: Film, members: Sequence[CastMember], reader: Reader, unplayed: Sequence[Character] = ()
) -> list[discord.Embed]:
    """Several matching cast members (and characters with no actor named) in one message."""
    blocks = [_fit(cast_block(film, member, reader)) for member in members]
    blocks += [_fit(unplayed_block(film, character, reader)) for character in unplayed]
    keys = [key for member in members for key in cast_sources(member)]
    keys += [e.source for character in unplayed for e in character.evidence]
    return _pages(f"{film.title}: cast", blocks, source_footer(film, keys))


def cast_pages(film: Film, reader: Reader) -> list[discord.Embed]:
    """`/cast` with no name: the whole cast, a few members per page."""
    blocks = [_fit(cast_block(film, member, reader)) for member in film.cast]
    keys = [key for member in film.cast for key in cast_sources(member)]
    return _pages(f"{film.title}: cast", blocks, source_footer(film, keys), per_page=CAST_PER_PAGE)


def not_in_cast(name: str, suggestions: Sequence[str]) -> str:
    """The ephemeral answer for a name nobody in the cast matches."""
    shown = plain(name, 60) or "That"
    if not suggestions:
        return f"“{shown}” is not in the cast. Try `/cast` to see everyone."
    names = ", ".join(f"**{escape(s)}**" for s in suggestions[:3])
    return f"“{shown}” is not in the cast. Did you mean {names}?"
