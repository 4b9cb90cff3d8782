"""Search a film's cast, characters and plot beats with the one name matcher (bot.names).

These run on every autocomplete keystroke, so each film gets a small index of names and words, built on
first use and reused afterwards; no I/O. A search word that names a character (or the actor playing one)
also finds the beats that call that person by another name: `kristen` finds the beats that say "Cates".

Given a `bot.policy.Reader`, every function here keeps to what that reader may see: beats past their point
are neither searched nor matched by their words (autocomplete offers them as "Beat 13"), and names the film
has not shown them yet are neither offered nor suggested.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from bot.films.model import Beat, CastMember, Character, Film
from bot.names import Named, NameIndex, fold, run_distance, tokens, word_distance
from bot.policy import Reader, beat_name

MAX_CHOICES = 25  # Discord's limit for autocomplete
MAX_SUGGESTIONS = 3
MAX_CHOICE_LENGTH = 100  # Discord's limit for a choice's name and value
STEM_MIN = 4  # a search word this long also finds longer forms of it ("deal" → "dealers")
STOPWORDS = frozenset(
    {
        *("a", "about", "after", "all", "an", "and", "any", "are", "as", "at", "be", "been", "before", "but"),
        *("by", "can", "did", "do", "does", "for", "from", "get", "gets", "got", "had", "has", "have", "he"),
        *("her", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not"),
        *("of", "on", "or", "out", "over", "scene", "she", "so", "than", "that", "the", "their", "them"),
        *("then", "there", "they", "this", "to", "up", "was", "we", "were", "what", "when", "where", "which"),
        *("who", "whom", "why", "will", "with", "would", "you"),
    }
)


def normalise(text: str) -> str:
    """Lower-case text without accents or punctuation, single-spaced, for matching."""
    return fold(text)


@dataclass(frozen=True, slots=True)
class CastLookup:
    """Cast members (and characters nobody is named as playing) matching a query, or close names."""

    query: str
    matches: tuple[CastMember, ...]
    suggestions: tuple[str, ...] = ()
    unplayed: tuple[Character, ...] = ()  # characters the sources name without an actor


@dataclass(frozen=True, slots=True)
class _Choice:
    """An autocomplete choice with the reveal point of the names in its label."""

    label: str
    value: str
    reveal: int = 0
    plain_label: str = ""  # the label without those names (the actor alone), or "" to drop the choice

    def for_reader(self, reader: Reader | None) -> tuple[str, str] | None:
        """(label, value) as this reader may see it, or None to leave the choice out."""
        if reader is None or reader.sees(self.reveal):
            return self.label, self.value
        return (self.plain_label, self.value) if self.plain_label else None


@dataclass(frozen=True, slots=True)
class _BeatEntry:
    beat: Beat
    head: tuple[str, ...]  # words of the title and keywords
    body: tuple[str, ...]  # words of the summary


def _clip(text: str) -> str:
    return text if len(text) <= MAX_CHOICE_LENGTH else text[: MAX_CHOICE_LENGTH - 1] + "…"


def _played_keys(film: Film) -> set[str]:
    return {member.character_key for member in film.cast if member.character_key}


def unplayed_characters(film: Film) -> tuple[Character, ...]:
    """Characters the sources name but no cast entry plays."""
    played = _played_keys(film)
    return tuple(character for character in film.characters if character.key not in played)


def _member_names(film: Film, member: CastMember) -> tuple[str, ...]:
    texts = [member.actor, *(variant.value for variant in member.character.variants)]
    if member.character_key is not None:
        character = film.character(member.character_key)
        texts += [character.name, *character.aliases]
    return tuple(dict.fromkeys(texts))


def _cast_choices(film: Film, member: CastMember) -> list[Named]:
    variants = member.character.variants
    parts = [variant.value for variant in variants]
    actor, actor_label = member.actor, f"{member.actor} as {' / '.join(parts)}" if parts else member.actor
    names_reveal = max((variant.reveal for variant in variants), default=0)
    first = _Choice(_clip(actor_label), _clip(actor), names_reveal, _clip(actor))
    choices = [Named(first, (actor,))]
    character = film.character(member.character_key) if member.character_key is not None else None
    for variant in variants:
        part = variant.value
        aliases = character.aliases if character is not None and character.name == part else ()
        reveal = max(variant.reveal, character.reveal if aliases and character is not None else 0)
        choices.append(Named(_Choice(_clip(f"{part} ({actor})"), _clip(part), reveal), (part, *aliases)))
    return choices


def _unplayed_choice(character: Character) -> Named:
    label = _clip(f"{character.name} (actor not stated)")
    choice = _Choice(label, _clip(character.name), character.reveal)
    return Named(choice, (character.name, *character.aliases))


def name_reveals(film: Film) -> dict[str, int]:
    """When the film first shows each name of its people (actors at 0), by folded text."""
    found: dict[str, int] = {}

    def add(name: str, reveal: int) -> None:
        key = fold(name)
        found[key] = max(found.get(key, reveal), reveal)

    for member in film.cast:
        add(member.actor, 0)
        for variant in member.character.variants:
            add(variant.value, variant.reveal)
    for character in film.characters:
        for name in (character.name, *character.aliases):
            add(name, character.reveal)
    return found


@dataclass(frozen=True, slots=True)
class FilmIndex:
    """One film's names and beat words, precomputed for fast matching."""

    cast: NameIndex  # values: CastMember or Character (unplayed)
    choices: NameIndex  # values: _Choice autocomplete entries
    people: tuple[tuple[tuple[str, ...], ...], ...]  # per person: every name of theirs, as words
    beats: tuple[_BeatEntry, ...]
    beat_names: NameIndex  # values: Beat, by title and keywords
    reveals: dict[str, int]  # name_reveals(film)

    @classmethod
    def build(cls, film: Film) -> FilmIndex:
        """Precompute the index of a film."""
        unplayed = unplayed_characters(film)
        cast = [Named(member, _member_names(film, member)) for member in film.cast]
        cast += [Named(character, (character.name, *character.aliases)) for character in unplayed]
        choices = [choice for member in film.cast for choice in _cast_choices(film, member)]
        choices += [_unplayed_choice(character) for character in unplayed]
        people = tuple(tuple(tokens(name) for name in entry.names) for entry in cast)
        beats = tuple(_beat_entry(beat) for beat in film.beats)
        beat_names = NameIndex(Named(beat, (beat.title, *beat.keywords)) for beat in film.beats)
        return cls(NameIndex(cast), NameIndex(choices), people, beats, beat_names, name_reveals(film))


def _beat_entry(beat: Beat) -> _BeatEntry:
    head = tuple(word for text in (beat.title, *beat.keywords) for word in tokens(text))
    return _BeatEntry(beat, head, tokens(beat.summary) if len(beat.summary) <= 200 else _words(beat.summary))


def _words(text: str) -> tuple[str, ...]:
    return tuple(fold(text.replace("'", "").replace("’", "")).split())


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


# --- cast ------------------------------------------------------------------------------------


def find_cast(film: Film, query: str, reader: Reader | None = None) -> CastLookup:
    """Cast members, and unplayed characters, one of whose names contains the query's words; best first.

    With a reader, names they may not see yet are never suggested.
    """
    index = index_for(film)
    if not tokens(query):
        return CastLookup(query, ())
    found = index.cast.find(query)
    members = tuple(value for value in found if isinstance(value, CastMember))
    unplayed = tuple(value for value in found if isinstance(value, Character))
    if found:
        return CastLookup(query, members, (), unplayed)
    suggested = index.cast.suggest(query, limit=50)
    if reader is not None:
        suggested = [name for name in suggested if reader.sees(index.reveals.get(fold(name), 0))]
    return CastLookup(query, (), tuple(suggested[:MAX_SUGGESTIONS]))


def cast_choices(film: Film, current: str, reader: Reader | None = None) -> list[tuple[str, str]]:
    """Autocomplete over actors and characters as (name shown, value) pairs, best first, at most 25.

    With a reader, character names they may not see yet are left out of the labels (or the choice dropped).
    """
    found = index_for(film).choices.complete(current)
    shown = [value.for_reader(reader) for value in found if isinstance(value, _Choice)]
    return [choice for choice in shown if choice is not None][:MAX_CHOICES]


# --- beats -----------------------------------------------------------------------------------


def search_terms(film: Film, text: str) -> list[tuple[tuple[str, ...], ...]]:  # list[Term]
    """What a search looks for: per term, the phrases (as words) any one of which a beat must contain.

    A run of words naming a person stands for every name of that person; other words are kept unless
    they are stop-words. Empty when nothing is left to look for.
    """
    words = tokens(text) if len(text) <= 200 else _words(text)
    people = index_for(film).people
    terms: list[tuple[tuple[str, ...], ...]] = []
    at = 0
    while at < len(words):
        for size in range(min(3, len(words) - at), 0, -1):
            run = words[at : at + size]
            named = [names for names in people if any(_is_name(run, name) for name in names)]
            if named:
                phrases = {run, *(name for names in named for name in names)}
                terms.append(tuple(sorted(phrase for phrase in phrases if not _common(phrase))) or (run,))
                at += size
                break
        else:
            if words[at] not in STOPWORDS:
                terms.append(((words[at],),))
            at += 1
    return terms


def _is_name(run: tuple[str, ...], name: tuple[str, ...]) -> bool:
    return run_distance(run, name) is not None and (len(run) == len(name) or len(run[0]) > 3)


def _common(phrase: tuple[str, ...]) -> bool:
    return all(word in STOPWORDS for word in phrase) or phrase in {("captain",)}


@functools.lru_cache(maxsize=8192)
def _word_distance(word: str, words: tuple[str, ...], typos: bool) -> int | None:
    """Edits for a word to match one of `words` (with `typos`, else exact); a longer or shorter form
    of it ("dealers" for "dealer") counts as exact. Cached: beat texts never change."""
    if word in words:
        return 0
    stem = len(word) >= STEM_MIN
    best: int | None = None
    for candidate in words:
        if stem and len(candidate) >= STEM_MIN and (candidate.startswith(word) or word.startswith(candidate)):
            return 0
        if not typos or abs(len(candidate) - len(word)) > 2:
            continue
        distance = word_distance(word, candidate)
        if distance is not None and (best is None or distance < best):
            best = distance
    return best


@functools.lru_cache(maxsize=8192)
def _phrase_distance(phrase: tuple[str, ...], words: tuple[str, ...], typos: bool) -> int | None:
    """Edits for a phrase to appear as consecutive words (a single word: anywhere), or None."""
    if len(phrase) == 1:
        return _word_distance(phrase[0], words, typos)
    best: int | None = None
    for start in range(len(words) - len(phrase) + 1):
        total = 0
        for offset, part in enumerate(phrase):
            distance = _word_distance(part, (words[start + offset],), typos)
            if distance is None:
                break
            total += distance
        else:
            best = total if best is None else min(best, total)
    return best


Term = tuple[tuple[str, ...], ...]  # the phrases any one of which counts as the term found
Found = tuple[bool, int] | None  # per term: (in the title or keywords, edits needed), or not found


def _found(entry: _BeatEntry, phrases: Term, typos: bool) -> Found:
    distances = [_phrase_distance(phrase, entry.head, typos) for phrase in phrases]
    head = min((d for d in distances if d is not None), default=None)
    if head is not None:
        return True, head
    distances = [_phrase_distance(phrase, entry.body, typos) for phrase in phrases]
    body = min((d for d in distances if d is not None), default=None)
    return None if body is None else (False, body)


def _seen(beat: Beat, reader: Reader | None) -> bool:
    return reader is None or reader.sees(beat.reveal)


def find_beats(film: Film, text: str, reader: Reader | None = None) -> tuple[Beat, ...]:
    """Beats whose title, keywords or summary contain every term searched for, best first.

    Typos are forgiven only for a term that no beat contains as typed ("race" never finds "face").
    With a reader, only the beats they may see are searched.
    """
    query = fold(text)
    if query.isdigit():
        return tuple(b for b in film.beats if str(b.number) == query and _seen(b, reader))
    terms = search_terms(film, text)
    if not terms:
        return ()
    entries = [entry for entry in index_for(film).beats if _seen(entry.beat, reader)]
    columns = []
    for term in terms:
        found = [_found(entry, term, False) for entry in entries]
        if not any(found):  # nobody wrote it this way: now forgive typos
            found = [_found(entry, term, True) for entry in entries]
        columns.append(found)
    ranked = []
    for row, entry in enumerate(entries):
        mine = [column[row] for column in columns]
        if all(f is not None for f in mine):
            in_head = sum(1 for f in mine if f is not None and f[0])
            edits = sum(f[1] for f in mine if f is not None)
            ranked.append((edits, -in_head, entry.beat.number, entry.beat))
    return tuple(beat for *_, beat in sorted(ranked, key=lambda item: item[:3]))


def _beat_choice(beat: Beat, reader: Reader | None) -> tuple[str, int]:
    if reader is not None and not reader.sees(beat.title_reveal):
        return beat_name(beat.number), beat.number
    return _clip(f"{beat.number} · {beat.title}"), beat.number


def beat_choices(film: Film, current: str, reader: Reader | None = None) -> list[tuple[str, int]]:
    """Autocomplete over beat titles and keywords as ("8 · Title", 8) pairs, best first, at most 25.

    With a reader, a beat past their point is offered as "Beat 13" and found by its number only.
    """
    beats = list(film.beats)
    query = fold(current)
    if not query:
        return [_beat_choice(beat, reader) for beat in beats[:MAX_CHOICES]]
    words = query.split()
    number = words[1] if len(words) == 2 and words[0] == "beat" else words[0]  # "Beat 13" picked earlier
    if number.isdigit():  # a number, or "8 · Title" picked earlier and now edited
        exact = [b for b in beats if str(b.number) == number]
        starting = [b for b in beats if str(b.number).startswith(number) and b not in exact]
        return [_beat_choice(beat, reader) for beat in [*exact, *starting][:MAX_CHOICES]]
    found = index_for(film).beat_names.complete(current)
    seen = [b for b in found if isinstance(b, Beat) and _seen(b, reader)]  # its keywords are its own
    return [_beat_choice(beat, reader) for beat in seen][:MAX_CHOICES]
