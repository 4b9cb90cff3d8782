"""Typed, immutable objects for a film pack.

Every fact the bot can show carries the source documents that state it. A fact
with no variants is one the sources leave unstated; a fact with two or more
variants is disputed, and every variant is kept with its own sources.

Every piece of text carries a reveal point (`*reveal` fields): the beat at which the film first
reveals it, 0 for what is known before the film starts. A beat's summary and keywords are revealed by
the beat itself. The spoiler levels (setup, middle, ending) are names for ranges of beats.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field


class SpoilerLevel(enum.IntEnum):
    """How far into the film a piece of text reaches."""

    SETUP = 1  # safe before watching
    MIDDLE = 2
    ENDING = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Evidence:
    """A short phrase (at most 12 words) copied exactly from one source document."""

    source: str  # Source.key
    quote: str


@dataclass(frozen=True, slots=True)
class Variant:
    """One version of a fact, in the project's own words, with the sources that state it."""

    value: str
    evidence: tuple[Evidence, ...]
    amount: int | None = None  # machine-readable number for quantities (a year, minutes)
    reveal: int = 0  # the beat that first reveals this version

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.source for e in self.evidence))


@dataclass(frozen=True, slots=True)
class Fact:
    """A named fact: unstated (no variants), settled (one) or disputed (two or more)."""

    key: str
    label: str
    variants: tuple[Variant, ...]
    note: str = ""  # why the sources disagree, or what they leave out
    label_reveal: int = 0  # the label itself can give something away ("Verdict at the trial")
    note_reveal: int = 0

    @property
    def reveal(self) -> int:
        """The latest reveal point of anything this fact shows: label, note and every variant."""
        return max(
            [self.label_reveal, self.note_reveal if self.note else 0, *(v.reveal for v in self.variants)]
        )

    @property
    def stated(self) -> bool:
        return bool(self.variants)

    @property
    def disputed(self) -> bool:
        return len(self.variants) >= 2

    @property
    def value(self) -> Variant | None:
        """The single variant of a settled fact; None when unstated or disputed."""
        return self.variants[0] if len(self.variants) == 1 else None


@dataclass(frozen=True, slots=True)
class Source:
    """A source document the pack was built from. None means the document does not say."""

    key: str
    file: str
    title: str
    kind: str
    author: str | None
    date: str | None


@dataclass(frozen=True, slots=True)
class Character:
    """A character in the film: the name (and aliases) and the description have their own reveal points."""

    key: str
    name: str
    aliases: tuple[str, ...]
    description: str
    evidence: tuple[Evidence, ...]
    reveal: int = 0  # when the film first shows the character
    description_reveal: int = 0


@dataclass(frozen=True, slots=True)
class CastMember:
    """An actor and the part they play; `character` is an unstated Fact when the sources don't say."""

    actor: str
    actor_evidence: tuple[Evidence, ...]
    character: Fact  # variants are character names; may be disputed or unstated
    character_key: str | None  # Character.key when the part is a known character
    description: Fact  # one-line description of the role; may be unstated


@dataclass(frozen=True, slots=True)
class Beat:
    """One plot beat, in film order. Its summary and keywords are revealed at the beat itself."""

    number: int
    title: str
    summary: str
    level: SpoilerLevel
    evidence: tuple[Evidence, ...]
    keywords: tuple[str, ...] = ()
    title_reveal: int = 0  # at most `number`: a title may give away only its own beat and earlier ones

    @property
    def reveal(self) -> int:
        """The beat that reveals the summary and keywords: this one."""
        return self.number


@dataclass(frozen=True, slots=True)
class SynopsisPart:
    """A passage of a synopsis, ending at the beat `reveal` (the last beat whose events it tells)."""

    reveal: int
    text: str


@dataclass(frozen=True, slots=True)
class Theme:
    """A theme the sources name, described in the project's own words."""

    name: str
    description: str
    evidence: tuple[Evidence, ...]
    reveal: int = 0  # of the name
    description_reveal: int = 0


@dataclass(frozen=True, slots=True)
class Prompt:
    """An open discussion question, revealed at a beat, drawing on named themes, beats and facts."""

    key: str
    text: str
    reveal: int  # the beat up to which the question reaches (it may be discussed from there on)
    themes: tuple[str, ...] = ()  # Theme.name
    beats: tuple[int, ...] = ()  # Beat.number
    facts: tuple[str, ...] = ()  # Fact.key


@dataclass(frozen=True, slots=True)
class Film:
    """Everything the bot knows about one film, loaded once at start."""

    key: str
    title: str
    facts: Mapping[str, Fact]  # read-only mapping, in pack order
    cast: tuple[CastMember, ...]
    characters: tuple[Character, ...]
    beats: tuple[Beat, ...]
    synopsis_safe: tuple[SynopsisPart, ...]  # every part within the setup
    synopsis_full: tuple[SynopsisPart, ...]
    themes: tuple[Theme, ...]
    sources: tuple[Source, ...]
    prompts: tuple[Prompt, ...] = ()
    pack_file: str = field(default="", compare=False)
    setup_end: int = field(init=False, compare=False, repr=False)
    """The last beat of the setup: what a member with no saved progress may see untagged (from `beats`)."""
    level_starts: tuple[int, ...] = field(init=False, compare=False, repr=False)
    """The first beat of each level (setup, middle, ending) that has beats, in film order (from `beats`)."""

    def __post_init__(self) -> None:
        setup = (beat.number for beat in self.beats if beat.level is SpoilerLevel.SETUP)
        object.__setattr__(self, "setup_end", max(setup, default=0))  # asked by every reply: worked out once
        starts: list[int] = []
        for number, beat in enumerate(self.beats):
            if number == 0 or beat.level != self.beats[number - 1].level:
                starts.append(beat.number)
        object.__setattr__(self, "level_starts", tuple(starts))

    @property
    def title_reveal(self) -> int:
        """When the film's title is revealed (its `title` fact; 0, the credits, when the pack has none)."""
        fact = self.facts.get("title")
        return fact.reveal if fact is not None else 0

    @property
    def last_beat(self) -> int:
        """The number of the film's last beat (0 for a film with no beats)."""
        return len(self.beats)

    def level_of(self, reveal: int) -> SpoilerLevel:
        """The name of the range a reveal point falls in (0 and the setup beats are the setup)."""
        if reveal <= self.setup_end or not self.beats:
            return SpoilerLevel.SETUP
        return self.beats[min(reveal, len(self.beats)) - 1].level

    def fact(self, key: str) -> Fact:
        """The fact with this key; KeyError if the pack has no such key."""
        return self.facts[key]

    def source(self, key: str) -> Source:
        for source in self.sources:
            if source.key == key:
                return source
        raise KeyError(key)

    def beat(self, number: int) -> Beat:
        """The beat with this number (1-based); KeyError when out of range."""
        if 1 <= number <= len(self.beats):
            return self.beats[number - 1]
        raise KeyError(number)

    def character(self, key: str) -> Character:
        for character in self.characters:
            if character.key == key:
                return character
        raise KeyError(key)

    @property
    def runtime_minutes(self) -> int | None:
        """Runtime in minutes when the sources settle it, else None."""
        fact = self.facts.get("runtime")
        variant = fact.value if fact else None
        return variant.amount if variant else None


def iter_facts(film: Film) -> Iterator[tuple[str, Fact]]:
    """Every fact of a film with its field path: metadata facts, then each cast member's two facts."""
    for index, fact in enumerate(film.facts.values()):
        yield f"facts[{index}]", fact
    for index, member in enumerate(film.cast):
        yield f"cast[{index}].character", member.character
        yield f"cast[{index}].role", member.description
