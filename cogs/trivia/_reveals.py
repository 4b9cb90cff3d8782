"""Reveal points of the parts of a trivia question, looked up in the film pack. No discord import.

A question shows a prompt, choices, an answer and sometimes a note; each part carries the beat that first
reveals it, so the core spoiler policy can decide, for the channel's reader, what goes inside tags.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from bot.films.model import CastMember, Fact, Film
from bot.names import fold


def reveals_of(choices: Sequence[str], known: dict[str, int]) -> tuple[int, ...]:
    """Each choice's reveal point, looked up by its folded text (0 for text from no film text: a number)."""
    return tuple(known.get(fold(choice), 0) for choice in choices)


def variant_reveals(*facts: Fact) -> dict[str, int]:
    """The reveal point of every version of these facts, by folded text."""
    found: dict[str, int] = {}
    for fact in facts:
        for variant in fact.variants:
            key = fold(variant.value)
            found[key] = max(found.get(key, 0), variant.reveal)
    return found


def answer_reveal(fact: Fact) -> int:
    """The latest reveal point among a fact's versions (the right answers)."""
    return max((variant.reveal for variant in fact.variants), default=0)


def names_reveal(film: Film, member: CastMember) -> int:
    """When the film first shows the names of this cast member's part."""
    reveals = [variant.reveal for variant in member.character.variants]
    if member.character_key:
        with contextlib.suppress(KeyError):
            reveals.append(film.character(member.character_key).reveal)
    return max(reveals, default=0)


def character_reveals(film: Film) -> dict[str, int]:
    """The reveal point of every character name and alias in the film, by folded text."""
    found = variant_reveals(*(member.character for member in film.cast))
    for character in film.characters:
        for name in (character.name, *character.aliases):
            found[fold(name)] = max(found.get(fold(name), 0), character.reveal)
    return found
