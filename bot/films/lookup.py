"""Search a film's cast, characters and plot beats with the one name matcher (bot.names).

These run on every autocomplete keystroke, so each film gets a small index of names and words, built on
first use and reused afterwards; no I/O. A search word that names a character (or the actor playing one)
also finds the beats that call that person by another name: `kristen` finds the beats that say "Cates".
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from bot.films.model import Beat, CastMember, Character, Film, SpoilerLevel
from bot.names import Named, NameIndex, fold, run_distance, tokens, word_distance

MAX_CHOICES = 25  # Discord's limit for autocomplete
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
    parts = [variant.value for variant in member.character.variants]
    actor_label = f"{member.actor} as {' / '.join(parts)}" if parts else member.actor
    choices = [Named((_clip(actor_label), _clip(member.actor)), (member.actor,))]
    character = film.character(member.character_key) if member.character_key is not None else None
    for part in parts:
        aliases = character.aliases if character is not None and character.name == part else ()
        choices.append(Named((_clip(f"{part} ({member.actor})"), _clip(part)), (part, *aliases)))
    return choices


def _unplayed_choice(character: Character) -> Named:
    label = _clip(f"{character.name} (actor not stated)")
    return Named((label, _clip(character.name)), (character.name, *character.aliases))


@dataclass(frozen=True, slots=True)
class FilmIndex:
    """One film's names and beat words, precomputed for fast matching."""

    cast: NameIndex  # values: CastMember or Character (unplayed)
    choices: NameIndex  # values: (label, value) autocomplete pairs
    people: tuple[tuple[tuple[str, ...], ...], ...]  # per person: every name of theirs, as words
    beats: tuple[_BeatEntry, ...]
    beat_names: NameIndex  # values: Beat, by title and keywords

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
        return cls(NameIndex(cast), NameIndex(choices), people, beats, beat_names)


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


def find_cast(film: Film, query: str) -> CastLookup:
    """Cast members, and unplayed characters, one of whose names contains the query's words; best first."""
    index = index_for(film)
    if not tokens(query):
        return CastLookup(query, ())
    found = index.cast.find(query)
    members = tuple(value for value in found if isinstance(value, CastMember))
    unplayed = tuple(value for value in found if isinstance(value, Character))
    if found:
        return CastLookup(query, members, (), unplayed)
    return CastLookup(query, (), tuple(index.cast.suggest(query)))


def cast_choices(film: Film, current: str) -> list[tuple[str, str]]:
    """Autocomplete over actors and characters as (name shown, value) pairs, best first, at most 25."""
    found = index_for(film).choices.complete(current)
    return [value for value in found if isinstance(value, tuple)][:MAX_CHOICES]


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


def find_beats(film: Film, text: str, max_level: SpoilerLevel = SpoilerLevel.ENDING) -> tuple[Beat, ...]:
    """Beats whose title, keywords or summary contain every term searched for, best first.

    Typos are forgiven only for a term that no beat contains as typed ("race" never finds "face").
    """
    query = fold(text)
    if query.isdigit():
        return tuple(b for b in film.beats if str(b.number) == query and b.level <= max_level)
    terms = search_terms(film, text)
    if not terms:
        return ()
    entries = [entry for entry in index_for(film).beats if entry.beat.level <= max_level]
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


def _beat_choice(beat: Beat) -> tuple[str, int]:
    return _clip(f"{beat.number} · {beat.title}"), beat.number


def beat_choices(
    film: Film, current: str, max_level: SpoilerLevel = SpoilerLevel.ENDING
) -> list[tuple[str, int]]:
    """Autocomplete over beat titles and keywords as ("8 · Title", 8) pairs, best first, at most 25."""
    beats = [beat for beat in film.beats if beat.level <= max_level]
    query = fold(current)
    number = query.split()[0] if query else ""
    if number.isdigit():  # a number, or "8 · Title" picked earlier and now edited
        exact = [b for b in beats if str(b.number) == number]
        starting = [b for b in beats if str(b.number).startswith(number) and b not in exact]
        return [_beat_choice(beat) for beat in [*exact, *starting][:MAX_CHOICES]]
    found = index_for(film).beat_names.complete(current)
    allowed = {beat.number for beat in beats}
    return [_beat_choice(b) for b in found if isinstance(b, Beat) and b.number in allowed][:MAX_CHOICES]
