"""Load film packs (TOML files) into the frozen objects of `bot.films.model`.

A pack is read once at start-up. Anything malformed raises `PackError`, naming the
file, the field (a dotted path such as `cast[3].character.variants[0].evidence[0].source`)
and what is wrong. Nothing here is specific to one film.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import NoReturn, TypeVar

from bot.films.model import (
    Beat,
    CastMember,
    Character,
    Evidence,
    Fact,
    Film,
    Prompt,
    Source,
    SpoilerLevel,
    SynopsisPart,
    Theme,
    Variant,
    iter_facts,
)
from bot.films.reveals import reveal_problems

MAX_QUOTE_WORDS = 12
MAX_PROMPT_CHARS = 400  # a prompt is posted as the opening line of a message
REQUIRED_FACTS = (
    "title",
    "release_year",
    "director",
    "screenplay",
    "novel",
    "studio",
    "runtime",
    "setting_place",
    "setting_time",
)
AMOUNT_FACTS = frozenset({"release_year", "runtime"})  # their stated variants must carry a number
LEVELS = {level.label: level for level in SpoilerLevel}

_T = TypeVar("_T")
_TOML_TYPES: dict[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    list: "an array",
    dict: "a table",
}
_SLUG = re.compile(r"[^a-z0-9]+")


class PackError(ValueError):
    """A film pack that cannot be loaded: which file, which field, what is wrong."""

    def __init__(self, file: str, field: str, problem: str) -> None:
        super().__init__(f"{file}: {field}: {problem}")
        self.file = file
        self.field = field
        self.problem = problem


# --- reading raw TOML tables with their field paths ------------------------------------------


def _type_name(value: object) -> str:
    for kind, name in _TOML_TYPES.items():
        if type(value) is kind:
            return name
    return type(value).__name__


@dataclass(frozen=True, slots=True)
class _Node:
    """One TOML table and where it sits in the pack, for precise error messages."""

    file: str
    path: str
    data: Mapping[str, object]

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, problem: str) -> NoReturn:
        raise PackError(self.file, self.where(key), problem)

    def only(self, *allowed: str) -> None:
        for key in self.data:
            if key not in allowed:
                self.fail(key, f"unknown field (expected one of: {', '.join(allowed)})")

    def maybe(self, key: str, kind: type[_T]) -> _T | None:
        if key not in self.data:
            return None
        value = self.data[key]
        if type(value) is not kind:
            self.fail(key, f"wrong type: expected {_TOML_TYPES[kind]}, got {_type_name(value)}")
        return value

    def need(self, key: str, kind: type[_T]) -> _T:
        value = self.maybe(key, kind)
        if value is None:
            self.fail(key, f"missing (expected {_TOML_TYPES[kind]})")
        return value

    def text(self, key: str) -> str:
        value = self.need(key, str)
        if not value.strip():
            self.fail(key, "empty")
        return value

    def optional_text(self, key: str) -> str | None:
        value = self.maybe(key, str)
        if value is not None and not value.strip():
            self.fail(key, "empty (leave the field out when the source does not say)")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        items = self.maybe(key, list) or []
        for index, item in enumerate(items):
            if type(item) is not str:
                self.fail(f"{key}[{index}]", f"wrong type: expected a string, got {_type_name(item)}")
            if not item.strip():
                self.fail(f"{key}[{index}]", "empty")
        return tuple(items)

    def table(self, key: str) -> _Node:
        return _Node(self.file, self.where(key), self.need(key, dict))

    def tables(self, key: str, *, required: bool = True) -> list[_Node]:
        items = self.need(key, list) if required else (self.maybe(key, list) or [])
        nodes = []
        for index, item in enumerate(items):
            if type(item) is not dict:
                self.fail(f"{key}[{index}]", f"wrong type: expected a table, got {_type_name(item)}")
            nodes.append(_Node(self.file, self.where(f"{key}[{index}]"), item))
        return nodes

    def reveal(self, key: str = "reveal") -> int:
        """A required reveal point: the beat (0 = before the film starts) that first reveals the text."""
        value = self.maybe(key, int)
        if value is None:
            self.fail(key, "missing reveal point (the beat that first reveals this text; 0 before the film)")
        if value < 0:
            self.fail(key, f"a reveal point is a beat number, 0 or more, not {value}")
        return value

    def level(self, key: str, default: SpoilerLevel | None = None) -> SpoilerLevel:
        name = self.maybe(key, str)
        if name is None:
            if default is None:
                self.fail(key, f"missing (expected one of: {', '.join(LEVELS)})")
            return default
        if name not in LEVELS:
            self.fail(key, f"unknown spoiler level {name!r} (expected one of: {', '.join(LEVELS)})")
        return LEVELS[name]


# --- building the model objects --------------------------------------------------------------


def _evidence(node: _Node, key: str = "evidence") -> tuple[Evidence, ...]:
    items = []
    for item in node.tables(key):
        item.only("source", "quote")
        items.append(Evidence(source=item.text("source"), quote=item.text("quote")))
    return tuple(items)


def _variant(node: _Node) -> Variant:
    node.only("value", "amount", "evidence", "reveal")
    return Variant(
        value=node.text("value"),
        evidence=_evidence(node),
        amount=node.maybe("amount", int),
        reveal=node.reveal(),
    )


def _fact(node: _Node, key: str, label: str, label_reveal: int) -> Fact:
    variants = tuple(_variant(item) for item in node.tables("variants"))
    note = node.maybe("note", str) or ""
    return Fact(
        key=key,
        label=label,
        variants=variants,
        note=note,
        label_reveal=label_reveal,
        note_reveal=node.reveal("note_reveal") if note else 0,
    )


def _facts(root: _Node) -> Mapping[str, Fact]:
    facts: dict[str, Fact] = {}
    for node in root.tables("facts"):
        node.only("key", "label", "label_reveal", "note", "note_reveal", "variants")
        key = node.text("key")
        if key in facts:
            node.fail("key", f"duplicate fact key {key!r}")
        facts[key] = _fact(node, key, node.text("label"), node.reveal("label_reveal"))
    return MappingProxyType(facts)


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.casefold()).strip("-")


def _cast_member(node: _Node) -> CastMember:
    node.only("actor", "actor_evidence", "character_key", "character", "role")
    actor = node.text("actor")
    slug = _slug(actor)
    character = node.table("character")
    character.only("variants", "note", "note_reveal")
    role = node.table("role")
    role.only("variants", "note", "note_reveal")
    # The labels name the actor only, which the credits give before the film starts.
    return CastMember(
        actor=actor,
        actor_evidence=_evidence(node, "actor_evidence"),
        character=_fact(character, f"cast.{slug}.character", f"{actor}'s character", 0),
        character_key=node.optional_text("character_key"),
        description=_fact(role, f"cast.{slug}.role", f"{actor}'s role", 0),
    )


def _character(node: _Node) -> Character:
    node.only("key", "name", "aliases", "reveal", "description", "description_reveal", "evidence")
    return Character(
        key=node.text("key"),
        name=node.text("name"),
        aliases=node.strings("aliases"),
        description=node.text("description"),
        evidence=_evidence(node),
        reveal=node.reveal(),
        description_reveal=node.reveal("description_reveal"),
    )


def _beat(node: _Node) -> Beat:
    node.only("number", "title", "title_reveal", "summary", "level", "keywords", "evidence")
    return Beat(
        number=node.need("number", int),
        title=node.text("title"),
        summary=node.text("summary"),
        level=node.level("level"),
        evidence=_evidence(node),
        keywords=node.strings("keywords"),
        title_reveal=node.reveal("title_reveal"),
    )


def _synopsis(root: _Node, key: str) -> tuple[SynopsisPart, ...]:
    parts = []
    for node in root.tables(key):
        node.only("reveal", "text")
        parts.append(SynopsisPart(reveal=node.reveal(), text=node.text("text")))
    return tuple(parts)


def _theme(node: _Node) -> Theme:
    node.only("name", "reveal", "description", "description_reveal", "evidence")
    return Theme(
        name=node.text("name"),
        description=node.text("description"),
        evidence=_evidence(node),
        reveal=node.reveal(),
        description_reveal=node.reveal("description_reveal"),
    )


def _prompt(node: _Node) -> Prompt:
    node.only("key", "text", "reveal", "themes", "beats", "facts")
    beats = node.maybe("beats", list) or []
    for index, number in enumerate(beats):
        if type(number) is not int:
            node.fail(f"beats[{index}]", f"wrong type: expected an integer, got {_type_name(number)}")
    return Prompt(
        key=node.text("key"),
        text=node.text("text"),
        reveal=node.need("reveal", int),
        themes=node.strings("themes"),
        beats=tuple(beats),
        facts=node.strings("facts"),
    )


def _source(node: _Node) -> Source:
    node.only("key", "file", "title", "kind", "author", "date")
    return Source(
        key=node.text("key"),
        file=node.text("file"),
        title=node.text("title"),
        kind=node.text("kind"),
        author=node.optional_text("author"),
        date=node.optional_text("date"),
    )


def _read_toml(path: Path) -> _Node:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PackError(str(path), "(file)", f"cannot be read: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise PackError(str(path), "(file)", "is not UTF-8 text") from error
    except tomllib.TOMLDecodeError as error:
        raise PackError(str(path), "(file)", f"is not valid TOML: {error}") from error
    except RecursionError:
        raise PackError(str(path), "(file)", "nests arrays or tables too deeply to read") from None
    return _Node(str(path), "", data)


def parse_pack(path: Path) -> Film:
    """Read a pack's structure and types into a Film, without the cross-reference checks of `load_pack`."""
    root = _read_toml(path)
    root.only(
        "key", "title", "sources", "facts", "cast", "characters", "beats", "synopsis", "themes", "prompts"
    )
    synopsis = root.table("synopsis")
    synopsis.only("safe", "full")
    return Film(
        key=root.text("key"),
        title=root.text("title"),
        facts=_facts(root),
        cast=tuple(_cast_member(node) for node in root.tables("cast")),
        characters=tuple(_character(node) for node in root.tables("characters")),
        beats=tuple(_beat(node) for node in root.tables("beats")),
        synopsis_safe=_synopsis(synopsis, "safe"),
        synopsis_full=_synopsis(synopsis, "full"),
        themes=tuple(_theme(node) for node in root.tables("themes", required=False)),
        sources=tuple(_source(node) for node in root.tables("sources")),
        prompts=tuple(_prompt(node) for node in root.tables("prompts", required=False)),
        pack_file=str(path),
    )


# --- cross-references, checked on the built Film ---------------------------------------------


def _evidence_groups(film: Film) -> Iterator[tuple[str, tuple[Evidence, ...]]]:
    for path, fact in iter_facts(film):
        for index, variant in enumerate(fact.variants):
            yield f"{path}.variants[{index}].evidence", variant.evidence
    for index, member in enumerate(film.cast):
        yield f"cast[{index}].actor_evidence", member.actor_evidence
    groups: tuple[tuple[str, Sequence[Character | Beat | Theme]], ...] = (
        ("characters", film.characters),
        ("beats", film.beats),
        ("themes", film.themes),
    )
    for name, items in groups:
        for index, item in enumerate(items):
            yield f"{name}[{index}].evidence", item.evidence


def iter_evidence(film: Film) -> Iterator[tuple[str, Evidence]]:
    """Every evidence phrase of a film with its field path."""
    for path, group in _evidence_groups(film):
        for index, evidence in enumerate(group):
            yield f"{path}[{index}]", evidence


def _duplicates(values: list[str]) -> Iterator[tuple[int, str]]:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            yield index, value
        seen.add(value)


def _evidence_problems(film: Film) -> Iterator[tuple[str, str]]:
    source_keys = {source.key for source in film.sources}
    for path, group in _evidence_groups(film):
        if not group:
            yield path, "no evidence: every entry needs at least one source phrase"
    for path, evidence in iter_evidence(film):
        if evidence.source not in source_keys:
            yield f"{path}.source", f"unknown source key {evidence.source!r}"
        words = len(evidence.quote.split())
        if words > MAX_QUOTE_WORDS:
            yield f"{path}.quote", f"evidence over {MAX_QUOTE_WORDS} words ({words})"


def _fact_problems(film: Film) -> Iterator[tuple[str, str]]:
    for key in REQUIRED_FACTS:
        if key not in film.facts:
            yield "facts", f"missing required fact {key!r} (use `variants = []` when the sources are silent)"
    for path, fact in iter_facts(film):
        if fact.key not in AMOUNT_FACTS:
            continue
        for index, variant in enumerate(fact.variants):
            if variant.amount is None:
                yield f"{path}.variants[{index}].amount", f"missing: {fact.key} variants carry a number"


def _structure_problems(film: Film) -> Iterator[tuple[str, str]]:
    for index, key in _duplicates([source.key for source in film.sources]):
        yield f"sources[{index}].key", f"duplicate source key {key!r}"
    for index, key in _duplicates([character.key for character in film.characters]):
        yield f"characters[{index}].key", f"duplicate character key {key!r}"
    for index, actor in _duplicates([member.actor for member in film.cast]):
        yield f"cast[{index}].actor", f"duplicate actor {actor!r}"
    for index, name in _duplicates([theme.name for theme in film.themes]):
        yield f"themes[{index}].name", f"duplicate theme {name!r}"
    character_keys = {character.key for character in film.characters}
    for index, member in enumerate(film.cast):
        if member.character_key is not None and member.character_key not in character_keys:
            yield f"cast[{index}].character_key", f"{member.character_key!r} is not a character key"
    for index, beat in enumerate(film.beats):
        if beat.number != index + 1:
            yield (
                f"beats[{index}].number",
                f"beats must be numbered 1..n in order: expected {index + 1}, got {beat.number}",
            )


def _prompt_problems(film: Film) -> Iterator[tuple[str, str]]:
    """Each prompt reaches a real beat and draws only on themes, beats and facts the pack holds, none later."""
    for index, key in _duplicates([prompt.key for prompt in film.prompts]):
        yield f"prompts[{index}].key", f"duplicate prompt key {key!r}"
    themes = {theme.name: theme for theme in film.themes}
    last = len(film.beats)
    for index, prompt in enumerate(film.prompts):
        path = f"prompts[{index}]"
        if not 1 <= prompt.reveal <= last:
            yield f"{path}.reveal", f"beat {prompt.reveal} is not a beat of this film (1-{last})"
            continue
        if len(prompt.text) > MAX_PROMPT_CHARS:
            yield f"{path}.text", f"over {MAX_PROMPT_CHARS} characters ({len(prompt.text)})"
        if not (prompt.themes or prompt.beats or prompt.facts):
            yield path, "names no theme, beat or fact it draws on"
        later = f"reaches past the prompt's reveal point ({prompt.reveal})"
        for number in prompt.beats:
            if not 1 <= number <= last:
                yield f"{path}.beats", f"beat {number} is not a beat of this film (1-{last})"
            elif number > prompt.reveal:
                yield f"{path}.beats", f"beat {number} {later}"
        for name in prompt.themes:
            theme = themes.get(name)
            if theme is None:
                yield f"{path}.themes", f"{name!r} is not a theme of this film"
            elif max(theme.reveal, theme.description_reveal) > prompt.reveal:
                yield f"{path}.themes", f"theme {name!r} {later}"
        for key in prompt.facts:
            fact = film.facts.get(key)
            if fact is None:
                yield f"{path}.facts", f"{key!r} is not a fact of this film"
            elif fact.reveal > prompt.reveal:
                yield f"{path}.facts", f"fact {key!r} (revealed at beat {fact.reveal}) {later}"


def pack_problems(film: Film) -> list[tuple[str, str]]:
    """Cross-reference problems of a built film as (field path, problem) pairs; empty when consistent."""
    return [
        *_structure_problems(film),
        *_fact_problems(film),
        *_evidence_problems(film),
        *_prompt_problems(film),
        *reveal_problems(film),
    ]


def load_pack(path: Path) -> Film:
    """Load one film pack; raise PackError naming the file, field and problem when it is malformed."""
    film = parse_pack(path)
    for field, problem in pack_problems(film):
        raise PackError(str(path), field, problem)
    return film


# --- a club's library of packs ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FilmLibrary:
    """The films a club can talk about, by key, with the one used when none is named."""

    films: Mapping[str, Film]
    default_key: str

    def __post_init__(self) -> None:
        if self.default_key not in self.films:
            raise KeyError(self.default_key)

    def get(self, key: str | None = None) -> Film:
        """The film with this key (the default film when key is None); KeyError when unknown."""
        return self.films[self.default_key if key is None else key]

    def keys(self) -> tuple[str, ...]:
        """Film keys in load order."""
        return tuple(self.films)

    @property
    def default(self) -> Film:
        return self.films[self.default_key]


def load_library(directory: Path, default: str | None = None) -> FilmLibrary:
    """Load every `*.toml` pack in a folder; the default film is `default` or the first pack by file name."""
    if not directory.is_dir():
        raise PackError(str(directory), "(folder)", "not a folder")
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise PackError(str(directory), "(folder)", "no film packs (*.toml) found")
    films: dict[str, Film] = {}
    for path in paths:
        film = load_pack(path)
        if film.key in films:
            other = Path(films[film.key].pack_file).name
            raise PackError(str(path), "key", f"duplicate film key {film.key!r} (also in {other})")
        films[film.key] = film
    chosen = default if default is not None else next(iter(films))
    if chosen not in films:
        raise PackError(str(directory), "default", f"no film {chosen!r} (known: {', '.join(films)})")
    return FilmLibrary(films=MappingProxyType(films), default_key=chosen)
