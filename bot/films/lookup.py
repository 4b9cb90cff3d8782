"""Search a film's cast and plot beats, tolerant of case, accents and typos.

These run on every autocomplete keystroke, so each film gets a small index of
normalised names and words, built on first use and reused afterwards; no I/O.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from rapidfuzz import fuzz

from bot.films.model import Beat, CastMember, Film
from bot.policy import Reader, beat_name

MATCH_SCORE = 80.0  # a cast name at least this close counts as a match
MATCH_MARGIN = 10.0  # ...and must be within this of the best match
SUGGEST_SCORE = 55.0  # below this a name is too far off to suggest
CHOICE_SCORE = 60.0  # autocomplete keeps entries at least this close
BEAT_SCORE = 75.0  # a beat at least this close counts as found
BODY_WEIGHT = 0.9  # a word found only in a beat's summary counts a little less than one in its title
MAX_SUGGESTIONS = 3
MAX_CHOICES = 25  # Discord's limit for autocomplete
MAX_CHOICE_LENGTH = 100  # Discord's limit for a choice's name and value

_T = TypeVar("_T")
_NON_WORD = re.compile(r"[\W_]+")
_STOPWORDS = frozenset(
    {
        *("a", "an", "and", "are", "at", "be", "by", "did", "do", "does", "for", "from", "he", "her", "his"),
        *("how", "in", "is", "it", "its", "of", "on", "or", "scene", "she", "that", "the", "their", "they"),
        *("this", "to", "was", "were", "what", "when", "where", "who", "why", "with"),
    }
)


def normalise(text: str) -> str:
    """Lower-case text without accents or punctuation, single-spaced, for matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_NON_WORD.sub(" ", stripped.casefold()).split())


@dataclass(frozen=True, slots=True)
class _Name:
    shown: str
    norm: str
    tokens: tuple[str, ...]
    reveal: int = 0  # when the film first shows this name

    @classmethod
    def of(cls, text: str, reveal: int = 0) -> _Name:
        norm = normalise(text)
        return cls(text, norm, tuple(norm.split()), reveal)


@dataclass(frozen=True, slots=True)
class _CastEntry:
    member: CastMember
    names: tuple[_Name, ...]


@dataclass(frozen=True, slots=True)
class _Choice:
    label: str
    value: str
    names: tuple[_Name, ...]
    reveal: int = 0  # of the character names in the label
    plain_label: str = ""  # the label without those names (the actor alone), or "" to drop the choice


@dataclass(frozen=True, slots=True)
class _BeatEntry:
    beat: Beat
    phrases: tuple[str, ...]  # normalised title and keywords
    head: tuple[str, ...]  # words of the title and keywords
    body: tuple[str, ...]  # words of the summary


@dataclass(frozen=True, slots=True)
class CastLookup:
    """Cast members matching a query, or up to three names close to it when none match."""

    query: str
    matches: tuple[CastMember, ...]
    suggestions: tuple[str, ...] = ()


def _clip(text: str) -> str:
    return text if len(text) <= MAX_CHOICE_LENGTH else text[: MAX_CHOICE_LENGTH - 1] + "…"


def _cast_names(film: Film, member: CastMember) -> tuple[_Name, ...]:
    texts = {member.actor: 0}
    for variant in member.character.variants:
        texts.setdefault(variant.value, variant.reveal)
    if member.character_key is not None:
        character = film.character(member.character_key)
        for name in (character.name, *character.aliases):
            texts[name] = max(texts.get(name, 0), character.reveal)
    return tuple(_Name.of(text, reveal) for text, reveal in texts.items())


def _cast_choices(film: Film, member: CastMember) -> list[_Choice]:
    variants = member.character.variants
    parts = [variant.value for variant in variants]
    actor_label = f"{member.actor} as {' / '.join(parts)}" if parts else member.actor
    names_reveal = max((variant.reveal for variant in variants), default=0)
    actor = member.actor
    choices = [_Choice(_clip(actor_label), _clip(actor), (_Name.of(actor),), names_reveal, _clip(actor))]
    character = film.character(member.character_key) if member.character_key is not None else None
    for variant in variants:
        part = variant.value
        aliases = character.aliases if character is not None and character.name == part else ()
        reveal = max(variant.reveal, character.reveal if aliases and character is not None else 0)
        names = tuple(_Name.of(text) for text in (part, *aliases))
        choices.append(_Choice(_clip(f"{part} ({actor})"), _clip(part), names, reveal))
    return choices


def _beat_entry(beat: Beat) -> _BeatEntry:
    phrases = tuple(normalise(text) for text in (beat.title, *beat.keywords))
    head = tuple(dict.fromkeys(word for phrase in phrases for word in phrase.split()))
    body = tuple(dict.fromkeys(normalise(beat.summary).split()))
    return _BeatEntry(beat, phrases, head, body)


@dataclass(frozen=True, slots=True)
class FilmIndex:
    """Normalised names and words of one film, precomputed for fast matching."""

    cast: tuple[_CastEntry, ...]
    choices: tuple[_Choice, ...]
    beats: tuple[_BeatEntry, ...]

    @classmethod
    def build(cls, film: Film) -> FilmIndex:
        """Precompute the index of a film."""
        return cls(
            cast=tuple(_CastEntry(member, _cast_names(film, member)) for member in film.cast),
            choices=tuple(choice for member in film.cast for choice in _cast_choices(film, member)),
            beats=tuple(_beat_entry(beat) for beat in film.beats),
        )


class _Identity:
    """Hashes a film by identity so its index can be cached (films hold unhashable mappings)."""

    __slots__ = ("film",)

    def __init__(self, film: Film) -> None:
        self.film = film

    def __hash__(self) -> int:
        return id(self.film)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Identity) and other.film is self.film


@functools.lru_cache(maxsize=32)
def _cached_index(key: _Identity) -> FilmIndex:
    return FilmIndex.build(key.film)


def index_for(film: Film) -> FilmIndex:
    """The search index of a film, built on first use and reused afterwards."""
    return _cached_index(_Identity(film))


# --- scoring ---------------------------------------------------------------------------------


def _word_score(word: str, words: tuple[str, ...], prefix_min: int) -> float:
    if not words:
        return 0.0
    if word in words:
        return 100.0
    if len(word) >= prefix_min and any(candidate.startswith(word) for candidate in words):
        return 95.0  # a word being typed: close, but an exact word still ranks above it
    return max(fuzz.ratio(word, candidate) for candidate in words)


def _name_score(query: str, words: tuple[str, ...], name: _Name, prefix_min: int) -> float:
    if query == name.norm:
        return 100.0
    if len(query) >= prefix_min and name.norm.startswith(query):
        return 95.0
    per_word = sum(_word_score(word, name.tokens, prefix_min) for word in words) / len(words)
    whole = max(fuzz.ratio(query, name.norm), fuzz.token_set_ratio(query, name.norm))
    return max(whole, per_word)


def _best_name_score(query: str, names: Iterable[_Name], prefix_min: int) -> float:
    words = tuple(query.split())
    return max((_name_score(query, words, name, prefix_min) for name in names), default=0.0)


def _ranked(scored: Iterable[tuple[float, int, _T]], floor: float) -> list[tuple[float, _T]]:
    kept = sorted((item for item in scored if item[0] >= floor), key=lambda item: (-item[0], item[1]))
    return [(score, value) for score, _, value in kept]


# --- cast ------------------------------------------------------------------------------------


def find_cast(film: Film, query: str, reader: Reader | None = None) -> CastLookup:
    """Cast members whose actor or character name (or alias) matches the query, best first.

    With a reader, names they may not see yet are never offered as suggestions.
    """
    index = index_for(film)
    query_norm = normalise(query)
    if not query_norm:
        return CastLookup(query, ())
    scored = [
        (_best_name_score(query_norm, entry.names, 3), order, entry.member)
        for order, entry in enumerate(index.cast)
    ]
    ranked = _ranked(scored, MATCH_SCORE)
    if ranked:
        floor = ranked[0][0] - MATCH_MARGIN
        return CastLookup(query, tuple(member for score, member in ranked if score >= floor))
    return CastLookup(query, (), _suggestions(index, query_norm, reader))


def _suggestions(index: FilmIndex, query_norm: str, reader: Reader | None) -> tuple[str, ...]:
    names = {
        name.shown: name
        for entry in index.cast
        for name in entry.names
        if reader is None or reader.sees(name.reveal)
    }
    scored = [
        (_best_name_score(query_norm, (name,), 3), order, shown)
        for order, (shown, name) in enumerate(names.items())
    ]
    return tuple(shown for _, shown in _ranked(scored, SUGGEST_SCORE)[:MAX_SUGGESTIONS])


def _visible_choice(choice: _Choice, reader: Reader | None) -> _Choice | None:
    """The choice as this reader may see it: character names past their point are dropped."""
    if reader is None or reader.sees(choice.reveal):
        return choice
    if not choice.plain_label:
        return None
    return _Choice(choice.plain_label, choice.value, choice.names[:1])


def cast_choices(film: Film, current: str, reader: Reader | None = None) -> list[tuple[str, str]]:
    """Autocomplete over actors and characters as (name shown, value) pairs, best first, at most 25.

    With a reader, character names they may not see yet are neither shown nor matched.
    """
    visible = (_visible_choice(choice, reader) for choice in index_for(film).choices)
    choices = [choice for choice in visible if choice is not None]
    query_norm = normalise(current)
    if not query_norm:
        return [(choice.label, choice.value) for choice in choices[:MAX_CHOICES]]
    scored = [
        (_best_name_score(query_norm, choice.names, 1), order, choice) for order, choice in enumerate(choices)
    ]
    return [(choice.label, choice.value) for _, choice in _ranked(scored, CHOICE_SCORE)[:MAX_CHOICES]]


# --- beats -----------------------------------------------------------------------------------


def _query_words(query_norm: str) -> tuple[str, ...]:
    words = query_norm.split()
    content = [word for word in words if word not in _STOPWORDS]
    return tuple(content or words)


def _beat_score(query_norm: str, words: tuple[str, ...], entry: _BeatEntry, prefix_min: int) -> float:
    if query_norm.isdigit():
        number = str(entry.beat.number)
        if number == query_norm:
            return 100.0
        return 90.0 if prefix_min == 1 and number.startswith(query_norm) else 0.0
    if len(query_norm) >= 3 and any(query_norm in phrase for phrase in entry.phrases):
        return 100.0
    return sum(_beat_word_score(word, entry, prefix_min) for word in words) / len(words)


def _beat_word_score(word: str, entry: _BeatEntry, prefix_min: int) -> float:
    in_body = BODY_WEIGHT * _word_score(word, entry.body, prefix_min)
    return max(_word_score(word, entry.head, prefix_min), in_body)


def _scored_beats(
    film: Film, query_norm: str, reader: Reader | None, prefix_min: int
) -> list[tuple[float, int, Beat]]:
    words = _query_words(query_norm)
    scored = []
    for entry in index_for(film).beats:
        shown = _visible_entry(entry, reader)
        scored.append((_beat_score(query_norm, words, shown, prefix_min), entry.beat.number, entry.beat))
    return scored


def _visible_entry(entry: _BeatEntry, reader: Reader | None) -> _BeatEntry:
    """The words of a beat a reader may match on: all of them, the title only, or none (the number)."""
    beat = entry.beat
    if reader is None or reader.sees(beat.reveal):
        return entry
    if reader.sees(beat.title_reveal):
        title = normalise(beat.title)
        return _BeatEntry(beat, (title,), tuple(title.split()), ())
    return _BeatEntry(beat, (), (), ())


def find_beats(film: Film, text: str, reader: Reader | None = None) -> tuple[Beat, ...]:
    """Beats whose title, keywords or summary match the text, best first; none for an empty text.

    With a reader, only the beats they may see are searched.
    """
    query_norm = normalise(text)
    if not query_norm:
        return ()
    scored = _scored_beats(film, query_norm, reader, 3)
    found = _ranked(scored, BEAT_SCORE)
    return tuple(beat for _, beat in found if reader is None or reader.sees(beat.reveal))


def _beat_choice(beat: Beat, reader: Reader | None) -> tuple[str, int]:
    if reader is not None and not reader.sees(beat.title_reveal):
        return beat_name(beat.number), beat.number
    return _clip(f"{beat.number} · {beat.title}"), beat.number


def beat_choices(film: Film, current: str, reader: Reader | None = None) -> list[tuple[str, int]]:
    """Autocomplete over beat titles as ("8 · Title", 8) pairs, best first, at most 25.

    With a reader, a beat whose title they may not see is offered as "Beat 13" and matched by number only.
    """
    query_norm = normalise(current)
    if not query_norm:
        return [_beat_choice(beat, reader) for beat in film.beats[:MAX_CHOICES]]
    number = query_norm.split()[0]
    if number.isdigit() and query_norm != number:  # "8 · Title" picked earlier and now edited
        query_norm = number
    if query_norm.startswith("beat ") and query_norm[5:].isdigit():  # "Beat 13" picked earlier
        query_norm = query_norm[5:]
    scored = _scored_beats(film, query_norm, reader, 1)
    return [_beat_choice(beat, reader) for _, beat in _ranked(scored, CHOICE_SCORE)[:MAX_CHOICES]]
